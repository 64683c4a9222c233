"""course_utils.autograd: values and gradients of random expressions against torch float64."""

import math

import numpy as np
import pytest
import torch

from course_utils.autograd import (
    MLP,
    Layer,
    Neuron,
    Value,
    count_paths,
    max_margin_loss,
    sigmoid_neuron,
)
from course_utils.data import toy_2d

UNARY = ["exp", "tanh", "sigmoid", "relu", "log", "square", "neg", "inv"]
BINARY = ["+", "-", "*", "/"]


def _apply(op, a, b=None, *, torch_side=False):
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return a / b
    if op == "square":
        return a**2
    if op == "neg":
        return -a
    if op == "inv":
        return 1 / a
    if op == "log":  # keep it defined: log(1 + a^2)
        return (1 + a**2).log() if not torch_side else torch.log(1 + a**2)
    return getattr(torch, op)(a) if torch_side else getattr(a, op)()


def _random_expression(seed):
    """The same random expression of 4 leaves and ~10 ops, built in ours and in torch."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(-2, 2, size=4)
    ours = [Value(v) for v in values]
    theirs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    pool_o, pool_t = list(ours), list(theirs)
    for _ in range(10):
        if rng.random() < 0.5:
            op = str(rng.choice(UNARY))
            i = int(rng.integers(len(pool_o)))
            if op == "inv" and abs(pool_o[i].data) < 0.2:
                op = "tanh"
            pool_o.append(_apply(op, pool_o[i]))
            pool_t.append(_apply(op, pool_t[i], torch_side=True))
        else:
            op = str(rng.choice(BINARY))
            i, j = rng.integers(len(pool_o), size=2)
            if op == "/" and abs(pool_o[j].data) < 0.2:
                op = "*"
            pool_o.append(_apply(op, pool_o[i], pool_o[j]))
            pool_t.append(_apply(op, pool_t[i], pool_t[j], torch_side=True))
    out_o = pool_o[-1] + pool_o[-2] * 0.5  # make sure several branches reach the output
    out_t = pool_t[-1] + pool_t[-2] * 0.5
    return ours, theirs, out_o, out_t


N_EXPRESSIONS = 200


@pytest.mark.parametrize("seed", range(N_EXPRESSIONS))
def test_random_expressions_match_torch(seed):
    ours, theirs, out_o, out_t = _random_expression(seed)
    out_t.backward()
    out_o.backward()
    assert math.isclose(out_o.data, out_t.item(), rel_tol=1e-12, abs_tol=1e-12)
    for o, t in zip(ours, theirs, strict=True):
        expected = 0.0 if t.grad is None else t.grad.item()
        assert math.isclose(o.grad, expected, rel_tol=1e-9, abs_tol=1e-10), (seed, o, expected)


def test_a_value_used_twice_gets_both_contributions():
    a = Value(3.0)
    b = a * a + a  # d/da = 2a + 1 = 7
    b.backward()
    assert a.grad == 7.0


def _t(v):
    return torch.tensor(v, dtype=torch.float64, requires_grad=True)


def test_a_parameter_reused_in_a_new_graph_accumulates_like_torch():
    p, pt = Value(1.5), _t(1.5)
    (p * p).backward()
    (p * 3).backward()  # a second graph reusing p: allowed, and adds (micrograd, torch)
    (pt * pt).backward()
    (pt * 3).backward()
    assert math.isclose(p.grad, pt.grad.item(), rel_tol=1e-12)  # 2p + 3 = 6
    assert p.grad == 6.0


def test_backward_twice_through_one_graph_doubles_the_leaves_like_torch():
    for seed in range(20):
        ours, theirs, out_o, out_t = _random_expression(seed)
        out_o.backward()
        first = [o.grad for o in ours]
        out_o.backward()
        out_t.backward(retain_graph=True)
        out_t.backward()
        for o, t, g in zip(ours, theirs, first, strict=True):
            expected = 0.0 if t.grad is None else t.grad.item()
            assert math.isclose(o.grad, expected, rel_tol=1e-9, abs_tol=1e-10), seed
            assert math.isclose(o.grad, 2 * g, rel_tol=1e-12, abs_tol=1e-15)


def test_zero_grad_resets_so_backward_gives_the_gradient_again():
    a = Value(2.0)
    out = (a * a).tanh()
    out.backward()
    first = a.grad
    out.zero_grad()
    assert a.grad == 0.0 and out.grad == 0.0
    out.backward()
    assert a.grad == first
    at = _t(2.0)
    torch.tanh(at * at).backward()
    assert math.isclose(first, at.grad.item(), rel_tol=1e-12)


def test_mlp_on_values_matches_torch_forward_and_backward():
    model = MLP(3, [4, 5, 1], seed=1)
    assert len(model.parameters()) == 3 * 4 + 4 + 4 * 5 + 5 + 5 + 1
    x, y = np.random.default_rng(2).normal(size=(6, 3)), np.array([1, -1, 1, 1, -1, -1])
    loss, acc = max_margin_loss(model, x, y, alpha=1e-3)
    model.zero_grad()
    loss.backward()
    params = [_t(p.data) for p in model.parameters()]
    h, i = torch.tensor(x), 0
    for layer in model.layers:
        n_out, n_in = len(layer.neurons), len(layer.neurons[0].w)
        w = torch.stack([torch.stack(params[i + k * (n_in + 1): i + k * (n_in + 1) + n_in])
                         for k in range(n_out)])
        b = torch.stack([params[i + k * (n_in + 1) + n_in] for k in range(n_out)])
        i += n_out * (n_in + 1)
        h = h @ w.T + b
        h = torch.relu(h) if layer is not model.layers[-1] else h
    scores = h[:, 0]
    ref = torch.relu(1 - torch.tensor(y) * scores).mean() + 1e-3 * sum(p * p for p in params)
    ref.backward()
    assert math.isclose(loss.data, ref.item(), rel_tol=1e-12)
    assert acc == float(((scores >= 0) == torch.tensor(y > 0)).double().mean())
    for p, pt in zip(model.parameters(), params, strict=True):
        assert math.isclose(p.grad, pt.grad.item(), rel_tol=1e-9, abs_tol=1e-12)
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_mlp_on_values_learns_moons():
    x, y = toy_2d("moons", n=40, seed=0, encoding="bipolar")
    model = MLP(2, [8, 8, 1], seed=0)
    first, _ = max_margin_loss(model, x, y)
    for _ in range(15):
        loss, _ = max_margin_loss(model, x, y)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.5 * p.grad
    last, acc = max_margin_loss(model, x, y)
    assert last.data < 0.5 * first.data and acc > 0.8


def test_network_classes_refuse_bad_input():
    with pytest.raises(ValueError, match="nin must be a whole number >= 1, got 0"):
        Neuron(0)
    with pytest.raises(ValueError, match="x must have 2 entries"):
        Layer(2, 3)([1.0])
    with pytest.raises(ValueError, match="at least one layer"):
        MLP(2, [])
    with pytest.raises(ValueError, match="labels -1 and \\+1"):
        max_margin_loss(MLP(2, [1]), np.zeros((2, 2)), np.array([0, 1]))
    assert repr(MLP(2, [2, 1])).startswith("MLP of [Layer of [ReLUNeuron(2)")


def test_deck_001_sigmoid_neuron_against_torch():
    nodes = sigmoid_neuron([2.0, -3.0, -3.0], [-1.0, -2.0])
    nodes["f"].backward()
    w = torch.tensor([2.0, -3.0, -3.0], dtype=torch.float64, requires_grad=True)
    x = torch.tensor([-1.0, -2.0], dtype=torch.float64, requires_grad=True)
    f = torch.sigmoid(w[0] * x[0] + w[1] * x[1] + w[2])
    f.backward()
    assert math.isclose(nodes["f"].data, f.item(), rel_tol=1e-12)
    for i in range(3):
        assert math.isclose(nodes[f"w{i}"].grad, w.grad[i].item(), rel_tol=1e-12)
    for i in range(2):
        assert math.isclose(nodes[f"x{i}"].grad, x.grad[i].item(), rel_tol=1e-12)


def test_bad_inputs_get_clear_errors():
    with pytest.raises(TypeError, match="combines with numbers or Values, got str"):
        Value(1.0) + "2"
    with pytest.raises(ValueError, match="log needs a positive value"):
        Value(-1.0).log()
    with pytest.raises(ValueError, match="Value data must be finite"):
        Value(float("nan"))
    with pytest.raises(ValueError, match="fractional power"):
        Value(-2.0) ** 0.5


def test_count_paths_and_the_gradient_is_a_sum_over_paths():
    a, b = Value(3.0), Value(-2.0)
    y = a * a + a  # two edges into a from the product, one from the sum
    assert count_paths(y, a) == 3 and count_paths(y, b) == 0 and count_paths(y, y) == 1
    nodes = sigmoid_neuron([2.0, -3.0, -3.0], [-1.0, -2.0])
    assert all(count_paths(nodes["f"], nodes[k]) == 1 for k in ("w0", "x0", "w2"))
    h = a * b
    out = h * h + h  # three paths to h, each continuing to a: 3
    assert count_paths(out, a) == 3
    out.backward()
    assert math.isclose(a.grad, (2 * h.data + 1) * b.data, rel_tol=1e-12)


def test_exp_above_709_says_it_overflows_float64():
    with pytest.raises(OverflowError, match=r"exp overflows float64 above 709.78 .*got "
                                            r"exp\(1000.0\): keep the argument below 709"):
        Value(1000.0).exp()
    assert math.isinf(torch.exp(torch.tensor(1000.0, dtype=torch.float64)).item())  # torch: inf
    a = Value(709.0)  # the good input just below the edge: value and gradient match torch
    a.exp().backward()
    at = torch.tensor(709.0, dtype=torch.float64, requires_grad=True)
    torch.exp(at).backward()
    assert a.grad == pytest.approx(at.grad.item(), rel=1e-12)
