"""Mutations of an exercise's reference answer for the generic checker tests.

``with_every_number(answer, nan)`` wraps a reference answer so that every number in its
output (arrays, tensors, scalars, inside tuples, lists, dicts and sets) becomes NaN, keeping
the containers, shapes and array types; ``with_one_number_flipped(answer)`` changes the sign
of the output's largest-magnitude number (0 becomes 1, a bool is negated).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import torch


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_)


def _rebuild(obj: Any, leaf: Callable[[Any], Any]) -> Any:
    """``obj`` with ``leaf`` applied to every number, numeric array and numeric tensor."""
    if isinstance(obj, torch.Tensor | np.ndarray) or _is_number(obj):
        return leaf(obj)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # a NamedTuple
        return type(obj)(*(_rebuild(v, leaf) for v in obj))
    if isinstance(obj, list | tuple | set | frozenset):
        return type(obj)(_rebuild(v, leaf) for v in obj)
    if isinstance(obj, dict):
        return {k: _rebuild(v, leaf) for k, v in obj.items()}
    return obj


def fill(output: Any, value: float) -> Any:
    """Every number in ``output`` replaced by ``value`` (float arrays keep their dtype)."""

    def leaf(x):
        if isinstance(x, torch.Tensor):
            if x.dtype == torch.bool:
                return x
            dtype = x.dtype if x.is_floating_point() else torch.float64
            return torch.full(x.shape, value, dtype=dtype)
        if isinstance(x, np.ndarray):
            if x.dtype.kind not in "fiuc":
                return x
            dtype = x.dtype if x.dtype.kind in "fc" else np.float64
            return np.full(x.shape, value, dtype=dtype)
        return value

    return _rebuild(output, leaf)


def flip_largest(output: Any) -> Any:
    """``output`` with its largest-magnitude number negated (0 -> 1; bools negated)."""
    sizes: list[float] = []

    def measure(x):
        flat = np.abs(np.asarray(x.detach().cpu() if isinstance(x, torch.Tensor) else x,
                                 dtype=np.float64)).ravel()
        sizes.append(float(flat.max()) if flat.size else -1.0)
        return x

    _rebuild(output, measure)
    if not sizes or max(sizes) < 0:
        return output
    target, seen = int(np.argmax(sizes)), iter(range(len(sizes)))

    def change(x):
        if next(seen) != target:
            return x
        if _is_number(x):
            return -x if x != 0 else type(x)(1)
        array = x.clone() if isinstance(x, torch.Tensor) else np.array(x, copy=True)
        flat = array.reshape(-1)
        i = int(np.argmax(np.abs(np.asarray(flat.detach().cpu() if isinstance(
            flat, torch.Tensor) else flat, dtype=np.float64))))
        flat[i] = -flat[i] if flat[i] != 0 else 1
        return array

    return _rebuild(output, change)


def has_numbers(output: Any) -> bool:
    found = []
    _rebuild(output, lambda x: found.append(x) or x)
    return bool(found)


def wrap(answer: Callable, mutate: Callable[[Any], Any]) -> Callable:
    """``answer`` whose every output goes through ``mutate``."""

    @functools.wraps(answer)
    def mutated(*args, **kwargs):
        return mutate(answer(*args, **kwargs))

    return mutated
