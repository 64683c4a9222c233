"""Wrong answers to notebook 05's exercises: each must fail with a hint."""

import math

WRONG = {
    "05.xavier_std": [
        lambda fan_in, fan_out: math.sqrt(2 / fan_in),  # He
        lambda fan_in, fan_out: 2 / (fan_in + fan_out),  # the variance, not the std
        lambda fan_in, fan_out: 0.01,
        lambda fan_in, fan_out: [0.1],
    ],
    "05.inverted_dropout": [
        lambda x, keep, p: x * keep,  # not rescaled
        lambda x, keep, p: x * keep * (1 - p),
        lambda x, keep, p: x * ~keep / (1 - p),  # dropped the wrong units
    ],
}
