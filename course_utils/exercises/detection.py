"""Exercises of notebook 11 (object detection), checked against torchvision.ops."""

from __future__ import annotations

import numpy as np
import torch
import torchvision.ops as tv

from course_utils.exercises import CheckFailed, answer_array, answer_number, exercise

_IOU_CASES = [
    ((0, 0, 2, 2), (1, 1, 3, 3)),  # overlap 1, union 7
    ((0, 0, 10, 10), (20, 20, 30, 30)),  # apart
    ((0, 0, 10, 10), (0, 12, 10, 20)),  # apart vertically only: widths overlap
    ((0, 0, 2, 2), (2, 0, 4, 2)),  # touching edges
    ((0, 0, 10, 10), (2, 3, 5, 7)),  # one inside the other
    ((1, 1, 5, 4), (1, 1, 5, 4)),  # identical
    ((0, 0, 10, 10), (0, 0, 10, 5)),  # half
    ((0, 0, 40, 4), (10, -2, 14, 30)),  # a wide box and a tall one, crossing
    ((-8, -5, -2, 3), (-5, -1, 6, 9)),  # negative coordinates
    ((0, 0, 10, 10), (3, 3, 3, 8)),  # a zero-width box (a line) inside another: IoU 0
    ((0, 0, 10, 10), (4, 4, 4, 4)),  # a point
    ((0.25, 0.5, 0.75, 2.5), (0.5, 0.5, 1.5, 1.0)),  # boxes smaller than a pixel
    ((0, 0, 1000, 600), (500, 300, 1500, 900)),  # large, non-square
]


def _iou_reference(a, b) -> float:
    return float(tv.box_iou(torch.tensor(np.array([a], dtype=np.float64)),
                            torch.tensor(np.array([b], dtype=np.float64)))[0, 0])


def _iou_hint(a, b, got: float) -> str:
    a, b = np.asarray(a, float), np.asarray(b, float)
    area = lambda box: (box[2] - box[0]) * (box[3] - box[1])  # noqa: E731
    raw_w = min(a[2], b[2]) - max(a[0], b[0])
    raw_h = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(raw_w, 0) * max(raw_h, 0)
    if not 0 <= got <= 1:
        return ("an IoU lies between 0 and 1: when the boxes do not overlap, the width or "
                "height of the intersection is negative; clamp each at 0")
    if raw_w < 0 and raw_h < 0 and got > 0:
        return ("two negative sides multiply to a positive area: clamp the intersection's "
                "width and height at 0 separately")
    if inter and np.isclose(got, inter / (area(a) + area(b))):
        return "the union counts the overlap once: |A u B| = |A| + |B| - |A n B|"
    if inter and np.isclose(got, inter / min(area(a), area(b))):
        return "divide the intersection by the union, not by the smaller box"
    plus = lambda box: (box[2] - box[0] + 1) * (box[3] - box[1] + 1)  # noqa: E731
    if np.isclose(got, (max(raw_w + 1, 0) * max(raw_h + 1, 0)) /
                  (plus(a) + plus(b) - max(raw_w + 1, 0) * max(raw_h + 1, 0))):
        return ("these boxes are pixel edges (torchvision's convention): a box is x2 - x1 "
                "wide, without +1")
    if inter and np.isclose(got, inter):
        return "that is the intersection's area: divide it by the union's"
    show = lambda box: tuple(round(float(v), 3) for v in box)  # noqa: E731
    return (f"for a = {show(a)} and b = {show(b)} the IoU is {_iou_reference(a, b):.4f}, you "
            f"returned {got:.4f}")


@exercise("11.iou", title="intersection over union of two boxes")
def _iou(answer) -> None:
    rng = np.random.default_rng(11)
    cases = list(_IOU_CASES)
    for _ in range(20):
        xy = rng.uniform(0, 50, (2, 2))
        wh = rng.uniform(1, 30, (2, 2))
        cases.append((tuple(np.r_[xy[0], xy[0] + wh[0]]), tuple(np.r_[xy[1], xy[1] + wh[1]])))
    for a, b in cases:
        for first, second in ((a, b), (b, a)):  # IoU is symmetric: both orders
            got = answer_number(answer(tuple(map(float, first)), tuple(map(float, second))),
                                "iou(a, b)")
            if not np.isclose(got, _iou_reference(first, second), rtol=1e-6, atol=1e-9):
                raise CheckFailed(_iou_hint(first, second, got))


