"""Figures of notebooks 11 and 12: boxes on scenes, proposals, default boxes, the YOLO grid,
precision-recall curves and mAP against training time."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from course_utils.boxes import box_iou
from course_utils.data.scenes import SHAPES
from course_utils.detection import default_boxes, match_anchors
from course_utils.plotting.base import BOX_COLOURS, draw_box, subplots

SHAPE_COLOURS = {1: BOX_COLOURS[0], 2: BOX_COLOURS[1], 3: BOX_COLOURS[2]}  # circle, square, tri.


def class_name(label: int) -> str:
    return SHAPES[int(label) - 1] if 1 <= int(label) <= len(SHAPES) else f"class {label}"


def _image(ax: Axes, image, title: str = "") -> None:
    """Show an image: an array [H, W, 3] or [H, W], a tensor [3, H, W], or a Scene."""
    image = np.asarray(getattr(image, "image", image))
    if image.ndim == 3 and image.shape[0] == 3:  # a [3, H, W] tensor
        image = image.transpose(1, 2, 0)
    ax.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=1)
    ax.set(title=title, xticks=[], yticks=[])


def draw_detections(ax: Axes, image, detections: dict | None = None, *,
                    targets: dict | None = None, title: str = "", labels: bool = True,
                    max_boxes: int | None = None, min_score: float = 0.0) -> None:
    """An image, its ground truth (dashed) and detections scoring at least ``min_score``
    (solid, "shape score")."""
    _image(ax, image, title)
    if targets is not None:
        for box in np.asarray(targets["boxes"]):
            draw_box(ax, box, colour="white", dashed=True)
    if detections is None:
        return
    boxes, scores = np.asarray(detections["boxes"]), np.asarray(detections["scores"])
    for i, (box, score, label) in enumerate(zip(boxes, scores, np.asarray(
            detections["labels"]), strict=True)):
        if max_boxes is not None and i >= max_boxes:
            break
        if score < min_score:
            continue
        text = f"{class_name(label)} {score:.2f}" if labels else ""
        draw_box(ax, box, label=text, colour=SHAPE_COLOURS.get(int(label), BOX_COLOURS[3]))


def plot_detections(images: Sequence, detections: Sequence[dict], *,
                    targets: Sequence[dict] | None = None, titles: Sequence[str] | None = None,
                    ncols: int = 4, size: float = 3.0, labels: bool = True,
                    min_score: float = 0.0):
    """Several images (or scenes) with their detections (solid) and ground truth (dashed,
    white)."""
    n = len(images)
    nrows = -(-n // ncols)
    fig, axes = subplots(nrows, min(n, ncols), (size * min(n, ncols), size * nrows + 0.3),
                         squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i >= n:
            ax.axis("off")
            continue
        draw_detections(ax, images[i], detections[i], targets=None if targets is None else
                        targets[i], title="" if titles is None else titles[i], labels=labels,
                        min_score=min_score)
    return fig


def plot_localisation(scenes, labels: np.ndarray, boxes: np.ndarray, *, n: int = 8):
    """One-object scenes: predicted box (solid) and class, true box dashed, IoU in the title."""
    fig, axes = subplots(1, n, (2.1 * n, 2.6))
    for ax, s, label, box in zip(axes, scenes[:n], labels, boxes, strict=False):
        iou = float(box_iou(torch.tensor(box[None]), torch.as_tensor(s.boxes[:1]))[0, 0])
        right = label == s.labels[0] and iou >= 0.5
        _image(ax, s.image, f"{class_name(label)}, IoU {iou:.2f} {'✓' if right else '✗'}")
        draw_box(ax, s.boxes[0], colour="white", dashed=True)
        draw_box(ax, box, colour=SHAPE_COLOURS[int(label)])
    return fig


def plot_windows(image, windows, *, sizes: Sequence[float], stride: int):
    """Sliding windows: a few of each size (left), then how densely they cover (right)."""
    fig, (left, right) = subplots(1, 2, (7.5, 3.9))
    _image(left, image, f"windows of {len(sizes)} sizes, stride {stride}")
    windows = np.asarray(windows)
    side = windows[:, 2] - windows[:, 0]
    for i, s in enumerate(sizes):
        chosen = windows[np.isclose(side, s)]
        for box in chosen[:: max(1, len(chosen) // 3)][:3]:
            draw_box(left, box, colour=BOX_COLOURS[i % len(BOX_COLOURS)])
    cover = np.zeros(np.asarray(image).shape[:2])
    for x1, y1, x2, y2 in windows.astype(int):
        cover[y1:y2, x1:x2] += 1
    shown = right.imshow(cover, cmap="magma")
    right.set(title=f"{len(windows)} windows: how many cover each pixel", xticks=[], yticks=[])
    fig.colorbar(shown, ax=right, shrink=0.8)
    return fig


def plot_proposals(images: Sequence, proposals: Sequence, *, titles: Sequence[str],
                   targets: Sequence | None = None, max_boxes: int = 400):
    """Region proposals as thin boxes; ground truth (if given) dashed and white."""
    fig, axes = subplots(1, len(images), (4.6 * len(images), 4.2))
    for i, (ax, image, props) in enumerate(zip(np.atleast_1d(axes), images, proposals,
                                               strict=True)):
        _image(ax, image, titles[i])
        for box in np.asarray(props)[:max_boxes]:
            x1, y1, x2, y2 = box
            ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, lw=0.6,
                                   edgecolor="#00e5ff", alpha=0.5))
        if targets is not None and targets[i] is not None:
            for box in np.asarray(targets[i]):
                draw_box(ax, box, colour="white", dashed=True)
    return fig


def _grid(ax: Axes, cells: int, size: float) -> None:
    for k in range(1, cells):
        ax.axhline(k * size / cells, color="white", lw=0.6, alpha=0.7)
        ax.axvline(k * size / cells, color="white", lw=0.6, alpha=0.7)


def plot_default_boxes(scene, *, maps: Sequence[tuple[int, Sequence[float]]],
                       ratios: Sequence[float], iou_threshold: float = 0.5):
    """SSD's default boxes (deck 000): ground truth, then each feature map's grid with the
    default boxes of every cell that matches an object (IoU >= threshold: solid, in the
    object's class colour; the other shapes of those cells dashed)."""
    size = scene.image.shape[0]
    fig, axes = subplots(1, 1 + len(maps), (3.6 * (1 + len(maps)), 3.9))
    _image(axes[0], scene.image, "image with ground truth")
    for box, label in zip(scene.boxes, scene.labels, strict=True):
        draw_box(axes[0], box, label=class_name(label), colour=SHAPE_COLOURS[int(label)])
    gt = torch.as_tensor(scene.boxes)
    for ax, (cells, scales) in zip(axes[1:], maps, strict=True):
        boxes = default_boxes(cells, size, scales=scales, ratios=ratios)
        matches = match_anchors(boxes, gt, high=iou_threshold, low=iou_threshold,
                                allow_low_quality_matches=False)
        per_cell = len(scales) * len(ratios)
        _image(ax, scene.image, f"{cells}x{cells} map: {int((matches >= 0).sum())} matched")
        _grid(ax, cells, size)
        for cell in sorted({int(i) // per_cell for i in torch.nonzero(matches >= 0)}):
            for i in range(cell * per_cell, (cell + 1) * per_cell):
                label = int(scene.labels[matches[i]]) if matches[i] >= 0 else None
                draw_box(ax, boxes[i], colour=SHAPE_COLOURS[label] if label else "#bbbbbb",
                         dashed=label is None)
        ax.set(xlim=(0, size), ylim=(size, 0))
    return fig


def plot_yolo_grid(scene, *, grid: int = 4):
    """YOLO: the cell holding an object's centre is responsible for predicting it."""
    size = scene.image.shape[0]
    fig, ax = subplots(1, 1, (4.2, 4.4))
    _image(ax, scene.image, f"YOLO's {grid}x{grid} grid: responsible cells")
    _grid(ax, grid, size)
    cell = size / grid
    for box, label in zip(scene.boxes, scene.labels, strict=True):
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        col, row = int(cx // cell), int(cy // cell)
        colour = SHAPE_COLOURS[int(label)]
        ax.add_patch(Rectangle((col * cell, row * cell), cell, cell, color=colour, alpha=0.35))
        draw_box(ax, box, colour=colour, dashed=True)
        ax.plot([cx], [cy], "o", color=colour, mec="k", ms=7)
    ax.set(xlim=(0, size), ylim=(size, 0))
    return fig


def plot_pr_curves(result, *, iou_threshold: float = 0.5):
    """Precision against recall per class at one IoU threshold, AP in the legend."""
    fig, ax = subplots(1, 1, (5.2, 3.8))
    t = result.iou_thresholds.index(iou_threshold)
    for row, c in enumerate(result.classes):
        curve = result.curves[c, iou_threshold]
        ax.step(np.r_[0, curve.recall], np.r_[1, curve.precision], where="post", lw=2,
                color=SHAPE_COLOURS.get(c, "k"),
                label=f"{class_name(c)}: AP {result.ap[row, t]:.3f}")
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1.02), ylim=(0, 1.02),
           title=f"precision-recall at IoU {iou_threshold}, held-out scenes")
    ax.legend(loc="lower left")
    return fig


def plot_map_vs_time(checkpoints: Sequence[dict], *, targets: tuple[float, float] = (0.95, 0.7)):
    """Held-out mAP@0.5 and mAP@[.5:.95] against training CPU seconds, with the targets."""
    fig, ax = subplots(1, 1, (5.6, 3.6))
    seconds = [c["cpu_seconds"] for c in checkpoints]
    for key, label, colour, target in (("map50", "mAP@0.5", "#1f77b4", targets[0]),
                                       ("map", "mAP@[.5:.95]", "#d62728", targets[1])):
        ax.plot(seconds, [c[key] for c in checkpoints], "o-", color=colour, label=label)
        ax.axhline(target, color=colour, ls=":", lw=1)
    ax.set(xlabel="training time (CPU seconds, one thread)", ylabel="held-out mAP",
           ylim=(0, 1), title="the detector learning")
    ax.legend(loc="lower right")
    return fig
