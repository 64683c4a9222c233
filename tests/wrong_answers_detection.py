"""Wrong answers to notebooks 11 and 12's exercises (detection): each must fail with a hint."""

import math

import numpy as np
import torch


def _inter(a, b, clamp=True):
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return (max(w, 0) * max(h, 0)) if clamp else w * h


def _area(box, plus=0):
    return (box[2] - box[0] + plus) * (box[3] - box[1] + plus)


def _greedy(boxes, scores, threshold, *, sort=True, strict=True, against_top_only=False):
    def iou(i, j):
        inter = _inter(boxes[i], boxes[j])
        return inter / (_area(boxes[i]) + _area(boxes[j]) - inter)

    order = list(np.argsort(-scores, kind="stable")) if sort else list(range(len(scores)))
    keep = []
    for i in order:
        against = keep[:1] if against_top_only else keep
        if all((iou(i, k) <= threshold) if strict else (iou(i, k) < threshold) for k in against):
            keep.append(int(i))
    return keep


def _nms_zeroing_in_place(boxes, scores, threshold):
    """Right indices, but suppressed scores set to 0 in the caller's array."""
    keep = _greedy(boxes, scores, threshold)
    scores[[i for i in range(len(scores)) if i not in keep]] = 0.0
    return keep


def _nms_all_higher(boxes, scores, threshold):
    """Dropped when overlapping ANY higher-scoring box, even a suppressed one."""
    order = list(np.argsort(-scores, kind="stable"))

    def iou(i, j):
        inter = _inter(boxes[i], boxes[j])
        return inter / (_area(boxes[i]) + _area(boxes[j]) - inter)

    return [int(i) for n, i in enumerate(order) if all(iou(i, k) <= threshold for k in order[:n])]


def _yolo(box, s, width, height, *, swap=False, image_offsets=False, no_sqrt=False,
          pixels=False, rounding=False, no_clamp=False, centred=False, square=False,
          corner=False):
    height = width if square else height
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    if corner:
        cx, cy = box[0], box[1]
    cw, ch = width / s, height / s
    pick = round if rounding else math.floor
    col, row = pick(cx / cw), pick(cy / ch)
    if not no_clamp:
        col, row = min(col, s - 1), min(row, s - 1)
    x, y = (cx / width, cy / height) if image_offsets else (cx / cw - col, cy / ch - row)
    if centred:
        x, y = x - 0.5, y - 0.5
    w, h = box[2] - box[0], box[3] - box[1]
    if not pixels:
        w, h = w / width, h / height
    size = (w, h) if no_sqrt else (math.sqrt(w), math.sqrt(h))
    return (col, row, (x, y, *size)) if swap else (row, col, (x, y, *size))


def _mine(loss, positive, ratio, *, per_batch=False, easiest=False, with_positives=False,
          at_least_one=False, all_negatives=False, fixed_ratio=None, union=False):
    ratio = fixed_ratio or ratio
    out = torch.zeros(loss.shape)
    total = int(positive.sum())
    for i in range(len(loss)):
        candidates = torch.arange(loss.shape[1]) if with_positives else torch.nonzero(
            ~positive[i]).flatten()
        k = ratio * (total if per_batch else int(positive[i].sum()))
        if at_least_one:
            k = max(k, 1)
        if all_negatives:
            k = len(candidates)
        order = loss[i, candidates].argsort(descending=not easiest)
        out[i, candidates[order[:k]]] = 1.0
        if union:
            out[i, positive[i]] = 1.0
    return out


def _mine_in_place(loss, positive, ratio):
    """Right mask, but the positives' losses overwritten in the caller's tensor."""
    loss.masked_fill_(positive, -1.0)
    return _mine(loss, positive, ratio)


