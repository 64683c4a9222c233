"""The presenter setting: figures and widgets a room can read from the back.

``present()`` (one call, at the top of a notebook shown on a projector) sets larger fonts,
thicker lines and bigger markers in matplotlib, a high-contrast colour cycle (colour-blind-
safe hues, each at least 3:1 against white; black axes), and larger widget and notebook fonts
in JupyterLab. Widgets created afterwards draw with it. ``present(False)`` puts everything back.
Off by default: nothing changes unless it is called.
"""

from __future__ import annotations

import matplotlib as mpl
from cycler import cycler

# Okabe & Ito's colour-blind-safe hues (2008) without the light ones (sky blue, orange,
# yellow fade on a projector), with darker hues of Paul Tol's in their place: each has at
# least WCAG's 3:1 contrast on white (tested).
HIGH_CONTRAST = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#882255",
                 "#8F5A00", "#117733")

PRESENTER_RC = {
    "font.size": 16,
    "axes.titlesize": 19,
    "axes.labelsize": 17,
    "xtick.labelsize": 14,
    "ytick.labelsize": 14,
    "legend.fontsize": 14,
    "figure.titlesize": 20,
    "lines.linewidth": 3.0,
    "lines.markersize": 9.0,
    "patch.linewidth": 2.0,
    "axes.linewidth": 1.6,
    "axes.edgecolor": "black",
    "axes.labelcolor": "black",
    "xtick.color": "black",
    "ytick.color": "black",
    "text.color": "black",
    "axes.facecolor": "white",
    "figure.facecolor": "white",
    "axes.prop_cycle": cycler(color=HIGH_CONTRAST),
    "image.cmap": "cividis",
}

# JupyterLab and ipywidgets read these CSS variables; one <style> element restyles the page.
_CSS = """<style id="course-presenter">
:root {
  --jp-content-font-size1: 20px; --jp-code-font-size: 18px; --jp-ui-font-size1: 16px;
  --jp-widgets-font-size: 18px; --jp-widgets-inline-height: 36px;
  --jp-widgets-inline-label-width: 110px; --jp-widgets-slider-handle-size: 20px;
}
</style>"""
_CSS_OFF = '<style id="course-presenter"></style>'

_saved: dict | None = None


def present(on: bool = True):
    """Switch the presenter setting on (default) or off; returns an HTML note to display.

    Sets matplotlib's rcParams (kept so that ``present(False)`` restores the exact previous
    values) and returns an ``IPython.display.HTML`` with the CSS for JupyterLab and widgets;
    as a cell's last expression it takes effect on the page.
    """
    from IPython.display import HTML

    global _saved
    if not isinstance(on, bool):
        raise TypeError(f"present(on) takes True or False, got {on!r}")
    if on:
        if _saved is None:
            _saved = {key: mpl.rcParams[key] for key in PRESENTER_RC}
        mpl.rcParams.update(PRESENTER_RC)
        return HTML(_CSS + "<b>Presenter setting on</b>: larger fonts and lines, high-contrast "
                    "colours. <code>present(False)</code> turns it off.")
    if _saved is not None:
        mpl.rcParams.update(_saved)
        _saved = None
    return HTML(_CSS_OFF + "Presenter setting off.")


def presenting() -> bool:
    """Whether the presenter setting is on."""
    return _saved is not None
