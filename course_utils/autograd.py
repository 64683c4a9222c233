"""A scalar reverse-mode autograd engine, micrograd style (notebook 03).

Every operation builds a new ``Value`` and attaches a ``_backward`` closure holding only
the local chain rule (``self.grad += other.data * out.grad``). ``backward()`` visits the
graph in reverse topological order. Gradients accumulate (``+=``), as in PyTorch, because a
value used twice gets a contribution from each use; calling ``backward()`` a second time
without ``zero_grad()`` would silently double them, so it raises instead.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Real

from course_utils.validate import as_number


class Value:
    """A scalar in a computational graph: its value, gradient, parents and the op made it."""

    def __init__(self, data: float, _children: tuple[Value, ...] = (), _op: str = "",
                 label: str = ""):
        self.data = as_number(data, "Value data")
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = tuple(_children)
        self._op = _op
        self.label = label
        self._backward_done = False

    def __repr__(self) -> str:
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.4g}, grad={self.grad:.4g})"

    @staticmethod
    def _lift(other) -> Value:
        if isinstance(other, Value):
            return other
        if isinstance(other, Real) and not isinstance(other, bool):
            return Value(other)
        raise TypeError(f"a Value combines with numbers or Values, got {type(other).__name__}")

    def __add__(self, other) -> Value:
        other = self._lift(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad  # d(a + b)/da = 1
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other) -> Value:
        other = self._lift(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
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

        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad  # d(a^k)/da = k a^(k-1)
        out._backward = _backward
        return out

    def exp(self) -> Value:
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad  # d e^a / da = e^a
        out._backward = _backward
        return out

    def log(self) -> Value:
        if self.data <= 0:
            raise ValueError(f"log needs a positive value, got {self.data}")
        out = Value(math.log(self.data), (self,), "log")

        def _backward():
            self.grad += out.grad / self.data  # d log a / da = 1/a
        out._backward = _backward
        return out

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t * t) * out.grad
        out._backward = _backward
        return out

    def sigmoid(self) -> Value:
        z = self.data
        s = 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
        out = Value(s, (self,), "sigmoid")

        def _backward():
            self.grad += s * (1 - s) * out.grad  # sigma' = sigma (1 - sigma)
        out._backward = _backward
        return out

    def relu(self) -> Value:
        out = Value(max(self.data, 0.0), (self,), "relu")

        def _backward():
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
        order, seen = [], set()

        def visit(v: Value) -> None:
            if id(v) not in seen:
                seen.add(id(v))
                for child in v._prev:
                    visit(child)
                order.append(v)
        visit(self)
        return order

    def backward(self) -> None:
        """Fill ``grad`` of every node with d self / d node (self.grad is set to 1)."""
        nodes = self.topological_order()
        if any(v._backward_done for v in nodes):
            raise RuntimeError("backward() already ran through this graph: gradients would "
                               "add up twice. Call zero_grad() on the output first (as "
                               "optimizer.zero_grad() in PyTorch), then backward() again")
        for v in nodes:
            v.grad = 0.0
        self.grad = 1.0
        for v in reversed(nodes):
            v._backward()
            v._backward_done = True

    def zero_grad(self) -> None:
        """Set every gradient in this graph to 0 so that ``backward()`` may run again."""
        for v in self.topological_order():
            v.grad = 0.0
            v._backward_done = False


def sigmoid_neuron(w: Iterable[float], x: Iterable[float]) -> dict[str, Value]:
    """Deck 001's neuron f(w, x) = 1 / (1 + e^-(w0 x0 + w1 x1 + w2)) as a labelled graph.

    Built from the primitive ops the deck draws (*, +, * -1, exp, + 1, 1/x), so each node's
    local derivative is one of e^x, 1/x, ax, c + x. Returns the named nodes; ``f`` is the
    output. Call ``nodes["f"].backward()`` to fill in the gradients.
    """
    w0, w1, w2 = (Value(v, label=f"w{i}") for i, v in enumerate(w))
    x0, x1 = (Value(v, label=f"x{i}") for i, v in enumerate(x))
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
