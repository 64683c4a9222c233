"""TwoStageExplorer: its controls drive what is drawn (the top-k proposals, the detections
above the threshold, the chosen model's stages), redraws reuse the computed stages, and
arguments outside the controls are refused."""

import matplotlib
import numpy as np
import pytest
import torch

matplotlib.use("Agg")

from course_utils.boxes import box_iou  # noqa: E402
from course_utils.data import make_scenes, scenes_to_tensors  # noqa: E402
from course_utils.rcnn import covered, rpn_proposals, two_stages, untrained_faster_rcnn  # noqa: E402
from course_utils.widgets import TwoStageExplorer  # noqa: E402

SCENES = make_scenes(3, seed=7, max_objects=4)


@pytest.fixture(scope="module")
def models():
    """Two different copies (seeds 0 and 1): enough to tell which one is drawn."""
    return untrained_faster_rcnn(seed=1), untrained_faster_rcnn(seed=0)


@pytest.fixture(scope="module")
def explorer(models):
    trained, untrained = models
    return TwoStageExplorer(trained, untrained, SCENES, top_k=5, score=0.05)


def _drawn(collection):
    return np.array([p.vertices[[0, 2]].ravel() for p in collection.get_paths()]).reshape(-1, 4)


def test_first_draw_is_the_trained_models_top_k(explorer, models):
    image = scenes_to_tensors(SCENES[:1])[0][0]
    expected, _ = rpn_proposals(models[0], image)
    np.testing.assert_allclose(_drawn(explorer.panels.proposals), expected[:5].numpy(),
                               atol=1e-4)
    assert "top 5 proposals" in explorer.status.value


def test_controls_change_what_is_drawn(explorer, models):
    before = explorer.plot.image.value
    explorer.top_k.value = 40
    assert len(explorer.panels.proposals.get_paths()) == len(explorer.top) == 40
    assert explorer.plot.image.value != before
    explorer.model.value = "untrained"
    image = scenes_to_tensors(SCENES[:1])[0][0]
    expected, _ = rpn_proposals(models[1], image)
    np.testing.assert_allclose(_drawn(explorer.panels.proposals), expected[:40].numpy(),
                               atol=1e-4)
    explorer.scene.value = 2
    truth = explorer.panels.truth[0].get_paths()
    assert len(truth) == len(SCENES[2].boxes)
    explorer.score.value = 0.95
    det = explorer.stages("untrained", 2)["detections"]
    assert len(explorer.detections["boxes"]) == int((det["scores"] >= 0.95).sum())


def test_stages_are_computed_once_per_model_and_scene(explorer):
    explorer.model.value = "trained"
    explorer.scene.value = 1
    cached = explorer.stages("trained", 1)
    explorer.top_k.value = 3
    explorer.score.value = 0.3
    assert explorer.stages("trained", 1) is cached
    expected = two_stages(explorer.models["trained"], explorer.images[1])
    torch.testing.assert_close(cached["proposals"], expected["proposals"])


def test_coverage_is_iou_with_some_proposal():
    truth = np.array([[0, 0, 10, 10], [20, 20, 30, 30]], float)
    proposals = np.array([[1, 0, 10, 10], [40, 40, 50, 50]], float)
    oracle = box_iou(torch.tensor(truth), torch.tensor(proposals)).max(1).values >= 0.5
    assert covered(proposals, truth).tolist() == oracle.tolist() == [True, False]
    assert covered(np.zeros((0, 4)), truth).tolist() == [False, False]


@pytest.mark.parametrize("kwargs, message", [
    ({"scene": 3}, "scene must be a whole number in \\[0, 2\\]"),
    ({"top_k": 0}, "top_k must be a whole number in \\[1, 100\\]"),
    ({"score": 1.0}, "score must be a number in \\[0.05, 0.95\\]"),
    ({"model": "half"}, "model"),
])
def test_arguments_outside_the_controls_are_refused(models, kwargs, message):
    with pytest.raises(ValueError, match=message):
        TwoStageExplorer(*models, SCENES, **kwargs)


def test_models_come_in_pairs(models):
    with pytest.raises(ValueError, match="both trained and untrained"):
        TwoStageExplorer(models[0], None, SCENES)
