"""Figures of notebook 09: accuracy against operations, and the degradation experiment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

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
