"""Figures of notebook 13: label maps, overlays, the checkerboard, Mask R-CNN's masks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.colors import ListedColormap, to_rgb
from matplotlib.patches import Patch

from course_utils.plotting.base import BOX_COLOURS, draw_box, subplots
from course_utils.plotting.detection import SHAPE_COLOURS, class_name

CLASS_NAMES = ("background", "circle", "square", "triangle")
CLASS_PALETTE = ("#1b1b1b", "#ff7f0e", "#17becf", "#e377c2")  # one colour per class id
CLASS_CMAP = ListedColormap(CLASS_PALETTE)
ERROR_COLOUR = "#ff1744"


def colourise(labels: np.ndarray, palette: Sequence[str] = CLASS_PALETTE) -> np.ndarray:
    """float [H, W, 3]: each class id painted with its palette colour."""
    labels = np.asarray(labels)
    if labels.min() < 0 or labels.max() >= len(palette):
        raise ValueError(f"labels must be ids in 0..{len(palette) - 1}, got {labels.min()}.."
                         f"{labels.max()}")
    return np.array([to_rgb(c) for c in palette])[labels]


def overlay(image: np.ndarray, labels: np.ndarray, *, alpha: float = 0.55,
            errors: np.ndarray | None = None) -> np.ndarray:
    """The image with each object pixel tinted by its class colour (background untouched);
    with ``errors`` (bool [H, W]) the wrong pixels are red and the rest greyed out."""
    image = np.asarray(image, dtype=float)
    if errors is not None:
        grey = image.mean(axis=2, keepdims=True).repeat(3, axis=2) * 0.6
        return np.where(np.asarray(errors)[..., None], to_rgb(ERROR_COLOUR), grey)
    tinted = (1 - alpha) * image + alpha * colourise(labels)
    return np.where((np.asarray(labels) > 0)[..., None], tinted, image)


def _legend(ax, names: Sequence[str] = CLASS_NAMES) -> None:
    ax.legend(handles=[Patch(color=c, label=n) for c, n in zip(CLASS_PALETTE, names,
                                                                 strict=False)],
              loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)


def plot_semantic_vs_instance(image: np.ndarray, semantic: np.ndarray, instances: np.ndarray,
                              boxes: np.ndarray | None = None):
    """Image, semantic map (one colour per class) and instance map (one per object)."""
    fig, axes = subplots(1, 3, (10.5, 3.3))
    axes[0].imshow(image)
    axes[1].imshow(colourise(semantic))
    count = int(instances.max())
    palette = ("#1b1b1b", *[BOX_COLOURS[k % len(BOX_COLOURS)] for k in range(count)])
    axes[2].imshow(colourise(instances, palette))
    for k, box in enumerate([] if boxes is None else boxes):
        draw_box(axes[2], box, label=f"object {k + 1}", colour=palette[k + 1], dashed=True)
    titles = ("scene", "semantic: a class per pixel",
              f"instance: an object per pixel ({count} objects)")
    for ax, title in zip(axes, titles, strict=True):
        ax.set(title=title, xticks=[], yticks=[])
    _legend(axes[1])
    return fig


def plot_label_maps(image: np.ndarray, maps: Mapping[str, np.ndarray]):
    """An image, then class-id maps side by side, class colours and a legend."""
    fig, axes = subplots(1, len(maps) + 1, (2.7 * (len(maps) + 1) + 1.2, 2.9))
    axes[0].imshow(image)
    axes[0].set(title="scene", xticks=[], yticks=[])
    for ax, (title, labels) in zip(axes[1:], maps.items(), strict=True):
        ax.imshow(colourise(labels), interpolation="nearest")
        ax.set(title=title, xticks=[], yticks=[])
    _legend(axes[-1])
    return fig


def plot_overlaps(counts: Mapping[str, np.ndarray]):
    """How many transposed-convolution stamps land on each output pixel, numbers written in:
    uneven counts are the checkerboard."""
    fig, axes = subplots(1, len(counts), (3.2 * len(counts), 3.3))
    top = max(float(np.max(c)) for c in counts.values())
    for ax, (title, grid) in zip(np.atleast_1d(axes), counts.items(), strict=True):
        ax.imshow(grid, cmap="viridis", vmin=0, vmax=top, interpolation="nearest")
        if grid.size <= 144:
            for (i, j), v in np.ndenumerate(grid):
                ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize=7,
                        color="w" if v < top / 2 else "k")
        ax.set(title=title, xticks=[], yticks=[])
    return fig


def plot_predictions(images: np.ndarray, targets: np.ndarray,
                     predictions: Mapping[str, np.ndarray], titles: Sequence[str] = ()):
    """One row per scene: the scene, its ground truth, then each model's prediction with
    its wrong pixels outlined in red."""
    n, cols = len(images), 2 + len(predictions)
    fig, axes = subplots(n, cols, (2.2 * cols + 1.0, 2.2 * n), squeeze=False)
    for r in range(n):
        axes[r, 0].imshow(images[r])
        axes[r, 0].set_ylabel(titles[r] if r < len(titles) else "", fontsize=8)
        axes[r, 1].imshow(colourise(targets[r]), interpolation="nearest")
        for c, pred in enumerate(predictions.values(), start=2):
            axes[r, c].imshow(colourise(pred[r]), interpolation="nearest")
            wrong = np.ma.masked_where(pred[r] == targets[r], np.ones(pred[r].shape))
            axes[r, c].imshow(wrong, cmap=ListedColormap([ERROR_COLOUR]), alpha=0.6,
                              interpolation="nearest")
    for c, title in enumerate(("scene", "ground truth", *predictions)):
        axes[0, c].set_title(title, fontsize=9)
    for ax in axes.flat:
        ax.set(xticks=[], yticks=[])
    _legend(axes[0, -1])
    return fig


def plot_losses(losses: Mapping[str, Sequence[float]], *, smooth: int = 20):
    """Training loss per step of each run (a running mean over ``smooth`` steps)."""
    fig, ax = subplots(1, 1, (6.0, 2.8))
    for name, values in losses.items():
        values = np.asarray(values, dtype=float)
        k = min(smooth, len(values))
        ax.plot(np.arange(k, len(values) + 1), np.convolve(values, np.ones(k) / k, "valid"),
                label=name)
    ax.set(xlabel="step", ylabel="cross-entropy (running mean)", yscale="log")
    ax.legend(fontsize=8)
    return fig


def plot_mask_targets(image: np.ndarray, boxes: np.ndarray, crops: np.ndarray,
                      targets: np.ndarray, pasted: np.ndarray, masks: np.ndarray):
    """Per object: the scene with its box, RoIAlign's 28 x 28 crop of the image, the 28 x 28
    mask target, and that mask pasted back into the image beside the true mask."""
    n = len(boxes)
    fig, axes = subplots(n, 4, (9.0, 2.3 * n), squeeze=False)
    for k in range(n):
        axes[k, 0].imshow(image)
        draw_box(axes[k, 0], boxes[k], colour=BOX_COLOURS[k % len(BOX_COLOURS)])
        axes[k, 1].imshow(np.clip(crops[k], 0, 1))
        axes[k, 2].imshow(targets[k], cmap="gray", vmin=0, vmax=1)
        both = np.stack([pasted[k] & ~masks[k], pasted[k] & masks[k], masks[k] & ~pasted[k]],
                        axis=-1).astype(float)
        axes[k, 3].imshow(both)
    for c, title in enumerate(("box", "RoIAlign of the image, 28x28", "mask target, 28x28",
                               "pasted back: green both, red extra, blue missed")):
        axes[0, c].set_title(title, fontsize=8)
    for ax in axes.flat:
        ax.set(xticks=[], yticks=[])
    return fig


def _class_map(shape: tuple[int, int], masks: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """int [H, W]: each pixel the label of the first mask (in order) that covers it."""
    out = np.zeros(shape, np.int64)
    for mask, label in zip(masks[::-1], labels[::-1], strict=True):  # the first ends on top
        out[mask] = label
    return out


def plot_instance_masks(scenes: Sequence, detections: Sequence[dict], *,
                        titles: Sequence[str] = (), min_score: float = 0.5,
                        mask_threshold: float = 0.5):
    """One column per scene. Top: its objects' true masks tinted by class, boxes dashed.
    Bottom: Mask R-CNN's detections scoring at least ``min_score`` (``detections[i]`` as
    torchvision returns them: ``boxes``, ``labels``, ``scores``, ``masks`` [R, 1, H, W]
    probabilities), each mask (probability >= ``mask_threshold``) tinted by its predicted
    class, the best-scoring on top, boxes solid with class and score."""
    if len(detections) != len(scenes):
        raise ValueError(f"{len(detections)} detections for {len(scenes)} scenes: one per scene")
    n = len(scenes)
    fig, axes = subplots(2, n, (2.4 * n + 1.2, 5.0), squeeze=False)
    for c, (scene, det) in enumerate(zip(scenes, detections, strict=True)):
        axes[0, c].imshow(overlay(scene.image, _class_map(scene.image.shape[:2], scene.masks,
                                                          np.asarray(scene.labels))))
        for box, label in zip(scene.boxes, scene.labels, strict=True):
            draw_box(axes[0, c], box, colour=SHAPE_COLOURS[int(label)], dashed=True)
        keep = np.asarray(det["scores"]) >= min_score
        masks = np.asarray(det["masks"])[keep, 0] >= mask_threshold
        labels, scores = np.asarray(det["labels"])[keep], np.asarray(det["scores"])[keep]
        axes[1, c].imshow(overlay(scene.image, _class_map(scene.image.shape[:2], masks, labels)))
        for box, label, score in zip(np.asarray(det["boxes"])[keep], labels, scores, strict=True):
            draw_box(axes[1, c], box, label=f"{class_name(label)} {score:.2f}",
                     colour=SHAPE_COLOURS[int(label)])
        axes[0, c].set_title(titles[c] if c < len(titles) else "", fontsize=9)
    axes[0, 0].set_ylabel("true masks", fontsize=9)
    axes[1, 0].set_ylabel(f"Mask R-CNN (score ≥ {min_score:g})", fontsize=9)
    for ax in axes.flat:
        ax.set(xticks=[], yticks=[])
    _legend(axes[0, -1])
    return fig
