"""Figures of notebook 04: search strategies, batch sizes, learning rates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from course_utils.optim import BatchRun, Path, SearchRun
from course_utils.plotting.base import subplots


def plot_search(runs: Mapping[str, SearchRun], *, title: str = ""):
    """Best loss so far against loss evaluations, one line per strategy."""
    fig, ax = subplots(1, 1, (6.4, 3.4))
    for name, run in runs.items():
        ax.plot(run.evaluations, run.best_loss, lw=1.8, label=name)
    ax.set(xlabel="loss evaluations", ylabel="training loss", xscale="log", title=title)
    ax.legend(fontsize=8)
    return fig


def plot_batch_runs(runs: Sequence[BatchRun], labels: Sequence[str]):
    """Training loss against examples seen (left) and against training time (right)."""
    fig, (left, right) = subplots(1, 2, (10, 3.4))
    for run, label in zip(runs, labels, strict=True):
        left.plot(run.examples, run.loss, lw=1.6, label=label)
        right.plot(run.seconds * 1000, run.loss, lw=1.6, label=label)
    left.set(xlabel="examples seen", ylabel="training loss", yscale="log")
    right.set(xlabel="training time (ms)", ylabel="training loss", yscale="log")
    left.legend(fontsize=8)
    return fig


def plot_lr_sweep(paths: Mapping[float, Path]):
    """Loss against step for several learning rates; diverged runs end with a cross."""
    fig, ax = subplots(1, 1, (6.4, 3.4))
    for lr, path in paths.items():
        (line,) = ax.plot(path.losses, lw=1.6, label=f"lr {lr:g}" + (" (diverged)"
                                                                      if path.diverged else ""))
        if path.diverged:
            ax.plot(len(path.losses) - 1, path.losses[-1], "x", color=line.get_color(), ms=10)
    ax.set(xlabel="step", ylabel="loss", yscale="log")
    ax.legend(fontsize=8)
    return fig
