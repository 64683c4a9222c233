"""Gradient checking: centred finite differences and a report that says how close (nb 03).

``numerical_gradient(f, x)`` perturbs each entry of ``x`` by +-h and measures
``(f(x + h) - f(x - h)) / 2h``: error O(h^2), so float64 with h = 1e-5 agrees with a correct
analytic gradient to about 1e-9 relative. ``assert_grad_close`` raises with the karpathy
report (exact / approximate / max difference) when they do not agree.

``relative_error`` is CS231n's |a - n| / max(|a|, |n|), and ``verdict`` reads it with
CS231n's thresholds. Near a kink (ReLU at 0, max, |x|) the two probes x +- h can fall on
different sides, and then a right analytic gradient shows a large relative error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from course_utils.validate import as_array, as_number, check_shape

__all__ = [
    "numerical_gradient", "relative_error", "verdict", "GradReport", "compare",
    "assert_grad_close",
]


def numerical_gradient(f: Callable[[np.ndarray], float | np.ndarray], x, *,
                       dout=None, h: float = 1e-5) -> np.ndarray:
    """Centred finite-difference gradient of ``sum(f(x) * dout)`` with respect to x.

    Args:
        f: function of the array x (it may read x in place: x is restored after each probe).
        x: float64 array, perturbed in place entry by entry and restored (also when f
            raises); other dtypes are refused (float32 cannot hold x +- 1e-5 exactly).
        dout: upstream gradient, the shape of f(x) (None: f returns a scalar).
        h: the step; 1e-5 balances truncation (h^2) and rounding (eps / h) in float64.
    """
    dtype = getattr(x, "dtype", None)
    if dtype is not None and str(dtype) not in ("float64", "torch.float64"):
        raise ValueError(
            f"x must be a float64 array, got dtype {x.dtype}: the probes x +- h are written into "
            f"x itself, and a {x.dtype} array cannot hold them exactly (or a copy would be "
            "perturbed that f never reads). Convert once, x = x.astype(np.float64), and let f "
            "read that array")
    x = as_array(x, "x")
    if not x.flags.writeable:
        raise ValueError("x is read-only, but the probes x +- h are written into x itself (f "
                         "may read x from outside): pass a writable copy, x = x.copy(), and "
                         "let f read that array")
    h = as_number(h, "h", minimum=1e-12)
    if dout is not None:
        dout = as_array(dout, "dout")
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        try:
            x[i] = old + h
            plus = np.asarray(f(x), dtype=np.float64)
            x[i] = old - h
            minus = np.asarray(f(x), dtype=np.float64)
        finally:
            x[i] = old  # the caller's array comes back unchanged, even when f raises
        if dout is not None and plus.shape != dout.shape:
            raise ValueError(f"dout must have the shape of f(x), {plus.shape} (x {x.shape}), "
                             f"got {dout.shape}")
        diff = plus - minus if dout is None else (plus - minus) * dout
        grad[i] = np.sum(diff) / (2 * h)
    return grad


def relative_error(a, b) -> float:
    """CS231n's relative error: the largest |a - b| / max(|a|, |b|) over the entries.

    An entry where both are exactly 0 counts as 0 (they agree); an empty array gives 0.
    Read the result with ``verdict``.
    """
    a, b = as_array(a, "a"), as_array(b, "b")
    check_shape(b, "b", a.shape, like="a")
    if not a.size:
        return 0.0
    scale = np.maximum(np.abs(a), np.abs(b))
    diff = np.abs(a - b)
    ratio = np.divide(diff, scale, out=np.zeros_like(diff), where=scale > 0)
    return float(np.max(ratio))


def verdict(rel_error: float, *, kinks: bool = False) -> str:
    """CS231n's reading of a relative error.

    Below 1e-7: agree. Below 1e-4: fine for a function with kinks (ReLU, max), too high for
    a smooth one (tanh, sigmoid, softmax; ``kinks=False``). Below 1e-2: uncomfortable.
    Above: the gradient is probably wrong. (The error is at most 2, for opposite signs.)
    """
    rel_error = as_number(rel_error, "rel_error", minimum=0.0)
    if rel_error < 1e-7:
        return "agree"
    if rel_error < 1e-4:
        return "fine for a function with kinks" if kinks else "too high for a smooth function"
    if rel_error < 1e-2:
        return "uncomfortable: look closer"
    return "probably wrong"


class GradReport(NamedTuple):
    """How an analytic gradient compares with a reference one."""

    name: str
    exact: bool
    approximate: bool
    max_diff: float
    rel_error: float

    def __str__(self) -> str:
        return (f"{self.name:12s} | exact: {str(self.exact):5s} | approximate: "
                f"{str(self.approximate):5s} | maxdiff: {self.max_diff:.3g} | "
                f"rel error: {self.rel_error:.3g}")


def compare(name: str, analytic, reference, *, rtol: float = 1e-6, atol: float = 1e-8
            ) -> GradReport:
    """Compare two gradients as nn-zero-to-hero's ``cmp`` does: exact, close, max diff."""
    a = as_array(analytic, f"{name} (analytic)")
    r = as_array(reference, f"{name} (reference)")
    check_shape(r, f"{name} (reference)", a.shape, like=f"{name} (analytic)")
    return GradReport(name, bool(np.array_equal(a, r)),
                      bool(np.allclose(a, r, rtol=rtol, atol=atol)),
                      float(np.max(np.abs(a - r))) if a.size else 0.0, relative_error(a, r))


def assert_grad_close(name: str, analytic, reference, *, rtol: float = 1e-6,
                      atol: float = 1e-8) -> GradReport:
    """``compare`` that raises ``AssertionError`` with the report when they are not close."""
    report = compare(name, analytic, reference, rtol=rtol, atol=atol)
    if not report.approximate:
        raise AssertionError(f"gradient mismatch: {report}")
    return report
