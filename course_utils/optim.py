"""Optimizers written from scratch in numpy, step for step as ``torch.optim`` (notebook 04).

``SGD`` (with momentum and Nesterov, in PyTorch's formulation: ``v <- mu v + g``,
``p <- p - lr v``, or ``p <- p - lr (g + mu v)`` for Nesterov) and ``Adam``. Each keeps its
state and maps ``(params, grads) -> new params``; tests run 100+ steps beside torch.optim
on the same function and assert the same trajectory. Also the 2D loss surfaces that the
optimizer race draws, ``run_optimizer`` that stops cleanly when a run diverges (its loss
grows a hundredfold), ``hessian`` and ``stable_lr`` (2 / L, L the largest curvature), and
deck 001's three searches for weights (random, random local, gradient descent) on a
softmax regression, with ``seconds_per_call`` to time what a step costs.
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Real
from typing import NamedTuple

import numpy as np

from course_utils.errors import unknown_name
from course_utils.validate import as_array, as_number, check_shape

__all__ = [
    "SGD", "Adam", "make_optimizer", "Surface", "Path", "run_optimizer", "hessian", "stable_lr",
    "softmax_regression", "softmax_regression_loss", "seconds_per_call", "SearchRun",
    "random_search", "random_local_search", "gradient_descent", "BatchRun", "minibatch_descent",
    "torch_trajectory",
]


def _positive_lr(lr) -> float:
    """A finite learning rate > 0, or a ValueError saying so (NaN, inf, 0 and -1 all refused)."""
    try:
        value = as_number(lr, "lr")
    except ValueError:
        value = None
    if value is None or value <= 0:
        raise ValueError(f"lr must be a positive finite number (e.g. 0.1), got {lr!r:.40}")
    return value


def _check_pairs(params, grads) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Lists of finite float arrays, each gradient of its parameter's shape (p - lr * g
    would broadcast silently), or a clear error; returns them as arrays."""
    for name, value in (("params", params), ("grads", grads)):
        if not isinstance(value, list | tuple):
            raise TypeError(f"{name} must be a list of arrays (one per parameter), got "
                            f"{type(value).__name__}")
    params = [as_array(p, f"params[{i}]") for i, p in enumerate(params)]
    grads = [as_array(g, f"grads[{i}]") for i, g in enumerate(grads)]
    if len(params) != len(grads):
        raise ValueError(f"grads must hold one gradient per parameter: got {len(params)} "
                         f"params and {len(grads)} grads")
    for i, (p, g) in enumerate(zip(params, grads, strict=True)):
        if np.shape(p) != np.shape(g):
            raise ValueError(
                f"grads[{i}] must have the shape of params[{i}], {tuple(np.shape(p))}, got "
                f"{tuple(np.shape(g))}: p - lr * g would broadcast to the wrong shape. "
                f"Reshape the gradient, e.g. g.reshape(p.shape)")
    return params, grads


class SGD:
    """Stochastic gradient descent with optional (Nesterov) momentum and weight decay."""

    def __init__(self, *, lr: float, momentum: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0):
        self.lr = as_number(lr, "lr", minimum=0.0)
        self.momentum = as_number(momentum, "momentum", minimum=0.0)
        self.weight_decay = as_number(weight_decay, "weight_decay", minimum=0.0)
        if nesterov and self.momentum == 0:
            raise ValueError("Nesterov momentum needs momentum > 0")
        self.nesterov = nesterov
        self.velocity: list[np.ndarray] | None = None

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> list[np.ndarray]:
        params, grads = _check_pairs(params, grads)
        grads = [g + self.weight_decay * p for p, g in zip(params, grads, strict=True)]
        if self.momentum:
            if self.velocity is None:  # torch starts the buffer at the first gradient
                self.velocity = [g.copy() for g in grads]
            else:
                self.velocity = [self.momentum * v + g
                                 for v, g in zip(self.velocity, grads, strict=True)]
            if self.nesterov:  # look ahead: step along g + mu v
                grads = [g + self.momentum * v for g, v in zip(grads, self.velocity, strict=True)]
            else:
                grads = self.velocity
        return [p - self.lr * g for p, g in zip(params, grads, strict=True)]


