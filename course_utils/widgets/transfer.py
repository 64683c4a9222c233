"""Widget of notebook 10: which layers to freeze when fine-tuning a pretrained network."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from course_utils.finetune import (
    FREEZE_TASKS,
    fine_tune_frozen,
    freeze_task,
    trainable_parameters,
)
from course_utils.plotting.transfer import draw_freezing
from course_utils.widgets.base import FigureImage, Widget, new_control


class FreezeLab(Widget):
    """Choose how many block stages of EfficientNet-Lite0 to freeze, on a small target.

    The stem and the first ``frozen`` of the 7 stages keep their ImageNet weights; the rest,
    with a new head, is fine-tuned for ``epochs`` full-batch steps on ``per_class`` labels per
    class and scored on held-out images (``finetune.fine_tune_frozen``). Each (task, frozen)
    result is cached in ``results``, so moving the slider back is instant; a first visit of
    a setting with most of the network trainable takes a few seconds on a CPU.

    Attributes:
        results: ``{(task, frozen): FineTune}`` for every setting trained so far.
        current: the ``FineTune`` shown. trained: how many fine-tunes ran (cache misses).
    """

    PRESETS = {
        "faces, head only": {"task": "faces", "frozen": 7},
        "digits, last stage": {"task": "digits", "frozen": 6},
    }

    def __init__(self, model=None, *, task: str = "digits", frozen: int = 6, size: int = 32,
                 per_class: int = 5, epochs: int = 20):
        if model is None:
            from course_utils.transfer import pretrained_efficientnet_lite0

            model = pretrained_efficientnet_lite0()
        self.model, self.size, self.per_class, self.epochs = model, size, per_class, epochs
        self.tasks, self.results, self.trained, self._params = {}, {}, 0, {}
        self._images = {}  # PNG per (setting, settings trained so far): the same picture
        self._artists = None  # built by the first draw, then updated in place
        stages = len(model.blocks)
        self.task = new_control(widgets.Dropdown, "task", options=FREEZE_TASKS, value=task,
                                description="target")
        self.frozen = new_control(widgets.IntSlider, "frozen", value=frozen, min=0, max=stages,
                                  description="frozen", continuous_update=False)
        self.status = widgets.HTML()
        self.plot = FigureImage((9.0, 3.3), ncols=2)
        self.box = widgets.VBox([widgets.HBox([self.task, self.frozen]), self.status,
                                 self.plot.image])
        self.task.observe(self._update, names="value")
        self.frozen.observe(self._update, names="value")
        self._update()

    def _task(self, name: str):
        if name not in self.tasks:
            self.tasks[name] = freeze_task(name, size=self.size, per_class=self.per_class)
        return self.tasks[name]

    def _update(self, change=None) -> None:
        task = self._task(self.task.value)
        key = (task.name, self.frozen.value)
        if key not in self.results:
            self.results[key] = fine_tune_frozen(self.model, task, frozen_stages=key[1],
                                                 epochs=self.epochs)
            self.trained += 1
        self.current = self.results[key]
        classes = len(np.unique(task.y_train))
        if classes not in self._params:  # counted once per number of classes
            self._params[classes] = [trainable_parameters(self.model, frozen_stages=k,
                                                          classes=classes)
                                     for k in range(self.frozen.max + 1)]
        self.params = self._params[classes]
        done = {k: r for (name, k), r in self.results.items() if name == task.name}
        r = self.current
        stem = sum(p.numel() for m in (self.model.conv_stem, self.model.bn1)
                   for p in m.parameters())
        total = self.params[0] + stem  # the whole network with its new head
        self.status.value = (
            f"stem + {key[1]} stages frozen: <b>{r.trainable_params:,}</b> trainable "
            f"parameters ({r.trainable_params / total:.0%} of {total / 1e6:.2f}M, new head "
            f"included) · <b>{r.seconds_per_epoch:.3f} s</b> per epoch "
            f"({r.cpu_seconds_per_epoch:.3f} CPU s) · held-out accuracy <b>{r.accuracy:.3f}"
            f"</b> after {self.epochs} epochs (pixels + probe: {task.pixel_accuracy:.3f})")
        picture = (key, tuple(sorted(done)))
        if picture not in self._images:
            self._artists = draw_freezing(
                *self.plot.axes, self.params, done, key[1], pixel_accuracy=task.pixel_accuracy,
                task=f"{task.name}: {self.per_class} labels per class, "
                     f"{len(task.y_test)} held out", artists=self._artists)
            self.plot.render()
            self._images[picture] = self.plot.image.value
        self.plot.image.value = self._images[picture]
