"""Drawing a computational graph with matplotlib (notebook 03): no graphviz needed.

Nodes are placed in columns by their depth from the inputs (a longest-path layering), and
rows in order of appearance; each node shows its label, op, value and gradient as far as
the caller says they are known, so a stepper can fill them in one at a time.
"""

from __future__ import annotations

from collections.abc import Collection

from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from course_utils.autograd import Value


def graph_layout(output: Value) -> dict[int, tuple[float, float]]:
    """(column, row) of every node: a node sits one column right of its deepest input."""
    order = output.topological_order()
    depth: dict[int, int] = {}
    for v in order:
        depth[id(v)] = 1 + max((depth[id(c)] for c in v._prev), default=-1)
    for v in order:  # an unnamed constant (the -1 in -z, the 1 in 1 + e) sits by its user
        for c in v._prev:
            if not c._prev and not c.label:
                depth[id(c)] = depth[id(v)] - 1
    rows: dict[int, int] = {}
    pos = {}
    for v in order:
        d = depth[id(v)]
        pos[id(v)] = (float(d), -float(rows.get(d, 0)))
        rows[d] = rows.get(d, 0) + 1
    return pos


def node_text(v: Value, *, value: bool, grad: bool) -> str:
    name = v.label or (f"{v.data:g}" if not v._prev else v._op)
    lines = [f"{name}" + (f"  [{v._op}]" if v._op and v.label else "")]
    lines.append(f"value {v.data:.3f}" if value else "value ?")
    lines.append(f"grad {v.grad:.3f}" if grad else "grad ?")
    return "\n".join(lines)


def draw_graph(ax: Axes, output: Value, *, known_values: Collection[int] | None = None,
               known_grads: Collection[int] = (), highlight: int | None = None) -> None:
    """Draw ``output``'s graph on ``ax``; ``known_*`` are ``id(node)``s whose numbers show."""
    ax.clear()
    pos = graph_layout(output)
    nodes = output.topological_order()
    known_values = {id(v) for v in nodes} if known_values is None else set(known_values)
    for v in nodes:
        for child in v._prev:
            (x0, y0), (x1, y1) = pos[id(child)], pos[id(v)]
            ax.add_patch(FancyArrowPatch((x0 + 0.32, y0), (x1 - 0.32, y1), arrowstyle="-|>",
                                         mutation_scale=10, color="#888", lw=1))
    for v in nodes:
        x, y = pos[id(v)]
        colour = "#fff3b0" if id(v) == highlight else (
            "#d8f3dc" if id(v) in known_grads else "#e7f0fa" if id(v) in known_values
            else "#f2f2f2")
        ax.add_patch(FancyBboxPatch((x - 0.3, y - 0.3), 0.6, 0.6, boxstyle="round,pad=0.02",
                                    fc=colour, ec="#333", lw=1.2 if id(v) == highlight else 0.6))
        ax.text(x, y, node_text(v, value=id(v) in known_values, grad=id(v) in known_grads),
                ha="center", va="center", fontsize=7, family="monospace")
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set(xlim=(min(xs) - 0.45, max(xs) + 0.45), ylim=(min(ys) - 0.45, max(ys) + 0.45))
    ax.set_axis_off()


def plot_graph(output: Value, *, title: str = ""):
    """A static figure of a fully computed graph (values and gradients)."""
    from course_utils.plotting.base import subplots

    width = max(graph_layout(output)[id(v)][0] for v in output.topological_order()) + 1
    fig, ax = subplots(1, 1, (1.55 * width + 0.5, 4.2))
    nodes = output.topological_order()
    draw_graph(ax, output, known_grads={id(v) for v in nodes})
    ax.set_title(title)
    return fig
