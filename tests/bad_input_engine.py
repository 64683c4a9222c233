"""The machinery of the generic bad-input test (issue 21): a ``Row`` says how to call one
public callable well and which of its arguments are arrays; ``run_row`` feeds each of those
arrays the bad and the equivalent variants below and judges every outcome.

Per array argument (numpy or torch, as the good call passes it):

======== ================================================= ===================================
case     input                                             passes with
======== ================================================= ===================================
nan      a NaN in the middle                               a clear error
empty    zero rows (first axis 0)                          a clear error, or a finite result
rank+1   ``a[None]``                                       a clear error
rank-1   ``a[0]``                                          a clear error
int      int32 (bool: 0/1)                                 same values: the good result or a
bool     bool                                              clear error; changed values: a clear
float16  float16                                           error, or a finite result shaped
                                                           like the good one
complex  ``a + 0.5j``                                      a clear error
list     ``a.tolist()``                                    the good result, or a clear error
torch    numpy -> torch tensor (numpy -> tensor reverse)   the good result, or a clear error
readonly a read-only copy (numpy)                          the good result
strided  a non-contiguous view with the same values        the good result
======== ================================================= ===================================

A *clear error* is a ValueError, TypeError or KeyError raised in ``course_utils`` (not deep
inside numpy or torch) whose message names the argument. Every call must also leave every
input array as it was (unless the row says the callable mutates it), and the good call must
give a finite result. ``accept`` in a row turns a case that must fail into a legitimate input
(with its one-line reason): then the call must return a finite result.
"""

from __future__ import annotations

import copy
import dataclasses
import random
import re
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch


def _seed() -> None:
    """What seed_everything(0) does to the generators, without its per-device work (a
    thousand times cheaper: it runs before every one of the thousands of calls)."""
    random.seed(0)
    np.random.seed(0)
    torch.random.default_generator.manual_seed(0)

PACKAGE = Path(__import__("course_utils").__file__).parent

CASES = ("nan", "empty", "rank+1", "rank-1", "int", "bool", "float16", "complex", "list",
         "torch", "readonly", "strided")
MUST_FAIL = {"nan", "rank+1", "rank-1", "complex"}  # unless the row accepts them


@dataclass
class Row:
    """How to call one public callable well, and what to feed it badly.

    make: the good keyword arguments, built fresh on every call.
    arrays: the array inputs to vary: an argument name, or a path into one
        (``("predictions", 0, "boxes")``).
    call: how to call it with those arguments (default: the callable itself); for a class,
        e.g. build it and call its method.
    accept: ``{case or "arg:case": reason}``: a case that is a legitimate input here.
    mutates: the callable changes this argument by design (its name says so): the reason.
    nonfinite: the good result holds inf or NaN by design: the reason.
    only: a validation-only row (no good call, e.g. a heavy model builder): the reason.
    bad: ``{argument: value}``: non-array arguments that must each give a clear error.
    refuse: ``{case or "arg:case": reason}``: a case whose right answer is a clear error
        though the input means the same thing (e.g. a read-only array written in place).
    skip: ``{case or "arg:case": reason}``: a case that cannot be built for this input.
    aliases: ``{arg: {names}}``: what else a message may call an argument the row's call
        wraps (x and y reach ``fit`` inside a loader: "train_loader yielded ...").
    nan_passes: NaN in gives NaN out by design (a block inside a network): the reason; the
        NaN case must then return (no error), whatever it holds.
    varying: the result's shape follows the input's values (so int / bool / float16 copies
        need only a finite result): the reason.
    note: what kind of row this is (a result record, ...).
    """

    make: Callable[[], dict[str, Any]] = dict
    arrays: tuple = ()
    call: Callable[..., Any] | None = None
    accept: dict[str, str] = field(default_factory=dict)
    mutates: str = ""
    nonfinite: str = ""
    only: str = ""
    bad: dict[str, Any] = field(default_factory=dict)
    refuse: dict[str, str] = field(default_factory=dict)
    skip: dict[str, str] = field(default_factory=dict)
    note: str = ""
    aliases: dict[str, set[str]] = field(default_factory=dict)  # other names a message may use
    raises: tuple = ()  # other exception types that are the documented answer (with `note`)
    varying: str = ""  # the result's shape follows the input's values: the reason
    nan_passes: str = ""  # NaN in, NaN out by design (a block inside a network): the reason
    same: Callable[[Any], Any] | None = None  # the part of the result to compare (timings out)
    rtol: float = 0.0  # extra tolerance for 'same' results (e.g. float32 sums in another order)


