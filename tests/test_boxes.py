"""course_utils.boxes against torchvision.ops on many random box sets, and its edge cases.

Each random set mixes ordinary boxes with zero-width, zero-height and zero-area boxes,
exact duplicates, boxes on an integer grid (so IoUs land exactly on thresholds like 0.5)
and scores with ties. ``SETS`` sets per function, float32 and float64; run with ``-s`` to
see how many were checked and the worst difference.
"""

import numpy as np
import pytest
import torch
import torchvision.ops as tv

from course_utils.boxes import FORMATS, batched_nms, box_area, box_convert, box_iou, nms

SETS = 500  # random box sets per function


def random_boxes(rng: np.random.Generator, n: int, dtype=torch.float64) -> torch.Tensor:
    """``n`` xyxy boxes with degenerate ones, duplicates and integer corners mixed in."""
    xy = rng.uniform(-50, 50, (n, 2))
    wh = rng.uniform(0, 40, (n, 2)) * (rng.random((n, 1)) < 0.9)  # ~10% zero-area
    wh[rng.random(n) < 0.1, rng.integers(0, 2)] = 0.0  # zero width or zero height
    if rng.random() < 0.3:  # integer grid: exact ties in IoU
        xy, wh = np.round(xy / 5), np.round(wh / 5)
    boxes = np.concatenate([xy, xy + wh], axis=1)
    if n > 1:
        dup = rng.random(n) < 0.15
        boxes[dup] = boxes[rng.integers(0, n, dup.sum())]  # identical boxes
    return torch.tensor(boxes, dtype=dtype)


def random_scores(rng: np.random.Generator, n: int, dtype=torch.float64) -> torch.Tensor:
    kind = rng.integers(3)
    if kind == 0:
        return torch.tensor(rng.random(n), dtype=dtype)
    if kind == 1:  # many ties
        return torch.tensor(rng.integers(0, 4, n) / 4, dtype=dtype)
    return torch.full((n,), 0.5, dtype=dtype)  # all tied


def cases(seed: int):
    """(rng, n, dtype) for random set number ``seed``: sizes 0..80, both float dtypes."""
    rng = np.random.default_rng(seed)
    n = int(rng.choice([0, 1, 2, 3, 5, 10, 30, 80]))
    return rng, n, (torch.float32, torch.float64)[seed % 2]


def report(name: str, count: int, worst: float) -> None:
    print(f"\n{name}: {count} random box sets checked against torchvision.ops, worst "
          f"difference {worst:.3g}")


def test_box_convert_matches_torchvision():
    worst, count = 0.0, 0
    for seed in range(SETS):
        rng, n, dtype = cases(seed)
        xyxy = random_boxes(rng, n, dtype)
        for in_fmt in FORMATS:
            boxes = tv.box_convert(xyxy, "xyxy", in_fmt)
            for out_fmt in FORMATS:
                ours, theirs = box_convert(boxes, in_fmt, out_fmt), tv.box_convert(
                    boxes, in_fmt, out_fmt)
                assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
                if n:
                    worst = max(worst, float((ours - theirs).abs().max()))
                # float32 rounding of x + w - x on coordinates up to ~100
                torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-4)
        count += 1
    report("box_convert (all 3 x 3 format pairs each)", count, worst)


def test_box_area_and_iou_match_torchvision():
    worst, count = 0.0, 0
    for seed in range(SETS):
        rng, n, dtype = cases(seed)
        a, b = random_boxes(rng, n, dtype), random_boxes(rng, int(rng.integers(0, 20)), dtype)
        assert torch.equal(box_area(a), tv.box_area(a))
        ours, theirs = box_iou(a, b), tv.box_iou(a, b)
        assert ours.shape == theirs.shape == (len(a), len(b))
        undefined = torch.isnan(theirs)  # 0 / 0: two boxes without area
        assert (ours[undefined] == 0).all()
        if (~undefined).any():
            worst = max(worst, float((ours - theirs)[~undefined].abs().max()))
        assert torch.equal(ours[~undefined], theirs[~undefined])  # same formula, same bits
        assert ((ours >= 0) & (ours <= 1)).all()
        for fmt in ("xywh", "cxcywh"):
            torch.testing.assert_close(box_iou(tv.box_convert(a, "xyxy", fmt), tv.box_convert(
                b, "xyxy", fmt), fmt=fmt)[~undefined], theirs[~undefined], rtol=0, atol=1e-5)
            torch.testing.assert_close(box_area(tv.box_convert(a, "xyxy", fmt), fmt),
                                       tv.box_area(a), rtol=1e-5, atol=1e-3)
        count += 1
    report("box_area and box_iou", count, worst)


