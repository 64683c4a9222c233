"""The perceptron: weighted sum + bias + sign, and Rosenblatt's learning rule (numpy).

Used by notebook 01. Conventions follow deck 000: augmented vectors
``x~ = (x, 1)`` and ``w~ = (w, b)``, so ``w . x + b = w~ . x~``; labels are bipolar
{-1, +1}; ``sign(0) = +1`` (the deck's ``>= 0``). Training asks for what the deck asks:
``y_i (w~ . x~_i) > 0`` for every i, so a point exactly on the boundary still counts as a
mistake to learn from (as in scikit-learn's ``Perceptron``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from course_utils.repro import numpy_rng
from course_utils.validate import as_array, as_number

__all__ = [
    "augment", "sign", "predict", "margins", "n_errors", "perceptron_step", "PerceptronRun",
    "perceptron_train", "linearly_separable", "find_cycle", "boundary_segment", "decision_grid",
    "gate_inputs", "truth_column", "identify_gate", "learnable",
]


def _as_2d(x: np.ndarray, name: str = "x") -> np.ndarray:
    x = as_array(x, name)
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty 2D array (N, D), got shape {x.shape}")
    return x


def _check_bipolar(y: np.ndarray, n: int) -> np.ndarray:
    y = as_array(y, "y", dtype=None)
    if y.shape != (n,):
        raise ValueError(f"y must have shape ({n},) to match x, got {y.shape}")
    if not np.isin(y, (-1, 1)).all():
        raise ValueError(
            f"labels must be -1 or +1, got {np.unique(y)}; for {{0, 1}} labels use "
            "course_utils.data.to_bipolar(y)"
        )
    return y.astype(np.int64)


def _check_weights(w_tilde: np.ndarray, d: int, name: str = "w_tilde") -> np.ndarray:
    w_tilde = as_array(w_tilde, name)
    if w_tilde.shape != (d + 1,):
        raise ValueError(
            f"{name} must have shape ({d + 1},) = {d} weights + 1 bias for inputs with "
            f"{d} features, got {w_tilde.shape}"
        )
    return w_tilde


def augment(x: np.ndarray) -> np.ndarray:
    """x (ndarray[N, D]) -> x~ (ndarray[N, D + 1]): append a constant 1 to every row."""
    x = _as_2d(x)
    return np.hstack([x, np.ones((len(x), 1))])


def sign(z: np.ndarray) -> np.ndarray:
    """+1 where z >= 0, else -1 (deck 000's convention: the boundary counts as +1)."""
    return np.where(as_array(z, "z") >= 0, 1, -1).astype(np.int64)


def predict(w_tilde: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Perceptron outputs sign(w~ . x~) in {-1, +1}: x (ndarray[N, D]) -> ndarray[N]."""
    x = _as_2d(x)
    return sign(augment(x) @ _check_weights(w_tilde, x.shape[1]))


def margins(w_tilde: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """y_i (w~ . x~_i) for every sample (ndarray[N]); the deck asks for all of them > 0."""
    x = _as_2d(x)
    y = _check_bipolar(y, len(x))
    return y * (augment(x) @ _check_weights(w_tilde, x.shape[1]))


def n_errors(w_tilde: np.ndarray, x: np.ndarray, y: np.ndarray) -> int:
    """How many samples sign(w~ . x~) gets wrong."""
    x = _as_2d(x)
    return int((predict(w_tilde, x) != _check_bipolar(y, len(x))).sum())


def perceptron_step(
    w_tilde: np.ndarray, x_tilde: np.ndarray, y: int, *, lr: float = 1.0
) -> tuple[np.ndarray, bool]:
    """One visit of one sample: ``w~ <- w~ + lr * y * x~`` if ``y (w~ . x~) <= 0``.

    Args:
        w_tilde: ndarray[D + 1], the current augmented weights (not modified).
        x_tilde: ndarray[D + 1], one augmented input (last entry 1).
        y: its label, -1 or +1.
        lr: the learning rate alpha > 0.

    Returns:
        The new weights (a new array) and whether an update happened.
    """
    w_tilde = as_array(w_tilde, "w_tilde")
    x_tilde = as_array(x_tilde, "x_tilde")
    if w_tilde.shape != x_tilde.shape or w_tilde.ndim != 1:
        raise ValueError(f"w_tilde {w_tilde.shape} and x_tilde {x_tilde.shape} must be "
                         "1D arrays of the same length (D weights + bias)")
    if isinstance(y, bool) or y not in (-1, 1):
        raise ValueError(f"y must be -1 or +1, got {y!r}")
    return _step(w_tilde, x_tilde, int(y), _check_lr(lr))


def _check_lr(lr: float) -> float:
    lr = as_number(lr, "lr")
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr!r}")
    return lr


def _step(w_tilde: np.ndarray, x_tilde: np.ndarray, y: int, lr: float) -> tuple[np.ndarray, bool]:
    """``perceptron_step`` on inputs already checked (the training loop's inner step)."""
    if y * (w_tilde @ x_tilde) > 0:  # correct with room to spare: leave w~ alone
        return w_tilde.copy(), False
    return w_tilde + lr * y * x_tilde, True  # moves w~ . x~ towards y by lr * |x~|^2


class PerceptronRun(NamedTuple):
    """Everything the learning rule did, one row per visit of one sample.

    Attributes:
        weights: ndarray[T + 1, D + 1], w~ before the first visit and after each visit.
        visited: ndarray[T] int, the sample index seen at each visit.
        updated: ndarray[T] bool, whether that visit changed w~.
        epoch_weights: ndarray[E + 1, D + 1], w~ at the start and after each epoch.
        epoch_updates: ndarray[E] int, updates (mistakes) made during each epoch.
        epoch_errors: ndarray[E] int, samples misclassified by the weights after each epoch.
        converged: True if the last epoch made no update (every margin > 0).
    """

    weights: np.ndarray
    visited: np.ndarray
    updated: np.ndarray
    epoch_weights: np.ndarray
    epoch_updates: np.ndarray
    epoch_errors: np.ndarray
    converged: bool


def perceptron_train(
    x: np.ndarray,
    y: np.ndarray,
    *,
    lr: float = 1.0,
    epochs: int = 100,
    w0: np.ndarray | None = None,
    shuffle_seed: int | None = None,
) -> PerceptronRun:
    """The perceptron learning algorithm of deck 000, recorded visit by visit.

    Starts from ``w0`` (zeros by default) and sweeps the samples in order (or in a fresh
    seeded order each epoch), stopping after the first epoch with no update.

    Args:
        x: ndarray[N, D] inputs. y: ndarray[N] labels in {-1, +1}.
        lr: learning rate alpha > 0. epochs: at most this many sweeps (>= 1).
        w0: ndarray[D + 1] initial w~. shuffle_seed: None keeps the order 0..N-1.
    """
    x = _as_2d(x)
    y = _check_bipolar(y, len(x))
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"epochs must be an int >= 1, got {epochs!r}")
    lr = _check_lr(lr)
    w = np.zeros(x.shape[1] + 1) if w0 is None else _check_weights(w0, x.shape[1], "w0").copy()
    if shuffle_seed is not None:
        shuffle_seed = as_number(shuffle_seed, "shuffle_seed", minimum=0, integer=True)
    x_tilde, rng = augment(x), None if shuffle_seed is None else numpy_rng(shuffle_seed)
    weights, visited, updated, epoch_weights, epoch_updates, epoch_errors = [w], [], [], [w], [], []
    for _ in range(int(epochs)):
        order = np.arange(len(x)) if rng is None else rng.permutation(len(x))
        for i in order:
            w, changed = _step(w, x_tilde[i], int(y[i]), lr)
            weights.append(w), visited.append(i), updated.append(changed)
        epoch_updates.append(int(np.sum(updated[-len(x):])))
        epoch_weights.append(w)
        epoch_errors.append(n_errors(w, x, y))
        if epoch_updates[-1] == 0:
            break
    return PerceptronRun(np.array(weights), np.array(visited, dtype=np.int64),
                         np.array(updated, dtype=bool), np.array(epoch_weights),
                         np.array(epoch_updates), np.array(epoch_errors),
                         converged=epoch_updates[-1] == 0)


def linearly_separable(x: np.ndarray, y: np.ndarray) -> bool:
    """Whether some w~ puts every sample strictly on its side: y_i (w~ . x~_i) > 0 for all i.

    Decided exactly, not by running the perceptron: a linear programme asks for w~ with
    every y_i (w~ . x~_i) >= 1 (any strict separator can be scaled to that), and reports
    whether one exists. x (ndarray[N, D]), y (ndarray[N] in {-1, +1}).
    """
    from scipy.optimize import linprog

    x = _as_2d(x)
    y = _check_bipolar(y, len(x))
    a_ub = -y[:, None] * augment(x)  # -y_i x~_i . w~ <= -1
    result = linprog(np.zeros(x.shape[1] + 1), A_ub=a_ub, b_ub=-np.ones(len(x)),
                     bounds=(None, None), method="highs")
    return bool(result.status == 0)  # 0: a feasible w~ found; 2: infeasible


def find_cycle(run: PerceptronRun) -> tuple[int, int] | None:
    """Where a non-converged run's epoch-end weights first repeat: (first epoch, period).

    With samples in a fixed order, the rule is a deterministic map of w~ per epoch, so a
    repeat means the run loops forever: proof by computation that it never converges.
    """
    if not isinstance(run, PerceptronRun):
        raise TypeError(f"run must be a PerceptronRun (what perceptron_train returns), got "
                        f"{type(run).__name__}")
    if run.converged:  # its last epoch repeats the one before, but with no mistakes left
        return None
    seen: dict[bytes, int] = {}
    for e, w in enumerate(run.epoch_weights):
        key = np.asarray(w, dtype=np.float64).tobytes()
        if key in seen:
            return seen[key], e - seen[key]
        seen[key] = e
    return None


def boundary_segment(
    w_tilde: np.ndarray, extent: tuple[float, float, float, float]
) -> np.ndarray | None:
    """The line w1 x1 + w2 x2 + b = 0 clipped to ``extent = (x_min, x_max, y_min, y_max)``.

    Returns ndarray[2, 2] (two end points as rows), or None when the line misses the box
    or w1 = w2 = 0 (then every point is in one class and there is no boundary).
    """
    w1, w2, b = _check_weights(w_tilde, 2)
    x0, x1, y0, y1 = as_array(extent, "extent", shape=(4,))
    if not (x0 < x1 and y0 < y1):
        raise ValueError(f"extent must be (x_min, x_max, y_min, y_max) with min < max, "
                         f"got {extent}")
    points = []
    if w2 != 0:  # crossings of the left and right edges
        points += [(x, -(w1 * x + b) / w2) for x in (x0, x1)]
    if w1 != 0:  # crossings of the bottom and top edges
        points += [(-(w2 * y + b) / w1, y) for y in (y0, y1)]
    tol = 1e-9 * max(1.0, x1 - x0, y1 - y0)
    inside = [p for p in points if x0 - tol <= p[0] <= x1 + tol and y0 - tol <= p[1] <= y1 + tol]
    inside = np.unique(np.round(np.array(inside).reshape(-1, 2), 12), axis=0)
    return inside[[0, -1]] if len(inside) >= 2 else None


def decision_grid(
    w_tilde: np.ndarray, extent: tuple[float, float, float, float], *, resolution: int = 200
) -> np.ndarray:
    """Predicted class over a grid covering ``extent``: ndarray[resolution, resolution].

    Row 0 is y_min (use ``origin="lower"`` with imshow).
    """
    resolution = as_number(resolution, "resolution", minimum=2, integer=True)
    extent = as_array(extent, "extent", shape=(4,))
    xs = np.linspace(extent[0], extent[1], resolution)
    ys = np.linspace(extent[2], extent[3], resolution)
    gx, gy = np.meshgrid(xs, ys)
    return predict(w_tilde, np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)


# The 16 boolean functions of two inputs (a, b), keyed by their output column on the rows
# (0,0), (0,1), (1,0), (1,1): "0001" is true only for a = b = 1, i.e. AND.
BOOLEAN_FUNCTIONS: dict[str, str] = {
    "0000": "FALSE", "0001": "AND", "0010": "a AND NOT b", "0011": "a",
    "0100": "NOT a AND b", "0101": "b", "0110": "XOR", "0111": "OR",
    "1000": "NOR", "1001": "XNOR", "1010": "NOT b", "1011": "a OR NOT b",
    "1100": "NOT a", "1101": "NOT a OR b", "1110": "NAND", "1111": "TRUE",
}


def gate_inputs(*, encoding: str = "bipolar") -> np.ndarray:
    """The four input rows (0,0), (0,1), (1,0), (1,1) as ndarray[4, 2] ({-1, +1} if bipolar)."""
    bits = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    if encoding not in ("binary", "bipolar"):
        raise ValueError(f"encoding must be 'binary' or 'bipolar', got {encoding!r}")
    return 2 * bits - 1 if encoding == "bipolar" else bits


def truth_column(w_tilde: np.ndarray, *, encoding: str = "bipolar") -> str:
    """The output column w~ computes on the four input rows, as bits: e.g. ``"0111"``."""
    outputs = predict(w_tilde, gate_inputs(encoding=encoding))
    return "".join("1" if out == 1 else "0" for out in outputs)


def identify_gate(w_tilde: np.ndarray, *, encoding: str = "bipolar") -> str:
    """The name of the boolean function a two-input perceptron w~ computes, e.g. ``"OR"``."""
    return BOOLEAN_FUNCTIONS[truth_column(w_tilde, encoding=encoding)]


def learnable(bits: str, *, encoding: str = "bipolar", epochs: int = 100) -> bool:
    """Whether the learning rule reaches all margins > 0 on truth column ``bits`` (e.g. "0110")."""
    if bits not in BOOLEAN_FUNCTIONS:
        raise ValueError(f"bits must be four characters of 0/1 like '0110', got {bits!r}")
    y = np.array([1 if c == "1" else -1 for c in bits])
    return perceptron_train(gate_inputs(encoding=encoding), y, epochs=epochs).converged
