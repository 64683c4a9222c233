"""Figures for the notebooks (matplotlib only; the numbers come from the math modules).

Static figures use pyplot, so Jupyter's inline backend shows them once at the end of the
cell. Widgets draw on a pyplot-free ``Figure`` and update its artists in place.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.patches import Rectangle

from course_utils import perceptron
from course_utils.tour import BanditRun, Segmentation

CLASS_COLOURS = ("#1f77b4", "#d62728")  # class -1 (or 0): blue, class +1: red
REGION_CMAP = ListedColormap(["#c6dbef", "#fcbba1"])


def data_extent(x: np.ndarray, *, pad: float = 0.5) -> tuple[float, float, float, float]:
    """(x_min, x_max, y_min, y_max) around 2D points x (ndarray[N, 2]), padded."""
    lo, hi = np.min(x, axis=0) - pad, np.max(x, axis=0) + pad
    return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])


class DecisionArtists(NamedTuple):
    """What ``draw_decision`` put on an axes, kept to update it in place."""

    regions: object  # AxesImage of the predicted class
    boundary: object  # Line2D of w . x + b = 0
    points: object  # PathCollection of the samples, coloured by true class
    wrong: object  # PathCollection of rings around misclassified samples
    extent: tuple[float, float, float, float]


def draw_decision(
    ax: Axes, x: np.ndarray, y: np.ndarray, w_tilde: np.ndarray, *, extent=None
) -> DecisionArtists:
    """Draw a 2D two-class set, the perceptron's regions and boundary, and its mistakes.

    Args:
        ax: the axes to draw on. x: ndarray[N, 2]. y: ndarray[N] in {-1, +1}.
        w_tilde: ndarray[3] = (w1, w2, b). extent: (x_min, x_max, y_min, y_max) or None.
    """
    extent = data_extent(x) if extent is None else extent
    regions = ax.imshow(np.zeros((2, 2)), extent=extent, origin="lower", cmap=REGION_CMAP,
                        vmin=-1, vmax=1, aspect="auto", interpolation="nearest", zorder=0)
    (boundary,) = ax.plot([], [], color="k", lw=2, label="w·x + b = 0")
    colours = np.where(np.asarray(y) == 1, CLASS_COLOURS[1], CLASS_COLOURS[0])
    points = ax.scatter(x[:, 0], x[:, 1], c=colours, s=40, edgecolors="k", zorder=3)
    wrong = ax.scatter([], [], s=220, facecolors="none", edgecolors="orange",
                       linewidths=2.5, zorder=4, label="misclassified")
    ax.set(xlim=extent[:2], ylim=extent[2:], xlabel="$x_1$", ylabel="$x_2$")
    artists = DecisionArtists(regions, boundary, points, wrong, extent)
    update_decision(artists, x, y, w_tilde)
    return artists


def update_decision(artists: DecisionArtists, x: np.ndarray, y: np.ndarray, w_tilde) -> int:
    """Redraw regions, boundary and mistake rings for new weights; return the error count."""
    artists.regions.set_data(perceptron.decision_grid(w_tilde, artists.extent, resolution=120))
    segment = perceptron.boundary_segment(w_tilde, artists.extent)
    artists.boundary.set_data(*(segment.T if segment is not None else ([], [])))
    wrong = perceptron.predict(w_tilde, x) != np.asarray(y)
    artists.wrong.set_offsets(x[wrong] if wrong.any() else np.empty((0, 2)))
    return int(wrong.sum())


def plot_decision(x, y, w_tilde, *, title: str = "", ax: Axes | None = None):
    """A static figure of ``draw_decision`` with a title that counts the mistakes."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.2, 4)) if ax is None else (ax.figure, ax)
    artists = draw_decision(ax, np.asarray(x, float), np.asarray(y), w_tilde)
    errors = update_decision(artists, np.asarray(x, float), np.asarray(y), w_tilde)
    ax.set_title(f"{title}\n{errors} of {len(y)} wrong".strip())
    return fig


