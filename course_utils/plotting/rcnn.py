"""Figures of notebook 11's Faster R-CNN: the RPN's proposals (first stage) and the box head's
refined, classified detections (second stage), with the ground truth dashed.

``StagePanels`` is built once and updated in place (``TwoStageExplorer`` redraws it);
``plot_rpn_before_after`` is the notebook's figure: an untrained and a trained copy of one
model, each stage of each.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import PolyCollection

from course_utils.plotting.base import BOX_COLOURS, subplots
from course_utils.plotting.detection import SHAPE_COLOURS, class_name
from course_utils.plotting.faces import box_polygons

PROPOSAL_COLOUR = BOX_COLOURS[0]
MAX_LABELS = 12  # detections labelled "shape score"; more would hide the scene


def _top(stages: dict, top: int) -> np.ndarray:
    """The ``top`` proposals by objectness (``rpn_proposals`` gives them best first)."""
    return np.asarray(stages["proposals"])[:top]


def _confident(stages: dict, min_score: float) -> dict:
    det = stages["detections"]
    keep = np.asarray(det["scores"]) >= min_score
    return {k: np.asarray(v)[keep] for k, v in det.items() if k in ("boxes", "scores", "labels")}


class StagePanels:
    """Two image axes: the top-k proposals (left) and the detections scoring at least a
    threshold (right), ground truth dashed in both. Artists are made once; ``update`` sets
    their data."""

    def __init__(self, axes, image: np.ndarray):
        self.axes = tuple(axes)
        self.images, self.truth, self.labels = [], [], []
        for ax in self.axes:
            self.images.append(ax.imshow(image, vmin=0, vmax=1, interpolation="nearest"))
            ax.set(xticks=[], yticks=[])
            self.truth.append(ax.add_collection(PolyCollection(
                [], facecolors="none", edgecolors="white", linestyles="--", linewidths=1.5)))
        self.proposals = self.axes[0].add_collection(PolyCollection(
            [], facecolors="none", edgecolors=PROPOSAL_COLOUR, linewidths=0.8, alpha=0.8))
        self.detections = self.axes[1].add_collection(PolyCollection(
            [], facecolors="none", linewidths=2.0))

    def update(self, image: np.ndarray, stages: dict, truth: np.ndarray, *, top: int,
               min_score: float, titles: tuple[str, str]) -> dict:
        """Draw ``stages`` (from ``rcnn.two_stages``); returns the detections drawn."""
        size = image.shape[0]
        for artist, ax, gt, title in zip(self.images, self.axes, self.truth, titles,
                                         strict=True):
            artist.set_data(image)
            artist.set_extent((0, size, size, 0))
            ax.set(xlim=(0, size), ylim=(size, 0))
            ax.set_title(title, fontsize=9)
            gt.set_verts(box_polygons(np.asarray(truth)))
        self.proposals.set_verts(box_polygons(_top(stages, top)))
        det = _confident(stages, min_score)
        self.detections.set_verts(box_polygons(det["boxes"]))
        self.detections.set_edgecolors([SHAPE_COLOURS.get(int(c), BOX_COLOURS[3])
                                        for c in det["labels"]])
        for text in self.labels:
            text.remove()
        self.labels = [self.axes[1].text(
            box[0], box[1] - 1, f"{class_name(label)} {score:.2f}", fontsize=7, va="bottom",
            bbox=dict(facecolor=SHAPE_COLOURS.get(int(label), BOX_COLOURS[3]),
                      edgecolor="none", pad=1))
            for box, score, label in list(zip(det["boxes"], det["scores"], det["labels"],
                                              strict=True))[:MAX_LABELS]]
        return det


def _panels(axes_row, image, stages, truth, *, top, min_score, titles) -> StagePanels:
    panels = StagePanels(axes_row, image)
    panels.update(image, stages, truth, top=top, min_score=min_score, titles=titles)
    return panels


def plot_rpn_before_after(scene, before: dict, after: dict, *, top: int = 20,
                          min_score: float = 0.5):
    """The same scene through an untrained and a trained copy of one model: proposals and
    detections of each, one row per model."""
    fig, axes = subplots(2, 2, (8.4, 8.6))
    for row, stages, name in ((axes[0], before, "untrained"), (axes[1], after, "trained")):
        n = int((np.asarray(stages["detections"]["scores"]) >= min_score).sum())
        _panels(row, scene.image, stages, scene.boxes, top=top, min_score=min_score,
                titles=(f"{name}: top {min(top, len(stages['proposals']))} proposals",
                        f"{name}: {n} detections with score ≥ {min_score:g}"))
    return fig

