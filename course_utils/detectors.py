"""Detectors of notebooks 11 and 12, each small enough to train on a CPU in seconds.

1. ``LocalisationNet``: one object per image, a class head and a box head.
2. R-CNN: ``CropClassifier`` scores warped crops of region proposals (or sliding windows).
3. ``FastRCNN``: one feature map per image, RoI max pooling (ours), a class and a box head.
4. ``GridDetector``: a single-shot detector in the spirit of YOLO and CenterNet. Every cell
   of a 16 x 16 grid over a 64 x 64 image predicts, per class, how likely an object's
   centre lies in it, and the distances from the cell's centre to the object's four edges;
   non-maximum suppression removes the duplicates that neighbouring cells predict.

Training runs a fixed number of steps (never a time budget), so results do not depend on
the machine; times are reported as CPU seconds (``time.process_time``) beside wall seconds.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from course_utils.boxes import _check_boxes, _pairwise_iou
from course_utils.data.scenes import Scene, check_scene, scene_images, scenes_to_tensors
from course_utils.detection import (
    crop_and_resize,
    decode_boxes,
    detection_dict,
    encode_boxes,
    mean_average_precision,
    roi_pool,
    scene_targets,
)
from course_utils.validate import as_number, as_tensor

__all__ = [
    "paired_iou", "TrainLog", "LocalisationNet", "train_localiser", "localise", "RegionSamples",
    "region_samples", "CropClassifier", "train_crop_classifier", "rcnn_detect", "FastRCNN",
    "train_fast_rcnn", "fast_rcnn_detect", "GridDetector", "grid_targets", "focal_loss",
    "edge_iou_loss", "decode_grid", "detect", "DetectorRun", "train_detector", "padded_truth",
]

NUM_CLASSES = 3  # circle, square, triangle; 0 is background where a model needs it
BOX_WEIGHTS = (10.0, 10.0, 5.0, 5.0)  # Faster R-CNN's weights for box offsets


def _block(c_in: int, c_out: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride, padding=dilation, dilation=dilation,
                                   bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


def _optimiser(model: nn.Module, lr: float, steps: int):
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    return opt, torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps,
                                                    pct_start=0.15)


def _check_scenes(scenes, name: str = "scenes") -> list[Scene]:
    scenes = list(scenes) if isinstance(scenes, list | tuple) else scenes
    if not isinstance(scenes, list) or not scenes or not all(
            isinstance(s, Scene) for s in scenes):
        raise ValueError(f"{name} must be a non-empty list of scenes from make_scenes")
    return [check_scene(s, f"{name}[{i}]") for i, s in enumerate(scenes)]


def _steps(steps, batch_size, lr) -> tuple[int, int, float]:
    return (as_number(steps, "steps", minimum=1, integer=True),
            as_number(batch_size, "batch_size", minimum=1, integer=True),
            as_number(lr, "lr", minimum=0.0))


def paired_iou(a: Tensor, b: Tensor) -> Tensor:
    """IoU of ``a[i]`` with ``b[i]`` ("xyxy", Tensor[N, 4] each): differentiable, for losses.
    NaN passes through (a diverged model's boxes give a NaN loss, not an error)."""
    a = as_tensor(a, "a", shape=("N", 4), finite=False)
    b = as_tensor(b, "b", shape=(len(a), 4), finite=False, why="one box per box of a")
    wh = (torch.min(a[:, 2:], b[:, 2:]) - torch.max(a[:, :2], b[:, :2])).clamp(min=0)
    inter = wh[:, 0] * wh[:, 1]
    union = ((a[:, 2:] - a[:, :2]).prod(1) + (b[:, 2:] - b[:, :2]).prod(1) - inter)
    return inter / union.clamp(min=1e-6)


class TrainLog(NamedTuple):
    steps: list[int]
    cpu_seconds: list[float]  # training time only, time.process_time
    wall_seconds: list[float]
    loss: list[float]


class _Clock:
    """Training time so far, CPU and wall, excluding evaluation."""

    def __init__(self):
        self.cpu = self.wall = 0.0

    def __enter__(self):
        self._cpu, self._wall = time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.cpu += time.process_time() - self._cpu
        self.wall += time.perf_counter() - self._wall


# --- 1. classification + localisation -----------------------------------------------------

class LocalisationNet(nn.Module):
    """One object: four stride-2 conv blocks, then a class head and a box head.

    The class head reads the strongest response of each channel anywhere (global max
    pooling: what the object is does not depend on where); the box head reads the whole
    4 x 4 map (where it is does). ``forward(x [N, 3, S, S])`` returns class logits [N, 3]
    and "xyxy" boxes [N, 4] in pixels (predicted as centre and size, fractions of the image).
    """

    def __init__(self, image_size: int = 64, num_classes: int = NUM_CLASSES):
        super().__init__()
        self.image_size = image_size
        self.features = nn.Sequential(_block(3, 16, 2), _block(16, 32, 2), _block(32, 64, 2),
                                      _block(64, 64, 2))
        self.fc = nn.Sequential(nn.Flatten(), nn.Linear(64 * (image_size // 16) ** 2, 128),
                                nn.ReLU())
        self.classify, self.locate = nn.Linear(64, num_classes), nn.Linear(128, 4)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        x = _images(self, x, (self.image_size, self.image_size))
        features = self.features(x)
        cx, cy, w, h = (torch.sigmoid(self.locate(self.fc(features))) * self.image_size
                        ).unbind(1)
        box = torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dim=1)
        return self.classify(features.amax(dim=(2, 3))), box


def _images(model: nn.Module, x, size=("H", "W"), name: str = "x") -> Tensor:
    """A batch of colour images [N, 3, H, W] in the model's dtype, or a clear error."""
    return as_tensor(x, name, shape=("N", 3, *size), nonempty=True,
                     dtype=next(model.parameters()).dtype,
                     why="colour images, like the model's weights")


def _model(model, kind: type, name: str = "model"):
    if not isinstance(model, kind):
        raise TypeError(f"{name} must be a {kind.__name__}, got {type(model).__name__}")
    return model


def _image_and_regions(model: nn.Module, image, regions) -> tuple[Tensor, Tensor]:
    """One image [3, H, W] in the model's dtype and its regions ("xyxy" Tensor[K, 4])."""
    image = as_tensor(image, "image", shape=(3, "H", "W"), dtype=next(model.parameters()).dtype,
                      why="one colour image like the model's weights: for a batch, pass "
                          "images[i]")
    return image, _check_boxes(regions, "regions").to(image.dtype)


def _no_detections(image: Tensor) -> dict:
    return detection_dict(image.new_zeros(0, 4), image.new_zeros(0),
                          torch.zeros(0, dtype=torch.int64))


def train_localiser(scenes, *, steps: int = 300, batch_size: int = 32, lr: float = 3e-3,
                    seed: int = 0) -> tuple[LocalisationNet, TrainLog]:
    """Train ``LocalisationNet`` on one-object scenes: cross-entropy + (1 - IoU) + L1."""
    scenes = _check_scenes(scenes)
    if any(len(s.labels) != 1 for s in scenes):
        raise ValueError("scenes must hold one object each (classification + localisation): "
                         "make_scenes(..., n_objects=1)")
    steps, batch_size, lr = _steps(steps, batch_size, lr)
    images, _, boxes, labels = scenes_to_tensors(scenes, semantic=False)
    boxes, labels = boxes[:, 0], labels[:, 0] - 1
    torch.manual_seed(seed)
    model = LocalisationNet(images.shape[-1])

    def batch_loss(generator):
        idx = torch.randint(0, len(images), (batch_size,), generator=generator)
        logits, pred = model(images[idx])
        return (F.cross_entropy(logits, labels[idx]) + (1 - paired_iou(pred, boxes[idx])).mean()
                + F.l1_loss(pred, boxes[idx]) / model.image_size)

    log = _train(model, batch_loss, steps=steps, lr=lr, seed=seed)
    return model.eval(), log


def _record(log: TrainLog, step: int, clock: _Clock, loss: Tensor) -> None:
    for field, value in zip(log, (step, clock.cpu, clock.wall, loss.item()), strict=True):
        field.append(value)


def _train(model: nn.Module, batch_loss, *, steps: int, lr: float, seed: int,
           after_step=None) -> TrainLog:
    """The loop every trainer here shares: ``batch_loss(generator)`` draws a mini-batch with
    the seeded generator and returns its loss; one AdamW step on a one-cycle schedule each.
    ``after_step(step, clock)`` runs outside the training clock (evaluation)."""
    opt, schedule = _optimiser(model, lr, steps)
    generator, log, clock = torch.Generator().manual_seed(seed), TrainLog([], [], [], []), _Clock()
    for step in range(1, steps + 1):
        with clock:
            model.train()
            loss = batch_loss(generator)
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
        _record(log, step, clock, loss)
        if after_step is not None:
            after_step(step, clock)
    return log


@torch.no_grad()
def localise(model: LocalisationNet, scenes) -> tuple[np.ndarray, np.ndarray]:
    """Predicted labels (1..3) [N] and "xyxy" boxes [N, 4] for one-object scenes."""
    images = scene_images(_check_scenes(scenes))
    logits, boxes = _model(model, LocalisationNet).eval()(images)
    return logits.argmax(1).numpy() + 1, boxes.numpy()


# --- 2. R-CNN: region samples and a crop classifier ------------------------------------------

CROP = 32  # R-CNN warps every region to one size (227 x 227 in the paper)


class RegionSamples(NamedTuple):
    image: Tensor  # int64 [P] scene index
    boxes: Tensor  # float32 [P, 4] "xyxy"
    labels: Tensor  # int64 [P], 0 = background
    targets: Tensor  # float32 [P, 4] the matched object's box (background: the region itself)


def _random_boxes(rng: np.random.Generator, n: int, size: int) -> np.ndarray:
    side = rng.uniform(0.1, 0.6, (n, 1)) * size
    ratio = np.exp(rng.uniform(-0.7, 0.7, (n, 1)))
    wh = np.concatenate([side * np.sqrt(ratio), side / np.sqrt(ratio)], 1)
    xy = rng.uniform(0, 1, (n, 2)) * (size - wh)
    return np.concatenate([xy, xy + wh], 1)


def region_samples(scenes, *, positives: int = 4, negatives: int = 8,
                   seed: int = 0) -> RegionSamples:
    """Labelled regions to train a region classifier: per object ``positives`` jittered
    copies with IoU >= 0.6, per scene ``negatives`` regions with IoU < 0.3 to every object
    (half of them near an object)."""
    scenes = _check_scenes(scenes)
    rng = np.random.default_rng(as_number(seed, "seed", minimum=0, integer=True))
    out = {k: [] for k in RegionSamples._fields}
    for i, s in enumerate(scenes):
        size, gt = s.image.shape[0], torch.as_tensor(s.boxes, dtype=torch.float64)
        found = []
        for box, label in zip(s.boxes.astype(np.float64), s.labels, strict=True):
            wh = np.tile(box[2:] - box[:2], 2)
            tries = box + rng.normal(0, 0.08, (8 * positives, 4)) * wh
            tries[:, 2:] = np.maximum(tries[:, 2:], tries[:, :2] + 2)
            good = _pairwise_iou(torch.tensor(tries), torch.tensor(box[None]))[:, 0] >= 0.6
            found += [(b, int(label), box) for b in tries[good.numpy()][:positives]]
        near = np.concatenate([s.boxes[rng.integers(0, len(s.boxes), 4 * negatives)] +
                               rng.normal(0, 0.5, (4 * negatives, 4)) * size / 4,
                               _random_boxes(rng, 4 * negatives, size)])
        near[:, 2:] = np.maximum(near[:, 2:], near[:, :2] + 3)
        background = _pairwise_iou(torch.tensor(near), gt).max(1).values < 0.3
        found += [(b, 0, b) for b in near[background.numpy()][:negatives]]
        for box, label, target in found:
            for key, value in zip(RegionSamples._fields, (i, box, label, target), strict=True):
                out[key].append(value)
    return RegionSamples(torch.tensor(out["image"]), torch.tensor(np.array(out["boxes"]),
                         dtype=torch.float32), torch.tensor(out["labels"]),
                         torch.tensor(np.array(out["targets"]), dtype=torch.float32))


class CropClassifier(nn.Module):
    """R-CNN's classifier, small: a 32 x 32 crop -> background or one of the classes."""

    def __init__(self, num_classes: int = NUM_CLASSES):
        super().__init__()
        self.net = nn.Sequential(_block(3, 16), nn.MaxPool2d(2), _block(16, 32), nn.MaxPool2d(2),
                                 _block(32, 64), nn.MaxPool2d(2), nn.Flatten(),
                                 nn.Linear(64 * 4 * 4, 128), nn.ReLU(),
                                 nn.Linear(128, num_classes + 1))

    def forward(self, crops: Tensor) -> Tensor:
        return self.net(_images(self, crops, (CROP, CROP), "crops"))


def _rois(image_index: Tensor, boxes: Tensor) -> Tensor:
    return torch.cat([image_index[:, None].float(), boxes], dim=1)


def train_crop_classifier(scenes, *, steps: int = 300, batch_size: int = 64, lr: float = 3e-3,
                          seed: int = 0) -> tuple[CropClassifier, TrainLog]:
    """Train ``CropClassifier`` on ``region_samples`` of the scenes, warped to 32 x 32."""
    scenes = _check_scenes(scenes)
    steps, batch_size, lr = _steps(steps, batch_size, lr)
    images, samples = scene_images(scenes), region_samples(scenes, seed=seed)
    torch.manual_seed(seed)
    model = CropClassifier()

    def batch_loss(generator):
        idx = torch.randint(0, len(samples.labels), (batch_size,), generator=generator)
        crops = crop_and_resize(images, _rois(samples.image[idx], samples.boxes[idx]), CROP)
        return F.cross_entropy(model(crops), samples.labels[idx])

    log = _train(model, batch_loss, steps=steps, lr=lr, seed=seed)
    return model.eval(), log


def _detections(boxes: Tensor, probs: Tensor, score_threshold: float,
                nms_iou: float | None) -> dict:
    """Per region its best non-background class; keep scores >= threshold; class-wise NMS."""
    score, label = probs[:, 1:].max(dim=1)
    keep = score >= score_threshold
    boxes, score, label = boxes[keep], score[keep], label[keep] + 1
    return detection_dict(boxes, score, label, nms_iou=nms_iou)


@torch.no_grad()
def rcnn_detect(model: CropClassifier, image: Tensor, regions: Tensor, *,
                score_threshold: float = 0.05, nms_iou: float | None = 0.3) -> dict:
    """R-CNN: warp every region of ``image`` [3, H, W] to 32 x 32, classify each crop, keep
    the confident ones, and remove duplicates with class-wise NMS."""
    image, regions = _image_and_regions(_model(model, CropClassifier), image, regions)
    if len(regions) == 0:
        return _no_detections(image)
    crops = crop_and_resize(image[None], _rois(torch.zeros(len(regions)), regions), CROP)
    probs = torch.softmax(_model(model, CropClassifier).eval()(crops), dim=1)
    return _detections(regions, probs, score_threshold, nms_iou)


# --- 3. Fast R-CNN ---------------------------------------------------------------------------

class FastRCNN(nn.Module):
    """Fast R-CNN, small: one stride-4 feature map per image, ``roi_pool`` (ours) to 4 x 4
    per region, then a class head and a box head (offsets from the region, class-agnostic)."""

    STRIDE, POOL = 4, 4

    def __init__(self, num_classes: int = NUM_CLASSES):
        super().__init__()
        self.backbone = nn.Sequential(_block(3, 16), _block(16, 32, 2), _block(32, 32),
                                      _block(32, 64, 2), _block(64, 64))
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(64 * self.POOL ** 2, 256), nn.ReLU())
        self.classify, self.regress = nn.Linear(256, num_classes + 1), nn.Linear(256, 4)

    def forward(self, images: Tensor, rois: Tensor) -> tuple[Tensor, Tensor]:
        """``rois`` [K, 5] (image index, x1, y1, x2, y2) -> logits [K, 4], offsets [K, 4]."""
        images = _images(self, images, name="images")
        rois = as_tensor(rois, "rois", shape=("K", 5), dtype=images.dtype,
                         why="(image index, x1, y1, x2, y2) per region")
        features = self.backbone(images)
        h = self.head(roi_pool(features, rois, self.POOL, 1 / self.STRIDE))
        return self.classify(h), self.regress(h)


def train_fast_rcnn(scenes, *, steps: int = 150, images_per_batch: int = 8,
                    regions_per_image: int = 12, lr: float = 3e-3,
                    seed: int = 0) -> tuple[FastRCNN, TrainLog]:
    """Train ``FastRCNN`` on ``region_samples``: cross-entropy + smooth L1 on the offsets
    (``encode_boxes`` with Faster R-CNN's weights) of the object regions."""
    scenes = _check_scenes(scenes)
    steps, _, lr = _steps(steps, 1, lr)
    images_per_batch = as_number(images_per_batch, "images_per_batch", minimum=1, integer=True)
    regions_per_image = as_number(regions_per_image, "regions_per_image", minimum=1,
                                  integer=True)
    images, samples = scene_images(scenes), region_samples(scenes, seed=seed)
    by_image = [torch.nonzero(samples.image == i).flatten() for i in range(len(scenes))]
    torch.manual_seed(seed)
    model = FastRCNN()

    def batch_loss(generator):
        pick = torch.randint(0, len(scenes), (images_per_batch,), generator=generator)
        idx = torch.cat([by_image[i][torch.randperm(len(by_image[i]), generator=generator)[
            :regions_per_image]] for i in pick.tolist()])
        local = torch.repeat_interleave(torch.arange(images_per_batch), torch.tensor(
            [min(len(by_image[i]), regions_per_image) for i in pick.tolist()]))
        logits, offsets = model(images[pick], _rois(local, samples.boxes[idx]))
        labels, obj = samples.labels[idx], samples.labels[idx] > 0
        target = encode_boxes(samples.targets[idx][obj], samples.boxes[idx][obj],
                              weights=BOX_WEIGHTS)
        return F.cross_entropy(logits, labels) + F.smooth_l1_loss(offsets[obj], target)

    log = _train(model, batch_loss, steps=steps, lr=lr, seed=seed)
    return model.eval(), log


@torch.no_grad()
def fast_rcnn_detect(model: FastRCNN, image: Tensor, regions: Tensor, *,
                     score_threshold: float = 0.05, nms_iou: float | None = 0.3) -> dict:
    """Fast R-CNN: the feature map once, each region pooled from it, its box refined."""
    image, regions = _image_and_regions(_model(model, FastRCNN), image, regions)
    if len(regions) == 0:
        return _no_detections(image)
    logits, offsets = model.eval()(image[None],
                                                     _rois(torch.zeros(len(regions)), regions))
    boxes = decode_boxes(offsets, regions, weights=BOX_WEIGHTS) if len(regions) else regions
    size = image.shape[-1]
    return _detections(boxes.clamp(0, size), torch.softmax(logits, dim=1), score_threshold,
                       nms_iou)


# --- 4. the single-shot grid detector ---------------------------------------------------------

class GridDetector(nn.Module):
    """A single-shot detector: a stride-4 grid, per cell class heatmaps and box edges.

    ``forward(x [N, 3, 64, 64])`` returns heatmap logits [N, 3, 16, 16] (sigmoid: is an
    object's centre in this cell?) and edge distances [N, 4, 16, 16] (left, top, right,
    bottom from the cell's centre, in cells; softplus keeps them positive).
    """

    STRIDE = 4

    def __init__(self, num_classes: int = NUM_CLASSES, width: int = 48):
        super().__init__()
        self.num_classes = num_classes
        self.body = nn.Sequential(_block(3, 16, 2), _block(16, 32), _block(32, width, 2),
                                  _block(width, width), _block(width, width, dilation=2),
                                  _block(width, width))
        self.head = nn.Conv2d(width, num_classes + 4, 1)
        with torch.no_grad():
            self.head.bias[:num_classes] = -2.2  # start near p = 0.1: most cells are empty

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        x = _images(self, x)
        if x.shape[2] % self.STRIDE or x.shape[3] % self.STRIDE:
            raise ValueError(f"x must have a height and width divisible by the stride "
                             f"{self.STRIDE}, got {tuple(x.shape)}")
        out = self.head(self.body(x))
        return out[:, :self.num_classes], F.softplus(out[:, self.num_classes:])


def _cell_centres(grid: int, stride: int) -> tuple[np.ndarray, np.ndarray]:
    ys, xs = np.meshgrid(np.arange(grid) + 0.5, np.arange(grid) + 0.5, indexing="ij")
    return xs * stride, ys * stride


def padded_truth(boxes, labels, num_classes: int = NUM_CLASSES) -> tuple[Tensor, Tensor]:
    """Padded ground truth as ``scenes_to_tensors`` gives it, checked: boxes float
    [N, K, 4] ("xyxy", finite) and integer labels [N, K] in 0..num_classes (0 = padding)."""
    boxes = as_tensor(boxes, "boxes", shape=("N", "K", 4))
    if not isinstance(labels, Tensor) or labels.is_floating_point() or labels.is_complex() or \
            labels.dtype == torch.bool or tuple(labels.shape) != tuple(boxes.shape[:2]):
        got = (f"{labels.dtype} {tuple(labels.shape)}" if isinstance(labels, Tensor)
               else type(labels).__name__)
        raise TypeError(f"labels must be an integer tensor {tuple(boxes.shape[:2])} (one class "
                        f"id per box of boxes, 0 = padding), got {got}")
    if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) > num_classes):
        raise ValueError(f"labels must be class ids 0..{num_classes} (0 = padding, "
                         f"num_classes={num_classes}), got values from {int(labels.min())} to "
                         f"{int(labels.max())}")
    return boxes, labels.long()


