"""MTCNN: a real, pretrained face detector that runs offline on a CPU (notebook 12).

Zhang et al. 2016, "Joint Face Detection and Alignment using Multi-task Cascaded
Convolutional Networks": the decks' detection ideas in one working system.

1. An **image pyramid**: the photo at scales 12 / min_face_size * factor**k, so that a face
   of any size fills P-Net's 12 x 12 window at some scale.
2. **P-Net**, fully convolutional: one pass over each scale is a sliding window with stride
   2, a face score and a **box regression** per window; **NMS** per scale, then across scales.
3. **R-Net** on 24 x 24 crops of the survivors and **O-Net** on 48 x 48 crops (refinement on
   crops, like R-CNN's), each with its own score threshold, regression and NMS; O-Net also
   gives five landmarks (eyes, nose, mouth corners).

The weights (``data/mtcnn/*.pt``, 2 MB) come from the authors' MIT-licensed models through
MIT-licensed ports (see ``data/README.md``). Traps kept as comments where they bite: R-Net
and O-Net flatten in (W, H, C) order; boxes are 1-based and inclusive inside the cascade;
landmarks come out as x1..x5 then y1..y5; the last NMS divides by the smaller box's area.
Boxes returned are 0-based ``(x1, y1, x2, y2)`` pixel edges, as in ``course_utils.boxes``.
"""

from __future__ import annotations

import time
from functools import cache
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torchvision.ops import batched_nms, nms

from course_utils.validate import as_number, as_tensor

__all__ = [
    "PNet", "RNet", "ONet", "mtcnn_nets", "Stage", "Faces", "pyramid_scales", "detect_faces",
]

THRESHOLDS = (0.6, 0.7, 0.7)  # P-Net, R-Net, O-Net face scores (the paper's code)
FACTOR = 0.709  # pyramid step: each scale is 0.709 of the last (about 1/sqrt(2))
MIN_FACE = 20


def _flatten_whc(x: torch.Tensor) -> torch.Tensor:
    # The original models were trained on transposed images: flatten in (W, H, C) order.
    # A plain x.flatten(1) loads with strict=True and finds 23 false faces on the astronaut.
    return x.permute(0, 3, 2, 1).flatten(1)


def _net_input(net: nn.Module, x, size: tuple, why: str) -> torch.Tensor:
    """Normalised colour images [N, 3, *size] in the net's dtype, or a clear error."""
    x = as_tensor(x, "x", shape=("N", 3, *size), dtype=net.conv1.weight.dtype,
                  why=f"{why}, normalised colour images like the weights")
    if min(x.shape[2:]) < 12:
        raise ValueError(f"x must be at least 12 x 12 pixels (P-Net's window), got "
                         f"{tuple(x.shape)}")
    return x


class PNet(nn.Module):
    """Proposal net: 12 x 12 windows, stride 2; outputs (box regression, face probability)."""

    def __init__(self):
        super().__init__()
        self.conv1, self.prelu1 = nn.Conv2d(3, 10, 3), nn.PReLU(10)
        self.pool1 = nn.MaxPool2d(2, 2, ceil_mode=True)
        self.conv2, self.prelu2 = nn.Conv2d(10, 16, 3), nn.PReLU(16)
        self.conv3, self.prelu3 = nn.Conv2d(16, 32, 3), nn.PReLU(32)
        self.conv4_1, self.conv4_2 = nn.Conv2d(32, 2, 1), nn.Conv2d(32, 4, 1)

    def forward(self, x):
        x = _net_input(self, x, ("H", "W"), "P-Net reads any size from 12 x 12 up")
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.prelu3(self.conv3(self.prelu2(self.conv2(x))))
        return self.conv4_2(x), self.conv4_1(x).softmax(dim=1)


class RNet(nn.Module):
    """Refinement net on 24 x 24 crops: (box regression, face probability)."""

    def __init__(self):
        super().__init__()
        self.conv1, self.prelu1 = nn.Conv2d(3, 28, 3), nn.PReLU(28)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2, self.prelu2 = nn.Conv2d(28, 48, 3), nn.PReLU(48)
        self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv3, self.prelu3 = nn.Conv2d(48, 64, 2), nn.PReLU(64)
        self.dense4, self.prelu4 = nn.Linear(576, 128), nn.PReLU(128)
        self.dense5_1, self.dense5_2 = nn.Linear(128, 2), nn.Linear(128, 4)

    def forward(self, x):
        x = _net_input(self, x, (24, 24), "R-Net reads 24 x 24 crops")
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.pool2(self.prelu2(self.conv2(x)))
        x = self.prelu4(self.dense4(_flatten_whc(self.prelu3(self.conv3(x)))))
        return self.dense5_2(x), self.dense5_1(x).softmax(dim=1)