@pytest.mark.parametrize("threshold", [0.0, 0.3, 0.5, 0.7, 1.0])
def test_nms_matches_torchvision(threshold):
    count = 0
    for seed in range(SETS):
        rng, n, dtype = cases(seed)
        boxes, scores = random_boxes(rng, n, dtype), random_scores(rng, n, dtype)
        ours = nms(boxes, scores, threshold)
        assert ours.dtype == torch.int64
        assert ours.tolist() == tv.nms(boxes, scores, threshold).tolist(), seed
        count += 1
    report(f"nms at IoU {threshold} (identical indices, difference 0)", count, 0.0)


def test_batched_nms_matches_torchvision():
    count, float32_differs = 0, 0
    for seed in range(SETS):
        rng, n, dtype = cases(seed)
        boxes, scores = random_boxes(rng, n, dtype), random_scores(rng, n, dtype)
        boxes = boxes - boxes.min() if n else boxes  # torchvision's trick needs x, y >= 0
        idxs = torch.tensor(rng.integers(0, 3, n))
        threshold = float(rng.choice([0.0, 0.3, 0.5, 0.7]))
        ours = batched_nms(boxes, scores, idxs, threshold)
        theirs = tv.batched_nms(boxes, scores, idxs, threshold).tolist()
        # torchvision shifts class k by k * (max coordinate + 1) and runs one nms (with
        # negative coordinates two classes can then overlap); in float32 the shift rounds
        # coordinates, so there the oracle is its nms run class by class
        if dtype == torch.float64:
            assert ours.tolist() == theirs, seed
        else:
            float32_differs += ours.tolist() != theirs
        assert (scores[ours][:-1] >= scores[ours][1:]).all()
        for k in range(3):
            members = torch.nonzero(idxs == k).flatten()
            kept = members[tv.nms(boxes[members], scores[members], threshold)]
            assert [i for i in ours.tolist() if idxs[i] == k] == kept.tolist()
        count += 1
    report(f"batched_nms ({float32_differs} float32 sets differ from torchvision's shifted "
           "batched_nms, none from its class-wise nms)", count, 0.0)


def test_hand_worked_iou_and_nms():
    a = torch.tensor([[0.0, 0.0, 2.0, 2.0]], dtype=torch.float64)
    b = torch.tensor([[1.0, 1.0, 3.0, 3.0], [0.0, 0.0, 2.0, 2.0], [2.0, 0.0, 4.0, 2.0],
                      [0.0, 0.0, 1.0, 2.0]], dtype=torch.float64)
    # overlap 1 / union 7; identical; touching edges; half of a
    assert box_iou(a, b).tolist() == [[1 / 7, 1.0, 0.0, 0.5]]
    boxes = torch.tensor([[0.0, 0, 10, 10], [1, 0, 11, 10], [20, 20, 30, 30], [0, 0, 10, 5]])
    scores = torch.tensor([0.9, 0.8, 0.7, 0.95])
    # IoU(0, 1) = 90/110 = 0.82, IoU(0, 3) = 50/100 = 0.5 exactly, IoU(1, 3) = 45/105 = 0.43:
    # a box is suppressed only when its IoU is above the threshold
    assert nms(boxes, scores, 0.5).tolist() == [3, 0, 2]
    assert nms(boxes, scores, 0.49).tolist() == [3, 1, 2]
    assert nms(boxes, scores, 0.4).tolist() == [3, 2]
    assert nms(boxes, scores, 1.0).tolist() == [3, 0, 1, 2]


def test_ties_keep_input_order_and_identical_boxes_suppress_each_other():
    boxes = torch.tensor([[0.0, 0, 4, 4]] * 3 + [[10.0, 10, 12, 12]])
    scores = torch.tensor([0.5, 0.5, 0.5, 0.5])
    assert nms(boxes, scores, 0.5).tolist() == [0, 3]
    assert batched_nms(boxes, scores, torch.tensor([1, 0, 1, 0]), 0.5).tolist() == [0, 1, 3]


