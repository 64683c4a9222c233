"""Generated data: logic-gate truth tables and 2D toy sets, every draw from a ``seed``.

Used by notebooks 01 (perceptron) and 02 (MLP and XOR), and later ones for quick demos.
Labels come in two encodings: ``"binary"`` {0, 1} and ``"bipolar"`` {-1, +1} (deck 000's).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.datasets import make_blobs, make_circles, make_moons

from course_utils.errors import unknown_name
from course_utils.repro import numpy_rng

__all__ = [
    "to_bipolar", "logic_gate", "toy_2d",
]

ENCODINGS = ("binary", "bipolar")

GATES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "AND": lambda a, b: a & b,
    "OR": lambda a, b: a | b,
    "NAND": lambda a, b: ~(a & b),
    "NOR": lambda a, b: ~(a | b),
    "XOR": lambda a, b: a ^ b,
    "XNOR": lambda a, b: ~(a ^ b),
    "NOT": lambda a, b: ~a,  # one input: b is ignored and dropped from the inputs
}

# Default noise per set: the std of the Gaussian jitter, in the set's own units.
TOY_SETS: dict[str, float] = {
    "blobs": 0.5,
    "xor": 0.15,
    "moons": 0.1,
    "circles": 0.08,
    "spirals": 0.1,
}


def _check_encoding(encoding: str) -> None:
    if encoding not in ENCODINGS:
        raise ValueError(f"encoding must be 'binary' ({{0, 1}}) or 'bipolar' ({{-1, +1}}), "
                         f"got {encoding!r}")


def to_bipolar(y: np.ndarray) -> np.ndarray:
    """Map labels {0, 1} to {-1, +1} (int64); anything else is an error."""
    y = np.asarray(y)
    if y.dtype.kind not in "biuf" or not np.isin(y, (0, 1)).all():
        raise ValueError(f"y must hold labels in {{0, 1}} (to_bipolar maps them to -1, +1), "
                         f"got values {np.unique(y)[:6]}")
    return (2 * y - 1).astype(np.int64)


def logic_gate(name: str, *, encoding: str = "binary") -> tuple[np.ndarray, np.ndarray]:
    """The truth table of a logic gate.

    Args:
        name: one of ``GATES`` (upper or lower case): AND, OR, NAND, NOR, XOR, XNOR, NOT.
        encoding: ``"binary"`` for inputs and outputs in {0, 1}, ``"bipolar"`` for {-1, +1}.

    Returns:
        x (ndarray[4, 2] float64, or [2, 1] for NOT): inputs, rows in the order
        (0,0), (0,1), (1,0), (1,1) (with -1 for 0 when bipolar).
        y (ndarray[4] int64): outputs in the same encoding.
    """
    key = str(name).upper()
    if key not in GATES:
        raise unknown_name("gate", name, GATES)
    _check_encoding(encoding)
    bits = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=bool)
    if key == "NOT":
        bits = bits[[0, 2]]
    y = GATES[key](bits[:, 0], bits[:, 1]).astype(np.int64)
    x = bits[:, :1] if key == "NOT" else bits
    x = x.astype(np.float64)
    if encoding == "bipolar":
        return 2 * x - 1, to_bipolar(y)
    return x, y


def toy_2d(
    name: str,
    *,
    n: int = 200,
    noise: float | None = None,
    seed: int = 0,
    encoding: str = "binary",
) -> tuple[np.ndarray, np.ndarray]:
    """A 2D two-class toy set, balanced, shuffled, reproducible from ``seed``.

    Args:
        name: ``"blobs"`` (linearly separable), ``"xor"`` (four clusters, labels by quadrant),
            ``"moons"``, ``"circles"`` or ``"spirals"``.
        n: number of points, even, at least 4.
        noise: std of the Gaussian jitter; ``None`` uses the set's default in ``TOY_SETS``.
        seed: seed for this draw only (the global random state is untouched).
        encoding: labels in {0, 1} (``"binary"``) or {-1, +1} (``"bipolar"``).

    Returns:
        x (ndarray[n, 2] float64) and y (ndarray[n] int64).
    """
    if name not in TOY_SETS:
        raise unknown_name("toy set", name, TOY_SETS)
    _check_encoding(encoding)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 4 or n % 2:
        raise ValueError(f"n must be an even int >= 4 (two balanced classes), got {n!r}")
    noise = TOY_SETS[name] if noise is None else noise
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    rng = numpy_rng(seed)
    x, y = _MAKERS[name](int(n), float(noise), rng)
    order = rng.permutation(len(y))
    x, y = x[order].astype(np.float64), y[order].astype(np.int64)
    return (x, to_bipolar(y)) if encoding == "bipolar" else (x, y)


def _blobs(n: int, noise: float, rng: np.random.Generator):
    centres = [[-1.0, -1.0], [1.0, 1.0]]
    return make_blobs(n_samples=[n // 2, n // 2], centers=centres, cluster_std=noise,
                      random_state=int(rng.integers(2**31)))


def _xor(n: int, noise: float, rng: np.random.Generator):
    corners = np.array([[-1, -1], [1, 1], [-1, 1], [1, -1]], dtype=float)
    which = np.arange(n) % 4  # classes 0 (corners 0, 1) and 1 (corners 2, 3), balanced
    x = corners[which] + rng.normal(scale=noise, size=(n, 2))
    return x, (which >= 2).astype(np.int64)


def _moons(n: int, noise: float, rng: np.random.Generator):
    return make_moons(n_samples=n, noise=noise, random_state=int(rng.integers(2**31)))


def _circles(n: int, noise: float, rng: np.random.Generator):
    return make_circles(n_samples=n, noise=noise, factor=0.5,
                        random_state=int(rng.integers(2**31)))


def _spirals(n: int, noise: float, rng: np.random.Generator):
    t = np.sqrt(rng.uniform(0.05, 1.0, size=n // 2)) * 3 * np.pi  # denser towards the centre
    arm = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / (3 * np.pi)
    x = np.concatenate([arm, -arm]) + rng.normal(scale=noise, size=(n, 2))
    return x, np.repeat([0, 1], n // 2)


_MAKERS = {"blobs": _blobs, "xor": _xor, "moons": _moons, "circles": _circles,
           "spirals": _spirals}
