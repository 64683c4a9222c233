"""Exercises of notebooks 06 and 07 (convolution, layer arithmetic), checked against torch."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from course_utils.exercises import CheckFailed, answer_array, answer_number, exercise


@exercise("06.correlate", title="2D cross-correlation of an image with a kernel")
def _correlate(answer) -> None:
    rng = np.random.default_rng(9)
    cases = [(np.array([[3, 2, 1], [1, 2, 3], [1, 1, 1.0]]),
              np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1.0]]))]
    cases += [(rng.normal(size=(h, w)), rng.normal(size=(k, k)))
              for h, w, k in [(5, 6, 3), (4, 4, 1), (7, 5, 2)]]
    for image, kernel in cases:
        expected = F.conv2d(torch.tensor(image)[None, None], torch.tensor(kernel)[None, None])
        expected = expected[0, 0].numpy()
        got = answer_array(answer(image.copy(), kernel.copy()), "correlate(image, kernel)",
                           shape=expected.shape)
        flipped = F.conv2d(torch.tensor(image)[None, None],
                           torch.tensor(kernel[::-1, ::-1].copy())[None, None])[0, 0].numpy()
        if not np.allclose(flipped, expected) and np.allclose(got, flipped):
            raise CheckFailed("you flipped the kernel: that is convolution; deep learning's "
                              "'convolution' is cross-correlation, no flip")
        if not np.allclose(got, expected, atol=1e-9):
            raise CheckFailed(f"for a {image.shape} image and a {kernel.shape} kernel, output "
                              f"[0, 0] should be {expected[0, 0]:.4f}: the sum of "
                              "image[0:k, 0:k] * kernel")


@exercise("06.max_pool", title="2x2 max pooling with stride 2")
def _max_pool(answer) -> None:
    rng = np.random.default_rng(10)
    for h, w in [(4, 4), (2, 6), (6, 2)]:
        x = rng.normal(size=(h, w))
        expected = F.max_pool2d(torch.tensor(x)[None, None], 2)[0, 0].numpy()
        got = answer_array(answer(x.copy()), "max_pool(x)", shape=expected.shape)
        if np.allclose(got, F.avg_pool2d(torch.tensor(x)[None, None], 2)[0, 0].numpy()):
            raise CheckFailed("that is average pooling: take the maximum of each 2x2 block")
        if not np.allclose(got, expected):
            raise CheckFailed(f"for a {x.shape} input expected {expected.round(3).tolist()}")


def _output_size_cases() -> list[tuple[int, int, int, int]]:
    """Deck sizes, sizes that do not fit (odd, not divisible), a kernel wider than the
    padded input, and random settings from a fixed seed."""
    cases = [(7, 3, 1, 0), (7, 3, 2, 0), (32, 5, 1, 2), (227, 11, 4, 0), (224, 3, 1, 1),
             (10, 4, 2, 1), (7, 3, 3, 0), (224, 11, 4, 2), (100, 5, 2, 0), (5, 7, 1, 0),
             (5, 7, 1, 1), (1, 1, 1, 0), (9, 2, 2, 0)]
    rng = np.random.default_rng(12)
    cases += [(int(rng.integers(1, 60)), int(rng.integers(1, 8)), int(rng.integers(1, 5)),
               int(rng.integers(0, 4))) for _ in range(12)]
    return cases


@exercise("07.output_size", title="the output size of a convolution")
def _output_size(answer) -> None:
    for size, k, s, p in _output_size_cases():
        span = size + 2 * p - k
        fits = span >= 0 and span % s == 0
        what = f"output_size({size}, {k}, {s}, {p})"
        try:
            got = answer(size, k, s, p)
        except ValueError as error:
            if fits:
                raise CheckFailed(f"{what} raised ValueError ({error}), but it fits: "
                                  f"({size} - {k} + 2*{p}) / {s} + 1 = {span // s + 1}") from None
            continue
        if not fits:
            why = (f"the {k}-wide kernel is wider than the padded input ({size + 2 * p})"
                   if span < 0 else f"({size} - {k} + 2*{p}) / {s} + 1 = {span / s + 1:.2f} "
                   "is not a whole number (PyTorch would floor it)")
            raise CheckFailed(f"{what} returned {got!r}, but {why}: raise a ValueError")
        got = answer_number(got, what, integer=True)
        expected = nn.Conv1d(1, 1, k, s, p)(torch.zeros(1, 1, size)).shape[-1]
        if got != expected:
            raise CheckFailed(f"for W={size}, K={k}, S={s}, P={p} the output has {expected} "
                              f"values, you said {got}: (W - K + 2P) / S + 1")


@exercise("07.count_params", title="the parameters of a convolutional layer")
def _conv_params(answer) -> None:
    rng = np.random.default_rng(13)
    cases = [(3, 10, 5), (3, 96, 11), (64, 128, 3), (1, 6, 5), (256, 64, 1), (16, 16, 2)]
    cases += [tuple(int(v) for v in (rng.integers(1, 65), rng.integers(1, 65),
                                     rng.integers(1, 8))) for _ in range(5)]
    for c_in, c_out, k in cases:
        got = answer_number(answer(c_in, c_out, k), f"count_params({c_in}, {c_out}, {k})",
                            integer=True)
        expected = sum(p.numel() for p in nn.Conv2d(c_in, c_out, k).parameters())
        if got == c_out * c_in * k * k:
            raise CheckFailed("you forgot the biases: one per output channel")
        if got != expected:
            raise CheckFailed(f"Conv2d({c_in}, {c_out}, {k}) has {expected} parameters, you "
                              f"said {got}: C_out x C_in x K x K weights + C_out biases")
