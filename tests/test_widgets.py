"""Widgets without a browser: build under Agg, set a control's value, assert state and pixels."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from course_utils.data import photo  # noqa: E402
from course_utils.perceptron import n_errors, perceptron_train  # noqa: E402
from course_utils.widgets import (  # noqa: E402
    ColourQuantizer,
    PerceptronPlayground,
    PerceptronStepper,
    perceptron_dataset,
)


def test_playground_sliders_drive_errors_boundary_and_image():
    pg = PerceptronPlayground(dataset="AND", w1=1.0, w2=1.0, b=1.0)  # the deck's "AND": OR
    first_png, first_line = pg.plot.image.value, pg.artists.boundary.get_xydata().copy()
    assert pg.errors == 2 and "2 of 4 wrong" in pg.status.value
    pg.b.value = -1.0
    assert pg.errors == 0 == n_errors(pg.w_tilde, pg.x, pg.y)
    assert "all correct" in pg.status.value
    assert pg.plot.image.value != first_png and bytes(pg.plot.image.value)[:4] == b"\x89PNG"
    assert not np.allclose(pg.artists.boundary.get_xydata(), first_line)
    assert len(pg.artists.wrong.get_offsets()) == 0


def test_figures_show_at_their_own_size_not_stretched():
    pg = PerceptronPlayground()
    width = pg.plot.figure.get_figwidth() * pg.plot.figure.dpi
    assert pg.plot.image.layout.width == f"{round(width)}px"
    assert pg.plot.image.layout.align_self == "flex-start"


def test_playground_dataset_switch_reloads_data():
    pg = PerceptronPlayground(dataset="AND")
    pg.dataset.value = "moons"
    assert pg.x.shape == (60, 2)
    assert pg.errors == n_errors(pg.w_tilde, pg.x, pg.y)
    assert len(pg.artists.wrong.get_offsets()) == pg.errors


def test_stepper_buttons_move_through_the_run():
    st = PerceptronStepper(dataset="XOR", epochs=10)
    assert st.step.max == 40 and st.step.value == 0 and not st.run.converged
    assert "repeats every 1 epoch" in st.status.value
    png = st.plot.image.value
    st.next_visit.click()
    assert st.step.value == 1 and np.array_equal(st.w_tilde, st.run.weights[1])
    assert "update" in st.status.value and st.plot.image.value != png
    st.next_epoch.click()
    assert st.step.value == 5
    st.next_update.click()  # XOR from w~ = 0: every visit of the first epochs updates
    assert st.step.value == 6 and st.run.updated[5]
    st.reset.click()
    assert st.step.value == 0 and np.all(st.w_tilde == 0)


def test_stepper_next_update_skips_visits_without_an_update():
    st = PerceptronStepper(dataset="blobs", epochs=5)
    updates = np.flatnonzero(st.run.updated) + 1  # the visits that changed w~
    for visit in updates:
        st.next_update.click()
        assert st.step.value == visit and "<b>update</b>" in st.status.value
    st.next_update.click()  # none left: go to the end of the run
    assert st.step.value == st.step.max


def test_stepper_controls_rerun_the_learning_rule():
    st = PerceptronStepper(dataset="AND")
    assert st.run.converged and "converged after 2 epoch" in st.status.value
    st.start.value = "random"
    st.lr.value = 0.1
    expected = perceptron_train(*perceptron_dataset("AND"), lr=0.1, epochs=10,
                                w0=np.random.default_rng(0).normal(size=3))
    np.testing.assert_allclose(st.run.weights, expected.weights)
    st.step.value = st.step.max
    assert st.errors == expected.epoch_errors[-1]


def test_unknown_dataset_is_refused():
    with pytest.raises(ValueError, match="unknown dataset 'MNIST'.*dataset must be one of: "):
        PerceptronPlayground(dataset="MNIST")


def test_colour_quantizer_widget_recomputes_and_redraws():
    widget = ColourQuantizer(photo_name="chelsea", k=4)
    png, shown = widget.plot.image.value, widget.quantized.get_array().copy()
    assert len(widget.result.palette) == 4 and bytes(png)[:3] == b"\xff\xd8\xff"  # JPEG
    assert widget.plot.image.format == "jpeg"
    widget.k.value = 8
    assert len(np.unique(widget.result.image.reshape(-1, 3), axis=0)) == 8
    assert widget.plot.image.value != png
    assert not np.array_equal(widget.quantized.get_array(), shown)
    assert "k = 8" in widget.plot.axes[1].get_title()
    widget.photo_name.value = "rocket"
    assert widget.image.shape == photo("rocket").shape
    assert widget.quantized.get_array().shape == photo("rocket").shape
    assert widget.plot.axes[0].get_title().startswith("rocket")
    with pytest.raises(ValueError, match="photo_name must be one of"):
        ColourQuantizer(photo_name="coins")


def test_png_bytes_decodes_to_the_same_pixels():
    import io

    from PIL import Image

    from course_utils.widgets.base import png_bytes

    rgba = np.random.default_rng(0).integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    decoded = np.asarray(Image.open(io.BytesIO(png_bytes(rgba))))  # PIL is the oracle
    assert decoded.shape == (7, 5, 4) and np.array_equal(decoded, rgba)
    with pytest.raises(ValueError, match="RGBA image"):
        png_bytes(rgba[..., :3])


def test_rendered_figure_is_the_canvas_pixels():
    import io

    from PIL import Image

    from course_utils.widgets.base import FigureImage

    for fmt in ("png", "jpeg"):
        shown = FigureImage((2.0, 1.5), format=fmt)
        shown.axes.plot([0, 1], [0, 1])
        shown.render()
        decoded = np.asarray(Image.open(io.BytesIO(shown.image.value)).convert("RGBA"))
        canvas = np.asarray(shown.figure.canvas.buffer_rgba())
        assert decoded.shape == canvas.shape == (144, 192, 4)
        error = np.abs(decoded.astype(int) - canvas)
        if fmt == "png":
            assert error.max() == 0  # lossless
        else:  # lossy near sharp edges, exact enough on average
            assert error.mean() < 2 and error.max() < 128
    with pytest.raises(ValueError, match="format must be"):
        FigureImage((2.0, 1.5), format="gif")


@pytest.mark.parametrize("widget, bad, good, message", [
    ("ConvArithmetic", {"size": 20}, {"size": 12},
     r"size must be a whole number in \[1, 12\] \(the range of its slider\), got 20"),
    ("ConvArithmetic", {"stride": 0}, {"stride": 4}, r"stride must be a whole number in \[1, 4\]"
                                                     r" \(the range of its slider\), got 0"),
    ("ConvArithmetic", {"kernel": 3.5}, {"kernel": 7}, r"kernel must be a whole number in "
                                                       r"\[1, 7\] .*got 3.5"),
    ("ConvArithmetic", {"mode": "conv"}, {"mode": "max pooling"},
     r"unknown mode 'conv'\..*mode must be one of: convolution"),
    ("DeepNetLab", {"depth": 0}, {"depth": 1}, r"depth must be a whole number in \[1, 20\] .*"
                                               r"got 0"),
    ("NetworkDesigner", {"size": -1}, {"size": 8}, r"size must be a whole number in \[8, 224\]"
                                                   r" .*got -1"),
    ("PerceptronStepper", {"lr": 0}, {"lr": 0.01}, r"lr must be a number in \[0.01, 10\] .*"
                                                   r"got 0"),
    ("MLPPlayground", {"dataset": "moon"}, {"dataset": "moons"},
     r"unknown dataset 'moon'\. Did you mean 'moons'\? dataset must be one of: .*moons"),
    ("MLPPlayground", {"noise": 0.9}, {"noise": 0.6}, r"noise must be a number in \[0, 0.6\]"),
    ("OptimizerRace", {"optimizers": "adam"}, {"optimizers": ["adam"]},
     r"optimizers must be a list of options from .*got 'adam'"),
    ("OptimizerRace", {"steps": 15}, {"steps": 20}, r"steps must be a whole number in "
                                                    r"\[10, 500\] on steps of 10 from 10"),
    ("PerceptronPlayground", {"w1": True}, {"w1": 1.0}, r"w1 must be a number in .*got True"),
])
def test_a_constructor_argument_outside_its_control_is_refused_not_clamped(widget, bad, good,
                                                                           message):
    import course_utils.widgets as all_widgets

    cls = getattr(all_widgets, widget)
    with pytest.raises(ValueError, match=message):
        cls(**bad)
    (name, value), = good.items()
    built = getattr(cls(**good), name).value  # the good input: the control holds it exactly
    assert built == (tuple(value) if isinstance(value, list) else value)


def test_new_control_checks_the_value_against_the_control_it_builds():
    import ipywidgets

    from course_utils.widgets.base import new_control

    with pytest.raises(ValueError, match=r"size must be a whole number in \[0, 100\]"):
        new_control(ipywidgets.IntSlider, "size", value=101)  # ipywidgets' own default range
    with pytest.raises(ValueError, match=r"level must be one of: 1.0, 0.5"):
        new_control(ipywidgets.ToggleButtons, "level", options=[("ink", 1.0), ("grey", 0.5)],
                    value=0.3)
    assert ipywidgets.IntSlider(value=101).value == 100  # what it guards against: a clamp
    assert new_control(ipywidgets.FloatLogSlider, "lr", value=0.5, min=-2, max=1).value == 0.5