@dataclass
class Outcome:
    arg: str
    case: str
    verdict: str  # "error" (clear error), "result" (correct or legitimate result), "fail"
    detail: str = ""


# ---------------------------------------------------------------- paths into arguments
def _path(spec) -> tuple:
    return (spec,) if isinstance(spec, str) else tuple(spec)


def _label(path: tuple) -> str:
    return path[0] + "".join(f"[{p!r}]" for p in path[1:])


def get_path(kwargs: dict, path: tuple):
    value = kwargs
    for key in path:
        value = getattr(value, key) if isinstance(key, str) and not isinstance(
            value, dict) else value[key]
    return value


def set_path(obj, path: tuple, new):
    """A copy of ``obj`` with the leaf at ``path`` replaced (containers copied, leaves not)."""
    if not path:
        return new
    key, rest = path[0], path[1:]
    if isinstance(obj, dict):
        out = dict(obj)
        out[key] = set_path(obj[key], rest, new)
        return out
    if isinstance(obj, list):
        out = list(obj)
        out[key] = set_path(obj[key], rest, new)
        return out
    if isinstance(obj, tuple) and hasattr(obj, "_replace"):
        if isinstance(key, str):
            return obj._replace(**{key: set_path(getattr(obj, key), rest, new)})
        items = list(obj)
        items[key] = set_path(obj[key], rest, new)
        return type(obj)(*items)
    if isinstance(obj, tuple):
        items = list(obj)
        items[key] = set_path(obj[key], rest, new)
        return tuple(items)
    if dataclasses.is_dataclass(obj):
        return dataclasses.replace(obj, **{key: set_path(getattr(obj, key), rest, new)})
    raise TypeError(f"cannot set {key!r} in a {type(obj).__name__}")


