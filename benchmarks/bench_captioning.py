"""Widget interactions of notebook 13 for ``make bench`` (an untrained captioner: same cost)."""

from course_utils.widgets import CaptionExplorer


def interactions():
    w = CaptionExplorer()
    yield "CaptionExplorer: next scene (greedy)", lambda: setattr(
        w.scene, "value", (w.scene.value + 1) % (w.scene.max + 1))
    w.decoding.value = "beam"
    yield "CaptionExplorer: next scene (beam of 3)", lambda: setattr(
        w.scene, "value", (w.scene.value + 1) % (w.scene.max + 1))
    yield "CaptionExplorer: next word", lambda: setattr(
        w.step, "value", w.step.value % w.step.max + 1)
