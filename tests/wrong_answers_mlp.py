"""Wrong answers to notebooks 02 and 03's exercises: each must fail with a hint."""

import numpy as np


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


WRONG = {
    "02.xor_net": [
        lambda: (np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([-0.5, -1.5]),
                 np.array([1.0, 1.0]), -0.5),  # OR of OR and AND = OR
        lambda: (np.ones((2, 2)), np.array([-1.0, -2.0]), np.array([1.0, -1.0]), -0.5),
        lambda: (np.ones((2, 2)), np.zeros(2), np.ones(2), 0.0),  # on the threshold
        lambda: (np.ones(4), np.zeros(2), np.ones(2), 0.0),  # wrong shape
        lambda: "XOR",
    ],
    "02.collapse": [
        lambda w1, b1, w2, b2: (w1 @ w2, b1 + b2),  # bias not carried through W2
        lambda w1, b1, w2, b2: (w2.T @ w1.T, b1 @ w2 + b2),
        lambda w1, b1, w2, b2: w1 @ w2,
    ],
    "03.sigmoid_backward": [
        lambda dout, z: _sigmoid(z) * (1 - _sigmoid(z)),  # forgot dout
        lambda dout, z: dout * z * (1 - z),  # used z instead of sigmoid(z)
        lambda dout, z: dout * _sigmoid(z),
    ],
    "03.linear_backward": [
        lambda dout, x, w: (dout @ w.T, x.T @ dout, dout.mean(axis=0)),  # mean, not sum
        lambda dout, x, w: (dout @ w, x @ dout, dout.sum(axis=0)),
        lambda dout, x, w: (dout @ w.T, dout.T @ x, dout.sum(axis=0)),  # dw transposed
    ],
}
