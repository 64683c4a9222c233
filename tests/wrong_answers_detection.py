"""Wrong answers to notebook 11's exercises: each must fail with a hint."""

import numpy as np


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
}
