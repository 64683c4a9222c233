"""Exercises of notebook 03 (backpropagation by hand), checked against torch autograd."""

from __future__ import annotations

import numpy as np
import torch

from course_utils.exercises import CheckFailed, answer_array, exercise


@exercise("03.sigmoid_backward", title="the backward pass of the sigmoid")
def _sigmoid_backward(answer) -> None:
    rng = np.random.default_rng(3)
    for shape in [(1,), (4, 3), (2, 5)]:
        z, dout = rng.normal(scale=3, size=shape), rng.normal(size=shape)
        zt = torch.tensor(z, requires_grad=True)
        torch.sigmoid(zt).backward(torch.tensor(dout))
        got = answer_array(answer(dout.copy(), z.copy()), "sigmoid_backward(dout, z)",
                           shape=shape)
        expected = zt.grad.numpy()
        if np.allclose(got, expected / dout, atol=1e-9):
            raise CheckFailed("that is sigma'(z) alone: multiply by the upstream gradient dout")
        if not np.allclose(got, expected, atol=1e-9):
            raise CheckFailed(f"for z = {np.round(z.ravel()[:3], 3)}... expected "
                              f"{np.round(expected.ravel()[:3], 4)}..., got "
                              f"{np.round(got.ravel()[:3], 4)}...: dz = dout * s * (1 - s) "
                              "with s = sigmoid(z)")


@exercise("03.linear_backward", title="the backward pass of a linear layer")
def _linear_backward(answer) -> None:
    rng = np.random.default_rng(4)
    for n, d, m in [(1, 2, 1), (5, 3, 4), (2, 6, 3)]:
        x, w, dout = rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=(n, m))
        xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
        bt = torch.zeros(m, dtype=torch.float64, requires_grad=True)
        (xt @ wt + bt).backward(torch.tensor(dout))
        got = answer(dout.copy(), x.copy(), w.copy())
        if not isinstance(got, tuple | list) or len(got) != 3:
            raise CheckFailed("return three gradients (dx, dw, db)")
        for name, value, ref in zip(("dx", "dw", "db"), got, (xt, wt, bt), strict=True):
            g = answer_array(value, name, shape=tuple(ref.shape))
            if not np.allclose(g, ref.grad.numpy(), atol=1e-9):
                hint = {"dx": "dx = dout @ w.T", "dw": "dw = x.T @ dout",
                        "db": "db sums dout over the batch (axis 0)"}[name]
                raise CheckFailed(f"{name} is wrong for x of shape {x.shape}: {hint}")
