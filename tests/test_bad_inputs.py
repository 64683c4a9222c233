"""Bad input gets a clear error everywhere (issue 21), for every public callable at once.

Every math module of ``course_utils`` lists its public functions and classes in ``__all__``;
``tests/bad_input_table.py`` holds one row per callable (how to call it well, which arguments
are arrays), and ``tests/bad_input_engine.py`` feeds each array argument NaN, an empty array,
a wrong rank, int / bool / float16 / complex, a list, torch for numpy (and the reverse), a
read-only and a non-contiguous copy. Each case must give a clear error naming the argument or
a correct result, and no input may change. A callable without a row, or a module without
``__all__``, fails here. ``python -m tests.test_bad_inputs`` prints the counts.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from collections import Counter

import numpy as np
import pytest

import course_utils
from tests.bad_input_engine import run_row
from tests.bad_input_table import ROWS

# Modules outside the generic test, and why. Widgets validate their controls through
# widgets.base.check_control_value (tests/test_widget_state.py); plotting draws what math
# functions computed; exercises check students' answers (tests/test_exercises.py).
EXCLUDED = {
    "course_utils": "the package root: it exports nothing (present() comes from presenter)",
    "course_utils.__main__": "tooling: the command line (strip, student, doctor, ...)",
    "course_utils.doctor": "tooling: checks the installed environment, takes no data",
    "course_utils.hygiene": "tooling: notebook stripping and checks, takes file paths",
    "course_utils.release": "tooling: builds the student copies of the notebooks",
    "course_utils.grading": "tooling: grades students' notebook submissions",
    "course_utils.presenter": "tooling: switches the classroom presentation mode",
    "course_utils.progress": "tooling: progress bars",
    "course_utils.tour": "the welcome tour's demos (notebook 00), not course math; its data "
                         "takers refuse NaN in tests/test_validate.py",
}
EXCLUDED_PACKAGES = {
    "course_utils.plotting": "draws figures from numbers the math modules computed",
    "course_utils.widgets": "controls validated by widgets.base.check_control_value",
    "course_utils.exercises": "answer checkers, tested by tests/test_exercises.py",
}
# Public names a module defines but may leave out of __all__, and why.
NOT_IN_ALL = {
    "course_utils.checks": ({"CheckResult", "ExpectedError", "SlideCheck"},
                            "the records check / expect_error / slide_check return; nobody "
                            "builds one from data"),
}


def math_modules() -> dict[str, object]:
    out = {}
    for info in pkgutil.walk_packages(course_utils.__path__, "course_utils."):
        if info.name in EXCLUDED or any(info.name == p or info.name.startswith(p + ".")
                                        for p in EXCLUDED_PACKAGES):
            continue
        out[info.name] = importlib.import_module(info.name)
    return out


def public_callables() -> dict[str, object]:
    """Every callable in some module's ``__all__``, keyed by where it is defined."""
    out = {}
    for module in math_modules().values():
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if callable(obj) and not name.startswith("_"):
                out[f"{obj.__module__.removeprefix('course_utils.')}.{obj.__qualname__}"] = obj
    return out


CALLABLES = public_callables()


def test_every_math_module_has_all_listing_its_public_definitions():
    missing, unlisted, dangling = [], [], []
    for name, module in math_modules().items():
        if not hasattr(module, "__all__"):
            missing.append(name)
            continue
        listed = set(module.__all__)
        dangling += [f"{name}.{n}" for n in listed if not hasattr(module, n)]
        defined = {n for n, obj in vars(module).items() if not n.startswith("_")
                   and (inspect.isfunction(obj) or inspect.isclass(obj))
                   and obj.__module__ == name}
        allowed = NOT_IN_ALL.get(name, (set(), ""))[0]
        unlisted += [f"{name}.{n}" for n in sorted(defined - listed - allowed)]
    assert not missing, (f"modules without __all__: {missing}: list their public functions "
                         "and classes (or add the module to EXCLUDED with the reason)")
    assert not unlisted, f"public definitions missing from their module's __all__: {unlisted}"
    assert not dangling, f"names in __all__ that the module does not have: {dangling}"


