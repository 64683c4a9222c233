"""FaceDetectorLab: controls drive MTCNN, uploads of any image work, a non-image is refused
with a message and the widget keeps working."""

import datetime
import io

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from PIL import Image  # noqa: E402

from course_utils.data import photo  # noqa: E402
from course_utils.faces import detect_faces  # noqa: E402
from course_utils.widgets import FaceDetectorLab  # noqa: E402


@pytest.fixture(scope="module")
def lab():
    return FaceDetectorLab()


def test_first_draw_is_the_papers_settings_on_the_astronaut(lab):
    expected = detect_faces(photo("astronaut"))
    np.testing.assert_allclose(lab.result.boxes, expected.boxes)
    assert "<b>1</b> face(s)" in lab.status.value
    assert [len(c.get_paths()) for c in lab._boxes] == [len(s.boxes) for s in expected.stages]
    assert lab._marks.get_xdata().size == 5


def test_thresholds_and_min_face_drive_the_cascade(lab):
    before = lab.plot.image.value
    lab.rnet.value = 0.05
    lab.onet.value = 0.05
    loose = [len(s.boxes) for s in lab.result.stages]
    assert loose[2] > 1 and lab.plot.image.value != before
    lab.load_preset("the paper's settings")
    assert len(lab.result.boxes) == 1
    scales = len(lab.result.scales)
    lab.load_preset("fewer scales, same face")  # a larger minimum face: fewer scales to scan
    assert len(lab.result.scales) < scales and len(lab.result.boxes) == 1


def _upload(lab, content, name):
    lab.upload.value = ({"name": name, "type": "image/png", "size": len(content),
                         "content": memoryview(content),
                         "last_modified": datetime.datetime(2026, 12, 1)},)


def test_uploading_a_photo_detects_on_it_and_garbage_gets_a_message():
    lab = FaceDetectorLab(photo_name="coffee")
    buffer = io.BytesIO()
    Image.fromarray(photo("astronaut")).save(buffer, format="JPEG")
    _upload(lab, buffer.getvalue(), "me.jpg")
    assert lab.photo_name.value == "your photo" and len(lab.result.boxes) == 1
    _upload(lab, b"not an image at all", "notes.txt")
    assert "notes.txt" in lab.status.value and "not an image" in lab.status.value
    assert lab.photo_name.value == "your photo" and len(lab.result.boxes) == 1  # still works
    lab.photo_name.value = "chelsea"
    assert len(lab.result.boxes) == 0 and "<b>0</b> face(s)" in lab.status.value


@pytest.mark.parametrize("kwargs, message", [
    ({"photo_name": "moon"}, "photo_name must be one of"),
    ({"thresholds": (0.6, 0.7)}, "thresholds must be three scores"),
    ({"thresholds": (0.6, 0.7, 1.2)}, "O-Net threshold must be between 0.05 and 0.99"),
    ({"min_face": 5}, "min_face must be between 12 and 200, got 5"),
])
def test_arguments_outside_the_controls_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        FaceDetectorLab(**kwargs)
