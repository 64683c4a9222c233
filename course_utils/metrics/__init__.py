"""Evaluation metrics, one module per kind of task (classification, segmentation, ...),
each tested against scikit-learn or a slow reference; re-exported here, so notebooks write
``from course_utils.metrics import confusion_matrix``."""
