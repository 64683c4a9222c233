"""Wrong answers to notebook 09's exercises: each must fail with a hint."""

import numpy as np

WRONG = {
    "09.batchnorm_forward": [
        lambda x, g, b, eps: (x - x.mean(0)) / np.sqrt(x.var(0, ddof=1) + eps) * g + b,
        lambda x, g, b, eps: (x - x.mean(1, keepdims=True)) / np.sqrt(
            x.var(1, keepdims=True) + eps) * g + b,  # per sample, not per channel
        lambda x, g, b, eps: (x - x.mean(0)) / np.sqrt(x.var(0) + eps),  # no gamma, beta
    ],
    "09.vgg_weights": [
        lambda c: (27 * c, 49 * c),
        lambda c: (9 * c * c, 49 * c * c),
        lambda c: 27 * c * c,
    ],
}