def _nms_cases():
    """(boxes, scores, threshold): a hand-worked case, edge cases, random sets."""
    boxes = np.array([[0.0, 0, 10, 10], [1, 0, 11, 10], [20, 20, 30, 30], [0, 0, 10, 5],
                      [21, 21, 31, 31], [40, 0, 50, 10]])
    scores = np.array([0.9, 0.8, 0.7, 0.95, 0.6, 0.3])
    yield boxes, scores, 0.5  # box 3 overlaps box 0 by exactly 0.5: both stay
    yield boxes, scores, 0.3
    # a chain: 0 suppresses 1, 1 would suppress 2, but 1 is gone, so 2 stays (IoU 0.43, 0.11)
    chain = np.array([[0.0, 0, 10, 10], [4, 0, 14, 10], [8, 0, 18, 10]])
    yield chain, np.array([0.9, 0.8, 0.7]), 0.3
    # wide and tall boxes, a zero-area box (IoU 0 with everything), thresholds 0 and 1
    odd = np.array([[0.0, 0, 40, 4], [10, -2, 14, 30], [0, 1, 40, 5], [5, 5, 5, 9],
                    [12, 0, 13, 29]])
    odd_scores = np.array([0.5, 0.9, 0.4, 0.95, 0.7])
    for threshold in (0.0, 0.2, 1.0):
        yield odd, odd_scores, threshold
    yield np.zeros((0, 4)), np.zeros(0), 0.5
    yield boxes[:1], scores[:1], 0.5
    rng = np.random.default_rng(7)
    for _ in range(15):
        n = int(rng.integers(2, 40))
        xy = rng.uniform(0, 60, (n, 2))
        yield np.c_[xy, xy + rng.uniform(2, 30, (n, 2))], rng.permutation(n) / n + 0.01, float(
            rng.choice([0.1, 0.3, 0.5, 0.7]))


def _greedy(iou: np.ndarray, scores: np.ndarray, threshold: float, *,
            at_threshold_too: bool = False, first_only: bool = False) -> list[int]:
    """Greedy NMS with one of two common slips, to recognise them in an answer."""
    keep: list[int] = []
    for i in np.argsort(-scores, kind="stable").tolist():
        against = keep[:1] if first_only else keep
        if not any(iou[i, k] >= threshold if at_threshold_too else iou[i, k] > threshold
                   for k in against):
            keep.append(i)
    return keep


def _suppress_by_all_higher(iou: np.ndarray, scores: np.ndarray, threshold: float) -> list[int]:
    """The slip of comparing with every higher-scoring box, suppressed ones included."""
    order = np.argsort(-scores, kind="stable").tolist()
    return [i for n, i in enumerate(order) if not any(iou[i, k] > threshold for k in order[:n])]


@exercise("11.nms_boxes", title="greedy non-maximum suppression")
def _nms(answer) -> None:
    for boxes, scores, threshold in _nms_cases():
        expected = tv.nms(torch.tensor(boxes), torch.tensor(scores), threshold).tolist()
        given_boxes, given_scores = boxes.copy(), scores.copy()
        got = answer_array(answer(given_boxes, given_scores, threshold),
                           "nms_boxes(boxes, scores, iou_threshold)", shape=(None,), dtype="int")
        if not (np.array_equal(given_boxes, boxes) and np.array_equal(given_scores, scores)):
            raise CheckFailed("your function changed the boxes or scores it was given (e.g. "
                              "set suppressed scores to 0 in place): work on a copy, the "
                              "caller still needs them")
        got = got.tolist()
        if got == expected:
            continue
        if sorted(got) == sorted(expected):
            raise CheckFailed("the right boxes, in the wrong order: return the kept indices "
                              "by decreasing score")
        if len(got) == len(boxes) and len(expected) < len(boxes):
            raise CheckFailed("nothing was suppressed: drop every box whose IoU with a kept "
                              "box is above iou_threshold")
        iou = tv.box_iou(torch.tensor(boxes), torch.tensor(boxes)).numpy()
        if got == _greedy(iou, scores, threshold, at_threshold_too=True):
            raise CheckFailed("a box whose IoU with a kept box equals the threshold exactly "
                              "stays: suppress only IoU > iou_threshold")
        if got == _greedy(iou, scores, threshold, first_only=True):
            raise CheckFailed("compare each box with every box kept so far, not only with the "
                              "best one")
        if got == _suppress_by_all_higher(iou, scores, threshold):
            raise CheckFailed("a box is dropped only by a box that was KEPT: a higher-scoring "
                              "box that was itself suppressed suppresses nothing")
        raise CheckFailed(f"for {len(boxes)} boxes at iou_threshold={threshold} the kept "
                          f"indices are {expected}, you returned {got}: take the boxes by "
                          "decreasing score; keep one unless its IoU with an already kept "
                          "box is above the threshold")


