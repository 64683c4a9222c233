"""A scalar reverse-mode autograd engine, micrograd style (notebook 03).

Every operation builds a new ``Value`` and attaches a ``_backward`` closure holding only
the local chain rule (``self.grad += other.data * out.grad``). The closure is handed its
output node ``out`` when it runs rather than capturing it, so a graph has no reference
cycles and is freed as soon as nothing points at it. ``backward()`` visits the
graph in reverse topological order. Gradients accumulate (``+=``), as in PyTorch and
micrograd: a value used twice gets a contribution from each use, and a parameter used in
several graphs (one per training step) adds up every ``backward()`` until ``zero_grad()``
resets it. A second ``backward()`` through the same graph therefore doubles the leaves'
gradients (torch with ``retain_graph=True`` does the same); a training loop calls
``zero_grad()`` before each ``backward()``.

``Neuron``, ``Layer`` and ``MLP`` build micrograd's small network on ``Value`` with torch's
vocabulary (``parameters()``, ``zero_grad()``).
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterable, Sequence
from numbers import Real

import numpy as np

from course_utils.validate import as_array, as_number, check_shape

__all__ = [
    "Value", "count_paths", "sigmoid_neuron", "Module", "Neuron", "Layer", "MLP",
    "max_margin_loss",
]

_EXP_MAX = math.log(np.finfo(np.float64).max)  # 709.78: e^x is inf above it


class Value:
    """A scalar in a computational graph: its value, gradient, parents and the op made it."""

    def __init__(self, data: float, _children: tuple[Value, ...] = (), _op: str = "",
                 label: str = ""):
        if type(data) is float and math.isfinite(data):  # the fast path: every op's output
            self.data = data
        else:
            self.data = as_number(data, "Value data")
        self.grad = 0.0
        self._backward = lambda out: None
        self._prev = tuple(_children)
        self._op = _op
        self.label = label

    def __repr__(self) -> str:
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.4g}, grad={self.grad:.4g})"

    @staticmethod
    def _lift(other) -> Value:
        if isinstance(other, Value):
            return other
        if type(other) in (float, int) or isinstance(other, Real) and not isinstance(other, bool):
            return Value(other)
        raise TypeError(f"a Value combines with numbers or Values, got {type(other).__name__}")

    def __add__(self, other) -> Value:
        other = self._lift(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward(out: Value) -> None:
            self.grad += out.grad  # d(a + b)/da = 1
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other) -> Value:
        other = self._lift(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward(out: Value) -> None:  # called with out, the node made here
            self.grad += other.data * out.grad  # d(ab)/da = b
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, k) -> Value:
        if not isinstance(k, Real) or isinstance(k, bool):
            raise TypeError(f"only numeric powers are supported, got {type(k).__name__}")
        if self.data == 0 and k < 1:
            raise ValueError(f"0 ** {k} has no finite derivative")
        if self.data < 0 and k != int(k):
            raise ValueError(f"a negative number ({self.data}) to a fractional power ({k}) "
                             "is not real")
        out = Value(self.data**k, (self,), f"**{k:g}")

        def _backward(out: Value) -> None:
            self.grad += k * self.data ** (k - 1) * out.grad  # d(a^k)/da = k a^(k-1)
        out._backward = _backward
        return out

    def exp(self) -> Value:
        if self.data > _EXP_MAX:
            raise OverflowError(
                f"exp overflows float64 above {_EXP_MAX:.2f} (e^{_EXP_MAX:.2f} is about 1.8e308, "
                f"the largest float64), got exp({self.data}): keep the argument below 709, e.g. "
                "subtract the largest logit first, as a stable softmax does")
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward(out: Value) -> None:
            self.grad += out.data * out.grad  # d e^a / da = e^a
        out._backward = _backward
        return out

    def log(self) -> Value:
        if self.data <= 0:
            raise ValueError(f"log needs a positive value, got {self.data}")
        out = Value(math.log(self.data), (self,), "log")

        def _backward(out: Value) -> None:
            self.grad += out.grad / self.data  # d log a / da = 1/a
        out._backward = _backward
        return out

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward(out: Value) -> None:
            self.grad += (1 - t * t) * out.grad
        out._backward = _backward
        return out

    def sigmoid(self) -> Value:
        z = self.data
        s = 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
        out = Value(s, (self,), "sigmoid")

        def _backward(out: Value) -> None:
            self.grad += s * (1 - s) * out.grad  # sigma' = sigma (1 - sigma)
        out._backward = _backward
        return out

    def relu(self) -> Value:
        out = Value(max(self.data, 0.0), (self,), "relu")

        def _backward(out: Value) -> None:
            self.grad += (self.data > 0) * out.grad
        out._backward = _backward
        return out

    def __neg__(self) -> Value:
        return self * -1

    def __sub__(self, other) -> Value:
        return self + (-self._lift(other))

    def __truediv__(self, other) -> Value:
        return self * self._lift(other) ** -1

    def __radd__(self, other) -> Value:
        return self + other

    def __rmul__(self, other) -> Value:
        return self * other

    def __rsub__(self, other) -> Value:
        return self._lift(other) - self

    def __rtruediv__(self, other) -> Value:
        return self._lift(other) / self

    def topological_order(self) -> list[Value]:
        """Every node this value depends on, each after all of its inputs."""
        order, seen, stack = [], set(), [(self, False)]
        while stack:  # depth first, iterative: no recursion limit on deep graphs
            v, inputs_done = stack.pop()
            if inputs_done:
                order.append(v)
            elif id(v) not in seen:
                seen.add(id(v))
                stack.append((v, True))
                stack.extend((c, False) for c in reversed(v._prev) if id(c) not in seen)
        return order

    def backward(self) -> None:
        """Add d self / d leaf to ``grad`` of every leaf this value depends on.

        Leaves (inputs, parameters: nodes no operation made) accumulate, as in PyTorch: call
        ``zero_grad()`` first unless you mean to add to what an earlier ``backward()`` left.
        The graph's inner nodes hold this pass's d self / d node afterwards.
        """
        nodes = self.topological_order()
        for v in nodes:
            if v._prev:
                v.grad = 0.0  # inner nodes: this pass only (torch keeps no inner grads)
        self.grad = 1.0 if self._prev else self.grad + 1.0  # d self / d self = 1
        for v in reversed(nodes):
            v._backward(v)  # takes its node, so the closure holds no cycle

    def zero_grad(self) -> None:
        """Set every gradient in this graph (leaves included) to 0."""
        for v in self.topological_order():
            v.grad = 0.0


def count_paths(output: Value, node: Value) -> int:
    """How many paths lead from ``output`` back to ``node`` in the graph (each edge counted).

    ``a * a`` has two edges into ``a``, so ``a * a + a`` has three paths from the sum to
    ``a``; backpropagation adds one product of local derivatives per path. 0 when ``node``
    is not in the graph.
    """
    for name, v in (("output", output), ("node", node)):
        if not isinstance(v, Value):
            raise TypeError(f"{name} must be a Value, got {type(v).__name__}")
    paths: dict[int, int] = {}
    for v in output.topological_order():  # every node after its inputs
        paths[id(v)] = 1 if v is node else sum(paths[id(c)] for c in v._prev)
    return paths[id(output)]


def sigmoid_neuron(w: Iterable[float], x: Iterable[float]) -> dict[str, Value]:
    """Deck 001's neuron f(w, x) = 1 / (1 + e^-(w0 x0 + w1 x1 + w2)) as a labelled graph.

    Built from the primitive ops the deck draws (*, +, * -1, exp, + 1, 1/x), so each node's
    local derivative is one of e^x, 1/x, ax, c + x. Returns the named nodes; ``f`` is the
    output. Call ``nodes["f"].backward()`` to fill in the gradients.
    """
    w = as_array(w, "w", shape=(3,))
    x = as_array(x, "x", shape=(2,))
    w0, w1, w2 = (Value(float(v), label=f"w{i}") for i, v in enumerate(w))
    x0, x1 = (Value(float(v), label=f"x{i}") for i, v in enumerate(x))
    p0, p1 = w0 * x0, w1 * x1
    p0.label, p1.label = "w0*x0", "w1*x1"
    s = p0 + p1
    s.label = "sum"
    z = s + w2
    z.label = "z"
    neg = z * -1
    neg.label = "-z"
    e = neg.exp()
    e.label = "exp"
    d = e + 1
    d.label = "1+exp"
    f = d**-1
    f.label = "f"
    return {v.label: v for v in (w0, x0, w1, x1, w2, p0, p1, s, z, neg, e, d, f)}


class Module:
    """Base of ``Neuron``, ``Layer`` and ``MLP``: torch's ``parameters()`` and ``zero_grad()``."""

    def parameters(self) -> list[Value]:
        return []

    def zero_grad(self) -> None:
        """Reset every parameter's gradient to 0 (call it before each ``backward()``)."""
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    """``act(w . x + b)``: ``nin`` weights drawn uniformly from [-1, 1], bias 0 (micrograd)."""

    def __init__(self, nin: int, *, nonlin: bool = True, rng=None):
        rng = _rng(rng)
        self.w = [Value(float(v)) for v in rng.uniform(-1, 1, size=_positive(nin, "nin"))]
        self.b = Value(0.0)
        self.nonlin = nonlin

    def __call__(self, x: Sequence) -> Value:
        x = _inputs(x, len(self.w), "this neuron's nin")
        act = sum((wi * xi for wi, xi in zip(self.w, x, strict=True)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons that all read the same input; returns a list (a Value if nout = 1)."""

    def __init__(self, nin: int, nout: int, *, nonlin: bool = True, rng=None):
        rng = _rng(rng)
        self.neurons = [Neuron(nin, nonlin=nonlin, rng=rng)
                        for _ in range(_positive(nout, "nout"))]

    def __call__(self, x: Sequence) -> Value | list[Value]:
        x = _inputs(x, len(self.neurons[0].w), "this layer's nin")
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """micrograd's MLP: ReLU layers of sizes ``nouts``, the last one linear.

    Example: ``MLP(2, [16, 16, 1], seed=0)`` maps a point in the plane to one score.
    """

    def __init__(self, nin: int, nouts: Sequence[int], *, seed: int = 0):
        rng = np.random.default_rng(seed)
        sizes = [_positive(nin, "nin"), *(_positive(n, "nouts entries") for n in nouts)]
        if len(sizes) < 2:
            raise ValueError("nouts must list at least one layer size, got []")
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i < len(nouts) - 1, rng=rng)
                       for i in range(len(nouts))]

    def __call__(self, x: Sequence) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
            x = [x] if isinstance(x, Value) and layer is not self.layers[-1] else x
        return x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


def max_margin_loss(model: MLP, x, y, *, alpha: float = 1e-4) -> tuple[Value, float]:
    """micrograd's demo loss: mean(relu(1 - y score)) + alpha * sum(p^2), and the accuracy.

    Args:
        model: maps a point to one score (sign = class).
        x: points, array [N, D]; y: labels in {-1, +1}, array [N].
    Returns:
        the loss as a ``Value`` (call ``backward()`` on it), and the fraction of points
        whose score has the sign of their label (a score of 0 counts as +1, the course's
        z >= 0 convention).
    """
    x = as_array(x, "x", shape=(None, None), nonempty=True)
    y = as_array(y, "y", dtype=None)
    check_shape(y, "y", (len(x),), why="one label per row of x")
    alpha = as_number(alpha, "alpha", minimum=0.0)
    if y.dtype.kind not in "biuf" or not np.isin(y, (-1, 1)).all():
        raise ValueError("y must hold labels -1 and +1 (toy_2d(..., encoding='bipolar'))")
    was_enabled = gc.isenabled()
    gc.disable()  # the graph is ~10^5 small objects: the cycle collector would rescan them
    try:          # every few hundred allocations and make this ten times slower
        scores = [model([float(v) for v in row]) for row in x]
    finally:
        if was_enabled:
            gc.enable()
    margins = [(1 - int(yi) * s).relu() for yi, s in zip(y, scores, strict=True)]
    data_loss = sum(margins, Value(0.0)) * (1.0 / len(margins))
    reg = alpha * sum((p * p for p in model.parameters()), Value(0.0))
    accuracy = float(np.mean([(s.data >= 0) == (yi > 0) for yi, s in zip(y, scores,
                                                                         strict=True)]))
    return data_loss + reg, accuracy


def _inputs(x, n: int, what: str) -> list:
    """x as a list of n Values or finite floats (a layer's output passes as it is), or a
    clear error: the n numbers of one input point, not a batch."""
    if isinstance(x, Value):
        x = [x]
    if isinstance(x, list) and all(isinstance(v, Value) or (
            type(v) is float and math.isfinite(v)) for v in x):
        values = x  # the fast path: a previous layer's Values, or floats already checked
    elif isinstance(x, list | tuple) and any(isinstance(v, Value) for v in x):
        values = list(x)
    else:
        values = as_array(x, "x").tolist()
        if not isinstance(values, list) or any(isinstance(v, list) for v in values):
            raise ValueError(f"x must be one input point, {n} numbers ({what}), got shape "
                             f"{np.shape(x)}: call the model once per point")
    if len(values) != n:
        raise ValueError(f"x must have {n} entries ({what}), got {len(values)}")
    return values


def _rng(rng) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def _positive(n, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"{what} must be a whole number >= 1, got {n!r}")
    return int(n)
