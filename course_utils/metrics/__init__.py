"""Evaluation metrics, one module per kind of task (classification, segmentation, captioning),
each tested against scikit-learn or a slow reference; re-exported here, so notebooks write
``from course_utils.metrics import confusion_matrix``."""

from course_utils.metrics.captioning import (
    brevity_penalty,
    corpus_bleu,
    exact_match,
    modified_precision,
    sentence_bleu,
)
from course_utils.metrics.classification import (
    accuracy,
    auc,
    balanced_error_rate,
    confusion_at_threshold,
    confusion_matrix,
    error_rate,
    roc_curve,
    tp_fp_rates,
)
from course_utils.metrics.segmentation import (
    iou_from_confusion,
    mean_iou,
    per_class_iou,
    pixel_accuracy,
    pixel_confusion,
)

__all__ = [
    "brevity_penalty", "corpus_bleu", "exact_match", "modified_precision", "sentence_bleu",
    "accuracy", "auc", "balanced_error_rate", "confusion_at_threshold", "confusion_matrix",
    "error_rate", "roc_curve", "tp_fp_rates", "iou_from_confusion", "mean_iou", "per_class_iou",
    "pixel_accuracy", "pixel_confusion",
]
