"""course_utils.metrics.segmentation against a slow pixel loop and scikit-learn."""

import numpy as np
import pytest
import torch
from sklearn.metrics import jaccard_score

from course_utils.metrics import (
    iou_from_confusion,
    mean_iou,
    per_class_iou,
    pixel_accuracy,
    pixel_confusion,
)


def _slow_ious(target, pred, k):
    """One pixel at a time, with Python counters: the definition, nothing vectorised."""
    inter, union = [0] * k, [0] * k
    for t, p in zip(np.ravel(target).tolist(), np.ravel(pred).tolist(), strict=True):
        for c in range(k):
            inter[c] += t == c and p == c
            union[c] += t == c or p == c
    return [inter[c] / union[c] if union[c] else float("nan") for c in range(k)]


def _maps(seed, shape=(3, 9, 11)):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 6))
    target = rng.integers(0, k, size=shape)
    pred = np.where(rng.random(shape) < 0.6, target, rng.integers(0, k, size=shape))
    return target, pred, k


@pytest.mark.parametrize("seed", range(10))
def test_ious_match_a_slow_loop_and_sklearn(seed):
    target, pred, k = _maps(seed)
    slow = _slow_ious(target, pred, k)
    ours = per_class_iou(target, pred, num_classes=k)
    np.testing.assert_allclose(ours, slow, rtol=1e-12)
    np.testing.assert_allclose(ours, jaccard_score(target.ravel(), pred.ravel(), average=None,
                                                   labels=list(range(k))), rtol=1e-12)
    assert mean_iou(target, pred, num_classes=k) == pytest.approx(np.mean(slow))
    assert pixel_accuracy(target, pred, num_classes=k) == pytest.approx(np.mean(target == pred))
    counts = pixel_confusion(target, pred, num_classes=k)
    assert counts.sum() == target.size and counts[0, 1] == np.sum((target == 0) & (pred == 1))


def test_absent_class_is_nan_and_left_out_of_the_mean():
    target = np.array([[0, 0, 1], [1, 1, 0]])
    pred = np.array([[0, 1, 1], [1, 1, 0]])
    ious = per_class_iou(target, pred, num_classes=4)
    assert ious[0] == pytest.approx(2 / 3) and ious[1] == pytest.approx(3 / 4)
    assert np.isnan(ious[2]) and np.isnan(ious[3])
    assert mean_iou(target, pred, num_classes=4) == pytest.approx((2 / 3 + 3 / 4) / 2)
    # a class predicted but absent from the target has IoU 0 and counts
    assert per_class_iou(target, np.full_like(target, 2), num_classes=3)[2] == 0.0


def test_hand_worked_case_and_perfect_prediction():
    # 4 pixels: target 0 0 1 1, pred 0 1 1 1 -> class 0: 1/2, class 1: 2/3
    assert mean_iou([0, 0, 1, 1], [0, 1, 1, 1], num_classes=2) == pytest.approx((1 / 2 + 2 / 3) / 2)
    t = np.random.default_rng(0).integers(0, 3, size=(2, 5, 5))
    assert mean_iou(t, t, num_classes=3) == 1.0 and pixel_accuracy(t, t, num_classes=3) == 1.0


def test_tensors_and_whole_floats_are_accepted():
    target, pred, k = _maps(3)
    expected = mean_iou(target, pred, num_classes=k)
    assert mean_iou(torch.from_numpy(target), torch.from_numpy(pred), num_classes=k) == expected
    assert mean_iou(target.astype(np.float32), pred, num_classes=k) == expected
    np.testing.assert_allclose(iou_from_confusion(pixel_confusion(target, pred, num_classes=k)),
                               per_class_iou(target, pred, num_classes=k))


def test_bad_inputs_get_clear_errors():
    t = np.zeros((2, 4, 4), int)
    with pytest.raises(ValueError, match=r"same shape.*target \(2, 4, 4\) and pred \(2, 4, 5\)"):
        mean_iou(t, np.zeros((2, 4, 5), int), num_classes=2)
    with pytest.raises(ValueError, match=r"per-class scores.*argmax\(1\)"):
        mean_iou(t, np.zeros((2, 3, 4, 4)), num_classes=3)
    bad = t.copy()
    bad[1, 2, 3] = 4
    with pytest.raises(ValueError, match=r"pred holds class id 4 at \[1, 2, 3\], outside 0..3"):
        mean_iou(t, bad, num_classes=4)
    with pytest.raises(ValueError, match=r"target holds class id -1 at \[0, 0, 0\]"):
        mean_iou(t - 1, t, num_classes=2)
    with pytest.raises(ValueError, match="class ids .whole numbers.*argmax"):
        mean_iou(t, np.full((2, 4, 4), 0.3), num_classes=2)
    with pytest.raises(ValueError, match="finite"):
        mean_iou(t, np.full((2, 4, 4), np.nan), num_classes=2)
    with pytest.raises(ValueError, match="num_classes must be >= 1"):
        mean_iou(t, t, num_classes=0)
    with pytest.raises(ValueError, match="empty"):
        mean_iou(np.zeros(0, int), np.zeros(0, int), num_classes=2)
    with pytest.raises(ValueError, match="square matrix"):
        iou_from_confusion(np.ones((2, 3)))
