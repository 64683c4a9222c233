"""Wrong answers to notebooks 02 and 03's exercises: each must fail with a hint."""

import numpy as np

from course_utils.mlp import Layer, forward_stack


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _forward(x, layers, f, *, last=False, between=True, transpose=False):
    """An MLP forward pass with one thing changed (the reference has all defaults)."""
    a = x
    for i, (w, b) in enumerate(layers):
        a = a @ (w.T if transpose else w) + b
        if (between and i < len(layers) - 1) or (last and i == len(layers) - 1):
            a = f(a)
    return a


def _two_layers_only(x, layers, f):
    (w1, b1), (w2, b2) = layers[0], layers[-1]  # written for the 2-8-2 network of the notebook
    return f(x @ w1 + b1) @ w2 + b2


def _in_place_forward(x, layers, f):
    for i, (w, b) in enumerate(layers):
        x = x @ w
        x += b
        if i < len(layers) - 1:
            x[...] = f(x)
    layers[0][1][...] = 0  # "resets" the first bias afterwards
    return x


WRONG = {
    "02.xor_net": [
        lambda: (np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([-0.5, -1.5]),
                 np.array([1.0, 1.0]), -0.5),  # OR of OR and AND = OR
        lambda: (np.ones((2, 2)), np.array([-1.0, -2.0]), np.array([1.0, -1.0]), -0.5),
        lambda: (np.ones((2, 2)), np.zeros(2), np.ones(2), 0.0),  # on the threshold
        lambda: (np.ones(4), np.zeros(2), np.ones(2), 0.0),  # wrong shape
        lambda: "XOR",
    ],
    "02.xnor_relu_net": [
        lambda: (np.ones((2, 2)), np.array([0.0, -1.0]), np.array([1.0, -2.0]), 0.0),  # XOR
        lambda: (np.ones((2, 2)), np.array([0.0, -1.0]), np.array([-0.9, 1.8]), 0.95),  # near
        lambda: (np.ones((2, 2)), np.array([-0.5, -1.5]), np.array([-1.0, 1.0]), 1.0),  # steps
        lambda: (np.ones((2, 2)), np.zeros(2), np.ones(3), 1.0),  # w2 of the wrong length
    ],
    "02.collapse": [
        lambda w1, b1, w2, b2: (w1 @ w2, b1 + b2),  # bias not carried through W2
        lambda w1, b1, w2, b2: (w2.T @ w1.T, b1 @ w2 + b2),
        lambda w1, b1, w2, b2: w1 @ w2,
    ],
    "02.mlp_forward": [
        lambda x, layers, f: _forward(x, layers, f, last=True),  # f after the output layer too
        lambda x, layers, f: _forward(x, layers, f, between=False),  # no nonlinearity: linear
        lambda x, layers, f: _forward(x, layers, f, transpose=True),  # W^T: square layers only
        _two_layers_only,
        _in_place_forward,
        lambda x, layers, f: np.zeros((len(x), layers[-1][0].shape[1])),
        lambda x, layers, f: forward_stack([Layer(*layer) for layer in layers], x,  # the key
                                           activation="tanh"),
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