class Adam:
    """Adam: running means of the gradient (m) and its square (v), bias-corrected."""

    def __init__(self, *, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8):
        self.lr = as_number(lr, "lr", minimum=0.0)
        self.b1, self.b2 = _betas(betas)
        self.eps = as_number(eps, "eps", minimum=0.0)
        self.t = 0
        self.m: list[np.ndarray] | None = None
        self.v: list[np.ndarray] | None = None

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> list[np.ndarray]:
        params, grads = _check_pairs(params, grads)
        if self.m is None:
            self.m = [np.zeros_like(g) for g in grads]
            self.v = [np.zeros_like(g) for g in grads]
        self.t += 1
        out = []
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            self.m[i] = self.b1 * self.m[i] + (1 - self.b1) * g  # first moment
            self.v[i] = self.b2 * self.v[i] + (1 - self.b2) * g * g  # second moment
            m_hat = self.m[i] / (1 - self.b1**self.t)  # bias correction: m starts at 0
            v_hat = self.v[i] / (1 - self.b2**self.t)
            out.append(p - self.lr * m_hat / (np.sqrt(v_hat) + self.eps))
        return out


def _betas(betas) -> tuple[float, float]:
    pair = betas if isinstance(betas, (tuple, list)) else None
    ok = pair is not None and len(pair) == 2 and all(
        isinstance(b, Real) and not isinstance(b, bool) and 0 <= b < 1 for b in pair)
    if not ok:
        raise ValueError(f"betas must be a pair (beta1, beta2) of numbers in [0, 1), "
                         f"e.g. (0.9, 0.999), got {betas!r:.40}")
    return float(pair[0]), float(pair[1])


def make_optimizer(name: str, *, lr: float, momentum: float = 0.9,
                   betas: tuple[float, float] = (0.9, 0.999)):
    """``"sgd"``, ``"momentum"``, ``"nesterov"`` or ``"adam"`` with the given settings."""
    _betas(betas)  # checked whichever optimizer is asked for: a typo is never ignored
    as_number(momentum, "momentum", minimum=0.0)
    if name == "sgd":
        return SGD(lr=lr)
    if name == "momentum":
        return SGD(lr=lr, momentum=momentum)
    if name == "nesterov":
        return SGD(lr=lr, momentum=momentum, nesterov=True)
    if name == "adam":
        return Adam(lr=lr, betas=betas)
    raise unknown_name("optimizer", name, OPTIMIZERS)


OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam")


class Surface(NamedTuple):
    """A 2D loss surface: f(x, y), its gradient, a default start and the view to draw."""

    name: str
    f: Callable[[np.ndarray, np.ndarray], np.ndarray]
    grad: Callable[[float, float], np.ndarray]
    start: tuple[float, float]
    extent: tuple[float, float, float, float]
    minimum: tuple[float, float] | None


SURFACES: dict[str, Surface] = {s.name: s for s in (
    Surface("ill-conditioned quadratic", lambda x, y: 0.5 * (x**2 + 25 * y**2),
            lambda x, y: np.array([x, 25 * y]), (-4.0, 1.5), (-5, 5, -2.5, 2.5), (0.0, 0.0)),
    Surface("rosenbrock", lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
            lambda x, y: np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)]),
            (-1.5, 2.0), (-2, 2, -1, 3), (1.0, 1.0)),
    Surface("badly scaled bowl", lambda x, y: 0.5 * (0.01 * x**2 + 100 * y**2),
            lambda x, y: np.array([0.01 * x, 100 * y]), (-4.0, 1.5), (-5, 5, -2.5, 2.5),
            (0.0, 0.0)),
    Surface("saddle", lambda x, y: x**2 - y**2 + 0.1 * y**4,
            lambda x, y: np.array([2 * x, -2 * y + 0.4 * y**3]), (-2.0, 1e-3),
            (-2.5, 2.5, -3, 3), None),
)}


