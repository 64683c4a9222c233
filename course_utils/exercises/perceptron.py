"""Exercises of notebook 01 (perceptron); each test computes its answer independently."""

from __future__ import annotations

from itertools import product

import numpy as np

from course_utils.data.toy import logic_gate
from course_utils.exercises import CheckFailed, answer_array, exercise
from course_utils.perceptron import BOOLEAN_FUNCTIONS, gate_inputs, perceptron_step


def _vector(value, length: int, what: str) -> np.ndarray:
    return answer_array(value, what, shape=(length,))


@exercise("01.nand_weights", title="NAND as one perceptron")
def _nand(answer) -> None:
    w_tilde = _vector(answer(), 3, "nand_weights() = (w1, w2, b)")
    x, y = logic_gate("NAND", encoding="bipolar")
    margin = y * (np.hstack([x, np.ones((4, 1))]) @ w_tilde)
    wrong = [f"({a:+.0f}, {b:+.0f}) -> {t:+d}" for (a, b), t, m in zip(x, y, margin, strict=True)
             if m <= 0]
    if wrong:
        raise CheckFailed(
            f"these rows are wrong or sit exactly on the boundary: {'; '.join(wrong)}. "
            "NAND is NOT AND: what happens to sign(w~ . x~) when you negate w~?"
        )


@exercise("01.perceptron_update", title="one step of the learning rule")
def _update(answer) -> None:
    rng = np.random.default_rng(1)
    cases = [(np.zeros(3), np.array([1.0, -1.0, 1.0]), 1, 1.0)]  # margin 0: must update
    cases += [(rng.normal(size=3), np.append(rng.normal(size=2), 1.0), int(rng.choice([-1, 1])),
               float(rng.uniform(0.1, 2))) for _ in range(20)]
    for w, x, y, lr in cases:
        before = w.copy()
        got = _vector(answer(w, x, y, lr), 3, "perceptron_update(...)")
        expected, updated = perceptron_step(before, x, y, lr=lr)
        if not np.array_equal(w, before):
            raise CheckFailed("your function changed w_tilde in place; return a new array")
        if not np.allclose(got, expected):
            why = "it is misclassified (y * w~.x~ <= 0)" if updated else "it is already right"
            raise CheckFailed(
                f"for w~={np.round(before, 3)}, x~={np.round(x, 3)}, y={y}, lr={lr:.3g}: "
                f"expected {np.round(expected, 3)} because {why}; got {np.round(got, 3)}"
            )


def _separable_by_search() -> set[str]:
    """Truth columns reachable by integer w~ in [-2, 2]^3 (enough for two inputs)."""
    x_tilde = np.hstack([gate_inputs(encoding="bipolar"), np.ones((4, 1))])
    found = set()
    for w in product(range(-2, 3), repeat=3):
        z = x_tilde @ np.array(w, dtype=float)
        if np.all(z != 0):  # strictly separated, as the learning rule demands
            found.add("".join("1" if v > 0 else "0" for v in z))
    return found


def _drop_one(columns):
    """A wrong answer next to the reference: the same truth columns less one."""
    return set(sorted(columns)[1:])


@exercise("01.separable_functions", title="which boolean functions can one perceptron learn",
          perturb=_drop_one)
def _separable(answer) -> None:
    got = answer()
    if not isinstance(got, set | frozenset | list | tuple):
        raise CheckFailed(f"return a set of truth columns like {{'0001', '0111'}}, got {got!r}")
    got = {str(g) for g in got}
    unknown = got - set(BOOLEAN_FUNCTIONS)
    if unknown:
        raise CheckFailed(f"{sorted(unknown)} are not truth columns; keys of BOOLEAN_FUNCTIONS are")
    expected = _separable_by_search()
    if got != expected:
        extra = [BOOLEAN_FUNCTIONS[b] for b in sorted(got - expected)]
        missing = [BOOLEAN_FUNCTIONS[b] for b in sorted(expected - got)]
        raise CheckFailed(f"you included {extra or 'nothing extra'} and left out "
                          f"{missing or 'nothing'}; run learnable(bits) on each of the 16")
