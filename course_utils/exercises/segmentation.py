"""Exercises of notebook 13 (segmentation), checked against torch and scikit-learn."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.metrics import jaccard_score
from torch import nn

from course_utils.exercises import CheckFailed, answer_number, exercise


def _iou_cases():
    """(target, pred, num_classes) with noisy predictions, one with an absent class."""
    rng = np.random.default_rng(12)
    cases = []
    for shape, k in (((2, 6, 7), 3), ((3, 5, 5), 4), ((1, 8, 8), 2)):
        target = rng.integers(0, k, size=shape)
        pred = np.where(rng.random(shape) < 0.7, target, rng.integers(0, k, size=shape))
        cases.append((target, pred, k))
    target = rng.integers(0, 2, size=(2, 6, 6))  # class 2 in neither map, class 3 only in pred
    pred = np.where(rng.random((2, 6, 6)) < 0.8, target, 3)
    pred[0, :, :2], target[0, :, :2] = 1, 1  # image 0 is easy, image 1 hard
    cases.append((target, pred, 4))
    one = rng.integers(0, 3, size=(5, 9))  # one map without an image axis, not square
    cases.append((one, np.where(rng.random((5, 9)) < 0.6, one, 2), 3))
    last = rng.integers(0, 5, size=(4, 3, 7))  # every class present, the last one too
    cases.append((last, np.where(rng.random(last.shape) < 0.5, last, 4), 5))
    return cases


def _reference_iou(target, pred, k) -> float:
    present = [c for c in range(k) if (target == c).any() or (pred == c).any()]
    return float(np.mean(jaccard_score(target.ravel(), pred.ravel(), labels=present,
                                       average=None)))


def _iou_hint(got, target, pred, k) -> str:
    inter = np.array([((target == c) & (pred == c)).sum() for c in range(k)], float)
    union = np.array([((target == c) | (pred == c)).sum() for c in range(k)], float)
    truth = np.array([(target == c).sum() for c in range(k)], float)
    if np.isclose(got, np.mean(target == pred)):
        return "that is pixel accuracy; IoU divides by the union, per class, then averages"
    if np.isclose(got, np.mean(np.divide(inter, union, out=np.zeros(k), where=union > 0))):
        return "a class in neither map has no IoU (0 / 0): leave it out of the mean"
    in_target = [c for c in range(k) if truth[c] > 0]
    if np.isclose(got, np.mean(inter[in_target] / union[in_target])) and any(
            union[c] > 0 and truth[c] == 0 for c in range(k)):
        return ("a class the prediction uses but the target lacks still counts (its IoU is "
                "0): average over the classes in either map")
    if np.isclose(got, np.mean([inter[c] / union[c] for c in range(k - 1) if union[c] > 0])):
        return "classes are 0 .. num_classes - 1: range(num_classes) includes the last one"
    if np.isclose(got, np.mean(inter[truth > 0] / truth[truth > 0])):
        return ("you divided by the class's true pixels only; the union also holds the "
                "pixels predicted as the class that are not")
    per_image = [_reference_iou(t, p, k) for t, p in zip(target, pred, strict=True)]
    if np.isclose(got, np.mean(per_image)):
        return ("you averaged per-image IoUs; count intersections and unions over all the "
                "images first, then divide")
    return "IoU_k = |pred = k and target = k| / |pred = k or target = k|, mean over classes"


@exercise("13.class_mean_iou", title="mean intersection over union of two class maps")
def _mean_iou(answer) -> None:
    for target, pred, k in _iou_cases():
        given_target, given_pred = target.copy(), pred.copy()
        got = answer_number(answer(given_target, given_pred, k),
                            f"class_mean_iou(target, pred, {k})")
        if not (np.array_equal(given_target, target) and np.array_equal(given_pred, pred)):
            raise CheckFailed("your function changed the class maps it was given: compare "
                              "them without writing into them")
        expected = _reference_iou(target, pred, k)
        if not np.isclose(got, expected, rtol=1e-9, atol=1e-12):
            raise CheckFailed(f"for target and pred of shape {target.shape} with {k} classes "
                              f"expected {expected:.4f}, got {got:.4f}: "
                              f"{_iou_hint(got, target, pred, k)}")


@exercise("13.transposed_size", title="the output size of a transposed convolution")
def _transposed_size(answer) -> None:
    for size, k, s, p in [(4, 3, 1, 0), (4, 4, 2, 1), (6, 2, 2, 0), (3, 3, 2, 1), (7, 5, 3, 2),
                          (6, 16, 8, 4), (1, 3, 2, 0)]:
        got = answer_number(answer(size, k, s, p), f"transposed_size({size}, {k}, {s}, {p})",
                            integer=True)
        expected = nn.ConvTranspose1d(1, 1, k, s, p)(torch.zeros(1, 1, size)).shape[-1]
        if got == (size + 2 * p - k) // s + 1 and got != expected:
            raise CheckFailed("that is a convolution's output size; a transposed convolution "
                              "goes the other way: solve W = (W_out - K + 2P) / S + 1 for "
                              "W_out")
        if got != expected:
            raise CheckFailed(f"for W={size}, K={k}, S={s}, P={p} the output has {expected} "
                              f"values, you said {got}: the stamps of W inputs, S apart, each "
                              "K wide, then P cropped from each side")
