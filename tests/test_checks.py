"""course_utils.checks: the checker's verdicts, expect_error, show_source, slide_check."""

import pytest

from course_utils.checks import (
    _REGISTRY,
    FAIL,
    NOT_ATTEMPTED,
    PASS,
    CheckFailed,
    check,
    exercise,
    expect_error,
    get_exercise,
    show_source,
    slide_check,
)


@pytest.fixture
def square_exercise():
    @exercise("99.square", title="square a number")
    def _test(answer):
        for v in (0, 2, -3):
            if answer(v) != v * v:
                raise CheckFailed(f"square({v}) should be {v * v}")

    yield _test
    del _REGISTRY["99.square"]


def test_verdicts(square_exercise):
    assert check("99.square", lambda v: v * v).status == PASS
    wrong = check("99.square", lambda v: v + 2)
    assert wrong.status == FAIL and "Hint: square(0) should be 0" in wrong.message
    assert not wrong and bool(check("99.square", lambda v: v**2))


def test_stub_is_not_attempted_and_crashes_are_reported_without_traceback(square_exercise):
    def stub(v):
        raise NotImplementedError

    assert check("99.square", stub).status == NOT_ATTEMPTED
    crashed = check("99.square", lambda v: v / 0)
    assert crashed.status == FAIL and "ZeroDivisionError" in crashed.message
    not_callable = check("99.square", 4)
    assert not_callable.status == FAIL
    assert "expected a function called square" in not_callable.message


def test_strict_raises_unless_it_passes(square_exercise):
    check("99.square", lambda v: v * v, strict=True)
    with pytest.raises(AssertionError, match="reference solution does not pass"):
        check("99.square", lambda v: v, strict=True)


def test_result_displays_as_one_line_and_html(square_exercise):
    result = check("99.square", lambda v: v * v)
    assert str(result).startswith("✅ 99.square (square a number)")
    assert "<b>99.square</b>" in result._repr_html_()


def test_registry_errors(square_exercise):
    with pytest.raises(KeyError, match="no exercise '99.cube'; known exercises:.*99.square"):
        get_exercise("99.cube")
    with pytest.raises(ValueError, match="registered twice"):
        exercise("99.square", title="again")(lambda a: None)
    with pytest.raises(ValueError, match="must look like '01.answer_name'"):
        exercise("square", title="no number")


def test_expect_error_catches_returns_and_fails_when_nothing_raises():
    caught = expect_error(int, ValueError, "seven")
    assert isinstance(caught.error, ValueError) and "as expected" in str(caught)
    with pytest.raises(AssertionError, match="expected int\\(...\\) to raise ValueError"):
        expect_error(int, ValueError, "7")
    with pytest.raises(TypeError):  # another error type propagates unchanged
        expect_error(int, ValueError, None)
    with pytest.raises(TypeError, match="must be an exception class"):
        expect_error(int, "ValueError", "7")


def test_show_source_shows_our_code():
    code = show_source(expect_error)
    assert "def expect_error(" in code.data
    with pytest.raises(TypeError, match="show_source needs a Python function"):
        show_source(len)


def test_slide_check_verdicts_and_guard():
    right = slide_check("004", "7x7, 3x3, stride 2", deck_says=3, computed=3.0, expect="agree")
    assert right.agrees and right.row()["verdict"] == "✅ deck is right"
    wrong = slide_check("000", "AND", deck_says="AND", computed="OR", expect="disagree")
    assert not wrong.agrees and "deck is wrong" in str(wrong)
    with pytest.raises(AssertionError, match="changed verdict"):
        slide_check("000", "AND", deck_says="AND", computed="OR", expect="agree")
    with pytest.raises(ValueError, match="expect must be 'agree' or 'disagree'"):
        slide_check("000", "AND", deck_says=1, computed=1, expect="yes")


# --- claim: the prose's findings, asserted -------------------------------------------------

def test_claim_prints_sentence_and_numbers_when_true(capsys):
    import numpy as np

    from course_utils.checks import claim

    assert claim("dropout helps", np.float64(0.95) > 0.9, acc=np.float64(0.951234), n=3) is None
    out = capsys.readouterr().out
    assert "✅ dropout helps" in out and "acc = 0.9512" in out and "n = 3" in out


def test_claim_raises_naming_the_sentence_when_false():
    import pytest

    from course_utils.checks import claim

    with pytest.raises(AssertionError,
                       match=r"claim no longer true: 'loss levels off'.*slope = 0\.5"):
        claim("loss levels off", 0.5 < 0.1, slope=0.5)


def test_claim_accepts_numpy_and_torch_bool_scalars(capsys):
    import numpy as np
    import torch

    from course_utils.checks import claim

    claim("numpy", np.array([1, 2]).sum() == 3)
    claim("torch", torch.tensor(2.0) > 1)
    import pytest
    with pytest.raises(AssertionError):
        claim("torch false", torch.tensor(0.0) > 1)


def test_claim_refuses_a_condition_that_is_not_a_bool():
    import numpy as np
    import pytest

    from course_utils.checks import claim

    for bad in (float("nan"), 1.0, np.array([True, True]), "yes", None):
        with pytest.raises(TypeError, match="must be a bool"):
            claim("x", bad)
    with pytest.raises(ValueError, match="sentence"):
        claim("  ", True)


# --- the checker never hangs ---------------------------------------------------------------

@pytest.fixture
def endless_exercise():
    @exercise("99.count_up", title="count to ten", time_limit=0.5)
    def _test(answer):
        if answer(10) != 10:
            raise CheckFailed("count_up(10) should be 10")

    yield _test
    del _REGISTRY["99.count_up"]


def _endless(n):
    i = 0
    while i != n:  # never moves on: i stays 0
        try:
            pass
        except Exception:  # an answer that swallows every error must not swallow the limit
            pass
    return i


def test_checker_stops_an_endless_answer_and_says_so(endless_exercise):
    import time

    started = time.monotonic()
    result = check("99.count_up", _endless)
    took = time.monotonic() - started
    assert result.status == FAIL and "did not return within 0.5 s: an endless loop?" in (
        result.message)
    assert took < 3, f"the checker took {took:.1f} s to stop an answer limited to 0.5 s"
    assert check("99.count_up", lambda n: n).status == PASS  # the alarm is gone afterwards


def test_checker_stops_an_endless_answer_outside_the_main_thread(endless_exercise):
    import threading

    results = []
    worker = threading.Thread(target=lambda: results.append(check("99.count_up", _endless)))
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive() and results[0].status == FAIL
    assert "an endless loop?" in results[0].message


def test_time_limit_must_be_positive():
    with pytest.raises(ValueError, match="time_limit must be a positive number"):
        exercise("99.bad_limit", title="x", time_limit=0)


def test_slide_check_refuses_nan_and_can_say_not_reproducible():
    with pytest.raises(ValueError, match="computed is NaN"):
        slide_check("000", "x", deck_says=2.0, computed=float("nan"), expect="disagree")
    with pytest.raises(ValueError, match="deck_says is NaN"):
        slide_check("000", "x", deck_says=float("nan"), computed=1.0, expect="disagree")
    shown = slide_check("000", "ensemble gain", deck_says=2.0, computed=0.5, expect="disagree",
                        differs="⚠️ not reproducible at this scale")
    assert str(shown).endswith("⚠️ not reproducible at this scale")
    assert "deck is wrong" in str(slide_check("000", "y", deck_says=2.0, computed=0.5,
                                              expect="disagree"))
