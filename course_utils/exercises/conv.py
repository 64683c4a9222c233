"""Exercises of notebooks 06 and 07 (convolution, layer arithmetic), checked against torch."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from course_utils.exercises import CheckFailed, answer_array, answer_number, exercise


def _correlate_cases():
    """The deck's Sobel patch, then random images and kernels: square and not, both ways
    round (a kernel taller than wide and wider than tall), 1-wide, over several seeds."""
    cases = [(np.array([[3, 2, 1], [1, 2, 3], [1, 1, 1.0]]),
              np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1.0]]))]
    for seed in (9, 19, 29):
        rng = np.random.default_rng(seed)
        cases += [(rng.normal(size=(h, w)), rng.normal(size=(kh, kw)))
                  for h, w, kh, kw in [(5, 6, 3, 3), (4, 4, 1, 1), (7, 5, 2, 2), (6, 9, 2, 3),
                                       (8, 5, 3, 1), (5, 7, 1, 4), (4, 6, 4, 2)]]
    return cases


@exercise("06.correlate", title="2D cross-correlation of an image with a kernel")
def _correlate(answer) -> None:
    for image, kernel in _correlate_cases():
        expected = F.conv2d(torch.tensor(image)[None, None], torch.tensor(kernel)[None, None])
        expected = expected[0, 0].numpy()
        image_in, kernel_in = image.copy(), kernel.copy()
        got = answer(image_in, kernel_in)
        if got is image_in or got is kernel_in:
            raise CheckFailed("return a new array (the output), not the input you were given")
        got = answer_array(got, f"correlate(image {image.shape}, kernel {kernel.shape})",
                           shape=expected.shape)
        if not (np.array_equal(image_in, image) and np.array_equal(kernel_in, kernel)):
            raise CheckFailed("correlate changed the image or the kernel it was given: "
                              "leave the inputs as they are")
        flipped = F.conv2d(torch.tensor(image)[None, None],
                           torch.tensor(kernel[::-1, ::-1].copy())[None, None])[0, 0].numpy()
        if not np.allclose(flipped, expected) and np.allclose(got, flipped):
            raise CheckFailed("you flipped the kernel: that is convolution; deep learning's "
                              "'convolution' is cross-correlation, no flip")
        if not np.allclose(got, expected, atol=1e-9):
            raise CheckFailed(f"for a {image.shape} image and a {kernel.shape} kernel (K_H x "
                              f"K_W = {kernel.shape[0]} x {kernel.shape[1]}), output [0, 0] "
                              f"should be {expected[0, 0]:.4f}: the sum of "
                              "image[0:K_H, 0:K_W] * kernel; the kernel need not be square")


@exercise("06.max_pool", title="2x2 max pooling with stride 2")
def _max_pool(answer) -> None:
    for seed in (10, 20, 30):
        rng = np.random.default_rng(seed)
        for h, w in [(4, 4), (2, 6), (6, 2), (8, 4), (2, 2), (6, 10)]:
            x = rng.normal(size=(h, w))
            expected = F.max_pool2d(torch.tensor(x)[None, None], 2)[0, 0].numpy()
            x_in = x.copy()
            got = answer(x_in)
            if got is x_in:
                raise CheckFailed("return a new, smaller array, not the input")
            got = answer_array(got, f"max_pool(x of shape {x.shape})", shape=expected.shape)
            if not np.array_equal(x_in, x):
                raise CheckFailed("max_pool changed the array it was given: leave x as it is")
            if np.allclose(got, F.avg_pool2d(torch.tensor(x)[None, None], 2)[0, 0].numpy()):
                raise CheckFailed("that is average pooling: take the maximum of each 2x2 block")
            if not np.allclose(got, expected):
                raise CheckFailed(f"for a {x.shape} input expected {expected.round(3).tolist()}")


def _pool_backward_cases():
    """(x, dout, kernel, stride) with random shapes: square and non-square windows, strides
    smaller than (overlapping windows), equal to and larger than the window, and sides the
    windows do not tile (torch floors: the leftover rows/columns get no gradient)."""
    cases = []
    for seed in (11, 21, 31):
        rng = np.random.default_rng(seed)
        for h, w, k, s in [(4, 4, (2, 2), (2, 2)), (5, 7, (2, 3), (2, 2)), (6, 5, (3, 2), (1, 1)),
                           (7, 6, (3, 3), (2, 3)), (5, 5, (1, 2), (2, 1)), (9, 4, (4, 1), (3, 2)),
                           (3, 8, (2, 2), (1, 3))]:
            x = rng.normal(size=(h, w))  # continuous values: no ties for the maximum
            out_h, out_w = (h - k[0]) // s[0] + 1, (w - k[1]) // s[1] + 1
            cases.append((x, rng.normal(size=(out_h, out_w)), k, s))
    return cases


@exercise("06.max_pool_backward", title="the gradient of max pooling, against torch autograd")
def _max_pool_backward(answer) -> None:
    for x, dout, k, s in _pool_backward_cases():
        xt = torch.tensor(x, requires_grad=True)
        F.max_pool2d(xt[None, None], k, s)[0, 0].backward(torch.tensor(dout))
        expected = xt.grad.numpy()
        x_in, dout_in = x.copy(), dout.copy()
        got = answer(dout_in, x_in, k, s)
        if got is x_in or got is dout_in:
            raise CheckFailed("return a new array dx (zeros, then the gradient added in)")
        what = f"max_pool_backward(dout {dout.shape}, x {x.shape}, kernel={k}, stride={s})"
        got = answer_array(got, what, shape=x.shape)
        if not (np.array_equal(x_in, x) and np.array_equal(dout_in, dout)):
            raise CheckFailed("max_pool_backward changed x or dout: leave its inputs as they are")
        xa = torch.tensor(x, requires_grad=True)
        F.avg_pool2d(xa[None, None], k, s)[0, 0].backward(torch.tensor(dout))
        if np.allclose(got, xa.grad.numpy()):
            raise CheckFailed("the gradient is spread over the window: that is average "
                              "pooling; max pooling sends it only to the window's maximum")
        if not np.allclose(got, expected, atol=1e-12):
            wrong = np.argwhere(~np.isclose(got, expected, atol=1e-12))[0]
            raise CheckFailed(f"{what}: dx{tuple(wrong)} should be "
                              f"{expected[tuple(wrong)]:.4f}, you gave {got[tuple(wrong)]:.4f}. "
                              "Window (i, j) covers rows i*S_H .. i*S_H+K_H-1 and columns "
                              "j*S_W .. j*S_W+K_W-1; its maximum receives dout[i, j], and "
                              "where windows overlap the gradients add up")


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
