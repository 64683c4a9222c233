"""Multi-layer perceptrons in numpy, with a hand-written backward pass (notebooks 02, 03).

- ``MLP``: a stack of linear layers and one activation, trained with mini-batch gradient
  descent and L2 weight decay on softmax cross-entropy. Its ``backward`` is the deck-001
  equations: ``delta^l = (W^{l+1})^T delta^{l+1} (.) sigma'(z^l)``, ``dL/dW^l = delta^l
  x^T`` (row-major here: ``dW = a^T delta``). The playground widget steps it; tests step it
  without any widget, and compare its gradients with PyTorch's.
- ``xor_network``: deck 004's hand-built XOR from sigmoid units with weights of +-20.
- ``fit_1d``: one hidden layer fitting a 1D function (universal approximation).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from course_utils.activations import get_activation
from course_utils.layers import (
    activation_backward,
    activation_forward,
    linear_backward,
    linear_forward,
    softmax,
    softmax_cross_entropy,
)
from course_utils.validate import as_array, as_number, check_shape

__all__ = [
    "Layer", "init_layers", "MLP", "xor_network", "collapse_linear", "forward_stack", "Fit1D",
    "fit_1d", "tent", "sawtooth", "count_linear_pieces", "PlaygroundRun",
]


class Layer(NamedTuple):
    w: np.ndarray  # [D_in, D_out]
    b: np.ndarray  # [D_out]


def init_layers(sizes: list[int], *, seed: int = 0, activation: str = "tanh") -> list[Layer]:
    """Random weights for layer sizes like ``[2, 8, 8, 2]``: He for ReLU-like, else Xavier."""
    if len(sizes) < 2 or any(isinstance(s, bool) or int(s) != s or s < 1 for s in sizes):
        raise ValueError(f"sizes must be at least two positive ints (inputs ... outputs), "
                         f"got {sizes}")
    get_activation(activation)
    rng = np.random.default_rng(as_number(seed, "seed", minimum=0, integer=True))
    gain = 2.0 if activation in ("relu", "leaky_relu", "prelu", "elu") else 1.0
    return [Layer(rng.normal(0, np.sqrt(gain / d_in), size=(d_in, d_out)), np.zeros(d_out))
            for d_in, d_out in zip(sizes[:-1], sizes[1:], strict=True)]


class MLP:
    """An MLP classifier in numpy: forward, hand-written backward, one SGD step at a time.

    Args:
        sizes: ``[inputs, hidden..., classes]``. activation: a name from ``ACTIVATIONS``.
        lr: learning rate. l2: weight decay ``l2/2 * sum W^2`` added to the loss.
        batch_size: rows per step (``None``: the whole training set). seed: weights and order.
    """

    def __init__(self, sizes: list[int], *, activation: str = "tanh", lr: float = 0.1,
                 l2: float = 0.0, batch_size: int | None = None, seed: int = 0):
        self.sizes = [int(s) for s in sizes]
        self.activation = activation
        self.lr = as_number(lr, "lr", minimum=0.0)
        self.l2 = as_number(l2, "l2", minimum=0.0)
        self.batch_size = None if batch_size is None else as_number(
            batch_size, "batch_size", minimum=1, integer=True)
        self.layers = init_layers(self.sizes, seed=seed, activation=activation)
        self.rng = np.random.default_rng(seed)
        self.steps = 0

    def forward(self, x) -> tuple[np.ndarray, list]:
        """Class scores [N, C] for inputs x [N, D], and the caches for ``backward``."""
        a = as_array(x, "x", shape=(None, self.sizes[0]))
        caches = []
        for i, layer in enumerate(self.layers):
            z, lin = linear_forward(a, layer.w, layer.b)
            if i == len(self.layers) - 1:
                caches.append((lin, None))
                return z, caches
            a, act = activation_forward(z, self.activation)
            caches.append((lin, act))
        raise AssertionError("unreachable")

    def backward(self, dscores, caches) -> list[Layer]:
        """Gradients of every layer's (w, b), last layer first in the loop, returned in order."""
        grads = []
        delta = dscores
        for layer, (lin, act) in zip(reversed(self.layers), reversed(caches), strict=True):
            if act is not None:
                delta = activation_backward(delta, act)  # delta^l = dL/da^l (.) f'(z^l)
            da, dw, db = linear_backward(delta, lin)  # dW = a^T delta; da = delta W^T
            grads.append(Layer(dw + self.l2 * layer.w, db))
            delta = da
        return grads[::-1]

    def _data(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """x [N, inputs] (N >= 1) and class labels y [N] in 0..classes-1, or a clear error."""
        x = as_array(x, "x", shape=(None, self.sizes[0]), nonempty=True)
        y = as_array(y, "y", dtype="int")
        check_shape(y, "y", (len(x),), why="one label per row of x")
        if y.min() < 0 or y.max() >= self.sizes[-1]:
            raise ValueError(f"y must hold class labels 0..{self.sizes[-1] - 1}, got values "
                             f"from {y.min()} to {y.max()}")
        return x, y

    def loss_and_grads(self, x, y) -> tuple[float, list[Layer]]:
        """Cross-entropy (+ L2 penalty) on (x, y) and its gradient for every layer."""
        x, y = self._data(x, y)
        with np.errstate(over="ignore", invalid="ignore"):
            scores, caches = self.forward(x)
        if not np.isfinite(scores).all():
            raise FloatingPointError(
                f"the scores overflowed at step {self.steps + 1}: the learning rate "
                f"{self.lr:g} is too large for this network (training diverged)")
        loss, dscores = softmax_cross_entropy(scores, y)
        penalty = 0.5 * self.l2 * sum(float(np.sum(layer.w**2)) for layer in self.layers)
        return loss + penalty, self.backward(dscores, caches)

    def step(self, x, y) -> float:
        """One gradient-descent step on a mini-batch drawn from (x, y); returns its loss."""
        x, y = self._data(x, y)
        n = len(x)
        if self.batch_size is not None and self.batch_size < n:
            rows = self.rng.choice(n, self.batch_size, replace=False)
            x, y = x[rows], y[rows]
        loss, grads = self.loss_and_grads(x, y)
        if not np.isfinite(loss) or loss > 1e6:  # cross-entropy starts near log(classes)
            raise FloatingPointError(f"the loss reached {loss:.3g} at step {self.steps + 1}: "
                                     f"the learning rate {self.lr:g} is too large for this "
                                     "network (training diverged)")
        self.layers = [Layer(layer.w - self.lr * g.w, layer.b - self.lr * g.b)
                       for layer, g in zip(self.layers, grads, strict=True)]
        self.steps += 1
        return loss

    def predict_proba(self, x) -> np.ndarray:
        return softmax(self.forward(x)[0])

    def predict(self, x) -> np.ndarray:
        return self.forward(x)[0].argmax(axis=1)

    def accuracy(self, x, y) -> float:
        x, y = self._data(x, y)
        return float(np.mean(self.predict(x) == y))

    def loss(self, x, y) -> float:
        x, y = self._data(x, y)
        return softmax_cross_entropy(self.forward(x)[0], y)[0]

    def n_parameters(self) -> int:
        return sum(layer.w.size + layer.b.size for layer in self.layers)


# -- deck 004's XOR network ------------------------------------------------------------------

XOR_UNITS = {  # (w1, w2, b) of each sigmoid unit, as deck 004 draws them
    "h1 = NAND": (-20.0, -20.0, 30.0),
    "h2 = OR": (20.0, 20.0, -10.0),
    "out = AND(h1, h2)": (20.0, 20.0, -30.0),
}


def xor_network(x) -> dict[str, np.ndarray]:
    """Deck 004's XOR: two sigmoid hidden units (NAND, OR) and an AND output, x [N, 2] in {0,1}."""
    x = as_array(x, "x", shape=(None, 2))
    sigma = get_activation("logistic").f
    units = list(XOR_UNITS.values())
    h1 = sigma(x @ np.array(units[0][:2]) + units[0][2], 0.0)
    h2 = sigma(x @ np.array(units[1][:2]) + units[1][2], 0.0)
    out = sigma(np.column_stack([h1, h2]) @ np.array(units[2][:2]) + units[2][2], 0.0)
    return {"h1": h1, "h2": h2, "out": out}


# -- linear layers collapse ------------------------------------------------------------------

def collapse_linear(layers: list[Layer]) -> Layer:
    """The single linear map equal to a stack of linear layers: W = W1 W2 ..., b folded in."""
    layers = _check_layers(layers)
    w, b = layers[0].w, layers[0].b
    for layer in layers[1:]:
        w, b = w @ layer.w, b @ layer.w + layer.b  # (x W1 + b1) W2 + b2 = x W1W2 + (b1W2 + b2)
    return Layer(w, b)


def forward_stack(layers: list[Layer], x, *, activation: str | None = None) -> np.ndarray:
    """Apply layers in turn, with ``activation`` between them (None: purely linear).

    x: [..., D_in], one point or any batch shape (the layers act on the last axis).
    """
    layers = _check_layers(layers)
    a = as_array(x, "x")
    if a.ndim == 0 or a.shape[-1] != layers[0].w.shape[0]:
        raise ValueError(f"x must have {layers[0].w.shape[0]} features on its last axis (the "
                         f"D_in of layers[0].w {layers[0].w.shape}), got shape {a.shape}")
    for i, layer in enumerate(layers):
        a = a @ layer.w + layer.b
        if activation is not None and i < len(layers) - 1:
            a = get_activation(activation).f(a, get_activation(activation).alpha)
    return a


def _check_layers(layers) -> list[Layer]:
    """``layers`` as Layers of finite floats whose sizes chain (w [D_in, D_out], b [D_out])."""
    if isinstance(layers, Layer) or not isinstance(layers, list | tuple) or not layers:
        raise TypeError(f"layers must be a non-empty list of Layer(w, b), got "
                        f"{type(layers).__name__}")
    out = []
    for i, layer in enumerate(layers):
        w = as_array(layer[0], f"layers[{i}].w", shape=(None, None))
        if i and w.shape[0] != out[-1].w.shape[1]:
            raise ValueError(f"layers[{i}].w must have {out[-1].w.shape[1]} rows, the outputs "
                             f"of layers[{i - 1}], got shape {w.shape}")
        out.append(Layer(w, as_array(layer[1], f"layers[{i}].b", shape=(w.shape[1],))))
    return out


# -- universal approximation ------------------------------------------------------------------

class Fit1D(NamedTuple):
    hidden: int
    x: np.ndarray
    y: np.ndarray
    prediction: np.ndarray
    max_error: float
    rms_error: float


def fit_1d(target, hidden: int, *, n: int = 200, steps: int = 3000, lr: float = 0.02,
           activation: str = "tanh", seed: int = 0) -> Fit1D:
    """One hidden layer of ``hidden`` units fitted to ``target(x)`` on [-1, 1] with Adam.

    Returns the fit on a grid and its max / RMS error. Used for the error-vs-width curve.
    """
    hidden = as_number(hidden, "hidden", minimum=1, integer=True)
    n = as_number(n, "n", minimum=2, integer=True)
    steps = as_number(steps, "steps", minimum=1, integer=True)
    lr = as_number(lr, "lr", minimum=0.0)
    x = np.linspace(-1, 1, n)[:, None]
    y = as_array(target(x[:, 0]), "target(x)", shape=(n,))[:, None]
    layers = init_layers([1, hidden, 1], seed=seed, activation=activation)
    params = [p for layer in layers for p in layer]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    for t in range(1, steps + 1):
        z1, c1 = linear_forward(x, *params[:2])
        a1, ca = activation_forward(z1, activation)
        pred, c2 = linear_forward(a1, *params[2:])
        dpred = 2 * (pred - y) / n
        da1, dw2, db2 = linear_backward(dpred, c2)
        _, dw1, db1 = linear_backward(activation_backward(da1, ca), c1)
        for i, g in enumerate((dw1, db1, dw2, db2)):  # Adam (notebook 04 derives it)
            m[i] = 0.9 * m[i] + 0.1 * g
            v[i] = 0.999 * v[i] + 0.001 * g * g
            params[i] = params[i] - lr * (m[i] / (1 - 0.9**t)) / (
                np.sqrt(v[i] / (1 - 0.999**t)) + 1e-8)
    pred = forward_stack([Layer(*params[:2]), Layer(*params[2:])], x, activation=activation)
    err = pred[:, 0] - y[:, 0]
    return Fit1D(hidden, x[:, 0], y[:, 0], pred[:, 0], float(np.abs(err).max()),
                 float(np.sqrt(np.mean(err**2))))


# -- the efficiency of depth ------------------------------------------------------------------

def tent(x) -> np.ndarray:
    """The tent map on [0, 1] as two ReLU units: 2 relu(x) - 4 relu(x - 1/2)."""
    x = as_array(x, "x")
    return 2 * np.maximum(x, 0) - 4 * np.maximum(x - 0.5, 0)


def sawtooth(x, depth: int) -> np.ndarray:
    """``depth`` tent maps composed: a ReLU net of ``depth`` layers of 2 units each."""
    depth = as_number(depth, "depth", minimum=1, integer=True)
    a = as_array(x, "x")
    for _ in range(depth):
        a = tent(a)
    return a


def count_linear_pieces(y, x) -> int:
    """How many straight pieces a piecewise-linear curve y(x), sampled finely, is made of."""
    x = as_array(x, "x", shape=(None,))
    y = as_array(y, "y")
    check_shape(y, "y", x.shape, like="x")
    if len(x) < 2 or np.any(np.diff(x) <= 0):
        raise ValueError("x must hold at least two samples in increasing order (y sampled "
                         "along x)")
    slope = np.diff(y) / np.diff(x)
    changes = np.abs(np.diff(slope)) > 1e-6 * max(1.0, np.abs(slope).max())
    # a kink between two samples shows as two slope changes in a row: count it once
    starts = changes & ~np.r_[False, changes[:-1]]
    return int(starts.sum()) + 1


# -- the playground's state: a plain object the widget steps -------------------------------

class PlaygroundRun:
    """A dataset split in train / test, an ``MLP``, and its loss history (notebook 02).

    The playground widget calls ``advance(steps)`` on each tick of its Play control and
    redraws; tests call it directly. ``diverged`` holds the message when training blew up.
    """

    def __init__(self, *, dataset: str = "xor", noise: float | None = None, layers: int = 1,
                 units: int = 8, activation: str = "tanh", lr: float = 0.3,
                 batch_size: int | None = 32, l2: float = 0.0, n: int = 200, seed: int = 0):
        from course_utils.data.toy import toy_2d

        layers = as_number(layers, "layers", minimum=1, maximum=6, integer=True)
        units = as_number(units, "units", minimum=1, maximum=64, integer=True)
        x, y = toy_2d(dataset, n=2 * n, noise=noise, seed=seed)
        self.x_train, self.y_train, self.x_test, self.y_test = x[:n], y[:n], x[n:], y[n:]
        self.net = MLP([2, *[units] * layers, 2], activation=activation, lr=lr, l2=l2,
                       batch_size=batch_size, seed=seed)
        self.history: dict[str, list[float]] = {"step": [], "train_loss": [], "test_loss": []}
        self.diverged: str | None = None
        self._record()

    def _record(self) -> None:
        self.history["step"].append(self.net.steps)
        self.history["train_loss"].append(self.net.loss(self.x_train, self.y_train))
        self.history["test_loss"].append(self.net.loss(self.x_test, self.y_test))

    def advance(self, steps: int = 10) -> None:
        """Take ``steps`` training steps (none once diverged), then record the losses."""
        if self.diverged:
            return
        try:
            for _ in range(steps):
                self.net.step(self.x_train, self.y_train)
            self._record()
        except FloatingPointError as error:
            self.diverged = str(error)

    @property
    def train_accuracy(self) -> float:
        return self.net.accuracy(self.x_train, self.y_train)

    @property
    def test_accuracy(self) -> float:
        return self.net.accuracy(self.x_test, self.y_test)
