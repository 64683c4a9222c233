"""The face detector lab of notebook 12: MTCNN's stages on a bundled photo or your own."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.collections import PolyCollection

from course_utils.data.real import photo, photo_from_bytes
from course_utils.faces import FACTOR, MIN_FACE, THRESHOLDS, Faces, detect_faces, pyramid_scales
from course_utils.plotting.faces import STAGE_COLOURS, box_polygons, stage_title
from course_utils.widgets.base import FigureImage, Widget, new_control

FACE_PHOTOS = ("astronaut", "chelsea", "coffee", "china", "flower", "camera")
YOUR_PHOTO = "your photo"
STAGES = ("P-Net windows", "after NMS", "after R-Net", "after O-Net")


def _check_range(name: str, value, low, high) -> None:
    if not (isinstance(value, int | float) and not isinstance(value, bool) and
            low <= value <= high):
        raise ValueError(f"{name} must be between {low} and {high}, got {value!r}")


class FaceDetectorLab(Widget):
    """Pick a photo (or upload your own), move MTCNN's thresholds and the smallest face size,
    and see each stage's boxes, how many survive, and the time each stage took.

    Attributes:
        photo_name: the photo ``Dropdown`` (gains "your photo" after an upload).
        upload: a ``FileUpload`` for any common image format.
        pnet, rnet, onet: the three stages' score thresholds. min_face: the smallest face, px.
        result: the latest ``Faces``.
    """

    PRESETS = {
        "the paper's settings": {"photo_name": "astronaut", "pnet": 0.6, "rnet": 0.7,
                                 "onet": 0.7, "min_face": 20},
        "P-Net alone lets everything through": {"photo_name": "astronaut", "pnet": 0.3,
                                                "rnet": 0.05, "onet": 0.05, "min_face": 20},
        "a cat is not a face": {"photo_name": "chelsea", "pnet": 0.6, "rnet": 0.7,
                                "onet": 0.7, "min_face": 20},
        "fewer scales, same face": {"photo_name": "astronaut", "pnet": 0.6, "rnet": 0.7,
                                    "onet": 0.7, "min_face": 80},
    }

    def __init__(self, *, photo_name: str = "astronaut", thresholds=THRESHOLDS,
                 min_face: int = MIN_FACE):
        if photo_name not in FACE_PHOTOS:
            raise ValueError(f"photo_name must be one of {FACE_PHOTOS}, got {photo_name!r}")
        if not (isinstance(thresholds, tuple | list) and len(thresholds) == 3):
            raise ValueError(f"thresholds must be three scores (P-Net, R-Net, O-Net), "
                             f"e.g. {THRESHOLDS}, got {thresholds!r}")
        for name, value in zip(("P-Net", "R-Net", "O-Net"), thresholds, strict=True):
            _check_range(f"the {name} threshold", value, 0.05, 0.99)
        _check_range("min_face", min_face, 12, 200)
        self.photo_name = new_control(widgets.Dropdown, "photo_name", options=FACE_PHOTOS,
                                      value=photo_name, description="photo")
        self.upload = widgets.FileUpload(accept="image/*", multiple=False,
                                         description="your photo")
        style = dict(continuous_update=False, min=0.05, max=0.99, step=0.01)
        self.pnet = widgets.FloatSlider(value=thresholds[0], description="P-Net ≥", **style)
        self.rnet = widgets.FloatSlider(value=thresholds[1], description="R-Net >", **style)
        self.onet = widgets.FloatSlider(value=thresholds[2], description="O-Net >", **style)
        self.min_face = new_control(widgets.IntSlider, "min_face", value=min_face, min=12, max=200,
                                    description="min face px", continuous_update=False)
        self.status = widgets.HTML()
        self.plot = FigureImage((12, 3.2), dpi=80, ncols=4)
        self.box = widgets.VBox([
            widgets.HBox([self.photo_name, self.upload, self.status]),
            widgets.HBox([self.pnet, self.rnet, self.onet, self.min_face]), self.plot.image])
        self._photos: dict[str, np.ndarray] = {}
        self._caches: dict[str, dict] = {}
        self._images = [ax.imshow(np.zeros((2, 2, 3), np.uint8), interpolation="nearest")
                        for ax in self.plot.axes]
        self._boxes = []
        for ax, name in zip(self.plot.axes, STAGES, strict=True):
            ax.set_axis_off()
            self._boxes.append(ax.add_collection(PolyCollection(
                [], facecolors="none", linewidths=1.2, edgecolors=STAGE_COLOURS[name])))
        (self._marks,) = self.plot.axes[-1].plot([], [], "o", ms=3, color="#d62728")
        self.photo_name.observe(self._new_photo, names="value")
        self.upload.observe(self._uploaded, names="value")
        for control in (self.pnet, self.rnet, self.onet, self.min_face):
            control.observe(self._redraw, names="value")
        self._new_photo()

    def _uploaded(self, change=None) -> None:
        files = self.upload.value
        if not files:
            return
        upload = files[0]
        try:
            self._photos[YOUR_PHOTO] = photo_from_bytes(bytes(upload["content"]))
            self._caches.pop(YOUR_PHOTO, None)  # a new upload: its own net outputs
        except ValueError as error:
            self.status.value = f"<b>{upload.get('name', 'that file')}</b>: {error}"
            return
        if YOUR_PHOTO not in self.photo_name.options:
            self.photo_name.options = (*FACE_PHOTOS, YOUR_PHOTO)
        if self.photo_name.value == YOUR_PHOTO:
            self._new_photo()
        else:
            self.photo_name.value = YOUR_PHOTO

    def _new_photo(self, change=None) -> None:
        name = self.photo_name.value
        self.image = self._photos[YOUR_PHOTO] if name == YOUR_PHOTO else photo(name)
        # each photo's net outputs, kept while the widget lives: switching back is instant
        self._cache = self._caches.setdefault(name, {})
        height, width = self.image.shape[:2]
        step = max(1, max(height, width) // 240)  # a panel is about 240 px wide: draw no more
        for artist in self._images:
            artist.set_data(self.image[::step, ::step])
            artist.set_extent((-0.5, width - 0.5, height - 0.5, -0.5))
            artist.axes.set(xlim=(-0.5, width - 0.5), ylim=(height - 0.5, -0.5))
        self._redraw()

    def _redraw(self, change=None) -> None:
        thresholds = (self.pnet.value, self.rnet.value, self.onet.value)
        self.result: Faces = detect_faces(self.image, min_face_size=self.min_face.value,
                                          thresholds=thresholds, cache=self._cache)
        for ax, boxes, stage in zip(self.plot.axes, self._boxes, self.result.stages,
                                    strict=True):
            boxes.set_verts(box_polygons(stage.boxes))
            ax.set_title(stage_title(stage), fontsize=9)
        marks = self.result.landmarks.reshape(-1, 2)
        self._marks.set_data(marks[:, 0], marks[:, 1])
        scales = pyramid_scales(*self.image.shape[:2], min_face_size=self.min_face.value,
                                factor=FACTOR)
        total = sum(stage.seconds for stage in self.result.stages) * 1000
        self.status.value = (f"<b>{len(self.result.boxes)}</b> face(s); pyramid of "
                             f"{len(scales)} scales; {total:.0f} ms in all")
        self.plot.render()

