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


def plot_activation_histograms(settings: Mapping[str, list], *, activation: str):
    """One row per setting, one panel per hidden layer: a histogram of its outputs,
    titled with the share of saturated units (``deepnets.saturated_fraction``)."""
    from course_utils.deepnets import saturated_fraction

    rows, cols = len(settings), max(len(v) for v in settings.values())
    fig, axes = subplots(rows, cols, (1.6 * cols, 1.5 * rows + 0.4), squeeze=False)
    for r, (label, layers) in enumerate(settings.items()):
        for c, ax in enumerate(axes[r]):
            if c >= len(layers):
                ax.axis("off")
                continue
            ax.hist(np.ravel(layers[c]), bins=40, color="#1f77b4")
            ax.set_title(f"layer {c + 1}: {saturated_fraction(layers[c], activation):.0%} sat.",
                         fontsize=8)
            ax.set_yticks([])
            ax.tick_params(labelsize=7)
        axes[r][0].set_ylabel(label, fontsize=8)
    return fig


def plot_update_ratios(ratios: Mapping[str, np.ndarray], *, target: float = 1e-3):
    """log10 of the update-to-data ratio per step, one line per layer, one panel per setting."""
    fig, axes = subplots(1, len(ratios), (4.0 * len(ratios), 3.2), squeeze=False)
    for ax, (label, r) in zip(axes[0], ratios.items(), strict=True):
        colours = [_cmap(i / max(r.shape[1] - 1, 1)) for i in range(r.shape[1])]
        for layer in range(r.shape[1]):
            ax.plot(np.log10(r[:, layer]), lw=1, color=colours[layer],
                    label=f"layer {layer + 1}" if layer in (0, r.shape[1] - 1) else None)
        ax.axhline(np.log10(target), color="k", ls="--", lw=1, label="1e-3 rule of thumb")
        ax.set(xlabel="training step", ylabel="log10 std(ΔW) / std(W)", title=label)
        ax.legend(fontsize=7)
    return fig


def _cmap(value: float):
    """A colour from dark (input side) to light (output side)."""
    from matplotlib import colormaps

    return colormaps["viridis"](value)
