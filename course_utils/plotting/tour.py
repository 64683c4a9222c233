"""Figures of notebook 00, the tour of vision tasks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from course_utils.plotting.base import BOX_COLOURS, draw_box, figure, subplots
from course_utils.tour import BanditRun, Segmentation


def plot_top_k(photos: Mapping[str, np.ndarray], predictions: Mapping[str, list]):
    """Each photo beside a bar chart of its top-k ImageNet classes (notebook 00).

    Args:
        photos: name -> uint8 ``[H, W, 3]``.
        predictions: name -> ``[(class, probability), ...]`` from ``imagenet_top_k``.
    """
    fig, axes = subplots(len(photos), 2, (9, 2.8 * len(photos)), squeeze=False,
                          gridspec_kw={"width_ratios": [1, 1.3]})
    for (name, image), (ax_img, ax_bar) in zip(photos.items(), axes, strict=True):
        ax_img.imshow(image)
        ax_img.set(title=name, xticks=[], yticks=[])
        classes, probs = zip(*predictions[name], strict=True)
        ax_bar.barh(range(len(probs))[::-1], probs, color="#4c72b0")
        ax_bar.set_yticks(range(len(probs))[::-1], classes)
        ax_bar.set(xlim=(0, 1), xlabel="probability")
        for y, p in zip(range(len(probs))[::-1], probs, strict=True):
            ax_bar.text(p + 0.01, y, f"{p:.2f}", va="center", fontsize=9)
    return fig


def plot_boxes(image: np.ndarray, boxes: Mapping[str, Sequence[float]], *, title: str = "",
               dashed: Sequence[str] = ()):
    """A photo with named ``(x1, y1, x2, y2)`` boxes (notebook 00: detector vs hand label)."""
    height, width = np.asarray(image).shape[:2]
    fig, ax = subplots(1, 1, (5, 5 * height / width + 0.3))
    ax.imshow(image)
    for i, (label, box) in enumerate(boxes.items()):
        draw_box(ax, box, label=label, colour=BOX_COLOURS[i % len(BOX_COLOURS)],
                 dashed=label in dashed)
    ax.set(title=title, xticks=[], yticks=[])
    return fig


def plot_segmentation(gray: np.ndarray, seg: Segmentation):
    """Photo, semantic mask and instance labels side by side (notebook 00)."""
    from skimage.color import label2rgb

    fig, axes = subplots(1, 3, (12, 3.6))
    axes[0].imshow(gray, cmap="gray", vmin=0, vmax=1)
    axes[1].imshow(seg.semantic, cmap="gray")
    axes[2].imshow(label2rgb(seg.instances, image=gray, bg_label=0, alpha=0.5))
    titles = ("photo", "semantic: object or background?",
              f"instance: which object? ({seg.count} found)")
    for ax, title in zip(axes, titles, strict=True):
        ax.set(title=title, xticks=[], yticks=[])
    return fig


def plot_digit_grid(groups: Mapping[str, np.ndarray], *, ncols: int = 8,
                    captions: Mapping[str, Sequence[str]] | None = None,
                    highlight: Mapping[str, Sequence[bool]] | None = None):
    """Grids of 8x8 digit images, one grid per group, side by side (notebook 00).

    Args:
        groups: title -> float ``[N, 8, 8]`` (or ``[N, 1, 8, 8]``) images in [0, 1].
        ncols: images per row in each grid.
        captions: title -> one short caption per image (optional).
        highlight: title -> one flag per image; flagged images get a red caption.
    """
    sizes = [len(np.asarray(g)) for g in groups.values()]
    nrows = max(-(-n // ncols) for n in sizes)
    fig = figure((0.8 * ncols * len(groups) + 0.5, 0.85 * nrows + 0.6))
    subfigs = np.atleast_1d(fig.subfigures(1, len(groups), wspace=0.06))
    for subfig, (title, images) in zip(subfigs, groups.items(), strict=True):
        images = np.asarray(images).reshape(-1, 8, 8)
        axes = subfig.subplots(nrows, ncols, squeeze=False)
        for i, ax in enumerate(axes.flat):
            ax.set_axis_off()
            if i < len(images):
                ax.imshow(images[i], cmap="gray_r", vmin=0, vmax=1)
                if captions is not None and title in captions:
                    red = highlight is not None and title in highlight and highlight[title][i]
                    ax.set_title(captions[title][i], fontsize=8, color="red" if red else "k")
        subfig.suptitle(title)
    return fig


def plot_bandit(run: BanditRun, payout: Sequence[float]):
    """Running average reward against the best and random choices, and pulls per arm."""
    payout = np.asarray(payout, dtype=float)
    steps = np.arange(1, len(run.rewards) + 1)
    fig, (left, right) = subplots(1, 2, (11, 3.4))
    left.plot(steps, np.cumsum(run.rewards) / steps, label="agent: average reward so far")
    left.axhline(payout.max(), color="g", ls="--", label="always the best arm")
    left.axhline(payout.mean(), color="r", ls=":", label="random arms")
    left.set(xlabel="step", ylabel="reward per pull", ylim=(0, 1))
    left.legend(fontsize=8, loc="lower right")
    arms = np.arange(len(payout))
    right.bar(arms - 0.2, payout, 0.4, label="true payout (hidden)")
    right.bar(arms + 0.2, run.estimates, 0.4, label="agent's estimate")
    right.set_xticks(arms, [f"arm {a}\n{n} pulls" for a, n in zip(arms, run.counts, strict=True)])
    right.set(ylabel="payout probability", ylim=(0, 1))
    right.legend(fontsize=8, loc="upper left")
    return fig
