"""Widgets of notebook 07: the convolution arithmetic animator and the network designer."""

from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np
from torch import nn

from course_utils.arithmetic import (
    DECK_POOLING_INPUT,
    LAYER_KINDS,
    conv_output_size,
    layer_output_size,
    pool2d_windows,
    summary,
    window_indices,
)
from course_utils.data.real import photo_from_bytes
from course_utils.plotting.conv import GridPanel
from course_utils.widgets.base import FigureImage, Widget, new_control, warning_html

MODES = LAYER_KINDS


class ConvArithmetic(Widget):
    """In the spirit of conv_arithmetic: where the window sits for each output cell (07).

    A mode (convolution, max or average pooling, transposed convolution), sliders for input
    size, kernel, stride, padding and dilation; a step slider (with a Play control) moves
    through the output cells (input cells in the transposed mode, which scatters each input
    pixel's kernel into the output). Each mode shows its output-size formula and the torch
    layer it matches; pooling writes the numbers in. An invalid combination is drawn as an
    error with the explanation, not raised.
    """

    PRESETS = {
        "deck 002: 7x7, 3x3, stride 2": {"mode": "convolution", "size": 7, "kernel": 3,
                                         "stride": 2, "padding": 0},
        "does not fit: stride 3": {"mode": "convolution", "size": 7, "kernel": 3, "stride": 3,
                                   "padding": 0},
        "same padding": {"mode": "convolution", "size": 5, "kernel": 3, "stride": 1,
                         "padding": 1},
        "dilated": {"mode": "convolution", "size": 7, "kernel": 3, "stride": 1, "padding": 0,
                    "dilation": 2},
        "max pooling 2x2, stride 2 (decks 003, 004)": {
            "mode": "max pooling", "size": 4, "kernel": 2, "stride": 2, "padding": 0,
            "dilation": 1},
        "average pooling 2x2, stride 2": {
            "mode": "average pooling", "size": 4, "kernel": 2, "stride": 2, "padding": 0,
            "dilation": 1},
        "overlapping max pooling 3x3, stride 2 (AlexNet)": {
            "mode": "max pooling", "size": 7, "kernel": 3, "stride": 2, "padding": 0,
            "dilation": 1},
        "transposed, stride 2": {"mode": "transposed convolution", "size": 3, "kernel": 3,
                                 "stride": 2, "padding": 0},
        "transposed, stride 2, padding 1 (3 -> 5)": {
            "mode": "transposed convolution", "size": 3, "kernel": 3, "stride": 2,
            "padding": 1, "dilation": 1},
    }

    def __init__(self, *, size: int = 5, kernel: int = 3, stride: int = 1, padding: int = 1,
                 dilation: int = 1, mode: str = "convolution"):
        cont = dict(continuous_update=False)
        self.mode = new_control(widgets.Dropdown, "mode", options=MODES, value=mode,
                                description="mode")
        self.size = new_control(widgets.IntSlider, "size", value=size, min=1, max=12,
                                description="input", **cont)
        self.kernel = new_control(widgets.IntSlider, "kernel", value=kernel, min=1, max=7,
                                  description="kernel", **cont)
        self.stride = new_control(widgets.IntSlider, "stride", value=stride, min=1, max=4,
                                  description="stride", **cont)
        self.padding = new_control(widgets.IntSlider, "padding", value=padding, min=0, max=4,
                                   description="padding", **cont)
        self.dilation = new_control(widgets.IntSlider, "dilation", value=dilation, min=1, max=3,
                                    description="dilation", **cont)
        self.step = widgets.IntSlider(value=0, min=0, max=0, description="step", **cont)
        self.play = widgets.Play(value=0, min=0, max=0, interval=500, description="animate")
        widgets.jslink((self.play, "value"), (self.step, "value"))
        self.status = widgets.HTML()
        self.plot = FigureImage((8.4, 4.2), ncols=2)
        self.panels = [GridPanel(ax) for ax in self.plot.axes]
        self.values = np.random.default_rng(7).integers(0, 10, size=(12, 12)).astype(float)
        self.values[:4, :4] = DECK_POOLING_INPUT  # the decks' 4x4 pooling example
        self.box = widgets.VBox([
            widgets.HBox([self.mode, self.size, self.kernel]),
            widgets.HBox([self.stride, self.padding, self.dilation]),
            widgets.HBox([self.play, self.step]), self.status, self.plot.image])
        for control in (self.mode, self.size, self.kernel, self.stride, self.padding,
                        self.dilation):
            control.observe(self._setup, names="value")
        self.step.observe(self._redraw, names="value")
        self._setup()

    @property
    def transposed(self) -> bool:
        return self.mode.value == "transposed convolution"

    def _setup(self, change=None) -> None:
        n, k, s, p, d = (c.value for c in (self.size, self.kernel, self.stride, self.padding,
                                           self.dilation))
        mode, self.error, self.pooled = self.mode.value, None, None
        try:
            self.out = layer_output_size(mode, n, k, s, p, d)
            if self.transposed:
                self.formula = f"({n} - 1)·{s} - 2·{p} + {d}·({k} - 1) + 1 = {self.out}"
                self.layer = f"nn.ConvTranspose2d(C_in, C_out, {k}, {s}, {p}, dilation={d})"
            elif mode == "convolution":
                self.formula = f"({n} + 2·{p} - {d}·({k} - 1) - 1) / {s} + 1 = {self.out}"
                self.layer = f"nn.Conv2d(C_in, C_out, {k}, {s}, {p}, dilation={d})"
            else:
                kind = "max" if mode == "max pooling" else "average"
                self.pooled = pool2d_windows(self.values[:n, :n], k, s, p, d, kind=kind)
                self.formula = (f"({n} + 2·{p} - {d}·({k} - 1) - 1) / {s} + 1 = {self.out}, "
                                "no parameters")
                self.layer = (f"nn.MaxPool2d({k}, {s}, {p}, dilation={d})" if kind == "max"
                              else f"nn.AvgPool2d({k}, {s}, {p})")
        except ValueError as error:
            self.error, self.out = str(error), 0
        steps = (n * n if self.transposed else self.out * self.out) - 1
        self.step.unobserve(self._redraw, names="value")
        self.step.max = self.play.max = max(steps, 0)
        self.step.value = min(self.step.value, self.step.max)
        self.step.observe(self._redraw, names="value")
        self._redraw()

    def _footprint(self, top: int, left: int, shape) -> np.ndarray:
        k, d = self.kernel.value, self.dilation.value
        rows = window_indices(0, kernel=k, dilation=d, offset=top)
        cols = window_indices(0, kernel=k, dilation=d, offset=left)
        mask = np.zeros(shape, dtype=bool)
        rows, cols = rows[(rows >= 0) & (rows < shape[0])], cols[(cols >= 0) & (cols < shape[1])]
        mask[np.ix_(rows, cols)] = True
        return mask

    def _redraw(self, change=None) -> None:
        left, right = self.panels
        n, s, p = self.size.value, self.stride.value, self.padding.value
        if self.error:
            left.show_message("does not fit:\n" + self.error.replace(": ", ":\n", 1))
            right.show_message("")
            self.status.value = warning_html("invalid", self.error)
            self.plot.render()
            return
        t = self.step.value
        in_values = out_values = None
        if self.transposed:  # input pixel t scatters the kernel into the output
            i, j = divmod(t, n)
            grid_in = np.ones((n, n))
            grid_in[i, j] = 3
            grid_out = np.ones((self.out, self.out))
            grid_out[self._footprint(i * s - p, j * s - p, grid_out.shape)] = 2
            titles = (f"input {n}x{n}: pixel ({i}, {j})",
                      f"output {self.out}x{self.out}: where its kernel adds")
        else:  # output cell t reads a window of the padded input
            i, j = divmod(t, self.out)
            size = n + 2 * p
            grid_in = np.zeros((size, size))
            grid_in[p:p + n, p:p + n] = 1
            grid_in[self._footprint(i * s, j * s, grid_in.shape)] = 2
            grid_out = np.ones((self.out, self.out))
            grid_out[i, j] = 3
            what = "padded input" if p else "input"
            titles = (f"{what} {size}x{size}" + (" (grey: padding)" if p else ""),
                      f"output {self.out}x{self.out}: cell ({i}, {j})")
            if self.pooled is not None:
                pad = np.nan if self.mode.value == "max pooling" else 0.0  # -inf or 0
                in_values = np.full((size, size), pad)
                in_values[p:p + n, p:p + n] = self.values[:n, :n]
                out_values = self.pooled
        left.update(grid_in, title=titles[0], values=in_values)
        right.update(grid_out, title=titles[1], values=out_values, fmt="{:.3g}")
        self.status.value = (f"{html.escape(self.mode.value)}: output size "
                             f"{html.escape(self.formula)} · as <code>{html.escape(self.layer)}"
                             f"</code> · step {t} of {self.step.max}")
        self.plot.render()


