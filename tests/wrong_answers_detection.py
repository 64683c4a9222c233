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
    ],
    "11.nms_boxes": [
        lambda boxes, scores, t: list(range(len(boxes))),  # nothing suppressed
        lambda boxes, scores, t: _greedy(boxes, scores, t, sort=False),  # input order
        lambda boxes, scores, t: sorted(_greedy(boxes, scores, t)),  # right set, index order
        lambda boxes, scores, t: _greedy(boxes, scores, t, strict=False),  # IoU >= t suppressed
        lambda boxes, scores, t: _greedy(boxes, scores, t, against_top_only=True),
        lambda boxes, scores, t: boxes[_greedy(boxes, scores, t)],  # boxes, not indices
    ],
}
