"""Classification metrics of deck 002, in numpy, each tested against scikit-learn (nb 08).

Error rate and accuracy; the balanced error rate (the mean of the per-class error rates);
the confusion matrix (rows: true class, columns: predicted); per-class true- and
false-positive rates; the ROC curve and its area for one class against the rest.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from course_utils.validate import as_array, as_number, check_shape, require_non_decreasing

__all__ = [
    "accuracy", "error_rate", "confusion_matrix", "balanced_error_rate", "Rates", "tp_fp_rates",
    "ROC", "roc_curve", "auc", "confusion_at_threshold",
]

MAX_CLASSES = 10_000  # a confusion matrix of 10^8 counts (800 MB): beyond it a label is a typo


def _labels(y_true, y_pred, classes: int | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    y_true = as_array(y_true, "y_true", shape=(None,), dtype="int")
    y_pred = as_array(y_pred, "y_pred", dtype="int")
    if y_pred.shape != y_true.shape:
        raise ValueError(f"y_true and y_pred must have the same length, got {len(y_true)} and "
                         f"{y_pred.size}")
    if y_true.size == 0:
        raise ValueError("need at least one label")
    if classes is not None:
        classes = as_number(classes, "classes", minimum=1, integer=True)
    k = int(max(y_true.max(), y_pred.max())) + 1 if classes is None else classes
    if k > MAX_CLASSES:
        raise ValueError(
            f"labels must be class indices 0..K-1 with K <= {MAX_CLASSES:,}, but the "
            f"{'largest label' if classes is None else 'classes argument'} asks for K = {k:,} "
            f"(a {k:,} x {k:,} matrix): number the classes 0..K-1 first, e.g. with "
            "np.unique(labels, return_inverse=True)")
    if min(y_true.min(), y_pred.min()) < 0 or max(y_true.max(), y_pred.max()) >= k:
        given = "" if classes is None else f" (classes={classes})"
        raise ValueError(f"labels must be class indices in 0..{k - 1}{given}, got values from "
                         f"{min(y_true.min(), y_pred.min())} to {max(y_true.max(), y_pred.max())}")
    return y_true, y_pred, k


def accuracy(y_true, y_pred) -> float:
    """P(f(x) = y): the fraction predicted right."""
    y_true, y_pred, _ = _labels(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def error_rate(y_true, y_pred) -> float:
    """P(f(x) != y) = 1 - accuracy."""
    return 1.0 - accuracy(y_true, y_pred)


def confusion_matrix(y_true, y_pred, *, classes: int | None = None) -> np.ndarray:
    """counts[i, j] = how many of true class i were predicted j."""
    y_true, y_pred, k = _labels(y_true, y_pred, classes)
    return np.bincount(y_true * k + y_pred, minlength=k * k).reshape(k, k)


def balanced_error_rate(y_true, y_pred) -> float:
    """(1/K) sum_k P(f(x) != k | y = k): each class counts the same, however rare."""
    cm = confusion_matrix(y_true, y_pred)
    present = cm.sum(axis=1) > 0
    per_class_error = 1 - np.diag(cm)[present] / cm.sum(axis=1)[present]
    return float(per_class_error.mean())


class Rates(NamedTuple):
    tpr: np.ndarray  # [K] P(f(x) = k | y = k)
    fpr: np.ndarray  # [K] P(f(x) = k | y != k)


def tp_fp_rates(y_true, y_pred, *, classes: int | None = None) -> Rates:
    """Per-class true-positive and false-positive rates, each class against the rest.

    A rate with nothing to count is undefined and NaN: the tpr of a class with no true
    examples, the fpr of a class when every example is of that class.
    """
    cm = confusion_matrix(y_true, y_pred, classes=classes).astype(float)
    tp = np.diag(cm)
    positives = cm.sum(axis=1)
    negatives = cm.sum() - positives
    fp = cm.sum(axis=0) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        return Rates(tp / positives, fp / negatives)


class ROC(NamedTuple):
    fpr: np.ndarray
    tpr: np.ndarray
    thresholds: np.ndarray  # decreasing; predict positive when score >= threshold


def _binary(positive) -> np.ndarray:
    """``positive`` as bools; refuses class labels other than 0/1 (silently 'not 0')."""
    positive = as_array(positive, "positive", shape=(None,), dtype=None)
    if positive.dtype.kind != "b":
        values = np.unique(positive)
        if not np.isin(values, (0, 1)).all():
            raise ValueError(
                f"positive must be booleans or 0/1 (1 = the positive class), got values "
                f"{values[:6].tolist()}: for class k against the rest pass positive=(y == k)")
    return positive.astype(bool)


def roc_curve(positive, scores) -> ROC:
    """ROC of a score for one class: positive (bool [N]) and scores [N].

    Thresholds are the distinct scores, highest first, starting at +inf (nothing predicted
    positive), as scikit-learn with ``drop_intermediate=False``.
    """
    positive = _binary(positive)
    scores = as_array(scores, "scores")
    check_shape(scores, "scores", (len(positive),), like="positive")
    n_pos, n_neg = positive.sum(), (~positive).sum()
    if n_pos == 0 or n_neg == 0:
        raise ValueError("the ROC curve needs both positive and negative examples")
    order = np.argsort(-scores, kind="mergesort")
    s, p = scores[order], positive[order]
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # last index of each distinct score
    tps, fps = np.cumsum(p)[last], np.cumsum(~p)[last]
    return ROC(np.r_[0.0, fps / n_neg], np.r_[0.0, tps / n_pos], np.r_[np.inf, s[last]])


def auc(fpr, tpr) -> float:
    """Area under a curve by the trapezoid rule (fpr non-decreasing, as ``roc_curve`` gives)."""
    fpr = as_array(fpr, "fpr", shape=(None,))
    tpr = as_array(tpr, "tpr", shape=(None,))
    if len(tpr) != len(fpr):
        raise ValueError(f"fpr and tpr must have the same length (one point each), got "
                         f"{len(fpr)} and {len(tpr)}")
    require_non_decreasing(fpr, "fpr", why="sorted from 0 to 1, as roc_curve returns it",
                           fix="sort the points by fpr (or reverse a decreasing curve)")
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def confusion_at_threshold(positive, scores, threshold: float) -> np.ndarray:
    """2x2 counts [[TN, FP], [FN, TP]] when predicting positive for score >= threshold."""
    positive = _binary(positive)
    scores = as_array(scores, "scores")
    check_shape(scores, "scores", (len(positive),), like="positive")
    predicted = scores >= as_number(threshold, "threshold")
    return np.array([[np.sum(~positive & ~predicted), np.sum(~positive & predicted)],
                     [np.sum(positive & ~predicted), np.sum(positive & predicted)]])
