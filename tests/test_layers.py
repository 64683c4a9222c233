"""course_utils.layers and gradcheck: every backward against torch autograd in float64."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils import layers as L
from course_utils.gradcheck import (
    assert_grad_close,
    compare,
    numerical_gradient,
    relative_error,
)

CONFIGS = [(n, d, m, seed) for seed in range(4) for n, d, m in [(1, 1, 1), (3, 5, 2), (8, 4, 7)]]


@pytest.mark.parametrize(("n", "d", "m", "seed"), CONFIGS)
def test_linear_backward_matches_torch(n, d, m, seed):
    rng = np.random.default_rng(seed)
    x, w, b, dout = (rng.normal(size=s) for s in [(n, d), (d, m), (m,), (n, m)])
    out, cache = L.linear_forward(x, w, b)
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ref = xt @ wt + bt
    ref.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, ref.detach().numpy(), atol=1e-12)
    for ours, theirs in zip(L.linear_backward(dout, cache), (xt, wt, bt), strict=True):
        assert_grad_close("linear", ours, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(("ours", "theirs"), [("sigmoid", torch.sigmoid), ("tanh", torch.tanh),
                                              ("relu", torch.relu)])
def test_activation_layers_match_torch(ours, theirs, seed):
    rng = np.random.default_rng(seed)
    z, dout = rng.normal(size=(6, 5)), rng.normal(size=(6, 5))
    out, cache = getattr(L, f"{ours}_forward")(z)
    zt = torch.tensor(z, requires_grad=True)
    theirs(zt).backward(torch.tensor(dout))
    np.testing.assert_allclose(getattr(L, f"{ours}_backward")(dout, cache), zt.grad.numpy(),
                               atol=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_softmax_cross_entropy_matches_torch(seed):
    rng = np.random.default_rng(seed)
    scores, y = rng.normal(scale=3, size=(7, 4)), rng.integers(0, 4, size=7)
    loss, dscores = L.softmax_cross_entropy(scores, y)
    st = torch.tensor(scores, requires_grad=True)
    ref = F.cross_entropy(st, torch.tensor(y))
    ref.backward()
    assert abs(loss - ref.item()) < 1e-12
    np.testing.assert_allclose(dscores, st.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_mse_half_squared_error_and_softmax_backward_match_torch(seed):
    rng = np.random.default_rng(seed)
    pred, target, dout = rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    pt = torch.tensor(pred, requires_grad=True)
    F.mse_loss(pt, torch.tensor(target)).backward()
    loss, grad = L.mse(pred, target)
    np.testing.assert_allclose(grad, pt.grad.numpy(), atol=1e-12)
    assert abs(loss - F.mse_loss(torch.tensor(pred), torch.tensor(target)).item()) < 1e-12
    pt.grad = None
    (0.5 * ((pt - torch.tensor(target)) ** 2).sum()).backward()
    half, dhalf = L.half_squared_error(pred, target)
    np.testing.assert_allclose(dhalf, pt.grad.numpy(), atol=1e-12)
    assert abs(half - 0.5 * ((pred - target) ** 2).sum()) < 1e-12
    assert abs(loss - 2 / pred.size * half) < 1e-12  # L2 loss (mean) = (2/K) half squared error
    zt = torch.tensor(pred, requires_grad=True)
    torch.softmax(zt, dim=-1).backward(torch.tensor(dout))
    p = L.softmax(pred)
    np.testing.assert_allclose(L.softmax_backward(dout, p), zt.grad.numpy(), atol=1e-12)


def test_softmax_is_shift_invariant_and_stable():
    z = np.array([[1000.0, 1001.0, 1002.0]])
    np.testing.assert_allclose(L.softmax(z), L.softmax(z - 1000), atol=1e-15)
    assert np.isfinite(L.softmax(z)).all()


def test_numerical_gradient_and_reports():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4))
    w = rng.normal(size=(4, 2))
    dout = rng.normal(size=(3, 2))
    fd = numerical_gradient(lambda v: v @ w, x.copy(), dout=dout)
    assert relative_error(fd, dout @ w.T) < 1e-8
    report = assert_grad_close("dx", dout @ w.T, fd)
    assert report.approximate and report.max_diff < 1e-8


def test_gradcheck_fails_on_a_wrong_gradient():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(4, 3))
    fd = numerical_gradient(lambda v: L.sigmoid_forward(v)[0], z.copy(), dout=np.ones_like(z))
    s = L.sigmoid_forward(z)[0]
    wrong = s * (1 + s)  # a sign slip in sigma (1 - sigma)
    with pytest.raises(AssertionError, match="gradient mismatch: sigmoid .*approximate: False"):
        assert_grad_close("sigmoid", wrong, fd)
    assert not compare("sigmoid", wrong, fd).exact


def test_bad_inputs_get_clear_errors():
    with pytest.raises(ValueError, match=r"w must have shape \(3, N\), got \(2, 2\)"):
        L.linear_forward(np.zeros((4, 3)), np.zeros((2, 2)), np.zeros(2))
    _, cache = L.linear_forward(np.zeros((4, 3)), np.zeros((3, 2)), np.zeros(2))
    with pytest.raises(ValueError, match=r"dout must have shape \(4, 2\)"):
        L.linear_backward(np.zeros((4, 3)), cache)
    with pytest.raises(ValueError, match=r"class indices in 0..2, got values from 0 to 3"):
        L.softmax_cross_entropy(np.zeros((2, 3)), [0, 3])
    with pytest.raises(ValueError, match="whole numbers"):
        L.softmax_cross_entropy(np.zeros((2, 3)), [0.5, 1])
    with pytest.raises(ValueError, match=r"scores must be finite"):
        L.softmax_cross_entropy(np.array([[np.inf, 0.0]]), [0])


def test_softmax_refuses_nothing_to_normalise():
    with pytest.raises(ValueError, match=r"z must have at least one score along axis -1 "
                                         r"\(softmax over nothing is undefined\), got shape "
                                         r"\(0,\)"):
        L.softmax([])
    with pytest.raises(ValueError, match=r"along axis 0 .*got shape \(0, 3\)"):
        L.softmax(np.zeros((0, 3)), axis=0)
    z = np.random.default_rng(0).normal(size=(0, 3))  # no rows: an empty batch is fine
    assert L.softmax(z).shape == (0, 3)
    z = np.random.default_rng(1).normal(size=(4, 5))
    np.testing.assert_allclose(L.softmax(z), F.softmax(torch.tensor(z), dim=-1).numpy())
