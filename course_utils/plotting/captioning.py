"""Figures of notebook 14: recurrent network diagrams, captions, word probabilities."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from course_utils.plotting.base import subplots

_IN, _HID, _OUT = "#f4a6a6", "#a8d5a2", "#9ecae1"  # Karpathy's red, green, blue boxes

# (title, number of steps, steps with an input, steps with an output)
PATTERNS = (
    ("one to one\n(image classification)", 1, [0], [0]),
    ("one to many\n(image captioning)", 4, [0], [0, 1, 2, 3]),
    ("many to one\n(sentence classification)", 4, [0, 1, 2, 3], [3]),
    ("many to many\n(machine translation)", 5, [0, 1, 2], [3, 4]),
    ("many to many, in step\n(video: label every frame)", 4, [0, 1, 2, 3], [0, 1, 2, 3]),
)


def _box(ax: Axes, x: float, y: float, colour: str, text: str = "", *, w: float = 0.7,
         h: float = 0.55, fontsize: int = 9) -> None:
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.04",
                                facecolor=colour, edgecolor="#444", lw=1))
    if text:
        ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax: Axes, start, end, text: str = "", *, offset=(0.12, 0.0)) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=10, lw=1.2,
                                 color="#333", shrinkA=0, shrinkB=0))
    if text:
        ax.text((start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1], text,
                fontsize=9, color="#b00", ha="left", va="center", style="italic")


def draw_rnn_pattern(ax: Axes, title: str, steps: int, inputs: Sequence[int],
                     outputs: Sequence[int]) -> None:
    """One of Karpathy's diagrams: inputs (red) below states (green), outputs (blue) above."""
    for t in range(steps):
        _box(ax, t, 1, _HID)
        if t in inputs:
            _box(ax, t, 0, _IN)
            _arrow(ax, (t, 0.28), (t, 0.72))
        if t in outputs:
            _box(ax, t, 2, _OUT)
            _arrow(ax, (t, 1.28), (t, 1.72))
        if t:
            _arrow(ax, (t - 0.65, 1), (t - 0.35, 1))
    ax.set(xlim=(-0.6, 4.6), ylim=(-0.5, 2.5), title=title, aspect="equal")
    ax.title.set_fontsize(9)
    ax.axis("off")


def plot_rnn_patterns():
    """Deck 000 (after CS231n): one-to-one, one-to-many, many-to-one, two many-to-many."""
    fig, axes = subplots(1, len(PATTERNS), (13.5, 2.4))
    for ax, pattern in zip(axes, PATTERNS, strict=True):
        draw_rnn_pattern(ax, *pattern)
    fig.suptitle("red: inputs x_t · green: states s_t (one shared cell) · blue: outputs o_t",
                 fontsize=9)
    return fig


def plot_unrolled_rnn(steps: int = 3):
    """Deck 000's picture: the network with its loop, and unrolled, U, V, W at every step."""
    fig, ax = subplots(1, 1, (10.0, 3.0))
    _box(ax, 0, 0, _IN, "$x$")
    _box(ax, 0, 1.2, _HID, "$s$")
    _box(ax, 0, 2.4, _OUT, "$o$")
    _arrow(ax, (0, 0.28), (0, 0.92), "U")
    _arrow(ax, (0, 1.48), (0, 2.12), "V")
    ax.add_patch(FancyArrowPatch((0.36, 1.35), (0.36, 1.05), connectionstyle="arc3,rad=-1.8",
                                 arrowstyle="-|>", mutation_scale=10, lw=1.2, color="#333"))
    ax.text(0.75, 1.2, "W", fontsize=9, color="#b00", style="italic", va="center")
    ax.text(1.55, 1.2, "unroll\n$\\Rightarrow$", fontsize=10, ha="center", va="center")
    names = ["t-1", "t", "t+1", "t+2", "t+3", "t+4"]
    start = 3.3
    for k in range(steps):
        x, t = start + 1.6 * k, names[k % len(names)]
        _box(ax, x, 0, _IN, f"$x_{{{t}}}$")
        _box(ax, x, 1.2, _HID, f"$s_{{{t}}}$")
        _box(ax, x, 2.4, _OUT, f"$o_{{{t}}}$")
        _arrow(ax, (x, 0.28), (x, 0.92), "U")
        _arrow(ax, (x, 1.48), (x, 2.12), "V")
        _arrow(ax, (x - 1.25, 1.2), (x - 0.35, 1.2), "W", offset=(-0.1, 0.18))
    last = start + 1.6 * (steps - 1)
    ax.text(last + 0.5, 1.2, "...", fontsize=12, va="center")
    ax.set(xlim=(-0.6, last + 1.0), ylim=(-0.5, 2.9), aspect="equal")
    ax.axis("off")
    ax.set_title("$s_t = \\tanh(U x_t + W s_{t-1} + b)$,  $o_t = V s_t + c$: the same U, V, W "
                 "at every step", fontsize=10)
    return fig


