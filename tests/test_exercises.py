"""Every exercise: its notebook's reference solution passes, its stub is "not attempted",
and every wrong answer listed in ``tests/wrong_answers.py`` fails with a hint."""

from __future__ import annotations

import pytest

from course_utils.checks import FAIL, NOT_ATTEMPTED, PASS, all_exercises, check
from tests.notebook_cells import notebook_for, run_cells, tagged
from tests.wrong_answers import WRONG_ANSWERS

EXERCISES = sorted(all_exercises().values(), key=lambda ex: ex.id)


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda ex: ex.id)
def test_reference_solution_passes(ex):
    path = notebook_for(ex.id)
    solution = tagged(path, "solution", ex.answer_name)
    assert solution["metadata"].get("jupyter", {}).get("source_hidden"), "solution not collapsed"
    assert f'check("{ex.id}", {ex.answer_name}, strict=True)' in solution["text"]
    namespace = run_cells(path, solution)
    assert check(ex.id, namespace[ex.answer_name]).status == PASS


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda ex: ex.id)
def test_stub_is_not_attempted(ex):
    path = notebook_for(ex.id)
    namespace = run_cells(path, tagged(path, "exercise", ex.answer_name))
    result = check(ex.id, namespace[ex.answer_name])
    assert result.status == NOT_ATTEMPTED, result


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda ex: ex.id)
def test_wrong_answers_fail_with_a_hint(ex):
    wrong = WRONG_ANSWERS.get(ex.id)
    assert wrong, f"tests/wrong_answers.py lists no wrong answer for {ex.id}"
    for answer in wrong:
        result = check(ex.id, answer)
        assert result.status == FAIL, f"{ex.id} accepted a wrong answer: {result}"
        assert "Hint:" in result.message or "raised" in result.message
