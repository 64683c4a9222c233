"""Widget interactions of notebook 05 for ``make bench``."""

from course_utils.widgets import DeepNetLab


def interactions():
    lab = DeepNetLab()
    yield "DeepNetLab: change depth (build, measure, train 30 steps)", lambda: setattr(
        lab.depth, "value", 12 if lab.depth.value != 12 else 8)
    yield "DeepNetLab: switch activation", lambda: setattr(
        lab.activation, "value", "relu" if lab.activation.value != "relu" else "sigmoid")
