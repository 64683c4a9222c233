"""Exercise checker, error-teaching helper and source display, used by every notebook.

An exercise is a stub the student fills in (it raises ``NotImplementedError`` until then)
and a call ``check("01.nand_weights", nand_weights)`` that answers pass, fail with a hint,
or "not attempted yet", never with a stack trace. The exercises themselves live in
``course_utils.exercises``, one module per notebook topic, with the registry that both
this module and they import (no import circle).
"""

from __future__ import annotations

import ctypes
import html
import inspect
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

from course_utils.exercises import _REGISTRY, CheckFailed, Exercise, exercise, load_all

__all__ = ["_REGISTRY", "CheckFailed", "Claim", "Exercise", "all_exercises", "check", "claim",
           "exercise", "expect_error", "get_exercise", "show_source", "slide_check"]

PASS, FAIL, NOT_ATTEMPTED = "pass", "fail", "not attempted"
_ICONS = {PASS: "✅", FAIL: "❌", NOT_ATTEMPTED: "⏳"}
_COLOURS = {PASS: "#1a7f37", FAIL: "#cf222e", NOT_ATTEMPTED: "#9a6700"}


def all_exercises() -> dict[str, Exercise]:
    """Every registered exercise by id (loads the exercise modules on first use)."""
    return dict(load_all())


def get_exercise(id: str) -> Exercise:
    """The exercise called ``id``; a clear error listing the known ids otherwise."""
    known = all_exercises()
    if id not in known:
        raise KeyError(f"no exercise {id!r}; known exercises: {', '.join(sorted(known))}")
    return known[id]


@dataclass(frozen=True)
class CheckResult:
    """The checker's verdict; truthy only on a pass. Shows itself as one coloured line."""

    exercise_id: str
    title: str
    status: str
    message: str

    def __bool__(self) -> bool:
        return self.status == PASS

    def __str__(self) -> str:
        return f"{_ICONS[self.status]} {self.exercise_id} ({self.title}): {self.message}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = _COLOURS[self.status]
        return (
            f'<div style="border-left:4px solid {colour};padding:4px 8px">'
            f"{_ICONS[self.status]} <b>{html.escape(self.exercise_id)}</b> "
            f"{html.escape(self.title)}: {html.escape(self.message)}</div>"
        )


def check(exercise_id: str, answer: Any, *, strict: bool = False) -> CheckResult:
    """Run exercise ``exercise_id`` on the student's ``answer`` (a function).

    Args:
        exercise_id: e.g. ``"01.nand_weights"``.
        answer: the student's function; a stub that raises ``NotImplementedError``
            counts as not attempted yet.
        strict: raise ``AssertionError`` unless it passes. Solution cells use this, so
            running a notebook in CI fails when a reference solution does.

    Returns:
        A ``CheckResult`` that displays as pass, fail with a hint, or not attempted yet.
    """
    ex = get_exercise(exercise_id)
    status, message = _run(ex, answer)
    result = CheckResult(ex.id, ex.title, status, message)
    if strict and not result:
        raise AssertionError(f"reference solution does not pass: {result}")
    return result


def _run(ex: Exercise, answer: Any) -> tuple[str, str]:
    """Run one exercise's test and turn every outcome into (status, message)."""
    if not callable(answer):
        return FAIL, (
            f"expected a function called {ex.answer_name}, got {answer!r:.40} "
            f"({type(answer).__name__}); "
            f"define it with `def {ex.answer_name}(...):`"
        )
    try:
        with _time_limit(ex.time_limit):
            ex.test(answer)
    except _TimeUp:
        return FAIL, (
            f"your function did not return within {ex.time_limit:g} s: an endless loop? "
            f"(look for a `while` whose condition never turns false, or a loop that never "
            f"moves on)"
        )
    except NotImplementedError:
        return NOT_ATTEMPTED, (
            f"not attempted yet: replace `raise NotImplementedError` in {ex.answer_name}"
        )
    except CheckFailed as hint:
        return FAIL, f"not yet. Hint: {hint}"
    except Exception as error:  # the student's code crashed: say how, without a traceback
        return FAIL, f"your function raised {type(error).__name__}: {error}"
    return PASS, "correct, well done"


