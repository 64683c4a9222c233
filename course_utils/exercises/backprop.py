"""Exercises of notebook 03 (backpropagation by hand), checked against torch autograd.

Every checker draws its own inputs (several seeds, random batch sizes and widths, shapes
that are not square and some that are, so a transposed gradient cannot slip through) and
compares every output the prompt asks for with torch autograd in float64. Common slips
(a missing 1/N, a transposed gradient, a forgotten mask or upstream gradient, the input
handed back or overwritten) get a hint of their own.
"""

from __future__ import annotations

import numpy as np
import torch

from course_utils.exercises import CheckFailed, answer_array, exercise

_SEEDS = (0, 1, 2, 3)


def _close(a, b) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-7, atol=1e-10))


def _fresh(raw, inputs: dict[str, np.ndarray], what: str) -> None:
    """The prompt promises a new array: not one of the inputs, handed back or overwritten."""
    for name, array in inputs.items():
        if isinstance(raw, np.ndarray) and np.shares_memory(raw, array):
            raise CheckFailed(f"{what} is the input {name} itself (or a view of it): "
                              "return a new array and leave the inputs as they were")


def _same_inputs(before: dict[str, np.ndarray], after: dict[str, np.ndarray]) -> None:
    for name, array in before.items():
        if not np.array_equal(array, after[name]):
            raise CheckFailed(f"your function changed its input {name} in place: compute a "
                              "new array instead (e.g. dz = dout * ..., not dout *= ...)")


@exercise("03.sigmoid_backward", title="the backward pass of the sigmoid")
def _sigmoid_backward(answer) -> None:
    for seed in _SEEDS:
        rng = np.random.default_rng(seed)
        shape = tuple(int(n) for n in rng.integers(1, 6, size=int(rng.integers(1, 4))))
        z, dout = rng.normal(scale=3, size=shape), rng.normal(size=shape)
        z.flat[0] = 30.0 if seed % 2 else -30.0  # deep in a flat tail: sigma' ~ 1e-13
        zt = torch.tensor(z, requires_grad=True)
        torch.sigmoid(zt).backward(torch.tensor(dout))
        args = {"dout": dout.copy(), "z": z.copy()}
        raw = answer(args["dout"], args["z"])
        _fresh(raw, args, "sigmoid_backward's result")
        _same_inputs({"dout": dout, "z": z}, args)
        got = answer_array(raw, "sigmoid_backward(dout, z)", shape=shape)
        expected = zt.grad.numpy()
        if _close(got, expected / dout):
            raise CheckFailed("that is sigma'(z) alone: multiply by the upstream gradient dout")
        if _close(got, dout) or _close(got, z):
            raise CheckFailed("that is an input handed back: dz = dout * s * (1 - s)")
        if _close(got, -expected):
            raise CheckFailed("the sign is flipped: sigma'(z) = s (1 - s) is positive")
        if not _close(got, expected):
            raise CheckFailed(f"for z of shape {shape} (seed {seed}) expected "
                              f"{np.round(expected.ravel()[:3], 4)}..., got "
                              f"{np.round(got.ravel()[:3], 4)}...: dz = dout * s * (1 - s) "
                              "with s = sigmoid(z)")


@exercise("03.linear_backward", title="the backward pass of a linear layer")
def _linear_backward(answer) -> None:
    sizes = [(1, 2, 1), (4, 3, 3)]  # a batch of one; D = M, so a transposed dw fits
    for seed in _SEEDS:
        sizes.append(tuple(int(v) for v in np.random.default_rng(100 + seed).integers(1, 7, 3)))
    for k, (n, d, m) in enumerate(sizes):
        rng = np.random.default_rng(k)
        x, w, dout = rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=(n, m))
        xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
        bt = torch.zeros(m, dtype=torch.float64, requires_grad=True)
        (xt @ wt + bt).backward(torch.tensor(dout))
        args = {"dout": dout.copy(), "x": x.copy(), "w": w.copy()}
        got = answer(args["dout"], args["x"], args["w"])
        if not isinstance(got, tuple | list) or len(got) != 3:
            raise CheckFailed("return three gradients (dx, dw, db)")
        _same_inputs({"dout": dout, "x": x, "w": w}, args)
        for name, value, ref in zip(("dx", "dw", "db"), got, (xt, wt, bt), strict=True):
            _fresh(value, args, name)
            g = answer_array(value, name, shape=tuple(ref.shape))
            expected = ref.grad.numpy()
            if name == "dw" and g.shape[0] == g.shape[1] and _close(g, expected.T):
                raise CheckFailed("dw is transposed: dw = x.T @ dout has w's shape [D, M]")
            if name == "db" and n > 1 and _close(g, expected / n):
                raise CheckFailed("db is the mean of dout over the batch: it is the sum "
                                  "(the loss already holds any 1/N)")
            if not _close(g, expected):
                hint = {"dx": "dx = dout @ w.T", "dw": "dw = x.T @ dout",
                        "db": "db sums dout over the batch (axis 0)"}[name]
                raise CheckFailed(f"{name} is wrong for x of shape {x.shape}, w {w.shape}: "
                                  f"{hint}")


def _softmax_ce_case(seed: int):
    rng = np.random.default_rng(seed)
    n, c = (4, 4) if seed == 0 else (int(rng.integers(1, 9)), int(rng.integers(2, 8)))
    logits = rng.normal(scale=3, size=(n, c))
    if seed == 1:
        logits += 800.0  # large logits: a softmax without the max shift overflows
    y = rng.integers(0, c, size=n)
    return logits, y