def test_every_public_callable_has_a_row_and_every_row_a_callable():
    no_row = sorted(set(CALLABLES) - set(ROWS))
    assert not no_row, ("public callables without a row in tests/bad_input_table.py: "
                        f"{no_row}: add a row saying how to call each well and which "
                        "arguments are arrays")
    stale = sorted(set(ROWS) - set(CALLABLES))
    assert not stale, f"rows for callables that are not public (renamed?): {stale}"


@pytest.mark.parametrize("key", sorted(set(ROWS) & set(CALLABLES)))
def test_bad_inputs_get_a_clear_error_or_a_correct_result(key):
    failures = [o for o in run_row(CALLABLES[key], ROWS[key]) if o.verdict == "fail"]
    assert not failures, f"{key}:\n" + "\n".join(
        f"  {o.arg} {o.case}: {o.detail}"[:400] for o in failures)


def main(argv: list[str]) -> int:
    """Print per-callable counts: cases tried, clear errors, correct results, failures."""
    selected = [k for k in sorted(ROWS) if k in CALLABLES and (not argv or any(
        a in k for a in argv))]
    totals: Counter = Counter()
    import time

    for key in selected:
        start = time.process_time()
        outcomes = run_row(CALLABLES[key], ROWS[key])
        seconds = time.process_time() - start
        counts = Counter(o.verdict for o in outcomes)
        totals.update(counts)
        totals["callables"] += 1
        print(f"{key:55s} {len(outcomes):3d} cases: {counts['error']:3d} clear errors, "
              f"{counts['result']:3d} correct results, {counts['fail']:3d} failures, "
              f"{seconds:5.2f} CPU s")
        for o in outcomes:
            if o.verdict == "fail":
                print(f"    FAIL {o.arg} {o.case}: {o.detail}"[:300])
    print(f"{totals['callables']} callables, {sum(totals[v] for v in ('error', 'result', 'fail'))}"
          f" cases: {totals['error']} clear errors, {totals['result']} correct results, "
          f"{totals['fail']} failures")
    return 1 if totals["fail"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


# -- the engine itself: a test that cannot fail would prove nothing ---------------------------
def _bare_numpy(x):
    return np.asarray(x) @ np.ones(5)  # a gufunc message from inside numpy


def _silent_nan(x):
    return np.asarray(x, dtype=float).mean(axis=1)  # NaN in, NaN out, no word


def _in_place(x):
    x *= 2  # changes the caller's array
    return x


def _drops_rows_of_lists(x):
    return np.asarray(x)[:1] if isinstance(x, list) else np.asarray(x)  # wrong for a list


@pytest.mark.parametrize(("fn", "case", "words"), [
    (_bare_numpy, "good", "the good call raised"),
    (_silent_nan, "nan", "returned silently"),
    (_in_place, "good", "input changed"),
    (_drops_rows_of_lists, "list", "not the good result"),
])
def test_the_engine_fails_a_row_that_misbehaves(fn, case, words):
    from tests.bad_input_engine import Row

    row = Row(lambda: {"x": np.arange(6.0).reshape(3, 2)}, ("x",))
    outcomes = run_row(fn, row)
    assert any(o.case == case and o.verdict == "fail" and words in o.detail for o in outcomes), \
        outcomes


def test_a_clear_error_must_come_from_course_utils_and_name_the_argument():
    from course_utils.layers import mse
    from tests.bad_input_engine import clear_error

    try:
        mse(np.zeros(3), np.zeros(4))
    except ValueError as error:
        assert clear_error(error, {"target"}) is None
        assert "does not name" in clear_error(error, {"weights"})
    try:
        np.zeros(3) @ np.zeros(4)
    except ValueError as error:
        assert "not by course_utils" in clear_error(error, {"x"})
