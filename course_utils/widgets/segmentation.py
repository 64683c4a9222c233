"""The widget of notebook 12: a held-out scene, its labels, a model's prediction and errors."""

from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np
import torch

from course_utils.metrics.segmentation import iou_from_confusion, pixel_confusion
from course_utils.plotting.segmentation import CLASS_NAMES, CLASS_PALETTE, overlay
from course_utils.segmentation import FCN, predict_probabilities
from course_utils.widgets.base import FigureImage, Widget

OVERLAYS = ("ground truth", "prediction", "errors")


def _default_scenes():
    from course_utils.data import make_scenes, scenes_to_tensors

    images, targets, _, _ = scenes_to_tensors(make_scenes(12, size=48, seed=1))
    return images, targets


class SegmentationViewer(Widget):
    """Pick a held-out scene and a model; show the ground truth, the prediction or its
    errors over the scene, one class's probability map, and per-class IoU (this scene and
    all of them).

    Args:
        models: name -> trained segmentation network; default an untrained ``FCN`` (for
            tests: the wiring is what is tested).
        images: float [N, 3, H, W] held-out scenes; targets: int [N, H, W] their class maps.

    Every model's probabilities are computed once, here, so a redraw only draws.
    """

    PRESETS = {  # scene numbers of notebook 12's held-out scenes (make_scenes(..., seed=1))
        "where the triangles go wrong": {"scene": 7, "overlay": "errors", "klass": "triangle"},
        "a circle the U-Net misses": {"scene": 4, "overlay": "errors", "klass": "circle"},
        "ground truth": {"scene": 0, "overlay": "ground truth", "klass": "background"},
    }

    def __init__(self, models: dict | None = None, images=None, targets=None):
        if models is None:
            torch.manual_seed(0)
            models = {"untrained FCN": FCN()}
        if images is None or targets is None:
            images, targets = _default_scenes()
        self.images = images.permute(0, 2, 3, 1).numpy().clip(0, 1)
        self.targets = np.asarray(targets)
        self.probabilities = {name: predict_probabilities(m, images).numpy()
                              for name, m in models.items()}
        k = len(CLASS_NAMES)
        self.dataset_iou = {name: iou_from_confusion(pixel_confusion(
            self.targets, p.argmax(1), num_classes=k)) for name, p in self.probabilities.items()}
        cont = dict(continuous_update=False)
        self.scene = widgets.IntSlider(value=0, min=0, max=len(self.images) - 1,
                                       description="scene", **cont)
        self.model = widgets.Dropdown(options=list(models), description="model")
        self.overlay = widgets.ToggleButtons(options=OVERLAYS, value="prediction",
                                             description="show")
        self.klass = widgets.Dropdown(options=list(CLASS_NAMES), value="triangle",
                                      description="class")
        self.status = widgets.HTML()
        self.plot = FigureImage((7.6, 3.2), ncols=2)
        self._build()
        self.box = widgets.VBox([widgets.HBox([self.scene, self.model]),
                                 widgets.HBox([self.overlay, self.klass]), self.plot.image,
                                 self.status])
        for control in (self.scene, self.model, self.overlay, self.klass):
            control.observe(self._redraw, names="value")
        self._redraw()

    def _build(self) -> None:
        left, right = self.plot.axes
        blank = np.zeros_like(self.images[0])
        self._shown = left.imshow(blank, interpolation="nearest")
        self._prob = right.imshow(blank[..., 0], cmap="magma", vmin=0, vmax=1,
                                  interpolation="nearest")
        self.plot.figure.colorbar(self._prob, ax=right, shrink=0.8)
        for ax in (left, right):
            ax.set(xticks=[], yticks=[])

    def _redraw(self, change=None) -> None:
        i, name = self.scene.value, self.model.value
        probs, target = self.probabilities[name][i], self.targets[i]
        self.current, self.prediction = probs, probs.argmax(0)
        shown = {"ground truth": lambda: overlay(self.images[i], target),
                 "prediction": lambda: overlay(self.images[i], self.prediction),
                 "errors": lambda: overlay(self.images[i], target,
                                           errors=self.prediction != target)}
        self.shown = shown[self.overlay.value]()
        self._shown.set_data(self.shown)
        c = CLASS_NAMES.index(self.klass.value)
        self._prob.set_data(probs[c])
        wrong = int((self.prediction != target).sum())
        left, right = self.plot.axes
        left.set_title(f"{self.overlay.value} ({wrong} wrong pixels)", fontsize=9)
        right.set_title(f"P({self.klass.value}) per pixel", fontsize=9)
        self.scene_iou = iou_from_confusion(pixel_confusion(target, self.prediction,
                                                            num_classes=len(CLASS_NAMES)))
        self.status.value = self._table(name)
        self.plot.render()

    def _table(self, name: str) -> str:
        def cell(v):
            return "&ndash;" if np.isnan(v) else f"{v:.3f}"

        head = "".join(f"<th style='color:{c if n != 'background' else '#555'}'>"
                       f"{html.escape(n)}</th>" for n, c in zip(CLASS_NAMES, CLASS_PALETTE,
                                                               strict=True))
        rows = [("this scene", self.scene_iou),
                (f"all {len(self.images)} scenes", self.dataset_iou[name])]
        body = "".join(f"<tr><td>{label}</td>" + "".join(f"<td>{cell(v)}</td>" for v in ious)
                       + f"<td><b>{np.nanmean(ious):.3f}</b></td></tr>" for label, ious in rows)
        return (f"<table><caption>IoU per class of {html.escape(name)} (&ndash;: class absent)"
                f"</caption><thead><tr><th></th>{head}<th>mean IoU</th></tr></thead>"
                f"<tbody>{body}</tbody></table>")

