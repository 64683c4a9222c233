"""Exercises of notebook 09 (modern architectures), checked against torch."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from course_utils.exercises import CheckFailed, answer_array, answer_number, exercise


@exercise("09.batchnorm_forward", title="batch normalisation in training mode")
def _bn(answer) -> None:
    rng = np.random.default_rng(12)
    for n, c in [(8, 3), (2, 5), (16, 1)]:
        x = rng.normal(loc=2, scale=3, size=(n, c))
        gamma, beta = rng.uniform(0.5, 2, size=c), rng.normal(size=c)
        bn = nn.BatchNorm1d(c).double()
        with torch.no_grad():
            bn.weight.copy_(torch.tensor(gamma))
            bn.bias.copy_(torch.tensor(beta))
        expected = bn(torch.tensor(x)).detach().numpy()
        got = answer_array(answer(x.copy(), gamma.copy(), beta.copy(), 1e-5),
                           "batchnorm_forward(x, gamma, beta, eps)", shape=x.shape)
        unbiased = (x - x.mean(0)) / np.sqrt(x.var(0, ddof=1) + 1e-5) * gamma + beta
        if np.allclose(got, unbiased) and not np.allclose(got, expected):
            raise CheckFailed("training mode divides by the biased variance (mean of the "
                              "squared deviations, ddof=0), as nn.BatchNorm1d does")
        if not np.allclose(got, expected, atol=1e-9):
            raise CheckFailed("normalise each column (channel) over the batch (axis 0), then "
                              "multiply by gamma and add beta")


@exercise("09.vgg_weights", title="three 3x3 convolutions against one 7x7")
def _vgg(answer) -> None:
    for c in (1, 16, 64, 512):
        got = answer(c)
        if not isinstance(got, tuple | list) or len(got) != 2:
            raise CheckFailed("return a pair: (weights of three 3x3 layers, weights of one 7x7)")
        three = answer_number(got[0], "three 3x3 weights", integer=True)
        one = answer_number(got[1], "one 7x7 weights", integer=True)
        stack = sum(nn.Conv2d(c, c, 3, bias=False).weight.numel() for _ in range(3))
        single = nn.Conv2d(c, c, 7, bias=False).weight.numel()
        if (three, one) != (stack, single):
            raise CheckFailed(f"for C = {c} channels in and out: three 3x3 layers have "
                              f"{stack:,} weights and one 7x7 has {single:,}; each layer has "
                              "C x C x K x K")
