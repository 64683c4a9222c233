"""course_utils.perceptron against scikit-learn's Perceptron, linear programming and hand work."""

import numpy as np
import pytest
from scipy.optimize import linprog
from sklearn.linear_model import Perceptron

from course_utils.data.toy import logic_gate, toy_2d
from course_utils.perceptron import (
    BOOLEAN_FUNCTIONS,
    augment,
    boundary_segment,
    decision_grid,
    find_cycle,
    gate_inputs,
    identify_gate,
    learnable,
    linearly_separable,
    margins,
    n_errors,
    perceptron_step,
    perceptron_train,
    predict,
    sign,
    truth_column,
)


def test_augment_and_sign_convention():
    x = np.array([[2.0, 3.0], [-1.0, 0.5]])
    np.testing.assert_array_equal(augment(x), [[2, 3, 1], [-1, 0.5, 1]])
    np.testing.assert_array_equal(sign(np.array([-0.1, 0.0, 0.1])), [-1, 1, 1])  # deck 000: >= 0


def test_predict_equals_weighted_sum_plus_bias():
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(50, 3)), rng.normal(size=3), 0.3
    np.testing.assert_array_equal(predict(np.append(w, b), x), np.where(x @ w + b >= 0, 1, -1))
    y = predict(np.append(w, b), x)
    assert n_errors(np.append(w, b), x, y) == 0
    assert np.all(margins(np.append(w, b), x, y) >= 0)


def test_step_by_hand():
    w, updated = perceptron_step(np.zeros(3), np.array([1.0, -1.0, 1.0]), 1, lr=0.5)
    assert updated and np.allclose(w, [0.5, -0.5, 0.5])  # margin 0 counts as a mistake
    w2, updated = perceptron_step(w, np.array([1.0, -1.0, 1.0]), 1, lr=0.5)
    assert not updated and np.allclose(w2, w) and w2 is not w


def test_step_does_not_modify_its_input():
    w = np.array([1.0, 1.0, 1.0])
    perceptron_step(w, np.array([-1.0, 1.0, 1.0]), -1, lr=1.0)
    np.testing.assert_array_equal(w, [1.0, 1.0, 1.0])


def _sklearn_weights(x, y, *, lr, epochs):
    sk = Perceptron(eta0=lr, shuffle=False, max_iter=epochs, tol=None, penalty=None)
    return np.append(sk.fit(x, y).coef_, sk.intercept_)


@pytest.mark.parametrize("gate", ["AND", "OR", "NAND", "NOR"])
@pytest.mark.parametrize("lr", [1.0, 0.1])
def test_train_matches_sklearn_on_gates(gate, lr):
    x, y = logic_gate(gate, encoding="bipolar")
    run = perceptron_train(x, y, lr=lr, epochs=20)
    assert run.converged and run.epoch_errors[-1] == 0
    np.testing.assert_allclose(run.weights[-1], _sklearn_weights(x, y, lr=lr, epochs=20))


@pytest.mark.parametrize(("name", "noise"), [("blobs", None), ("blobs", 1.5), ("moons", None)])
def test_train_matches_sklearn_on_2d_sets(name, noise):
    x, y = toy_2d(name, n=60, noise=noise, seed=1, encoding="bipolar")
    run = perceptron_train(x, y, lr=0.3, epochs=7)
    epochs = len(run.epoch_errors)  # sklearn runs all max_iter epochs; a converged run stays put
    np.testing.assert_allclose(run.weights[-1], _sklearn_weights(x, y, lr=0.3, epochs=epochs))


def test_run_records_every_visit():
    x, y = logic_gate("AND", encoding="bipolar")
    run = perceptron_train(x, y, epochs=10)
    n_visits = 4 * len(run.epoch_errors)
    assert run.weights.shape == (n_visits + 1, 3) and run.visited.shape == (n_visits,)
    assert run.updated.sum() == run.epoch_updates.sum()
    np.testing.assert_array_equal(run.visited, np.tile(np.arange(4), len(run.epoch_errors)))
    changed = np.any(np.diff(run.weights, axis=0) != 0, axis=1)
    np.testing.assert_array_equal(changed, run.updated)
    np.testing.assert_array_equal(run.epoch_weights[1:], run.weights[4::4])


def test_shuffled_order_is_seeded():
    x, y = toy_2d("blobs", n=40, seed=0, encoding="bipolar")
    a = perceptron_train(x, y, shuffle_seed=5, epochs=3)
    b = perceptron_train(x, y, shuffle_seed=5, epochs=3)
    np.testing.assert_array_equal(a.visited, b.visited)
    assert sorted(a.visited[:40]) == list(range(40))


def test_xor_loops_forever():
    x, y = logic_gate("XOR", encoding="bipolar")
    run = perceptron_train(x, y, epochs=50)
    assert not run.converged and run.epoch_errors.min() > 0 and len(run.epoch_errors) == 50
    first, period = find_cycle(run)
    np.testing.assert_array_equal(run.epoch_weights[first], run.epoch_weights[first + period])
    assert find_cycle(perceptron_train(*logic_gate("AND", encoding="bipolar"))) is None


def _lp_separable(y):
    """Independent oracle: is there w~ with y_i (w~ . x~_i) >= 1 for all i? (a linear program)"""
    a_ub = -(y[:, None] * augment(gate_inputs(encoding="bipolar")))
    result = linprog(np.zeros(3), A_ub=a_ub, b_ub=-np.ones(4), bounds=[(None, None)] * 3)
    return result.status == 0


