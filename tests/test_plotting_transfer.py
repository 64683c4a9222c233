"""Notebook 10's figures draw the numbers they are given."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from course_utils.finetune import Curve, FineTune  # noqa: E402
from course_utils.plotting import (  # noqa: E402
    draw_freezing,
    plot_early_and_late,
    plot_image_rows,
    plot_learning_curves,
    plot_projections,
)
from course_utils.plotting.base import subplots  # noqa: E402


def test_learning_curves_plot_the_mean_over_seeds():
    scores = {"a": np.array([[0.5, 0.7], [0.8, 0.9]]), "b": np.array([[0.1, 0.3], [0.2, 0.2]])}
    fig = plot_learning_curves({"one": Curve([1, 5], scores), "two": Curve([1, 5], scores)})
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_allclose(lines["a"].get_ydata(), [0.6, 0.85])
    np.testing.assert_allclose(lines["b"].get_xdata(), [1, 5])
    assert len(ax.collections) == 2 and len(fig.axes) == 2  # one spread band per method


def test_projections_show_every_point_in_four_panels():
    rng = np.random.default_rng(0)
    y = np.r_[np.zeros(20), np.ones(20)].astype(int)
    fig = plot_projections({"x": rng.normal(size=(40, 5)), "z": rng.normal(size=(40, 3))}, y)
    assert [ax.get_title() for ax in fig.axes] == ["x: PCA", "x: t-SNE", "z: PCA", "z: t-SNE"]
    assert all(sum(len(c.get_offsets()) for c in ax.collections) == 40 for ax in fig.axes)


def test_early_and_late_figure_and_image_rows():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, size=(32, 32, 3), dtype=np.uint8)
    early = rng.uniform(size=(3, 16, 16))
    fig = plot_early_and_late(image, rng.normal(size=(3, 3, 3, 3)), early,
                              rng.normal(size=(7, 7)), label="tabby")
    assert len(fig.axes) == 8 and "tabby" in fig.axes[4].get_title()
    np.testing.assert_array_equal(fig.axes[5].get_images()[0].get_array(), early[0])
    rows = plot_image_rows({"a": rng.uniform(size=(5, 4, 4)), "b": rng.uniform(size=(9, 4, 4))},
                           n=6)
    assert sum(len(ax.get_images()) for ax in rows.axes) == 5 + 6


def test_freezing_panels_highlight_the_current_setting():
    fig, (left, right) = subplots(1, 2, (8, 3))
    runs = {7: FineTune(0.7, 10, 0.01, 0.01), 5: FineTune(0.9, 30, 0.1, 0.1)}
    draw_freezing(left, right, [50e6, 40e6, 30e6], runs, 2, pixel_accuracy=0.8, task="t")
    heights = [bar.get_height() for bar in left.patches]
    assert heights == [50, 40, 30]
    assert to_hex(left.patches[2].get_facecolor()) == "#d62728"  # the current setting
    line = right.get_lines()[0]
    assert list(line.get_xdata()) == [5, 7] and list(line.get_ydata()) == [0.9, 0.7]


def test_freezing_panels_update_in_place_on_later_calls():
    fig, (left, right) = subplots(1, 2, (8, 3))
    runs = {2: FineTune(0.6, 10, 0.01, 0.01)}
    artists = draw_freezing(left, right, [5e6, 4e6, 3e6], runs, 2, pixel_accuracy=0.8, task="a")
    runs[0] = FineTune(0.9, 50, 0.1, 0.1)
    again = draw_freezing(left, right, [5e6, 4e6, 3e6], runs, 0, pixel_accuracy=0.5, task="b",
                          artists=artists)
    assert again is artists and len(left.patches) == 3 and len(right.get_lines()) == 3
    assert to_hex(left.patches[0].get_facecolor()) == "#d62728"
    assert to_hex(left.patches[2].get_facecolor()) != "#d62728"  # no longer current
    assert list(artists["line"].get_ydata()) == [0.9, 0.6]
    assert list(artists["current"].get_xdata()) == [0] and right.get_title() == "b"
    assert list(artists["pixels"].get_ydata()) == [0.5, 0.5]
