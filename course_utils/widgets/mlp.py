"""Widgets of notebook 02: the activation explorer and the MLP playground."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import LogLocator, NullLocator

from course_utils.activations import ACTIVATIONS, get_activation
from course_utils.mlp import PlaygroundRun
from course_utils.plotting.base import CLASS_COLOURS, data_extent
from course_utils.plotting.mlp import draw_activation, draw_surface, grid_points
from course_utils.widgets.base import FigureImage, Widget, new_control, warning_html


class ActivationExplorer(Widget):
    """Pick an activation (and its alpha); see f and f' side by side, with where f' vanishes."""

    def __init__(self, *, name: str = "logistic", alpha: float | None = None):
        get_activation(name)
        self.name = new_control(widgets.Dropdown, "name", options=list(ACTIVATIONS), value=name,
                                description="function")
        self.alpha = widgets.FloatSlider(value=0.25, min=0.0, max=2.0, step=0.01,
                                         description="alpha", continuous_update=False)
        if alpha is not None:
            self.alpha.value = alpha
        self.status = widgets.HTML()
        self.plot = FigureImage((8.4, 3.2), ncols=2)
        self.box = widgets.VBox([widgets.HBox([self.name, self.alpha]), self.status,
                                 self.plot.image])
        self.name.observe(self._new_function, names="value")
        self.alpha.observe(self._redraw, names="value")
        self._new_function()

    def _new_function(self, change=None) -> None:
        act = get_activation(self.name.value)
        self.alpha.disabled = not act.has_alpha
        if act.has_alpha and change is not None:
            self.alpha.unobserve(self._redraw, names="value")
            self.alpha.value = act.alpha  # the function's usual alpha
            self.alpha.observe(self._redraw, names="value")
        self._redraw()

    def _redraw(self, change=None) -> None:
        act = get_activation(self.name.value)
        alpha = self.alpha.value if act.has_alpha else None
        self.ranges = draw_activation(*self.plot.axes, act.name, alpha=alpha)
        where = ", ".join(f"[{a:.1f}, {b:.1f}]" for a, b in self.ranges) or "nowhere in [-5, 5]"
        self.status.value = (f"<b>{act.name}</b>: f(z) = {act.formula} &nbsp; · &nbsp; "
                             f"f' &lt; 0.01 on {where}")
        self.plot.render()


DATASETS = ("xor", "circles", "moons", "spirals", "blobs")


class MLPPlayground(Widget):
    """TensorFlow-Playground-style MLP trainer on 2D toy sets (notebook 02).

    Press play to train (each tick of the ``Play`` control takes ``steps_per_tick`` steps
    and redraws once), pause, step once, or reset. Any change of data or architecture
    starts a new run. ``run`` is the plain ``PlaygroundRun`` being trained.
    """

    PRESETS = {
        "XOR, default": {"dataset": "xor", "layers": 1, "units": 8, "lr": 0.3},
        "XOR with 2 hidden units can fail": {"dataset": "xor", "layers": 1, "units": 2,
                                             "activation": "tanh", "lr": 0.3},
        "spirals need depth": {"dataset": "spirals", "layers": 3, "units": 12, "lr": 0.1},
        "learning rate too high": {"dataset": "moons", "lr": 10.0},
        "linear activation cannot bend": {"dataset": "circles", "activation": "identity"},
    }

    def __init__(self, *, dataset: str = "xor", noise: float | None = None, layers: int = 1,
                 units: int = 8, activation: str = "tanh", lr: float = 0.3,
                 batch_size: int = 32, l2: float = 0.0, steps_per_tick: int = 10,
                 seed: int = 0, resolution: int = 60):
        self.steps_per_tick, self.seed, self.resolution = steps_per_tick, seed, resolution
        cont = dict(continuous_update=False)
        self.dataset = new_control(widgets.Dropdown, "dataset", options=DATASETS, value=dataset,
                                   description="data")
        self.noise = new_control(widgets.FloatSlider, "noise",
                                 value=0.2 if noise is None else noise, min=0.0,
                                 max=0.6, step=0.02, description="noise", **cont)
        self.layers = new_control(widgets.IntSlider, "layers", value=layers, min=1, max=4,
                                  description="layers", **cont)
        self.units = new_control(widgets.IntSlider, "units", value=units, min=1, max=16,
                                 description="units", **cont)
        self.activation = new_control(widgets.Dropdown, "activation",
                                      options=[n for n in ACTIVATIONS if n != "step"],
                                      value=activation, description="activation")
        self.lr = new_control(widgets.FloatLogSlider, "lr", value=lr, base=10, min=-3, max=1.3,
                              step=0.1, description="lr", **cont)
        self.batch_size = new_control(widgets.Dropdown, "batch_size", options=[1, 8, 32, 100, 200],
                                      value=batch_size, description="batch")
        self.l2 = new_control(widgets.Dropdown, "l2", options=[0.0, 1e-4, 1e-3, 1e-2, 1e-1],
                              value=l2, description="L2")
        self.play = widgets.Play(value=0, min=0, max=100_000, step=1, interval=150,
                                 description="train")
        self.step_button = widgets.Button(description="step", tooltip="one tick of training")
        self.reset = widgets.Button(description="reset")
        self.status = widgets.HTML()
        self.plot = FigureImage((8.6, 3.8), ncols=2)
        self.box = widgets.VBox([
            widgets.HBox([self.dataset, self.noise, self.activation]),
            widgets.HBox([self.layers, self.units, self.lr]),
            widgets.HBox([self.batch_size, self.l2]),
            widgets.HBox([self.play, self.step_button, self.reset]),
            self.status, self.plot.image])
        for control in (self.dataset, self.noise, self.layers, self.units, self.activation,
                        self.lr, self.batch_size, self.l2):
            control.observe(self._new_run, names="value")
        self.play.observe(self._tick, names="value")
        self.step_button.on_click(lambda _: self._tick())
        self.reset.on_click(lambda _: self._new_run())
        self._new_run()

    def _new_run(self, change=None) -> None:
        self.run = PlaygroundRun(dataset=self.dataset.value, noise=self.noise.value,
                                 layers=self.layers.value, units=self.units.value,
                                 activation=self.activation.value, lr=self.lr.value,
                                 batch_size=self.batch_size.value, l2=self.l2.value,
                                 seed=self.seed)
        run = self.run
        self.extent = data_extent(np.vstack([run.x_train, run.x_test]), pad=0.3)
        self.grid = grid_points(self.extent, self.resolution)
        left, right = self.plot.axes
        if not hasattr(self, "surface"):  # the first run builds the artists ...
            self.surface = draw_surface(left, run.x_train, run.y_train, extent=self.extent,
                                        x_test=run.x_test, y_test=run.y_test)
            self.train_points, self.test_points = left.collections[-2:]
            (self.train_line,) = right.plot([], [], label="train loss")
            (self.test_line,) = right.plot([], [], label="test loss")
            right.set(xlabel="training step", ylabel="cross-entropy", yscale="log")
            # ticks at 1, 2, 5 x 10^k as plain numbers: the log axis's default minor ticks
            # and mathtext labels cost about a third of a redraw
            right.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            right.yaxis.set_minor_locator(NullLocator())
            right.yaxis.set_major_formatter("{x:g}")
            right.legend(fontsize=8, loc="upper right")
        else:  # ... later runs move them: no axes rebuilt, so a new run draws at once
            for points, x, y in ((self.train_points, run.x_train, run.y_train),
                                 (self.test_points, run.x_test, run.y_test)):
                points.set_offsets(x)
                points.set_facecolor(np.where(np.asarray(y) == 1, CLASS_COLOURS[1],
                                              CLASS_COLOURS[0]))
            self.surface.set_extent(self.extent)
            left.set(xlim=self.extent[:2], ylim=self.extent[2:])
        self._redraw()

    def _tick(self, change=None) -> None:
        self.run.advance(self.steps_per_tick)
        self._redraw()

    def _redraw(self) -> None:
        run = self.run
        proba = run.net.predict_proba(self.grid)[:, 1]
        self.surface.set_data(proba.reshape(self.resolution, self.resolution))
        steps, train, test = (run.history[k] for k in ("step", "train_loss", "test_loss"))
        self.train_line.set_data(steps, train)
        self.test_line.set_data(steps, test)
        right = self.plot.axes[1]
        right.set_xlim(0, max(steps[-1], 10))
        low, high = min(train + test), max(train + test)
        right.set_ylim(max(low / 1.5, 1e-4), high * 1.5)
        self.plot.axes[0].set_title(f"step {run.net.steps}: P(red) · circles train, "
                                    "squares test", fontsize=9)
        if run.diverged:
            self.status.value = warning_html("diverged", run.diverged)
        else:
            self.status.value = (f"train accuracy <b>{run.train_accuracy:.1%}</b> · test "
                                 f"accuracy <b>{run.test_accuracy:.1%}</b> · "
                                 f"{run.net.n_parameters()} parameters")
        self.plot.render()
