"""Exercise checker, error-teaching helper and source display, used by every notebook.

An exercise is a stub the student fills in (it raises ``NotImplementedError`` until then)
and a call ``check("01.nand_weights", nand_weights)`` that answers pass, fail with a hint,
or "not attempted yet", never with a stack trace. The exercises themselves live in
``course_utils.exercises``, one module per notebook topic, with the registry that both
this module and they import (no import circle).
"""

from __future__ import annotations

import html
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Real
from typing import Any

from course_utils.exercises import _REGISTRY, CheckFailed, Exercise, exercise, load_all

__all__ = ["_REGISTRY", "CheckFailed", "Exercise", "all_exercises", "check", "exercise",
           "expect_error", "get_exercise", "show_source", "slide_check"]

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
        ex.test(answer)
    except NotImplementedError:
        return NOT_ATTEMPTED, (
            f"not attempted yet: replace `raise NotImplementedError` in {ex.answer_name}"
        )
    except CheckFailed as hint:
        return FAIL, f"not yet. Hint: {hint}"
    except Exception as error:  # the student's code crashed: say how, without a traceback
        return FAIL, f"your function raised {type(error).__name__}: {error}"
    return PASS, "correct, well done"


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

    def row(self) -> dict[str, Any]:
        verdict = "✅ deck is right" if self.agrees else "❌ deck is wrong"
        return {"deck": self.deck, "claim": self.claim, "deck says": self.deck_says,
                "computed": self.computed, "verdict": verdict}

    def __str__(self) -> str:
        r = self.row()
        return (f"deck {r['deck']}: {r['claim']} | deck says {r['deck says']} | "
                f"computed {r['computed']} | {r['verdict']}")

    __repr__ = __str__


def slide_check(
    deck: str, claim: str, *, deck_says: Any, computed: Any, expect: str, rtol: float = 1e-3
) -> SlideCheck:
    """Compare a deck's claim with the computed value (numbers within ``rtol``).

    ``expect`` is ``"agree"`` or ``"disagree"``: what the course found when it checked the
    deck. If the computation ever says otherwise, this raises, so CI notices.
    """
    if expect not in ("agree", "disagree"):
        raise ValueError(f"expect must be 'agree' or 'disagree', got {expect!r}")
    if isinstance(deck_says, Real) and isinstance(computed, Real):
        agrees = abs(deck_says - computed) <= rtol * max(abs(deck_says), abs(computed), 1e-12)
    else:
        agrees = deck_says == computed
    result = SlideCheck(deck, claim, deck_says, computed, bool(agrees))
    if result.agrees != (expect == "agree"):
        raise AssertionError(f"slide check changed verdict (expected the deck to {expect}): "
                             f"{result}")
    return result
