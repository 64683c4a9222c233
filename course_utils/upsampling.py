"""Upsampling inside a network: transposed convolution and max unpooling, in numpy (nb 12).

Names and signatures mirror ``torch.nn.functional`` (numpy arrays in and out, NCHW), so F
is the oracle in every test:

- ``conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0,
  dilation=1)`` computes what ``F.conv_transpose2d`` computes. ``weight`` is
  ``C_in x C_out x K_H x K_W`` (a convolution's, transposed). Every input pixel stamps a
  copy of the kernel, scaled by its value, into the output, ``stride`` pixels apart; where
  stamps overlap they add up. ``padding`` crops the result. Its output size is
  ``course_utils.arithmetic.conv_transpose_output_size``. It is the gradient of a
  convolution with respect to its input, hence the name (the matrix of a convolution,
  transposed), and ``conv_transpose2d_backward`` is a convolution.
- ``max_pool2d_with_indices`` remembers where each maximum came from (flat index in its
  H x W plane, as torch); ``max_unpool2d`` puts each value back there, zeros elsewhere
  (SegNet, DeconvNet).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from course_utils.arithmetic import conv_transpose_output_size
from course_utils.conv import _check_conv, _floats, _pair, max_pool2d_forward
from course_utils.validate import as_array, check_shape

__all__ = [
    "TransposeCache", "conv_transpose2d_loops", "conv_transpose2d_forward", "conv_transpose2d",
    "conv_transpose2d_backward", "overlap_counts", "bilinear_kernel", "max_pool2d_with_indices",
    "max_unpool2d", "max_unpool2d_backward", "difference_from_torch",
]


def _check_transpose(x, weight, bias):
    return _check_conv(x, weight, bias, transposed=True)


class TransposeCache(NamedTuple):
    x: np.ndarray
    weight: np.ndarray
    stride: tuple[int, int]
    padding: tuple[int, int]
    output_padding: tuple[int, int]
    dilation: tuple[int, int]
    full_shape: tuple[int, ...]  # the uncropped output, before ``padding`` is removed


def _settings(stride, padding, output_padding, dilation):
    return (_pair(stride, "stride"), _pair(padding, "padding"),
            _pair(output_padding, "output_padding"), _pair(dilation, "dilation"))


def _full_shape(x, weight, stride, padding, output_padding, dilation):
    """The uncropped output; the size formula raises on settings torch refuses."""
    (n, _, h, w), (_, c_out, kh, kw) = x.shape, weight.shape
    for axis, size, k in ((0, h, kh), (1, w, kw)):
        conv_transpose_output_size(size, k, stride[axis], padding[axis], output_padding[axis],
                                   dilation[axis])
    return (n, c_out, (h - 1) * stride[0] + dilation[0] * (kh - 1) + 1 + output_padding[0],
            (w - 1) * stride[1] + dilation[1] * (kw - 1) + 1 + output_padding[1])


def _tap(a: int, b: int, h: int, w: int, stride, dilation):
    """The strided grid of output pixels that kernel tap (a, b) of every input pixel hits."""
    return (slice(None), slice(None),
            slice(a * dilation[0], a * dilation[0] + (h - 1) * stride[0] + 1, stride[0]),
            slice(b * dilation[1], b * dilation[1] + (w - 1) * stride[1] + 1, stride[1]))


def _crop(full_shape, padding):
    (ph, pw), (fh, fw) = padding, full_shape[2:]
    return slice(None), slice(None), slice(ph, fh - ph), slice(pw, fw - pw)


def conv_transpose2d_loops(x, weight, bias=None, stride=1, padding=0, output_padding=0,
                           dilation=1) -> np.ndarray:
    """The readable version: each input pixel adds ``x[n, c, i, j] * weight[c]`` (a
    C_out x K_H x K_W stamp) to the output at ``(i * stride, j * stride)``, then crop."""
    x, weight, bias = _check_transpose(x, weight, bias)
    stride, padding, output_padding, dilation = _settings(stride, padding, output_padding,
                                                          dilation)
    full = np.zeros(_full_shape(x, weight, stride, padding, output_padding, dilation))
    _, _, kh, kw = weight.shape
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(x.shape[2]):
                for j in range(x.shape[3]):
                    top, left = i * stride[0], j * stride[1]
                    full[n, :, top:top + dilation[0] * (kh - 1) + 1:dilation[0],
                         left:left + dilation[1] * (kw - 1) + 1:dilation[1]] += (
                        x[n, c, i, j] * weight[c])  # one stamp; overlaps add up
    out = full[_crop(full.shape, padding)]
    return out if bias is None else out + bias[None, :, None, None]


def conv_transpose2d_forward(x, weight, bias=None, stride=1, padding=0, output_padding=0,
                             dilation=1) -> tuple[np.ndarray, TransposeCache]:
    """Vectorised: every input pixel times every kernel tap at once, then one strided add
    per tap (K_H x K_W of them). Returns the output and a cache for the backward pass."""
    x, weight, bias = _check_transpose(x, weight, bias)
    stride, padding, output_padding, dilation = _settings(stride, padding, output_padding,
                                                          dilation)
    full_shape = _full_shape(x, weight, stride, padding, output_padding, dilation)
    full = np.zeros(full_shape, dtype=x.dtype)
    taps = np.einsum("nchw,cokl->noklhw", x, weight, optimize=True)  # [N, C_out, KH, KW, H, W]
    for a in range(weight.shape[2]):
        for b in range(weight.shape[3]):
            full[_tap(a, b, *x.shape[2:], stride, dilation)] += taps[:, :, a, b]
    out = full[_crop(full_shape, padding)]
    if bias is not None:
        out = out + bias[None, :, None, None]
    return out, TransposeCache(x, weight, stride, padding, output_padding, dilation,
                               full_shape)


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0,
                     dilation=1) -> np.ndarray:
    """What ``F.conv_transpose2d`` computes (groups=1); see ``conv_transpose2d_loops``."""
    return conv_transpose2d_forward(x, weight, bias, stride, padding, output_padding,
                                    dilation)[0]


def conv_transpose2d_backward(dout, cache: TransposeCache
                              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients (dx, dweight, dbias) given dout [N, C_out, OH, OW].

    Each tap read back the grid it wrote to: dx is a strided convolution of dout with the
    same weight (the forward's forward is a convolution's backward, and vice versa).
    """
    x, weight = cache.x, cache.weight
    out_shape = tuple(cache.full_shape[:2]) + tuple(
        f - 2 * p for f, p in zip(cache.full_shape[2:], cache.padding, strict=True))
    dout = as_array(dout, "dout", shape=out_shape)
    dfull = np.zeros(cache.full_shape)
    dfull[_crop(cache.full_shape, cache.padding)] = dout  # the cropped border got nothing
    taps = np.stack([np.stack([dfull[_tap(a, b, *x.shape[2:], cache.stride, cache.dilation)]
                               for b in range(weight.shape[3])], axis=2)
                     for a in range(weight.shape[2])], axis=2)  # [N, C_out, KH, KW, H, W]
    dx = np.einsum("noklhw,cokl->nchw", taps, weight, optimize=True)  # dL/dx = sum W dL/dout
    dw = np.einsum("nchw,noklhw->cokl", x, taps, optimize=True)  # dL/dW = sum x dL/dout
    return dx, dw, dout.sum(axis=(0, 2, 3))


