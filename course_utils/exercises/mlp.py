"""Exercises of notebook 02 (MLPs and XOR); each test computes its answer independently."""

from __future__ import annotations

import numpy as np

from course_utils.data.toy import logic_gate
from course_utils.exercises import CheckFailed, answer_array, exercise


def _weights(answer) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    got = answer()
    if not isinstance(got, tuple | list) or len(got) != 4:
        raise CheckFailed("return four things: (W1 [2, 2], b1 [2], w2 [2], b2), got "
                          f"{type(got).__name__}")
    w1 = answer_array(got[0], "W1", shape=(2, 2))
    b1 = answer_array(got[1], "b1", shape=(2,))
    w2 = answer_array(got[2], "w2", shape=(2,))
    b2 = answer_array(got[3], "b2", shape=())
    return w1, b1, w2, float(b2)


@exercise("02.xor_net", title="XOR from three step units")
def _xor_net(answer) -> None:
    w1, b1, w2, b2 = _weights(answer)
    x, y = logic_gate("XOR")  # inputs in {0, 1}
    z1 = x @ w1 + b1  # column j of W1 feeds hidden unit j
    if np.any(np.abs(z1) < 1e-9):
        raise CheckFailed("a hidden unit sits exactly on its threshold (z = 0) for some "
                          "input: move its bias by 0.5")
    h = (z1 >= 0).astype(float)  # the course's step: z >= 0 -> 1
    z2 = h @ w2 + b2
    if np.any(np.abs(z2) < 1e-9):
        raise CheckFailed("the output unit sits exactly on its threshold for some input")
    out = (z2 >= 0).astype(int)
    if not np.array_equal(out, y):
        rows = [f"{tuple(int(v) for v in xi)} -> {o} (want {t})"
                for xi, o, t in zip(x, out, y, strict=True) if o != t]
        raise CheckFailed(f"wrong on {'; '.join(rows)}. Try h1 = OR, h2 = AND, "
                          "output = h1 AND NOT h2")


@exercise("02.collapse", title="two linear layers are one")
def _collapse(answer) -> None:
    rng = np.random.default_rng(2)
    for d, h, m in [(2, 3, 1), (4, 5, 3), (3, 3, 3)]:
        w1, b1 = rng.normal(size=(d, h)), rng.normal(size=h)
        w2, b2 = rng.normal(size=(h, m)), rng.normal(size=m)
        got = answer(w1.copy(), b1.copy(), w2.copy(), b2.copy())
        if not isinstance(got, tuple | list) or len(got) != 2:
            raise CheckFailed("return a pair (W, b)")
        w = answer_array(got[0], "W", shape=(d, m))
        b = answer_array(got[1], "b", shape=(m,))
        x = rng.normal(size=(20, d))
        expected = (x @ w1 + b1) @ w2 + b2
        if not np.allclose(x @ w, x @ w1 @ w2):
            raise CheckFailed("x W must equal (x W1) W2 for every x: W = W1 @ W2")
        if not np.allclose(x @ w + b, expected, atol=1e-9):
            raise CheckFailed("the weights are right but the bias is not: expand "
                              "(x W1 + b1) W2 + b2 and collect what does not multiply x")


def _relu(z):
    return np.maximum(z, 0.0)


def _logistic(z):
    return 1 / (1 + np.exp(-z))


_TORCH_ACTIVATIONS = {"tanh": (np.tanh, "Tanh"), "relu": (_relu, "ReLU"),
                      "logistic": (_logistic, "Sigmoid")}


def _torch_forward(x, layers, torch_activation: str) -> np.ndarray:
    """The same network built from torch.nn.Linear layers (weight = W^T), float64."""
    import torch

    modules = []
    for w, b in layers:
        linear = torch.nn.Linear(*w.shape, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w.T))  # torch stores [D_out, D_in]
            linear.bias.copy_(torch.from_numpy(b))
        modules += [linear, getattr(torch.nn, torch_activation)()]
    with torch.no_grad():
        return torch.nn.Sequential(*modules[:-1])(torch.from_numpy(x)).numpy()  # last: linear


