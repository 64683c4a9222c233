"""The parts of a detector, and how detections are scored (notebook 11).

- default boxes (SSD) / anchors (Faster R-CNN) over feature maps of given sizes;
- matching anchors to ground-truth boxes by IoU, with torchvision's ``Matcher`` rules;
- boxes encoded as offsets from anchors and decoded back (torchvision's ``BoxCoder``);
- RoI max pooling (Fast R-CNN), written with loops to read, equal to
  ``torchvision.ops.roi_pool``;
- precision-recall, average precision per class and COCO-style mAP@0.5 and mAP@[.5:.95].

Boxes are ``(x1, y1, x2, y2)`` in pixels, as in ``course_utils.boxes``. Predictions and
targets are lists (one entry per image) of dicts as torchvision's detection models use:
``{"boxes": Tensor[N, 4], "scores": Tensor[N], "labels": Tensor[N]}`` and
``{"boxes": Tensor[G, 4], "labels": Tensor[G]}``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor

from course_utils.boxes import (
    _as_tensor,
    _check_boxes,
    _check_scores,
    _pairwise_iou,
    batched_nms,
    box_iou,
)
from course_utils.data.scenes import check_scene
from course_utils.validate import (
    as_array,
    as_number,
    as_tensor,
    check_shape,
    require_finite,
    require_non_decreasing,
)

__all__ = [
    "default_boxes", "multi_scale_boxes", "match_anchors", "encode_boxes", "decode_boxes",
    "roi_pool", "crop_and_resize", "match_detections", "PRCurve", "MAPResult",
    "interpolated_ap", "voc_ap", "mean_average_precision", "scene_targets", "detection_dict",
    "noisy_detections",
]

BELOW_LOW_THRESHOLD = -1  # matched to nothing: background
BETWEEN_THRESHOLDS = -2  # ambiguous: ignored by the loss
COCO_THRESHOLDS = tuple(np.round(np.linspace(0.5, 0.95, 10), 2).tolist())  # 0.5, 0.55, .., 0.95


# --- default boxes / anchors -----------------------------------------------------------

def _pair(value, name: str, *, minimum: float = 1, integer: bool = True) -> tuple:
    if isinstance(value, int | float | np.integer | np.floating):
        value = (value, value)
    if not isinstance(value, Sequence) or len(value) != 2:
        raise ValueError(f"{name} must be one number or (height, width), got {value!r}")
    return tuple(as_number(v, name, minimum=minimum, integer=integer) for v in value)


def _positive_list(values, name: str) -> list[float]:
    values = as_array(values, name, shape=(None,))
    if len(values) == 0 or (values <= 0).any():
        raise ValueError(f"{name} must be a non-empty list of positive numbers, got "
                         f"{values.tolist()}")
    return values.tolist()


def default_boxes(feature_size, image_size, *, scales: Sequence[float],
                  ratios: Sequence[float] = (1.0,), offset: float = 0.5) -> Tensor:
    """Default boxes (SSD) or anchors (Faster R-CNN) of one feature map.

    Every cell of an ``fh x fw`` map over an ``H x W`` image gets one box per (scale,
    ratio), centred at ``((j + offset) * W / fw, (i + offset) * H / fh)``, with area
    ``scale**2`` and aspect ratio ``w / h = ratio``: ``w = scale * sqrt(ratio)``,
    ``h = scale / sqrt(ratio)``. (torchvision's ``AnchorGenerator`` calls ``h / w`` the
    ratio and uses ``offset=0``.)

    Args:
        feature_size: ``fh`` or ``(fh, fw)``, cells of the feature map.
        image_size: ``H`` or ``(H, W)`` in pixels.
        scales: box sides in pixels (square-root of the area).
        ratios: aspect ratios ``w / h``.
        offset: where in its cell a box is centred (0.5: the cell's centre).

    Returns:
        Tensor[fh * fw * len(scales) * len(ratios), 4]: "xyxy" boxes, cell by cell (row
        by row), then scale, then ratio. Boxes may reach outside the image.
    """
    fh, fw = _pair(feature_size, "feature_size")
    height, width = _pair(image_size, "image_size", integer=False)
    scales, ratios = _positive_list(scales, "scales"), _positive_list(ratios, "ratios")
    offset = as_number(offset, "offset", minimum=0.0, maximum=1.0)
    s, r = torch.tensor(scales, dtype=torch.float64), torch.tensor(ratios, dtype=torch.float64)
    w = (s[:, None] * r.sqrt()[None, :]).flatten()  # [S * R], scale-major
    h = (s[:, None] / r.sqrt()[None, :]).flatten()
    cy = (torch.arange(fh, dtype=torch.float64) + offset) * (height / fh)
    cx = (torch.arange(fw, dtype=torch.float64) + offset) * (width / fw)
    cy, cx = (c.reshape(-1, 1) for c in torch.meshgrid(cy, cx, indexing="ij"))  # [fh*fw, 1]
    boxes = torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dim=-1)
    return boxes.reshape(-1, 4).float()


def multi_scale_boxes(feature_sizes, image_size, *, scales: Sequence[Sequence[float]],
                      ratios: Sequence[float] = (1.0,)) -> Tensor:
    """``default_boxes`` of several feature maps (SSD's 8x8, 4x4, ...), concatenated.

    ``scales[k]`` are the scales of map ``feature_sizes[k]``: coarser maps get larger boxes.
    """
    for name, value in (("feature_sizes", feature_sizes), ("scales", scales)):
        if not isinstance(value, list | tuple):
            raise TypeError(f"{name} must be a list with one entry per feature map, got "
                            f"{type(value).__name__}")
    if len(scales) != len(feature_sizes):
        raise ValueError(f"one list of scales per feature map: {len(feature_sizes)} maps but "
                         f"{len(scales)} lists of scales")
    return torch.cat([default_boxes(f, image_size, scales=s, ratios=ratios)
                      for f, s in zip(feature_sizes, scales, strict=True)])


# --- matching and box coding -----------------------------------------------------------

def match_anchors(anchors: Tensor, gt_boxes: Tensor, *, high: float = 0.5, low: float = 0.4,
                  allow_low_quality_matches: bool = True) -> Tensor:
    """Assign every anchor a ground-truth box by IoU (torchvision's ``Matcher`` rules).

    An anchor whose best IoU is >= ``high`` gets that box's index; below ``low`` it is
    background (``BELOW_LOW_THRESHOLD``, -1); in between it is ignored
    (``BETWEEN_THRESHOLDS``, -2). With ``allow_low_quality_matches`` every box also keeps
    the anchor(s) that overlap it most, however little, so no object goes unmatched. A box
    that overlaps no anchor at all forces nothing (torchvision would then match every
    anchor); no boxes at all make every anchor background (torchvision raises).

    Args:
        anchors (Tensor[N, 4]), gt_boxes (Tensor[G, 4]): "xyxy" boxes.

    Returns:
        Tensor[N] (int64): index into ``gt_boxes``, or -1 / -2.
    """
    high = as_number(high, "high", minimum=0.0, maximum=1.0)
    low = as_number(low, "low", minimum=0.0, maximum=high)
    anchors, gt_boxes = _check_boxes(anchors, "anchors"), _check_boxes(gt_boxes, "gt_boxes")
    if len(gt_boxes) == 0 or len(anchors) == 0:
        return torch.full((len(anchors),), BELOW_LOW_THRESHOLD, dtype=torch.int64)
    iou = box_iou(gt_boxes, anchors)  # [G, N]
    best_iou, matches = iou.max(dim=0)
    best_gt = matches.clone()
    matches[best_iou < low] = BELOW_LOW_THRESHOLD
    matches[(best_iou >= low) & (best_iou < high)] = BETWEEN_THRESHOLDS
    if allow_low_quality_matches:
        best_for_gt = iou.max(dim=1).values  # [G]
        _, anchor_idx = torch.nonzero((iou == best_for_gt[:, None]) & (best_for_gt[:, None] > 0),
                                      as_tuple=True)
        matches[anchor_idx] = best_gt[anchor_idx]
    return matches


def _check_weights(weights) -> tuple[float, float, float, float]:
    w = as_array(weights, "weights", shape=(4,))
    if (w <= 0).any():
        raise ValueError(f"weights must be positive, got {w.tolist()}")
    return tuple(w.tolist())


def _centre_size(boxes: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    return boxes[:, 0] + 0.5 * w, boxes[:, 1] + 0.5 * h, w, h


def _with_area(boxes, name: str) -> Tensor:
    boxes = _check_boxes(boxes, name)
    flat = (boxes[:, 2] <= boxes[:, 0]) | (boxes[:, 3] <= boxes[:, 1])
    if flat.any():
        i = int(torch.nonzero(flat)[0, 0])
        raise ValueError(f"{name}[{i}] = {tuple(round(v, 4) for v in boxes[i].tolist())} has "
                         "zero width or height: offsets are relative to the size, so every "
                         "box must have an area")
    return boxes


def encode_boxes(boxes: Tensor, anchors: Tensor, *,
                 weights: Sequence[float] = (1.0, 1.0, 1.0, 1.0)) -> Tensor:
    """Each box as offsets from its anchor (Faster R-CNN's parametrisation).

    ``dx = wx (cx - cx_a) / w_a``, ``dy = wy (cy - cy_a) / h_a``, ``dw = ww log(w / w_a)``,
    ``dh = wh log(h / h_a)``: shifts in anchor widths and log size ratios, so one network
    output means the same for small and large anchors.

    Args:
        boxes (Tensor[N, 4]), anchors (Tensor[N, 4]): "xyxy", row ``i`` of one relative to
            row ``i`` of the other; both with positive width and height.
        weights: ``(wx, wy, ww, wh)``; torchvision's Faster R-CNN uses (10, 10, 5, 5).

    Returns:
        Tensor[N, 4]: ``(dx, dy, dw, dh)``.
    """
    boxes, anchors = _with_area(boxes, "boxes"), _with_area(anchors, "anchors")
    if boxes.shape != anchors.shape:
        raise ValueError(f"one anchor per box: boxes has {len(boxes)} rows, anchors "
                         f"{len(anchors)}")
    wx, wy, ww, wh = _check_weights(weights)
    cx, cy, w, h = _centre_size(boxes)
    acx, acy, aw, ah = _centre_size(anchors.to(boxes.dtype))
    return torch.stack([wx * (cx - acx) / aw, wy * (cy - acy) / ah,
                        ww * torch.log(w / aw), wh * torch.log(h / ah)], dim=1)


def decode_boxes(deltas: Tensor, anchors: Tensor, *,
                 weights: Sequence[float] = (1.0, 1.0, 1.0, 1.0),
                 clip: float = math.log(1000.0 / 16)) -> Tensor:
    """Undo ``encode_boxes``: offsets from anchors back to "xyxy" boxes.

    ``dw`` and ``dh`` are clipped at ``clip`` (torchvision's default) so that ``exp`` of an
    untrained network's output cannot overflow.

    Args:
        deltas (Tensor[N, 4]): ``(dx, dy, dw, dh)`` per anchor.
        anchors (Tensor[N, 4]): "xyxy" anchors with positive width and height.

    Returns:
        Tensor[N, 4]: "xyxy" boxes.
    """
    deltas = _as_tensor(deltas, "deltas")
    check_shape(deltas, "deltas", (None, 4))
    require_finite(deltas, "deltas")
    anchors = _with_area(anchors, "anchors").to(deltas.dtype)
    if len(deltas) != len(anchors):
        raise ValueError(f"one anchor per row of deltas: deltas has {len(deltas)} rows, "
                         f"anchors {len(anchors)}")
    wx, wy, ww, wh = _check_weights(weights)
    acx, acy, aw, ah = _centre_size(anchors)
    cx, cy = deltas[:, 0] / wx * aw + acx, deltas[:, 1] / wy * ah + acy
    w = torch.exp((deltas[:, 2] / ww).clamp(max=clip)) * aw
    h = torch.exp((deltas[:, 3] / wh).clamp(max=clip)) * ah
    return torch.stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], dim=1)


# --- RoI max pooling -------------------------------------------------------------------

def _round_half_away(x: Tensor) -> Tensor:
    """C's ``round``: halves go away from zero (``torch.round`` rounds them to even)."""
    return torch.sign(x) * torch.floor(x.abs() + 0.5)


def _rois(boxes, n_images: int, dtype: torch.dtype) -> Tensor:
    if isinstance(boxes, list | tuple) and (not boxes or isinstance(boxes[0], Tensor)):
        for i, b in enumerate(boxes):
            _check_boxes(b, f"boxes[{i}]")
        boxes = torch.cat([torch.cat([torch.full((len(b), 1), float(i), dtype=torch.float64),
                                      _as_tensor(b, "boxes").double()], dim=1)
                           for i, b in enumerate(boxes)]) if boxes else torch.zeros(0, 5)
    boxes = _as_tensor(boxes, "boxes")
    check_shape(boxes, "boxes", (None, 5))
    require_finite(boxes, "boxes")
    index = boxes[:, 0]
    bad = (index != index.round()) | (index < 0) | (index >= n_images)
    if bad.any():
        i = int(torch.nonzero(bad)[0, 0])
        raise ValueError(f"boxes[{i}, 0] = {index[i].item():g} is not an image index in "
                         f"0..{n_images - 1} (rows are (image index, x1, y1, x2, y2))")
    return boxes.to(dtype)


def _bin_edges(start: Tensor, cells: Tensor, bins: int, limit: int,
               dtype) -> tuple[Tensor, Tensor]:
    """Per region, the first and one-past-last cell of each of its ``bins`` bins.

    ``start`` and ``cells`` (int64 [K]) are each region's first cell and length in cells;
    bin ``i`` covers ``floor(i * cells / bins)`` to ``ceil((i + 1) * cells / bins)``,
    computed in the feature map's own precision, shifted by ``start``, clipped to the map.
    """
    size = cells.to(dtype) / bins  # [K]
    steps = torch.arange(bins + 1, dtype=dtype)[None, :] * size[:, None]  # [K, bins + 1]
    first = (torch.floor(steps[:, :-1]).long() + start[:, None]).clamp(0, limit)
    last = (torch.ceil(steps[:, 1:]).long() + start[:, None]).clamp(0, limit)
    return first, last


def roi_pool(input: Tensor, boxes, output_size, spatial_scale: float = 1.0) -> Tensor:
    """RoI max pooling (Fast R-CNN): each region of the feature map to a fixed grid.

    A region's corners are scaled to feature-map cells and rounded; the region is cut into
    an ``oh x ow`` grid of bins (floor / ceil at the edges, so neighbouring bins may share
    a row), and each bin keeps its maximum. Same rules as ``torchvision.ops.roi_pool``.

    Args:
        input (Tensor[N, C, H, W]): feature maps of N images.
        boxes (Tensor[K, 5] or list of Tensor[L, 4]): regions ``(image index, x1, y1, x2,
            y2)`` in image pixels, or one "xyxy" tensor per image.
        output_size: ``oh`` or ``(oh, ow)``.
        spatial_scale: feature cells per image pixel (1/4 for a stride-4 map).

    Returns:
        Tensor[K, C, oh, ow]; differentiable (the gradient goes to each bin's maximum).
    """
    input = as_tensor(input, "input", shape=("N", "C", "H", "W"), nonempty=True,
                      finite=False)  # a layer inside Fast R-CNN: NaN flows on to the loss
    oh, ow = _pair(output_size, "output_size")
    spatial_scale = as_number(spatial_scale, "spatial_scale", minimum=1e-6)
    rois = _rois(boxes, len(input), input.dtype)
    height, width = input.shape[2:]
    scale = torch.tensor(spatial_scale, dtype=input.dtype)
    x1, y1, x2, y2 = _round_half_away(rois[:, 1:] * scale).long().unbind(1)  # feature cells
    # a region is at least one cell wide and high (rounding can make x2 < x1)
    h0, h1 = _bin_edges(y1, (y2 - y1 + 1).clamp(min=1), oh, height, input.dtype)
    w0, w1 = _bin_edges(x1, (x2 - x1 + 1).clamp(min=1), ow, width, input.dtype)
    h0, h1, w0, w1 = h0.tolist(), h1.tolist(), w0.tolist(), w1.tolist()
    pooled = []
    for k, image_index in enumerate(rois[:, 0].long().tolist()):
        image = input[image_index]  # [C, H, W]
        # the max over a bin = the max over its columns of the max over its rows
        rows = torch.stack([image[:, a:b].amax(dim=1) if b > a else image[:, 0] * 0
                            for a, b in zip(h0[k], h1[k], strict=True)], dim=1)  # [C, oh, W]
        bins = torch.stack([rows[:, :, a:b].amax(dim=2) if b > a else rows[:, :, 0] * 0
                            for a, b in zip(w0[k], w1[k], strict=True)], dim=2)  # [C, oh, ow]
        empty_rows = [b <= a for a, b in zip(h0[k], h1[k], strict=True)]
        empty_cols = [b <= a for a, b in zip(w0[k], w1[k], strict=True)]
        if any(empty_rows) or any(empty_cols):  # a bin outside the map is 0
            empty = torch.tensor(empty_rows)[:, None] | torch.tensor(empty_cols)[None, :]
            bins = bins.masked_fill(empty, 0.0)
        pooled.append(bins)
    if not pooled:
        return input.new_zeros(0, input.shape[1], oh, ow)
    return torch.stack(pooled)


def crop_and_resize(images: Tensor, boxes, size: int) -> Tensor:
    """Cut each region out of its image and warp it to ``size x size`` (R-CNN's crops).

    Bilinear sampling at the centres of a ``size x size`` grid over the box (what
    ``torchvision.ops.roi_align(..., aligned=True, sampling_ratio=1)`` computes inside the
    image; at the border the edge pixels are repeated).

    Args:
        images (Tensor[N, C, H, W]).
        boxes (Tensor[K, 5] or list of Tensor[L, 4]): as in ``roi_pool``.
        size: side of the crops in pixels.

    Returns:
        Tensor[K, C, size, size].
    """
    images = as_tensor(images, "images", shape=("N", "C", "H", "W"), nonempty=True)
    size = as_number(size, "size", minimum=1, integer=True)
    rois = _rois(boxes, len(images), images.dtype)
    if len(rois) == 0:
        return images.new_zeros(0, images.shape[1], size, size)
    height, width = images.shape[2:]
    x1, y1, x2, y2 = rois[:, 1:].unbind(1)
    theta = torch.zeros(len(rois), 2, 3, dtype=images.dtype)
    # output coordinates -1..1 map to the box's edges in grid_sample's -1..1 image frame
    theta[:, 0, 0], theta[:, 0, 2] = (x2 - x1) / width, (x1 + x2) / width - 1
    theta[:, 1, 1], theta[:, 1, 2] = (y2 - y1) / height, (y1 + y2) / height - 1
    grid = torch.nn.functional.affine_grid(theta, [len(rois), images.shape[1], size, size],
                                           align_corners=False)
    return torch.nn.functional.grid_sample(images[rois[:, 0].long()], grid, mode="bilinear",
                                           padding_mode="border", align_corners=False)


# --- precision, recall and average precision --------------------------------------------

def _prediction(p: dict, i: int) -> tuple[Tensor, Tensor, Tensor]:
    if not isinstance(p, dict) or not {"boxes", "scores", "labels"} <= set(p):
        raise ValueError(f"predictions[{i}] must be a dict with boxes, scores and labels")
    boxes = _check_boxes(p["boxes"], f"predictions[{i}]['boxes']")
    scores = torch.as_tensor(as_array(p["scores"], f"predictions[{i}]['scores']",
                                      shape=(None,)))
    labels = torch.as_tensor(as_array(p["labels"], f"predictions[{i}]['labels']",
                                      shape=(None,), dtype="int"))
    if not len(boxes) == len(scores) == len(labels):
        raise ValueError(f"predictions[{i}] has {len(boxes)} boxes, {len(scores)} scores and "
                         f"{len(labels)} labels: one of each per detection")
    return boxes, scores, labels


def _target(t: dict, i: int) -> tuple[Tensor, Tensor]:
    if not isinstance(t, dict) or not {"boxes", "labels"} <= set(t):
        raise ValueError(f"targets[{i}] must be a dict with boxes and labels")
    boxes = _check_boxes(t["boxes"], f"targets[{i}]['boxes']")
    labels = torch.as_tensor(as_array(t["labels"], f"targets[{i}]['labels']", shape=(None,),
                                      dtype="int"))
    if len(boxes) != len(labels):
        raise ValueError(f"targets[{i}] has {len(boxes)} boxes but {len(labels)} labels")
    return boxes, labels


def match_detections(boxes: Tensor, scores: Tensor, gt_boxes: Tensor,
                     iou_thresholds: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """COCO's greedy matching in one image, for one class.

    Detections in decreasing score (ties: input order) each take the unmatched
    ground-truth box they overlap most, if that IoU is >= the threshold; otherwise they are
    false positives.

    Returns:
        order (ndarray[N]): the detections' indices by decreasing score;
        matched (ndarray[T, N], int): for threshold ``t`` and the ``n``-th detection in
            that order, the index of its ground-truth box, or -1 (a false positive).
    """
    boxes = _check_boxes(boxes, "boxes")
    scores = _check_scores(scores, len(boxes))
    gt_boxes = _check_boxes(gt_boxes, "gt_boxes")
    thresholds = as_array(iou_thresholds, "iou_thresholds", shape=(None,))
    if ((thresholds < 0) | (thresholds > 1)).any():
        raise ValueError(f"iou_thresholds must lie in [0, 1], got {thresholds.tolist()}")
    order = torch.sort(scores, descending=True, stable=True).indices.numpy()
    matched = np.full((len(thresholds), len(order)), -1, dtype=np.int64)
    if len(order) == 0 or len(gt_boxes) == 0:
        return order, matched
    iou = _pairwise_iou(boxes[order].double(), gt_boxes.double()).numpy()  # [N, G]
    taken = np.zeros((len(thresholds), len(gt_boxes)), dtype=bool)
    for n in range(len(order)):
        candidate = np.where(taken | (iou[n][None, :] < thresholds[:, None]), -1.0, iou[n])
        best = candidate.argmax(axis=1)  # [T]
        hit = candidate[np.arange(len(thresholds)), best] >= 0
        matched[hit, n] = best[hit]
        taken[np.flatnonzero(hit), best[hit]] = True
    return order, matched


class PRCurve(NamedTuple):
    recall: np.ndarray  # [N] after each detection, by decreasing score
    precision: np.ndarray  # [N]
    scores: np.ndarray  # [N]
    n_ground_truth: int


class MAPResult(NamedTuple):
    map: float  # mean over classes and IoU thresholds (COCO's AP, "mAP@[.5:.95]")
    map50: float  # mean over classes at IoU 0.5 (nan when 0.5 is not a threshold)
    ap: np.ndarray  # [C, T] average precision per class and threshold (nan: no ground truth)
    classes: tuple[int, ...]  # the class label of each row of ``ap``
    iou_thresholds: tuple[float, ...]
    curves: dict  # (class, threshold) -> PRCurve


def _pr_points(recall, precision) -> tuple[np.ndarray, np.ndarray]:
    """recall and precision [N] as float arrays, or a ``ValueError``: finite, same length,
    recall non-decreasing (a search over it would otherwise read the wrong precisions)."""
    recall = as_array(recall, "recall", shape=(None,))
    precision = as_array(precision, "precision", shape=(None,))
    if len(precision) != len(recall):
        raise ValueError(f"recall and precision must have the same length (one point per "
                         f"detection), got {len(recall)} and {len(precision)}")
    require_non_decreasing(recall, "recall", why="detections sorted by decreasing score",
                           fix="sort the detections by score first")
    return recall, precision


def interpolated_ap(recall: np.ndarray, precision: np.ndarray, *, points: int = 101) -> float:
    """COCO's average precision: the mean over recall levels 0, 0.01, .., 1 of the best
    precision reached at that recall or beyond (0 where the recall is never reached).

    ``recall`` must be finite and non-decreasing (detections by decreasing score, as
    ``PRCurve`` holds them), with one precision per recall."""
    recall, precision = _pr_points(recall, precision)
    points = as_number(points, "points", minimum=2, integer=True)
    if len(recall) == 0:
        return 0.0
    envelope = np.maximum.accumulate(precision[::-1])[::-1]  # best precision at >= recall
    where = np.searchsorted(recall, np.linspace(0, 1, points), side="left")
    reached = where < len(recall)
    return float(np.sum(envelope[where[reached]]) / points)


def voc_ap(recall: np.ndarray, precision: np.ndarray, *, eleven_point: bool = False) -> float:
    """PASCAL VOC's average precision, for comparison with COCO's ``interpolated_ap``.

    VOC 2010 and later (default): the area under the precision envelope (best precision
    at that recall or beyond), summed exactly over the recall steps. VOC 2007
    (``eleven_point=True``): the mean of that envelope at recall 0, 0.1, .., 1.
    """
    recall, precision = _pr_points(recall, precision)
    if len(recall) == 0:
        return 0.0
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    if eleven_point:
        where = np.searchsorted(recall, np.linspace(0, 1, 11), side="left")
        return float(np.sum(envelope[where[where < len(recall)]]) / 11)
    steps = np.diff(np.concatenate([[0.0], recall]))  # recall gained at each detection
    return float(np.sum(steps * envelope))


def _class_curve(per_image: list, n_gt: int, t: int) -> PRCurve:
    """Pool one class's detections over all images (decreasing score, then image order)."""
    scores = np.concatenate([s for s, _ in per_image]) if per_image else np.zeros(0)
    hits = np.concatenate([m[t] >= 0 for _, m in per_image]) if per_image else np.zeros(0, bool)
    order = np.argsort(-scores, kind="stable")
    tp = np.cumsum(hits[order])
    precision = tp / np.arange(1, len(order) + 1)
    recall = tp / n_gt if n_gt else np.full(len(order), np.nan)
    return PRCurve(recall, precision, scores[order], n_gt)


def mean_average_precision(predictions: list[dict], targets: list[dict], *,
                           iou_thresholds: Sequence[float] = COCO_THRESHOLDS,
                           classes: Sequence[int] | None = None) -> MAPResult:
    """COCO-style average precision per class and IoU threshold, and their means.

    Per class and threshold: match detections to ground truth in each image
    (``match_detections``), pool them over images by decreasing score, and take
    ``interpolated_ap`` of the precision-recall curve. ``map`` averages over classes that
    have ground truth and over thresholds, ``map50`` over classes at IoU 0.5. Unlike
    pycocotools there is no limit of 100 detections per image and no crowd or area ranges.

    Args:
        predictions: per image ``{"boxes", "scores", "labels"}``.
        targets: per image ``{"boxes", "labels"}``, as many as predictions.
        iou_thresholds: default 0.5, 0.55, .., 0.95; a single number is one threshold.
        classes: the labels to score (default: every label in the targets).
    """
    if not isinstance(predictions, list | tuple) or not isinstance(targets, list | tuple):
        raise ValueError("predictions and targets must be lists with one dict per image")
    if len(predictions) != len(targets):
        raise ValueError(f"{len(predictions)} predictions but {len(targets)} targets: one of "
                         "each per image")
    preds = [_prediction(p, i) for i, p in enumerate(predictions)]
    gts = [_target(t, i) for i, t in enumerate(targets)]
    if isinstance(iou_thresholds, Real) or getattr(iou_thresholds, "ndim", None) == 0:
        iou_thresholds = (iou_thresholds,)  # one bare threshold, e.g. 0.5
    thresholds = tuple(float(as_number(t, "iou_thresholds", minimum=0.0, maximum=1.0))
                       for t in iou_thresholds)
    if not thresholds:
        raise ValueError("iou_thresholds must hold at least one threshold")
    if classes is None:
        classes = sorted({int(v) for _, labels in gts for v in labels.tolist()})
    classes = tuple(int(c) for c in classes)
    ap = np.full((len(classes), len(thresholds)), np.nan)
    curves = {}
    for row, c in enumerate(classes):
        per_image, n_gt = [], 0
        for (boxes, scores, labels), (gt_boxes, gt_labels) in zip(preds, gts, strict=True):
            mine, gt = labels == c, gt_boxes[gt_labels == c]
            n_gt += len(gt)
            order, matched = match_detections(boxes[mine], scores[mine], gt, thresholds)
            per_image.append((scores[mine].double().numpy()[order], matched))
        for t, threshold in enumerate(thresholds):
            curve = curves[c, threshold] = _class_curve(per_image, n_gt, t)
            if n_gt:
                ap[row, t] = interpolated_ap(curve.recall, curve.precision)
    scored = ~np.isnan(ap[:, 0])
    at50 = [t for t, v in enumerate(thresholds) if abs(v - 0.5) < 1e-9]
    mean = float(ap[scored].mean()) if scored.any() else float("nan")
    map50 = float(ap[scored, at50[0]].mean()) if at50 and scored.any() else float("nan")
    return MAPResult(mean, map50, ap, classes, thresholds, curves)


# --- helpers for scenes and tests ---------------------------------------------------------

def scene_targets(scenes) -> list[dict]:
    """Ground truth of ``course_utils.data`` scenes as ``{"boxes", "labels"}`` dicts."""
    if not isinstance(scenes, list | tuple):
        raise TypeError(f"scenes must be a list of scenes from make_scenes, got "
                        f"{type(scenes).__name__}")
    scenes = [check_scene(s, f"scenes[{i}]") for i, s in enumerate(scenes)]
    return [{"boxes": torch.as_tensor(s.boxes), "labels": torch.as_tensor(s.labels)}
            for s in scenes]


def detection_dict(boxes: Tensor, scores: Tensor, labels: Tensor, *,
                   nms_iou: float | None = None, limit: int | None = None) -> dict:
    """One image's detections as torchvision's dict, after per-class NMS unless ``nms_iou``
    is None (then as given); ``limit`` keeps the best that many. Every decoder here ends so.
    """
    boxes = _as_tensor(boxes, "boxes")
    check_shape(boxes, "boxes", (None, 4))
    require_finite(boxes, "boxes")
    scores = _check_scores(scores, len(boxes))
    labels = torch.as_tensor(as_array(labels, "labels", dtype="int"))
    check_shape(labels, "labels", (len(boxes),), why="one class label per box")
    if limit is not None:
        limit = as_number(limit, "limit", minimum=0, integer=True)
    if nms_iou is not None:
        nms_iou = as_number(nms_iou, "nms_iou", minimum=0.0, maximum=1.0)
        kept = batched_nms(boxes, scores, labels, nms_iou)[:limit]
        boxes, scores, labels = boxes[kept], scores[kept], labels[kept]
    return {"boxes": boxes, "scores": scores, "labels": labels}


def noisy_detections(targets: list[dict], *, seed: int = 0, miss: float = 0.1,
                     jitter: float = 0.1, false_positives: float = 1.0,
                     duplicates: float = 0.3, wrong_class: float = 0.05,
                     num_classes: int = 3, image_size: float = 64.0) -> list[dict]:
    """Imitation detector output, to test metrics and widgets without training a model.

    Each ground-truth box is found with probability ``1 - miss`` (its corners moved by
    ``jitter`` times its size, its score higher the closer it lands), sometimes twice
    (``duplicates``) or with a wrong label; plus Poisson(``false_positives``) random boxes
    per image with low scores.
    """
    rng = np.random.default_rng(as_number(seed, "seed", minimum=0, integer=True))
    miss, jitter, duplicates, wrong_class = (
        as_number(v, k, minimum=0.0, maximum=m) for k, v, m in (
            ("miss", miss, 1.0), ("jitter", jitter, None), ("duplicates", duplicates, 1.0),
            ("wrong_class", wrong_class, 1.0)))
    false_positives = as_number(false_positives, "false_positives", minimum=0.0)
    num_classes = as_number(num_classes, "num_classes", minimum=1, integer=True)
    image_size = as_number(image_size, "image_size", minimum=8.0)
    if not isinstance(targets, list | tuple):
        raise TypeError(f"targets must be a list of {{'boxes', 'labels'}} dicts, one per image, "
                        f"got {type(targets).__name__}")
    out = []
    for i, t in enumerate(targets):
        gt_boxes, gt_labels = _target(t, i)
        boxes, scores, labels = [], [], []
        for box, label in zip(gt_boxes.double().numpy(), gt_labels.numpy(), strict=True):
            for copy in range(1 + (rng.random() < duplicates)):
                if rng.random() < miss:
                    continue
                size = np.tile(box[2:] - box[:2], 2)
                moved = box + rng.normal(0, jitter * (1 + copy), 4) * size
                moved[2:] = np.maximum(moved[2:], moved[:2] + 1)
                closeness = float(_pairwise_iou(torch.tensor(moved[None]), torch.tensor(
                    box[None]))[0, 0])
                boxes.append(moved)
                scores.append(np.clip(0.3 + 0.6 * closeness + rng.normal(0, 0.1), 0.01, 1))
                wrong = rng.random() < wrong_class
                labels.append(int(rng.integers(1, num_classes + 1)) if wrong else int(label))
        for _ in range(rng.poisson(false_positives)):
            xy, wh = rng.uniform(0, image_size * 0.8, 2), rng.uniform(4, image_size * 0.3, 2)
            boxes.append(np.concatenate([xy, xy + wh]))
            scores.append(rng.uniform(0.01, 0.6))
            labels.append(int(rng.integers(1, num_classes + 1)))
        out.append({"boxes": torch.tensor(np.array(boxes).reshape(-1, 4), dtype=torch.float32),
                    "scores": torch.tensor(scores, dtype=torch.float32),
                    "labels": torch.tensor(labels, dtype=torch.int64)})
    return out
