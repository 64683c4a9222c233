"""Shared pieces of every figure: colours, tables, boxes and constrained-layout figures.

Static figures use pyplot, so Jupyter's inline backend shows them once at the end of the
cell. Widgets draw on a pyplot-free ``Figure`` (``course_utils.widgets.base.FigureImage``)
and update its artists in place.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.patches import Rectangle

CLASS_COLOURS = ("#1f77b4", "#d62728")  # class -1 (or 0): blue, class +1: red
REGION_CMAP = ListedColormap(["#c6dbef", "#fcbba1"])


def data_extent(x: np.ndarray, *, pad: float = 0.5) -> tuple[float, float, float, float]:
    """(x_min, x_max, y_min, y_max) around 2D points x (ndarray[N, 2]), padded."""
    lo, hi = np.min(x, axis=0) - pad, np.max(x, axis=0) + pad
    return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])


def html_table(rows: Sequence[dict], *, caption: str = ""):
    """Show a list of dicts as an HTML table in a notebook (text in a terminal)."""
    from IPython.display import HTML

    if not rows:
        raise ValueError("html_table needs at least one row")
    head = "".join(f"<th>{html.escape(str(k))}</th>" for k in rows[0])
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row.values()) + "</tr>"
        for row in rows
    )
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return HTML(f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def _fmt(value) -> str:
    if isinstance(value, np.ndarray):
        return "(" + ", ".join(_fmt(v) for v in value.tolist()) + ")"
    if isinstance(value, float | np.floating):
        return f"{value:g}"
    return str(value)


BOX_COLOURS = ("#00e5ff", "#ffd400", "#ff3df2", "#7CFC00", "#ff8c00")


def subplots(nrows: int, ncols: int, figsize: tuple[float, float], **kwargs):
    import matplotlib.pyplot as plt

    return plt.subplots(nrows, ncols, figsize=figsize, layout="constrained", **kwargs)


def figure(figsize: tuple[float, float]):
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize, layout="constrained")


def draw_box(ax: Axes, box: Sequence[float], *, label: str = "", colour: str = BOX_COLOURS[0],
             dashed: bool = False) -> Rectangle:
    """Draw one ``(x1, y1, x2, y2)`` pixel box on an image axes, with its label.

    A solid box is labelled above its top-left corner, a dashed one inside its bottom-left
    corner, so a detection and a hand label on the same object do not hide each other.
    """
    x1, y1, x2, y2 = (float(v) for v in box)
    rect = Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, lw=2.5, edgecolor=colour,
                     linestyle="--" if dashed else "-")
    ax.add_patch(rect)
    if label:
        y = y2 - 4 if dashed else y1 - 4
        ax.text(x1 + (4 if dashed else 0), y, label, color="k", fontsize=9, va="bottom",
                bbox=dict(facecolor=colour, edgecolor="none", pad=1.5))
    return rect
