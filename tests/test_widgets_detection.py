"""The detection widget follows its controls: thresholds, NMS and matching update."""

import matplotlib

matplotlib.use("Agg")

import torch  # noqa: E402

from course_utils.data import make_scenes  # noqa: E402
from course_utils.detectors import GridDetector  # noqa: E402
from course_utils.widgets import DetectionExplorer  # noqa: E402
from course_utils.widgets.detection import match_boxes  # noqa: E402


def test_explorer_follows_its_controls():
    explorer = DetectionExplorer(score=0.1, nms_iou=1.0)
    image = explorer.plot.image.value
    raw = len(explorer.raw["boxes"])
    assert len(explorer.kept["boxes"]) == raw  # IoU > 1 never happens: nothing suppressed
    explorer.nms_iou.value = 0.3
    assert len(explorer.kept["boxes"]) < raw and explorer.plot.image.value != image
    explorer.score.value = 0.9
    assert (explorer.raw["scores"] >= 0.9).all() and len(explorer.raw["boxes"]) < raw
    first = explorer.status.value
    explorer.scene.value = 3
    assert explorer.status.value != first
    assert len(explorer.matches) == len(explorer.kept["boxes"])


def test_explorer_with_a_model_uses_its_raw_boxes():
    torch.manual_seed(0)
    explorer = DetectionExplorer(GridDetector(), make_scenes(3, seed=1), score=0.05,
                                 nms_iou=0.0)
    assert len(explorer.raw["boxes"]) == 100  # an untrained grid: top-k boxes above 0.05
    assert len(explorer.kept["boxes"]) < 100  # neighbouring cells' boxes overlap a little


def test_match_boxes_verdicts():
    target = {"boxes": torch.tensor([[0.0, 0, 10, 10], [20, 20, 30, 30]]),
              "labels": torch.tensor([1, 2])}
    found = {"boxes": torch.tensor([[0.0, 0, 10, 10], [0, 0, 10, 9], [20, 20, 30, 30]]),
             "scores": torch.tensor([0.9, 0.95, 0.5]), "labels": torch.tensor([1, 1, 1])}
    rows = match_boxes(found, target)
    # box 1 scores higher and takes object 0 (IoU 0.9); box 0 is then a duplicate;
    # box 2 has the wrong class for object 1
    assert [r["verdict"] for r in rows] == ["FP", "TP", "FP"]
    assert rows[1]["gt"] == 0 and abs(rows[1]["iou"] - 0.9) < 1e-6
    assert rows[0]["gt"] is None and rows[0]["iou"] == 1.0 and rows[2]["iou"] == 0.0
