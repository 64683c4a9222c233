"""A recurrent network from scratch, in deck 000's notation (notebook 14).

At time ``t`` the input ``x_t`` and the previous state ``s_{t-1}`` give the new state and
the output, with the SAME matrices ``U, W, V`` at every step (LeCun, Bengio & Hinton 2015):

    s_t = tanh(U x_t + W s_{t-1} + b)        o_t = V s_t + c   (softmax(o_t) for words)

Shapes (batch first, like ``nn.RNN(batch_first=True)``): ``x [N, T, D]``, states
``s [N, T, H]``, outputs ``o [N, T, O]``; ``U [H, D]``, ``W [H, H]``, ``V [O, H]``, the
layout of ``nn.RNN``'s ``weight_ih_l0`` / ``weight_hh_l0`` and ``nn.Linear``'s ``weight``, so
weights copy across unchanged. ``nn.RNN`` has two biases; their sum is our ``b``.

- ``rnn_step`` and ``VanillaRNN``: the forward pass in torch (autograd gives gradients);
  tested against ``nn.RNN`` + ``nn.Linear`` with copied weights, outputs and gradients.
- ``rnn_forward`` / ``rnn_backward``: numpy, CS231n style, backpropagation through time
  written by hand; tested against torch autograd.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from course_utils.validate import as_array, as_number, as_tensor, check_shape

__all__ = [
    "rnn_step", "VanillaRNN", "RNNCache", "rnn_forward", "rnn_backward",
    "gradient_through_time", "gru_step", "lstm_step", "gru_forward", "lstm_forward",
]


def rnn_step(x: torch.Tensor, s_prev: torch.Tensor, U: torch.Tensor, W: torch.Tensor,
             b: torch.Tensor) -> torch.Tensor:
    """One step: ``s_t = tanh(U x_t + W s_{t-1} + b)`` for a batch.

    Args:
        x: inputs [N, D]; s_prev: previous states [N, H].
        U: input-to-state weights [H, D]; W: state-to-state weights [H, H]; b: bias [H].

    Returns:
        The new states [N, H].
    """
    U = as_tensor(U, "U", shape=(None, None))
    (h, d), why = U.shape, f"U is {list(U.shape)}: H = {U.shape[0]}, D = {U.shape[1]}"
    W = as_tensor(W, "W", shape=(h, h), dtype=U.dtype, why=why)
    b = as_tensor(b, "b", shape=(h,), dtype=U.dtype, why=why)
    x = as_tensor(x, "x", shape=(None, d), dtype=U.dtype, why=why)
    s_prev = as_tensor(s_prev, "s_prev", shape=(x.shape[0], h), dtype=U.dtype,
                       why=f"{why}, x has N = {x.shape[0]}")
    return torch.tanh(x @ U.T + s_prev @ W.T + b)  # row form of U x + W s + b


class VanillaRNN(nn.Module):
    """Deck 000's recurrent network: shared ``U, W, V`` unrolled over the sequence.

    ``forward(x [N, T, D], s0 [N, H] | None) -> (o [N, T, O], s [N, T, H])``: every step's
    output. Many-to-one uses ``o[:, -1]``; many-to-many uses all of ``o``; one-to-many
    feeds an input only at the first step (zeros, or the previous output, after).
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int):
        super().__init__()
        sizes = [as_number(v, k, minimum=1, integer=True) for k, v in (
            ("input_size", input_size), ("hidden_size", hidden_size),
            ("output_size", output_size))]
        d, h, o = sizes
        bound = 1 / h**0.5  # nn.RNN's initialisation: uniform(-1/sqrt(H), 1/sqrt(H))
        self.U = nn.Parameter(torch.empty(h, d).uniform_(-bound, bound))
        self.W = nn.Parameter(torch.empty(h, h).uniform_(-bound, bound))
        self.b = nn.Parameter(torch.empty(h).uniform_(-bound, bound))
        self.V = nn.Parameter(torch.empty(o, h).uniform_(-bound, bound))
        self.c = nn.Parameter(torch.zeros(o))

    @classmethod
    def from_torch(cls, rnn: nn.RNN, head: nn.Linear) -> VanillaRNN:
        """A copy of a one-layer tanh ``nn.RNN`` and its output ``nn.Linear``."""
        if rnn.num_layers != 1 or rnn.nonlinearity != "tanh" or rnn.bidirectional:
            raise ValueError("from_torch copies a one-layer, one-direction tanh nn.RNN")
        if not rnn.bias or head.bias is None:
            raise ValueError("from_torch needs nn.RNN and nn.Linear with biases")
        ours = cls(rnn.input_size, rnn.hidden_size, head.out_features)
        ours = ours.to(rnn.weight_ih_l0.dtype)
        with torch.no_grad():
            ours.U.copy_(rnn.weight_ih_l0)
            ours.W.copy_(rnn.weight_hh_l0)
            ours.b.copy_(rnn.bias_ih_l0 + rnn.bias_hh_l0)  # two biases, one sum
            ours.V.copy_(head.weight)
            ours.c.copy_(head.bias)
        return ours

    def forward(self, x: torch.Tensor, s0: torch.Tensor | None = None):
        x = as_tensor(x, "x", shape=("N", "T", self.U.shape[1]), dtype=self.U.dtype,
                      why="batch, time, features, like the weights")
        s = x.new_zeros(x.shape[0], self.W.shape[0]) if s0 is None else as_tensor(
            s0, "s0", shape=(x.shape[0], self.W.shape[0]), dtype=self.U.dtype,
            why=f"one state of hidden_size per sequence of x, N = {x.shape[0]}")
        states = []
        for t in range(x.shape[1]):  # the same U, W, b at every step
            s = rnn_step(x[:, t], s, self.U, self.W, self.b)
            states.append(s)
        s_all = torch.stack(states, dim=1)
        return s_all @ self.V.T + self.c, s_all  # o_t = V s_t + c