def grid_targets(boxes: Tensor, labels: Tensor, *, grid: int = 16, stride: int = 4,
                 num_classes: int = NUM_CLASSES) -> tuple[Tensor, Tensor, Tensor]:
    """Training targets of ``GridDetector`` for padded ground truth.

    Args:
        boxes (Tensor[N, K, 4]), labels (Tensor[N, K]): as ``scenes_to_tensors`` pads them
            (label 0 = no object).

    Returns:
        heat [N, C, g, g]: 1 at the cell holding an object's centre, a Gaussian around it
            (sigma = a sixth of the object's longer side), 0 far away;
        edges [N, 4, g, g]: distances from each cell's centre to the edges of the object it
            answers for, in cells;
        weight [N, g, g]: how much each cell's box counts (its Gaussian value; 0 outside
            objects), the nearest object's centre winning a contested cell.
    """
    grid = as_number(grid, "grid", minimum=1, integer=True)
    stride = as_number(stride, "stride", minimum=1, integer=True)
    num_classes = as_number(num_classes, "num_classes", minimum=1, integer=True)
    boxes, labels = padded_truth(boxes, labels, num_classes)
    b, lab = boxes.double().numpy(), labels.numpy()
    xs, ys = _cell_centres(grid, stride)  # [g, g]
    x1, y1, x2, y2 = (b[..., i, None, None] for i in range(4))  # [N, K, 1, 1]
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    sigma = np.maximum(np.maximum(x2 - x1, y2 - y1), 1) / 6
    g = np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * sigma ** 2))  # [N, K, g, g]
    col = np.clip((cx // stride).astype(int), 0, grid - 1)[..., 0, 0]
    row = np.clip((cy // stride).astype(int), 0, grid - 1)[..., 0, 0]
    n, k = np.indices(lab.shape)
    peak = np.where(lab > 0, g[n, k, row, col], 1.0)
    g = np.where((lab > 0)[..., None, None], g / peak[..., None, None], 0.0)  # centre cell: 1
    heat = np.stack([np.where((lab == c + 1)[..., None, None], g, 0).max(1)
                     for c in range(num_classes)], 1)
    inside = (xs > x1) & (xs < x2) & (ys > y1) & (ys < y2) & (g > 0.3)
    inside[n, k, row, col] = lab > 0
    score = np.where(inside, g, -1.0)
    winner = score.argmax(1)  # [N, g, g]: the object each cell answers for
    weight = np.maximum(np.take_along_axis(score, winner[:, None], 1)[:, 0], 0)
    pick = lambda a: np.take_along_axis(  # noqa: E731
        np.broadcast_to(a, g.shape), winner[:, None], 1)[:, 0]
    edges = np.stack([xs - pick(x1), ys - pick(y1), pick(x2) - xs, pick(y2) - ys], 1) / stride
    edges = edges * (weight > 0)[:, None]
    return (torch.tensor(heat, dtype=torch.float32), torch.tensor(edges, dtype=torch.float32),
            torch.tensor(weight, dtype=torch.float32))


def focal_loss(logits: Tensor, heat: Tensor) -> Tensor:
    """CenterNet's focal loss: centres are positives, other cells negatives that count less
    the closer they are to a centre (``(1 - heat)**4``); per object. NaN logits (a diverged
    model) give a NaN loss."""
    logits = as_tensor(logits, "logits", shape=("N", "C", "H", "W"), finite=False)
    heat = as_tensor(heat, "heat", shape=tuple(logits.shape), why="like logits")
    if heat.numel() and (float(heat.min()) < 0 or float(heat.max()) > 1):
        raise ValueError(f"heat must hold values in [0, 1] (1 at object centres), got "
                         f"{float(heat.min()):g}..{float(heat.max()):g}")
    p = torch.sigmoid(logits).clamp(1e-4, 1 - 1e-4)
    centre = heat.eq(1).float()
    positive = -torch.log(p) * (1 - p) ** 2 * centre
    negative = -torch.log(1 - p) * p ** 2 * (1 - heat) ** 4 * (1 - centre)
    return (positive.sum() + negative.sum()) / centre.sum().clamp(min=1)


def edge_iou_loss(pred: Tensor, target: Tensor, weight: Tensor) -> Tensor:
    """``1 - IoU`` of boxes given as distances to their edges from the same point (FCOS),
    weighted per cell. NaN predictions (a diverged model) give a NaN loss."""
    pred = as_tensor(pred, "pred", shape=("N", 4, "H", "W"), finite=False)
    target = as_tensor(target, "target", shape=tuple(pred.shape), why="like pred")
    n, _, h, w = pred.shape
    weight = as_tensor(weight, "weight", shape=(n, h, w), why="one weight per cell of pred")
    pl, pt, pr, pb = pred.unbind(1)
    tl, tt, tr, tb = target.unbind(1)
    inter = (torch.min(pl, tl) + torch.min(pr, tr)) * (torch.min(pt, tt) + torch.min(pb, tb))
    union = (pl + pr) * (pt + pb) + (tl + tr) * (tt + tb) - inter
    return ((1 - inter / union.clamp(min=1e-6)) * weight).sum() / weight.sum().clamp(min=1)


@torch.no_grad()
def decode_grid(heat_logits: Tensor, edges: Tensor, *, stride: int = 4,
                score_threshold: float = 0.05, nms_iou: float | None = 0.5,
                top_k: int = 100) -> list[dict]:
    """``GridDetector`` outputs -> per image ``{"boxes", "scores", "labels"}``.

    Every (cell, class) with score >= ``score_threshold`` (at most ``top_k`` per image)
    gives a box from its cell's edges; ``nms_iou=None`` returns these raw boxes, otherwise
    class-wise NMS removes the duplicates.
    """
    score_threshold = as_number(score_threshold, "score_threshold", minimum=0.0, maximum=1.0)
    if nms_iou is not None:
        nms_iou = as_number(nms_iou, "nms_iou", minimum=0.0, maximum=1.0)
    stride = as_number(stride, "stride", minimum=1, integer=True)
    top_k = as_number(top_k, "top_k", minimum=1, integer=True)
    heat_logits = as_tensor(heat_logits, "heat_logits", shape=("N", "C", "G", "G"))
    n, _, g, _ = heat_logits.shape
    edges = as_tensor(edges, "edges", shape=(n, 4, g, g), why="left, top, right, bottom per "
                                                              "cell of heat_logits")
    scores = torch.sigmoid(heat_logits)
    n, c, g, _ = scores.shape
    xs, ys = (torch.tensor(a, dtype=torch.float32).flatten() for a in _cell_centres(g, stride))
    out = []
    for i in range(n):
        top = scores[i].flatten().topk(min(top_k, c * g * g))
        keep = top.values >= score_threshold
        idx, score = top.indices[keep], top.values[keep]
        cell, label = idx % (g * g), idx // (g * g) + 1
        d = edges[i].reshape(4, -1)[:, cell] * stride
        boxes = torch.stack([xs[cell] - d[0], ys[cell] - d[1], xs[cell] + d[2], ys[cell] + d[3]],
                            dim=1)
        out.append(detection_dict(boxes, score, label, nms_iou=nms_iou))
    return out


@torch.no_grad()
def detect(model: GridDetector, images: Tensor, **kwargs) -> list[dict]:
    """Run the detector on images [N, 3, H, W]; keyword arguments go to ``decode_grid``."""
    heat, edges = _model(model, GridDetector).eval()(_images(model, images, name="images"))
    return decode_grid(heat, edges, stride=model.STRIDE, **kwargs)


class DetectorRun(NamedTuple):
    model: GridDetector
    log: TrainLog
    checkpoints: list[dict]  # step, cpu_seconds, wall_seconds, map50, map on held-out scenes


def _flip(x: Tensor, heat: Tensor, edges: Tensor, weight: Tensor, flip: Tensor):
    """Mirror the chosen images left-right; left and right edge distances swap."""
    f4 = flip[:, None, None, None]
    return (torch.where(f4, x.flip(-1), x), torch.where(f4, heat.flip(-1), heat),
            torch.where(f4, edges.flip(-1)[:, [2, 1, 0, 3]], edges),
            torch.where(flip[:, None, None], weight.flip(-1), weight))


def train_detector(train_scenes, val_scenes, *, steps: int = 500, batch_size: int = 32,
                   lr: float = 3e-3, eval_every: int = 50, seed: int = 0) -> DetectorRun:
    """Train ``GridDetector`` for ``steps`` steps (random left-right flips), measuring
    held-out mAP@0.5 and mAP@[.5:.95] every ``eval_every`` steps (not counted as training
    time)."""
    train_scenes = _check_scenes(train_scenes, "train_scenes")
    val_scenes = _check_scenes(val_scenes, "val_scenes")
    steps, batch_size, lr = _steps(steps, batch_size, lr)
    eval_every = as_number(eval_every, "eval_every", minimum=1, integer=True)
    images, _, boxes, labels = scenes_to_tensors(train_scenes, semantic=False)
    heat, edges, weight = grid_targets(boxes, labels, grid=images.shape[-1] // GridDetector.STRIDE)
    val_images, val_targets = scene_images(val_scenes), scene_targets(val_scenes)
    torch.manual_seed(seed)
    model = GridDetector()
    checkpoints = []

    def batch_loss(generator):
        idx = torch.randint(0, len(images), (batch_size,), generator=generator)
        flip = torch.rand(batch_size, generator=generator) < 0.5
        x, h, e, w = _flip(images[idx], heat[idx], edges[idx], weight[idx], flip)
        heat_logits, pred = model(x)
        return focal_loss(heat_logits, h) + 2 * edge_iou_loss(pred, e, w)

    def evaluate(step, clock):
        if step % eval_every == 0 or step == steps:
            result = mean_average_precision(detect(model, val_images), val_targets,
                                            classes=range(1, NUM_CLASSES + 1))
            checkpoints.append({"step": step, "cpu_seconds": clock.cpu,
                                "wall_seconds": clock.wall, "map50": result.map50,
                                "map": result.map})

    log = _train(model, batch_loss, steps=steps, lr=lr, seed=seed, after_step=evaluate)
    return DetectorRun(model.eval(), log, checkpoints)
