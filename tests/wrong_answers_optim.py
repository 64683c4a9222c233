"""Wrong answers to notebook 04's exercises: each must fail with a hint."""

import numpy as np


def _softmax_in_place(z):  # right numbers, but the caller's z is overwritten
    z -= z.max(axis=-1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=-1, keepdims=True)
    return z


def _momentum_in_place(w, v, g, lr, mu):  # right numbers, inputs changed and returned
    v *= mu
    v += g
    w -= lr * v
    return w, v


def _adam(w, m, v, g, t, lr, b1, b2, eps, *, power=0, correct=True, eps_inside=False,
          sqrt_first=False):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m_hat = m / (1 - b1 ** (t + power)) if correct else m
    v_hat = v / (1 - b2 ** (t + power)) if correct else v
    if eps_inside:
        return w - lr * m_hat / np.sqrt(v_hat + eps), m, v
    if sqrt_first:  # sqrt(v) / (1 - beta2^t) instead of sqrt(v / (1 - beta2^t))
        return w - lr * m_hat / (np.sqrt(v) / (1 - b2**t) + eps), m, v
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def _adam_in_place(w, m, v, g, t, lr, b1, b2, eps):  # right numbers, inputs mutated
    m *= b1
    m += (1 - b1) * g
    v *= b2
    v += (1 - b2) * g * g
    w -= lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    return w, m, v


def _adam_returns_corrected(w, m, v, g, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m_hat, v_hat  # state must stay raw


WRONG = {
    "04.softmax": [
        lambda z: np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True),  # overflows
        lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(),  # whole-array sum
        lambda z: z / z.sum(axis=-1, keepdims=True),
        # one max for the whole array: rows far below it underflow to 0 / 0
        lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(axis=-1, keepdims=True),
        _softmax_in_place,  # overwrites the caller's scores
        # normalises each column (axis 0) instead of each row
        lambda z: np.exp(z - z.max(axis=0)) / np.exp(z - z.max(axis=0)).sum(axis=0),
    ],
    "04.momentum_step": [
        lambda w, v, g, lr, mu: (w - lr * g, v),  # no momentum
        lambda w, v, g, lr, mu: (w - lr * (mu * v + g), v),  # velocity never kept
        lambda w, v, g, lr, mu: (w - lr * (mu * v + (1 - mu) * g), mu * v + (1 - mu) * g),
        _momentum_in_place,  # right numbers, but w and v changed in place
        lambda w, v, g, lr, mu: (w - lr * (mu * v + g), mu * v),  # returns v without grad
        lambda w, v, g, lr, mu: (w - lr * v, mu * v + g),  # steps with the old velocity
        # hard-coded torch defaults of the shown example instead of the arguments
        lambda w, v, g, lr, mu: (w - 0.1 * (0.9 * v + g), 0.9 * v + g),
    ],
    "04.adam_step": [
        lambda *a: _adam(*a, correct=False),  # no bias correction
        lambda *a: _adam(*a, power=-1),  # correction with beta^(t-1) (t counted from 0)
        lambda *a: _adam(*a, power=1),  # correction with beta^(t+1)
        lambda *a: _adam(*a, eps_inside=True),  # eps inside the square root
        lambda *a: _adam(*a, sqrt_first=True),  # sqrt in the wrong place
        _adam_in_place,  # right numbers, but w, m and v changed in place
        _adam_returns_corrected,  # returns bias-corrected m and v as the new state
        # beta1 and beta2 swapped
        lambda w, m, v, g, t, lr, b1, b2, eps: _adam(w, m, v, g, t, lr, b2, b1, eps),
        # squared gradient averaged without (1 - beta2)
        lambda w, m, v, g, t, lr, b1, b2, eps: (
            w - lr * ((b1 * m + (1 - b1) * g) / (1 - b1**t))
            / (np.sqrt((b2 * v + g * g) / (1 - b2**t)) + eps), b1 * m + (1 - b1) * g,
            b2 * v + g * g),
        # sign step: m_hat / |m_hat| (what Adam is near at t = 1 with tiny eps), not Adam
        lambda w, m, v, g, t, lr, b1, b2, eps: (
            w - lr * np.sign(g), b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g),
    ],
}
