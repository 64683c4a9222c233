"""Exercises of notebook 01 (perceptron); each test computes its answer independently."""

from __future__ import annotations

from itertools import product

import numpy as np

from course_utils.data.toy import logic_gate
from course_utils.exercises import CheckFailed, answer_array, exercise
from course_utils.perceptron import (
    BOOLEAN_FUNCTIONS,
    gate_inputs,
    perceptron_step,
    perceptron_train,
)


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


def _update_cases() -> list[tuple[np.ndarray, np.ndarray, int, float]]:
    """Samples of 1 to 7 features (not only the gates' 2): margin 0, right ones, wrong ones."""
    rng = np.random.default_rng(1)
    cases = [(np.zeros(3), np.array([1.0, -1.0, 1.0]), 1, 1.0),  # margin 0: must update
             (np.zeros(6), np.append(rng.normal(size=5), 1.0), -1, 0.5)]
    for length in [3] * 12 + [2, 4, 5, 8] * 3:
        cases.append((rng.normal(size=length), np.append(rng.normal(size=length - 1), 1.0),
                      int(rng.choice([-1, 1])), float(rng.uniform(0.1, 2))))
    return cases


@exercise("01.perceptron_update", title="one step of the learning rule")
def _update(answer) -> None:
    for w, x, y, lr in _update_cases():
        w_before, x_before = w.copy(), x.copy()
        raw = answer(w, x, y, lr)
        if isinstance(raw, np.ndarray) and (np.shares_memory(raw, w) or np.shares_memory(raw, x)):
            raise CheckFailed("you returned w_tilde itself (or x_tilde, or a view of one), not "
                              "a new array: whoever changes your result later changes the "
                              "caller's weights too. When nothing is updated, return "
                              "w_tilde.copy()")
        got = _vector(raw, len(w), f"perceptron_update(...) for {len(w)} weights")
        expected, updated = perceptron_step(w_before, x_before, y, lr=lr)
        if not np.array_equal(w, w_before) or not np.array_equal(x, x_before):
            raise CheckFailed("your function changed w_tilde or x_tilde in place; leave the "
                              "inputs alone and return a new array")
        if not np.allclose(got, expected):
            why = "it is misclassified (y * w~.x~ <= 0)" if updated else "it is already right"
            raise CheckFailed(
                f"for w~={np.round(w_before, 3)}, x~={np.round(x, 3)}, y={y}, lr={lr:.3g}: "
                f"expected {np.round(expected, 3)} because {why}; got {np.round(got, 3)}"
            )


def separable_set(seed: int, n: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    """A random linearly separable set: n points in d dimensions, labels from a random
    hyperplane (not through the origin), points within 0.2 of it dropped (a margin)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(4 * n + 20, d)) * rng.uniform(0.5, 3.0) + rng.normal(size=d)
    w = rng.normal(size=d)
    b = -x[0] @ w  # the hyperplane passes through the cloud: both classes appear
    z = (x @ w + b) / np.linalg.norm(w)
    keep = np.abs(z) > 0.2
    x, z = x[keep][:n], z[keep][:n]
    return x, np.where(z > 0, 1, -1)


_FIT_CASES = [(0, 30, 1, 1.0), (1, 40, 2, 0.1), (2, 60, 3, 1.0), (3, 80, 5, 0.5),
              (4, 100, 8, 1.0), (5, 25, 4, 2.0), (6, 1, 3, 1.0), (7, 2, 2, 0.3)]


def _refuse_calls(answer, names: set[str], task: str) -> None:
    """Fail an answer whose code calls one of ``names``: the exercise asks to build it."""
    used = names & set(getattr(getattr(answer, "__code__", None), "co_names", ()))
    if used:
        raise CheckFailed(f"your function calls {', '.join(sorted(used))}: that is the answer "
                          f"key, not your own {task}. Write it with numpy")


@exercise("01.perceptron_fit", title="the perceptron learning algorithm, to convergence")
def _fit(answer) -> None:
    _refuse_calls(answer, {"perceptron_train", "Perceptron", "learnable"}, "training loop")
    for seed, n, d, lr in _FIT_CASES:
        x, y = separable_set(seed, n, d)
        x_before, y_before = x.copy(), y.copy()
        reference = perceptron_train(x, y, lr=lr, epochs=1000)
        got = _vector(answer(x, y, lr, 1000), d + 1,
                      f"perceptron_fit(x, y, ...) for x of shape {x.shape} (D weights + bias)")
        if not (np.array_equal(x, x_before) and np.array_equal(y, y_before)):
            raise CheckFailed("your function changed x or y in place; build x~ as a new array")
        margin = y * (np.hstack([x, np.ones((n, 1))]) @ got)
        if np.any(margin <= 0):
            raise CheckFailed(
                f"on {n} separable points in {d} dimension(s) (seed {seed}) your w~ leaves "
                f"{int(np.sum(margin <= 0))} with y (w~ . x~) <= 0: keep sweeping until an "
                "epoch makes no update (a margin of exactly 0 counts as a mistake)")
        if not np.allclose(got, reference.weights[-1], rtol=1e-9, atol=1e-9):
            raise CheckFailed(
                f"your w~ separates the points (seed {seed}, {d} dimension(s)) but is not "
                f"the rule's: expected {np.round(reference.weights[-1], 3)}, got "
                f"{np.round(got, 3)}. Start from w~ = 0, visit the samples in order 0..N-1, "
                f"add lr * y_i * x~_i on each mistake")


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