def overlap_counts(size: int, kernel: int, stride: int) -> np.ndarray:
    """How many kernel stamps cover each output pixel when a ``size`` x ``size`` map of ones
    goes through a transposed convolution with an all-ones ``kernel`` x ``kernel`` weight.
    Uneven counts are the checkerboard pattern (Odena et al., 2016): kernel not divisible
    by stride."""
    ones = np.ones((1, 1, size, size))
    return conv_transpose2d(ones, np.ones((1, 1, kernel, kernel)), stride=stride)[0, 0]


def bilinear_kernel(factor: int) -> np.ndarray:
    """The K x K kernel (K = 2 factor - factor % 2) with which a transposed convolution of
    stride ``factor`` (padding ``(K - factor + 1) // 2``) is bilinear upsampling: how FCN
    initialised its upsampling layers."""
    if not isinstance(factor, int) or isinstance(factor, bool) or factor < 1:
        raise ValueError(f"factor must be a whole number >= 1, got {factor!r}")
    size = 2 * factor - factor % 2
    centre = factor - 1 if size % 2 == 1 else factor - 0.5
    ramp = 1 - np.abs(np.arange(size) - centre) / factor  # a tent, peak 1 at the centre
    return np.outer(ramp, ramp)


def max_pool2d_with_indices(x, kernel_size, stride=None, padding=0
                            ) -> tuple[np.ndarray, np.ndarray]:
    """Max pooling and, for each output, the flat index ``row * W + col`` of its maximum in
    its input plane (what ``F.max_pool2d(..., return_indices=True)`` returns)."""
    out, cache = max_pool2d_forward(x, kernel_size, stride, padding)
    n, c, oh, ow = out.shape
    ki, kj = np.divmod(cache.index.reshape(n, c, oh, ow), cache.kernel[1])  # within window
    rows = np.arange(oh)[:, None] * cache.stride[0] - cache.padding[0] + ki
    cols = np.arange(ow)[None, :] * cache.stride[1] - cache.padding[1] + kj
    return out, rows * cache.x_shape[3] + cols


