"""Figures of notebook 09: accuracy against operations, and the degradation experiment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.ticker import NullLocator

from course_utils.plotting.base import subplots


def plot_accuracy_vs_operations(rows: Sequence[Mapping]):
    """Deck 000's picture: ImageNet top-1 against G-MACs, bubble area = parameters."""
    fig, ax = subplots(1, 1, (7.0, 4.2))
    for r in rows:
        ax.scatter(r["G-MACs"], r["top-1 (%)"], s=r["parameters (M)"] * 6, alpha=0.45)
        ax.annotate(f"{r['model']}\n{r['parameters (M)']:.1f}M", (r["G-MACs"], r["top-1 (%)"]),
                    fontsize=8, ha="center", va="center")
    ax.set(xlabel="operations per image (G-MACs)", ylabel="ImageNet top-1 accuracy (%)",
           xscale="log", title="accuracy vs operations (bubble area: parameters)")
    ax.margins(0.25)
    return fig


def plot_degradation(results: Mapping[tuple[str, int], Sequence[float]]):
    """Training error against depth, plain vs residual, one point per seed and the mean."""
    fig, ax = subplots(1, 1, (6.2, 3.6))
    for kind, colour in (("plain", "#d62728"), ("residual", "#1f77b4")):
        depths = sorted(d for k, d in results if k == kind)
        means = [100 * np.mean(results[kind, d]) for d in depths]
        ax.plot(depths, means, "o-", color=colour, label=f"{kind} (mean)")
        for d in depths:
            ax.scatter([d] * len(results[kind, d]), 100 * np.asarray(results[kind, d]),
                       color=colour, s=14, alpha=0.6)
    ax.set(xlabel="depth (weight layers)", ylabel="training error (%)",
           title="same training budget, growing depth")
    ax.legend(fontsize=8)
    return fig


def draw_architectures(ax_zoo, ax_layers, tables: Mapping, top1: Mapping, profiles: Mapping):
    """Build the architecture explorer's two panels once; returns the artists to update.

    Left: ImageNet top-1 against one cost (x data set later), one dot per network. Right:
    the cumulative share of parameters, MACs and activations along one network's weighted
    layers (data set later).
    """
    names = list(tables)
    colours = {name: f"C{i}" for i, name in enumerate(names)}
    dots = ax_zoo.scatter(np.ones(len(names)), [top1[n] for n in names], s=60,
                          c=[colours[n] for n in names], alpha=0.7, zorder=2)
    ring, = ax_zoo.plot([], [], "o", ms=16, mfc="none", mec="black", mew=1.5, zorder=3)
    labels = [ax_zoo.annotate(n, (1, top1[n]), xytext=(7, 5 if i % 2 else -11),
                              textcoords="offset points", fontsize=8)  # alternate: no overlap
              for i, n in enumerate(names)]
    ax_zoo.set(ylabel="ImageNet top-1 (%)", xscale="log")
    ax_zoo.xaxis.set_minor_locator(NullLocator())  # major decades only: a faster redraw
    ax_zoo.set_ylim(min(top1.values()) - 3, max(top1.values()) + 3)
    lines = {cost: ax_layers.plot([], [], lw=2, label=cost)[0] for cost in next(
        iter(profiles.values()))}
    ax_layers.set(xlabel="weighted layer (conv or linear), input to output",
                  ylabel="cumulative share", ylim=(0, 1.02))
    ax_layers.legend(fontsize=8, loc="lower right")
    ax_layers.grid(alpha=0.3)
    return {"dots": dots, "ring": ring, "labels": labels, "lines": lines, "names": names}


def update_architectures(ax_zoo, ax_layers, artists: Mapping, costs: Mapping[str, float],
                         cost: str, chosen: str, top1: Mapping, profile: Mapping) -> None:
    """Move the dots to ``costs`` (one value per network), ring ``chosen`` and show its
    cumulative profile."""
    names = artists["names"]
    xs = np.array([costs[n] for n in names])
    artists["dots"].set_offsets(np.column_stack([xs, [top1[n] for n in names]]))
    for label, x, n in zip(artists["labels"], xs, names, strict=True):
        label.xy = (x, top1[n])
    artists["ring"].set_data([costs[chosen]], [top1[chosen]])
    ax_zoo.set_xlim(xs.min() / 2, xs.max() * 3)
    ax_zoo.set_xlabel(f"{cost} per 224x224 image" if cost != "parameters (M)" else cost)
    ax_zoo.set_title(f"accuracy against {cost.split(' (')[0]}", fontsize=10)
    layers = len(next(iter(profile.values())))
    for name, line in artists["lines"].items():
        line.set_data(np.arange(1, layers + 1), profile[name])
    ax_layers.set_xlim(0.5, layers + 0.5)
    ax_layers.set_title(f"{chosen}: where the costs sit ({layers} weighted layers)", fontsize=10)
