"""Widgets of notebook 08: feature maps, draw your own digit, the ROC threshold."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import torch

from course_utils.cnn import LeNet5, class_probabilities, feature_maps, upsample_digits
from course_utils.metrics.classification import confusion_at_threshold, roc_curve
from course_utils.widgets.base import FigureImage, Widget, new_control

LAYERS = ("conv1", "relu1", "pool1", "conv2", "relu2", "pool2")


class FeatureMapViewer(Widget):
    """Pick a test digit, a layer and a channel: the filter and the map it produces."""

    def __init__(self, model: LeNet5, images: torch.Tensor, labels, *, normalise=None):
        self.model, self.images, self.labels = model, images, np.asarray(labels)
        self.normalise = normalise or (lambda x: x)
        cont = dict(continuous_update=False)
        self.index = widgets.IntSlider(value=0, min=0, max=len(images) - 1, description="digit",
                                       **cont)
        self.layer = widgets.Dropdown(options=LAYERS, value="relu1", description="layer")
        self.channel = widgets.IntSlider(value=0, min=0, max=5, description="channel", **cont)
        self.status = widgets.HTML()
        self.plot = FigureImage((8.4, 2.9), ncols=3)
        self.box = widgets.VBox([widgets.HBox([self.index, self.layer, self.channel]),
                                 self.status, self.plot.image])
        for control in (self.index, self.layer, self.channel):
            control.observe(self._redraw, names="value")
        self._redraw()

    def _redraw(self, change=None) -> None:
        x = self.images[self.index.value:self.index.value + 1]
        maps = feature_maps(self.model, self.normalise(x))
        fmap = maps[self.layer.value][0]
        self.channel.max = fmap.shape[0] - 1
        c = min(self.channel.value, fmap.shape[0] - 1)
        self.current = fmap[c].numpy()
        conv = self.model.features[0 if self.layer.value.endswith("1") else 3]
        kernel = conv.weight[c].detach().numpy().mean(axis=0)  # averaged over input channels
        axes = self.plot.axes
        for ax, image, title, cmap in (
                (axes[0], x[0, 0].numpy(), f"digit {self.labels[self.index.value]}", "gray_r"),
                (axes[1], kernel, f"filter {c} of {self.layer.value[:-1]}{self.layer.value[-1]}",
                 "coolwarm"),
                (axes[2], self.current, f"{self.layer.value}, channel {c}", "magma")):
            ax.clear()
            ax.imshow(image, cmap=cmap)
            ax.set(title=title, xticks=[], yticks=[])
        probs = class_probabilities(self.model, self.normalise(x))[0]
        self.status.value = (f"predicted <b>{probs.argmax()}</b> ({probs.max():.0%}) · map "
                             f"{self.layer.value} is {fmap.shape[1]}x{fmap.shape[2]}, "
                             f"{fmap.shape[0]} channels")
        self.plot.render()


class DigitPainter(Widget):
    """Paint an 8x8 digit (the data's own resolution) with clicks; LeNet reads it live.

    Each click sets a cell to the chosen intensity; ``clear`` blanks the grid; ``load``
    copies a test digit in to edit. ``cells`` is the 8x8 array in [0, 1]; ``set_cells``
    paints programmatically (tests use it).
    """

    def __init__(self, model: LeNet5, test_images=None, *, normalise=None):
        self.model, self.normalise = model, normalise or (lambda x: x)
        self.test_images = None if test_images is None else np.asarray(test_images)
        self.cells = np.zeros((8, 8))
        self.level = widgets.ToggleButtons(options=[("ink", 1.0), ("grey", 0.5), ("erase", 0.0)],
                                           value=1.0, description="brush")
        self.clear = widgets.Button(description="clear")
        self.load_index = widgets.BoundedIntText(value=0, min=0, max=max(
            0, 0 if self.test_images is None else len(self.test_images) - 1),
            description="test digit", layout=widgets.Layout(width="180px"))
        self.load = widgets.Button(description="load")
        self.buttons = [[widgets.Button(layout=widgets.Layout(width="30px", height="30px",
                                                              padding="0"))
                         for _ in range(8)] for _ in range(8)]
        for i, row in enumerate(self.buttons):
            for j, button in enumerate(row):
                button.on_click(lambda _, i=i, j=j: self.paint(i, j))
        grid = widgets.GridBox([b for row in self.buttons for b in row],
                               layout=widgets.Layout(grid_template_columns="repeat(8, 32px)"))
        self.status = widgets.HTML()
        self.plot = FigureImage((6.0, 2.6), ncols=2)
        self.clear.on_click(lambda _: self.set_cells(np.zeros((8, 8))))
        self.load.on_click(lambda _: self.set_cells(self.test_images[self.load_index.value]))
        self.box = widgets.VBox([widgets.HBox([self.level, self.clear, self.load_index,
                                               self.load]),
                                 widgets.HBox([grid, self.plot.image]), self.status])
        self._update()

    def paint(self, i: int, j: int) -> None:
        self.cells[i, j] = self.level.value
        self._update()

    def set_cells(self, cells) -> None:
        cells = np.asarray(cells, dtype=float).reshape(8, 8)
        if not np.isfinite(cells).all() or cells.min() < 0 or cells.max() > 1:
            raise ValueError("cells must be 8x8 intensities in [0, 1]")
        self.cells = cells.copy()
        self._update()

    def _update(self) -> None:
        for i, row in enumerate(self.buttons):
            for j, button in enumerate(row):
                v = int(255 * (1 - self.cells[i, j]))
                button.style.button_color = f"rgb({v},{v},{v})"
        x = self.normalise(upsample_digits(self.cells[None]))
        self.probabilities = class_probabilities(self.model, x)[0]
        maps = feature_maps(self.model, x)["relu1"][0].numpy()
        left, right = self.plot.axes
        left.clear()
        left.bar(range(10), self.probabilities, color="#4c72b0")
        left.set(xticks=range(10), ylim=(0, 1), title="LeNet's probabilities")
        right.clear()
        right.imshow(np.hstack(maps[:3]), cmap="magma")
        right.set(title="relu1, channels 0-2", xticks=[], yticks=[])
        best = int(self.probabilities.argmax())
        self.status.value = f"LeNet says <b>{best}</b> ({self.probabilities[best]:.0%})"
        self.plot.render()


class RocExplorer(Widget):
    """One class against the rest: move the threshold along the ROC curve (deck 002)."""

    def __init__(self, probabilities, labels, *, digit: int = 8):
        self.probabilities, self.labels = np.asarray(probabilities), np.asarray(labels)
        cont = dict(continuous_update=False)
        self.digit = new_control(widgets.Dropdown, "digit",
                                 options=list(range(self.probabilities.shape[1])), value=digit,
                                 description="class")
        self.threshold = widgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.01,
                                             description="threshold", **cont)
        self.status = widgets.HTML()
        self.plot = FigureImage((8.2, 3.4), ncols=2)
        self.box = widgets.VBox([widgets.HBox([self.digit, self.threshold]), self.status,
                                 self.plot.image])
        left, right = self.plot.axes  # artists built once, updated in place
        (self.roc_line,) = left.plot([0, 1], [0, 1], lw=2)
        left.plot([0, 1], [0, 1], ":", color="#999")
        (self.marker,) = left.plot([0], [0], "o", color="#d62728", ms=9)
        left.set(xlabel="false-positive rate", ylabel="true-positive rate",
                 xlim=(-0.02, 1.02), ylim=(-0.02, 1.02), xticks=[0, 0.5, 1], yticks=[0, 0.5, 1])
        self.matrix = right.imshow(np.zeros((2, 2)), cmap="Blues", vmin=0, vmax=1)
        self.cells = [[right.text(j, i, "", ha="center", va="center", fontsize=12)
                       for j in range(2)] for i in range(2)]
        right.set(xticks=[0, 1], yticks=[0, 1])
        self.digit.observe(self._new_class, names="value")
        self.threshold.observe(self._redraw, names="value")
        self._new_class()

    def _new_class(self, change=None) -> None:
        """A new class against the rest: its ROC curve and axis labels, then the point."""
        digit = self.digit.value
        roc = roc_curve(self.labels == digit, self.probabilities[:, digit])
        self.roc_line.set_data(roc.fpr, roc.tpr)
        left, right = self.plot.axes
        left.set_title(f"ROC, class {digit} vs rest")
        right.set_xticklabels(["pred. rest", f"pred. {digit}"])
        right.set_yticklabels(["rest", str(digit)])
        self._redraw()

    def _redraw(self, change=None) -> None:
        positive = self.labels == self.digit.value
        scores = self.probabilities[:, self.digit.value]
        self.counts = confusion_at_threshold(positive, scores, self.threshold.value)
        (tn, fp), (fn, tp) = self.counts
        tpr, fpr = tp / max(tp + fn, 1), fp / max(fp + tn, 1)
        self.marker.set_data([fpr], [tpr])
        self.matrix.set_data(self.counts)
        self.matrix.set_clim(0, max(int(np.max(self.counts)), 1))
        for (i, j), v in np.ndenumerate(self.counts):
            self.cells[i][j].set_text(str(v))
        self.plot.axes[1].set_title(f"threshold {self.threshold.value:.2f}")
        self.status.value = f"TP rate <b>{tpr:.3f}</b> · FP rate <b>{fpr:.4f}</b>"
        self.plot.render()
