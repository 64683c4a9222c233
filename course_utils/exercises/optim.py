"""Exercises of notebook 04 (losses and optimizers), checked against torch.

Every checker feeds inputs the notebook never shows (random shapes, several seeds and
hyperparameters), checks every output the prompt asks for, and checks that the caller's
arrays are left as they were (a step returns new arrays).
"""

from __future__ import annotations

import numpy as np
import torch

from course_utils.exercises import CheckFailed, answer_array, exercise

_SHAPES = [(3,), (2, 5), (4, 3, 2), (1,), (7, 1)]


def _fmt(a: np.ndarray) -> list:
    return np.round(np.ravel(a)[:4], 5).tolist()


def _call_untouched(answer, args: tuple, names: tuple[str, ...]):
    """``answer(*args)``, failing if it changed any of the (array) arguments in place."""
    before = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    got = answer(*args)
    for name, arg, kept in zip(names, args, before, strict=True):
        if isinstance(arg, np.ndarray) and not np.array_equal(arg, kept, equal_nan=True):
            raise CheckFailed(f"your function changed its argument {name} in place; compute "
                              "new arrays (x = x - ..., not x -= ...) and leave the inputs "
                              "as they were")
    return got


def _outputs(got, names: tuple[str, ...], shape, inputs: tuple) -> list[np.ndarray]:
    """The returned tuple as arrays of ``shape``; none of them one of the input objects."""
    if not isinstance(got, tuple | list) or len(got) != len(names):
        raise CheckFailed(f"return the {len(names)} arrays ({', '.join(names)}) as a tuple")
    for value, name in zip(got, names, strict=True):
        if any(value is arg for arg in inputs):
            raise CheckFailed(f"{name} is one of the arrays you were given: return a new array")
    return [answer_array(value, name, shape=shape) for value, name in zip(got, names,
                                                                          strict=True)]


@exercise("04.softmax", title="a softmax that does not overflow")
def _softmax(answer) -> None:
    rng = np.random.default_rng(5)
    cases = [np.array([[1.0, 2.0, 3.0]]),
             np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1000.0, -999.0]])]
    for seed, (n, c) in enumerate([(4, 5), (1, 7), (6, 2), (3, 3), (5, 11)]):
        scale = (1.0, 300.0, 1000.0)[seed % 3]  # ordinary, large and huge scores
        cases.append(np.random.default_rng(seed).normal(scale=scale, size=(n, c)) +
                     rng.uniform(-800, 800, size=(n, 1)) * (seed % 2))
    for z in cases:
        expected = torch.softmax(torch.tensor(z), dim=-1).numpy()
        z_in = z.copy()
        got = _call_untouched(answer, (z_in,), ("z",))
        if got is z_in:
            raise CheckFailed("you returned the array z itself: return a new array")
        try:
            got = answer_array(got, "softmax(z)", shape=z.shape)
        except CheckFailed as why:
            if np.abs(z).max() > 700:
                raise CheckFailed(f"{why}. For scores up to {np.abs(z).max():.0f} e^z "
                                  "overflows: subtract each row's maximum first (softmax "
                                  "does not change)") from None
            raise
        if not np.allclose(got, expected, rtol=1e-9, atol=1e-12):
            i = int(np.abs(got - expected).max(axis=1).argmax())  # the worst row
            raise CheckFailed(f"for z of shape {z.shape} with row {i} = "
                              f"{np.round(z[i], 3).tolist()} expected "
                              f"{np.round(expected[i], 4).tolist()}, got "
                              f"{np.round(got[i], 4).tolist()}: normalise each row "
                              "(axis=-1, keepdims=True), after subtracting its maximum")