# ---------------------------------------------------------------- the variants of an array
def _middle(a):
    size = a.numel() if isinstance(a, torch.Tensor) else a.size
    return tuple(int(i) for i in np.unravel_index(size // 2, tuple(a.shape))) if a.ndim else ()


def _strided(a):
    """The same values as a non-contiguous view (every other column of a wider array)."""
    if isinstance(a, torch.Tensor):
        wide = torch.zeros(*a.shape[:-1], 2 * a.shape[-1], dtype=a.dtype)
        wide[..., ::2] = a
        view = wide[..., ::2]
        assert not view.is_contiguous() or a.shape[-1] <= 1
        return view
    wide = np.zeros((*a.shape[:-1], 2 * a.shape[-1]), dtype=a.dtype)
    wide[..., ::2] = a
    return wide[..., ::2]


def variant(a, case: str):
    """``a`` (ndarray or tensor) turned into ``case``; None when it cannot be built."""
    is_torch = isinstance(a, torch.Tensor)
    if case == "nan":
        if (a.numel() if is_torch else a.size) == 0:
            return None
        if is_torch:
            out = a.detach().clone() if a.is_floating_point() else a.detach().float()
            out[_middle(out)] = float("nan")
            return out
        out = np.array(a, dtype=a.dtype if a.dtype.kind == "f" else np.float64)
        out[_middle(out)] = np.nan
        return out
    if case == "empty":
        if a.ndim == 0:
            return None
        return a[:0].clone() if is_torch else a[:0].copy()
    if case == "rank+1":
        return a[None].clone() if is_torch else a[None].copy()
    if case == "rank-1":
        if a.ndim == 0:
            return None
        return a[0].clone() if is_torch else np.array(a[0])
    if case in ("int", "bool", "float16"):
        if is_torch:
            dtype = {"int": torch.int32, "bool": torch.bool, "float16": torch.float16}[case]
            if a.dtype == dtype:
                return None
            return a.detach().to(dtype)
        dtype = {"int": np.int32, "bool": np.bool_, "float16": np.float16}[case]
        if a.dtype == dtype:
            return None
        return a.astype(dtype)
    if case == "complex":
        if is_torch:
            return a.detach().to(torch.complex128) + 0.5j
        return a.astype(np.complex128) + 0.5j
    if case == "list":
        return a.tolist()
    if case == "torch":
        return a.detach().numpy().copy() if is_torch else torch.from_numpy(np.array(a))
    if case == "readonly":
        if is_torch:
            return None
        out = np.array(a)
        out.setflags(write=False)
        return out
    if case == "strided":
        if a.ndim == 0 or a.shape[-1] == 0:
            return None
        return _strided(a)
    raise ValueError(case)


def _same_values(a, b) -> bool:
    """Whether variant b holds exactly the numbers of a (so it means the same thing)."""
    a = a.detach().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else np.asarray(b)
    return a.shape == b.shape and bool(np.all(a == b))


# ---------------------------------------------------------------- judging results
def _numeric(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy() if x.dtype != torch.bfloat16 else x.float().numpy()
    if isinstance(x, np.ndarray | np.generic):
        return np.asarray(x)
    if isinstance(x, bool | int | float | complex):
        return np.asarray(x)
    return None


def _children(x):
    if isinstance(x, dict):
        return list(x.items())
    if isinstance(x, tuple | list):
        return list(enumerate(x))
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return [(f.name, getattr(x, f.name)) for f in dataclasses.fields(x)]
    if isinstance(x, torch.nn.Module):
        return list(x.state_dict().items())
    return None


def nonfinite(x, where: str = "result", depth: int = 0) -> str | None:
    """Where ``x`` holds a NaN or inf, or None."""
    if depth > 6:
        return None
    arr = _numeric(x)
    if arr is not None:
        if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
            return where
        return None
    for key, child in _children(x) or ():
        found = nonfinite(child, f"{where}[{key!r}]", depth + 1)
        if found:
            return found
    return None


def difference(x, y, *, shapes_only: bool, rtol: float, where: str = "result",
               depth: int = 0) -> str | None:
    """Where ``x`` differs from ``y`` (values, or only shapes and structure), or None."""
    if depth > 6:
        return None
    ax, ay = _numeric(x), _numeric(y)
    if ax is not None or ay is not None:
        if ax is None or ay is None:
            return f"{where}: {type(x).__name__} vs {type(y).__name__}"
        if ax.shape != ay.shape:
            return f"{where}: shape {ax.shape} vs {ay.shape}"
        if shapes_only:
            return None
        if ax.dtype.kind in "fc" or ay.dtype.kind in "fc":
            single = np.float32 in (ax.dtype, ay.dtype) or np.float16 in (ax.dtype, ay.dtype)
            tol = max(rtol, 1e-5 if single else 1e-9)
            if not np.allclose(ax, ay, rtol=tol, atol=tol, equal_nan=True):
                return f"{where}: values differ"
            return None
        return None if np.array_equal(ax, ay) else f"{where}: values differ"
    kx, ky = _children(x), _children(y)
    if kx is not None or ky is not None:
        if kx is None or ky is None or len(kx) != len(ky):
            return f"{where}: {type(x).__name__} of {len(kx or ())} vs {len(ky or ())}"
        for (key, cx), (key_y, cy) in zip(kx, ky, strict=True):
            if key != key_y:
                return f"{where}: keys {key!r} vs {key_y!r}"
            found = difference(cx, cy, shapes_only=shapes_only, rtol=rtol,
                               where=f"{where}[{key!r}]", depth=depth + 1)
            if found:
                return found
        return None
    if type(x) is not type(y):
        return f"{where}: {type(x).__name__} vs {type(y).__name__}"
    if isinstance(x, str | bytes | type(None)) and not shapes_only and x != y:
        return f"{where}: {x!r:.40} vs {y!r:.40}"
    return None


def clear_error(error: BaseException, names: set[str], value=None,
                extra: tuple = ()) -> str | None:
    """None when ``error`` is a clear error naming one of ``names`` (or quoting the bad string
    ``value``, as "unknown activation 'tanhh'" does), else why it is not."""
    kind = type(error).__name__
    if not isinstance(error, (ValueError, TypeError, KeyError, *extra)):
        return f"{kind} (not ValueError/TypeError/KeyError): {error}"
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:  # the innermost frame, cheaply
        tb = tb.tb_next
    inner = tb.tb_frame.f_code.co_filename if tb is not None else ""
    if not Path(inner).resolve().is_relative_to(PACKAGE):
        return f"{kind} raised inside {Path(inner).name}, not by course_utils: {error}"
    message = str(error)
    if isinstance(value, str) and repr(value) in message:
        return None
    if not any(re.search(rf"(?<![\w.]){re.escape(n)}(?!\w)", message) for n in names):
        return f"{kind} does not name {' or '.join(sorted(names))}: {message}"
    return None


# ---------------------------------------------------------------- running a row
def _snapshot(value):
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if isinstance(value, np.ndarray):
        return value.copy()
    return copy.deepcopy(value)


def _arrays_in(kwargs: dict, paths: list[tuple]) -> list[tuple[tuple, Any]]:
    out = []
    for path in paths:
        try:
            out.append((path, get_path(kwargs, path)))
        except (KeyError, IndexError, AttributeError, TypeError):
            pass
    return out


def _unchanged(before, after) -> bool:
    if isinstance(before, torch.Tensor):
        return isinstance(after, torch.Tensor) and before.shape == after.shape and bool(
            torch.equal(before, after) or torch.allclose(before.double(), after.detach().double(),
                                                         rtol=0, atol=0, equal_nan=True)
            if before.dtype.is_floating_point else torch.equal(before, after))
    if isinstance(before, np.ndarray):
        return before.shape == np.shape(after) and bool(
            np.array_equal(before, after, equal_nan=before.dtype.kind in "fc"))
    if isinstance(before, list):
        return before == after or difference(before, after, shapes_only=False, rtol=0) is None
    return True


def _call(row: Row, fn, kwargs: dict, watch: list[tuple]):
    """Call, returning (result, error, mutated paths)."""
    before = [(path, _snapshot(value)) for path, value in _arrays_in(kwargs, watch)]
    _seed()
    result, error = None, None
    try:
        result = (row.call or fn)(**kwargs)
    except Exception as e:  # noqa: BLE001  (judged below)
        error = e
    mutated = [path for path, old in before
               if not _unchanged(old, get_path(kwargs, path))]
    return result, error, mutated


def _accepted(row: Row, arg: str, case: str) -> str | None:
    return row.accept.get(f"{arg}:{case}") or row.accept.get(case)


def _refused(row: Row, arg: str, case: str) -> str | None:
    return row.refuse.get(f"{arg}:{case}") or row.refuse.get(case)


def run_row(fn, row: Row) -> list[Outcome]:
    """Every case of every array argument of one row, judged. Warnings are silenced: the
    outcomes judge what a call returns or raises (and recording thousands of warnings,
    as pytest does, would cost more than the calls)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _run_row(fn, row)


def _run_row(fn, row: Row) -> list[Outcome]:
    paths = [_path(a) for a in row.arrays]
    outcomes: list[Outcome] = []
    mutable = row.mutates
    if row.only:
        assert row.bad, "a validation-only row needs bad arguments to try"
    for name, value in row.bad.items():
        try:
            kwargs = row.make()
        except Exception as e:  # noqa: BLE001
            return [Outcome(name, "make", "fail", f"the row's make() raised {e!r}")]
        kwargs[name] = value
        _, error, _ = _call(row, fn, kwargs, [])
        if error is None:
            outcomes.append(Outcome(name, f"bad={value!r:.30}", "fail", "accepted silently"))
            continue
        why = clear_error(error, {name} | row.aliases.get(name, set()), value, row.raises)
        outcomes.append(Outcome(name, f"bad={value!r:.30}", "fail" if why else "error",
                                why or ""))
    if row.only:
        return outcomes

    try:
        kwargs = row.make()
    except Exception as e:  # noqa: BLE001
        return outcomes + [Outcome("-", "good", "fail", f"the row's make() raised {e!r}")]
    good, error, mutated = _call(row, fn, kwargs, paths)
    if error is not None:
        detail = "".join(traceback.format_exception_only(error)).strip()
        return outcomes + [Outcome("-", "good", "fail", f"the good call raised {detail}")]
    if mutated and not mutable:
        outcomes.append(Outcome(_label(mutated[0]), "good", "fail", "input changed"))
    bad = nonfinite(good)
    if bad and not row.nonfinite:
        outcomes.append(Outcome("-", "good", "fail", f"the good result holds NaN/inf at {bad}"))
    nonfinite_ok = bool(row.nonfinite)

    for path in paths:
        arg = _label(path)
        names = {p for p in path if isinstance(p, str)} | row.aliases.get(arg, set())
        original = get_path(row.make(), path)
        as_list = isinstance(original, list | tuple)
        if as_list:  # a list the function takes as a list: vary its array form
            original = np.asarray(original)
        assert isinstance(original, np.ndarray | torch.Tensor), (
            f"{arg}: the good value of an array argument must be an ndarray, a tensor or a "
            f"list of numbers, got {type(original).__name__}")
        for case in CASES:
            if f"{arg}:{case}" in row.skip or case in row.skip:
                continue
            if as_list and case in ("list", "readonly", "strided"):
                continue
            new = variant(original, case)
            if new is None:
                continue
            try:
                kwargs = set_path(row.make(), path, new)
            except Exception as e:  # noqa: BLE001
                outcomes.append(Outcome(arg, case, "fail", f"the row's make() raised {e!r}"))
                continue
            result, error, mutated = _call(row, fn, kwargs, paths)
            outcomes.append(_judge(row, arg, case, names, original, new, good, result, error,
                                   mutated, nonfinite_ok))
    return outcomes


def _judge(row, arg, case, names, original, new, good, result, error, mutated,
           nonfinite_ok) -> Outcome:
    if mutated and not row.mutates:
        return Outcome(arg, case, "fail", f"changed its input {_label(mutated[0])}")
    accepted = _accepted(row, arg, case)
    refused = _refused(row, arg, case)
    exact = case in ("list", "torch", "readonly", "strided") or (
        case in ("int", "bool", "float16") and _same_values(original, new))
    if refused and error is None:
        return Outcome(arg, case, "fail", f"should refuse it ({refused}) but returned")
    if error is not None:
        if case in ("readonly", "strided") and not refused:
            return Outcome(arg, case, "fail", f"raised {type(error).__name__}: {error}")
        why = clear_error(error, names, extra=row.raises)
        if why:
            return Outcome(arg, case, "fail", why)
        if accepted:
            return Outcome(arg, case, "fail", f"the row accepts it ({accepted}) but it raised "
                                              f"{type(error).__name__}: {error}")
        return Outcome(arg, case, "error")
    if case == "nan" and row.nan_passes:
        return Outcome(arg, case, "result")
    if case in MUST_FAIL and not accepted:
        bad = nonfinite(result)
        return Outcome(arg, case, "fail", "returned silently" + (
            f" (NaN/inf at {bad})" if bad else ""))
    if not nonfinite_ok and not (case == "nan" and accepted):  # NaN accepted: NaN may follow
        bad = nonfinite(result)
        if bad:
            return Outcome(arg, case, "fail", f"silent NaN/inf at {bad}")
    if exact:
        pick = row.same or (lambda r: r)
        diff = difference(pick(result), pick(good), shapes_only=False, rtol=row.rtol)
        if diff:
            return Outcome(arg, case, "fail", f"not the good result: {diff}")
    elif case in ("int", "bool", "float16", "complex") and not row.varying:
        diff = difference(result, good, shapes_only=True, rtol=0)
        if diff:
            return Outcome(arg, case, "fail", f"not shaped like the good result: {diff}")
    return Outcome(arg, case, "result")
