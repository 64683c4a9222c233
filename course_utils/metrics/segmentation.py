"""Segmentation metrics: pixel accuracy and (mean) intersection over union (notebook 13).

Every metric reads the same pixel confusion matrix, summed over every pixel of every image
given (the usual dataset-level convention: a class's IoU is not an average of per-image
IoUs). ``target`` and ``pred`` are class-id maps of one shape (``[H, W]`` or
``[N, H, W]``), ids in ``0..num_classes - 1`` (0 is the background in the scenes).

    IoU_k = |pred = k and target = k| / |pred = k or target = k| = TP / (TP + FP + FN)

A class that is in neither ``target`` nor ``pred`` has no IoU (NaN in ``per_class_iou``)
and is left out of the mean. Tested against a slow pixel-by-pixel loop and scikit-learn.
"""

from __future__ import annotations

import numpy as np

from course_utils.validate import as_array, as_number

__all__ = [
    "pixel_confusion", "pixel_accuracy", "iou_from_confusion", "per_class_iou", "mean_iou",
]


def _class_maps(target, pred, num_classes) -> tuple[np.ndarray, np.ndarray, int]:
    """Both maps as int64 arrays of one shape, ids checked against ``num_classes``."""
    k = as_number(num_classes, "num_classes", minimum=1, integer=True)
    target = as_array(target, "target", dtype=None)
    pred = as_array(pred, "pred", dtype=None)
    if target.shape != pred.shape:
        hint = ("; pred looks like per-class scores [N, K, H, W]: take pred.argmax(1) first"
                if pred.ndim == target.ndim + 1 else "")
        raise ValueError(f"target and pred must have the same shape (one class id per pixel), "
                         f"got target {target.shape} and pred {pred.shape}{hint}")
    if target.size == 0:
        raise ValueError("target and pred are empty: need at least one pixel")
    maps = []
    for name, array in (("target", target), ("pred", pred)):
        if array.dtype.kind == "f" and not np.all(array == np.round(array)):
            raise ValueError(f"{name} must hold class ids (whole numbers), got fractions such "
                             f"as {array.flat[np.argmax(array != np.round(array))]}; for "
                             "probabilities take argmax over the class axis first")
        array = as_array(array, name, dtype="int")
        bad = (array < 0) | (array >= k)
        if bad.any():
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ValueError(f"{name} holds class id {array[where]} at {list(where)}, outside "
                             f"0..{k - 1} (num_classes={k})")
        maps.append(array.ravel())
    return maps[0], maps[1], k


def pixel_confusion(target, pred, *, num_classes: int) -> np.ndarray:
    """int64 [K, K]: counts[i, j] = pixels of true class i predicted as class j."""
    t, p, k = _class_maps(target, pred, num_classes)
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)


def pixel_accuracy(target, pred, *, num_classes: int) -> float:
    """The fraction of pixels whose predicted class is right."""
    counts = pixel_confusion(target, pred, num_classes=num_classes)
    return float(np.trace(counts) / counts.sum())


def iou_from_confusion(counts) -> np.ndarray:
    """float [K]: TP / (TP + FP + FN) per class; NaN for a class in neither map."""
    counts = as_array(counts, "counts", shape=(None, None))
    if counts.shape[0] != counts.shape[1] or (counts < 0).any():
        raise ValueError(f"counts must be a square matrix of pixel counts, got shape "
                         f"{counts.shape}")
    tp = np.diag(counts)
    union = counts.sum(axis=0) + counts.sum(axis=1) - tp  # predicted k or truly k
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, tp / union, np.nan)


def per_class_iou(target, pred, *, num_classes: int) -> np.ndarray:
    """float [K]: each class's intersection over union; NaN where the class is absent."""
    return iou_from_confusion(pixel_confusion(target, pred, num_classes=num_classes))


def mean_iou(target, pred, *, num_classes: int) -> float:
    """The mean of ``per_class_iou`` over the classes present in ``target`` or ``pred``."""
    return float(np.nanmean(per_class_iou(target, pred, num_classes=num_classes)))