@exercise("04.momentum_step", title="one step of SGD with momentum, as torch.optim.SGD")
def _momentum_step(answer) -> None:
    for seed, (shape, lr, mu) in enumerate(zip(_SHAPES, (0.1, 0.03, 0.5, 0.01, 0.2),
                                               (0.9, 0.5, 0.0, 0.99, 0.7), strict=True)):
        rng = np.random.default_rng(60 + seed)
        w = rng.normal(size=shape)
        wt = torch.tensor(w.copy(), requires_grad=True)
        opt = torch.optim.SGD([wt], lr=lr, momentum=mu)
        v = np.zeros(shape)
        for step in range(4):
            grad = rng.normal(size=shape) * (1 + step)
            wt.grad = torch.tensor(grad.copy())
            opt.step()
            args = (w.copy(), v.copy(), grad.copy(), lr, mu)
            got = _call_untouched(answer, args, ("w", "v", "grad", "lr", "momentum"))
            w, v = _outputs(got, ("new w", "new v"), shape, args[:3])
            buf = opt.state[wt]["momentum_buffer"].numpy() if mu else grad
            where = f"with shape {shape}, lr={lr}, momentum={mu}, after step {step + 1}"
            if not np.allclose(v, buf, rtol=1e-10, atol=1e-12):
                raise CheckFailed(f"{where} torch.optim.SGD's velocity is {_fmt(buf)}, yours "
                                  f"{_fmt(v)}: v = momentum * v + grad")
            if not np.allclose(w, wt.detach().numpy(), rtol=1e-10, atol=1e-12):
                raise CheckFailed(f"{where} torch.optim.SGD has w = "
                                  f"{_fmt(wt.detach().numpy())}, you have {_fmt(w)}: "
                                  "v = momentum * v + grad, then w = w - lr * v (the new v)")


_ADAM_SETTINGS = [  # lr, (beta1, beta2), eps: defaults, then ones where every term shows
    (1e-3, (0.9, 0.999), 1e-8), (0.1, (0.5, 0.8), 0.1), (0.05, (0.0, 0.9), 1.0),
    (0.02, (0.8, 0.99), 1e-3), (0.3, (0.95, 0.5), 0.5)]


@exercise("04.adam_step", title="one Adam step with bias correction, as torch.optim.Adam")
def _adam_step(answer) -> None:
    names = ("w", "m", "v", "grad", "t", "lr", "beta1", "beta2", "eps")
    for seed, (shape, (lr, (b1, b2), eps)) in enumerate(zip(_SHAPES, _ADAM_SETTINGS,
                                                            strict=True)):
        rng = np.random.default_rng(70 + seed)
        w = rng.normal(size=shape)
        wt = torch.tensor(w.copy(), requires_grad=True)
        opt = torch.optim.Adam([wt], lr=lr, betas=(b1, b2), eps=eps)
        m, v = np.zeros(shape), np.zeros(shape)
        for t in range(1, 6):
            grad = rng.normal(size=shape) * 10.0 ** rng.uniform(-2, 1, size=shape)
            wt.grad = torch.tensor(grad.copy())
            opt.step()
            args = (w.copy(), m.copy(), v.copy(), grad.copy(), t, lr, b1, b2, eps)
            got = _call_untouched(answer, args, names)
            w, m, v = _outputs(got, ("new w", "new m", "new v"), shape, args[:4])
            state = opt.state[wt]
            where = f"with shape {shape}, lr={lr}, betas=({b1}, {b2}), eps={eps}, at t={t}"
            for mine, theirs, name, rule in (
                    (m, state["exp_avg"], "m", "m = beta1 * m + (1 - beta1) * grad"),
                    (v, state["exp_avg_sq"], "v",
                     "v = beta2 * v + (1 - beta2) * grad**2 (return it uncorrected)")):
                if not np.allclose(mine, theirs.numpy(), rtol=1e-10, atol=1e-14):
                    raise CheckFailed(f"{where} torch's {name} is {_fmt(theirs.numpy())}, "
                                      f"yours {_fmt(mine)}: {rule}")
            if not np.allclose(w, wt.detach().numpy(), rtol=1e-10, atol=1e-12):
                raise CheckFailed(
                    f"{where} torch.optim.Adam has w = {_fmt(wt.detach().numpy())}, you have "
                    f"{_fmt(w)} (your m and v are right): correct the bias of m and v by "
                    "the factor you derived for step t, then w = w - lr * m_hat / "
                    "(sqrt(v_hat) + eps), eps outside the square root")