class Path(NamedTuple):
    points: np.ndarray  # [T + 1, 2], the start and each step (cut where it diverged)
    losses: np.ndarray  # [T + 1]
    diverged: bool


def run_optimizer(optimizer, surface: str, *, start=None, steps: int = 100,
                  limit: float = 1e6, growth: float = 100.0) -> Path:
    """Follow ``optimizer`` on a named surface and stop when the run diverges.

    A run diverged when a coordinate leaves ``[-limit, limit]``, a number stops being finite,
    or the loss grows by ``growth`` (two orders of magnitude by default) over
    ``max(|start loss|, 1)``: the loss of a run that is converging never does that.
    """
    if surface not in SURFACES:
        raise unknown_name("surface", surface, SURFACES)
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"optimizer must have a step(params, grads) method (SGD, Adam or "
                        f"make_optimizer(...)), got {type(optimizer).__name__}")
    s = SURFACES[surface]
    p = as_array(s.start if start is None else start, "start", shape=(2,))
    steps = as_number(steps, "steps", minimum=1, integer=True)
    growth = as_number(growth, "growth", minimum=1.0)
    points, losses = [p], [float(s.f(*p))]
    ceiling = growth * max(abs(losses[0]), 1.0)
    for _ in range(steps):
        with np.errstate(over="ignore", invalid="ignore"):
            grad = s.grad(*p)
            if not np.isfinite(grad).all():  # the gradient overflowed: the run diverged
                return Path(np.array(points), np.array(losses), True)
            (p,) = optimizer.step([p], [grad])
            loss = float(s.f(*p))
        if not (np.isfinite(p).all() and np.isfinite(loss)) or np.abs(p).max() > limit \
                or abs(loss) > ceiling:
            return Path(np.array(points), np.array(losses), True)
        points.append(p)
        losses.append(loss)
    return Path(np.array(points), np.array(losses), False)


def hessian(surface: str, point, *, h: float = 1e-4) -> np.ndarray:
    """The 2x2 Hessian of a named surface at ``point``, by centred differences of its gradient.

    Exact (up to rounding) for a quadratic, whose gradient is linear; symmetrised.
    """
    if surface not in SURFACES:
        raise unknown_name("surface", surface, SURFACES)
    grad = SURFACES[surface].grad
    p = as_array(point, "point", shape=(2,))
    h = as_number(h, "h", minimum=1e-12)
    cols = [(grad(*(p + h * e)) - grad(*(p - h * e))) / (2 * h) for e in np.eye(2)]
    hess = np.column_stack(cols)  # H[:, j] = d grad / d p_j
    return (hess + hess.T) / 2


def stable_lr(surface: str, point) -> float:
    """2 / L, L the largest Hessian eigenvalue at ``point``: plain gradient descent on a
    quadratic converges exactly when lr < 2 / L (each eigen-direction is multiplied by
    1 - lr * lambda per step)."""
    return float(2 / np.linalg.eigvalsh(hessian(surface, point)).max())


# -- search without gradients vs gradient descent (deck 001) ------------------------------

def softmax_regression(w, x, y) -> tuple[float, np.ndarray]:
    """Cross-entropy of a linear classifier ``scores = [x, 1] @ w`` and its gradient.

    w: [D + 1, C] (the last row is the bias). x: [N, D]. y: [N] class indices.
    """
    from course_utils.layers import softmax_cross_entropy

    w, x, y = _regression_inputs(w, x, y)
    x1 = np.column_stack([x, np.ones(len(x))])
    loss, dscores = softmax_cross_entropy(x1 @ w, y)
    return loss, x1.T @ dscores  # dL/dW = x~^T dL/dscores


