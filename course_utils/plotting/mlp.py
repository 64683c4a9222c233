"""Figures of notebook 02: activation functions, decision surfaces, approximation curves."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap

from course_utils.activations import activate, derivative, vanishing_ranges
from course_utils.plotting.base import CLASS_COLOURS, subplots

SURFACE_CMAP = ListedColormap(["#1f77b4", "#6aa5d6", "#b7d3ea", "#f4c1b6", "#e98a79",
                               "#d62728"])


def draw_activation(ax_f: Axes, ax_df: Axes, name: str, *, alpha: float | None = None,
                    lo: float = -5.0, hi: float = 5.0) -> list[tuple[float, float]]:
    """f on the left axes, f' on the right, with where |f'| < 0.01 shaded; returns those ranges."""
    z = np.linspace(lo, hi, 801)
    ranges = vanishing_ranges(name, lo=lo, hi=hi, n=801, alpha=alpha)
    for ax, values, title in ((ax_f, activate(name, z, alpha=alpha), f"{name}: f(z)"),
                              (ax_df, derivative(name, z, alpha=alpha), "f'(z)")):
        ax.clear()
        ax.axhline(0, color="#999", lw=0.8)
        ax.axvline(0, color="#999", lw=0.8)
        ax.plot(z, values, lw=2.2, color="#4c72b0" if ax is ax_f else "#dd8452")
        for a, b in ranges:
            ax.axvspan(a, b, color="#d62728", alpha=0.12, lw=0)
        ax.set(title=title, xlabel="z", xlim=(lo, hi))
    if ranges:
        ax_df.text(0.02, 0.95, "shaded: |f'| < 0.01 (gradients vanish)", fontsize=8,
                   transform=ax_df.transAxes, va="top", color="#a01010")
    return ranges


def plot_activations(names: Sequence[str], *, lo: float = -5.0, hi: float = 5.0):
    """A grid: each activation's f (solid) and f' (dashed) on one small axes."""
    cols = 4
    rows = -(-len(names) // cols)
    fig, axes = subplots(rows, cols, (3.1 * cols, 2.5 * rows), squeeze=False)
    z = np.linspace(lo, hi, 601)
    for ax, name in zip(axes.flat, names, strict=False):
        ax.axhline(0, color="#bbb", lw=0.6)
        ax.plot(z, activate(name, z), lw=2, label="f")
        ax.plot(z, derivative(name, z), "--", lw=1.6, label="f'")
        ax.set(title=name, ylim=(-2.2, 3.2))
    for ax in list(axes.flat)[len(names):]:
        ax.set_axis_off()
    axes.flat[0].legend(fontsize=8)
    return fig


def grid_points(extent: tuple[float, float, float, float], resolution: int = 80) -> np.ndarray:
    xs = np.linspace(extent[0], extent[1], resolution)
    ys = np.linspace(extent[2], extent[3], resolution)
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def draw_surface(ax: Axes, x: np.ndarray, y: np.ndarray, *, extent, x_test=None, y_test=None):
    """An image for P(class 1) over ``extent`` and the points; returns the image to update."""
    image = ax.imshow(np.full((2, 2), 0.5), extent=extent, origin="lower", cmap=SURFACE_CMAP,
                      vmin=0, vmax=1, aspect="auto", interpolation="bilinear", zorder=0)
    colours = np.where(np.asarray(y) == 1, CLASS_COLOURS[1], CLASS_COLOURS[0])
    ax.scatter(x[:, 0], x[:, 1], c=colours, s=18, edgecolors="white", linewidths=0.6, zorder=3)
    if x_test is not None:
        tc = np.where(np.asarray(y_test) == 1, CLASS_COLOURS[1], CLASS_COLOURS[0])
        ax.scatter(x_test[:, 0], x_test[:, 1], c=tc, s=18, marker="s", edgecolors="k",
                   linewidths=0.6, zorder=3)
    ax.set(xlim=extent[:2], ylim=extent[2:])
    return image


def plot_decision_surface(model, x, y, *, title: str = "", resolution: int = 120):
    """A static figure of a trained classifier's P(class 1) with the data points."""
    from course_utils.plotting.base import data_extent

    fig, ax = subplots(1, 1, (4.4, 4))
    extent = data_extent(np.asarray(x, float))
    image = draw_surface(ax, np.asarray(x, float), y, extent=extent)
    grid = grid_points(extent, resolution)
    image.set_data(model.predict_proba(grid)[:, 1].reshape(resolution, resolution))
    ax.set_title(title)
    return fig


def plot_approximation(fits, *, title: str = ""):
    """Fits of one hidden layer of growing width (left) and the error against width (right)."""
    fig, (left, right) = subplots(1, 2, (10, 3.6))
    left.plot(fits[0].x, fits[0].y, "k", lw=3, alpha=0.35, label="target")
    for fit in fits:
        left.plot(fit.x, fit.prediction, lw=1.3, label=f"{fit.hidden} units")
    left.legend(fontsize=7, ncol=2)
    left.set(xlabel="x", title="one hidden layer, growing width")
    widths = [f.hidden for f in fits]
    right.loglog(widths, [f.rms_error for f in fits], "o-", label="RMS error")
    right.loglog(widths, [f.max_error for f in fits], "s--", label="max error")
    right.set(xlabel="hidden units", ylabel="error", title=title or "error against width")
    right.legend(fontsize=8)
    return fig


def plot_sawtooth(x, curves: dict[str, np.ndarray]):
    """Deep vs shallow: a few sawtooth networks of growing depth on [0, 1]."""
    fig, ax = subplots(1, 1, (7, 2.8))
    for label, values in curves.items():
        ax.plot(x, values, lw=1.4, label=label)
    ax.set(xlabel="x", ylabel="output")
    ax.legend(fontsize=8, loc="upper right")
    return fig
