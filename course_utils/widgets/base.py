"""What every widget shares: a figure shown as a PNG, and display as its box of controls.

Each widget is a class: explicit controls wired with ``observe(..., names="value")``, a
figure built once whose artists are updated in place, and the numbers from a pure function
in a math module. The figure is rendered into an ``ipywidgets.Image``, so it works with the
inline backend, with Agg (tests, CI) and in any Jupyter front end; no ipympl needed.
"""

from __future__ import annotations

import io
import struct
import zlib

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


class FigureImage:
    """A pyplot-free matplotlib figure shown as a PNG in an ``ipywidgets.Image``."""

    def __init__(self, figsize: tuple[float, float], *, dpi: int = 96, ncols: int = 1,
                 format: str = "png"):
        if format not in ("png", "jpeg"):
            raise ValueError(f"format must be 'png' (plots) or 'jpeg' (photos), got {format!r}")
        self.figure = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        FigureCanvasAgg(self.figure)
        self.axes = self.figure.subplots(1, ncols)
        # Shown at its own pixel size (a VBox would stretch it to the page width and blur
        # it), shrinking with the page on a narrow screen.
        size = widgets.Layout(width=f"{round(figsize[0] * dpi)}px", max_width="100%",
                              height="auto", align_self="flex-start")
        self.format = format
        self.image = widgets.Image(format=format, layout=size)

    def render(self) -> None:
        """Draw the figure once and hand its pixels, encoded, to the Image widget.

        The first draw lays the figure out (constrained layout); later draws keep that layout
        instead of solving it again. One ``canvas.draw()`` (``savefig`` would draw twice while
        any layout engine, even the "none" placeholder, is set), then a light encoding: an
        unfiltered PNG (``png_bytes``) for plots, JPEG for photos.
        """
        canvas = self.figure.canvas
        canvas.draw()
        if self.figure.get_layout_engine() is not None:
            # None, not "none": "none" keeps a placeholder engine that makes every savefig
            # draw the figure twice.
            self.figure.set_layout_engine(None)
        rgba = np.asarray(canvas.buffer_rgba())
        self.image.value = png_bytes(rgba) if self.format == "png" else jpeg_bytes(rgba)


def png_bytes(rgba: np.ndarray, *, level: int = 1) -> bytes:
    """An RGBA uint8 image [H, W, 4] as PNG bytes: no row filters, zlib at ``level``.

    Several times faster than PIL's PNG writer (which tries a filter per row); for a
    widget's plot of flat colours the file is about as small.
    """
    rgba = np.ascontiguousarray(rgba, dtype=np.uint8)
    if rgba.ndim != 3 or rgba.shape[2] != 4:
        raise ValueError(f"png_bytes needs an RGBA image [H, W, 4], got shape {rgba.shape}")
    height, width = rgba.shape[:2]
    rows = np.zeros((height, 1 + 4 * width), dtype=np.uint8)  # a 0 (no filter) per row
    rows[:, 1:] = rgba.reshape(height, -1)

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data)))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8 bit, RGBA
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows.tobytes(), level)) + chunk(b"IEND", b""))


def jpeg_bytes(rgba: np.ndarray, *, quality: int = 90) -> bytes:
    """An RGBA uint8 image [H, W, 4] as JPEG bytes (alpha dropped): fast, for photos."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgba[..., :3])).save(buffer, format="jpeg",
                                                              quality=quality)
    return buffer.getvalue()


# Widgets that show results, not settings: never part of a saved state.
_NOT_SETTINGS = (widgets.Image, widgets.HTML, widgets.HTMLMath, widgets.Label, widgets.Output,
                 widgets.FileUpload)  # an upload is a file, not a setting


def _plain(value):
    """A control's value as JSON gives it back: tuples (multiple selections) as lists."""
    return list(value) if isinstance(value, tuple) else value