def softmax_regression_loss(w, x, y) -> float:
    """The loss of ``softmax_regression`` alone, without its gradient (what a search
    without gradients pays per try)."""
    w, x, y = _regression_inputs(w, x, y)
    scores = np.column_stack([x, np.ones(len(x))]) @ w
    top = scores.max(axis=1, keepdims=True)
    log_z = np.log(np.exp(scores - top).sum(axis=1)) + top[:, 0]  # log sum e^s, stably
    return float(np.mean(log_z - scores[np.arange(len(scores)), y]))


def _regression_inputs(w, x, y) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """w [D + 1, C], x [N, D] (N >= 1) and labels y [N] in 0..C-1, or a clear error."""
    x = as_array(x, "x", shape=(None, None), nonempty=True)
    w = as_array(w, "w")
    check_shape(w, "w", (x.shape[1] + 1, None), why=f"D + 1 rows (the bias last), x's D = "
                                                    f"{x.shape[1]}")
    y = as_array(y, "y", dtype="int")
    check_shape(y, "y", (len(x),), why="one label per row of x")
    if y.min() < 0 or y.max() >= w.shape[1]:
        raise ValueError(f"y must hold class labels 0..{w.shape[1] - 1} (w has {w.shape[1]} "
                         f"columns), got values from {y.min()} to {y.max()}")
    return w, x, y


def seconds_per_call(fn: Callable[[], object], *, calls: int = 20, rounds: int = 5) -> float:
    """CPU seconds of one ``fn()``: the fastest of ``rounds`` averages over ``calls`` calls
    (the fastest round is the least disturbed by other work on the machine)."""
    import time

    if not callable(fn):
        raise TypeError(f"fn must be a function to call with no arguments, got "
                        f"{type(fn).__name__}")
    calls = as_number(calls, "calls", minimum=1, integer=True)
    rounds = as_number(rounds, "rounds", minimum=1, integer=True)
    best = np.inf
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(calls):
            fn()
        best = min(best, (time.process_time() - start) / calls)
    return float(best)


class SearchRun(NamedTuple):
    evaluations: np.ndarray  # [T] how many loss evaluations so far
    best_loss: np.ndarray  # [T] the best (or current) loss after them


def random_search(loss, shape: tuple[int, ...], *, evaluations: int, scale: float = 0.01,
                  seed: int = 0) -> SearchRun:
    """Deck 001's "random search": try random weights, keep the best. One loss per try."""
    evaluations = as_number(evaluations, "evaluations", minimum=1, integer=True)
    shape = tuple(as_number(d, "shape", minimum=1, integer=True) for d in (
        shape if isinstance(shape, tuple | list) else (shape,)))
    scale = as_number(scale, "scale", minimum=0.0)
    rng = np.random.default_rng(seed)
    best, record = np.inf, []
    for _ in range(evaluations):
        best = min(best, loss(rng.normal(scale=scale, size=shape)))
        record.append(best)
    return SearchRun(np.arange(1, evaluations + 1), np.array(record))


def random_local_search(loss, w0, *, evaluations: int, step: float = 0.01,
                        seed: int = 0) -> SearchRun:
    """Deck 001's "random local search": perturb the current weights, keep improvements."""
    evaluations = as_number(evaluations, "evaluations", minimum=1, integer=True)
    step = as_number(step, "step", minimum=0.0)
    rng = np.random.default_rng(seed)
    w = as_array(w0, "w0")
    best, record = loss(w), []
    for _ in range(evaluations - 1):
        trial = w + rng.normal(scale=step, size=w.shape)
        value = loss(trial)
        if value < best:
            w, best = trial, value
        record.append(best)
    return SearchRun(np.arange(1, evaluations + 1), np.array([loss(as_array(w0, "w0")),
                                                              *record]))


