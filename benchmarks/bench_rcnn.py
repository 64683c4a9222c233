"""Widget interactions of notebook 11's Faster R-CNN explorer for ``make bench`` (the quick
stand-in models: a redraw costs the same as with the notebook's)."""

from course_utils.widgets import TwoStageExplorer


def interactions():
    explorer = TwoStageExplorer()
    yield "TwoStageExplorer: move the number of proposals", lambda: setattr(
        explorer.top_k, "value", 50 if explorer.top_k.value != 50 else 10)
    yield "TwoStageExplorer: move the score threshold", lambda: setattr(
        explorer.score, "value", 0.2 if explorer.score.value != 0.2 else 0.6)
    yield "TwoStageExplorer: untrained / trained", lambda: setattr(
        explorer.model, "value", "untrained" if explorer.model.value == "trained" else "trained")
    scenes = iter(range(10**6))
    yield "TwoStageExplorer: next scene", lambda: setattr(
        explorer.scene, "value", next(scenes) % 12)