@exercise("03.softmax_ce_backward", title="the gradient of softmax + cross-entropy")
def _softmax_ce_backward(answer) -> None:
    for seed in range(6):
        logits, y = _softmax_ce_case(seed)
        n, c = logits.shape
        lt = torch.tensor(logits, requires_grad=True)
        torch.nn.functional.cross_entropy(lt, torch.tensor(y)).backward()
        expected = lt.grad.numpy()
        args = {"logits": logits.copy(), "y": y.copy()}
        raw = answer(args["logits"], args["y"])
        _fresh(raw, args, "dlogits")
        _same_inputs({"logits": logits, "y": y}, args)
        if isinstance(raw, np.ndarray) and raw.shape == (c, n) and n != c:
            raise CheckFailed("dlogits is transposed: it has the logits' shape [N, C]")
        got = answer_array(raw, f"dlogits for logits of shape {logits.shape}", shape=(n, c))
        if n > 1 and _close(got, n * expected):
            raise CheckFailed("missing the 1/N: the loss is the mean over the batch, so each "
                              "row's gradient is (p - onehot) / N (that is the sum's gradient)")
        if _close(got, -expected):
            raise CheckFailed("the sign is flipped: dlogits = (p - onehot) / N")
        if _close(got, expected.T):
            raise CheckFailed("dlogits is transposed: rows are examples, columns classes")
        onehot = np.eye(c)[y]
        if _close(got, expected + onehot / n):
            raise CheckFailed("the one-hot is missing: subtract 1 / N at each row's true class")
        if _close(got, logits) or _close(got, onehot):
            raise CheckFailed("that is an input handed back: dlogits = (p - onehot) / N")
        if not _close(got, expected):
            raise CheckFailed(f"wrong for N = {n}, C = {c} (seed {seed}): "
                              "p = softmax(logits) row-wise (subtract the row max first), "
                              "then dlogits = (p - onehot(y)) / N")


def _mlp_case(seed: int):
    rng = np.random.default_rng(seed)
    n, d, h, c = (3, 3, 3, 3) if seed == 0 else (int(v) for v in rng.integers(1, 8, 4))
    c = max(c, 2)
    x = rng.normal(size=(n, d))
    w1, b1 = rng.normal(size=(d, h)), rng.normal(scale=0.5, size=h)
    w2, b2 = rng.normal(size=(h, c)), rng.normal(scale=0.5, size=c)
    return x, rng.integers(0, c, size=n), w1, b1, w2, b2


def _mlp_reference(x, y, w1, b1, w2, b2) -> list[np.ndarray]:
    params = [torch.tensor(p, requires_grad=True) for p in (w1, b1, w2, b2)]
    hidden = torch.relu(torch.tensor(x) @ params[0] + params[1])
    scores = hidden @ params[2] + params[3]
    torch.nn.functional.cross_entropy(scores, torch.tensor(y)).backward()
    return [p.grad.numpy() for p in params]


@exercise("03.mlp_backward", title="the full backward pass of a two-layer MLP")
def _mlp_backward(answer) -> None:
    names = ("dW1", "db1", "dW2", "db2")
    for seed in range(5):
        x, y, w1, b1, w2, b2 = _mlp_case(seed)
        n = len(x)
        refs = _mlp_reference(x, y, w1, b1, w2, b2)
        inputs = {"x": x, "y": y, "W1": w1, "b1": b1, "W2": w2, "b2": b2}
        args = {k: v.copy() for k, v in inputs.items()}
        got = answer(*args.values())
        if not isinstance(got, tuple | list) or len(got) != 4:
            raise CheckFailed("return four gradients (dW1, db1, dW2, db2)")
        _same_inputs(inputs, args)
        no_mask = _mlp_reference_without_mask(x, y, w1, b1, w2, b2)
        for name, value, ref, loose in zip(names, got, refs, no_mask, strict=True):
            _fresh(value, args, name)
            if isinstance(value, np.ndarray) and value.ndim == 2 and value.shape == ref.T.shape \
                    and value.shape != ref.shape:
                raise CheckFailed(f"{name} is transposed: it has the shape of the parameter "
                                  f"({ref.shape})")
            g = answer_array(value, f"{name} (x of shape {x.shape})", shape=ref.shape)
            if ref.ndim == 2 and ref.shape[0] == ref.shape[1] and _close(g, ref.T) and \
                    not _close(ref, ref.T):
                raise CheckFailed(f"{name} is transposed: dW = (layer input).T @ dout")
            if n > 1 and _close(g, n * ref):
                raise CheckFailed(f"{name} is N times too large: the loss is the mean over "
                                  "the batch, so dscores = (p - onehot) / N")
            if name in ("dW1", "db1") and _close(g, loose) and not _close(ref, loose):
                raise CheckFailed(f"{name}: the ReLU passes gradient only where its input "
                                  "was > 0: dz1 = dh * (z1 > 0)")
            if not _close(g, ref):
                raise CheckFailed(f"{name} is wrong for x {x.shape}, W1 {w1.shape}, W2 "
                                  f"{w2.shape} (seed {seed}): go back through the forward "
                                  "pass one line at a time, dscores -> dW2, db2, dh -> dz1 "
                                  "-> dW1, db1")


def _mlp_reference_without_mask(x, y, w1, b1, w2, b2) -> list[np.ndarray]:
    """The gradients a backward pass gets when it forgets the ReLU's mask (dz1 = dh)."""
    z1 = x @ w1 + b1
    hidden = np.maximum(z1, 0)
    scores = hidden @ w2 + b2
    p = np.exp(scores - scores.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    dscores = (p - np.eye(w2.shape[1])[y]) / len(x)
    dz1 = dscores @ w2.T
    return [x.T @ dz1, dz1.sum(axis=0), hidden.T @ dscores, dscores.sum(axis=0)]
