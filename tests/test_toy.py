"""course_utils.data.toy against hand-worked truth tables and scikit-learn's generators."""

import numpy as np
import pytest

from course_utils.data.toy import TOY_SETS, logic_gate, to_bipolar, toy_2d

# Hand-worked truth tables, outputs on (0,0), (0,1), (1,0), (1,1).
TRUTH = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0],
         "NOR": [1, 0, 0, 0], "XOR": [0, 1, 1, 0], "XNOR": [1, 0, 0, 1]}


@pytest.mark.parametrize("gate", sorted(TRUTH))
def test_gate_truth_tables_binary_and_bipolar(gate):
    x, y = logic_gate(gate)
    np.testing.assert_array_equal(x, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, TRUTH[gate])
    xb, yb = logic_gate(gate.lower(), encoding="bipolar")
    np.testing.assert_array_equal(xb, 2 * x - 1)
    np.testing.assert_array_equal(yb, 2 * np.array(TRUTH[gate]) - 1)
    assert x.dtype == np.float64 and y.dtype == np.int64


def test_not_gate_has_one_input():
    x, y = logic_gate("NOT", encoding="bipolar")
    np.testing.assert_array_equal(x, [[-1], [1]])
    np.testing.assert_array_equal(y, [1, -1])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "XAND"}, "unknown gate 'XAND'.*Did you mean"),
        ({"name": "AND", "encoding": "signed"}, "encoding must be 'binary'"),
    ],
)
def test_gate_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        logic_gate(**kwargs)


def test_to_bipolar_rejects_other_labels():
    np.testing.assert_array_equal(to_bipolar(np.array([0, 1, 1])), [-1, 1, 1])
    with pytest.raises(ValueError, match=r"y must hold labels in \{0, 1\}"):
        to_bipolar(np.array([-1, 1]))


@pytest.mark.parametrize("name", sorted(TOY_SETS))
def test_toy_sets_shape_balance_and_seed(name):
    x, y = toy_2d(name, n=100, seed=3)
    assert x.shape == (100, 2) and y.shape == (100,)
    assert np.bincount(y).tolist() == [50, 50]
    x2, y2 = toy_2d(name, n=100, seed=3)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(x, toy_2d(name, n=100, seed=4)[0])
    _, yb = toy_2d(name, n=100, seed=3, encoding="bipolar")
    np.testing.assert_array_equal(yb, 2 * y - 1)


def test_toy_sets_do_not_touch_global_state():
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    toy_2d("spirals", seed=0)
    assert np.random.rand() == expected


def test_xor_labels_follow_quadrants_and_moons_match_sklearn():
    x, y = toy_2d("xor", n=400, noise=0.05, seed=0)
    np.testing.assert_array_equal(y, (np.sign(x[:, 0]) != np.sign(x[:, 1])).astype(int))
    x, y = toy_2d("moons", n=200, noise=0.0, seed=0)
    from sklearn.datasets import make_moons

    ref, _ = make_moons(n_samples=200, noise=0.0)  # noise 0: the same points, any order
    assert {tuple(p) for p in np.round(x, 9)} == {tuple(p) for p in np.round(ref, 9)}


def test_blobs_are_linearly_separable_and_circles_are_not():
    from sklearn.svm import LinearSVC

    x, y = toy_2d("blobs", n=200, seed=0)
    assert LinearSVC(C=100.0).fit(x, y).score(x, y) == 1.0
    x, y = toy_2d("circles", n=200, seed=0)
    assert LinearSVC(C=100.0).fit(x, y).score(x, y) < 0.8


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "moon"}, "unknown toy set 'moon'.*Did you mean 'moons'"),
        ({"name": "moons", "n": 3}, "n must be an even int >= 4"),
        ({"name": "moons", "n": 101}, "n must be an even int >= 4"),
        ({"name": "moons", "n": 10.0}, "n must be an even int >= 4"),
        ({"name": "moons", "noise": -0.1}, "noise must be a finite number >= 0"),
        ({"name": "moons", "noise": float("nan")}, "noise must be a finite number >= 0"),
        ({"name": "moons", "seed": -1}, "seed must be a non-negative int"),
        ({"name": "moons", "encoding": "01"}, "encoding must be"),
    ],
)
def test_toy_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        toy_2d(**kwargs)