WRONG = {
    "11.iou": [
        lambda a, b: _inter(a, b, clamp=False) / (_area(a) + _area(b) - _inter(a, b, False)),
        lambda a, b: _inter(a, b) / (_area(a) + _area(b)),  # union counts the overlap twice
        lambda a, b: _inter(a, b) / min(_area(a), _area(b)),
        lambda a, b: (max(min(a[2], b[2]) - max(a[0], b[0]) + 1, 0) * max(
            min(a[3], b[3]) - max(a[1], b[1]) + 1, 0)) / (_area(a, 1) + _area(b, 1) - max(
                min(a[2], b[2]) - max(a[0], b[0]) + 1, 0) * max(
                min(a[3], b[3]) - max(a[1], b[1]) + 1, 0)),  # +1 pixel convention
        lambda a, b: _inter(a, b),  # the intersection only
        # assumes a is left of and above b: intersection from a's far edges to b's near ones
        lambda a, b: (max(0, a[2] - b[0]) * max(0, a[3] - b[1])) / (
            _area(a) + _area(b) - max(0, a[2] - b[0]) * max(0, a[3] - b[1])),
    ],
    "11.nms_boxes": [
        lambda boxes, scores, t: list(range(len(boxes))),  # nothing suppressed
        lambda boxes, scores, t: _greedy(boxes, scores, t, sort=False),  # input order
        lambda boxes, scores, t: sorted(_greedy(boxes, scores, t)),  # right set, index order
        lambda boxes, scores, t: _greedy(boxes, scores, t, strict=False),  # IoU >= t suppressed
        lambda boxes, scores, t: _greedy(boxes, scores, t, against_top_only=True),
        lambda boxes, scores, t: boxes[_greedy(boxes, scores, t)],  # boxes, not indices
        _nms_zeroing_in_place,  # right indices, the caller's scores overwritten
        _nms_all_higher,  # suppressed boxes still suppress others
        lambda boxes, scores, t: _greedy(boxes, scores, 0.5),  # the threshold argument ignored
    ],
    "12.yolo_target": [
        lambda b, s, w, h: _yolo(b, s, w, h, swap=True),  # (col, row) instead of (row, col)
        lambda b, s, w, h: _yolo(b, s, w, h, image_offsets=True),  # x, y as image fractions
        lambda b, s, w, h: _yolo(b, s, w, h, no_sqrt=True),  # w, h without square roots
        lambda b, s, w, h: _yolo(b, s, w, h, pixels=True),  # sqrt of pixels, not fractions
        lambda b, s, w, h: _yolo(b, s, w, h, rounding=True),  # nearest cell, not floor
        lambda b, s, w, h: _yolo(b, s, w, h, no_clamp=True),  # centre on the far edge: cell S
        lambda b, s, w, h: _yolo(b, s, w, h, centred=True),  # offsets from the cell's centre
        lambda b, s, w, h: _yolo(b, s, w, h, square=True),  # the width used for the height
        lambda b, s, w, h: _yolo(b, s, w, h, corner=True),  # the top-left corner's cell
        lambda b, s, w, h: _yolo(b, s, w, h)[:2],  # the cell only, no target
    ],
    "12.hard_negatives": [
        lambda loss, pos, r: _mine(loss, pos, r, per_batch=True),  # 3 x the batch's positives
        lambda loss, pos, r: _mine(loss, pos, r, easiest=True),  # the smallest losses
        lambda loss, pos, r: _mine(loss, pos, r, with_positives=True),  # positives ranked too
        lambda loss, pos, r: _mine(loss, pos, r, at_least_one=True),  # one even without positives
        lambda loss, pos, r: _mine(loss, pos, r, all_negatives=True),  # no mining at all
        lambda loss, pos, r: _mine(loss, pos, r, fixed_ratio=3),  # the ratio argument ignored
        lambda loss, pos, r: _mine(loss, pos, r, union=True),  # positives | negatives
        lambda loss, pos, r: _mine(loss, pos, r) * 2,  # weights 2, not a mask
        _mine_in_place,  # right mask, the caller's loss overwritten
    ],
}
