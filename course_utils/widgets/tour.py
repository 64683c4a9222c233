"""Widgets of notebook 00: the colour quantizer (k-means on a photo's pixels)."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from course_utils.data.real import photo
from course_utils.tour import Quantized, count_colours, quantize_colors
from course_utils.widgets.base import FigureImage, Widget, new_control

COLOUR_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "china", "flower")


class ColourQuantizer(Widget):
    """Pick a photo and a number of colours k; see the photo redrawn with k k-means colours.

    Attributes:
        photo_name: the ``Dropdown`` of photos. k: the ``IntSlider`` for k (2 to 16).
        result: the latest ``Quantized`` (image, palette, labels).
    """

    def __init__(self, *, photo_name: str = "chelsea", k: int = 4, seed: int = 0):
        if photo_name not in COLOUR_PHOTOS:
            raise ValueError(f"photo_name must be one of {COLOUR_PHOTOS}, got {photo_name!r}")
        self.seed = seed
        self.photo_name = new_control(widgets.Dropdown, "photo_name", options=COLOUR_PHOTOS,
                                      value=photo_name, description="photo")
        self.k = new_control(widgets.IntSlider, "k", value=k, min=2, max=16,
                             description="k colours", continuous_update=False)
        self.status = widgets.HTML()
        self.plot = FigureImage((8.6, 3.6), ncols=2, format="jpeg")  # photos: JPEG is fast
        self.box = widgets.VBox([widgets.HBox([self.photo_name, self.k, self.status]),
                                 self.plot.image])
        left, right = self.plot.axes
        self.original = left.imshow(np.zeros((2, 2, 3), dtype=np.uint8))
        self.quantized = right.imshow(np.zeros((2, 2, 3), dtype=np.uint8))
        for ax in self.plot.axes:
            ax.set_axis_off()
        self.photo_name.observe(self._new_photo, names="value")
        self.k.observe(self._redraw, names="value")
        self._new_photo()

    def _new_photo(self, change=None) -> None:
        self.image = photo(self.photo_name.value)
        self.original.set_data(self.image)
        colours = count_colours(self.image)
        self.plot.axes[0].set_title(f"{self.photo_name.value}: {colours:,} colours")
        height, width = self.image.shape[:2]
        for artist in (self.original, self.quantized):  # new photo, new size
            artist.set_extent((-0.5, width - 0.5, height - 0.5, -0.5))
            artist.axes.set(xlim=(-0.5, width - 0.5), ylim=(height - 0.5, -0.5))
        self._redraw()

    def _redraw(self, change=None) -> None:
        self.result: Quantized = quantize_colors(self.image, k=self.k.value, seed=self.seed)
        self.quantized.set_data(self.result.image)
        error = np.abs(self.result.image.astype(float) - self.image).mean()
        self.plot.axes[1].set_title(f"k = {self.k.value} colours found by k-means")
        self.status.value = f"mean colour error: <b>{error:.1f}</b> of 255 per channel"
        self.plot.render()
