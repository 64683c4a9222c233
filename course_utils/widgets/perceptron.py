"""Widgets of notebook 01: the perceptron playground and the learning-rule stepper."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from course_utils import perceptron
from course_utils.data.toy import logic_gate, toy_2d
from course_utils.plotting import data_extent, draw_decision, update_decision
from course_utils.widgets.base import FigureImage, Widget, new_control

GATE_CHOICES = ("AND", "OR", "NAND", "NOR", "XOR", "XNOR")
TOY_CHOICES = ("blobs", "xor", "moons", "circles", "spirals")


def perceptron_dataset(name: str, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A gate's bipolar truth table or a 60-point toy set, labels in {-1, +1}."""
    if name in GATE_CHOICES:
        return logic_gate(name, encoding="bipolar")
    return toy_2d(name, n=60, seed=seed, encoding="bipolar")


class PerceptronPlayground(Widget):
    """Sliders for w1, w2 and b over a gate or 2D set: live boundary and mistakes (notebook 01)."""

    PRESETS = {
        "the deck's AND is an OR": {"dataset": "AND", "w1": 1.0, "w2": 1.0, "b": 1.0},
        "AND, all correct": {"dataset": "AND", "w1": 1.0, "w2": 1.0, "b": -1.0},
    }

    def __init__(self, *, dataset: str = "AND", w1: float = 1.0, w2: float = 1.0, b: float = 0.0):
        slider = dict(min=-3.0, max=3.0, step=0.1, continuous_update=False)
        self.dataset = new_control(widgets.Dropdown, "dataset", options=GATE_CHOICES + TOY_CHOICES,
                                   value=dataset, description="data")
        self.w1 = new_control(widgets.FloatSlider, "w1", value=w1, description="w1", **slider)
        self.w2 = new_control(widgets.FloatSlider, "w2", value=w2, description="w2", **slider)
        self.b = new_control(widgets.FloatSlider, "b", value=b, description="b", **slider)
        self.status = widgets.HTML()
        self.plot = FigureImage((4.6, 4.2))
        self.box = widgets.VBox([widgets.HBox([self.dataset, self.status]),
                                 widgets.HBox([self.w1, self.w2, self.b]), self.plot.image])
        self.dataset.observe(self._new_data, names="value")
        for control in (self.w1, self.w2, self.b):
            control.observe(self._redraw, names="value")
        self._new_data()

    @property
    def w_tilde(self) -> np.ndarray:
        """The augmented weights (w1, w2, b) the sliders set."""
        return np.array([self.w1.value, self.w2.value, self.b.value])

    def _new_data(self, change=None) -> None:
        self.x, self.y = perceptron_dataset(self.dataset.value)
        ax = self.plot.axes
        ax.clear()
        self.artists = draw_decision(ax, self.x, self.y, self.w_tilde, extent=data_extent(self.x))
        self._redraw()

    def _redraw(self, change=None) -> None:
        self.errors = update_decision(self.artists, self.x, self.y, self.w_tilde)
        w1, w2, b = self.w_tilde
        self.plot.axes.set_title(f"{self.dataset.value}: {w1:+.1f}·x1 {w2:+.1f}·x2 {b:+.1f}")
        verdict = "all correct" if self.errors == 0 else f"{self.errors} of {len(self.y)} wrong"
        self.status.value = f"<b>{verdict}</b>"
        self.plot.render()


