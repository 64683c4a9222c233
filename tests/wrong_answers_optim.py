"""Wrong answers to notebook 04's exercises: each must fail with a hint."""

import numpy as np

WRONG = {
    "04.softmax": [
        lambda z: np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True),  # overflows
        lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(),  # whole-array sum
        lambda z: z / z.sum(axis=-1, keepdims=True),
    ],
    "04.momentum_step": [
        lambda w, v, g, lr, mu: (w - lr * g, v),  # no momentum
        lambda w, v, g, lr, mu: (w - lr * (mu * v + g), v),  # velocity never kept
        lambda w, v, g, lr, mu: (w - lr * (mu * v + (1 - mu) * g), mu * v + (1 - mu) * g),
    ],
}
