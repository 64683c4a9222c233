"""course_utils.autograd: values and gradients of random expressions against torch float64."""

import math

import numpy as np
import pytest
import torch

from course_utils.autograd import Value, sigmoid_neuron

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


def test_backward_twice_raises_until_zero_grad():
    a = Value(2.0)
    out = (a * a).tanh()
    out.backward()
    first = a.grad
    with pytest.raises(RuntimeError, match="already ran.*zero_grad"):
        out.backward()
    out.zero_grad()
    out.backward()
    assert a.grad == first


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
