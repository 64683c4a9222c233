"""course_utils.validate, and every data-taking function refusing NaN / inf through it."""

import numpy as np
import pytest
import torch

from course_utils import perceptron, tour
from course_utils.data.real import digits
from course_utils.validate import as_array, as_number, describe_shape, require_finite


def test_as_array_converts_and_checks_shape():
    out = as_array([[1, 2], [3, 4]], "x", shape=(None, 2))
    assert out.dtype == np.float64 and out.shape == (2, 2)
    assert as_array(torch.tensor([1.5]), "t").tolist() == [1.5]
    assert as_array([1.0, 2.0], "y", dtype="int").dtype == np.int64
    with pytest.raises(ValueError, match=r"x must have shape \(N, 3\), got \(2, 2\)"):
        as_array([[1, 2], [3, 4]], "x", shape=(None, 3))
    with pytest.raises(ValueError, match=r"w must have shape \(3,\), got \(2,\)"):
        as_array([1, 2], "w", shape=(3,))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_first_bad_value_is_named_with_its_index(bad):
    x = np.zeros((3, 4))
    x[2, 1], x[2, 3] = bad, bad
    with pytest.raises(ValueError, match=rf"x must be finite \(no NaN or inf\), but x\[2, 1\] is "
                                         rf"{str(bad).replace('+', '')}"):
        as_array(x, "x")
    with pytest.raises(ValueError, match=r"x\[2, 1\]"):
        require_finite(torch.from_numpy(x), "x")
    with pytest.raises(ValueError, match=r"but its entry \[2, 1\] is"):
        as_array(x, "the answer f(x)")
    assert as_array(x, "x", finite=False).shape == (3, 4)


def test_wrong_dtypes_are_refused():
    with pytest.raises(ValueError, match="must be an array of numbers"):
        as_array(["a", "b"], "x")
    with pytest.raises(ValueError, match="must be an array of numbers"):
        as_array([[1, 2], [3]], "x")  # ragged
    with pytest.raises(ValueError, match="whole numbers"):
        as_array([1.5], "y", dtype="int")
    with pytest.raises(ValueError, match="booleans"):
        as_array([1, 0], "m", dtype="bool")
    with pytest.raises(ValueError, match="complex"):
        as_array([1j], "z")


def test_as_number():
    assert as_number(np.float32(0.5), "lr", minimum=0) == 0.5
    assert as_number(torch.tensor(3), "k", integer=True) == 3
    for bad, words in [(True, "must be a number"), ("1", "must be a number"),
                       (np.nan, "finite"), (np.inf, "finite"), (-1.0, ">= 0")]:
        with pytest.raises(ValueError, match=words):
            as_number(bad, "lr", minimum=0)
    with pytest.raises(ValueError, match="whole number"):
        as_number(2.5, "k", integer=True)
    assert describe_shape((None, 2)) == "(N, 2)" and describe_shape((3,)) == "(3,)"


def _nan_at(array, index):
    array = np.array(array, dtype=np.float64)
    array[index] = np.nan
    return array


X = np.array([[0.0, 1.0], [1.0, 1.0]])
Y = np.array([1, -1])
DATA_TAKERS = {
    "perceptron_train(x)": lambda: perceptron.perceptron_train(_nan_at(X, (0, 0)), Y),
    "perceptron_train(w0)": lambda: perceptron.perceptron_train(X, Y, w0=[0, np.inf, 0]),
    "perceptron_train(lr)": lambda: perceptron.perceptron_train(X, Y, lr=np.nan),
    "perceptron_step(x_tilde)": lambda: perceptron.perceptron_step(
        np.zeros(3), [1.0, np.nan, 1.0], 1),
    "predict(x)": lambda: perceptron.predict([1, 1, 0], _nan_at(X, (1, 1))),
    "margins(w_tilde)": lambda: perceptron.margins([1, np.nan, 0], X, Y),
    "decision_grid(extent)": lambda: perceptron.decision_grid([1, 1, 0], (0, np.nan, 0, 1)),
    "boundary_segment(w_tilde)": lambda: perceptron.boundary_segment([np.inf, 1, 0], (0, 1, 0, 1)),
    "segment_objects(gray)": lambda: tour.segment_objects(_nan_at(np.full((8, 8), 0.5), (3, 4))),
    "fit_digit_generator(images)": lambda: tour.fit_digit_generator(
        _nan_at(digits().x_train[:50], (0, 0, 0, 0))),
    "epsilon_greedy_bandit(payout)": lambda: tour.epsilon_greedy_bandit([0.2, np.nan]),
}


@pytest.mark.parametrize("name", list(DATA_TAKERS))
def test_data_taking_functions_refuse_nan_and_inf(name):
    with pytest.raises(ValueError, match=r"must be finite \(no NaN or inf\)"):
        DATA_TAKERS[name]()


def test_the_reported_case_now_raises_naming_the_value():
    with pytest.raises(ValueError, match=r"x\[0, 0\] is nan"):
        perceptron.perceptron_train(np.array([[np.nan, 1.0], [1.0, 1.0]]), np.array([1, -1]))


def test_require_non_decreasing_names_the_first_drop():
    import numpy as np
    import pytest

    from course_utils.validate import require_non_decreasing

    require_non_decreasing(np.array([0.0, 0.0, 0.5, 1.0]), "fpr", why="w", fix="f")
    with pytest.raises(ValueError, match=r"x must be non-decreasing \(sorted\), but x\[2\] = 1 "
                                         r"< x\[1\] = 3: sort it"):
        require_non_decreasing(np.array([0.0, 3.0, 1.0, 0.0]), "x", why="sorted", fix="sort it")
