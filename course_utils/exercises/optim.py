"""Exercises of notebook 04 (losses and optimizers), checked against torch."""

from __future__ import annotations

import numpy as np
import torch

from course_utils.exercises import CheckFailed, answer_array, exercise


@exercise("04.softmax", title="a softmax that does not overflow")
def _softmax(answer) -> None:
    rng = np.random.default_rng(5)
    cases = [np.array([[1.0, 2.0, 3.0]]), rng.normal(size=(4, 5)),
             np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1000.0, -999.0]])]
    for z in cases:
        expected = torch.softmax(torch.tensor(z), dim=-1).numpy()
        got = answer(z.copy())
        try:
            got = answer_array(got, "softmax(z)", shape=z.shape)
        except CheckFailed as why:
            if np.abs(z).max() > 700:
                raise CheckFailed(f"{why}. For z = {z[0].tolist()} e^z overflows: subtract "
                                  "each row's maximum first (softmax does not change)") from None
            raise
        if not np.allclose(got, expected, atol=1e-12):
            raise CheckFailed(f"for z = {np.round(z[0], 3).tolist()} expected "
                              f"{np.round(expected[0], 4).tolist()}, got "
                              f"{np.round(got[0], 4).tolist()}: normalise each row (axis=-1)")


@exercise("04.momentum_step", title="one step of SGD with momentum, as torch.optim.SGD")
def _momentum_step(answer) -> None:
    rng = np.random.default_rng(6)
    w = rng.normal(size=3)
    wt = torch.tensor(w, requires_grad=True)
    opt = torch.optim.SGD([wt], lr=0.1, momentum=0.9)
    v = np.zeros(3)
    for step in range(5):
        grad = 2 * w + 1  # d/dw of sum(w^2 + w)
        opt.zero_grad()
        (wt**2 + wt).sum().backward()
        opt.step()
        got = answer(w.copy(), v.copy(), grad.copy(), 0.1, 0.9)
        if not isinstance(got, tuple | list) or len(got) != 2:
            raise CheckFailed("return the pair (new w, new v)")
        w, v = (answer_array(a, n, shape=(3,)) for a, n in zip(got, ("new w", "new v"),
                                                                  strict=True))
        if not np.allclose(w, wt.detach().numpy(), atol=1e-12):
            raise CheckFailed(f"after step {step + 1} torch.optim.SGD has w = "
                              f"{np.round(wt.detach().numpy(), 4).tolist()}, you have "
                              f"{np.round(w, 4).tolist()}: v = momentum * v + grad, then "
                              "w = w - lr * v")
