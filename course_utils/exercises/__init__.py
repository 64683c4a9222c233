"""The exercise registry, and one module of exercises per notebook topic.

A module here registers its checkers with ``@exercise("NN.answer_name", title=...)``;
``course_utils.checks.check`` finds them. Both import this small registry and nothing
imports back: the topic modules are loaded lazily, all of them, on the first lookup
(``load_all``), so a new ``exercises/<topic>.py`` is found without being listed anywhere.

Checkers raise ``CheckFailed(hint)``. They pass only on positive evidence: read every
answer through ``answer_array`` / ``answer_number``, which refuse NaN, inf, a wrong type
and a wrong shape with a hint, before comparing it with an independent reference.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from course_utils.validate import as_array, as_number

# Seconds an exercise's test may run on a student's answer; the slowest reference answers
# (the training loops of notebooks 05 and 10) take a few seconds on one thread.
DEFAULT_TIME_LIMIT = 60.0


class CheckFailed(AssertionError):
    """Raised by an exercise's test with a hint for the student."""


@dataclass(frozen=True)
class Exercise:
    """One exercise: ``test(answer)`` returns on success, raises ``CheckFailed(hint)`` otherwise.

    Attributes:
        id: ``"<notebook number>.<answer_name>"``, e.g. ``"01.nand_weights"``.
        title: one line shown in the checker's verdict.
        answer_name: the name the notebook's stub and solution cells define.
        test: checks a callable answer against an independent reference.
        perturb: optional ``output -> wrong output`` for the generic "one number changed
            must fail" test, for an answer whose output a changed number would not make
            wrong (None: the test changes the largest number's sign).
        time_limit: seconds the checker lets the answer (and its own test) run before it
            calls the attempt a fail ("an endless loop?"); generous, per exercise.
    """

    id: str
    title: str
    answer_name: str
    test: Callable[[Callable[..., Any]], None]
    perturb: Callable[[Any], Any] | None = None
    time_limit: float = DEFAULT_TIME_LIMIT


_REGISTRY: dict[str, Exercise] = {}
_loaded = False


def exercise(id: str, *, title: str,
             perturb: Callable[[Any], Any] | None = None,
             time_limit: float = DEFAULT_TIME_LIMIT) -> Callable[[Callable], Exercise]:
    """Decorator that registers ``test`` as exercise ``id`` (``"NN.answer_name"``)."""
    notebook, sep, answer_name = id.partition(".")
    if not (sep and notebook.isdigit() and answer_name.isidentifier()):
        raise ValueError(f"exercise id must look like '01.answer_name', got {id!r}")
    if not (isinstance(time_limit, int | float) and 0 < time_limit < float("inf")):
        raise ValueError(f"time_limit must be a positive number of seconds, got {time_limit!r}")

    def register(test: Callable[[Callable[..., Any]], None]) -> Exercise:
        if id in _REGISTRY:
            raise ValueError(f"exercise {id!r} is registered twice")
        _REGISTRY[id] = Exercise(id=id, title=title, answer_name=answer_name, test=test,
                                 perturb=perturb, time_limit=time_limit)
        return _REGISTRY[id]

    return register


def load_all() -> dict[str, Exercise]:
    """Import every exercise module in this package (once) and return the registry."""
    global _loaded
    if not _loaded:
        for module in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{module.name}")
        _loaded = True
    return _REGISTRY


def answer_array(value: Any, what: str, *, shape: Sequence[int | None] | None = None,
                 dtype: str | None = "float") -> np.ndarray:
    """The student's ``value`` as a finite array of the right shape, or ``CheckFailed``."""
    try:
        return as_array(value, what, shape=shape, dtype=dtype)
    except ValueError as error:
        raise CheckFailed(str(error)) from None


def answer_number(value: Any, what: str, *, integer: bool = False) -> float | int:
    """The student's ``value`` as one finite number, or ``CheckFailed``."""
    try:
        return as_number(value, what, integer=integer)
    except ValueError as error:
        raise CheckFailed(str(error)) from None