def plot_gradient_through_time(curves: Mapping[str, Sequence[float]]):
    """The norm of dL/ds_t against t, one curve per label (log scale)."""
    fig, ax = subplots(1, 1, (6.4, 3.2))
    for label, norms in curves.items():
        ax.semilogy(np.arange(1, len(norms) + 1), norms, "o-", ms=3, label=label)
    ax.set(xlabel="step t", ylabel="||dL/ds_t||", title="gradient of a loss on the last state")
    ax.legend(fontsize=8)
    return fig


def plot_caption_loss(losses: Sequence[float], *, window: int = 50):
    """Training loss per step and its moving average."""
    losses = np.asarray(losses, dtype=float)
    fig, ax = subplots(1, 1, (6.4, 3.0))
    ax.plot(losses, color="#9ecae1", lw=0.8, label="per step")
    if len(losses) >= window:
        smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
        ax.plot(np.arange(window - 1, len(losses)), smooth, color="#1f77b4",
                label=f"mean of {window}")
    ax.set(xlabel="step", ylabel="cross-entropy per word", yscale="log",
           title="teacher-forced training")
    ax.legend(fontsize=8)
    return fig


def _image(x) -> np.ndarray:
    x = np.asarray(x)
    return x.transpose(1, 2, 0) if x.ndim == 3 and x.shape[0] == 3 else x


def plot_captions(images, predicted: Sequence[str], truth: Sequence[str], *, ncols: int = 4,
                  title: str = ""):
    """Images with the predicted caption (green if exact, red if not, truth under it)."""
    n = len(predicted)
    nrows = max(1, -(-n // ncols))
    fig, axes = subplots(nrows, ncols, (3.2 * ncols, 2.9 * nrows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, image, pred, true in zip(axes.ravel(), images, predicted, truth, strict=False):
        ax.imshow(_image(image), interpolation="nearest")
        ok = pred == true
        text = textwrap.fill(pred, 34) + ("" if ok else "\ntruth: " + textwrap.fill(true, 34))
        ax.set_title(text, fontsize=7.5, color="#1a7f37" if ok else "#cf222e")
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


class WordBars(NamedTuple):
    ax: Axes
    bars: list  # one horizontal bar per shown word, top first
    labels: list  # the probability written beside each bar


def draw_word_probabilities(ax: Axes, k: int) -> WordBars:
    """Empty horizontal bars for ``k`` words, filled by ``update_word_probabilities``."""
    y = np.arange(k)[::-1]
    bars = list(ax.barh(y, np.zeros(k), color="#9ecae1"))
    labels = [ax.text(0.02, yi, "", va="center", fontsize=8) for yi in y]
    ax.set_yticks(y, [""] * k)
    ax.set(xlim=(0, 1), xlabel="probability")
    return WordBars(ax, bars, labels)


def update_word_probabilities(artists: WordBars, words: Sequence[str], probs: Sequence[float],
                              *, chosen: str | None = None, title: str = "") -> None:
    """Set the bars to ``words`` and their ``probs`` (best first); highlight ``chosen``."""
    ticks = []
    for i, (bar, label) in enumerate(zip(artists.bars, artists.labels, strict=True)):
        word, p = (words[i], float(probs[i])) if i < len(words) else ("", 0.0)
        bar.set_width(p)
        bar.set_color("#d62728" if word == chosen and word else "#9ecae1")
        label.set_text(f"{p:.2f}" if word else "")
        label.set_x(min(p + 0.02, 0.8))
        ticks.append(word)
    artists.ax.set_yticklabels(ticks)
    artists.ax.set_title(title, fontsize=9)
