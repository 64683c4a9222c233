"""Every exercise: its notebook's reference solution passes, its stub is "not attempted",
every wrong answer listed in ``tests/wrong_answers_<topic>.py`` fails with a hint, and
(generic, so a new exercise gets them for free) its own reference answer fails with a hint
once its output's numbers are all NaN, all inf, or one of them changed."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_utils.checks import FAIL, NOT_ATTEMPTED, PASS, all_exercises, check
from tests import answer_mutations as mutations
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


def _reference(ex):
    path = notebook_for(ex.id)
    return run_cells(path, tagged(path, "solution", ex.answer_name))[ex.answer_name]


_MUTATIONS = {
    "nan": lambda out: mutations.fill(out, float("nan")),
    "inf": lambda out: mutations.fill(out, float("inf")),
    "-inf": lambda out: mutations.fill(out, float("-inf")),
    "one number changed": mutations.flip_largest,
}


@pytest.mark.parametrize("mutation", list(_MUTATIONS))
@pytest.mark.parametrize("ex", EXERCISES, ids=lambda ex: ex.id)
def test_mutated_reference_fails_with_a_hint(ex, mutation):
    """A checker passes only on positive evidence: NaN, inf or a changed number never pass."""
    reference = _reference(ex)
    mutate = _MUTATIONS[mutation]
    if mutation == "one number changed" and ex.perturb is not None:
        mutate = ex.perturb  # the exercise says how to make its output wrong
    outputs = []
    probe = mutations.wrap(reference, lambda out: outputs.append(out) or out)
    check(ex.id, probe)  # records what the reference returns
    if not any(mutations.has_numbers(o) for o in outputs):
        if mutation != "one number changed":
            pytest.skip(f"{ex.id}'s answer returns no numbers to replace by {mutation}")
        assert ex.perturb is not None, (
            f"{ex.id}'s answer returns no numbers: give @exercise a perturb= that makes its "
            "output wrong, so this test can show the checker notices")
    result = check(ex.id, mutations.wrap(reference, mutate))
    assert result.status == FAIL, f"{ex.id} accepted its reference with {mutation}: {result}"
    assert "Hint:" in result.message, f"{ex.id} crashed instead of hinting: {result.message}"


def test_mutations_change_what_they_claim():
    out = (np.array([1.0, -3.0]), 2, {"k": torch.tensor([0.5, 4.0])}, "text")
    nan = mutations.fill(out, float("nan"))
    assert np.isnan(nan[0]).all() and np.isnan(nan[1]) and torch.isnan(nan[2]["k"]).all()
    assert nan[3] == "text" and nan[0].shape == (2,)
    flipped = mutations.flip_largest(out)
    assert flipped[0].tolist() == [1.0, -3.0] and flipped[2]["k"].tolist() == [0.5, -4.0]
    assert out[2]["k"].tolist() == [0.5, 4.0]  # the original is untouched
    assert mutations.flip_largest(np.zeros(3)).tolist() == [1.0, 0.0, 0.0]
    assert not mutations.has_numbers({"0110", "1001"})
