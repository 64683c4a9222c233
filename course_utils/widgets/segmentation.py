"""The widget of notebook 13: a held-out scene, its labels, a model's prediction and errors."""

from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np
import torch

from course_utils.metrics.segmentation import iou_from_confusion, pixel_confusion
from course_utils.plotting.segmentation import CLASS_NAMES, CLASS_PALETTE, overlay
from course_utils.segmentation import FCN, UPSAMPLING, fcn_combine, fcn_parts, predict_probabilities
from course_utils.widgets.base import FigureImage, Widget

OVERLAYS = ("ground truth", "prediction", "errors")
SKIPS = (("1/8 scores only", 0), ("+ the 1/4 skip", 1), ("+ 1/4 and 1/2 (FCN-8s)", 2))


def _default_scenes():
    from course_utils.data import make_scenes, scenes_to_tensors

    images, targets, _, _ = scenes_to_tensors(make_scenes(12, size=48, seed=1))
    return images, targets


class SegmentationViewer(Widget):
    """Pick a held-out scene and a model; show the ground truth, the prediction or its
    errors over the scene, one class's probability map, and per-class IoU (this scene and
    all of them). For an ``FCN``, two controls change the network it runs: which skips
    are added on the way up, and whether each x2 upsampling is the learned transposed
    convolution or fixed bilinear / nearest upsampling (``fcn_scores``); the predictions of
    every shown scene are recomputed with that variant.

    Args:
        models: name -> trained segmentation network; default an untrained ``FCN`` (for
            tests: the wiring is what is tested).
        images: float [N, 3, H, W] held-out scenes; targets: int [N, H, W] their class maps.

    Each model's probabilities are computed once, here; an FCN variant recombines the FCN's
    three score maps (kept from that one pass) for every shown scene at each change.
    """

    PRESETS = {  # scene numbers of notebook 13's held-out scenes (make_scenes(..., seed=1))
        "where the triangles go wrong": {"scene": 7, "overlay": "errors", "klass": "triangle"},
        "a circle the U-Net misses": {"scene": 4, "overlay": "errors", "klass": "circle"},
        "ground truth": {"scene": 0, "overlay": "ground truth", "klass": "background"},
        "the FCN without its skips": {"scene": 7, "overlay": "errors", "skips": 0},
    }

    def __init__(self, models: dict | None = None, images=None, targets=None):
        if models is None:
            torch.manual_seed(0)
            models = {"untrained FCN": FCN()}
        if images is None or targets is None:
            images, targets = _default_scenes()
        self.models, self.inputs = dict(models), images
        self.images = images.permute(0, 2, 3, 1).numpy().clip(0, 1)
        self.targets = np.asarray(targets)
        self.probabilities, self.dataset_iou = {}, {}  # by model name, or (name, skips, upsample)
        self._parts = {}  # FCN name -> its score maps of every scene (fcn_parts)
        cont = dict(continuous_update=False)
        self.scene = widgets.IntSlider(value=0, min=0, max=len(self.images) - 1,
                                       description="scene", **cont)
        self.model = widgets.Dropdown(options=list(models), description="model")
        self.overlay = widgets.ToggleButtons(options=OVERLAYS, value="prediction",
                                             description="show")
        self.klass = widgets.Dropdown(options=list(CLASS_NAMES), value="triangle",
                                      description="class")
        self.skips = widgets.Dropdown(options=SKIPS, value=2, description="FCN skips")
        self.upsample = widgets.Dropdown(options=UPSAMPLING, value="learned",
                                         description="upsampling")
        self.status = widgets.HTML()
        self.plot = FigureImage((7.6, 3.2), ncols=2)
        self._build()
        self.box = widgets.VBox([widgets.HBox([self.scene, self.model]),
                                 widgets.HBox([self.overlay, self.klass]),
                                 widgets.HBox([self.skips, self.upsample]), self.plot.image,
                                 self.status])
        for control in (self.scene, self.model, self.overlay, self.klass, self.skips,
                        self.upsample):
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

    def _variant(self):
        """(key, name shown) of the network to run: the model, or an FCN variant."""
        name, model = self.model.value, self.models[self.model.value]
        is_fcn = isinstance(model, FCN)
        self.skips.disabled = self.upsample.disabled = not is_fcn
        if not is_fcn or (self.skips.value, self.upsample.value) == (2, "learned"):
            return name, name
        skips = dict((v, k) for k, v in SKIPS)[self.skips.value]
        label = f"{name}, {skips}, {self.upsample.value} upsampling"
        return (name, self.skips.value, self.upsample.value), label

    def _run(self, key) -> np.ndarray:
        """Probabilities [N, K, H, W] of every shown scene under one variant (computed once)."""
        if isinstance(key, str):
            if key not in self.probabilities:
                self._store(key, predict_probabilities(self.models[key], self.inputs))
        else:  # an FCN variant: recomputed from the kept score maps at every change
            name, skips, upsample = key
            model = self.models[name].eval()
            with torch.no_grad():
                if name not in self._parts:
                    self._parts[name] = fcn_parts(model, self.inputs)
                self._store(key, fcn_combine(model, self._parts[name], skips=skips,
                                             upsample=upsample).softmax(1))
        return self.probabilities[key]

    def _store(self, key, probs: torch.Tensor) -> None:
        self.probabilities[key] = probs.numpy()
        self.dataset_iou[key] = iou_from_confusion(pixel_confusion(
            self.targets, self.probabilities[key].argmax(1), num_classes=len(CLASS_NAMES)))

    def _redraw(self, change=None) -> None:
        i = self.scene.value
        key, name = self._variant()
        probs, target = self._run(key)[i], self.targets[i]
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
        self.status.value = self._table(key, name)
        self.plot.render()

    def _table(self, key, name: str) -> str:
        def cell(v):
            return "&ndash;" if np.isnan(v) else f"{v:.3f}"

        head = "".join(f"<th style='color:{c if n != 'background' else '#555'}'>"
                       f"{html.escape(n)}</th>" for n, c in zip(CLASS_NAMES, CLASS_PALETTE,
                                                               strict=True))
        rows = [("this scene", self.scene_iou),
                (f"all {len(self.images)} scenes", self.dataset_iou[key])]
        body = "".join(f"<tr><td>{label}</td>" + "".join(f"<td>{cell(v)}</td>" for v in ious)
                       + f"<td><b>{np.nanmean(ious):.3f}</b></td></tr>" for label, ious in rows)
        return (f"<table><caption>IoU per class of {html.escape(name)} (&ndash;: class absent)"
                f"</caption><thead><tr><th></th>{head}<th>mean IoU</th></tr></thead>"
                f"<tbody>{body}</tbody></table>")