class _TimeUp(BaseException):
    """Raised inside a checked answer that ran past its exercise's time limit.

    A ``BaseException``, so an answer's own ``except Exception`` cannot swallow it.
    """


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise ``_TimeUp`` in this thread once ``seconds`` have passed.

    In the main thread (a notebook kernel, pytest) a real-time timer signal interrupts
    even ``while True: pass``; elsewhere a watchdog thread raises the exception
    asynchronously, which works as soon as the answer runs Python code again.
    """
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        def on_alarm(signum, frame):
            raise _TimeUp

        previous_handler = signal.signal(signal.SIGALRM, on_alarm)
        previous_delay, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
        started = time.monotonic()
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous_handler)
            if previous_delay:  # someone else's timer was running: give back what is left
                left = previous_delay - (time.monotonic() - started)
                signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3))
        return
    thread_id = threading.get_ident()
    done = threading.Event()

    def watchdog():
        if not done.wait(seconds):
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id),
                                                       ctypes.py_object(_TimeUp))

    watcher = threading.Thread(target=watchdog, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()


@dataclass(frozen=True)
class ExpectedError:
    """The error that ``expect_error`` caught, shown as one line."""

    error: BaseException

    def __str__(self) -> str:
        return f"raised {type(self.error).__name__}, as expected: {self.error}"

    __repr__ = __str__


def expect_error(
    fn: Callable[..., Any], error_type: type[BaseException], *args: Any, **kwargs: Any
) -> ExpectedError:
    """Call ``fn(*args, **kwargs)`` for a cell that teaches an error.

    Returns the caught error (it displays as "raised ValueError, as expected: ...").
    Raises ``AssertionError`` when nothing is raised, so a lesson about an error cannot
    pass silently; an error of another type propagates unchanged.
    """
    if not (isinstance(error_type, type) and issubclass(error_type, BaseException)):
        raise TypeError(f"error_type must be an exception class, got {error_type!r}")
    try:
        result = fn(*args, **kwargs)
    except error_type as error:
        return ExpectedError(error)
    name = getattr(fn, "__name__", repr(fn))
    raise AssertionError(
        f"expected {name}(...) to raise {error_type.__name__}, but it returned {result!r}"
    )


def show_source(obj: Any):
    """Display the source of one of our functions or classes, highlighted, in a notebook.

    The code a student reads is the code the tests cover: no second copy in the notebook.
    """
    from IPython.display import Code

    try:
        source = inspect.getsource(obj)
    except (TypeError, OSError) as error:
        raise TypeError(
            f"show_source needs a Python function, class or module, got {obj!r}: {error}"
        ) from None
    return Code(source, language="python")


@dataclass(frozen=True)
class SlideCheck:
    """A lecture deck's claim beside the value our code computes, with a verdict."""

    deck: str
    claim: str
    deck_says: Any
    computed: Any
    agrees: bool
    differs: str = "❌ deck is wrong"

    def row(self) -> dict[str, Any]:
        verdict = "✅ deck is right" if self.agrees else self.differs
        return {"deck": self.deck, "claim": self.claim, "deck says": self.deck_says,
                "computed": self.computed, "verdict": verdict}

    def __str__(self) -> str:
        r = self.row()
        return (f"deck {r['deck']}: {r['claim']} | deck says {r['deck says']} | "
                f"computed {r['computed']} | {r['verdict']}")

    __repr__ = __str__


