"""Widget of notebook 05: a small deep network's gradients per layer, then its training."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import torch

from course_utils.data.real import digits
from course_utils.deepnets import (
    ACTIVATIONS,
    INITS,
    accuracy,
    layer_gradient_norms,
    make_mlp,
    train_full_batch,
)
from course_utils.widgets.base import FigureImage, Widget, new_control, warning_html


class DeepNetLab(Widget):
    """Depth, width, activation, initialisation, dropout and learning rate of an MLP on digits.

    A change of the network draws at once what needs no training: the gradient norm of
    each layer at initialisation. Training then streams in: ``steps`` is how many
    full-batch steps have been trained; the play button (or the slider, or ``train()``)
    advances it ``chunk`` steps per redraw, continuing the same run, so every redraw
    stays short. ``norms_init``, ``norms_now``, ``losses`` and ``test_acc`` hold the numbers.
    """

    PRESETS = {
        "sigmoid vanishes": {"depth": 8, "activation": "sigmoid", "init": "default",
                             "lr": 0.01, "steps": 200},
        "ReLU with He init": {"depth": 8, "activation": "relu", "init": "he", "lr": 0.01,
                              "steps": 200},
        "ReLU, default init hides it": {"depth": 8, "activation": "relu", "init": "default",
                                        "lr": 0.01, "steps": 200},
        "learning rate too high": {"depth": 4, "activation": "relu", "init": "large", "lr": 3.0,
                                   "steps": 20},
    }

    def __init__(self, *, depth: int = 8, width: int = 32, activation: str = "sigmoid",
                 init: str = "default", dropout: float = 0.0, lr: float = 0.01,
                 steps: int = 0, chunk: int = 10, n_train: int = 300, max_steps: int = 400):
        data = digits()
        self.x = data.x_train.reshape(len(data.x_train), -1)[:n_train]
        self.y = data.y_train[:n_train]
        self.x_test = data.x_test.reshape(len(data.x_test), -1)
        self.y_test = data.y_test
        self.chunk = chunk
        cont = dict(continuous_update=False)
        self.depth = new_control(widgets.IntSlider, "depth", value=depth, min=1, max=20,
                                 description="depth", **cont)
        self.width = new_control(widgets.Dropdown, "width", options=[16, 32, 64, 128], value=width,
                                 description="width")
        self.activation = new_control(widgets.Dropdown, "activation", options=list(ACTIVATIONS),
                                      value=activation, description="activation")
        self.init = new_control(widgets.Dropdown, "init", options=INITS, value=init,
                                description="init")
        self.dropout = new_control(widgets.FloatSlider, "dropout", value=dropout, min=0.0, max=0.8,
                                   step=0.1, description="dropout", **cont)
        self.lr = new_control(widgets.FloatLogSlider, "lr", value=lr, base=10, min=-3, max=0.5,
                              step=0.1, description="lr", **cont)
        self.steps = widgets.IntSlider(value=0, min=0, max=max_steps, step=chunk,
                                       description="steps", **cont)
        # the play button is an animation, not a setting: kept out of ``state()``
        self._play = widgets.Play(value=0, min=0, max=max_steps // chunk, interval=200,
                                  description="train")
        self.status = widgets.HTML()
        self.plot = FigureImage((8.0, 3.0), ncols=2)  # pixels cost: the draw is most of a redraw
        self.box = widgets.VBox([
            widgets.HBox([self.depth, self.width, self.activation]),
            widgets.HBox([self.init, self.dropout, self.lr]),
            widgets.HBox([self.steps, self._play]), self.status, self.plot.image])
        for control in (self.depth, self.width, self.activation, self.init, self.dropout,
                        self.lr):
            control.observe(self._rebuild, names="value")
        self.steps.observe(self._steps_changed, names="value")
        self._play.observe(self._tick, names="value")
        self._rebuild()
        if steps:
            self.steps.value = steps

    # ----- the numbers -------------------------------------------------------------------
    def _new_model(self) -> None:
        self.model = make_mlp(self.depth.value, width=self.width.value,
                              activation=self.activation.value, init=self.init.value,
                              dropout=self.dropout.value, seed=0)
        torch.manual_seed(0)  # dropout masks: the same run every time
        # one optimizer for the whole run, so that training in chunks keeps its momentum
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=self.lr.value,
                                         momentum=0.9)
        self.norms_init = layer_gradient_norms(self.model, self.x, self.y)
        self.norms_now, self.trained, self.losses = self.norms_init, 0, []
        self.diverged, self.test_acc = None, accuracy(self.model, self.x_test, self.y_test)

    def _train_to(self, target: int) -> None:
        if target < self.trained:  # going back: the same run again from its start
            self._new_model()
        if target > self.trained and not self.diverged:
            try:
                curves = train_full_batch(self.model, self.x, self.y, optimizer=self.optimizer,
                                          steps=target - self.trained, track_accuracy=False)
                self.losses += curves.train_loss
            except FloatingPointError as error:
                self.diverged = str(error)
            self.norms_now = layer_gradient_norms(self.model, self.x, self.y)
            self.test_acc = accuracy(self.model, self.x_test, self.y_test)
        self.trained = target

    # ----- the controls ------------------------------------------------------------------
    def _rebuild(self, change=None) -> None:
        self._new_model()
        if self.steps.value:
            self._quiet_steps(0)
        self._draw()

    def _quiet_steps(self, value: int) -> None:
        self.steps.unobserve(self._steps_changed, names="value")
        self.steps.value = value
        self.steps.observe(self._steps_changed, names="value")
        self._play.unobserve(self._tick, names="value")
        self._play.value = 0
        self._play.observe(self._tick, names="value")

    def _tick(self, change=None) -> None:
        if change is None or change["new"] > change["old"]:
            self.train()

    def _steps_changed(self, change=None) -> None:
        self._train_to(self.steps.value)
        self._draw()

    def train(self, steps: int | None = None) -> None:
        """Train ``steps`` more (default ``chunk``), up to the slider's maximum, and redraw."""
        step = self.chunk if steps is None else int(steps)
        self.steps.value = min(self.steps.value + step, self.steps.max)

    # ----- the figure (built once, its artists updated in place) --------------------------
    def _build_figure(self) -> None:
        left, right = self.plot.axes
        (self.init_line,) = left.plot([], [], "o-", ms=3, lw=1.4, label="at initialisation")
        (self.now_line,) = left.plot([], [], "o-", ms=3, lw=1.4, label="after training")
        left.set(xlabel="layer (1 = next to the input)", ylabel="|dL/dW| of the layer",
                 yscale="log")
        left.legend(fontsize=7, loc="lower right")
        (self.loss_line,) = right.plot([], [], lw=1.4)
        right.axhline(np.log(10), color="#888", ls=":", lw=1)
        right.set(xlabel="step", ylabel="training loss", xlim=(0, max(self.steps.max, 1)),
                  title="training (dotted: log 10, chance)")

    def _draw(self) -> None:
        if not hasattr(self, "init_line"):
            self._build_figure()
        left, right = self.plot.axes
        layers = np.arange(1, len(self.norms_init) + 1)
        self.init_line.set_data(layers, self.norms_init)
        self.now_line.set_data(layers if self.trained else [],
                               self.norms_now if self.trained else [])
        self.now_line.set_label(f"after {self.trained} steps")
        left.legend(fontsize=7, loc="lower right")
        shown = np.concatenate([self.norms_init, self.norms_now])
        shown = shown[np.isfinite(shown) & (shown > 0)]
        low, high = (shown.min(), shown.max()) if len(shown) else (1e-8, 1.0)
        left.set(xlim=(0.5, len(layers) + 0.5), ylim=(low / 3, high * 3))
        self.loss_line.set_data(np.arange(1, len(self.losses) + 1), self.losses)
        finite = [v for v in self.losses if np.isfinite(v)] + [np.log(10)]
        right.set_ylim(0, min(max(finite), 10) * 1.1)
        ratio = self.norms_init[0] / self.norms_init[-2] if len(self.norms_init) > 2 else 1.0
        if self.diverged:
            self.status.value = warning_html("diverged", self.diverged)
        else:
            self.status.value = (f"first / last hidden layer gradient at init: <b>{ratio:.1e}"
                                 f"</b> · test accuracy after <b>{self.trained}</b> steps: <b>"
                                 f"{self.test_acc:.1%}</b>"
                                 + ("" if self.trained else " · press ▶ to train"))
        self.plot.render()