class PerceptronStepper(Widget):
    """Run the learning rule one sample visit at a time and watch the boundary move (nb 01).

    Controls: data, learning rate, start (zeros or seeded random w~), epochs to run, and the
    visit shown (a slider, with buttons: one visit, the next update, one epoch, reset).
    """

    PRESETS = {
        "XOR never converges": {"dataset": "XOR", "lr": 1.0, "epochs": 50, "start": "zeros"},
        "AND converges": {"dataset": "AND", "lr": 1.0, "epochs": 10, "start": "zeros"},
    }

    def __init__(self, *, dataset: str = "XOR", lr: float = 1.0, epochs: int = 10,
                 start: str = "zeros"):
        self.dataset = new_control(widgets.Dropdown, "dataset", options=GATE_CHOICES + TOY_CHOICES,
                                   value=dataset, description="data")
        self.lr = new_control(widgets.FloatLogSlider, "lr", value=lr, base=10, min=-2, max=1,
                              step=0.1, description="lr", continuous_update=False)
        self.start = new_control(widgets.Dropdown, "start", options=["zeros", "random"],
                                 value=start, description="start w~")
        self.epochs = new_control(widgets.IntSlider, "epochs", value=epochs, min=1, max=50,
                                  description="epochs", continuous_update=False)
        self.step = widgets.IntSlider(value=0, min=0, max=1, description="visit",
                                      continuous_update=False)
        self.next_visit, self.next_update, self.next_epoch, self.reset = (
            widgets.Button(description=d)
            for d in ("+1 visit", "next update", "+1 epoch", "reset"))
        self.status = widgets.HTML()
        self.plot = FigureImage((8.4, 3.8), ncols=2)
        self.box = widgets.VBox([
            widgets.HBox([self.dataset, self.start, self.lr, self.epochs]),
            widgets.HBox([self.step, self.next_visit, self.next_update, self.next_epoch,
                          self.reset]),
            self.status, self.plot.image])
        for control in (self.dataset, self.lr, self.start, self.epochs):
            control.observe(self._rerun, names="value")
        self.step.observe(self._redraw, names="value")
        self.next_visit.on_click(lambda _: self._move(1))
        self.next_update.on_click(lambda _: self._move(self._visits_to_next_update()))
        self.next_epoch.on_click(lambda _: self._move(len(self.y)))
        self.reset.on_click(lambda _: setattr(self.step, "value", 0))
        self._rerun()

    def _move(self, visits: int) -> None:
        self.step.value = min(self.step.value + visits, self.step.max)

    def _visits_to_next_update(self) -> int:
        """How many visits ahead the next update is (to the end of the run if none is)."""
        ahead = np.flatnonzero(self.run.updated[self.step.value:])
        return int(ahead[0]) + 1 if len(ahead) else self.step.max - self.step.value

    def _rerun(self, change=None) -> None:
        self.x, self.y = perceptron_dataset(self.dataset.value)
        w0 = None
        if self.start.value == "random":
            w0 = np.random.default_rng(0).normal(size=3)
        self.run = perceptron.perceptron_train(self.x, self.y, lr=self.lr.value,
                                               epochs=self.epochs.value, w0=w0)
        left, right = self.plot.axes
        left.clear()
        self.artists = draw_decision(left, self.x, self.y, self.run.weights[0])
        (self.current,) = left.plot([], [], "*", ms=20, mfc="gold", mec="k", zorder=5)
        right.clear()
        n_epochs = np.arange(1, len(self.run.epoch_errors) + 1)
        right.plot(n_epochs, self.run.epoch_errors, "s-", label="errors after epoch")
        right.plot(n_epochs, self.run.epoch_updates, "o--", label="updates in epoch")
        self.marker = right.axvline(0, color="gray", ls=":")
        top = max(self.run.epoch_updates.max(), self.run.epoch_errors.max()) + 1
        right.set(xlabel="epoch (dotted line: the visit shown)", ylabel="count",
                  xlim=(0, len(n_epochs) + 0.5), ylim=(-0.3, top))
        right.legend(loc="upper right", fontsize=8)
        self.step.unobserve(self._redraw, names="value")  # one redraw per rerun, not three
        self.step.value = 0
        self.step.max = len(self.run.visited)
        self.step.observe(self._redraw, names="value")
        self._redraw()

    def _redraw(self, change=None) -> None:
        t = self.step.value
        self.w_tilde = self.run.weights[t]
        self.errors = update_decision(self.artists, self.x, self.y, self.w_tilde)
        if t == 0:
            self.current.set_data([], [])
            what = "start"
        else:
            i, n = self.run.visited[t - 1], len(self.y)
            self.current.set_data([self.x[i, 0]], [self.x[i, 1]])
            what = (f"epoch {(t - 1) // n + 1}, sample {i}: "
                    + ("<b>update</b>" if self.run.updated[t - 1] else "no update"))
        self.marker.set_xdata([t / len(self.y)] * 2)
        self.plot.axes[0].set_title(f"visit {t}: {self.errors} wrong")
        weights = np.round(self.w_tilde, 3).tolist()
        self.status.value = f"{what} · w~ = {weights} · {self._summary()}"
        self.plot.render()

    def _summary(self) -> str:
        run = self.run
        if run.converged:
            return f"converged after {len(run.epoch_errors)} epoch(s)"
        cycle = perceptron.find_cycle(run)
        loop = f"; w~ repeats every {cycle[1]} epoch(s)" if cycle else ""
        return f"not converged: fewest errors after an epoch = {run.epoch_errors.min()}{loop}"