class ONet(nn.Module):
    """Output net on 48 x 48 crops: (box regression, 10 landmark numbers, face probability)."""

    def __init__(self):
        super().__init__()
        self.conv1, self.prelu1 = nn.Conv2d(3, 32, 3), nn.PReLU(32)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2, self.prelu2 = nn.Conv2d(32, 64, 3), nn.PReLU(64)
        self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv3, self.prelu3 = nn.Conv2d(64, 64, 3), nn.PReLU(64)
        self.pool3 = nn.MaxPool2d(2, 2, ceil_mode=True)
        self.conv4, self.prelu4 = nn.Conv2d(64, 128, 2), nn.PReLU(128)
        self.dense5, self.prelu5 = nn.Linear(1152, 256), nn.PReLU(256)
        self.dense6_1, self.dense6_2 = nn.Linear(256, 2), nn.Linear(256, 4)
        self.dense6_3 = nn.Linear(256, 10)

    def forward(self, x):
        x = _net_input(self, x, (48, 48), "O-Net reads 48 x 48 crops")
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.pool2(self.prelu2(self.conv2(x)))
        x = self.pool3(self.prelu3(self.conv3(x)))
        x = self.prelu5(self.dense5(_flatten_whc(self.prelu4(self.conv4(x)))))
        return self.dense6_2(x), self.dense6_3(x), self.dense6_1(x).softmax(dim=1)


@cache
def mtcnn_nets() -> tuple[PNet, RNet, ONet]:
    """The three pretrained nets from ``data/mtcnn`` (checksummed), in eval mode; cached."""
    from course_utils.data.assets import asset_path

    nets = (PNet(), RNet(), ONet())
    for net, name in zip(nets, ("pnet", "rnet", "onet"), strict=True):
        state = torch.load(asset_path(f"mtcnn/{name}.pt"), weights_only=True)
        net.load_state_dict(state, strict=True)
        net.eval().requires_grad_(False)
    return nets


class Stage(NamedTuple):
    """Boxes (N, 4) as 0-based ``(x1, y1, x2, y2)``, scores (N,) after one cascade step."""

    name: str
    boxes: np.ndarray
    scores: np.ndarray
    seconds: float


class Faces(NamedTuple):
    """What ``detect_faces`` found: boxes (N, 4), scores (N,), landmarks (N, 5, 2) as (x, y)."""

    boxes: np.ndarray
    scores: np.ndarray
    landmarks: np.ndarray
    scales: list[float]
    stages: list[Stage]


def pyramid_scales(height: int, width: int, *, min_face_size: float = MIN_FACE,
                   factor: float = FACTOR) -> list[float]:
    """Scales at which P-Net's 12-px window covers faces from ``min_face_size`` px upwards."""
    height = as_number(height, "height", minimum=1, integer=True)
    width = as_number(width, "width", minimum=1, integer=True)
    _check_settings(min_face_size, THRESHOLDS, factor)
    scale, side, scales = 12.0 / min_face_size, min(height, width) * 12.0 / min_face_size, []
    while side >= 12:
        scales.append(scale)
        scale, side = scale * factor, side * factor
    return scales


def _prepare(image) -> torch.Tensor:
    """(H, W, 3) RGB (uint8 0..255, or float 0..1), grayscale or RGBA -> (1, 3, H, W) float."""
    from course_utils.validate import as_array

    image = as_array(image, "image", nonempty=True)
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    if image.ndim != 3 or image.shape[-1] not in (3, 4):
        raise ValueError(f"image must be (H, W, 3) RGB, (H, W, 4) RGBA or (H, W) grayscale, "
                         f"got shape {image.shape}")
    image = image[..., :3].astype(np.float32)
    if image.size and image.max() <= 1.0:  # a float image in 0..1: the nets expect 0..255
        image = image * 255
    return torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)[None]


def _normalised(x: torch.Tensor) -> torch.Tensor:
    return (x - 127.5) * 0.0078125


def _square(boxes: torch.Tensor) -> torch.Tensor:
    """Each box grown to a square about its centre (the next net takes square crops)."""
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    side = torch.maximum(w, h)
    x1, y1 = boxes[:, 0] + (w - side) / 2, boxes[:, 1] + (h - side) / 2
    return torch.stack([x1, y1, x1 + side, y1 + side], dim=1)


def _regress(boxes: torch.Tensor, reg: torch.Tensor, *, inclusive: bool = True) -> torch.Tensor:
    """Box regression: each edge moves by its offset times the box's width or height."""
    size = boxes[:, 2:4] - boxes[:, :2] + (1 if inclusive else 0)  # 1-based, inclusive
    return boxes[:, :4] + reg * torch.cat([size, size], dim=1)


