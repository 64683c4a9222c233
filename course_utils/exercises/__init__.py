"""Exercises, one module per notebook; importing this package registers them all."""

from course_utils.exercises import perceptron, welcome  # noqa: F401