class Widget:
    """Displays as its ``box`` (a VBox of controls and image) in a notebook.

    Shareable state (the TensorFlow Playground URL idea): ``save_state()`` gives a small JSON
    string of every control's value (the instance attributes that are ipywidgets value
    controls: sliders, dropdowns, checkboxes), ``load_state(text)`` restores it, and
    ``save_state_file`` / ``load_state_file`` do the same with a file. ``PRESETS`` names the
    scenes an instructor shows, ``{"name": {control_attr: value, ...}}``; ``load_preset``.
    """

    box: widgets.Widget
    PRESETS: dict[str, dict] = {}

    def _repr_mimebundle_(self, **kwargs):
        return self.box._repr_mimebundle_(**kwargs)

    def controls(self) -> dict[str, widgets.ValueWidget]:
        """The settings controls by attribute name, in the order the widget built them."""
        return {name: value for name, value in vars(self).items()
                if isinstance(value, widgets.ValueWidget)
                and not isinstance(value, _NOT_SETTINGS)}

    def state(self) -> dict:
        """Every control's current value, by attribute name."""
        return {name: _plain(control.value) for name, control in self.controls().items()}

    def save_state(self) -> str:
        """A small JSON string: the widget's class and its controls' values."""
        import json

        return json.dumps({"widget": type(self).__name__, "state": self.state()},
                          separators=(",", ":"))

    def set_state(self, state: dict) -> None:
        """Set the named controls (in the widget's own order, so dependent ranges update)."""
        if not isinstance(state, dict):
            raise TypeError(f"state must be a dict of control name -> value, got "
                            f"{type(state).__name__}")
        controls = self.controls()
        unknown = sorted(set(state) - set(controls))
        if unknown:
            raise ValueError(f"{type(self).__name__} has no control {unknown}; its controls "
                             f"are {sorted(controls)}")
        for name, control in controls.items():
            if name not in state:
                continue
            value = state[name]
            try:
                control.value = value
            except Exception as error:  # traitlets.TraitError and friends
                raise ValueError(f"{type(self).__name__}.{name} cannot take {value!r}: "
                                 f"{error}") from None
            if _plain(control.value) != _plain(value) and not (
                    isinstance(value, float) and abs(control.value - value) <= 1e-9 * max(
                        1.0, abs(value))):
                raise ValueError(f"{type(self).__name__}.{name}={value!r} is out of its range "
                                 f"(it became {control.value!r})")

    def load_state(self, text: str) -> None:
        """Restore the controls from a ``save_state()`` string of the same widget class."""
        import json

        if not isinstance(text, str):
            raise TypeError(f"load_state takes the JSON string from save_state(), got "
                            f"{type(text).__name__}")
        try:
            saved = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"not a saved widget state (invalid JSON: {error})") from None
        if not isinstance(saved, dict) or set(saved) != {"widget", "state"}:
            raise ValueError('a saved widget state is {"widget": name, "state": {...}}')
        if saved["widget"] != type(self).__name__:
            raise ValueError(f"this state was saved from {saved['widget']}, not "
                             f"{type(self).__name__}")
        self.set_state(saved["state"])

    def save_state_file(self, path) -> None:
        """Write ``save_state()`` to a file (UTF-8 JSON) to hand out or reload later."""
        from pathlib import Path

        Path(path).write_text(self.save_state() + "\n", encoding="utf-8")

    def load_state_file(self, path) -> None:
        """Restore the controls from a file written by ``save_state_file``."""
        from pathlib import Path

        self.load_state(Path(path).read_text(encoding="utf-8").strip())

    def load_preset(self, name: str) -> None:
        """Set the controls to one of the class's named ``PRESETS``."""
        if name not in self.PRESETS:
            raise ValueError(f"{type(self).__name__} has no preset {name!r}; presets: "
                             f"{sorted(self.PRESETS) or 'none'}")
        self.set_state(self.PRESETS[name])


def warning_html(label: str, message: str) -> str:
    """A status line for a run that went wrong on purpose (diverged, does not fit): red label."""
    import html

    return f"<b style='color:#cf222e'>{html.escape(label)}</b>: {html.escape(message)}"


def _option_values(options) -> list:
    """A selection control's values: ``options`` may hold values or (label, value) pairs."""
    return [o[1] if isinstance(o, tuple) and len(o) == 2 else o for o in options]


def check_control_value(kind: type, name: str, *, value, **kwargs) -> None:
    """Refuse a constructor argument that the control ``kind`` would clamp, round or reject.

    ipywidgets clamps a slider's value into [min, max] and truncates 3.5 to 3 without a word,
    and a Dropdown says only "Invalid selection". This raises a ``ValueError`` naming the
    argument, what it must be (the range, whole numbers, the step, the options) and the value.
    """
    from numbers import Integral, Real

    from course_utils.errors import unknown_name

    if "options" in kwargs:
        allowed = _option_values(kwargs["options"])
        chosen = value if issubclass(kind, widgets.SelectMultiple) else (value,)
        if isinstance(chosen, str) or not isinstance(chosen, (tuple, list)):
            raise ValueError(f"{name} must be a list of options from {allowed}, got {value!r}")
        for item in chosen:
            if not any(item == a and isinstance(item, bool) == isinstance(a, bool)
                       for a in allowed):
                raise unknown_name(name, item, map(str, allowed), listed=f"{name} must be one of")
        return
    traits = kind.class_traits()
    if "min" not in traits or "max" not in traits:
        return  # not a bounded control: nothing would be clamped
    lo = kwargs.get("min", traits["min"].default_value)
    hi = kwargs.get("max", traits["max"].default_value)
    whole = isinstance(traits["min"].default_value, int)
    if issubclass(kind, widgets.FloatLogSlider):
        base = kwargs.get("base", traits["base"].default_value)
        lo, hi = base ** lo, base ** hi
    what = "a whole number" if whole else "a number"
    where = f"{what} in [{lo:.4g}, {hi:.4g}]"
    step = kwargs.get("step")
    if whole and step not in (None, 1):
        where += f" on steps of {step} from {lo}"
    ok_type = (isinstance(value, Integral) if whole else isinstance(value, Real)) \
        and not isinstance(value, bool)
    if not ok_type or not np.isfinite(value) or not lo <= value <= hi or (
            whole and step not in (None, 1) and (value - lo) % step):
        raise ValueError(f"{name} must be {where} (the range of its slider), got {value!r}")


def new_control(kind: type, name: str, **kwargs) -> widgets.ValueWidget:
    """``kind(**kwargs)`` after ``check_control_value``: how a widget turns a constructor
    argument ``name`` into a control (a slider, a dropdown), refusing a value it would clamp."""
    if "value" in kwargs:
        check_control_value(kind, name, **kwargs)
    return kind(**kwargs)