# -- notebook 12: single-shot detectors ------------------------------------------------------

def _yolo_reference(box, grid: int, width: float, height: float):
    """(row, col, [x, y, sqrt w, sqrt h]) from ``yolo.yolo_targets``: x and its cell depend
    only on the x coordinates and the width, y only on the y ones and the height, so a
    non-square image is two calls of the square one (x from one, y from the other)."""
    from course_utils.yolo import yolo_targets

    def one(size):
        obj, target, _ = yolo_targets(torch.tensor([[box]], dtype=torch.float64),
                                      torch.tensor([[1]]), grid=grid, image_size=size)
        (row, col), = torch.nonzero(obj[0]).tolist()
        return row, col, target[0, row, col].double().numpy()

    _, col, tx = one(width)
    row, _, ty = one(height)
    return row, col, np.array([tx[0], ty[1], tx[2], ty[3]])


def _yolo_cases():
    """(box, grid, width, height): cell borders, the image's far edge, grids that do not
    divide the image, non-square images, random boxes."""
    yield (20.0, 12.0, 44.0, 20.0), 8, 64, 64  # centre (32, 16): on two cell borders
    yield (0.0, 0.0, 16.0, 16.0), 8, 64, 64  # centre (8, 8): the corner of four cells
    yield (56.0, 60.0, 72.0, 68.0), 8, 64, 64  # centre (64, 64): the image's far corner
    yield (3.0, 40.0, 9.0, 58.0), 4, 64, 64
    yield (10.0, 5.0, 50.0, 9.0), 7, 64, 64  # 7 does not divide 64
    yield (30.0, 2.0, 34.0, 46.0), 5, 64, 48  # wide image
    yield (0.0, 90.0, 20.0, 100.0), 6, 40, 100  # tall image, a grid that divides neither
    rng = np.random.default_rng(12)
    for _ in range(40):
        grid = int(rng.choice([2, 3, 5, 7, 8, 13, 16]))
        width, height = (int(v) for v in rng.choice([32, 48, 64, 100, 131], 2))
        x1, y1 = rng.uniform(0, width - 2), rng.uniform(0, height - 2)
        yield ((x1, y1, rng.uniform(x1 + 1, width), rng.uniform(y1 + 1, height)), grid, width,
               height)


def _yolo_hint(box, grid, width, height, got_cell, got_target) -> str:
    row, col, target = _yolo_reference(box, grid, width, height)
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    if tuple(got_cell) == (col, row) and row != col:
        return "the first number is the ROW (from y, down the image), the second the column"
    if tuple(got_cell) != (row, col):
        return (f"the box {tuple(round(v, 2) for v in box)} on a {grid} x {grid} grid of a "
                f"{width} x {height} image has its centre at ({cx:.2f}, {cy:.2f}): cell "
                f"(row, col) = ({row}, {col}); you said {tuple(got_cell)}. Cells are "
                f"{width}/{grid} px wide and {height}/{grid} px tall; round down, and a centre "
                "on the image's far edge belongs to the last cell")
    if np.allclose(got_target[:2], target[:2] - 0.5, atol=1e-6):
        return "x and y are offsets from the cell's top-left corner (0..1), not from its centre"
    if np.allclose(got_target[2:], target[2:] ** 2, atol=1e-6):
        return "YOLO v1 predicts the square roots of the width and height, not the sizes"
    if not np.allclose(got_target[:2], target[:2], atol=1e-6):
        return (f"x, y: the centre's offset inside its cell as a fraction of the cell, here "
                f"{target[0]:.4f}, {target[1]:.4f}; you gave {got_target[0]:.4f}, "
                f"{got_target[1]:.4f}")
    return (f"sqrt w, sqrt h: square roots of the box's width and height as fractions of the "
            f"image's width and height, here {target[2]:.4f}, {target[3]:.4f}; you gave "
            f"{got_target[2]:.4f}, {got_target[3]:.4f}")


