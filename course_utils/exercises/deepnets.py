"""Exercises of notebook 05 (training deep networks), checked against PyTorch."""

from __future__ import annotations

import math

import numpy as np
import torch

from course_utils.exercises import CheckFailed, answer_array, answer_number, exercise


@exercise("05.xavier_std", title="the standard deviation of Xavier (Glorot) initialisation")
def _xavier_std(answer) -> None:
    for fan_in, fan_out in [(64, 64), (784, 100), (3, 500), (1, 1)]:
        got = answer_number(answer(fan_in, fan_out), f"xavier_std({fan_in}, {fan_out})")
        expected = math.sqrt(2.0 / (fan_in + fan_out))
        if not math.isclose(got, expected, rel_tol=1e-9):
            he = math.isclose(got, math.sqrt(2 / fan_in))
            hint = ("that is He's sqrt(2 / fan_in)" if he else
                    "keep the variance of activations and of gradients: 2 / (fan_in + fan_out)")
            raise CheckFailed(f"for fan_in={fan_in}, fan_out={fan_out} expected "
                              f"{expected:.5f}, got {got:.5f}: {hint}")
    big = torch.empty(400, 600)
    torch.nn.init.xavier_normal_(big)
    if not math.isclose(float(big.std()), answer(600, 400), rel_tol=0.02):
        raise CheckFailed("does not match the spread of torch.nn.init.xavier_normal_")


@exercise("05.inverted_dropout", title="inverted dropout, as nn.Dropout in training mode")
def _inverted_dropout(answer) -> None:
    rng = np.random.default_rng(8)
    for p in (0.5, 0.2, 0.9):
        x = rng.normal(size=(6, 5))
        keep = rng.random(size=x.shape) >= p
        got = answer_array(answer(x.copy(), keep.copy(), p), "inverted_dropout(x, keep, p)",
                           shape=x.shape)
        expected = x * keep / (1 - p)  # nn.Dropout scales kept units by 1 / (1 - p)
        if np.allclose(got, x * keep):
            raise CheckFailed("the kept units must be scaled by 1 / (1 - p), so that the "
                              "expected output equals the input and eval mode needs no change")
        if not np.allclose(got, expected, atol=1e-12):
            raise CheckFailed(f"for p = {p} expected x * keep / (1 - p)")
