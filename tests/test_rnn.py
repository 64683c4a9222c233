"""course_utils.rnn against nn.RNN / nn.RNNCell with copied weights and torch autograd."""

import numpy as np
import pytest
import torch
from torch import nn

from course_utils.rnn import (
    VanillaRNN,
    gradient_through_time,
    gru_forward,
    gru_step,
    lstm_forward,
    rnn_backward,
    rnn_forward,
    rnn_step,
)

SIZES = [(1, 1, 1, 1, 1), (2, 5, 3, 4, 2), (4, 7, 6, 3, 5), (3, 1, 2, 8, 3)]  # N, T, D, H, O


def _torch_pair(d, h, o, seed):
    torch.manual_seed(seed)
    return nn.RNN(d, h, batch_first=True).double(), nn.Linear(h, o).double()


@pytest.mark.parametrize(("n", "t", "d", "h", "o"), SIZES)
@pytest.mark.parametrize("with_s0", [False, True])
def test_vanilla_rnn_matches_nn_rnn_outputs_and_gradients(n, t, d, h, o, with_s0):
    rnn, head = _torch_pair(d, h, o, seed=n * 100 + t)
    ours = VanillaRNN.from_torch(rnn, head)
    x = torch.randn(n, t, d, dtype=torch.float64)
    s0 = torch.randn(n, h, dtype=torch.float64) if with_s0 else None
    x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
    o_ours, s_ours = ours(x1, None if s0 is None else s0)
    s_torch, last = rnn(x2, None if s0 is None else s0[None])
    o_torch = head(s_torch)
    torch.testing.assert_close(s_ours, s_torch, rtol=0, atol=1e-12)  # float64: rounding only
    torch.testing.assert_close(o_ours, o_torch, rtol=0, atol=1e-12)
    torch.testing.assert_close(s_ours[:, -1], last[0], rtol=0, atol=1e-12)
    weights_o, weights_s = torch.randn_like(o_ours), torch.randn_like(s_ours)
    ((o_ours * weights_o).sum() + (s_ours * weights_s).sum()).backward()
    ((o_torch * weights_o).sum() + (s_torch * weights_s).sum()).backward()
    pairs = [(ours.U, rnn.weight_ih_l0), (ours.W, rnn.weight_hh_l0), (ours.b, rnn.bias_ih_l0),
             (ours.b, rnn.bias_hh_l0), (ours.V, head.weight), (ours.c, head.bias), (x1, x2)]
    for mine, theirs in pairs:
        torch.testing.assert_close(mine.grad, theirs.grad, rtol=1e-10, atol=1e-12)


def test_vanilla_rnn_shares_its_weights_over_time():
    ours = VanillaRNN(3, 4, 2)
    assert sum(p.numel() for p in ours.parameters()) == 4 * 3 + 4 * 4 + 4 + 2 * 4 + 2
    x = torch.randn(1, 50, 3)
    o, s = ours(x)
    assert o.shape == (1, 50, 2) and s.shape == (1, 50, 4)  # any length, same parameters


def test_rnn_step_matches_rnn_cell():
    torch.manual_seed(0)
    cell = nn.RNNCell(3, 5).double()
    x, s = torch.randn(4, 3, dtype=torch.float64), torch.randn(4, 5, dtype=torch.float64)
    got = rnn_step(x, s, cell.weight_ih, cell.weight_hh, cell.bias_ih + cell.bias_hh)
    torch.testing.assert_close(got, cell(x, s), rtol=0, atol=1e-12)


@pytest.mark.parametrize(("n", "t", "d", "h", "o"), SIZES)
def test_numpy_bptt_matches_autograd(n, t, d, h, o):
    rng = np.random.default_rng(t * 10 + h)
    x, s0 = rng.normal(size=(n, t, d)), rng.normal(size=(n, h))
    U, W, b = rng.normal(size=(h, d)), rng.normal(size=(h, h)) / h**0.5, rng.normal(size=h)
    ds = rng.normal(size=(n, t, h))
    s, cache = rnn_forward(x, s0, U, W, b)
    tensors = [torch.tensor(a, requires_grad=True) for a in (x, s0, U, W, b)]
    xt, s0t, Ut, Wt, bt = tensors
    states, prev = [], s0t
    for step in range(t):
        prev = torch.tanh(xt[:, step] @ Ut.T + prev @ Wt.T + bt)
        states.append(prev)
    ref = torch.stack(states, 1)
    np.testing.assert_allclose(s, ref.detach().numpy(), rtol=0, atol=1e-12)
    ref.backward(torch.tensor(ds))
    for mine, theirs in zip(rnn_backward(ds, cache), tensors, strict=True):
        np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("scale", [0.5, 3.0])
