"""Wrong answers to notebook 01's exercises: each must fail with a hint."""

import numpy as np

from course_utils.perceptron import BOOLEAN_FUNCTIONS


def _in_place(w, x, y, lr):
    w += lr * y * x
    return w


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
    ],
    "01.separable_functions": [
        lambda: set(BOOLEAN_FUNCTIONS),  # all 16
        lambda: set(BOOLEAN_FUNCTIONS) - {"0110", "1001", "0000"},
        lambda: 14,
        lambda: {"AND", "OR"},
    ],
}
