"""Widget of notebook 03: step through deck 001's computational graph, forward then backward."""

from __future__ import annotations

import ipywidgets as widgets

from course_utils.autograd import sigmoid_neuron
from course_utils.plotting.autograd import draw_graph
from course_utils.widgets.base import FigureImage, Widget


class GraphStepper(Widget):
    """The sigmoid neuron f(w, x) as a graph: values fill in node by node, then gradients.

    Step 0 shows the inputs only; steps 1..N compute one node each (forward); the next N
    steps fill in gradients from the output back (backward). The inputs are editable.
    """

    PRESETS = {"deck 001": {"w0": 2.0, "w1": -3.0, "w2": -3.0, "x0": -1.0, "x1": -2.0}}

    def __init__(self, *, w=(2.0, -3.0, -3.0), x=(-1.0, -2.0)):
        box = dict(step=0.5, layout=widgets.Layout(width="120px"))
        self.w0, self.w1, self.w2 = (widgets.FloatText(value=v, description=f"w{i}", **box)
                                     for i, v in enumerate(w))
        self.x0, self.x1 = (widgets.FloatText(value=v, description=f"x{i}", **box)
                            for i, v in enumerate(x))
        self.step = widgets.IntSlider(value=0, min=0, max=1, description="step",
                                      continuous_update=False)
        self.play = widgets.Play(value=0, min=0, max=1, interval=700, description="run")
        widgets.jslink((self.play, "value"), (self.step, "value"))
        self.status = widgets.HTML()
        self.plot = FigureImage((11.5, 4.4))
        self.box = widgets.VBox([
            widgets.HBox([self.w0, self.w1, self.w2, self.x0, self.x1]),
            widgets.HBox([self.play, self.step]), self.status, self.plot.image])
        for control in (self.w0, self.w1, self.w2, self.x0, self.x1):
            control.observe(self._rebuild, names="value")
        self.step.observe(self._redraw, names="value")
        self._rebuild()

    def _rebuild(self, change=None) -> None:
        self.nodes = sigmoid_neuron([self.w0.value, self.w1.value, self.w2.value],
                                    [self.x0.value, self.x1.value])
        output = self.nodes["f"]
        output.backward()
        self.order = output.topological_order()
        self.leaves = [v for v in self.order if not v._prev]
        self.computed = [v for v in self.order if v._prev]
        total = len(self.computed) + len(self.order)
        self.step.unobserve(self._redraw, names="value")
        self.step.max = self.play.max = total
        self.step.value = min(self.step.value, total)
        self.step.observe(self._redraw, names="value")
        self._redraw()

    def _redraw(self, change=None) -> None:
        t = self.step.value
        n_forward = len(self.computed)
        forward = self.computed[:min(t, n_forward)]
        backward = list(reversed(self.order))[:max(t - n_forward, 0)]
        known_values = {id(v) for v in self.leaves + forward}
        known_grads = {id(v) for v in backward}
        current = (forward[-1] if t <= n_forward and forward else
                   backward[-1] if backward else None)
        draw_graph(self.plot.axes, self.nodes["f"], known_values=known_values,
                   known_grads=known_grads, highlight=id(current) if current else None)
        if t == 0:
            what = "inputs set: press play or move the step slider"
        elif t <= n_forward:
            what = f"forward: computed {current.label or current._op} = {current.data:.4f}"
        else:
            what = (f"backward: d f / d {current.label or current._op} = {current.grad:.4f}")
        self.status.value = f"step {t} of {self.step.max} · {what}"
        self.plot.render()
