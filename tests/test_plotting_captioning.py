"""Figures of notebook 14: the drawn artists hold what was asked for."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402

from course_utils.plotting import (  # noqa: E402
    draw_word_probabilities,
    plot_captions,
    plot_gradient_through_time,
    plot_rnn_patterns,
    plot_unrolled_rnn,
    update_word_probabilities,
)
from course_utils.plotting.captioning import PATTERNS  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _boxes(ax):
    return [p for p in ax.patches if isinstance(p, FancyBboxPatch)]


def test_rnn_patterns_draw_one_box_per_input_state_and_output():
    fig = plot_rnn_patterns()
    for ax, (title, steps, inputs, outputs) in zip(fig.axes, PATTERNS, strict=True):
        assert ax.get_title() == title
        assert len(_boxes(ax)) == steps + len(inputs) + len(outputs)
    assert [p[2] for p in PATTERNS[1:3]] == [[0], [0, 1, 2, 3]]  # one-to-many, many-to-one


def test_unrolled_rnn_labels_every_step_with_u_v_w():
    ax = plot_unrolled_rnn(steps=4).axes[0]
    labels = [t.get_text() for t in ax.texts]
    assert len(_boxes(ax)) == 3 * 5  # folded network + 4 unrolled steps
    assert labels.count("U") == labels.count("V") == 5 and labels.count("W") == 5


def test_plot_captions_colours_right_and_wrong():
    images = np.zeros((3, 3, 8, 8))
    fig = plot_captions(images, ["a red circle", "a blue square", "x"],
                        ["a red circle", "a red square", "x"], ncols=2)
    titles = [ax.title for ax in fig.axes]
    assert titles[0].get_color() == "#1a7f37" and "truth" not in titles[0].get_text()
    assert titles[1].get_color() == "#cf222e" and "truth: a red square" in titles[1].get_text()
    assert len(fig.axes) == 4 and not fig.axes[3].images  # the spare panel stays empty


def test_word_bars_and_gradient_curves_hold_the_numbers():
    fig, ax = plt.subplots()
    bars = draw_word_probabilities(ax, 3)
    update_word_probabilities(bars, ["a", "red"], [0.7, 0.2], chosen="red", title="word 2")
    assert [b.get_width() for b in bars.bars] == pytest.approx([0.7, 0.2, 0.0])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "red", ""]
    assert bars.bars[1].get_facecolor() != bars.bars[0].get_facecolor()
    curves = {"fade": [1e-6, 1e-3, 1.0]}
    line = plot_gradient_through_time(curves).axes[0].lines[0]
    np.testing.assert_allclose(line.get_ydata(), curves["fade"])
