"""Wrong answers to notebook 01's exercises: each must fail with a hint."""

import numpy as np

from course_utils.perceptron import BOOLEAN_FUNCTIONS, perceptron_train


def _in_place(w, x, y, lr):
    w += lr * y * x
    return w


def _returns_input(w, x, y, lr):
    return w if y * (w @ x) > 0 else w + lr * y * x  # no copy: the caller's array itself


def _scales_x_in_place(w, x, y, lr):
    if y * (w @ x) > 0:
        return w.copy()
    x *= lr * y  # reuses x~ as scratch space: the caller's sample is changed
    return w + x


def _written_for_two_inputs(w, x, y, lr):
    if y * (w[0] * x[0] + w[1] * x[1] + w[2]) > 0:  # w1 x1 + w2 x2 + b: two features only
        return w.copy()
    return w + lr * y * x


def _fit_loop(x, y, lr, max_epochs, *, on_zero=True, epochs=None, bias=True, seed=None):
    """The learning rule with one thing changed (the reference has all defaults)."""
    x_tilde = np.hstack([x, np.ones((len(x), 1))]) if bias else np.asarray(x, float)
    w = np.zeros(x_tilde.shape[1])
    order = np.arange(len(x))
    for _ in range(max_epochs if epochs is None else epochs):
        if seed is not None:
            order = np.random.default_rng(seed).permutation(len(x))
        updates = 0
        for i in order:
            margin = y[i] * (w @ x_tilde[i])
            if margin < 0 or (on_zero and margin == 0):
                w, updates = w + lr * y[i] * x_tilde[i], updates + 1
        if updates == 0:
            break
    return w if bias else np.append(w, 0.0)


WRONG = {
    "01.nand_weights": [
        lambda: np.array([1.0, 1.0, -1.0]),  # the AND weights
        lambda: np.array([-1.0, -1.0, 0.0]),  # (+1, -1) and (-1, +1) sit on the boundary
        lambda: [1.0, 2.0],  # wrong length
        lambda: "NAND",
    ],
    "01.perceptron_update": [
        lambda w, x, y, lr: w + lr * y * x,  # updates even when already right
        lambda w, x, y, lr: w if y * (w @ x) < 0 else w + lr * y * x,  # ignores margin 0
        lambda w, x, y, lr: w if y * (w @ x) > 0 else w - lr * y * x,  # wrong direction
        _in_place,
        _returns_input,  # the answer that passed before the checker tested aliasing
        _scales_x_in_place,
        _written_for_two_inputs,  # right for the gates' 3 weights, wrong for 2, 4, 5, 8
    ],
    "01.perceptron_fit": [
        lambda x, y, lr, max_epochs: _fit_loop(x, y, lr, max_epochs, epochs=1),  # one sweep
        lambda x, y, lr, max_epochs: _fit_loop(x, y, lr, max_epochs, on_zero=False),  # w~ = 0
        lambda x, y, lr, max_epochs: _fit_loop(x, y, lr, max_epochs, bias=False),  # no bias
        lambda x, y, lr, max_epochs: _fit_loop(x, y, lr, max_epochs, seed=0),  # shuffled order
        lambda x, y, lr, max_epochs: _fit_loop(x[:, :2], y, lr, max_epochs),  # 2 features only
        lambda x, y, lr, max_epochs: np.zeros(x.shape[1] + 1),
        lambda x, y, lr, max_epochs: perceptron_train(  # the answer key, called, not built
            x, y, lr=lr, epochs=max_epochs).weights[-1],
    ],
    "01.separable_functions": [
        lambda: set(BOOLEAN_FUNCTIONS),  # all 16
        lambda: set(BOOLEAN_FUNCTIONS) - {"0110", "1001", "0000"},
        lambda: 14,
        lambda: {"AND", "OR"},
    ],
}