def _crops(image: torch.Tensor, boxes: torch.Tensor, side: int) -> torch.Tensor:
    """(N, 3, side, side) crops of 1-based inclusive boxes, clipped to the image."""
    h, w = image.shape[-2:]
    b = boxes.trunc().int()
    x1, y1 = b[:, 0].clamp(min=1), b[:, 1].clamp(min=1)
    x2, y2 = b[:, 2].clamp(max=w), b[:, 3].clamp(max=h)
    crops = [F.interpolate(image[:, :, y1[k] - 1:y2[k], x1[k] - 1:x2[k]], size=(side, side),
                           mode="area") for k in range(len(b))]
    return _normalised(torch.cat(crops)) if crops else torch.zeros(0, 3, side, side)


def _pnet_maps(image: torch.Tensor, scales: list[float]) -> list[tuple]:
    """P-Net's (regression, probability) maps, one pass over each scale of the pyramid."""
    h, w = image.shape[-2:]
    sizes = [(int(h * scale + 1), int(w * scale + 1)) for scale in scales]
    return [mtcnn_nets()[0](_normalised(F.interpolate(image, size=size, mode="area")))
            for size in sizes]


def _proposals(maps: list[tuple], scales: list[float], threshold: float):
    """Windows scoring >= threshold on P-Net's maps, before and after per-scale NMS.

    Returns ``(all_boxes, all_scores)`` and ``(boxes, scores, offsets)`` of the survivors.
    """
    found, raw = [], []
    for scale, (reg, prob) in zip(scales, maps, strict=True):
        ys, xs = torch.nonzero(prob[0, 1] >= threshold, as_tuple=True)
        corner = torch.stack([xs, ys], dim=1).float() * 2  # stride 2 in the scaled image
        boxes = torch.cat([((corner + 1) / scale).floor(), ((corner + 12) / scale).floor()], 1)
        scores, offsets = prob[0, 1, ys, xs], reg[0, :, ys, xs].T
        raw.append((boxes, scores))
        keep = nms(boxes, scores, 0.5)  # NMS within each scale
        found.append((boxes[keep], scores[keep], offsets[keep]))
    if not found:
        return (torch.zeros(0, 4), torch.zeros(0)), (torch.zeros(0, 4), torch.zeros(0),
                                                       torch.zeros(0, 4))
    return (tuple(torch.cat(p) for p in zip(*raw, strict=True)),
            tuple(torch.cat(p) for p in zip(*found, strict=True)))


def _nms_by_smaller_area(boxes: np.ndarray, scores: np.ndarray, threshold: float) -> list[int]:
    """The cascade's last NMS: overlap = intersection / the smaller box's area (1-based)."""
    area = (boxes[:, 2] - boxes[:, 0] + 1) * (boxes[:, 3] - boxes[:, 1] + 1)
    order, keep = list(np.argsort(scores)[::-1]), []
    while order:
        i, rest = order[0], np.array(order[1:], dtype=int)
        keep.append(int(i))
        wh = np.maximum(0.0, np.minimum(boxes[i, 2:], boxes[rest, 2:]) -
                        np.maximum(boxes[i, :2], boxes[rest, :2]) + 1)
        overlap = wh[:, 0] * wh[:, 1] / np.minimum(area[i], area[rest])
        order = list(rest[overlap <= threshold])
    return keep


def _stage(name: str, boxes: torch.Tensor, scores: torch.Tensor, started: float) -> Stage:
    zero_based = boxes[:, :4].detach().numpy().astype(np.float64) - [1, 1, 0, 0]
    return Stage(name, zero_based, scores.detach().numpy().astype(np.float64),
                 time.perf_counter() - started)


def _check_settings(min_face_size, thresholds, factor) -> None:
    if not (isinstance(min_face_size, int | float) and min_face_size >= 12):
        raise ValueError(f"min_face_size must be a number of pixels >= 12 (P-Net's window), "
                         f"got {min_face_size!r}")
    if (not isinstance(thresholds, tuple | list) or len(thresholds) != 3 or
            not all(isinstance(t, int | float) and 0 <= t < 1 for t in thresholds)):
        raise ValueError(f"thresholds must be three scores in [0, 1) for P-Net, R-Net and "
                         f"O-Net, e.g. {THRESHOLDS}, got {thresholds!r}")
    if not (isinstance(factor, int | float) and 0.1 <= factor <= 0.95):
        raise ValueError(f"factor (the pyramid's step) must be in [0.1, 0.95], e.g. {FACTOR}, "
                         f"got {factor!r}")


