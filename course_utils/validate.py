"""One way to refuse bad data, for data-taking functions and exercise checkers alike.

Every public function that takes arrays passes them through ``as_array`` (or
``require_finite`` for tensors it keeps as tensors), so NaN, inf, a wrong dtype or a wrong
shape all get one kind of message: what was wrong, where, and what would be right::

    as_array([[np.nan, 1.0]], "x", shape=(None, 2))
    ValueError: x must be finite (no NaN or inf), but x[0, 0] is nan

Exercise checkers use ``course_utils.exercises.answer_array``, which turns the same
``ValueError`` into a hint for the student.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np

__all__ = [
    "describe_shape", "check_shape", "first_bad_value", "require_finite",
    "require_non_decreasing", "as_array", "as_number", "as_tensor", "as_labels",
]

_KINDS = {"float": "fc", "int": "iu", "bool": "b"}


def _to_numpy(value: Any, name: str) -> np.ndarray:
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch tensor
        return value.detach().cpu().numpy()
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:  # ragged nested lists
        raise ValueError(
            f"{name} must be an array of numbers, got {value!r:.60}: {error}") from None
    if array.dtype == object or array.dtype.kind in "USV":
        raise ValueError(f"{name} must be an array of numbers, got {value!r:.60} "
                         f"(dtype {array.dtype})")
    return array


def describe_shape(shape: Sequence[int | None]) -> str:
    """``(None, 2)`` -> ``'(N, 2)'``: the shape a message asks for, free axes as letters
    (a string entry is a free axis with that name: ``("N", "T", 3)`` -> ``'(N, T, 3)'``)."""
    letters = iter(letter for letter in "NMKLPQ" if letter not in shape)
    dims = [next(letters) if d is None else str(d) for d in shape]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


def check_shape(array: np.ndarray, name: str, shape: Sequence[int | None], *,
                like: str | None = None, why: str | None = None) -> None:
    """Raise ``ValueError`` unless ``array.shape`` matches ``shape`` (None = any length).

    ``like`` names where the expected shape comes from, so a mismatch between two arguments
    names both: ``check_shape(target, "target", pred.shape, like="pred")`` says
    "target must have the shape of pred, (0, 3), got (4, 3)"; ``why`` says where the
    expected shape comes from: "W must have shape (4, 4) (H x H, U's H = 4), got (3, 3)".
    """
    have = tuple(array.shape) if hasattr(array, "shape") else np.shape(array)
    ok = len(have) == len(shape) and all(
        want is None or isinstance(want, str) or got == want
        for got, want in zip(have, shape, strict=True))
    if not ok:
        want = f"the shape of {like}, " if like else "shape "
        because = f" ({why})" if why else ""
        raise ValueError(f"{name} must have {want}{describe_shape(shape)}{because}, got {have}")


def first_bad_value(array: np.ndarray) -> tuple[tuple[int, ...], float] | None:
    """Index and value of the first NaN or inf in ``array``, or None when all are finite."""
    array = _to_numpy(array, "array")
    if array.dtype.kind not in "fc":
        return None
    bad = ~np.isfinite(array)
    if not bad.any():
        return None
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    return index, array[index]


def require_finite(value: Any, name: str) -> None:
    """Raise ``ValueError`` naming the first NaN or inf in an array or tensor ``value``."""
    array = _to_numpy(value, name)
    found = first_bad_value(array)
    if found is not None:
        index, bad = found
        at = ", ".join(map(str, index))
        where = (f"{name}[{at}]" if name.isidentifier() else f"its entry [{at}]") if index else (
            "it")
        raise ValueError(f"{name} must be finite (no NaN or inf), but {where} is {bad}")


def require_non_decreasing(values: np.ndarray, name: str, *, why: str, fix: str) -> None:
    """A ``ValueError`` at the first drop in a 1-D array that must not decrease.

    ``why`` says why it must be sorted, ``fix`` what to do; both appear in the message.
    """
    values = as_array(values, name, shape=(None,))
    drops = np.flatnonzero(np.diff(values) < 0)
    if drops.size:
        i = int(drops[0])
        raise ValueError(f"{name} must be non-decreasing ({why}), but {name}[{i + 1}] = "
                         f"{values[i + 1]:g} < {name}[{i}] = {values[i]:g}: {fix}")


def as_array(value: Any, name: str, *, shape: Sequence[int | None] | None = None,
             dtype: str | None = "float", finite: bool = True,
             nonempty: bool = False) -> np.ndarray:
    """``value`` as a numpy array, or a ``ValueError`` saying what is wrong with it.

    Args:
        value: an array, nested list, number or torch tensor.
        name: the argument's name, used in the message.
        shape: the expected shape; ``None`` in it means any length on that axis.
        dtype: ``"float"`` (returns float64; ints and bools are accepted and converted),
            ``"int"`` (returns int64; floats holding whole numbers are accepted),
            ``"bool"``, or ``None`` to keep the dtype.
        finite: refuse NaN and inf.
        nonempty: refuse an array with no entries (a mean, an image or a batch of nothing).

    Returns:
        ndarray with the requested dtype and shape.
    """
    array = _to_numpy(value, name)
    if shape is not None:
        check_shape(array, name, shape)
    if nonempty and array.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {tuple(array.shape)}")
    if finite:
        require_finite(array, name)
    if dtype is None:
        return array
    if dtype not in _KINDS:
        raise ValueError(f"dtype must be one of {sorted(_KINDS)} or None, got {dtype!r}")
    if dtype == "float":
        if array.dtype.kind not in "fciub":
            raise ValueError(f"{name} must hold numbers, got dtype {array.dtype}")
        if array.dtype.kind == "c":
            raise ValueError(f"{name} must be real numbers, got complex dtype {array.dtype}")
        return array.astype(np.float64, copy=False)
    if dtype == "int":
        if array.dtype.kind in "iub":
            return array.astype(np.int64, copy=False)
        if array.dtype.kind == "f" and np.all(array == np.round(array)):
            return array.astype(np.int64)
        raise ValueError(f"{name} must hold whole numbers (int), got dtype {array.dtype}")
    if array.dtype.kind != "b":
        raise ValueError(f"{name} must hold booleans (True/False), got dtype {array.dtype}")
    return array


def as_number(value: Any, name: str, *, minimum: float | None = None,
              maximum: float | None = None, integer: bool = False) -> float | int:
    """A finite real number within [minimum, maximum], or a ``ValueError`` that says which.

    Bools are refused (``True`` is not a learning rate); numpy and torch scalars are fine.
    """
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        value = value.item()
    kind = Integral if integer else Real
    if isinstance(value, bool) or not isinstance(value, kind):
        what = "a whole number" if integer else "a number"
        raise ValueError(f"{name} must be {what}, got {value!r:.40} ({type(value).__name__})")
    if not integer and not np.isfinite(value):
        raise ValueError(f"{name} must be finite (no NaN or inf), got {value}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return int(value) if integer else float(value)


def as_tensor(value: Any, name: str, *, shape: Sequence[int | None] | None = None,
              dtype: Any = None, why: str | None = None, finite: bool = True,
              nonempty: bool = False) -> Any:
    """``value`` if it is a floating-point torch tensor as asked, else a clear error.

    The torch twin of ``as_array`` for functions and ``forward`` methods that compute in
    torch: nothing is converted (a numpy array, a list, an int or complex tensor is refused,
    with the call that fixes it), so the caller's tensor, its device and its autograd graph
    are what the function uses.

    Args:
        value: the argument.
        name: its name, used in the message.
        shape: the expected shape; ``None`` (or a letter naming the axis) in it means any
            length on that axis.
        dtype: the floating dtype it must have (e.g. the model's weights'); None: any
            floating dtype.
        why: where ``shape`` / ``dtype`` come from, added to the message ("U is [5, 3]").
        finite: refuse NaN and inf.
        nonempty: refuse a tensor with no entries.
    """
    torch = sys.modules.get("torch")
    because = f" ({why})" if why else ""
    if torch is None or not isinstance(value, torch.Tensor):
        kind = type(value).__name__
        fix = (f"torch.from_numpy({name}).float()" if kind == "ndarray"
               else f"torch.tensor({name}, dtype=torch.float32)")
        raise TypeError(f"{name} must be a torch tensor, got {kind}: use {fix}")
    if not value.is_floating_point():
        raise TypeError(f"{name} must hold floats, got a {value.dtype} tensor: use "
                        f"{name}.float()")
    if dtype is not None and value.dtype != dtype:
        raise TypeError(f"{name} must be {dtype}{because}, got {value.dtype}: use "
                        f"{name}.to({dtype})")
    if shape is not None:
        have = tuple(value.shape)
        if len(have) != len(shape) or any(
                want is not None and not isinstance(want, str) and got != want
                for got, want in zip(have, shape, strict=False)):
            raise ValueError(f"{name} must have shape {describe_shape(shape)}{because}, got "
                             f"{have}")
    if nonempty and value.numel() == 0:
        raise ValueError(f"{name} must not be empty, got shape {tuple(value.shape)}")
    if finite and value.numel() and value.device.type != "meta" and not bool(
            torch.isfinite(value).all()):  # a model built on "meta" holds no values
        require_finite(value, name)
    return value


def as_labels(value: Any, name: str, *, n: int | None = None, classes: int | None = None,
              why: str | None = None) -> Any:
    """``value`` as int64 if it is a 1-D integer torch tensor of class labels (``n`` of them,
    in 0..classes-1 when given), else a clear error: float, bool or complex labels, a numpy
    array or a label out of range would make ``cross_entropy`` fail deep inside torch (which
    also wants int64: int32 labels are converted)."""
    torch = sys.modules.get("torch")
    because = f" ({why})" if why else ""
    if torch is None or not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch tensor of class labels, got "
                        f"{type(value).__name__}: use torch.as_tensor({name}, dtype=torch.long)")
    if value.is_floating_point() or value.is_complex() or value.dtype == torch.bool:
        raise TypeError(f"{name} must hold integer class labels, got a {value.dtype} tensor: "
                        f"use {name}.long()")
    if value.ndim != 1 or (n is not None and len(value) != n):
        want = "(N,)" if n is None else f"({n},)"
        raise ValueError(f"{name} must have shape {want}{because}, got {tuple(value.shape)}")
    if value.numel() and (int(value.min()) < 0 or (
            classes is not None and int(value.max()) >= classes)):
        top = "" if classes is None else f"..{classes - 1} (classes={classes})"
        raise ValueError(f"{name} must hold class labels 0{top}, got values from "
                         f"{int(value.min())} to {int(value.max())}")
    return value.long()