def test_zero_area_boxes():
    point = torch.tensor([[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 2.0, 2.0]])
    assert box_area(point).tolist() == [0.0, 0.0, 4.0]
    assert box_iou(point, point).tolist() == [[0, 0, 0], [0, 0, 0], [0, 0, 1]]
    assert nms(point, torch.tensor([0.9, 0.8, 0.7]), 0.0).tolist() == [0, 1, 2]


def test_empty_inputs():
    empty = torch.zeros(0, 4)
    assert box_convert(empty, "xyxy", "cxcywh").shape == (0, 4)
    assert box_area(empty).shape == (0,)
    assert box_iou(empty, torch.ones(3, 4)).shape == (0, 3)
    assert nms(empty, torch.zeros(0), 0.5).tolist() == []
    assert nms(empty, torch.zeros(0), 0.5).dtype == torch.int64
    assert batched_nms(empty, torch.zeros(0), torch.zeros(0, dtype=torch.int64), 0.5).tolist() == []


def test_numpy_lists_and_integers_are_accepted():
    assert box_area([[0, 0, 2, 3]]).tolist() == [6.0]
    assert box_iou(np.array([[0.0, 0, 2, 2]]), [[0, 0, 2, 2]]).tolist() == [[1.0]]
    assert box_iou(torch.tensor([[0, 0, 2, 2]]), torch.tensor([[0.0, 0, 1, 2]],
                   dtype=torch.float64)).dtype == torch.float64


@pytest.mark.parametrize(("call", "message"), [
    (lambda: box_area([[0.0, 0, -1, 2]]), r"boxes\[0\] = \(0, 0, -1, 2\) has x2 < x1"),
    (lambda: box_iou([[0.0, 0, 1, 1]], [[0, 0, 1, 1], [3, 3, 2, 5]]), r"boxes2\[1\]"),
    (lambda: box_area([[0.0, float("nan"), 1, 1]]), r"boxes\[0, 1\] is nan"),
    (lambda: box_iou([[0.0, 0, 1, float("inf")]], [[0, 0, 1, 1]]), r"finite.*inf"),
    (lambda: box_area([[0.0, 0, 1]]), r"shape \(N, 4\), got \(1, 3\)"),
    (lambda: box_area(torch.zeros(4)), r"shape \(N, 4\), got \(4,\)"),
    (lambda: box_convert([[0.0, 0, -1, 1]], "xywh", "xyxy"), "negative width"),
    (lambda: box_convert([[0.0, 0, 1, 1]], "xyxy", "yxyx"), "out_fmt must be one of"),
    (lambda: nms([[0.0, 0, 1, 1]], [0.5, 0.4], 0.5), "scores has 2 entries for 1 box: one score"),
    (lambda: nms([[0.0, 0, 1, 1]], [float("nan")], 0.5), r"scores\[0\] is nan"),
    (lambda: nms([[0.0, 0, 1, 1]], [0.5], -0.1), "iou_threshold must be >= 0.0"),
    (lambda: nms([[0.0, 0, 1, 1]], [0.5], 1.5), "iou_threshold must be <= 1.0"),
    (lambda: nms([[0.0, 0, 1, 1]], [0.5], float("nan")), "iou_threshold must be finite"),
    (lambda: batched_nms([[0.0, 0, 1, 1]], [0.5], [0.5], 0.5), "idxs must hold whole"),
    (lambda: batched_nms([[0.0, 0, 1, 1]], [0.5], [0, 1], 0.5), "idxs has 2 entries for 1 box"),
    (lambda: box_area("box"), "must be"),
])
def test_bad_inputs_get_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_box_iou_float16_does_not_overflow_the_area():
    big = torch.tensor([[0.0, 0, 300, 300], [100.0, 50, 400, 260]])
    expected = tv.box_iou(big, big)  # oracle in float32
    half = box_iou(big.half(), big.half())  # 300 * 300 = 90000 > float16's max 65504
    assert half.dtype == torch.float16
    assert torch.isfinite(half).all() and half[0, 0] == 1
    torch.testing.assert_close(half.float(), expected, atol=1e-3, rtol=1e-3)
    torch.testing.assert_close(box_iou(big, big), expected)
