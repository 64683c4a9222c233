"""Notebook 11's Faster R-CNN figures draw what they say: the top-k proposals, the detections
above the threshold in their class colours, the ground truth dashed."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from course_utils.data import make_scenes  # noqa: E402
from course_utils.plotting.detection import SHAPE_COLOURS  # noqa: E402
from course_utils.plotting.rcnn import StagePanels, plot_rpn_before_after  # noqa: E402

SCENE = make_scenes(1, seed=5, max_objects=4)[0]


def _stages(n_proposals=30, scores=(0.9, 0.6, 0.3), labels=(1, 2, 3)):
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 40, (n_proposals, 2))
    proposals = torch.tensor(np.hstack([xy, xy + rng.uniform(5, 20, (n_proposals, 2))]),
                             dtype=torch.float32)
    k = len(scores)
    return {"proposals": proposals, "objectness": torch.linspace(1, 0, n_proposals),
            "detections": {"boxes": proposals[:k] + 1, "scores": torch.tensor(scores),
                           "labels": torch.tensor(labels)}}


def _verts(collection):
    return [p.vertices[:4] for p in collection.get_paths()]


@pytest.mark.parametrize("top, min_score, kept", [(5, 0.5, 2), (30, 0.05, 3), (100, 0.95, 0)])
def test_panels_draw_top_k_proposals_and_confident_detections(top, min_score, kept):
    fig, axes = plt.subplots(1, 2)
    panels = StagePanels(axes, SCENE.image)
    stages = _stages()
    det = panels.update(SCENE.image, stages, SCENE.boxes, top=top, min_score=min_score,
                        titles=("a", "b"))
    shown = _verts(panels.proposals)
    assert len(shown) == min(top, 30)
    first = stages["proposals"][0].numpy()  # the best proposal is drawn first, corners right
    np.testing.assert_allclose(shown[0][[0, 2]], [first[:2], first[2:]])
    assert len(_verts(panels.detections)) == kept == len(det["boxes"])
    assert all(det["scores"] >= min_score)
    colours = panels.detections.get_edgecolor()
    for colour, label in zip(colours, det["labels"], strict=False):
        assert matplotlib.colors.to_hex(colour) == SHAPE_COLOURS[int(label)]
    assert len(panels.labels) == kept
    for gt in panels.truth:  # ground truth on both panels, dashed
        assert len(_verts(gt)) == len(SCENE.boxes)
    assert axes[0].get_title() == "a" and axes[1].get_title() == "b"
    plt.close(fig)


def test_update_replaces_what_was_drawn():
    fig, axes = plt.subplots(1, 2)
    panels = StagePanels(axes, SCENE.image)
    panels.update(SCENE.image, _stages(), SCENE.boxes, top=20, min_score=0.05, titles=("", ""))
    panels.update(SCENE.image, _stages(scores=(0.9,), labels=(2,)), SCENE.boxes, top=3,
                  min_score=0.5, titles=("", ""))
    assert len(_verts(panels.proposals)) == 3 and len(_verts(panels.detections)) == 1
    assert len(axes[1].texts) == 1  # the old labels are gone
    plt.close(fig)


def test_before_after_figure_has_a_row_per_model():
    fig = plot_rpn_before_after(SCENE, _stages(scores=(), labels=()), _stages(), top=7,
                                min_score=0.5)
    axes = fig.axes
    assert len(axes) == 4
    assert "untrained" in axes[0].get_title() and "trained" in axes[2].get_title()
    assert "0 detections" in axes[1].get_title() and "2 detections" in axes[3].get_title()
    assert [len(_verts(a.collections[-1])) for a in (axes[0], axes[2])] == [7, 7]
    plt.close(fig)
