"""Figures of notebook 10 (transfer learning): feature maps, learning curves, feature-space
projections, and the freezing widget's panels (top-k predictions: ``tour.plot_top_k``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes

from course_utils.plotting.base import CLASS_COLOURS, subplots

METHOD_COLOURS = ("#7f7f7f", "#1f77b4", "#2ca02c", "#d62728", "#9467bd")


def plot_early_and_late(image: np.ndarray, filters: np.ndarray, early: np.ndarray,
                        cam: np.ndarray, *, label: str = ""):
    """Row 1: the photo, then a few 3x3 RGB stem filters; row 2: the maps they produce
    (112x112), and the class activation map (7x7) over the photo.

    Args:
        image: uint8 ``[H, W, 3]`` as the network saw it (cropped to a square).
        filters: ``[K, 3, 3, 3]`` stem weights; early: ``[K, h, w]`` their maps.
        cam: ``[7, 7]`` from ``transfer.class_activation_map``; label: its class name.
    """
    k = len(filters)
    fig, axes = subplots(2, k + 1, (2.1 * (k + 1), 4.4))
    axes[0, 0].imshow(image)
    axes[0, 0].set(title="input", xticks=[], yticks=[])
    axes[1, 0].imshow(image)
    axes[1, 0].imshow(cam, cmap="jet", alpha=0.45, extent=(0, image.shape[1], image.shape[0], 0),
                      interpolation="bilinear")
    axes[1, 0].set(title=f"late: where '{label}'", xticks=[], yticks=[])
    for i in range(k):
        w = filters[i].transpose(1, 2, 0)
        w = (w - w.min()) / (np.ptp(w) + 1e-12)  # shown as colours, rescaled to [0, 1]
        axes[0, i + 1].imshow(w, interpolation="nearest")
        axes[0, i + 1].set(title=f"stem filter {i}", xticks=[], yticks=[])
        axes[1, i + 1].imshow(early[i], cmap="magma")
        axes[1, i + 1].set(title=f"early map {i}", xticks=[], yticks=[])
    return fig


def draw_learning_curve(ax: Axes, budgets: Sequence[int], scores: Mapping[str, np.ndarray],
                        *, title: str = "") -> None:
    """Mean accuracy over seeds against labels per class, with a band of +- one spread."""
    for (name, values), colour in zip(scores.items(), METHOD_COLOURS, strict=False):
        mean, spread = values.mean(axis=1), values.std(axis=1)
        ax.plot(budgets, mean, "o-", color=colour, label=name)
        ax.fill_between(budgets, mean - spread, mean + spread, color=colour, alpha=0.15)
    ax.set(xscale="log", xlabel="labels per class", ylabel="test accuracy", title=title)
    ax.set_xticks(list(budgets))
    ax.set_xticklabels([str(b) for b in budgets])
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)


def plot_learning_curves(curves: Mapping[str, object]):
    """One panel per target: ``{title: Curve}`` (``finetune.Curve``)."""
    fig, axes = subplots(1, len(curves), (5.6 * len(curves), 3.9), squeeze=False)
    for ax, (title, curve) in zip(axes[0], curves.items(), strict=True):
        draw_learning_curve(ax, curve.budgets, curve.scores, title=title)
    return fig


def plot_projections(features: Mapping[str, np.ndarray], y: np.ndarray,
                     class_names: Sequence[str] = ("non-face", "face"), *, seed: int = 0):
    """Each feature set projected to 2D with PCA and with t-SNE (``finetune.project_2d``),
    coloured by class: ``{title: [N, D]}`` -> a row of 2 x len(features) panels."""
    from course_utils.finetune import project_2d

    panels = {f"{title}: {label}": project_2d(f, method=method, seed=seed)
              for title, f in features.items()
              for method, label in (("pca", "PCA"), ("tsne", "t-SNE"))}
    fig, axes = subplots(1, len(panels), (3.4 * len(panels), 3.4), squeeze=False)
    y = np.asarray(y)
    for ax, (title, xy) in zip(axes[0], panels.items(), strict=True):
        for c, name in enumerate(class_names):
            ax.scatter(*xy[y == c].T, s=10, color=CLASS_COLOURS[c % 2], label=name, alpha=0.7)
        ax.set(title=title, xticks=[], yticks=[])
    axes[0, 0].legend(fontsize=8)
    return fig


def draw_freezing(params_ax: Axes, accuracy_ax: Axes, params: Sequence[int],
                  results: Mapping[int, object], current: int, *, pixel_accuracy: float,
                  task: str, artists: dict | None = None) -> dict:
    """The freezing widget's two panels: trainable parameters per setting (bars, the current
    one highlighted), and the held-out accuracy of every setting trained so far.

    The first call builds the artists and returns them; pass them back as ``artists`` and
    later calls only update them in place (no ``clear``, no new legend: a redraw costs the
    PNG, not the layout).
    """
    stages = np.arange(len(params))
    if artists is None:
        artists = _build_freezing(params_ax, accuracy_ax, len(params))
    for bar, height, s in zip(artists["bars"], np.asarray(params) / 1e6, stages, strict=True):
        bar.set_height(height)
        bar.set_color("#d62728" if s == current else "#9ecae1")
    params_ax.set_ylim(0, max(params) / 1e6 * 1.05)
    done = sorted(results)
    artists["line"].set_data(done, [results[k].accuracy for k in done])
    here = [results[current].accuracy] if current in results else []
    artists["current"].set_data([current] * len(here), here)
    artists["pixels"].set_ydata([pixel_accuracy, pixel_accuracy])
    accuracy_ax.set_title(task)
    return artists


def _build_freezing(params_ax: Axes, accuracy_ax: Axes, settings: int) -> dict:
    stages = np.arange(settings)
    bars = params_ax.bar(stages, np.zeros(settings), color="#9ecae1")
    params_ax.set(xlabel="frozen stages (stem + first k)", ylabel="trainable parameters (M)",
                  title="what trains", xticks=stages)
    line, = accuracy_ax.plot([], [], "o-", color="#1f77b4", label="fine-tuned")
    current, = accuracy_ax.plot([], [], "o", ms=11, color="#d62728")
    pixels = accuracy_ax.axhline(0, ls="--", color="#7f7f7f", label="pixels + probe")
    accuracy_ax.set(xlim=(-0.5, settings - 0.5), ylim=(0, 1.02), xticks=stages,
                    xlabel="frozen stages", ylabel="held-out accuracy")
    accuracy_ax.legend(fontsize=8, loc="lower left")
    return {"bars": list(bars), "line": line, "current": current, "pixels": pixels}


def plot_image_rows(groups: Mapping[str, np.ndarray], *, cmap: str = "gray", n: int = 8):
    """The first ``n`` grayscale images of each group in a row: ``{title: [N, H, W]}``."""
    fig, axes = subplots(len(groups), n, (1.1 * n, 1.25 * len(groups)), squeeze=False)
    for row, (title, images) in zip(axes, groups.items(), strict=True):
        for ax, image in zip(row, np.asarray(images)[:n], strict=False):
            ax.imshow(image, cmap=cmap, vmin=0, vmax=1)
        for ax in row:
            ax.set_axis_off()
        row[0].set_title(title, loc="left", fontsize=9)
    return fig