@pytest.mark.parametrize("bits", sorted(BOOLEAN_FUNCTIONS))
def test_learnable_agrees_with_linear_programming(bits):
    y = np.array([1 if c == "1" else -1 for c in bits])
    assert learnable(bits) == _lp_separable(y)
    assert learnable(bits) == (bits not in ("0110", "1001"))  # all but XOR and XNOR


def test_identify_gate_and_truth_column():
    assert identify_gate(np.array([1.0, 1.0, -1.0])) == "AND"
    assert identify_gate(np.array([1.0, 1.0, 1.0])) == "OR"
    assert identify_gate(np.array([-1.0, 0.0, 0.0])) == "NOT a"
    assert truth_column(np.array([1.0, 1.0, -1.5]), encoding="binary") == "0001"  # AND on {0,1}
    for name, (_, y) in {g: logic_gate(g) for g in ("NAND", "NOR")}.items():
        w = perceptron_train(*logic_gate(name, encoding="bipolar")).weights[-1]
        assert identify_gate(w) == name and truth_column(w) == "".join(map(str, y))


@pytest.mark.parametrize(
    "w", [(1.0, 1.0, -0.5), (0.0, 2.0, -1.0), (3.0, 0.0, 1.0), (1.0, -2.0, 0.3)]
)
def test_boundary_segment_lies_on_the_line_and_in_the_box(w):
    extent = (-2.0, 2.0, -1.5, 1.5)
    segment = boundary_segment(np.array(w), extent)
    assert segment.shape == (2, 2) and not np.allclose(segment[0], segment[1])
    np.testing.assert_allclose(augment(segment) @ np.array(w), 0.0, atol=1e-9)
    assert np.all((segment[:, 0] >= -2 - 1e-9) & (segment[:, 0] <= 2 + 1e-9))
    assert np.all((segment[:, 1] >= -1.5 - 1e-9) & (segment[:, 1] <= 1.5 + 1e-9))


def test_boundary_segment_absent_cases():
    assert boundary_segment(np.array([0.0, 0.0, 1.0]), (-1, 1, -1, 1)) is None  # no boundary
    assert boundary_segment(np.array([1.0, 0.0, -5.0]), (-1, 1, -1, 1)) is None  # x1 = 5
    with pytest.raises(ValueError, match="min < max"):
        boundary_segment(np.array([1.0, 1.0, 0.0]), (1, -1, -1, 1))


def test_decision_grid_matches_predict_at_grid_points():
    w = np.array([1.0, -0.5, 0.2])
    grid = decision_grid(w, (-1, 1, -2, 2), resolution=5)
    xs, ys = np.linspace(-1, 1, 5), np.linspace(-2, 2, 5)
    for r, yv in enumerate(ys):
        for c, xv in enumerate(xs):
            assert grid[r, c] == predict(w, np.array([[xv, yv]]))[0]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: perceptron_train(np.zeros((4, 2)), np.array([0, 1, 1, 0])), ValueError,
         r"labels must be -1 or \+1.*to_bipolar"),
        (lambda: perceptron_train(np.zeros((4, 2)), np.ones(3)), ValueError,
         r"y must have shape \(4,\)"),
        (lambda: perceptron_train(np.zeros(4), np.ones(4)), ValueError, "non-empty 2D array"),
        (lambda: perceptron_train(np.zeros((0, 2)), np.ones(0)), ValueError, "non-empty 2D"),
        (lambda: perceptron_train(np.zeros((2, 2)), np.ones(2), epochs=0), ValueError,
         "epochs must be an int >= 1"),
        (lambda: perceptron_train(np.zeros((2, 2)), np.ones(2), w0=np.zeros(2)), ValueError,
         r"w0 must have shape \(3,\) = 2 weights \+ 1 bias"),
        (lambda: perceptron_step(np.zeros(3), np.ones(3), 1, lr=0.0), ValueError, "lr must be > 0"),
        (lambda: perceptron_step(np.zeros(3), np.ones(3), 0), ValueError, r"y must be -1 or \+1"),
        (lambda: perceptron_step(np.zeros(3), np.ones(2), 1), ValueError, "same length"),
        (lambda: predict(np.zeros(2), np.zeros((3, 2))), ValueError, r"shape \(3,\)"),
        (lambda: learnable("012"), ValueError, "four characters of 0/1"),
        (lambda: decision_grid(np.zeros(3), (0, 1, 0, 1), resolution=1), ValueError,
         "resolution must be >= 2"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_linearly_separable_agrees_with_the_rule_and_with_geometry():
    for bits in BOOLEAN_FUNCTIONS:  # the rule converges exactly on the separable gates
        y = np.array([1 if c == "1" else -1 for c in bits])
        assert linearly_separable(gate_inputs(), y) == learnable(bits), bits
    x, y = toy_2d("blobs", n=200, seed=0, encoding="bipolar")
    assert linearly_separable(x, y) and perceptron_train(x, y, epochs=100).converged
    x, y = toy_2d("blobs", n=200, noise=1.2, seed=0, encoding="bipolar")
    assert not linearly_separable(x, y)
    x = np.array([[0.0], [1.0], [2.0]])  # 1D: +1 -1 +1 has no threshold
    assert not linearly_separable(x, np.array([1, -1, 1]))
    assert linearly_separable(x, np.array([-1, -1, 1]))
    with pytest.raises(ValueError, match="labels must be -1 or \\+1"):
        linearly_separable(x, np.array([0, 1, 1]))
