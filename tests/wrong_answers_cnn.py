"""Wrong answers to notebook 08's exercises: each must fail with a hint."""

import math

import numpy as np

WRONG = {
    "08.balanced_error_rate": [
        lambda y, pred: float(np.mean(y != pred)),  # plain error rate
        lambda y, pred: 1 - float(np.mean(y == pred)) / 2,
        lambda y, pred: np.mean([np.mean(pred[y == k] == k) for k in np.unique(y)]),  # accuracy
        # Classes taken as 0..K-1: wrong when the labels are, say, 1, 3 and 7.
        lambda y, pred: float(np.mean([np.mean(pred[y == k] != k)
                                       for k in range(len(np.unique(y)))])),
    ],
    "08.fc_inputs": [
        lambda size: 8 * 6 * 6,  # the deck's number
        lambda size: 8 * (size // 4) ** 2,
        lambda size: (size // 8) ** 2,
        # Rounds up: right on multiples of 8 only (100 px gives 1352, the model needs 1152);
        # the checker accepted it when it tested 224, 64, 32 and 48 alone.
        lambda size: 8 * math.ceil(size / 8) ** 2,
        lambda size: 8 * round(size / 8) ** 2,  # rounds to nearest: 37 px gives 200, not 128
        lambda size: 8 * ((size + 1) // 2 // 2 // 2) ** 2,  # ceil_mode pooling at 37, 75, ...
    ],
}