LAYER_KINDS = ("conv", "max pool", "none")


class NetworkDesigner(Widget):
    """Stack up to four conv / pool layers and read the per-layer table (07).

    Each row: the kind, kernel, stride, padding, and output channels (conv only). The table
    shows shapes, parameters, MACs, activation memory and receptive field; an impossible
    stack is reported instead of the table.
    """

    def __init__(self, *, size: int = 32, channels: int = 3):
        cont = dict(continuous_update=False)
        self.size = new_control(widgets.IntSlider, "size", value=size, min=8, max=224,
                                description="input size", **cont)
        self.channels = new_control(widgets.IntSlider, "channels", value=channels, min=1, max=3,
                                    description="channels", **cont)
        defaults = [("conv", 5, 1, 0, 6), ("max pool", 2, 2, 0, 0), ("conv", 5, 1, 0, 16),
                    ("max pool", 2, 2, 0, 0)]
        self.layers = []
        rows = []
        small = widgets.Layout(width="150px")
        for kind, k, s, p, c in defaults:
            row = {"kind": widgets.Dropdown(options=LAYER_KINDS, value=kind, layout=small),
                   "kernel": widgets.BoundedIntText(value=k, min=1, max=11, description="k",
                                                    layout=small),
                   "stride": widgets.BoundedIntText(value=s, min=1, max=4, description="s",
                                                    layout=small),
                   "padding": widgets.BoundedIntText(value=p, min=0, max=5, description="p",
                                                     layout=small),
                   "out": widgets.BoundedIntText(value=max(c, 1), min=1, max=512,
                                                 description="C out", layout=small)}
            self.layers.append(row)
            rows.append(widgets.HBox(list(row.values())))
        self.table = widgets.HTML()
        self.status = widgets.HTML()
        self.box = widgets.VBox([widgets.HBox([self.size, self.channels]), *rows, self.status,
                                 self.table])
        for control in (self.size, self.channels, *(w for r in self.layers for w in r.values())):
            control.observe(self._update, names="value")
        self._update()

    def build(self) -> nn.Sequential:
        """The stack as a torch model; raises ValueError if a layer does not fit."""
        modules, c, size = [], self.channels.value, self.size.value
        for i, row in enumerate(self.layers):
            kind = row["kind"].value
            k, s, p = row["kernel"].value, row["stride"].value, row["padding"].value
            if kind == "none":
                continue
            try:
                size = conv_output_size(size, k, s, p)
            except ValueError as error:
                raise ValueError(f"layer {i + 1} ({kind}): {error}") from None
            if kind == "conv":
                modules += [nn.Conv2d(c, row["out"].value, k, s, p), nn.ReLU()]
                c = row["out"].value
            else:
                modules.append(nn.MaxPool2d(k, s, p if p <= k // 2 else 0))
        return nn.Sequential(*modules)

    def _update(self, change=None) -> None:
        for row in self.layers:
            row["out"].disabled = row["kind"].value != "conv"
        try:
            model = self.build()
            self.summary = summary(model, (1, self.channels.value, self.size.value,
                                           self.size.value))
        except ValueError as error:
            self.summary = None
            self.status.value = warning_html("invalid", str(error))
            self.table.value = ""
            return
        s = self.summary
        rf = [r.receptive_field for r in s.rows if r.receptive_field is not None]
        self.status.value = (f"{s.total_params:,} parameters · {s.total_macs:,} MACs "
                             f"({s.total_flops:,} FLOPs) · receptive field "
                             f"{rf[-1] if rf else 1} pixels")
        self.table.value = s._repr_html_() if s.rows else "no layers"


# --- Notebook 06: the kernel editor (a separate block; ConvArithmetic above is notebook 07's) ---

UPLOADED = "your photo"


def _editor_math():
    """The kernel editor's math, imported when the editor is built (keeps this block apart)."""
    from course_utils import kernels
    from course_utils.data.real import list_photos, photo

    return kernels, list_photos, photo


class KernelEditor(Widget):
    """Edit a 3x3 or 5x5 kernel's weights and see a photo filtered by it, live (notebook 06).

    Controls: a preset ``kernel`` (deck 004's blur, sharpen, Sobel, line and emboss kernels,
    plus identity, Gaussian, Laplacian and outline), the kernel ``size`` (3 or 5), a grid of
    25 weights ``w00`` .. ``w44`` (row, column; with size 3 only the middle 3x3 is used and
    the outer ring is zero), the ``image`` (the bundled photos, or your own from ``upload``),
    ``normalise`` (divide by the weights' sum when it is not 0) and ``absolute`` (|output|).
    Editing a weight switches ``kernel`` to "custom". The output is ``kernels.filter_image``
    (our ``conv.correlate2d`` with same-size zero padding), shown clipped to [0, 1] as a
    photo viewer would show it; the status line gives its true range.

    Attributes:
        output: the latest filtered image (float, not clipped). gray: the input image.
        message: an HTML line for a problem with an upload (empty when all is well).
    """

    MAX_SIDE = 256  # photos (bundled or uploaded) are shrunk to at most this many pixels
    PRESETS = {  # each sets both switches, so a preset looks the same whatever came before
        "deck 004: Sobel x (vertical edges)": {"kernel": "sobel x", "normalise": False,
                                               "absolute": False},
        "Sobel x, both edge directions (absolute)": {"kernel": "sobel x", "normalise": False,
                                                     "absolute": True},
        "deck 004: nine ones, as on the slide": {"kernel": "ones (deck 004, sum 9)",
                                                 "normalise": False, "absolute": False},
        "nine ones, normalised (= box blur)": {"kernel": "ones (deck 004, sum 9)",
                                               "normalise": True, "absolute": False},
        "deck 004: sharpen": {"kernel": "sharpen", "normalise": False, "absolute": False},
        "Gaussian 5x5 on coins": {"kernel": "gaussian 5x5", "image": "coins",
                                  "normalise": False, "absolute": False},
        "Laplacian on the moon": {"kernel": "laplacian", "image": "moon", "normalise": False,
                                  "absolute": True},
    }

    def __init__(self, *, kernel: str = "sobel x", image: str = "camera",
                 normalise: bool = False, absolute: bool = False):
        kernels, list_photos, self._photo = _editor_math()
        self._kernels = kernels
        if kernel not in kernels.EDITOR_KERNELS:
            raise ValueError(f"kernel must be one of {sorted(kernels.EDITOR_KERNELS)}, got "
                             f"{kernel!r}")
        if image not in list_photos():
            raise ValueError(f"image must be one of {list_photos()}, got {image!r}")
        self._quiet = False
        self._cache: dict[str, np.ndarray] = {}
        self._uploaded: np.ndarray | None = None
        # Built in this order on purpose: set_state restores preset, size, weights, then the rest.
        self.kernel = new_control(widgets.Dropdown, "kernel",
                                  options=[*kernels.EDITOR_KERNELS, "custom"], value=kernel,
                                  description="preset")
        self.size = widgets.ToggleButtons(options=[3, 5], value=3, description="size",
                                          style={"button_width": "48px"})
        cell = widgets.Layout(width="64px")
        self.cells = [[widgets.FloatText(value=0.0, step=0.1, layout=cell) for _ in range(5)]
                      for _ in range(5)]
        for i, row in enumerate(self.cells):
            for j, control in enumerate(row):
                setattr(self, f"w{i}{j}", control)  # state() finds them by attribute
        self.image = new_control(widgets.Dropdown, "image", options=list_photos(), value=image,
                                 description="photo")
        self.normalise = new_control(widgets.Checkbox, "normalise", value=normalise,
                                     description="normalise (÷ sum)")
        self.absolute = new_control(widgets.Checkbox, "absolute", value=absolute,
                                    description="absolute value")
        self.upload = widgets.FileUpload(accept="image/*", multiple=False,
                                         description="your photo")
        self.message = widgets.HTML()
        self.status = widgets.HTML()
        self.plot = FigureImage((7.4, 3.6), ncols=2)
        grid = widgets.GridBox([c for row in self.cells for c in row], layout=widgets.Layout(
            grid_template_columns="repeat(5, 66px)", grid_gap="2px", width="350px"))
        self.box = widgets.VBox([
            widgets.HBox([self.kernel, self.size]),
            widgets.HBox([grid, widgets.VBox([self.image, self.upload, self.normalise,
                                              self.absolute, self.message])]),
            self.status, self.plot.image])
        left, right = self.plot.axes
        shown = dict(cmap="gray", vmin=0, vmax=1, interpolation="nearest")  # no resampling cost
        self._input_artist = left.imshow(np.zeros((2, 2)), **shown)
        self._output_artist = right.imshow(np.zeros((2, 2)), **shown)
        for ax in self.plot.axes:
            ax.set_axis_off()
        self.kernel.observe(self._preset_changed, names="value")
        self.size.observe(self._size_changed, names="value")
        for control in (c for row in self.cells for c in row):
            control.observe(self._weight_changed, names="value")
        self.image.observe(self._image_changed, names="value")
        for control in (self.normalise, self.absolute):
            control.observe(self._redraw, names="value")
        self.upload.observe(self._upload_changed, names="value")
        self._set_weights(kernels.EDITOR_KERNELS[kernel], redraw=False)
        self._image_changed()

    def controls(self) -> dict[str, widgets.ValueWidget]:
        """The settings, without the upload (a file's bytes are not a shareable setting)."""
        return {name: c for name, c in super().controls().items() if name != "upload"}

    def weights(self) -> np.ndarray:
        """The kernel as drawn: [3, 3] (the grid's middle) or [5, 5]."""
        grid = np.array([[c.value for c in row] for row in self.cells], dtype=float)
        return grid[1:4, 1:4] if self.size.value == 3 else grid

    # -- reacting to the controls --
    def _set_weights(self, kernel: np.ndarray, *, redraw: bool = True) -> None:
        """Write a preset into the grid (size to match) and redraw once."""
        self._quiet = True
        try:
            self.size.value = kernel.shape[0]
            offset = (5 - kernel.shape[0]) // 2
            for i, row in enumerate(self.cells):
                for j, control in enumerate(row):
                    inside = offset <= i < 5 - offset and offset <= j < 5 - offset
                    control.value = float(kernel[i - offset, j - offset]) if inside else 0.0
            self._show_ring()
        finally:
            self._quiet = False
        if redraw:
            self._redraw()

    def _show_ring(self) -> None:
        hidden = self.size.value == 3
        for i, row in enumerate(self.cells):
            for j, control in enumerate(row):
                if i in (0, 4) or j in (0, 4):
                    control.disabled = hidden
                    control.layout.visibility = "hidden" if hidden else "visible"

    def _custom(self) -> None:
        """A hand edit: the kernel is no longer the preset it came from."""
        if self.kernel.value != "custom":
            self.kernel.unobserve(self._preset_changed, names="value")
            self.kernel.value = "custom"
            self.kernel.observe(self._preset_changed, names="value")

    def _preset_changed(self, change=None) -> None:
        if self.kernel.value != "custom":
            self._set_weights(self._kernels.EDITOR_KERNELS[self.kernel.value])

    def _size_changed(self, change=None) -> None:
        if self._quiet:
            return
        self._quiet = True
        try:
            if self.size.value == 3:  # only the middle 3x3 counts: the ring becomes 0
                for i, row in enumerate(self.cells):
                    for j, control in enumerate(row):
                        if i in (0, 4) or j in (0, 4):
                            control.value = 0.0
            self._show_ring()
            if self.kernel.value != "custom" and \
                    self._kernels.EDITOR_KERNELS[self.kernel.value].shape[0] != self.size.value:
                self._custom()
        finally:
            self._quiet = False
        self._redraw()

    def _weight_changed(self, change=None) -> None:
        if not self._quiet:
            self._custom()
            self._redraw()

    def _load(self, name: str) -> np.ndarray:
        if name == UPLOADED:
            return self._uploaded
        if name not in self._cache:
            self._cache[name] = self._kernels.shrink(self._photo(name, gray=True), self.MAX_SIDE)
        return self._cache[name]

    def _image_changed(self, change=None) -> None:
        self.gray = self._load(self.image.value)
        height, width = self.gray.shape
        self._input_artist.set_data(self.gray)
        for artist in (self._input_artist, self._output_artist):  # new image, new size
            artist.set_extent((-0.5, width - 0.5, height - 0.5, -0.5))
            artist.axes.set(xlim=(-0.5, width - 0.5), ylim=(height - 0.5, -0.5))
        self.plot.axes[0].set_title(f"{self.image.value} ({height}x{width}, grayscale)",
                                    fontsize=9)
        self._redraw()

    def _upload_changed(self, change=None) -> None:
        files = self.upload.value
        if not files:
            return
        upload = files[-1]
        name = upload.get("name", "the file") if isinstance(upload, dict) else "the file"
        try:
            content = upload["content"] if isinstance(upload, dict) else upload.content
            gray = photo_from_bytes(bytes(content), max_side=self.MAX_SIDE, gray=True)
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            self.message.value = warning_html(f"{name} was not used", str(error))
            return
        self.message.value = (f"{html.escape(str(name))}: {gray.shape[0]}x{gray.shape[1]} "
                              "pixels after shrinking, grayscale")
        self._uploaded = gray
        if UPLOADED not in self.image.options:
            self.image.options = [*self.image.options, UPLOADED]
        if self.image.value == UPLOADED:
            self._image_changed()
        else:
            self.image.value = UPLOADED

    def _redraw(self, change=None) -> None:
        if self._quiet:
            return
        kernel = self.weights()
        if not np.isfinite(kernel).all():  # a typed "inf" or "nan": say so, keep the last output
            self.status.value = warning_html("not drawn", "every weight must be a finite "
                                             "number (no inf or nan)")
            return
        self.output = self._kernels.filter_image(self.gray, kernel,
                                                 normalise=self.normalise.value,
                                                 absolute=self.absolute.value)
        self._output_artist.set_data(np.clip(self.output, 0.0, 1.0))
        total = kernel.sum()
        scaled = self.normalise.value and abs(total) > 1e-12
        clipped = float(np.mean((self.output < 0) | (self.output > 1)))
        self.plot.axes[1].set_title(
            f"{self.kernel.value} {kernel.shape[0]}x{kernel.shape[1]}"
            + (f", ÷ {total:g}" if scaled else "") + (", |output|" if self.absolute.value
                                                        else ""), fontsize=9)
        note = " (weights sum to 0: nothing to divide by)" if (
            self.normalise.value and not scaled) else ""
        self.status.value = (f"weights sum to <b>{total:.4g}</b>{note} · output range "
                             f"[{self.output.min():.3g}, {self.output.max():.3g}] · "
                             f"<b>{clipped:.0%}</b> of pixels outside [0, 1] shown clipped")
        self.plot.render()