def gradient_descent(loss_and_grad, w0, *, steps: int, lr: float) -> SearchRun:
    """Follow the gradient; one step = one evaluation of the loss and its gradient."""
    w = as_array(w0, "w0")
    lr = _positive_lr(lr)
    steps = as_number(steps, "steps", minimum=0, integer=True)
    record = []
    for _ in range(steps):
        value, grad = loss_and_grad(w)
        record.append(value)
        w = w - lr * grad
    return SearchRun(np.arange(1, steps + 1), np.array(record))


class BatchRun(NamedTuple):
    batch_size: int
    examples: np.ndarray  # examples seen at each checkpoint
    seconds: np.ndarray  # training time at each checkpoint: updates so far x the median update's
    #                      time (loss checkpoints excluded; a median, so that other work on the
    #                      machine pausing a few updates does not move the curve)
    loss: np.ndarray  # full training-set loss at each checkpoint


def minibatch_descent(x, y, *, batch_size: int, lr: float, examples: int, checkpoints: int = 40,
                      seed: int = 0) -> BatchRun:
    """Softmax regression by batch (batch_size = N), stochastic (1) or mini-batch descent."""
    import time

    x = as_array(x, "x", shape=(None, None), nonempty=True)
    y = as_array(y, "y", dtype="int")
    check_shape(y, "y", (len(x),), why="one label per row of x")
    if y.min() < 0:
        raise ValueError(f"y must hold class labels 0, 1, ..., got {y.min()}")
    n, classes = len(x), int(np.max(y)) + 1
    batch_size = as_number(batch_size, "batch_size", minimum=1, maximum=n, integer=True)
    lr = _positive_lr(lr)
    examples = as_number(examples, "examples", minimum=1, integer=True)
    checkpoints = as_number(checkpoints, "checkpoints", minimum=2, integer=True)
    rng = np.random.default_rng(seed)
    w = np.zeros((x.shape[1] + 1, classes))
    marks = set(np.linspace(0, examples, checkpoints).astype(int))
    seen, out, durations = 0, [], []
    order, cursor = rng.permutation(n), 0
    while seen <= examples:
        if any(m <= seen for m in marks):
            marks = {m for m in marks if m > seen}
            out.append((seen, len(durations), softmax_regression(w, x, y)[0]))
        start = time.perf_counter()
        if cursor + batch_size > n:
            order, cursor = rng.permutation(n), 0
        rows = order[cursor:cursor + batch_size]
        cursor += batch_size
        w = w - lr * softmax_regression(w, x[rows], y[rows])[1]
        durations.append(time.perf_counter() - start)
        seen += batch_size
    seen_, updates, losses = (np.array(v) for v in zip(*out, strict=True))
    secs = updates * float(np.median(durations))
    return BatchRun(batch_size, seen_, secs, losses)


def torch_trajectory(name: str, surface: str, *, lr: float, steps: int, momentum: float = 0.9,
                     betas: tuple[float, float] = (0.9, 0.999), start=None) -> np.ndarray:
    """The same run with ``torch.optim`` (the oracle for ours): points [steps + 1, 2]."""
    import torch

    if surface not in SURFACES:
        raise unknown_name("surface", surface, SURFACES)
    s = SURFACES[surface]
    start = as_array(s.start if start is None else start, "start", shape=(2,))
    steps = as_number(steps, "steps", minimum=0, integer=True)
    lr = _positive_lr(lr)
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    if name == "adam":
        opt = torch.optim.Adam([p], lr=lr, betas=betas)
    elif name in OPTIMIZERS:
        opt = torch.optim.SGD([p], lr=lr, momentum=0.0 if name == "sgd" else momentum,
                              nesterov=name == "nesterov")
    else:
        raise unknown_name("optimizer", name, OPTIMIZERS)
    points = [p.detach().numpy().copy()]
    for _ in range(steps):
        opt.zero_grad()
        s.f(p[0], p[1]).backward()
        opt.step()
        points.append(p.detach().numpy().copy())
    return np.array(points)