class RNNCache(NamedTuple):
    x: np.ndarray  # [N, T, D]
    s0: np.ndarray  # [N, H]
    s: np.ndarray  # [N, T, H]
    U: np.ndarray
    W: np.ndarray


def rnn_forward(x, s0, U, W, b) -> tuple[np.ndarray, RNNCache]:
    """States ``s [N, T, H]`` of ``s_t = tanh(U x_t + W s_{t-1} + b)``, in numpy.

    Args:
        x: [N, T, D]; s0: the initial state [N, H]; U [H, D]; W [H, H]; b [H].
    """
    x = as_array(x, "x", shape=(None, None, None))
    U = as_array(U, "U")
    check_shape(U, "U", (None, x.shape[2]), why=f"H x D, x's D = {x.shape[2]}")
    W = as_array(W, "W")
    check_shape(W, "W", (U.shape[0], U.shape[0]), why=f"H x H, U's H = {U.shape[0]}")
    b = as_array(b, "b", shape=(U.shape[0],))
    s0 = as_array(s0, "s0")
    check_shape(s0, "s0", (x.shape[0], U.shape[0]),
                why=f"N x H, x's N = {x.shape[0]} and U's H = {U.shape[0]}")
    s = np.empty((x.shape[0], x.shape[1], U.shape[0]))
    prev = s0
    for t in range(x.shape[1]):
        prev = s[:, t] = np.tanh(x[:, t] @ U.T + prev @ W.T + b)
    return s, RNNCache(x, s0, s, U, W)


def rnn_backward(ds, cache: RNNCache):
    """Backpropagation through time: gradients of ``rnn_forward`` given ``ds = dL/ds`` [N, T, H].

    ``ds[:, t]`` is the gradient reaching ``s_t`` from its own output; the gradient from
    later steps flows in through ``W`` and is added. Returns ``(dx, ds0, dU, dW, db)``.
    """
    x, s0, s, U, W = cache
    ds = as_array(ds, "ds", shape=s.shape)
    dx, dU, dW, db = np.zeros_like(x), np.zeros_like(U), np.zeros_like(W), np.zeros(U.shape[0])
    carry = np.zeros_like(s0)  # dL/ds_t arriving from step t+1
    for t in reversed(range(x.shape[1])):
        prev = s[:, t - 1] if t > 0 else s0
        dz = (ds[:, t] + carry) * (1 - s[:, t] ** 2)  # tanh' = 1 - tanh^2
        dx[:, t] = dz @ U  # dL/dx_t = U^T dz, row form
        dU += dz.T @ x[:, t]  # shared U: sum over steps
        dW += dz.T @ prev  # shared W: sum over steps
        db += dz.sum(axis=0)
        carry = dz @ W  # dL/ds_{t-1} = W^T dz
    return dx, carry, dU, dW, db