def plot_training_curve(run: perceptron.PerceptronRun, *, title: str = "", ax=None):
    """Updates and errors per epoch of a perceptron run (a static figure)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3)) if ax is None else (ax.figure, ax)
    epochs = np.arange(1, len(run.epoch_errors) + 1)
    ax.plot(epochs, run.epoch_updates, "o-", label="updates during the epoch")
    ax.plot(epochs, run.epoch_errors, "s--", label="errors after the epoch")
    ax.set(xlabel="epoch", ylabel="count", title=title, ylim=(-0.2, None))
    ax.legend()
    return fig


def html_table(rows: Sequence[dict], *, caption: str = ""):
    """Show a list of dicts as an HTML table in a notebook (text in a terminal)."""
    from IPython.display import HTML

    if not rows:
        raise ValueError("html_table needs at least one row")
    head = "".join(f"<th>{html.escape(str(k))}</th>" for k in rows[0])
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row.values()) + "</tr>"
        for row in rows
    )
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return HTML(f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def _fmt(value) -> str:
    if isinstance(value, np.ndarray):
        return "(" + ", ".join(_fmt(v) for v in value.tolist()) + ")"
    if isinstance(value, float | np.floating):
        return f"{value:g}"
    return str(value)


# --- Notebook 00: the tour of vision tasks -------------------------------------------

BOX_COLOURS = ("#00e5ff", "#ffd400", "#ff3df2", "#7CFC00", "#ff8c00")


def _subplots(nrows: int, ncols: int, figsize: tuple[float, float], **kwargs):
    import matplotlib.pyplot as plt

    return plt.subplots(nrows, ncols, figsize=figsize, layout="constrained", **kwargs)


def _figure(figsize: tuple[float, float]):
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize, layout="constrained")


def draw_box(ax: Axes, box: Sequence[float], *, label: str = "", colour: str = BOX_COLOURS[0],
             dashed: bool = False) -> Rectangle:
    """Draw one ``(x1, y1, x2, y2)`` pixel box on an image axes, with its label.

    A solid box is labelled above its top-left corner, a dashed one inside its bottom-left
    corner, so a detection and a hand label on the same object do not hide each other.
    """
    x1, y1, x2, y2 = (float(v) for v in box)
    rect = Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, lw=2.5, edgecolor=colour,
                     linestyle="--" if dashed else "-")
    ax.add_patch(rect)
    if label:
        y = y2 - 4 if dashed else y1 - 4
        ax.text(x1 + (4 if dashed else 0), y, label, color="k", fontsize=9, va="bottom",
                bbox=dict(facecolor=colour, edgecolor="none", pad=1.5))
    return rect


def plot_top_k(photos: Mapping[str, np.ndarray], predictions: Mapping[str, list]):
    """Each photo beside a bar chart of its top-k ImageNet classes (notebook 00).

    Args:
        photos: name -> uint8 ``[H, W, 3]``.
        predictions: name -> ``[(class, probability), ...]`` from ``imagenet_top_k``.
    """
    fig, axes = _subplots(len(photos), 2, (9, 2.8 * len(photos)), squeeze=False,
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
    fig, ax = _subplots(1, 1, (5, 5 * height / width + 0.3))
    ax.imshow(image)
    for i, (label, box) in enumerate(boxes.items()):
        draw_box(ax, box, label=label, colour=BOX_COLOURS[i % len(BOX_COLOURS)],
                 dashed=label in dashed)
    ax.set(title=title, xticks=[], yticks=[])
    return fig


def plot_segmentation(gray: np.ndarray, seg: Segmentation):
    """Photo, semantic mask and instance labels side by side (notebook 00)."""
    from skimage.color import label2rgb

    fig, axes = _subplots(1, 3, (12, 3.6))
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
    fig = _figure((0.8 * ncols * len(groups) + 0.5, 0.85 * nrows + 0.6))
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
    fig, (left, right) = _subplots(1, 2, (11, 3.4))
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
