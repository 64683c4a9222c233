"""Widget of notebook 04: optimizers racing on a 2D loss surface."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import FuncFormatter

from course_utils.optim import OPTIMIZERS, SURFACES, make_optimizer, run_optimizer
from course_utils.widgets.base import FigureImage, Widget, new_control

COLOURS = {"sgd": "#1f77b4", "momentum": "#ff7f0e", "nesterov": "#2ca02c", "adam": "#d62728"}
DEFAULT_LRS = {"sgd": 0.03, "momentum": 0.03, "nesterov": 0.03, "adam": 0.1}


class OptimizerRace(Widget):
    """Contours of a loss surface and the paths of the chosen optimizers from a start point.

    Each optimizer has its own learning rate (``lr_sgd``, ``lr_momentum``, ``lr_nesterov``,
    ``lr_adam``): a race at one shared rate measures the rate, not the optimizer. The
    presets that name a winner give every other optimizer its best rate on the slider
    grid for that surface (tests/test_widgets_optim.py checks this, and that the named one
    wins). A run that diverges stops where it left the surface and is marked "diverged"
    (no crash, nothing drawn from NaN). ``paths`` holds the latest ``Path`` of each optimizer.

    Speed: each surface's contours are drawn once and then only shown or hidden; a control
    change re-runs the paths and moves existing lines (``set_data``).
    """

    PRESETS = {
        "momentum wins in the narrow valley": {
            "surface": "ill-conditioned quadratic", "optimizers": ("sgd", "momentum", "adam"),
            "lr_sgd": 0.0708, "lr_momentum": 0.1, "lr_adam": 0.2239, "momentum": 0.45,
            "steps": 100},
        "Adam wins on the badly scaled bowl": {
            "surface": "badly scaled bowl", "optimizers": ("sgd", "momentum", "adam"),
            "lr_sgd": 0.0178, "lr_momentum": 0.0316, "lr_adam": 0.2239, "momentum": 0.9,
            "steps": 100},
        "learning rate too high": {"surface": "ill-conditioned quadratic", "lr_sgd": 0.09},
        "escaping the saddle": {"surface": "saddle", "lr_sgd": 0.05, "lr_momentum": 0.05,
                                "lr_adam": 0.05},
    }

    def __init__(self, *, surface: str = "ill-conditioned quadratic",
                 optimizers=("sgd", "momentum", "adam"), lrs: dict | None = None,
                 momentum: float = 0.9, beta1: float = 0.9, beta2: float = 0.999,
                 steps: int = 100):
        lrs = {**DEFAULT_LRS, **(lrs or {})}
        unknown = sorted(set(lrs) - set(OPTIMIZERS))
        if unknown:
            raise ValueError(f"lrs has unknown optimizers {unknown}; use {list(OPTIMIZERS)}")
        cont = dict(continuous_update=False)
        self._hold = True  # no race until every control exists
        self.surface = new_control(widgets.Dropdown, "surface", options=list(SURFACES),
                                   value=surface, description="surface")
        chosen = optimizers if isinstance(optimizers, str) else tuple(optimizers)
        self.optimizers = new_control(widgets.SelectMultiple, "optimizers", options=OPTIMIZERS,
                                      value=chosen, description="optimizers", rows=4)
        for name in OPTIMIZERS:
            setattr(self, f"lr_{name}", widgets.FloatLogSlider(
                value=lrs[name], base=10, min=-4, max=0, step=0.05, description=f"lr {name}",
                readout_format=".3g", **cont))
        self.momentum = new_control(widgets.FloatSlider, "momentum", value=momentum, min=0.0,
                                    max=0.99, step=0.01, description="momentum", **cont)
        self.beta1 = new_control(widgets.FloatSlider, "beta1", value=beta1, min=0.0, max=0.99,
                                 step=0.01, description="beta1", **cont)
        self.beta2 = new_control(widgets.FloatSlider, "beta2", value=beta2, min=0.9, max=0.9999,
                                 step=0.0001, readout_format=".4f", description="beta2", **cont)
        self.steps = new_control(widgets.IntSlider, "steps", value=steps, min=10, max=500, step=10,
                                 description="steps", **cont)
        self.start_x = widgets.FloatSlider(description="start x", **cont)
        self.start_y = widgets.FloatSlider(description="start y", **cont)
        self.status = widgets.HTML()
        self.plot = FigureImage((9.4, 3.9), ncols=2)
        lr_sliders = [getattr(self, f"lr_{name}") for name in OPTIMIZERS]
        self.box = widgets.VBox([
            widgets.HBox([widgets.VBox([self.surface, self.start_x, self.start_y, self.steps]),
                          widgets.VBox([self.optimizers, self.momentum]),
                          widgets.VBox([*lr_sliders, self.beta1, self.beta2])]),
            self.status, self.plot.image])
        self._build_axes()
        self.surface.observe(self._new_surface, names="value")
        for control in (self.optimizers, *lr_sliders, self.momentum, self.beta1, self.beta2,
                        self.steps, self.start_x, self.start_y):
            control.observe(self._race, names="value")
        self._hold = False
        self._new_surface()

    def _build_axes(self) -> None:
        left, right = self.plot.axes
        self._contours: dict[str, list] = {}  # surface -> its artists, drawn once
        self.lines, self.curves = {}, {}
        for name in OPTIMIZERS:
            (self.lines[name],) = left.plot([], [], "o-", ms=2.5, lw=1.3, color=COLOURS[name],
                                            label=name, zorder=3)
            (self.curves[name],) = right.plot([], [], color=COLOURS[name], label=name)
        (self.start,) = left.plot([], [], "ko", mfc="white", ms=7, zorder=5)
        right.set(xlabel="step", ylabel="loss", yscale="symlog", title="loss per step")
        # plain tick labels: the default 10^k labels go through mathtext on every redraw
        right.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        self._legend_key = None

    def _surface_artists(self, name: str) -> list:
        """The contours (and minimum) of surface ``name``, computed on its first showing."""
        if name not in self._contours:
            s, left = SURFACES[name], self.plot.axes[0]
            x0, x1, y0, y1 = s.extent
            gx, gy = np.meshgrid(np.linspace(x0, x1, 120), np.linspace(y0, y1, 120))
            z = s.f(gx, gy)
            levels = np.unique(np.quantile(z, np.linspace(0.01, 0.95, 18)))
            artists = [left.contour(gx, gy, z, levels=levels, cmap="Greys", linewidths=0.7)]
            if s.minimum is not None:
                artists += left.plot(*s.minimum, "k*", ms=12)
            self._contours[name] = artists
        return self._contours[name]

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
        shown = self._surface_artists(self.surface.value)
        for artists in self._contours.values():
            for artist in artists:
                artist.set_visible(artists is shown)
        self.plot.axes[0].set(xlim=(x0, x1), ylim=(y0, y1), title=s.name)
        self._race()

    def set_state(self, state: dict) -> None:
        """Set the controls, then race once (not once per control)."""
        self._hold = True
        try:
            super().set_state(state)
        finally:
            self._hold = False
        self._race()

    def _race(self, change=None) -> None:
        if self._hold:
            return
        start = (self.start_x.value, self.start_y.value)
        self.paths = {name: run_optimizer(
            make_optimizer(name, lr=getattr(self, f"lr_{name}").value,
                           momentum=self.momentum.value,
                           betas=(self.beta1.value, self.beta2.value)),
            self.surface.value, start=start, steps=self.steps.value)
            for name in self.optimizers.value}
        self._draw(start)

    def _draw(self, start) -> None:
        left, right = self.plot.axes
        notes, labels = [], []
        for name in OPTIMIZERS:
            path = self.paths.get(name)
            points = path.points.T if path is not None else ([], [])
            self.lines[name].set_data(*points)
            self.curves[name].set_data(*((np.arange(len(path.losses)), path.losses)
                                         if path is not None else ([], [])))
            label = "_hidden" if path is None else (
                f"{name} (diverged)" if path.diverged else name)
            self.lines[name].set_label(label)
            self.curves[name].set_label(label)
            if path is not None:
                labels.append(label)
                notes.append(f"{name}: " + (f"<b style='color:#cf222e'>diverged</b> after "
                                            f"{len(path.losses) - 1} steps" if path.diverged
                                            else f"loss {path.losses[-1]:.3g}"))
        self.start.set_data([start[0]], [start[1]])
        right.relim()
        right.autoscale_view()
        if tuple(labels) != self._legend_key:  # legends only change with the labels
            self._legend_key = tuple(labels)
            if labels:  # one legend: the loss curves share the paths' colours
                left.legend(fontsize=7, loc="upper right")
            elif left.get_legend() is not None:
                left.get_legend().remove()
        self.status.value = " · ".join(notes) or "choose at least one optimizer"
        self.plot.render()
