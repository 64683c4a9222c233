"""course_utils.plotting: the drawn artists hold the numbers the math modules compute."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils.data.toy import logic_gate, toy_2d  # noqa: E402
from course_utils.perceptron import boundary_segment, n_errors, perceptron_train  # noqa: E402
from course_utils.plotting import (  # noqa: E402
    data_extent,
    html_table,
    plot_decision,
    plot_training_curve,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_data_extent_pads_the_bounding_box():
    assert data_extent(np.array([[0.0, 1.0], [2.0, -1.0]]), pad=0.5) == (-0.5, 2.5, -1.5, 1.5)


def test_plot_decision_draws_the_boundary_and_rings_the_mistakes():
    x, y = toy_2d("moons", n=40, seed=0, encoding="bipolar")
    w = np.array([1.0, -1.0, 0.2])
    ax = plot_decision(x, y, w, title="moons").axes[0]
    errors = n_errors(w, x, y)
    assert ax.get_title() == f"moons\n{errors} of 40 wrong"
    rings = ax.collections[1].get_offsets()
    assert len(rings) == errors
    line = ax.lines[0].get_xydata()
    np.testing.assert_allclose(line, boundary_segment(w, data_extent(x)))


def test_plot_decision_without_a_boundary():
    x, y = logic_gate("AND", encoding="bipolar")
    ax = plot_decision(x, y, np.array([0.0, 0.0, 1.0])).axes[0]  # everything is +1
    assert len(ax.lines[0].get_xydata()) == 0 and ax.get_title() == "3 of 4 wrong"


def test_training_curve_plots_the_run():
    run = perceptron_train(*logic_gate("XOR", encoding="bipolar"), epochs=6)
    ax = plot_training_curve(run).axes[0]
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), run.epoch_updates)
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), run.epoch_errors)
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), np.arange(1, 7))


def test_html_table_escapes_and_formats():
    table = html_table([{"w~": np.array([1.0, -0.5]), "name": "<b>", "z": 0.25}], caption="c")
    assert "<th>w~</th>" in table.data and "(1, -0.5)" in table.data
    assert "&lt;b&gt;" in table.data and "<td>0.25</td>" in table.data
    assert "<caption>c</caption>" in table.data
    with pytest.raises(ValueError, match="at least one row"):
        html_table([])
