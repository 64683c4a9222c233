"""course_utils.mlp: the numpy MLP's hand-written backward against PyTorch, and its lessons."""

import numpy as np
import pytest
import torch

from course_utils.data import logic_gate, toy_2d
from course_utils.mlp import (
    MLP,
    Layer,
    collapse_linear,
    count_linear_pieces,
    fit_1d,
    forward_stack,
    init_layers,
    sawtooth,
    xor_network,
)

TORCH_ACT = {"tanh": torch.tanh, "relu": torch.relu, "logistic": torch.sigmoid,
             "elu": torch.nn.functional.elu, "softplus": torch.nn.functional.softplus}


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("activation", list(TORCH_ACT))
@pytest.mark.parametrize("sizes", [[2, 3, 2], [2, 8, 8, 2], [4, 5, 6, 7, 3]])
def test_hand_backward_matches_torch(sizes, activation, seed):
    rng = np.random.default_rng(seed)
    net = MLP(sizes, activation=activation, l2=0.01, seed=seed)
    x, y = rng.normal(size=(10, sizes[0])), rng.integers(0, sizes[-1], size=10)
    loss, grads = net.loss_and_grads(x, y)
    params = [torch.tensor(p, requires_grad=True) for layer in net.layers for p in layer]
    a = torch.tensor(x)
    for i in range(0, len(params), 2):
        a = a @ params[i] + params[i + 1]
        if i < len(params) - 2:
            a = TORCH_ACT[activation](a)
    ref = torch.nn.functional.cross_entropy(a, torch.tensor(y))
    ref = ref + 0.5 * 0.01 * sum((p**2).sum() for p in params[::2])
    ref.backward()
    assert abs(loss - ref.item()) < 1e-12
    ours = [g for layer in grads for g in layer]
    for g, p in zip(ours, params, strict=True):
        np.testing.assert_allclose(g, p.grad.numpy(), atol=1e-10, rtol=1e-8)


@pytest.mark.parametrize("name", ["xor", "circles", "moons"])
def test_training_steps_reach_full_accuracy(name):
    x, y = toy_2d(name, n=200, seed=0)
    net = MLP([2, 8, 8, 2], activation="tanh", lr=0.3, batch_size=32, seed=0)
    first = net.loss(x, y)
    for _ in range(800):
        net.step(x, y)
    assert net.loss(x, y) < first / 5 and net.accuracy(x, y) >= 0.99


def test_too_large_a_learning_rate_is_reported():
    x, y = toy_2d("moons", n=40, seed=0)
    net = MLP([2, 16, 2], activation="relu", lr=1e6, seed=0)
    with pytest.raises(FloatingPointError, match="learning rate 1e\\+06 is too large"):
        for _ in range(50):
            net.step(x * 1e3, y)


def test_deck_004_xor_network_computes_xor():
    x, y = logic_gate("XOR")
    out = xor_network(x)
    assert ((out["out"] > 0.5).astype(int) == y).all()
    assert ((out["h1"] > 0.5).astype(int) == logic_gate("NAND")[1]).all()
    assert ((out["h2"] > 0.5).astype(int) == logic_gate("OR")[1]).all()
    assert np.all(np.abs(out["out"] - y) < 1e-4)


def test_linear_layers_collapse_but_one_nonlinearity_breaks_it():
    rng = np.random.default_rng(0)
    stack = init_layers([2, 5, 7, 3], seed=1, activation="identity")
    stack = [Layer(layer.w, rng.normal(size=layer.b.shape)) for layer in stack]
    x = rng.normal(size=(50, 2))
    one = collapse_linear(stack)
    assert one.w.shape == (2, 3)
    np.testing.assert_allclose(forward_stack(stack, x), x @ one.w + one.b, atol=1e-12)
    bent = forward_stack(stack, x, activation="relu")
    best, *_ = np.linalg.lstsq(np.c_[x, np.ones(50)], bent, rcond=None)  # best linear fit
    assert np.abs(np.c_[x, np.ones(50)] @ best - bent).max() > 0.1


def test_wider_hidden_layers_approximate_better():
    target = lambda v: np.sin(2 * np.pi * v) + 0.3 * np.abs(4 * v) - 0.5  # noqa: E731
    errors = [fit_1d(target, h, steps=1500, lr=0.01).rms_error for h in (1, 16)]
    assert errors[1] < errors[0] / 10


@pytest.mark.parametrize("depth", [1, 2, 3, 5])
def test_depth_doubles_the_linear_pieces(depth):
    x = np.linspace(0, 1, 2**depth * 64 + 1)
    assert count_linear_pieces(sawtooth(x, depth), x) == 2**depth
    assert count_linear_pieces(np.abs(x - 0.3), x) == 2


def test_bad_inputs_get_clear_errors():
    with pytest.raises(ValueError, match="unknown activation 'tanhh'. Did you mean 'tanh'"):
        MLP([2, 3, 2], activation="tanhh")
    with pytest.raises(ValueError, match=r"x must have shape \(N, 2\), got \(4, 3\)"):
        MLP([2, 3, 2]).forward(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="sizes must be at least two positive ints"):
        MLP([2])
    with pytest.raises(ValueError, match="lr must be >= 0.0"):
        MLP([2, 2], lr=-1)
