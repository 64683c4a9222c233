"""Widget interactions of notebook 12 for ``make bench`` (an untrained FCN: same cost)."""

from course_utils.widgets import SegmentationViewer


def interactions():
    viewer = SegmentationViewer()
    yield "SegmentationViewer: next scene", lambda: setattr(
        viewer.scene, "value", (viewer.scene.value + 1) % (viewer.scene.max + 1))
    overlays = iter(range(10**6))
    yield "SegmentationViewer: switch overlay", lambda: setattr(
        viewer.overlay, "value", ("ground truth", "prediction", "errors")[next(overlays) % 3])
    classes = iter(range(10**6))
    yield "SegmentationViewer: pick a class", lambda: setattr(
        viewer.klass, "value", ("background", "circle", "square", "triangle")[next(classes) % 4])
