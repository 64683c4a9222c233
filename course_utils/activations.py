"""Activation functions and their derivatives, in numpy (notebook 02).

Each activation is an ``Activation``: ``f(z, alpha)`` and its derivative ``df(z, alpha)``
elementwise, with ``alpha`` used only by the ones that have it (leaky ReLU, PReLU, ELU).
``maxout`` is the odd one out: it takes the maximum over groups of ``k`` inputs, so it
maps ``[..., G * k] -> [..., G]`` and its derivative is a one-hot mask of the winners.

The step function follows the course's convention at z = 0 (notebook 01, deck 000's
perceptron): ``step(0) = 1``, the positive side, like ``perceptron.sign(0) = +1``; deck
000's "Binary" activation slide puts 0 on the other side, which notebook 02 flags.
Derivatives at a kink (ReLU at 0, step at 0) follow PyTorch: ReLU's family has slope 0 at
exactly 0, as ``torch.relu``'s backward gives.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from course_utils.errors import unknown_name
from course_utils.validate import as_array, as_number, check_shape

__all__ = [
    "Activation", "get_activation", "activate", "derivative", "maxout", "maxout_backward",
    "vanishing_ranges",
]


class Activation(NamedTuple):
    """One activation function: name, f, f', whether it takes ``alpha``, and its default."""

    name: str
    f: Callable[[np.ndarray, float], np.ndarray]
    df: Callable[[np.ndarray, float], np.ndarray]
    has_alpha: bool = False
    alpha: float = 0.0
    formula: str = ""


def _logistic(z, a=0.0):
    out = np.empty_like(z)
    pos = z >= 0  # two forms so that exp never overflows
    out[pos] = 1 / (1 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1 + ez)
    return out


def _softplus(z, a=0.0):
    return np.logaddexp(0.0, z)  # log(1 + e^z) without overflow


ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (
    Activation("step", lambda z, a=0.0: (z >= 0).astype(float),
               lambda z, a=0.0: np.zeros_like(z), formula="1 if z >= 0 else 0"),
    Activation("identity", lambda z, a=0.0: z.copy(), lambda z, a=0.0: np.ones_like(z),
               formula="z"),
    Activation("logistic", _logistic, lambda z, a=0.0: _logistic(z) * (1 - _logistic(z)),
               formula="1 / (1 + e^-z)"),
    Activation("tanh", lambda z, a=0.0: np.tanh(z), lambda z, a=0.0: 1 - np.tanh(z) ** 2,
               formula="tanh z"),
    Activation("arctan", lambda z, a=0.0: np.arctan(z), lambda z, a=0.0: 1 / (1 + z**2),
               formula="arctan z"),
    Activation("relu", lambda z, a=0.0: np.maximum(z, 0.0),
               lambda z, a=0.0: (z > 0).astype(float), formula="max(0, z)"),
    Activation("leaky_relu", lambda z, a=0.01: np.where(z > 0, z, a * z),
               lambda z, a=0.01: np.where(z > 0, 1.0, a), True, 0.01,
               "z if z > 0 else alpha z (alpha fixed)"),
    Activation("prelu", lambda z, a=0.25: np.where(z > 0, z, a * z),
               lambda z, a=0.25: np.where(z > 0, 1.0, a), True, 0.25,
               "z if z > 0 else alpha z (alpha learned)"),
    Activation("elu", lambda z, a=1.0: np.where(z > 0, z, a * np.expm1(np.minimum(z, 0))),
               lambda z, a=1.0: np.where(z > 0, 1.0, a * np.exp(np.minimum(z, 0))), True, 1.0,
               "z if z > 0 else alpha (e^z - 1)"),
    Activation("softplus", _softplus, lambda z, a=0.0: _logistic(z), formula="log(1 + e^z)"),
)}


def get_activation(name: str) -> Activation:
    """The activation called ``name`` (see ``ACTIVATIONS``); a clear error otherwise."""
    if name not in ACTIVATIONS:
        raise unknown_name("activation", name, [*ACTIVATIONS, "maxout"])
    return ACTIVATIONS[name]


def activate(name: str, z, *, alpha: float | None = None) -> np.ndarray:
    """``f(z)`` elementwise for activation ``name`` (alpha: its parameter, default if None)."""
    act = get_activation(name)
    z = as_array(z, "z")
    return act.f(z, _alpha(act, alpha))


def derivative(name: str, z, *, alpha: float | None = None) -> np.ndarray:
    """``f'(z)`` elementwise for activation ``name``."""
    act = get_activation(name)
    z = as_array(z, "z")
    return act.df(z, _alpha(act, alpha))


def _alpha(act: Activation, alpha: float | None) -> float:
    if alpha is None:
        return act.alpha
    if not act.has_alpha:
        raise ValueError(f"{act.name} has no alpha; only leaky_relu, prelu and elu take one")
    return as_number(alpha, "alpha", minimum=0.0)


def maxout(z, *, k: int) -> np.ndarray:
    """Maxout: the maximum of each group of ``k`` consecutive inputs, ``[..., G*k] -> [..., G]``."""
    z = _groups(z, k)
    return z.max(axis=-1)


def _groups(z, k) -> np.ndarray:
    """z [..., G*k] as its groups [..., G, k]."""
    z = as_array(z, "z")
    k = as_number(k, "k", minimum=1, integer=True)
    if z.ndim == 0 or z.shape[-1] == 0 or z.shape[-1] % k:
        raise ValueError(f"maxout needs z with a last axis divisible by k={k}, got shape "
                         f"{z.shape}")
    return z.reshape(*z.shape[:-1], z.shape[-1] // k, k)


def maxout_backward(dout, z, *, k: int) -> np.ndarray:
    """Gradient of maxout: ``dout [..., G]`` routed to each group's winner (first on ties)."""
    groups = _groups(z, k)
    dout = as_array(dout, "dout")
    check_shape(dout, "dout", groups.shape[:-1],
                why=f"maxout's output for z {groups.shape[:-1] + (groups.shape[-1] * k,)}, k={k}")
    winner = groups.argmax(axis=-1)[..., None]
    dz = np.zeros_like(groups)
    np.put_along_axis(dz, winner, dout[..., None], axis=-1)
    return dz.reshape(*groups.shape[:-2], groups.shape[-2] * k)


def vanishing_ranges(name: str, *, lo: float = -6.0, hi: float = 6.0, n: int = 1201,
                     alpha: float | None = None, below: float = 1e-2) -> list[tuple[float, float]]:
    """Intervals of z in [lo, hi] where |f'(z)| < ``below``: where learning stalls."""
    lo, hi = as_number(lo, "lo"), as_number(hi, "hi")
    if hi <= lo:
        raise ValueError(f"hi must be above lo, got lo={lo}, hi={hi}")
    n = as_number(n, "n", minimum=2, integer=True)
    below = as_number(below, "below", minimum=0.0)
    z = np.linspace(lo, hi, n)
    small = np.abs(derivative(name, z, alpha=alpha)) < below
    edges = np.flatnonzero(np.diff(np.r_[0, small.astype(int), 0]))
    return [(float(z[s]), float(z[e - 1])) for s, e in zip(edges[::2], edges[1::2], strict=True)]