def gradient_through_time(W, s) -> np.ndarray:
    """``||dL/ds_t||`` at every step ``t`` for the loss ``L = sum(s_T)`` (the last state).

    Shows how a gradient shrinks (or grows) as it flows back through ``W`` and tanh.

    Args:
        W: [H, H]; s: the states [N, T, H] of a forward pass (``rnn_forward``).

    Returns:
        [T]: the gradient's norm at each step, averaged over the batch.
    """
    s = as_array(s, "s", shape=(None, None, None), nonempty=True)
    W = as_array(W, "W")
    check_shape(W, "W", (s.shape[2], s.shape[2]), why=f"H x H, s's H = {s.shape[2]}")
    grad = np.ones((s.shape[0], s.shape[2]))
    norms = np.empty(s.shape[1])
    for t in reversed(range(s.shape[1])):
        norms[t] = np.linalg.norm(grad, axis=1).mean()
        grad = (grad * (1 - s[:, t] ** 2)) @ W  # through tanh, then back through W
    return norms


# --- gated cells: GRU and LSTM, their gate equations written out ---------------------------
# Weights in torch's layout, so they copy from nn.GRU / nn.LSTM unchanged: ``weight_ih``
# [G*H, D] and ``weight_hh`` [G*H, H] stack the G gates' matrices (GRU: r, z, n; LSTM: i, f,
# g, o), each with its two biases ``bias_ih``, ``bias_hh`` [G*H].

def gru_step(x: torch.Tensor, h: torch.Tensor, weight_ih: torch.Tensor, weight_hh: torch.Tensor,
             bias_ih: torch.Tensor, bias_hh: torch.Tensor) -> torch.Tensor:
    """One GRU step (Cho et al. 2014, in ``nn.GRU``'s form) for a batch.

    Args:
        x: inputs [N, D]; h: previous states [N, H]; weights and biases as ``nn.GRU``'s
            layer 0 (gates stacked r, z, n).

    Returns:
        The new states [N, H].
    """
    x, h, (weight_ih, weight_hh, bias_ih, bias_hh) = _cell_inputs(
        {"x": x, "h": h}, (weight_ih, weight_hh, bias_ih, bias_hh), 3, "GRU")
    xr, xz, xn = (x @ weight_ih.T + bias_ih).chunk(3, dim=1)  # W_i* x + b_i*
    hr, hz, hn = (h @ weight_hh.T + bias_hh).chunk(3, dim=1)  # W_h* h + b_h*
    r = torch.sigmoid(xr + hr)  # reset gate: how much of h the candidate may read
    z = torch.sigmoid(xz + hz)  # update gate: how much of h to keep
    n = torch.tanh(xn + r * hn)  # candidate state
    return (1 - z) * n + z * h  # z = 1 copies h unchanged: state and gradient pass through


