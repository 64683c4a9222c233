"""Notebooks 11 and 12's figures draw what they claim: matched boxes, responsible cells, curves."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from course_utils.data import make_scenes  # noqa: E402
from course_utils.detection import (  # noqa: E402
    default_boxes,
    match_anchors,
    mean_average_precision,
    noisy_detections,
    scene_targets,
)
from course_utils.plotting import (  # noqa: E402
    plot_default_boxes,
    plot_detections,
    plot_localisation,
    plot_map_vs_time,
    plot_pr_curves,
    plot_yolo_grid,
)

SCENES = make_scenes(6, seed=4, max_objects=4)


def _boxes(ax, *, solid=None):
    rects = [p for p in ax.patches if isinstance(p, Rectangle)]
    if solid is None:
        return rects
    return [r for r in rects if (r.get_linestyle() == "-") == solid]


def test_default_boxes_figure_draws_the_matched_boxes():
    scene = SCENES[0]
    fig = plot_default_boxes(scene, maps=[(8, [12]), (4, [24])], ratios=(1, 2, 0.5))
    for ax, (cells, scale) in zip(fig.axes[1:], [(8, 12), (4, 24)], strict=True):
        matches = match_anchors(default_boxes(cells, 64, scales=[scale], ratios=(1, 2, 0.5)),
                                torch.as_tensor(scene.boxes), high=0.5, low=0.5,
                                allow_low_quality_matches=False)
        assert len(_boxes(ax, solid=True)) == int((matches >= 0).sum())
    plt.close(fig)


def test_yolo_grid_fills_one_cell_per_object():
    fig = plot_yolo_grid(SCENES[1], grid=4)
    filled = [p for p in fig.axes[0].patches if p.get_fill()]
    assert len(filled) == len(SCENES[1].boxes)
    plt.close(fig)


def test_detections_figure_hides_low_scores():
    targets = scene_targets(SCENES[:2])
    found = noisy_detections(targets, seed=0, false_positives=3)
    fig = plot_detections(SCENES[:2], found, targets=targets, min_score=0.5, ncols=2)
    for ax, f, t in zip(fig.axes, found, targets, strict=True):
        assert len(_boxes(ax, solid=True)) == int((f["scores"] >= 0.5).sum())
        assert len(_boxes(ax, solid=False)) == len(t["boxes"])
    plt.close(fig)


def test_curves_and_localisation_figures():
    targets = scene_targets(SCENES)
    result = mean_average_precision(noisy_detections(targets, seed=1), targets)
    fig = plot_pr_curves(result)
    labels = [line.get_label() for line in fig.axes[0].lines]
    assert len(labels) == len(result.classes) and all("AP" in label for label in labels)
    plt.close(fig)
    fig = plot_map_vs_time([{"cpu_seconds": s, "map50": 0.5 + s / 100, "map": s / 100}
                            for s in (5, 10, 20)])
    assert [line.get_ydata()[-1] for line in fig.axes[0].lines[::2]] == [0.7, 0.2]
    plt.close(fig)
    one = make_scenes(3, seed=0, n_objects=1)
    fig = plot_localisation(one, np.array([s.labels[0] for s in one]), np.stack(
        [s.boxes[0] for s in one]), n=3)
    assert all("IoU 1.00 ✓" in ax.get_title() for ax in fig.axes)
    plt.close(fig)
