"""Widget interactions of notebook 12 for ``make bench`` (an untrained detector: same cost)."""

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


def time_to_accuracy():
    """Notebook 12's grid detector, trained as the notebook trains it (500 steps of 32)."""
    from course_utils.detectors import train_detector

    run = train_detector(make_scenes(3000, seed=1, max_objects=4),
                         make_scenes(200, seed=2, max_objects=4), steps=500, eval_every=50)
    for target, key, goal in (("mAP@0.5 0.95", "map50", 0.95), ("mAP@[.5:.95] 0.7", "map", 0.7)):
        reached = [c["wall_seconds"] for c in run.checkpoints if c[key] >= goal]
        final = run.checkpoints[-1]
        yield {"model": "12 grid detector, scenes 64x64", "target": f"held-out {target}",
               "seconds": reached[0] if reached else None,
               "final": f"{final[key]:.3f} after {final['wall_seconds']:.0f} s "
                        f"({final['cpu_seconds']:.0f} CPU s)"}