def test_gradient_through_time_matches_autograd(scale):
    rng = np.random.default_rng(1)
    n, t, h = 3, 12, 4
    x, U = rng.normal(size=(n, t, 2)), rng.normal(size=(h, 2))
    W = scale * rng.normal(size=(h, h)) / h**0.5
    s, _ = rnn_forward(x, np.zeros((n, h)), U, W, np.zeros(h))
    Wt, inputs = torch.tensor(W), torch.tensor(x @ U.T, requires_grad=True)
    prev, states = torch.zeros(n, h, dtype=torch.float64), []
    for step in range(t):
        prev = torch.tanh(inputs[:, step] + prev @ Wt.T)
        prev.retain_grad()
        states.append(prev)
    states[-1].sum().backward()
    expected = [np.linalg.norm(st.grad.numpy(), axis=1).mean() for st in states]
    np.testing.assert_allclose(gradient_through_time(W, s), expected, rtol=1e-10)


def test_bad_inputs_say_what_is_wrong():
    with pytest.raises(ValueError, match=r"x must have shape \(N, T, 3\)"):
        VanillaRNN(3, 4, 2)(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="one-layer"):
        VanillaRNN.from_torch(nn.RNN(3, 4, num_layers=2), nn.Linear(4, 2))
    with pytest.raises(ValueError, match="hidden_size must be >= 1"):
        VanillaRNN(3, 0, 2)
    with pytest.raises(ValueError, match=r"W must have shape \(4, 4\) \(H x H, U.s H = 4\)"):
        rnn_forward(np.zeros((1, 2, 3)), np.zeros((1, 4)), np.zeros((4, 3)), np.zeros((3, 3)),
                    np.zeros(4))
    with pytest.raises(ValueError, match="finite"):
        rnn_forward(np.full((1, 2, 3), np.nan), np.zeros((1, 4)), np.zeros((4, 3)),
                    np.zeros((4, 4)), np.zeros(4))


# --- GRU and LSTM against nn.GRU / nn.LSTM with the same (shared) weights ------------------

@pytest.mark.parametrize(("n", "t", "d", "h", "o"), SIZES)
@pytest.mark.parametrize("with_h0", [False, True])
def test_gru_forward_matches_nn_gru_outputs_and_gradients(n, t, d, h, o, with_h0):
    torch.manual_seed(n * 100 + t)
    gru = nn.GRU(d, h, batch_first=True).double()
    x = torch.randn(n, t, d, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(n, h, dtype=torch.float64) if with_h0 else None
    ours, last = gru_forward(gru, x, h0)
    theirs, their_last = gru(x, None if h0 is None else h0[None])
    torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12)  # float64: rounding only
    torch.testing.assert_close(last, their_last[0], rtol=1e-12, atol=1e-12)
    upstream = torch.randn_like(ours)
    mine = torch.autograd.grad(ours, [x, *gru.parameters()], upstream)
    ref = torch.autograd.grad(theirs, [x, *gru.parameters()], upstream)
    for a, b in zip(mine, ref, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("n", "t", "d", "h", "o"), SIZES)
@pytest.mark.parametrize("with_state", [False, True])
def test_lstm_forward_matches_nn_lstm_outputs_and_gradients(n, t, d, h, o, with_state):
    torch.manual_seed(n * 100 + t + 1)
    lstm = nn.LSTM(d, h, batch_first=True).double()
    x = torch.randn(n, t, d, dtype=torch.float64, requires_grad=True)
    h0, c0 = (torch.randn(n, h, dtype=torch.float64) for _ in range(2))
    ours, (h_t, c_t) = lstm_forward(lstm, x, *((h0, c0) if with_state else ()))
    theirs, (their_h, their_c) = lstm(x, (h0[None], c0[None]) if with_state else None)
    torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(h_t, their_h[0], rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(c_t, their_c[0], rtol=1e-12, atol=1e-12)
    upstream = torch.randn_like(ours)
    mine = torch.autograd.grad(ours, [x, *lstm.parameters()], upstream)
    ref = torch.autograd.grad(theirs, [x, *lstm.parameters()], upstream)
    for a, b in zip(mine, ref, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


def test_gru_update_gate_at_one_copies_the_state():
    """Hand-worked: z = 1 (a huge update-gate bias) keeps h exactly; z = 0 takes the candidate."""
    gru = nn.GRU(2, 3).double()
    with torch.no_grad():
        gru.bias_ih_l0[3:6] = 1e3  # z's bias: sigmoid = 1
    x, h = torch.randn(4, 2, dtype=torch.float64), torch.randn(4, 3, dtype=torch.float64)
    weights = (gru.weight_ih_l0, gru.weight_hh_l0, gru.bias_ih_l0, gru.bias_hh_l0)
    assert torch.equal(gru_step(x, h, *weights).detach(), h)


def test_gated_cells_bad_inputs():
    with pytest.raises(ValueError, match="one-layer"):
        gru_forward(nn.GRU(2, 3, num_layers=2), torch.zeros(1, 2, 2))
    with pytest.raises(ValueError, match="one-layer, one-direction LSTM"):
        lstm_forward(nn.GRU(2, 3), torch.zeros(1, 2, 2))
    with pytest.raises(ValueError, match=r"x must have shape \(N, T, 2\)"):
        gru_forward(nn.GRU(2, 3), torch.zeros(2, 3))