def lstm_step(x: torch.Tensor, h: torch.Tensor, c: torch.Tensor, weight_ih: torch.Tensor,
              weight_hh: torch.Tensor, bias_ih: torch.Tensor,
              bias_hh: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """One LSTM step (Hochreiter & Schmidhuber 1997, in ``nn.LSTM``'s form) for a batch.

    Args:
        x: inputs [N, D]; h: previous outputs [N, H]; c: previous cell states [N, H];
            weights and biases as ``nn.LSTM``'s layer 0 (gates stacked i, f, g, o).

    Returns:
        ``(h, c)``: the new output and cell state, each [N, H].
    """
    x, h, c, (weight_ih, weight_hh, bias_ih, bias_hh) = _cell_inputs(
        {"x": x, "h": h, "c": c}, (weight_ih, weight_hh, bias_ih, bias_hh), 4, "LSTM")
    a = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh
    ai, af, ag, ao = a.chunk(4, dim=1)
    i, f, o = torch.sigmoid(ai), torch.sigmoid(af), torch.sigmoid(ao)  # input, forget, output
    g = torch.tanh(ag)  # candidate
    c = f * c + i * g  # the cell state is added to, not squashed: f = 1 keeps it
    return o * torch.tanh(c), c


def _cell_inputs(inputs: dict, weights: tuple, gates: int, kind: str):
    """Checked (inputs..., weights) of one gated step: weights in torch's layout for
    ``gates`` stacked gates, inputs [N, D] then states [N, H], all one float dtype."""
    weight_ih = as_tensor(weights[0], "weight_ih", shape=(None, None))
    if weight_ih.shape[0] % gates:
        raise ValueError(f"weight_ih must stack {kind}'s {gates} gates, [{gates}*H, D], got "
                         f"{list(weight_ih.shape)}")
    h, d = weight_ih.shape[0] // gates, weight_ih.shape[1]
    why = f"{kind} weight_ih is {list(weight_ih.shape)}: H = {h}, D = {d}"
    out = [as_tensor(v, n, shape=s, dtype=weight_ih.dtype, why=why) for v, n, s in (
        (weights[1], "weight_hh", (gates * h, h)), (weights[2], "bias_ih", (gates * h,)),
        (weights[3], "bias_hh", (gates * h,)))]
    names = list(inputs)
    x = as_tensor(inputs["x"], "x", shape=(None, d), dtype=weight_ih.dtype, why=why)
    states = [as_tensor(inputs[n], n, shape=(x.shape[0], h), dtype=weight_ih.dtype,
                        why=f"{why}, x has N = {x.shape[0]}") for n in names[1:]]
    return (x, *states, (weight_ih, *out))


def _layer0(module: nn.Module, kind: type, name: str):
    if not isinstance(module, kind) or module.num_layers != 1 or module.bidirectional or (
            not module.bias) or getattr(module, "proj_size", 0):
        raise ValueError(f"{name} must be a one-layer, one-direction {kind.__name__} with "
                         f"biases, got {module!r}")
    return (module.weight_ih_l0, module.weight_hh_l0, module.bias_ih_l0, module.bias_hh_l0)


def _sequence(x: torch.Tensor, module: nn.Module) -> torch.Tensor:
    return as_tensor(x, "x", shape=("N", "T", module.input_size),
                     dtype=module.weight_ih_l0.dtype, why="batch, time, features")


def _state(value, name: str, x: torch.Tensor, module: nn.Module):
    if value is None:
        return x.new_zeros(x.shape[0], module.hidden_size)
    return as_tensor(value, name, shape=(x.shape[0], module.hidden_size),
                     dtype=module.weight_ih_l0.dtype,
                     why=f"one state of hidden_size per sequence of x, N = {x.shape[0]}")


def gru_forward(gru: nn.GRU, x: torch.Tensor, h0: torch.Tensor | None = None):
    """``gru_step`` unrolled with ``gru``'s weights: ``(states [N, T, H], last [N, H])``.

    Equal to ``nn.GRU(batch_first=True)`` (tests/test_rnn.py), gradients included.
    """
    weights = _layer0(gru, nn.GRU, "gru")
    x = _sequence(x, gru)
    h = _state(h0, "h0", x, gru)
    states = []
    for t in range(x.shape[1]):
        h = gru_step(x[:, t], h, *weights)
        states.append(h)
    return torch.stack(states, dim=1), h


def lstm_forward(lstm: nn.LSTM, x: torch.Tensor, h0: torch.Tensor | None = None,
                 c0: torch.Tensor | None = None):
    """``lstm_step`` unrolled with ``lstm``'s weights: ``(outputs [N, T, H], (h, c))``."""
    weights = _layer0(lstm, nn.LSTM, "lstm")
    x = _sequence(x, lstm)
    h, c = _state(h0, "h0", x, lstm), _state(c0, "c0", x, lstm)
    outputs = []
    for t in range(x.shape[1]):
        h, c = lstm_step(x[:, t], h, c, *weights)
        outputs.append(h)
    return torch.stack(outputs, dim=1), (h, c)
