"""Wrong answers to notebook 08's exercises: each must fail with a hint."""

import numpy as np

WRONG = {
    "08.balanced_error_rate": [
        lambda y, pred: float(np.mean(y != pred)),  # plain error rate
        lambda y, pred: 1 - float(np.mean(y == pred)) / 2,
        lambda y, pred: np.mean([np.mean(pred[y == k] == k) for k in np.unique(y)]),  # accuracy
    ],
    "08.fc_inputs": [
        lambda size: 8 * 6 * 6,  # the deck's number
        lambda size: 8 * (size // 4) ** 2,
        lambda size: (size // 8) ** 2,
    ],
}
