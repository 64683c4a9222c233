"""Figures of notebooks 06 and 07: kernels on photos, convolution grids, feature maps."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.colors import ListedColormap

from course_utils.plotting.base import subplots

GRID_CMAP = ListedColormap(["#d9d9d9", "#ffffff", "#ffd166", "#ef476f"])  # pad, cell, window, now


def plot_filtered(images: Mapping[str, np.ndarray], *, ncols: int = 4, cmap: str = "gray"):
    """A grid of same-sized grayscale images with their titles (kernels on one photo)."""
    rows = -(-len(images) // ncols)
    fig, axes = subplots(rows, ncols, (3.0 * ncols, 2.7 * rows), squeeze=False)
    for ax, (title, image) in zip(axes.flat, images.items(), strict=False):
        ax.imshow(image, cmap=cmap)
        ax.set(title=title, xticks=[], yticks=[])
    for ax in list(axes.flat)[len(images):]:
        ax.set_axis_off()
    return fig


def draw_grid(ax, cells: np.ndarray, *, title: str = "", values: np.ndarray | None = None):
    """Cells coded 0 padding, 1 input, 2 kernel window, 3 current output; returns the image."""
    image = ax.imshow(cells, cmap=GRID_CMAP, vmin=0, vmax=3, interpolation="nearest")
    h, w = cells.shape
    ax.set_xticks(np.arange(-0.5, w, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, h, 1), minor=True)
    ax.grid(which="minor", color="#555", lw=0.6)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    if values is not None and values.size <= 100:
        for (i, j), v in np.ndenumerate(values):
            ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize=7)
    ax.set_title(title, fontsize=9)
    return image


def plot_grids(grids: Mapping[str, np.ndarray]):
    """Small matrices side by side, their numbers written in (deck examples)."""
    fig, axes = subplots(1, len(grids), (2.6 * len(grids), 2.8))
    for ax, (title, values) in zip(np.atleast_1d(axes), grids.items(), strict=True):
        ax.imshow(values, cmap="coolwarm", vmin=-np.abs(values).max() - 1e-9,
                  vmax=np.abs(values).max() + 1e-9)
        for (i, j), v in np.ndenumerate(values):
            ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize=9)
        ax.set(title=title, xticks=[], yticks=[])
    return fig


def plot_feature_maps(image: np.ndarray, maps: np.ndarray, titles=None, *, ncols: int = 4):
    """An input image and a stack of feature maps [C, H, W]."""
    n = len(maps) + 1
    rows = -(-n // ncols)
    fig, axes = subplots(rows, ncols, (2.6 * ncols, 2.5 * rows), squeeze=False)
    axes.flat[0].imshow(image, cmap="gray")
    axes.flat[0].set_title("input", fontsize=9)
    for k, (ax, fmap) in enumerate(zip(list(axes.flat)[1:], maps, strict=False)):
        ax.imshow(fmap, cmap="magma")
        ax.set_title(titles[k] if titles else f"map {k}", fontsize=9)
    for ax in axes.flat:
        ax.set(xticks=[], yticks=[])
    for ax in list(axes.flat)[n:]:
        ax.set_axis_off()
    return fig


WINDOW_COLOURS = ("#ef476f", "#118ab2", "#06d6a0", "#ffd166", "#8338ec", "#fb8500")


def plot_im2col(image: np.ndarray, cols: np.ndarray, kh: int, kw: int, *, stride: int = 1):
    """The windows of a small image, each outlined in its colour, beside the im2col matrix
    whose columns are those windows (same colours): the picture of im2col (notebook 06)."""
    from matplotlib.patches import Rectangle

    h, w = image.shape
    ow = (w - kw) // stride + 1
    fig, (left, right) = subplots(1, 2, (3.2 + 0.55 * cols.shape[1], 3.2),
                                  gridspec_kw={"width_ratios": [w, cols.shape[1]]})
    for ax, values, title in ((left, image, f"image {h}x{w}: {cols.shape[1]} windows "
                               f"{kh}x{kw}"),
                              (right, cols, f"columns [{cols.shape[0]}, {cols.shape[1]}]")):
        ax.imshow(np.zeros_like(values), cmap="gray_r", vmin=0, vmax=1)
        for (i, j), v in np.ndenumerate(values):
            ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize=9)
        ax.set(title=title, xticks=[], yticks=[])
    for t in range(cols.shape[1]):
        colour = WINDOW_COLOURS[t % len(WINDOW_COLOURS)]
        i, j = divmod(t, ow)
        inset = 0.08 * (t % 3)  # overlapping windows stay distinguishable
        left.add_patch(Rectangle((j * stride - 0.5 + inset, i * stride - 0.5 + inset),
                                 kw - 2 * inset, kh - 2 * inset, fill=False, lw=2,
                                 edgecolor=colour))
        right.add_patch(Rectangle((t - 0.45, -0.45), 0.9, cols.shape[0] - 0.1, fill=False,
                                  lw=2, edgecolor=colour))
    return fig
