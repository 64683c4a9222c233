"""Layers as forward/backward pairs in numpy, CS231n style (notebooks 02 and 03).

``*_forward(...) -> (out, cache)`` and ``*_backward(dout, cache) -> gradients``: one
gradient line per forward line, each with its chain-rule comment. Shapes: a batch of ``N``
rows; ``x [N, D]``, ``w [D, M]``, ``b [M]``. Every backward is tested against torch
autograd in float64 (tests/test_layers.py).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from course_utils.activations import get_activation
from course_utils.validate import as_array, check_shape

__all__ = [
    "LinearCache", "linear_forward", "linear_backward", "ActivationCache", "activation_forward",
    "activation_backward", "sigmoid_forward", "sigmoid_backward", "tanh_forward",
    "tanh_backward", "relu_forward", "relu_backward", "softmax", "softmax_cross_entropy", "mse",
    "half_squared_error", "softmax_backward",
]


class LinearCache(NamedTuple):
    x: np.ndarray
    w: np.ndarray


def linear_forward(x, w, b) -> tuple[np.ndarray, LinearCache]:
    """``out = x @ w + b``: x [N, D], w [D, M], b [M] -> out [N, M]."""
    x = as_array(x, "x", shape=(None, None))
    w = as_array(w, "w", shape=(x.shape[1], None))
    b = as_array(b, "b", shape=(w.shape[1],))
    return x @ w + b, LinearCache(x, w)


def linear_backward(dout, cache: LinearCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients (dx [N, D], dw [D, M], db [M]) of ``linear_forward`` given dout [N, M]."""
    x, w = cache
    dout = as_array(dout, "dout", shape=(x.shape[0], w.shape[1]))
    dx = dout @ w.T  # dL/dx = dL/dout W^T
    dw = x.T @ dout  # dL/dW = x^T dL/dout (deck 001: delta x^T, summed over the batch)
    db = dout.sum(axis=0)  # the bias is added to every row
    return dx, dw, db


class ActivationCache(NamedTuple):
    name: str
    z: np.ndarray
    alpha: float


def activation_forward(z, name: str, *, alpha: float | None = None):
    """``a = f(z)`` elementwise for any activation of ``course_utils.activations``."""
    act = get_activation(name)
    z = as_array(z, "z")
    a = act.alpha if alpha is None else alpha
    return act.f(z, a), ActivationCache(name, z, a)


def activation_backward(dout, cache: ActivationCache) -> np.ndarray:
    """``dz = dout * f'(z)``: the local derivative times the upstream gradient."""
    dout = as_array(dout, "dout")
    check_shape(dout, "dout", cache.z.shape, like="the cached z")
    return dout * get_activation(cache.name).df(cache.z, cache.alpha)  # chain rule


def sigmoid_forward(z):
    """The logistic function as a layer: ``(sigma(z), cache)``."""
    return activation_forward(z, "logistic")


def sigmoid_backward(dout, cache: ActivationCache) -> np.ndarray:
    """``dz = dout * s (1 - s)`` with ``s = sigma(z)``."""
    return activation_backward(dout, cache)


def tanh_forward(z):
    return activation_forward(z, "tanh")


def tanh_backward(dout, cache: ActivationCache) -> np.ndarray:
    return activation_backward(dout, cache)


def relu_forward(z):
    return activation_forward(z, "relu")


def relu_backward(dout, cache: ActivationCache) -> np.ndarray:
    return activation_backward(dout, cache)


def softmax(z, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax: subtracting the max changes nothing but avoids overflow."""
    z = as_array(z, "z")
    if not isinstance(axis, int | np.integer) or not -z.ndim <= axis < max(z.ndim, 1):
        raise ValueError(f"axis must be an axis of z, from {-z.ndim} to {z.ndim - 1} for z of "
                         f"shape {z.shape}, got {axis!r}")
    if z.ndim == 0 or z.shape[axis] == 0:
        raise ValueError(f"z must have at least one score along axis {axis} (softmax over "
                         f"nothing is undefined), got shape {z.shape}")
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _labels(y, n: int, classes: int) -> np.ndarray:
    y = as_array(y, "y", dtype="int")
    check_shape(y, "y", (n,), why="one label per row of scores")
    if y.size and (y.min() < 0 or y.max() >= classes):
        raise ValueError(f"labels y must be class indices in 0..{classes - 1}, got values "
                         f"from {y.min()} to {y.max()}")
    return y


def softmax_cross_entropy(scores, y) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of softmax(scores) [N, C] for labels y [N], and d loss / d scores."""
    scores = as_array(scores, "scores", shape=(None, None), nonempty=True)
    y = _labels(y, len(scores), scores.shape[1])
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = len(scores)
    loss = -log_p[np.arange(n), y].mean()
    dscores = np.exp(log_p)
    dscores[np.arange(n), y] -= 1  # dL/dz = p - onehot(y), averaged over the batch
    return float(loss), dscores / n


def mse(pred, target) -> tuple[float, np.ndarray]:
    """Mean squared error over all entries, and d loss / d pred."""
    pred = as_array(pred, "pred", nonempty=True)  # the mean of no entries is undefined
    target = as_array(target, "target")
    check_shape(target, "target", pred.shape, like="pred")
    diff = pred - target
    return float(np.mean(diff**2)), 2 * diff / diff.size  # d mean(d^2) / d pred


def half_squared_error(pred, target) -> tuple[float, np.ndarray]:
    """``1/2 sum (pred - target)^2`` and its gradient ``pred - target`` (notebook 03).

    Decks 000 and 004 use it for its tidy derivative (deck 004 calls it "L2 loss"). The
    course's L2 loss is ``mse``, the mean: over K entries, mse = (2 / K) half_squared_error.
    """
    pred = as_array(pred, "pred")
    target = as_array(target, "target")
    check_shape(target, "target", pred.shape, like="pred")
    diff = pred - target
    return float(0.5 * np.sum(diff**2)), diff


def softmax_backward(dout, p) -> np.ndarray:
    """Gradient through softmax rows: ``dz = p * (dout - sum(dout * p))`` (its Jacobian)."""
    p = as_array(p, "p")
    dout = as_array(dout, "dout")
    check_shape(dout, "dout", p.shape, like="p")
    return p * (dout - np.sum(dout * p, axis=-1, keepdims=True))
