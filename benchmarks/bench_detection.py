"""Widget interactions of notebook 11 for ``make bench`` (an untrained detector: same cost)."""

import torch

from course_utils.data import make_scenes
from course_utils.detectors import GridDetector
from course_utils.widgets import DetectionExplorer


def interactions():
    torch.manual_seed(0)
    explorer = DetectionExplorer(GridDetector(), make_scenes(12, seed=2024, max_objects=4),
                                 score=0.1)
    yield "DetectionExplorer: move NMS IoU", lambda: setattr(
        explorer.nms_iou, "value", 0.3 if explorer.nms_iou.value != 0.3 else 0.6)
    yield "DetectionExplorer: move score threshold", lambda: setattr(
        explorer.score, "value", 0.2 if explorer.score.value != 0.2 else 0.4)
    scenes = iter(range(10**6))
    yield "DetectionExplorer: next scene", lambda: setattr(
        explorer.scene, "value", next(scenes) % 12)
