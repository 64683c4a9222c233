"""course_utils.gradcheck: CS231n's relative error and thresholds, and the kink trap."""

import numpy as np
import pytest
import torch

from course_utils.gradcheck import numerical_gradient, relative_error, verdict
from course_utils.layers import relu_forward


def test_relative_error_is_cs231n_formula_against_a_loop():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    b[0, 0] = a[0, 0] = 0.0  # both zero: agrees, counts 0
    loop = max(abs(x - y) / max(abs(x), abs(y)) for x, y in zip(a.ravel(), b.ravel(),
                                                                strict=True) if x or y)
    assert relative_error(a, b) == pytest.approx(loop, rel=1e-15)
    assert relative_error([1.0], [-1.0]) == 2.0  # opposite signs: the largest possible
    assert relative_error([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert relative_error(np.zeros((0, 3)), np.zeros((0, 3))) == 0.0
    assert relative_error([1e-3], [1.001e-3]) == pytest.approx(1e-3 / 1.001, rel=1e-9)


@pytest.mark.parametrize("rel, kinks, expected", [
    (1e-9, False, "agree"), (1e-5, False, "too high for a smooth function"),
    (1e-5, True, "fine for a function with kinks"), (1e-3, True, "uncomfortable: look closer"),
    (0.3, False, "probably wrong"), (2.0, True, "probably wrong")])
def test_verdict_uses_cs231n_thresholds(rel, kinks, expected):
    assert verdict(rel, kinks=kinks) == expected


def test_a_right_gradient_passes_a_wrong_one_fails():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(5, 3))
    xt = torch.tensor(x, requires_grad=True)
    torch.tanh(xt).sum().backward()
    numeric = numerical_gradient(lambda v: np.tanh(v).sum(), x.copy())
    assert verdict(relative_error(xt.grad.numpy(), numeric)) == "agree"
    assert verdict(relative_error(1 + np.tanh(x) ** 2, numeric)) == "probably wrong"


def test_a_probe_straddling_relus_kink_breaks_a_right_gradient():
    z = np.array([-0.8, 4e-6, 0.5])  # 4e-6 from the kink, less than the step h = 1e-5
    zt = torch.tensor(z, requires_grad=True)
    torch.relu(zt).sum().backward()
    straddled = numerical_gradient(lambda v: relu_forward(v)[0].sum(), z.copy(), h=1e-5)
    assert verdict(relative_error(zt.grad.numpy(), straddled)) == "probably wrong"
    small_step = numerical_gradient(lambda v: relu_forward(v)[0].sum(), z.copy(), h=1e-7)
    assert relative_error(zt.grad.numpy(), small_step) < 1e-7


def test_bad_inputs_get_clear_errors():
    with pytest.raises(ValueError, match=r"b must have the shape of a, \(2,\)"):
        relative_error([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="rel_error must be >= 0"):
        verdict(-1.0)


def test_float32_x_is_refused_and_float64_closure_gets_torchs_gradient():
    rng = np.random.default_rng(2)
    w = rng.normal(size=(3, 2))
    x32 = rng.normal(size=(4, 3)).astype(np.float32)

    def loss():  # a closure that reads x, not its argument: only in-place probes reach it
        return np.sum(np.tanh(x @ w))

    x = x32
    with pytest.raises(ValueError, match=r"x must be a float64 array, got dtype float32.*"
                                         r"x = x\.astype\(np\.float64\)"):
        numerical_gradient(lambda v: loss(), x)
    x = x32.astype(np.float64)
    numeric = numerical_gradient(lambda v: loss(), x)
    xt = torch.tensor(x, requires_grad=True)
    torch.tanh(xt @ torch.tensor(w)).sum().backward()
    assert verdict(relative_error(xt.grad.numpy(), numeric)) == "agree"
    assert np.abs(numeric).max() > 0.1  # not the zeros a perturbed copy would give


def test_x_is_restored_when_f_raises_mid_way():
    x = np.array([1.0, 2.0, 3.0])
    calls = []

    def f(v):
        calls.append(v.copy())
        if len(calls) == 4:  # second entry's + probe went through, its - probe fails
            raise RuntimeError("student's bug")
        return v.sum()

    with pytest.raises(RuntimeError, match="student's bug"):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])
    assert calls[3][1] == 2.0 - 1e-5  # it was perturbed when f raised
