"""course_utils.activations: every f and f' against torch autograd or finite differences."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils.activations import (
    ACTIVATIONS,
    activate,
    derivative,
    maxout,
    maxout_backward,
    vanishing_ranges,
)
from course_utils.gradcheck import numerical_gradient

TORCH = {  # the same function in torch, for values and autograd derivatives
    "identity": lambda z, a: z,
    "logistic": lambda z, a: torch.sigmoid(z),
    "tanh": lambda z, a: torch.tanh(z),
    "arctan": lambda z, a: torch.atan(z),
    "relu": lambda z, a: torch.relu(z),
    "leaky_relu": lambda z, a: F.leaky_relu(z, a),
    "prelu": lambda z, a: F.prelu(z, torch.tensor([a], dtype=z.dtype)),
    "elu": lambda z, a: F.elu(z, a),
    "softplus": lambda z, a: F.softplus(z),
}


def _z(seed):
    z = np.random.default_rng(seed).normal(scale=4, size=200)
    return np.concatenate([z, [0.0, -50.0, 50.0, 1e-3, -1e-3]])


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("name", list(TORCH))
def test_value_and_derivative_match_torch_autograd(name, seed):
    alpha = 0.3 if ACTIVATIONS[name].has_alpha else None
    z = _z(seed)
    zt = torch.tensor(z, requires_grad=True)
    a = ACTIVATIONS[name].alpha if alpha is None else alpha
    out = TORCH[name](zt, a)
    out.sum().backward()
    np.testing.assert_allclose(activate(name, z, alpha=alpha), out.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(derivative(name, z, alpha=alpha), zt.grad.numpy(), atol=1e-12)


def test_step_has_zero_derivative_away_from_its_jump():
    z = _z(0)
    z = z[np.abs(z) > 1e-2]
    fd = numerical_gradient(lambda v: activate("step", v), z.copy(), dout=np.ones_like(z))
    np.testing.assert_array_equal(derivative("step", z), fd)
    assert activate("step", np.array([-1e-9, 0.0, 2.0])).tolist() == [0.0, 1.0, 1.0]


@pytest.mark.parametrize("k", [2, 3, 4])
def test_maxout_against_torch_and_finite_differences(k):
    rng = np.random.default_rng(k)
    z = rng.normal(size=(5, 4 * k))
    dout = rng.normal(size=(5, 4))
    zt = torch.tensor(z, requires_grad=True)
    out = zt.reshape(5, 4, k).max(dim=-1).values
    (out * torch.tensor(dout)).sum().backward()
    np.testing.assert_allclose(maxout(z, k=k), out.detach().numpy())
    np.testing.assert_allclose(maxout_backward(dout, z, k=k), zt.grad.numpy())
    fd = numerical_gradient(lambda v: maxout(v, k=k), z.copy(), dout=dout)
    np.testing.assert_allclose(maxout_backward(dout, z, k=k), fd, atol=1e-8)


def test_logistic_does_not_overflow_and_vanishes_in_its_tails():
    with np.errstate(over="raise"):
        assert activate("logistic", np.array([-1000.0, 1000.0])).tolist() == [0.0, 1.0]

    ranges = vanishing_ranges("logistic")
    assert len(ranges) == 2 and ranges[0][0] == -6.0 and ranges[1][1] == 6.0
    assert -5 < ranges[0][1] < -4 and 4 < ranges[1][0] < 5  # sigma'(z) < 0.01 for |z| > ~4.6
    assert vanishing_ranges("relu") == [(-6.0, 0.0)]
    assert vanishing_ranges("identity") == []


def test_bad_inputs_get_clear_errors():
    with pytest.raises(ValueError, match="unknown activation 'sigmoid'.*Available: step"):
        activate("sigmoid", [0.0])
    with pytest.raises(ValueError, match="relu has no alpha"):
        activate("relu", [0.0], alpha=0.1)
    with pytest.raises(ValueError, match=r"z must be finite.*z\[1\] is nan"):
        derivative("tanh", [0.0, np.nan])
    with pytest.raises(ValueError, match="divisible by k=3"):
        maxout(np.zeros((2, 4)), k=3)
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        activate("elu", [1.0], alpha=-1)


def test_step_and_the_perceptrons_sign_share_the_convention_at_zero():
    from course_utils.perceptron import sign

    z = np.array([-2.0, -1e-12, 0.0, 1e-12, 3.0])  # z = 0 is the positive side in both
    np.testing.assert_array_equal(activate("step", z), (sign(z) + 1) / 2)
    assert activate("step", np.array([0.0]))[0] == 1.0 and sign(np.array([0.0]))[0] == 1
