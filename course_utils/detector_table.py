"""Every detector of the course on the same held-out scenes, one row each (issue 20 §1).

``compare_detectors`` trains each named detector for its step count on the same training
scenes and measures, on the same held-out scenes: mAP@0.5, mAP@[.5:.95], training CPU
seconds, inference CPU milliseconds per scene (proposals included where a detector needs
them) and the number of parameters.
"""

from __future__ import annotations

import time

import torch

from course_utils.data.scenes import scene_images
from course_utils.detection import scene_targets
from course_utils.detector_runs import evaluate, inference_ms, n_parameters
from course_utils.detectors import _check_scenes

__all__ = [
    "compare_detectors",
]

# detector -> (steps, what it is); steps chosen for about 60 CPU s each (Fast R-CNN less)
DETECTORS = {
    "grid": (500, "single-shot grid detector (GridDetector, notebook 12)"),
    "fast_rcnn": (150, "Fast R-CNN on selective-search proposals (FastRCNN, notebook 11)"),
    "ssd": (400, "SSD, three maps 16/8/4 (course_utils.ssd)"),
    "yolo": (400, "YOLO v1 head and loss, 8 x 8 grid (course_utils.yolo)"),
    "faster_rcnn": (600, "Faster R-CNN, torchvision, tiny backbone (course_utils.rcnn)"),
    "mask_rcnn": (600, "Mask R-CNN, torchvision, tiny backbone (course_utils.rcnn)"),
}


def _train_and_predict(name: str, train, steps: int, seed: int):
    """(model, training CPU seconds, predict(images) -> list[dict])."""
    start = time.process_time()
    if name == "grid":
        from course_utils.detectors import detect, train_detector

        model = train_detector(train, train[:1], steps=steps, eval_every=steps, seed=seed).model
        cpu = time.process_time() - start  # includes one tiny evaluation
        return model, cpu, lambda x: detect(model, x)
    if name == "fast_rcnn":
        from course_utils.detectors import fast_rcnn_detect, train_fast_rcnn
        from course_utils.proposals import selective_search

        model, log = train_fast_rcnn(train, steps=steps, seed=seed)

        def predict(x):
            return [fast_rcnn_detect(model, im, selective_search(im.permute(1, 2, 0).numpy()))
                    for im in x]
        return model, log.cpu_seconds[-1], predict
    if name == "ssd":
        from course_utils.ssd import ssd_detect, train_ssd

        run = train_ssd(train, steps=steps, seed=seed)
        return run.model, run.log.cpu_seconds[-1], lambda x: ssd_detect(run.model, x)
    if name == "yolo":
        from course_utils.yolo import train_yolo, yolo_detect

        run = train_yolo(train, steps=steps, seed=seed)
        return run.model, run.log.cpu_seconds[-1], lambda x: yolo_detect(run.model, x)
    if name in ("faster_rcnn", "mask_rcnn"):
        from course_utils.rcnn import rcnn_detect, train_rcnn

        masks = name == "mask_rcnn"  # Mask R-CNN as measured: lr 1e-3
        run = train_rcnn(train, masks=masks, steps=steps, seed=seed, lr=1e-3 if masks else 3e-3)
        return run.model, run.log.cpu_seconds[-1], lambda x: rcnn_detect(run.model, x)
    raise ValueError(f"unknown detector {name!r}; choose from {sorted(DETECTORS)}")


def compare_detectors(train_scenes, val_scenes, *, detectors=tuple(DETECTORS),
                      steps: dict | None = None, seed: int = 0) -> list[dict]:
    """Train each detector on ``train_scenes`` and score it on ``val_scenes``.

    Args:
        detectors: names from ``DETECTORS``.
        steps: optional ``{name: steps}`` overriding the default step counts.

    Returns:
        one dict per detector: ``detector``, ``description``, ``steps``, ``map50``, ``map``,
        ``train_cpu_s``, ``inference_ms`` (CPU, per scene), ``parameters``.
    """
    train = _check_scenes(train_scenes, "train_scenes")
    val = _check_scenes(val_scenes, "val_scenes")
    steps = dict(steps or {})
    unknown = (set(detectors) | set(steps)) - set(DETECTORS)
    if unknown:
        raise ValueError(f"unknown detectors {sorted(unknown)}; choose from {sorted(DETECTORS)}")
    images, targets = scene_images(val), scene_targets(val)
    rows = []
    for name in detectors:
        n = int(steps.get(name, DETECTORS[name][0]))
        torch.manual_seed(seed)
        model, cpu, predict = _train_and_predict(name, train, n, seed)
        result = evaluate(predict, images, targets)
        rows.append({"detector": name, "description": DETECTORS[name][1], "steps": n,
                     "map50": result.map50, "map": result.map, "train_cpu_s": cpu,
                     "inference_ms": inference_ms(predict, images),
                     "parameters": n_parameters(model)})
    return rows
