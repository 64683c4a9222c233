"""What every widget shares: a figure shown as a PNG, and display as its box of controls.

Each widget is a class: explicit controls wired with ``observe(..., names="value")``, a
figure built once whose artists are updated in place, and the numbers from a pure function
in a math module. The figure is rendered into an ``ipywidgets.Image``, so it works with the
inline backend, with Agg (tests, CI) and in any Jupyter front end; no ipympl needed.
"""

from __future__ import annotations

import io

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


class FigureImage:
    """A pyplot-free matplotlib figure shown as a PNG in an ``ipywidgets.Image``."""

    def __init__(self, figsize: tuple[float, float], *, dpi: int = 96, ncols: int = 1):
        self.figure = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        FigureCanvasAgg(self.figure)
        self.axes = self.figure.subplots(1, ncols)
        # Shown at its own pixel size (a VBox would stretch it to the page width and blur
        # it), shrinking with the page on a narrow screen.
        size = widgets.Layout(width=f"{round(figsize[0] * dpi)}px", max_width="100%",
                              height="auto", align_self="flex-start")
        self.image = widgets.Image(format="png", layout=size)

    def render(self) -> None:
        """Draw the figure and hand the PNG bytes to the Image widget."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png")
        self.image.value = buffer.getvalue()


class Widget:
    """Displays as its ``box`` (a VBox of controls and image) in a notebook."""

    box: widgets.Widget

    def _repr_mimebundle_(self, **kwargs):
        return self.box._repr_mimebundle_(**kwargs)


def warning_html(label: str, message: str) -> str:
    """A status line for a run that went wrong on purpose (diverged, does not fit): red label."""
    import html

    return f"<b style='color:#cf222e'>{html.escape(label)}</b>: {html.escape(message)}"
