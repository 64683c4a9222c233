"""Widget interactions of notebook 05 for ``make bench``."""

from course_utils.widgets import DeepNetLab


def interactions():
    lab = DeepNetLab()
    yield "DeepNetLab: change depth (build, gradient norms at init, draw)", lambda: setattr(
        lab.depth, "value", 12 if lab.depth.value != 12 else 8)
    yield "DeepNetLab: switch activation", lambda: setattr(
        lab.activation, "value", "relu" if lab.activation.value != "relu" else "sigmoid")
    trained = DeepNetLab(activation="relu", init="he")

    def tick():  # one tick of play: 10 more steps, from 0 again once at the end
        if trained.steps.value >= trained.steps.max:
            trained.steps.value = 0
        trained.train()

    yield "DeepNetLab: train 10 more steps (one play tick)", tick