def _network_cases():
    rng = np.random.default_rng(5)
    for i in range(9):
        sizes = [int(s) for s in rng.integers(1, 8, size=rng.integers(2, 6))]  # 1 to 4 layers
        sizes[0] = 2 if i == 0 else sizes[0]
        layers = [(rng.normal(size=(d_in, d_out)), rng.normal(size=d_out))
                  for d_in, d_out in zip(sizes[:-1], sizes[1:], strict=True)]
        x = rng.normal(size=(int(rng.choice([1, 5, 13])), sizes[0]))
        yield x, layers, list(_TORCH_ACTIVATIONS)[i % 3]


@exercise("02.mlp_forward", title="the forward pass of an MLP of any shape")
def _mlp_forward(answer) -> None:
    used = {"forward_stack", "MLP", "init_layers"} & set(
        getattr(getattr(answer, "__code__", None), "co_names", ()))
    if used:
        raise CheckFailed(f"your function calls {', '.join(sorted(used))}: that is the answer "
                          "key, not your own forward pass. Write the loop with numpy")
    for x, layers, name in _network_cases():
        f, torch_name = _TORCH_ACTIVATIONS[name]
        before = [x.copy(), *(a.copy() for layer in layers for a in layer)]
        sizes = [x.shape[1], *(w.shape[1] for w, _ in layers)]
        got = answer_array(answer(x, [tuple(layer) for layer in layers], f),
                           f"mlp_forward(x, layers, f) for sizes {sizes}",
                           shape=(len(x), sizes[-1]))
        after = [x, *(a for layer in layers for a in layer)]
        if not all(np.array_equal(a, b) for a, b in zip(before, after, strict=True)):
            raise CheckFailed("your function changed x or a layer's W or b in place")
        expected = _torch_forward(x, layers, torch_name)
        if np.allclose(got, expected, rtol=1e-9, atol=1e-9):
            continue
        if np.allclose(got, f(expected), rtol=1e-9, atol=1e-9):
            raise CheckFailed("you applied f after the last layer too; the output layer is "
                              "linear (class scores), f goes between layers only")
        raise CheckFailed(
            f"for layer sizes {sizes}, {len(x)} input row(s) and f = {name}, your scores "
            f"differ from torch.nn.Linear layers by up to "
            f"{np.abs(got - expected).max():.3g}. Each layer: a = a @ W + b (W is "
            "[D_in, D_out]), then f, except after the last")


@exercise("02.xnor_relu_net", title="XNOR exactly, from two ReLU units and a linear output")
def _xnor_relu(answer) -> None:
    w1, b1, w2, b2 = _weights(answer)
    x, xor = logic_gate("XOR")  # inputs in {0, 1}
    want = 1 - xor  # XNOR: 1 where a = b
    out = np.maximum(x @ w1 + b1, 0.0) @ w2 + b2  # ReLU hidden layer, linear output
    if np.allclose(out, want, rtol=0, atol=1e-9):
        return
    rows = "; ".join(f"{tuple(int(v) for v in xi)} -> {o:.4g} (want {t})"
                     for xi, o, t in zip(x, out, want, strict=True) if abs(o - t) > 1e-9)
    if np.allclose(out, xor, rtol=0, atol=1e-9):
        raise CheckFailed("that network computes XOR; XNOR is 1 - XOR: change the output "
                          "unit's weights and bias, not the hidden layer")
    if np.array_equal(out > 0.5, want == 1):
        raise CheckFailed(f"right side of 0.5 everywhere, but not exact: {rows}. ReLU units "
                          "are exactly linear where active, so the outputs can be exactly 0 and 1")
    raise CheckFailed(f"wrong on {rows}. Think of relu(a + b) and relu(a + b - 1) tell the "
                      "three cases a + b = 0, 1, 2 apart")