def _refine(image, boxes, net, side: int, threshold: float, memo: dict, key: tuple):
    """Run R-Net or O-Net on square crops of ``boxes``; keep the crops scoring > threshold.

    ``memo[key]`` keeps the net's outputs, so a new threshold alone does not rerun the net.
    """
    h, w = image.shape[-2:]
    b = boxes.trunc()
    inside = (b[:, 2].clamp(max=w) > b[:, 0].clamp(min=1) - 1) & (
        b[:, 3].clamp(max=h) > b[:, 1].clamp(min=1) - 1)
    boxes = boxes[inside]
    if key not in memo:
        memo[key] = net(_crops(image, boxes, side)) if len(boxes) else None
    outputs = memo[key]
    if outputs is None:
        return boxes, torch.zeros(0), torch.zeros(0, 4), torch.zeros(0, 10)
    score = outputs[-1][:, 1]
    keep = score > threshold
    marks = outputs[1][keep] if len(outputs) == 3 else torch.zeros(int(keep.sum()), 10)
    return boxes[keep], score[keep], outputs[0][keep], marks


@torch.no_grad()
def detect_faces(image, *, min_face_size: float = MIN_FACE,
                 thresholds: tuple[float, float, float] = THRESHOLDS,
                 factor: float = FACTOR, cache: dict | None = None) -> Faces:
    """Find faces in an RGB photo with MTCNN's pyramid and three-stage cascade.

    Args:
        image: (H, W, 3) RGB, uint8 0..255 or float 0..1; grayscale and RGBA are converted.
        min_face_size: the smallest face searched for, in pixels (>= 12); smaller is slower.
        thresholds: face-score thresholds of P-Net, R-Net and O-Net.
        factor: the pyramid's step between scales.
        cache: a dict kept by the caller for one image (a widget): P-Net's maps are
            stored in it per pyramid, so changing only the thresholds skips P-Net.

    Returns:
        ``Faces``: boxes (N, 4) 0-based ``(x1, y1, x2, y2)``, scores (N,), landmarks
        (N, 5, 2) as (x, y) (eyes, nose, mouth corners), the pyramid's scales, and every
        stage's boxes with its time in seconds.
    """
    _check_settings(min_face_size, thresholds, factor)
    img = _prepare(image)
    started = time.perf_counter()
    scales = pyramid_scales(*img.shape[-2:], min_face_size=min_face_size, factor=factor)
    if cache is not None and not isinstance(cache, dict):
        raise TypeError(f"cache must be a dict kept by the caller for one image, or None, got "
                        f"{type(cache).__name__}")
    memo = {} if cache is None else cache  # net outputs by the settings they depend on
    key = ("P-Net", tuple(scales))
    if key not in memo:
        memo[key] = _pnet_maps(img, scales)
    maps = memo[key]
    (raw, raw_scores), (boxes, scores, offsets) = _proposals(maps, scales, thresholds[0])
    stages = [_stage("P-Net windows", raw, raw_scores, started)]
    started = time.perf_counter()
    keep = nms(boxes, scores, 0.7)  # NMS across scales
    boxes = _square(_regress(boxes[keep], offsets[keep], inclusive=False))
    scores = scores[keep]
    stages.append(_stage("after NMS", boxes, scores, started))
    for (name, net, side), before, threshold in zip(
            (("after R-Net", mtcnn_nets()[1], 24), ("after O-Net", mtcnn_nets()[2], 48)),
            thresholds[:2], thresholds[1:], strict=True):
        started = time.perf_counter()
        key = (name, *key[1:], before)  # a stage's crops depend on every earlier threshold
        boxes, scores, offsets, marks = _refine(img, boxes, net, side, threshold, memo, key)
        if side == 24:
            keep = batched_nms(boxes, scores, torch.zeros(len(boxes), dtype=torch.long), 0.7)
            boxes = _square(_regress(boxes[keep], offsets[keep]))
            scores = scores[keep]
        else:
            size = boxes[:, 2:4] - boxes[:, :2] + 1  # landmarks: x1..x5 then y1..y5, 0-based
            landmarks = torch.stack([marks[:, :5] * size[:, :1] + boxes[:, :1] - 1,
                                     marks[:, 5:] * size[:, 1:] + boxes[:, 1:2] - 1], dim=2)
            boxes = _regress(boxes, offsets)
            keep = _nms_by_smaller_area(boxes.numpy(), scores.numpy(), 0.7)
            boxes, scores, landmarks = boxes[keep], scores[keep], landmarks[keep]
        stages.append(_stage(name, boxes, scores, started))
    final = stages[-1]
    return Faces(final.boxes, final.scores, landmarks.numpy().astype(np.float64), scales,
                 stages)
