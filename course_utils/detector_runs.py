"""What every detector of the course shares when it is trained and measured on the scenes.

- ``check_images``: a batch of float images [N, 3, H, W] in [0, 1], or a clear error;
- ``check_targets``: labels from 1 (0 is background), boxes with an area;
- ``Evaluator``: held-out mAP@0.5 and mAP@[.5:.95] at checkpoints during training, timed
  apart from the training clock (``detectors._Clock``, CPU seconds);
- ``DetectorRun``-like results: the model, its ``TrainLog`` and the checkpoints.

Training always runs a fixed number of steps (results do not depend on the machine); the
CPU seconds it took are measured beside it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NamedTuple

import torch
from torch import Tensor, nn

from course_utils.data.scenes import Scene, scene_images
from course_utils.detection import mean_average_precision, scene_targets
from course_utils.detectors import NUM_CLASSES, TrainLog, _check_scenes  # noqa: F401
from course_utils.validate import as_array, as_number

__all__ = [
    "check_images", "check_labels", "Checkpoint", "Run", "Evaluator", "evaluate",
    "inference_ms", "n_parameters", "first_reaching", "as_scene_list",
]


def check_images(images, name: str = "images") -> Tensor:
    """float images [N, 3, H, W] with values in [0, 1] (as ``scenes_to_tensors`` gives)."""
    if not isinstance(images, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor [N, 3, H, W], got "
                        f"{type(images).__name__}")
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f"{name} must have shape [N, 3, H, W] (a batch of RGB images), got "
                         f"{list(images.shape)}; one image [3, H, W] needs images[None]")
    if not len(images):
        raise ValueError(f"{name} must not be empty, got shape {list(images.shape)}")
    if not images.is_floating_point():
        raise ValueError(f"{name} must be float in [0, 1], got {images.dtype}")
    if images.numel() and (images.min() < 0 or images.max() > 1 or not images.isfinite().all()):
        raise ValueError(f"{name} must hold values in [0, 1], got {images.min().item():.3g} .. "
                         f"{images.max().item():.3g}")
    return images


def check_labels(labels: Tensor, name: str = "labels",
                 num_classes: int = NUM_CLASSES) -> Tensor:
    """Object labels 1..num_classes: 0 is background, so 0-based labels lose a class."""
    num_classes = as_number(num_classes, "num_classes", minimum=1, integer=True)
    labels = torch.as_tensor(as_array(labels, name, shape=(None,), dtype="int"))
    if labels.numel() and (labels.min() < 1 or labels.max() > num_classes):
        raise ValueError(f"{name} must be 1..{num_classes} (0 is background), got values "
                         f"{labels.min().item()}..{labels.max().item()}; 0-based labels need +1")
    return labels


class Checkpoint(NamedTuple):
    step: int
    cpu_seconds: float  # training only
    wall_seconds: float
    map50: float
    map: float


class Run(NamedTuple):
    model: nn.Module
    log: TrainLog
    checkpoints: list[Checkpoint]


class Evaluator:
    """``after_step`` for ``detectors._train``: every ``every`` steps (and the last), run
    ``predict(images) -> list[dict]`` on the held-out scenes and record their mAPs."""

    def __init__(self, predict: Callable, val_scenes, *, every: int, last: int):
        if not callable(predict):
            raise TypeError(f"predict must be a function images -> list of detection dicts, "
                            f"got {type(predict).__name__}")
        every = as_number(every, "every", minimum=1, integer=True)
        last = as_number(last, "last", minimum=1, integer=True)
        self.predict, self.every, self.last = predict, every, last
        self.images = scene_images(_check_scenes(val_scenes, "val_scenes"))
        self.targets, self.checkpoints = scene_targets(val_scenes), []

    def __call__(self, step: int, clock) -> None:
        if step % self.every == 0 or step == self.last:
            result = evaluate(self.predict, self.images, self.targets)
            self.checkpoints.append(Checkpoint(step, clock.cpu, clock.wall, result.map50,
                                               result.map))


@torch.no_grad()
def evaluate(predict: Callable, images: Tensor, targets: list[dict], batch: int = 50):
    """mAP of ``predict`` on images (in batches of ``batch``): a ``MAPResult``."""
    images, batch = _images_and_batch(predict, images, batch)
    found = []
    for i in range(0, len(images), batch):
        found += predict(images[i:i + batch])
    return mean_average_precision(found, targets, classes=range(1, NUM_CLASSES + 1))


def inference_ms(predict: Callable, images: Tensor, batch: int = 50) -> float:
    """CPU milliseconds per image of ``predict`` (batches of ``batch``)."""
    images, batch = _images_and_batch(predict, images, batch)
    start = time.process_time()
    with torch.no_grad():
        for i in range(0, len(images), batch):
            predict(images[i:i + batch])
    return 1000 * (time.process_time() - start) / len(images)


def _images_and_batch(predict, images, batch) -> tuple[Tensor, int]:
    if not callable(predict):
        raise TypeError(f"predict must be a function images -> list of detection dicts, got "
                        f"{type(predict).__name__}")
    images = check_images(images)
    if not len(images):
        raise ValueError(f"images must not be empty, got shape {tuple(images.shape)}")
    return images, as_number(batch, "batch", minimum=1, integer=True)


def n_parameters(model: nn.Module) -> int:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch nn.Module, got {type(model).__name__}")
    return sum(p.numel() for p in model.parameters())


def first_reaching(checkpoints: list[Checkpoint], key: str, goal: float) -> float | None:
    """CPU seconds of training at the first checkpoint with ``key`` >= ``goal`` (or None)."""
    if not isinstance(checkpoints, list | tuple) or not all(
            isinstance(c, tuple) and hasattr(c, "cpu_seconds") for c in checkpoints):
        raise TypeError(f"checkpoints must be a list of Checkpoint (a Run's checkpoints), got "
                        f"{checkpoints!r:.40}")
    fields = sorted({f for c in checkpoints for f in c._fields} - {"step", "cpu_seconds",
                                                                   "wall_seconds"})
    if checkpoints and key not in fields:
        raise ValueError(f"key must be one of {fields}, got {key!r}")
    goal = as_number(goal, "goal")
    hits = [c.cpu_seconds for c in checkpoints if getattr(c, key) >= goal]
    return hits[0] if hits else None


def as_scene_list(scenes) -> list[Scene]:
    return _check_scenes(scenes)