def max_unpool2d(x, indices, kernel_size, stride=None, padding=0, output_size=None
                 ) -> np.ndarray:
    """Each value of ``x`` put back where ``indices`` says its maximum came from; zeros
    elsewhere. Output size ``(H - 1) S - 2P + K`` unless ``output_size`` (H, W) is given."""
    x = _floats(x, "x")
    if x.ndim != 4:
        raise ValueError(f"x must be N x C x H x W, got shape {x.shape}")
    indices = as_array(indices, "indices", dtype="int")
    check_shape(indices, "indices", x.shape, like="x", why="one index per pooled value")
    k = _pair(kernel_size, "kernel_size")
    s, p = (k if stride is None else _pair(stride, "stride")), _pair(padding, "padding")
    if output_size is None:
        output_size = tuple((x.shape[2 + a] - 1) * s[a] - 2 * p[a] + k[a] for a in (0, 1))
    oh, ow = _pair(tuple(output_size)[-2:], "output_size")
    if indices.size and (indices.min() < 0 or indices.max() >= oh * ow):
        raise ValueError(f"indices must lie in 0..{oh * ow - 1} (the output is {oh} x {ow}), got "
                         f"{indices.min()}..{indices.max()}: were they made by a pooling of "
                         "this size?")
    out = np.zeros((x.shape[0], x.shape[1], oh * ow), dtype=x.dtype)
    np.put_along_axis(out, indices.reshape(*x.shape[:2], -1), x.reshape(*x.shape[:2], -1),
                      axis=2)
    return out.reshape(x.shape[0], x.shape[1], oh, ow)


def max_unpool2d_backward(dout, indices) -> np.ndarray:
    """dL/dx: each input value went to one place, so its gradient is read back from there."""
    indices = as_array(indices, "indices", dtype="int")
    dout = as_array(dout, "dout")
    if dout.ndim != 4 or indices.ndim != 4:
        raise ValueError(f"dout (the unpooled gradient) and indices (one per pooled value) must "
                         f"both be N x C x H x W, got dout {dout.shape} and indices "
                         f"{indices.shape}")
    check_shape(indices, "indices", (*dout.shape[:2], None, None), why="dout's N x C")
    size = dout.shape[2] * dout.shape[3]
    if indices.size and (indices.min() < 0 or indices.max() >= size):
        raise ValueError(f"indices must lie in 0..{size - 1} (dout is {dout.shape[2]} x "
                         f"{dout.shape[3]}), got {indices.min()}..{indices.max()}")
    flat = dout.reshape(*dout.shape[:2], size)
    n, c, h, w = indices.shape
    return np.take_along_axis(flat, indices.reshape(n, c, h * w),
                              axis=2).reshape(indices.shape)



def difference_from_torch(x, weight, bias=None, *, seed: int = 0, **settings) -> dict[str, float]:
    """Largest absolute differences of our transposed convolution from torch's, in float64:
    the outputs of ``conv_transpose2d_loops`` and ``conv_transpose2d`` against
    ``F.conv_transpose2d``, and ``conv_transpose2d_backward`` against autograd for a random
    upstream gradient (drawn with ``seed``). ``settings``: stride, padding, ... (nb 12)."""
    import torch
    import torch.nn.functional as F

    x, weight, bias = _check_transpose(x, weight, bias)
    if not x.size or not weight.size:
        raise ValueError(f"x and weight must not be empty (nothing to compare), got x {x.shape} "
                         f"and weight {weight.shape}")
    tensors = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, weight)]
    tb = None if bias is None else torch.tensor(bias, dtype=torch.float64, requires_grad=True)
    expected = F.conv_transpose2d(*tensors, tb, **settings)
    ours, cache = conv_transpose2d_forward(x, weight, bias, **settings)
    dout = np.random.default_rng(seed).normal(size=ours.shape)
    expected.backward(torch.tensor(dout))
    dx, dw, db = conv_transpose2d_backward(dout, cache)
    pairs = {"output (loops)": (conv_transpose2d_loops(x, weight, bias, **settings), expected),
             "output": (ours, expected), "dx": (dx, tensors[0].grad),
             "dweight": (dw, tensors[1].grad)}
    if tb is not None:
        pairs["dbias"] = (db, tb.grad)
    return {name: float(np.abs(a - b.detach().numpy()).max()) for name, (a, b) in pairs.items()}
