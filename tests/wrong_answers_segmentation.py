"""Wrong answers to notebook 13's exercises: each must fail with a hint."""

import numpy as np


def _per_image(target, pred, k):
    from course_utils.metrics import mean_iou

    pairs = zip(target, pred, strict=True)
    return float(np.mean([mean_iou(t, p, num_classes=k) for t, p in pairs]))


def _absent_as_zero(target, pred, k):
    ious = []
    for c in range(k):
        union = np.sum((target == c) | (pred == c))
        ious.append(np.sum((target == c) & (pred == c)) / union if union else 0.0)
    return float(np.mean(ious))


def _recall(target, pred, k):
    return float(np.mean([np.sum((target == c) & (pred == c)) / np.sum(target == c)
                          for c in range(k) if (target == c).any()]))


def _target_classes_only(target, pred, k):
    """Averages over the classes of the target only: a class only predicted is forgotten."""
    return float(np.mean([np.sum((target == c) & (pred == c)) / np.sum((target == c) | (pred == c))
                          for c in range(k) if (target == c).any()]))


def _one_class_short(target, pred, k):
    """range(k - 1): the last class is never scored."""
    ious = [np.sum((target == c) & (pred == c)) / np.sum((target == c) | (pred == c))
            for c in range(k - 1) if ((target == c) | (pred == c)).any()]
    return float(np.mean(ious))


def _clips_pred_in_place(target, pred, k):
    """The right number, but the caller's prediction is overwritten with its errors marked."""
    pred[pred != target] = -1
    ious = [np.sum((target == c) & (pred == c)) / np.sum((target == c) | (pred == c))
            for c in range(k) if ((target == c) | (pred == c)).any()]
    return float(np.mean(ious))


WRONG = {
    "13.class_mean_iou": [
        lambda target, pred, k: float(np.mean(target == pred)),  # pixel accuracy
        _absent_as_zero,
        _recall,
        _per_image,
        _target_classes_only,
        _one_class_short,
        _clips_pred_in_place,
    ],
    "13.transposed_size": [
        lambda size, k, s, p: (size + 2 * p - k) // s + 1,  # a convolution's size
        lambda size, k, s, p: (size - 1) * s + k,  # padding ignored
        lambda size, k, s, p: (size - 1) * s - p + k,  # padding on one side only
        lambda size, k, s, p: size * s,  # "upsampling by S"
    ],
}
