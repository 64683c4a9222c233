"""Figures of MTCNN's cascade (notebook 12): the pyramid and each stage's boxes on the photo."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection

from course_utils.faces import Faces, Stage
from course_utils.plotting.base import BOX_COLOURS, subplots

STAGE_COLOURS = {"P-Net windows": BOX_COLOURS[1], "after NMS": BOX_COLOURS[2],
                 "after R-Net": BOX_COLOURS[0], "after O-Net": BOX_COLOURS[0]}


def box_polygons(boxes: np.ndarray) -> list[np.ndarray]:
    """(N, 4) ``(x1, y1, x2, y2)`` boxes as N closed 4-corner polygons for a PolyCollection."""
    return [np.array([[x1, y1], [x2, y1], [x2, y2], [x1, y2]]) for x1, y1, x2, y2 in boxes]


def stage_title(stage: Stage) -> str:
    return f"{stage.name}: {len(stage.boxes)} boxes, {stage.seconds * 1000:.0f} ms"


def draw_stage(ax: Axes, image: np.ndarray, stage: Stage, *,
               landmarks: np.ndarray | None = None) -> PolyCollection:
    """The photo with one stage's boxes (and O-Net's landmarks); returns the boxes' artist."""
    ax.imshow(image)
    boxes = PolyCollection(box_polygons(stage.boxes), facecolors="none", linewidths=1.2,
                           edgecolors=STAGE_COLOURS.get(stage.name, BOX_COLOURS[0]))
    ax.add_collection(boxes)
    if landmarks is not None and len(landmarks):
        ax.plot(landmarks[..., 0].ravel(), landmarks[..., 1].ravel(), "o", ms=3,
                color=BOX_COLOURS[3])
    ax.set_title(stage_title(stage), fontsize=9)
    ax.set_axis_off()
    return boxes


def draw_pyramid(ax: Axes, image: np.ndarray, scales: list[float]) -> None:
    """The photo with, for each scale, the square face size that fills P-Net's 12-px window."""
    ax.imshow(image)
    sides = [12 / s for s in scales]
    ax.add_collection(PolyCollection(box_polygons([(2, 2, 2 + d, 2 + d) for d in sides]),
                                     facecolors="none", edgecolors=BOX_COLOURS[3],
                                     linewidths=1))
    span = f"{sides[0]:.0f} to {sides[-1]:.0f} px" if sides else "none: photo too small"
    ax.set_title(f"pyramid: {len(scales)} scales, faces {span}", fontsize=9)
    ax.set_axis_off()


def plot_face_stages(image: np.ndarray, faces: Faces):
    """Five panels: the pyramid, P-Net's windows, after NMS, after R-Net, after O-Net."""
    fig, axes = subplots(1, 5, (15, 3.4))
    draw_pyramid(axes[0], image, faces.scales)
    for ax, stage in zip(axes[1:], faces.stages, strict=True):
        last = stage is faces.stages[-1]
        draw_stage(ax, image, stage, landmarks=faces.landmarks if last else None)
    return fig
