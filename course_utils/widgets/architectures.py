"""Widget of notebook 09: five ImageNet networks, their costs and accuracy, compared."""

from __future__ import annotations

import ipywidgets as widgets

from course_utils.architectures import COSTS, cost_profile, zoo_summaries
from course_utils.plotting.architectures import draw_architectures, update_architectures
from course_utils.widgets.base import FigureImage, Widget, new_control


class ArchitectureExplorer(Widget):
    """AlexNet, VGG-16, GoogLeNet, ResNet-18 and ResNet-50: top-1 against a chosen cost, and
    where one chosen network keeps its parameters, operations and activation memory.

    The per-layer numbers are ``arithmetic.summary`` tables (``architectures.zoo_summaries``,
    computed once and cached; pass the notebook's own ``tables`` and ``top1`` to reuse them);
    a redraw only moves artists. ``costs`` holds ``{cost: {network: value}}``, ``profile``
    the chosen network's ``architectures.cost_profile``.
    """

    PRESETS = {
        "VGG-16: parameters sit in the head": {"network": "VGG-16", "cost": "parameters (M)"},
        "ResNet-50: operations spread out": {"network": "ResNet-50", "cost": "G-MACs"},
        "AlexNet: memory is early": {"network": "AlexNet", "cost": "activations (MB)"},
    }

    def __init__(self, tables=None, top1=None, *, network: str = "VGG-16",
                 cost: str = "parameters (M)"):
        if tables is None or top1 is None:
            tables, top1 = zoo_summaries(224)
        self.tables, self.top1 = dict(tables), dict(top1)
        missing = sorted(set(self.tables) - set(self.top1))
        if missing:
            raise ValueError(f"top1 has no accuracy for {missing}; it needs one per network "
                             f"in tables ({sorted(self.tables)})")
        self.profiles = {name: cost_profile(t) for name, t in self.tables.items()}
        self.costs = {label: {name: getattr(t, total) / unit for name, t in self.tables.items()}
                      for label, (_, total, unit) in COSTS.items()}
        self.network = new_control(widgets.Dropdown, "network", options=list(self.tables),
                                   value=network, description="network")
        self.cost = new_control(widgets.Dropdown, "cost", options=list(COSTS), value=cost,
                                description="cost")
        self.status = widgets.HTML()
        self.plot = FigureImage((10.0, 3.6), ncols=2)
        self._artists = draw_architectures(*self.plot.axes, self.tables, self.top1,
                                           self.profiles)
        self.box = widgets.VBox([widgets.HBox([self.network, self.cost]), self.status,
                                 self.plot.image])
        self.network.observe(self._update, names="value")
        self.cost.observe(self._update, names="value")
        self._update()

    def _update(self, change=None) -> None:
        name, cost = self.network.value, self.cost.value
        self.profile = self.profiles[name]
        update_architectures(*self.plot.axes, self._artists, self.costs[cost], cost, name,
                             self.top1, self.profile)
        half = int((self.profile[cost] < 0.5).sum()) + 1  # the layer where half is reached
        layers = len(self.profile[cost])
        c = self.costs
        self.status.value = (
            f"<b>{name}</b>: {c['parameters (M)'][name]:.1f}M parameters, "
            f"{c['G-MACs'][name]:.2f} G-MACs, {c['activations (MB)'][name]:.1f} MB of "
            f"activations per image, top-1 {self.top1[name]:.1f}% · half of its {cost} is "
            f"reached at weighted layer <b>{half}</b> of {layers}")
        self.half_layer = half
        self.plot.render()