def slide_check(
    deck: str, claim: str, *, deck_says: Any, computed: Any, expect: str, rtol: float = 1e-3,
    differs: str = "❌ deck is wrong",
) -> SlideCheck:
    """Compare a deck's claim with the computed value (numbers within ``rtol``).

    ``expect`` is ``"agree"`` or ``"disagree"``: what the course found when it checked the
    deck. If the computation ever says otherwise, this raises, so CI notices. ``differs`` is
    the verdict shown when they disagree: "deck is wrong" unless the honest word is another
    (e.g. "⚠️ not reproducible at this scale" for a figure measured on another scale).
    A NaN on either side is refused: it would otherwise read as "deck is wrong".
    """
    if expect not in ("agree", "disagree"):
        raise ValueError(f"expect must be 'agree' or 'disagree', got {expect!r}")
    for name, value in (("deck_says", deck_says), ("computed", computed)):
        if isinstance(value, Real) and value != value:
            raise ValueError(f"slide_check: {name} is NaN (a diverged or empty computation?); "
                             f"compare a real number")
    if isinstance(deck_says, Real) and isinstance(computed, Real):
        agrees = abs(deck_says - computed) <= rtol * max(abs(deck_says), abs(computed), 1e-12)
    else:
        agrees = deck_says == computed
    result = SlideCheck(deck, claim, deck_says, computed, bool(agrees), differs)
    if result.agrees != (expect == "agree"):
        raise AssertionError(f"slide check changed verdict (expected the deck to {expect}): "
                             f"{result}")
    return result


@dataclass(frozen=True)
class Claim:
    """A sentence the notebook states about what a cell found, with the numbers behind it."""

    sentence: str
    numbers: dict[str, Any]

    def __str__(self) -> str:
        behind = ", ".join(f"{k} = {_fmt(v)}" for k, v in self.numbers.items())
        return f"✅ {self.sentence}" + (f" ({behind})" if behind else "")

    __repr__ = __str__


def _fmt(value: Any) -> str:
    """A number shown with four significant digits; anything else as ``str``."""
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):  # numpy / torch scalar
        value = value.item()
    if isinstance(value, Real) and not isinstance(value, Integral):
        return f"{float(value):.4g}"
    return str(value)


def _as_truth(condition: Any) -> bool:
    """A Python bool from a bool, a numpy bool or a one-element bool tensor; nothing else.

    ``bool(float("nan"))`` is True and ``bool(array)`` is ambiguous, so a claim accepts
    only a real truth value: a condition computed from a NaN must say so by comparing.
    """
    if isinstance(condition, bool):
        return condition
    if type(condition).__name__ == "bool_":  # numpy.bool_
        return bool(condition)
    dtype = getattr(condition, "dtype", None)
    if dtype is not None and str(dtype) in ("bool", "torch.bool") and (
            getattr(condition, "ndim", None) == 0 or getattr(condition, "shape", None) == ()):
        return bool(condition)
    raise TypeError(
        f"claim's condition must be a bool (a comparison such as `a > b`), got "
        f"{type(condition).__name__} {condition!r:.60}; for an array use .all() or .any()")


def claim(sentence: str, condition: Any, **numbers: Any) -> None:
    """Assert what a notebook's prose says a cell found, and show it with its numbers.

    Every sentence in a notebook that states a finding ("higher", "levels off",
    "diverges") is backed by a ``claim`` in the cell that computes it, so the day the
    finding stops being true the notebook fails under nbval instead of teaching it.

    Args:
        sentence: the finding, in the words the markdown uses.
        condition: a ``bool`` (or numpy / torch bool scalar) that is true when it holds.
        **numbers: the numbers behind it, shown beside the sentence.

    Prints one line (a pass mark, the sentence, the numbers) and returns None, so a cell
    with several claims shows each once.

    Raises:
        AssertionError: naming the sentence and the numbers, when ``condition`` is false.
        TypeError / ValueError: when the sentence is empty or the condition is not a bool.
    """
    if not isinstance(sentence, str) or not sentence.strip():
        raise ValueError(f"claim needs the sentence it asserts, got {sentence!r}")
    if not _as_truth(condition):
        behind = ", ".join(f"{k} = {_fmt(v)}" for k, v in numbers.items())
        raise AssertionError(f"claim no longer true: {sentence!r}" +
                             (f" ({behind})" if behind else ""))
    print(Claim(sentence, dict(numbers)))
