"""Figures of notebook 05: gradient norms and activations per layer, dropout, ensembles."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.axes import Axes

from course_utils.plotting.base import subplots


def draw_per_layer(ax: Axes, series: Mapping[str, np.ndarray], *, ylabel: str,
                   log: bool = True) -> None:
    """One line per setting: a value for each layer, input side at layer 1."""
    for label, values in series.items():
        ax.plot(np.arange(1, len(values) + 1), values, "o-", ms=3, lw=1.4, label=label)
    ax.set(xlabel="layer (1 = next to the input)", ylabel=ylabel)
    if log:
        ax.set_yscale("log")
    ax.legend(fontsize=7)


def plot_per_layer(series: Mapping[str, np.ndarray], *, ylabel: str, title: str = "",
                   log: bool = True):
    fig, ax = subplots(1, 1, (6.6, 3.4))
    draw_per_layer(ax, series, ylabel=ylabel, log=log)
    ax.set_title(title)
    return fig


def plot_dropout_curves(curves: Mapping[str, object], *, every: int):
    """Train and test accuracy against step, with and without dropout."""
    fig, ax = subplots(1, 1, (6.6, 3.4))
    for (label, c), colour in zip(curves.items(), ("#1f77b4", "#d62728"), strict=False):
        steps = every * np.arange(1, len(c.train_acc) + 1)
        ax.plot(steps, c.train_acc, "--", color=colour, label=f"{label}: train")
        ax.plot(steps, c.test_acc, "-", color=colour, label=f"{label}: test")
    ax.set(xlabel="training step", ylabel="accuracy", ylim=(0.5, 1.01))
    ax.legend(fontsize=8, loc="lower right")
    return fig


def plot_ensemble(result):
    """Each member's test accuracy and the ensemble's, per repeat."""
    fig, ax = subplots(1, 1, (6.0, 3.2))
    for r, (members, ens) in enumerate(zip(result.members, result.ensemble, strict=True)):
        ax.scatter([r] * len(members), members, color="#888", s=18,
                   label="members" if r == 0 else None)
        ax.scatter([r], [ens], color="#d62728", marker="*", s=120,
                   label="ensemble (averaged probabilities)" if r == 0 else None)
    ax.set(xlabel="repeat", ylabel="test accuracy", xticks=range(len(result.ensemble)))
    ax.legend(fontsize=8)
    return fig
