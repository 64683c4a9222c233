"""Widget interactions of notebook 12's face detector lab (MTCNN) for ``make bench``."""

from course_utils.widgets import FaceDetectorLab


def interactions():
    lab = FaceDetectorLab(photo_name="astronaut")
    yield "FaceDetectorLab: move the O-Net threshold", lambda: setattr(
        lab.onet, "value", 0.9 if lab.onet.value != 0.9 else 0.7)
    yield "FaceDetectorLab: move the P-Net threshold", lambda: setattr(
        lab.pnet, "value", 0.8 if lab.pnet.value != 0.8 else 0.6)
    yield "FaceDetectorLab: change the minimum face", lambda: setattr(
        lab.min_face, "value", 40 if lab.min_face.value != 40 else 20)
    yield "FaceDetectorLab: switch photo", lambda: setattr(
        lab.photo_name, "value", "coffee" if lab.photo_name.value != "coffee" else "astronaut")
