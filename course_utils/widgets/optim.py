"""Widget of notebook 04: optimizers racing on a 2D loss surface."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from course_utils.optim import OPTIMIZERS, SURFACES, make_optimizer, run_optimizer
from course_utils.widgets.base import FigureImage, Widget

COLOURS = {"sgd": "#1f77b4", "momentum": "#ff7f0e", "nesterov": "#2ca02c", "adam": "#d62728"}


class OptimizerRace(Widget):
    """Contours of a loss surface and the paths of the chosen optimizers from a start point.

    A run that diverges stops where it left the surface and is marked "diverged" (no crash,
    nothing drawn from NaN). ``paths`` holds the latest ``Path`` of each optimizer.
    """

    PRESETS = {
        "momentum beats SGD in the valley": {"surface": "ill-conditioned quadratic", "lr": 0.035,
                                             "momentum": 0.9},
        "learning rate too high": {"surface": "ill-conditioned quadratic", "lr": 0.09},
        "escaping the saddle": {"surface": "saddle", "lr": 0.05},
    }

    def __init__(self, *, surface: str = "ill-conditioned quadratic",
                 optimizers=("sgd", "momentum", "adam"), lr: float = 0.03,
                 momentum: float = 0.9, beta1: float = 0.9, beta2: float = 0.999,
                 steps: int = 100):
        cont = dict(continuous_update=False)
        self.surface = widgets.Dropdown(options=list(SURFACES), value=surface,
                                        description="surface")
        self.optimizers = widgets.SelectMultiple(options=OPTIMIZERS, value=tuple(optimizers),
                                                 description="optimizers", rows=4)
        self.lr = widgets.FloatLogSlider(value=lr, base=10, min=-4, max=0, step=0.05,
                                         description="lr", **cont)
        self.momentum = widgets.FloatSlider(value=momentum, min=0.0, max=0.99, step=0.01,
                                            description="momentum", **cont)
        self.beta1 = widgets.FloatSlider(value=beta1, min=0.0, max=0.99, step=0.01,
                                         description="beta1", **cont)
        self.beta2 = widgets.FloatSlider(value=beta2, min=0.9, max=0.9999, step=0.0001,
                                         readout_format=".4f", description="beta2", **cont)
        self.steps = widgets.IntSlider(value=steps, min=10, max=500, step=10,
                                       description="steps", **cont)
        self.start_x = widgets.FloatSlider(description="start x", **cont)
        self.start_y = widgets.FloatSlider(description="start y", **cont)
        self.status = widgets.HTML()
        self.plot = FigureImage((9.4, 3.9), ncols=2)
        self.box = widgets.VBox([
            widgets.HBox([widgets.VBox([self.surface, self.start_x, self.start_y, self.steps]),
                          self.optimizers,
                          widgets.VBox([self.lr, self.momentum, self.beta1, self.beta2])]),
            self.status, self.plot.image])
        self.surface.observe(self._new_surface, names="value")
        for control in (self.optimizers, self.lr, self.momentum, self.beta1, self.beta2,
                        self.steps, self.start_x, self.start_y):
            control.observe(self._race, names="value")
        self._new_surface()

    def _new_surface(self, change=None) -> None:
        s = SURFACES[self.surface.value]
        x0, x1, y0, y1 = s.extent
        for slider, lo, hi, value in ((self.start_x, x0, x1, s.start[0]),
                                      (self.start_y, y0, y1, s.start[1])):
            slider.unobserve(self._race, names="value")
            slider.min, slider.max = -1e9, 1e9  # widen first so that min <= max always holds
            slider.min, slider.max, slider.step = lo, hi, (hi - lo) / 100
            slider.value = value
            slider.observe(self._race, names="value")
        left = self.plot.axes[0]
        left.clear()
        gx, gy = np.meshgrid(np.linspace(x0, x1, 160), np.linspace(y0, y1, 160))
        z = s.f(gx, gy)
        levels = np.quantile(z, np.linspace(0.01, 0.95, 18))
        left.contour(gx, gy, z, levels=np.unique(levels), cmap="Greys", linewidths=0.7)
        if s.minimum is not None:
            left.plot(*s.minimum, "k*", ms=12)
        left.set(xlim=(x0, x1), ylim=(y0, y1), title=s.name)
        self.lines = {}
        for name in OPTIMIZERS:
            (self.lines[name],) = left.plot([], [], "o-", ms=2.5, lw=1.3, color=COLOURS[name],
                                            label=name)
        (self.start,) = left.plot([], [], "ko", mfc="white", ms=7, zorder=5)
        self._race()

    def _race(self, change=None) -> None:
        start = (self.start_x.value, self.start_y.value)
        self.paths = {name: run_optimizer(
            make_optimizer(name, lr=self.lr.value, momentum=self.momentum.value,
                           betas=(self.beta1.value, self.beta2.value)),
            self.surface.value, start=start, steps=self.steps.value)
            for name in self.optimizers.value}
        right = self.plot.axes[1]
        right.clear()
        notes = []
        for name, line in self.lines.items():
            path = self.paths.get(name)
            line.set_data(*(path.points.T if path is not None else ([], [])))
            line.set_label("_hidden" if path is None else
                           f"{name} (diverged)" if path.diverged else name)
            if path is not None:
                right.plot(np.arange(len(path.losses)), path.losses, color=COLOURS[name],
                           label=name + (" ✗ diverged" if path.diverged else ""))
                notes.append(f"{name}: " + (f"<b style='color:#cf222e'>diverged</b> after "
                                            f"{len(path.losses) - 1} steps" if path.diverged
                                            else f"loss {path.losses[-1]:.3g}"))
        self.start.set_data([start[0]], [start[1]])
        right.set(xlabel="step", ylabel="loss", yscale="symlog", title="loss per step")
        if self.paths:  # no optimizer chosen: no legend (and no warning about it)
            self.plot.axes[0].legend(fontsize=7, loc="upper right")
            right.legend(fontsize=7)
        elif self.plot.axes[0].get_legend() is not None:
            self.plot.axes[0].get_legend().remove()
        self.status.value = " · ".join(notes) or "choose at least one optimizer"
        self.plot.render()
