"""Bounding boxes: conversion, area, IoU and non-maximum suppression (notebook 11).

The names, signatures and conventions are ``torchvision.ops``'s, so the tests call
``torchvision.ops.<same name>`` as the oracle:

- a box is ``(x1, y1, x2, y2)`` ("xyxy") with ``x2 >= x1`` and ``y2 >= y1``; the other
  formats are ``(x, y, w, h)`` ("xywh", top-left corner) and ``(cx, cy, w, h)`` ("cxcywh");
- boxes are ``Tensor[N, 4]``; numpy arrays and nested lists are accepted too, and integer
  boxes become float32 (torchvision keeps integers in ``box_area``);
- one difference, on purpose: the IoU of two zero-area boxes is 0, not torchvision's
  ``nan`` (0 / 0), so a degenerate box never poisons a mean. ``nms`` suppresses nothing
  with it either way, as in torchvision.

Every function refuses NaN, inf, a wrong shape and a box with ``x2 < x1`` (or a negative
width) with a message naming the first bad box.
"""

from __future__ import annotations

import torch
from torch import Tensor

from course_utils.validate import as_array, as_number, check_shape, require_finite

__all__ = [
    "box_convert", "box_area", "box_iou", "nms", "batched_nms",
]

FORMATS = ("xyxy", "xywh", "cxcywh")


def _as_tensor(value, name: str) -> Tensor:
    if isinstance(value, Tensor):
        tensor = value
    else:
        try:
            tensor = torch.as_tensor(value)
        except (TypeError, ValueError, RuntimeError) as error:
            raise ValueError(f"{name} must be a tensor of numbers, got {value!r:.60}: "
                             f"{error}") from None
    if tensor.dtype == torch.bool or tensor.is_complex():
        raise ValueError(f"{name} must hold real numbers, got dtype {tensor.dtype}")
    return tensor if tensor.is_floating_point() else tensor.to(torch.float32)


def _check_boxes(boxes, name: str = "boxes", fmt: str = "xyxy") -> Tensor:
    """``boxes`` as a float ``Tensor[N, 4]`` of valid ``fmt`` boxes, or a ``ValueError``."""
    boxes = _as_tensor(boxes, name)
    check_shape(boxes, name, (None, 4))
    require_finite(boxes, name)
    if fmt == "xyxy":
        bad = (boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1])
    else:
        bad = (boxes[:, 2] < 0) | (boxes[:, 3] < 0)
    if bad.any():
        i = int(torch.nonzero(bad)[0, 0])
        values = ", ".join(f"{v:g}" for v in boxes[i].tolist())
        if fmt == "xyxy":
            raise ValueError(
                f"{name}[{i}] = ({values}) has x2 < x1 or y2 < y1: boxes here are corners "
                "(x1, y1, x2, y2) with x2 >= x1 and y2 >= y1; for (x, y, w, h) boxes use "
                "box_convert(boxes, 'xywh', 'xyxy') first")
        raise ValueError(f"{name}[{i}] = ({values}) has a negative width or height in "
                         f"format {fmt!r} (w and h are its last two numbers)")
    return boxes


def _check_format(fmt, name: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"{name} must be one of {FORMATS}, got {fmt!r}")
    return fmt


def box_convert(boxes: Tensor, in_fmt: str, out_fmt: str) -> Tensor:
    """Convert boxes between "xyxy", "xywh" and "cxcywh".

    Args:
        boxes (Tensor[N, 4]): boxes in ``in_fmt``.
        in_fmt, out_fmt: one of ``FORMATS``.

    Returns:
        Tensor[N, 4]: the same boxes in ``out_fmt``.
    """
    in_fmt, out_fmt = _check_format(in_fmt, "in_fmt"), _check_format(out_fmt, "out_fmt")
    boxes = _check_boxes(boxes, "boxes", in_fmt)
    a, b, c, d = boxes.unbind(-1)
    if in_fmt == "xywh":  # to corners first
        a, b, c, d = a, b, a + c, b + d
    elif in_fmt == "cxcywh":
        a, b, c, d = a - 0.5 * c, b - 0.5 * d, a + 0.5 * c, b + 0.5 * d
    if out_fmt == "xywh":
        a, b, c, d = a, b, c - a, d - b
    elif out_fmt == "cxcywh":
        a, b, c, d = (a + c) / 2, (b + d) / 2, c - a, d - b
    return torch.stack((a, b, c, d), dim=-1)


