"""Figures of notebook 01: a perceptron's regions, boundary and mistakes; its learning curve."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from matplotlib.axes import Axes

from course_utils import perceptron
from course_utils.plotting.base import CLASS_COLOURS, REGION_CMAP, data_extent


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