@exercise("12.yolo_target", title="YOLO v1's responsible cell and box target")
def _yolo_target(answer) -> None:
    for box, grid, width, height in _yolo_cases():
        got = answer(tuple(float(v) for v in box), grid, width, height)
        if not (isinstance(got, tuple | list) and len(got) == 3):
            raise CheckFailed("return three things: row, col and the target "
                              "(x, y, sqrt_w, sqrt_h)")
        cell = answer_array(got[:2], "(row, col)", shape=(2,), dtype="int")
        target = answer_array(got[2], "target", shape=(4,))
        row, col, expected = _yolo_reference(box, grid, width, height)
        if (tuple(cell) != (row, col)
                or not np.allclose(target, expected, rtol=1e-5, atol=1e-6)):
            raise CheckFailed(_yolo_hint(box, grid, width, height, tuple(cell), target))


def _hard_negative_cases():
    """(loss [N, A], positive [N, A], ratio): ties, no positives, fewer negatives than asked
    for, all positives, random shapes."""
    loss = torch.tensor([[0.9, 0.1, 0.5, 0.5, 0.5, 0.2, 0.7, 0.3]])
    pos = torch.tensor([[False, False, True, False, False, False, False, False]])
    yield loss, pos, 3  # a tie at 0.5 across the cut: either of two boxes may count
    yield loss, torch.zeros_like(pos), 3  # no positives: no negatives either
    yield loss, torch.tensor([[True, False, False, False, False, True, False, True]]), 3
    yield loss, torch.ones_like(pos), 3  # nothing but positives
    yield torch.zeros(2, 5), torch.tensor([[True] + [False] * 4, [False] * 5]), 2  # all tied
    rng = np.random.default_rng(20)
    for _ in range(25):
        n, a = int(rng.integers(1, 6)), int(rng.integers(1, 300))
        loss = torch.tensor(rng.exponential(1.0, (n, a)).round(int(rng.integers(1, 4))))
        pos = torch.tensor(rng.random((n, a)) < rng.choice([0.0, 0.02, 0.1, 0.3, 0.6]))
        yield loss.float() if rng.random() < 0.5 else loss, pos, int(rng.choice([1, 2, 3, 5]))


def _hard_negative_hint(loss, pos, ratio, chosen, expected) -> str:
    if (chosen & pos).any():
        return "a positive default box is never a negative: leave every positive out"
    want, got = expected.sum(1), chosen.sum(1)
    if not np.array_equal(got, want):
        i = int(np.argmax(got != want))
        return (f"image {i} has {int(pos[i].sum())} positives and {int((~pos[i]).sum())} "
                f"negatives, so with ratio {ratio} {int(want[i])} negatives count "
                f"(ratio x positives, or all negatives if there are fewer, counted per "
                f"image); you chose {int(got[i])}")
    return ("the right number of negatives, but not the hardest ones: take those with the "
            "LARGEST loss (ties may go either way)")


@exercise("12.hard_negatives", title="SSD's hard negative mining")
def _hard_negatives(answer) -> None:
    from course_utils.ssd import hard_negatives

    for loss, pos, ratio in _hard_negative_cases():
        given_loss, given_pos = loss.clone(), pos.clone()
        got = answer(given_loss, given_pos, ratio)
        if not (torch.equal(given_loss, loss) and torch.equal(given_pos, pos)):
            raise CheckFailed("your function changed the loss or the mask it was given (an "
                              "in-place fill?): work on a copy, SSD's loss still needs them")
        weights = answer_array(got, "hard_negatives(loss, positive, ratio)",
                               shape=tuple(loss.shape))
        if not np.isin(weights, (0.0, 1.0)).all():
            raise CheckFailed("return a mask: 1 (True) for the negatives that count, 0 "
                              "(False) elsewhere")
        chosen = weights == 1
        expected = hard_negatives(loss, pos, float(ratio)).numpy()
        values = loss.double().numpy()
        same = all(np.array_equal(np.sort(v[c]), np.sort(v[e]))  # equal up to ties
                   for v, c, e in zip(values, chosen, expected, strict=True))
        if not same or (chosen & pos.numpy()).any():
            raise CheckFailed(_hard_negative_hint(loss, pos.numpy(), ratio, chosen, expected))