def box_area(boxes: Tensor, fmt: str = "xyxy") -> Tensor:
    """Area of each box: ``(x2 - x1) * (y2 - y1)``, or ``w * h``.

    Args:
        boxes (Tensor[N, 4]): boxes in format ``fmt`` (one of ``FORMATS``).

    Returns:
        Tensor[N]: the areas (0 for a degenerate box).
    """
    fmt = _check_format(fmt, "fmt")
    boxes = _check_boxes(boxes, "boxes", fmt)
    if fmt != "xyxy":
        return boxes[:, 2] * boxes[:, 3]
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def _pairwise_iou(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """IoU of every pair of already checked boxes; 0 where both have no area.

    Areas and intersections are computed in float32 at least (a 300 x 300 box's area,
    90000, overflows float16 to inf); the IoU, in [0, 1], comes back in the input dtype.
    """
    dtype = boxes1.dtype
    if torch.finfo(dtype).bits < 32:
        boxes1, boxes2 = boxes1.float(), boxes2.float()
    area1 = (boxes1[:, 2] - boxes1[:, 0]) * (boxes1[:, 3] - boxes1[:, 1])
    area2 = (boxes2[:, 2] - boxes2[:, 0]) * (boxes2[:, 3] - boxes2[:, 1])
    top_left = torch.max(boxes1[:, None, :2], boxes2[None, :, :2])  # [N, M, 2]
    bottom_right = torch.min(boxes1[:, None, 2:], boxes2[None, :, 2:])
    wh = (bottom_right - top_left).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = area1[:, None] + area2[None, :] - inter  # |A u B| = |A| + |B| - |A n B|
    return torch.where(union > 0, inter / torch.where(union > 0, union, 1), 0).to(dtype)


def box_iou(boxes1: Tensor, boxes2: Tensor, fmt: str = "xyxy") -> Tensor:
    """Intersection over union of every pair: ``|A n B| / |A u B|``.

    Args:
        boxes1 (Tensor[N, 4]), boxes2 (Tensor[M, 4]): boxes in format ``fmt``.

    Returns:
        Tensor[N, M]: ``iou[i, j]`` of ``boxes1[i]`` and ``boxes2[j]``, in [0, 1]
        (0 for two boxes without area, where torchvision gives nan).
    """
    fmt = _check_format(fmt, "fmt")
    boxes1, boxes2 = _check_boxes(boxes1, "boxes1", fmt), _check_boxes(boxes2, "boxes2", fmt)
    if fmt != "xyxy":
        boxes1, boxes2 = box_convert(boxes1, fmt, "xyxy"), box_convert(boxes2, fmt, "xyxy")
    if boxes1.dtype != boxes2.dtype:
        dtype = torch.promote_types(boxes1.dtype, boxes2.dtype)
        boxes1, boxes2 = boxes1.to(dtype), boxes2.to(dtype)
    return _pairwise_iou(boxes1, boxes2)


def _check_scores(scores, n: int, name: str = "scores") -> Tensor:
    scores = _as_tensor(scores, name)
    check_shape(scores, name, (None,))
    require_finite(scores, name)
    if len(scores) != n:
        raise ValueError(f"{name} has {len(scores)} entries for {n} box{'es' * (n != 1)}: "
                         "one score per box")
    return scores


def nms(boxes: Tensor, scores: Tensor, iou_threshold: float) -> Tensor:
    """Greedy non-maximum suppression.

    Repeatedly keep the highest-scoring box left and drop every box whose IoU with it is
    above ``iou_threshold``. Equal scores keep their input order (a stable sort).

    Args:
        boxes (Tensor[N, 4]): "xyxy" boxes.
        scores (Tensor[N]): one score per box.
        iou_threshold: in [0, 1]; boxes overlapping a kept one by more are discarded.

    Returns:
        Tensor[K] (int64): indices of the kept boxes, by decreasing score.
    """
    boxes = _check_boxes(boxes)
    scores = _check_scores(scores, len(boxes))
    iou_threshold = as_number(iou_threshold, "iou_threshold", minimum=0.0, maximum=1.0)
    order = torch.sort(scores, descending=True, stable=True).indices
    iou = _pairwise_iou(boxes, boxes).double()  # compared with the float64 threshold
    suppressed = torch.zeros(len(boxes), dtype=torch.bool)
    keep = []
    for i in order.tolist():
        if suppressed[i]:
            continue
        keep.append(i)
        suppressed |= iou[i] > iou_threshold  # a kept box never overlaps a later one
    return torch.tensor(keep, dtype=torch.int64)


def batched_nms(boxes: Tensor, scores: Tensor, idxs: Tensor, iou_threshold: float) -> Tensor:
    """Non-maximum suppression within each category: boxes of different ``idxs`` never
    suppress each other.

    Args:
        boxes (Tensor[N, 4]): "xyxy" boxes.
        scores (Tensor[N]): one score per box.
        idxs (Tensor[N]): the category (e.g. class label) of each box, integers.
        iou_threshold: in [0, 1].

    Returns:
        Tensor[K] (int64): indices of the kept boxes, by decreasing score.
    """
    boxes = _check_boxes(boxes)
    scores = _check_scores(scores, len(boxes))
    idxs = torch.as_tensor(as_array(idxs, "idxs", shape=(None,), dtype="int"))
    if len(idxs) != len(boxes):
        raise ValueError(f"idxs has {len(idxs)} entries for {len(boxes)} "
                         f"box{'es' * (len(boxes) != 1)}: one category per box")
    iou_threshold = as_number(iou_threshold, "iou_threshold", minimum=0.0, maximum=1.0)
    keep = torch.zeros(len(boxes), dtype=torch.bool)
    for category in torch.unique(idxs):
        members = torch.nonzero(idxs == category).flatten()
        keep[members[nms(boxes[members], scores[members], iou_threshold)]] = True
    kept = torch.nonzero(keep).flatten()
    return kept[torch.sort(scores[kept], descending=True, stable=True).indices]
