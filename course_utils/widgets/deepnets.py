"""Widget of notebook 05: a small deep network's gradients per layer as you change it."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from course_utils.data.real import digits
from course_utils.deepnets import (
    ACTIVATIONS,
    INITS,
    accuracy,
    layer_gradient_norms,
    make_mlp,
    train_full_batch,
)
from course_utils.plotting.deepnets import draw_per_layer
from course_utils.widgets.base import FigureImage, Widget, warning_html


class DeepNetLab(Widget):
    """Depth, activation, initialisation, dropout and learning rate of an MLP on digits.

    Every change builds the network, measures the gradient norm of each layer at
    initialisation, trains ``steps`` full-batch steps and measures them again; the right
    panel shows the training loss. ``norms_init``, ``norms_trained`` and ``curves`` hold
    the numbers.
    """

    PRESETS = {
        "sigmoid vanishes": {"depth": 12, "activation": "sigmoid", "init": "xavier"},
        "ReLU with He init": {"depth": 12, "activation": "relu", "init": "he"},
        "ReLU, default init hides it": {"depth": 12, "activation": "relu", "init": "default"},
        "learning rate too high": {"depth": 4, "activation": "relu", "init": "large", "lr": 3.0},
    }

    def __init__(self, *, depth: int = 8, activation: str = "sigmoid", init: str = "xavier",
                 dropout: float = 0.0, lr: float = 0.05, steps: int = 30, n_train: int = 300):
        data = digits()
        self.x = data.x_train.reshape(len(data.x_train), -1)[:n_train]
        self.y = data.y_train[:n_train]
        self.x_test = data.x_test.reshape(len(data.x_test), -1)
        self.y_test = data.y_test
        self.steps = steps
        cont = dict(continuous_update=False)
        self.depth = widgets.IntSlider(value=depth, min=1, max=20, description="depth", **cont)
        self.activation = widgets.Dropdown(options=list(ACTIVATIONS), value=activation,
                                           description="activation")
        self.init = widgets.Dropdown(options=INITS, value=init, description="init")
        self.dropout = widgets.FloatSlider(value=dropout, min=0.0, max=0.8, step=0.1,
                                           description="dropout", **cont)
        self.lr = widgets.FloatLogSlider(value=lr, base=10, min=-3, max=0.5, step=0.1,
                                         description="lr", **cont)
        self.status = widgets.HTML()
        self.plot = FigureImage((9.2, 3.5), ncols=2)
        self.box = widgets.VBox([widgets.HBox([self.depth, self.activation, self.init]),
                                 widgets.HBox([self.dropout, self.lr]), self.status,
                                 self.plot.image])
        for control in (self.depth, self.activation, self.init, self.dropout, self.lr):
            control.observe(self._run, names="value")
        self._run()

    def _run(self, change=None) -> None:
        model = make_mlp(self.depth.value, width=32, activation=self.activation.value,
                         init=self.init.value, dropout=self.dropout.value, seed=0)
        self.norms_init = layer_gradient_norms(model, self.x, self.y)
        try:
            self.curves = train_full_batch(model, self.x, self.y, steps=self.steps,
                                           lr=self.lr.value)
            self.diverged = None
        except FloatingPointError as error:
            self.curves, self.diverged = None, str(error)
        self.norms_trained = layer_gradient_norms(model, self.x, self.y)
        left, right = self.plot.axes
        left.clear()
        right.clear()
        draw_per_layer(left, {"at initialisation": self.norms_init,
                              f"after {self.steps} steps": self.norms_trained},
                       ylabel="|dL/dW| of the layer")
        if self.curves is not None:
            right.plot(np.arange(1, self.steps + 1), self.curves.train_loss)
        right.set(xlabel="step", ylabel="training loss", title="training")
        ratio = self.norms_init[0] / self.norms_init[-2] if len(self.norms_init) > 2 else 1.0
        if self.diverged:
            self.status.value = warning_html("diverged", self.diverged)
        else:
            self.status.value = (f"first / last hidden layer gradient at init: <b>{ratio:.1e}"
                                 f"</b> · test accuracy after {self.steps} steps: <b>"
                                 f"{accuracy(model, self.x_test, self.y_test):.1%}</b>")
        self.plot.render()
