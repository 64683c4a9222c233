"""2D convolution and pooling in numpy, twice: readable loops and im2col (notebook 06).

Names and signatures mirror ``torch.nn.functional`` (numpy arrays in and out, NCHW), so F
is the oracle in every test: ``conv2d(x, weight, bias=None, stride=1, padding=0,
dilation=1)`` computes what F.conv2d computes, a *cross-correlation* (no kernel flip), as
every deep-learning library does. Each forward has a ``_backward`` returning the gradients.
Where torch floors an output size that does not fit, ours raises (see
``course_utils.arithmetic``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from course_utils.arithmetic import conv_output_size, pool_output_size
from course_utils.validate import as_array, as_number, check_shape

__all__ = [
    "conv2d_loops", "ConvCache", "im2col", "im2col_loops", "conv2d_forward", "conv2d",
    "conv2d_backward", "PoolCache", "max_pool2d_forward", "max_pool2d", "avg_pool2d_forward",
    "avg_pool2d", "max_pool2d_backward", "avg_pool2d_backward", "convolve2d", "correlate2d",
    "conv2d_backward_loops", "pool2d_loops",
]


_MINIMUM = {"kernel_size": 1, "stride": 1, "dilation": 1, "padding": 0, "output_padding": 0}


def _pair(v, name: str) -> tuple[int, int]:
    """An int or a pair of ints (height, width), never silently rounded, at least the
    smallest value torch allows for ``name``."""
    low = _MINIMUM.get(name)
    if isinstance(v, tuple | list):
        if len(v) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints, got {v!r}")
        return (as_number(v[0], name, integer=True, minimum=low),
                as_number(v[1], name, integer=True, minimum=low))
    v = as_number(v, name, integer=True, minimum=low)
    return v, v


def _floats(value, name: str) -> np.ndarray:
    """A finite float array, keeping float32 as float32 (speed) and making the rest float64."""
    array = as_array(value, name, dtype=None)
    return array if array.dtype in (np.float32, np.float64) else as_array(array, name)


def _check_conv(x, weight, bias, *, transposed: bool = False):
    """x [N, C, H, W] and a weight whose input channels match (C_out x C_in x K x K, or
    C_in x C_out x K x K for a transposed convolution), as floats; bias [C_out] or None."""
    x = _floats(x, "x")
    weight = _floats(weight, "weight").astype(x.dtype, copy=False)
    layout = "C_in x C_out x K_H x K_W" if transposed else "C_out x C_in x K_H x K_W"
    if x.ndim != 4:
        raise ValueError(f"x must be a batch N x C x H x W (4D), got shape {x.shape}; "
                         "for one image use x[None]")
    if weight.ndim != 4:
        raise ValueError(f"weight must be {layout}, got shape {weight.shape}")
    c_in, c_out = weight.shape[:2][::-1] if not transposed else weight.shape[:2]
    if c_in != x.shape[1]:
        kind = "a transposed convolution's" if transposed else "a convolution's"
        raise ValueError(f"{kind} weight is {layout}: weight {weight.shape} expects {c_in} "
                         f"input channels but x {x.shape} has {x.shape[1]}")
    if bias is not None:
        bias = as_array(bias, "bias")
        check_shape(bias, "bias", (c_out,), why=f"one per output channel of weight {weight.shape}")
    return x, weight, bias


def _sizes(x_shape, kh, kw, stride, padding, dilation):
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    oh = conv_output_size(x_shape[2], kh, sh, ph, dh)
    ow = conv_output_size(x_shape[3], kw, sw, pw, dw)
    return oh, ow


def conv2d_loops(x, weight, bias=None, stride=1, padding=0, dilation=1) -> np.ndarray:
    """The readable version: for every image, output channel and position, a dot product."""
    x, weight, bias = _check_conv(x, weight, bias)
    stride, padding, dilation = (_pair(v, n) for v, n in
                                 ((stride, "stride"), (padding, "padding"), (dilation, "dilation")))
    c_out, _, kh, kw = weight.shape
    oh, ow = _sizes(x.shape, kh, kw, stride, padding, dilation)
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    out = np.zeros((x.shape[0], c_out, oh, ow))
    for n in range(x.shape[0]):
        for c in range(c_out):
            for i in range(oh):
                for j in range(ow):
                    top, left = i * stride[0], j * stride[1]
                    patch = xp[n, :, top:top + dilation[0] * (kh - 1) + 1:dilation[0],
                               left:left + dilation[1] * (kw - 1) + 1:dilation[1]]
                    out[n, c, i, j] = np.sum(patch * weight[c])  # one dot product
    return out if bias is None else out + bias[None, :, None, None]


class ConvCache(NamedTuple):
    x_shape: tuple[int, ...]
    cols: np.ndarray  # [C*KH*KW, N*OH*OW]: one column per output position of every image
    weight: np.ndarray
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]


def _im2col_indices(c, kh, kw, oh, ow, stride, dilation):
    """Row/column indices into the padded image of every patch entry: [C*KH*KW, OH*OW]."""
    ki = np.repeat(np.arange(kh) * dilation[0], kw)
    kj = np.tile(np.arange(kw) * dilation[1], kh)
    rows = np.tile(ki, c)[:, None] + (np.repeat(np.arange(oh), ow) * stride[0])[None, :]
    cols = np.tile(kj, c)[:, None] + (np.tile(np.arange(ow), oh) * stride[1])[None, :]
    chans = np.repeat(np.arange(c), kh * kw)[:, None]
    return chans, rows, cols


def _windows(xp, kh, kw, oh, ow, stride, dilation) -> np.ndarray:
    """Every receptive field of the padded xp [N, C, H, W] as a read-only strided view
    [N, C, KH, KW, OH, OW]: entry (n, c, i, j, y, x) is xp[n, c, y*s + i*d, x*s + j*d]. No
    copy; reshaping it into columns makes the one copy im2col needs."""
    sn, sc, sh, sw = xp.strides
    return np.lib.stride_tricks.as_strided(
        xp, (*xp.shape[:2], kh, kw, oh, ow),
        (sn, sc, sh * dilation[0], sw * dilation[1], sh * stride[0], sw * stride[1]),
        writeable=False)


def _pad(x, padding):
    return np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))


def im2col(x, kh, kw, stride=1, padding=0, dilation=1) -> np.ndarray:
    """Every receptive field of x [N, C, H, W] as a column: [N, C*KH*KW, OH*OW]."""
    x = _floats(x, "x")
    if x.ndim != 4:
        raise ValueError(f"x must be a batch N x C x H x W (4D), got shape {x.shape}; "
                         "for one image use x[None]")
    kh, kw = _kernel_sides(kh, kw, x.shape[2:])
    stride, padding, dilation = _pair(stride, "stride"), _pair(padding, "padding"), \
        _pair(dilation, "dilation")
    oh, ow = _sizes(x.shape, kh, kw, stride, padding, dilation)
    n, c = x.shape[:2]
    return _windows(_pad(x, padding), kh, kw, oh, ow, stride, dilation).reshape(
        n, c * kh * kw, oh * ow)


def im2col_loops(image, kh: int, kw: int, stride: int = 1) -> np.ndarray:
    """im2col written out for one 2D image [H, W]: window number t (row-major over the
    output positions) becomes column t, read row by row: [KH*KW, OH*OW]. ``im2col`` does
    the same for a batch without loops, as a strided view (notebook 06 shows both)."""
    image = as_array(image, "image", shape=(None, None), nonempty=True)
    kh, kw = _kernel_sides(kh, kw, image.shape)
    oh = conv_output_size(image.shape[0], kh, stride, 0)
    ow = conv_output_size(image.shape[1], kw, stride, 0)
    cols = np.zeros((kh * kw, oh * ow))
    for i in range(oh):
        for j in range(ow):
            window = image[i * stride:i * stride + kh, j * stride:j * stride + kw]
            cols[:, i * ow + j] = window.ravel()  # one receptive field -> one column
    return cols


def _kernel_sides(kh, kw, size) -> tuple[int, int]:
    """kh and kw as whole numbers from 1 to the image's height and width."""
    kh = as_number(kh, "kh", minimum=1, maximum=size[0], integer=True)
    return kh, as_number(kw, "kw", minimum=1, maximum=size[1], integer=True)


def conv2d_forward(x, weight, bias=None, stride=1, padding=0, dilation=1
                   ) -> tuple[np.ndarray, ConvCache]:
    """im2col + one matrix product: out = W [C_out, C*K*K] @ cols; returns out and a cache.

    The columns of all N images sit side by side, [C*K*K, N*OH*OW], so the whole batch is a
    single BLAS call (a batched product of N smaller ones is slower).
    """
    x, weight, bias = _check_conv(x, weight, bias)
    stride, padding, dilation = (_pair(v, n) for v, n in
                                 ((stride, "stride"), (padding, "padding"), (dilation, "dilation")))
    c_out, c, kh, kw = weight.shape
    n = x.shape[0]
    oh, ow = _sizes(x.shape, kh, kw, stride, padding, dilation)
    windows = _windows(_pad(x, padding), kh, kw, oh, ow, stride, dilation)
    cols = windows.transpose(1, 2, 3, 0, 4, 5).reshape(c * kh * kw, n * oh * ow)
    out = (weight.reshape(c_out, -1) @ cols).reshape(c_out, n, oh, ow).transpose(1, 0, 2, 3)
    out = np.ascontiguousarray(out)
    if bias is not None:
        out += bias[None, :, None, None]
    return out, ConvCache(x.shape, cols, weight, stride, padding, dilation)


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1) -> np.ndarray:
    """What ``F.conv2d`` computes, vectorised (im2col); see ``conv2d_loops`` for the idea."""
    return conv2d_forward(x, weight, bias, stride, padding, dilation)[0]


def _dout(dout, expected: tuple[int, ...], forward: str) -> np.ndarray:
    """dout as floats of exactly the forward's output shape, or a ValueError saying which
    shape the forward (described in ``forward``) produced."""
    dout = as_array(dout, "dout")
    if dout.shape != expected:
        raise ValueError(f"dout must have the forward's output shape {expected} ({forward}), "
                         f"got {dout.shape}: pass the gradient of the output this cache "
                         "came with")
    return dout


def conv2d_backward(dout, cache: ConvCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients (dx, dweight, dbias) of ``conv2d_forward`` given dout [N, C_out, OH, OW]."""
    n, c, h, w = cache.x_shape
    c_out, _, kh, kw = cache.weight.shape
    oh, ow = _sizes(cache.x_shape, kh, kw, cache.stride, cache.padding, cache.dilation)
    dout = _dout(dout, (n, c_out, oh, ow),
                 f"x {tuple(cache.x_shape)}, weight {cache.weight.shape}, stride {cache.stride}, "
                 f"padding {cache.padding}, dilation {cache.dilation}")
    d2 = dout.transpose(1, 0, 2, 3).reshape(c_out, n * oh * ow)
    db = dout.sum(axis=(0, 2, 3))  # each bias is added at every position
    dw = (d2 @ cache.cols.T).reshape(cache.weight.shape)
    dcols = (cache.weight.reshape(c_out, -1).T @ d2).reshape(c, kh, kw, n, oh, ow)
    # col2im: each kernel offset (i, j) sends its gradients back to one strided slice of
    # the padded input; overlapping receptive fields add up.
    (ph, pw), (sh, sw), (dh, dw_) = cache.padding, cache.stride, cache.dilation
    dxp = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=dcols.dtype)
    for i in range(kh):
        for j in range(kw):
            dxp[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                j * dw_:j * dw_ + sw * (ow - 1) + 1:sw] += dcols[:, i, j].transpose(1, 0, 2, 3)
    return dxp[:, :, ph:ph + h, pw:pw + w], dw, db


class PoolCache(NamedTuple):
    x_shape: tuple[int, ...]
    index: np.ndarray  # max: flat index of each window's winner; avg: unused
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]


def _pool_cols(x, kernel_size, stride, padding, pad_value):
    x = as_array(x, "x")
    if x.ndim != 4:
        raise ValueError(f"x must be N x C x H x W, got shape {x.shape}")
    k = _pair(kernel_size, "kernel_size")
    s = k if stride is None else _pair(stride, "stride")
    p = _pair(padding, "padding")
    oh = pool_output_size(x.shape[2], k[0], s[0], p[0])
    ow = pool_output_size(x.shape[3], k[1], s[1], p[1])
    n, c = x.shape[:2]
    xp = np.pad(x.reshape(n * c, 1, *x.shape[2:]), ((0, 0), (0, 0), (p[0],) * 2, (p[1],) * 2),
                constant_values=pad_value)
    chans, rows, cols = _im2col_indices(1, k[0], k[1], oh, ow, s, (1, 1))
    return xp[:, chans, rows, cols][:, :, :], (n, c, oh, ow), k, s, p


def max_pool2d_forward(x, kernel_size, stride=None, padding=0):
    """Max pooling (as F.max_pool2d); padding counts as -inf. Returns out and a cache."""
    cols, (n, c, oh, ow), k, s, p = _pool_cols(x, kernel_size, stride, padding, -np.inf)
    index = cols.argmax(axis=1)  # [N*C, OH*OW]: first maximum, as torch
    out = np.take_along_axis(cols, index[:, None, :], axis=1)[:, 0]
    return out.reshape(n, c, oh, ow), PoolCache(np.shape(x), index, k, s, p)


def max_pool2d(x, kernel_size, stride=None, padding=0) -> np.ndarray:
    return max_pool2d_forward(x, kernel_size, stride, padding)[0]


def avg_pool2d_forward(x, kernel_size, stride=None, padding=0):
    """Average pooling (as F.avg_pool2d with count_include_pad=True)."""
    cols, (n, c, oh, ow), k, s, p = _pool_cols(x, kernel_size, stride, padding, 0.0)
    return cols.mean(axis=1).reshape(n, c, oh, ow), PoolCache(np.shape(x), np.empty(0), k, s, p)


def avg_pool2d(x, kernel_size, stride=None, padding=0) -> np.ndarray:
    return avg_pool2d_forward(x, kernel_size, stride, padding)[0]


def _pool_dout(dout, cache: PoolCache) -> np.ndarray:
    n, c, h, w = cache.x_shape
    oh = pool_output_size(h, cache.kernel[0], cache.stride[0], cache.padding[0])
    ow = pool_output_size(w, cache.kernel[1], cache.stride[1], cache.padding[1])
    return _dout(dout, (n, c, oh, ow),
                 f"x {tuple(cache.x_shape)}, kernel_size {cache.kernel}, stride {cache.stride}, "
                 f"padding {cache.padding}")


def _pool_backward(dcols, cache: PoolCache) -> np.ndarray:
    n, c, h, w = cache.x_shape
    (ph, pw), (kh, kw) = cache.padding, cache.kernel
    oh = (h + 2 * ph - kh) // cache.stride[0] + 1
    ow = (w + 2 * pw - kw) // cache.stride[1] + 1
    dxp = np.zeros((n * c, 1, h + 2 * ph, w + 2 * pw))
    chans, rows, cols = _im2col_indices(1, kh, kw, oh, ow, cache.stride, (1, 1))
    np.add.at(dxp, (slice(None), chans, rows, cols), dcols)
    return dxp[:, 0, ph:ph + h, pw:pw + w].reshape(n, c, h, w)


def max_pool2d_backward(dout, cache: PoolCache) -> np.ndarray:
    """The gradient goes to each window's maximum, and nowhere else."""
    dout = _pool_dout(dout, cache)
    d = dout.reshape(dout.shape[0] * dout.shape[1], -1)
    dcols = np.zeros((d.shape[0], cache.kernel[0] * cache.kernel[1], d.shape[1]))
    np.put_along_axis(dcols, cache.index[:, None, :], d[:, None, :], axis=1)
    return _pool_backward(dcols, cache)


def avg_pool2d_backward(dout, cache: PoolCache) -> np.ndarray:
    """Each window's gradient is shared equally by its K_H x K_W inputs."""
    dout = _pool_dout(dout, cache)
    d = dout.reshape(dout.shape[0] * dout.shape[1], 1, -1)
    size = cache.kernel[0] * cache.kernel[1]
    return _pool_backward(np.repeat(d / size, size, axis=1), cache)


def convolve2d(image, kernel, *, padding: int = 0) -> np.ndarray:
    """One 2D image [H, W] filtered by one kernel, true convolution (kernel flipped)."""
    image = as_array(image, "image", shape=(None, None), nonempty=True)
    kernel = as_array(kernel, "kernel", shape=(None, None), nonempty=True)
    return conv2d(image[None, None], kernel[::-1, ::-1][None, None], padding=padding)[0, 0]


def correlate2d(image, kernel, *, padding: int = 0, stride: int = 1) -> np.ndarray:
    """One 2D image filtered by one kernel as deep learning does it: no flip."""
    image = as_array(image, "image", shape=(None, None), nonempty=True)
    kernel = as_array(kernel, "kernel", shape=(None, None), nonempty=True)
    return conv2d(image[None, None], kernel[None, None], padding=padding, stride=stride)[0, 0]


def conv2d_backward_loops(dout, x, weight, stride=1, padding=0, dilation=1):
    """The readable backward: every output position sends its gradient back through the
    same window it read, ``dx[window] += dout * W`` and ``dW += dout * x[window]``."""
    x, weight, _ = _check_conv(x, weight, None)
    stride, padding, dilation = (_pair(v, n) for v, n in
                                 ((stride, "stride"), (padding, "padding"), (dilation, "dilation")))
    c_out, _, kh, kw = weight.shape
    dout = _dout(dout, (x.shape[0], c_out, *_sizes(x.shape, kh, kw, stride, padding, dilation)),
                 f"x {x.shape}, weight {weight.shape}, stride {stride}, padding {padding}, "
                 f"dilation {dilation}")
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    dxp, dw = np.zeros_like(xp), np.zeros_like(weight)
    for n in range(x.shape[0]):
        for c in range(c_out):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    top, left = i * stride[0], j * stride[1]
                    window = (n, slice(None),
                              slice(top, top + dilation[0] * (kh - 1) + 1, dilation[0]),
                              slice(left, left + dilation[1] * (kw - 1) + 1, dilation[1]))
                    dxp[window] += dout[n, c, i, j] * weight[c]  # d out / d x = W
                    dw[c] += dout[n, c, i, j] * xp[window]  # d out / d W = x (the window)
    h, w = x.shape[2:]
    return (dxp[:, :, padding[0]:padding[0] + h, padding[1]:padding[1] + w], dw,
            dout.sum(axis=(0, 2, 3)))


def pool2d_loops(x, kernel_size, stride=None, padding=0, *, mode: str = "max") -> np.ndarray:
    """The readable pooling: for every image, channel and window, its max or its mean."""
    if mode not in ("max", "avg"):
        raise ValueError(f"mode must be 'max' or 'avg', got {mode!r}")
    _, (n, c, oh, ow), k, s, p = _pool_cols(x, kernel_size, stride, padding, 0.0)
    x = _floats(x, "x")
    xp = np.pad(x, ((0, 0), (0, 0), (p[0],) * 2, (p[1],) * 2),
                constant_values=-np.inf if mode == "max" else 0.0)
    out = np.zeros((n, c, oh, ow))
    for b in range(n):
        for ch in range(c):
            for i in range(oh):
                for j in range(ow):
                    window = xp[b, ch, i * s[0]:i * s[0] + k[0], j * s[1]:j * s[1] + k[1]]
                    out[b, ch, i, j] = window.max() if mode == "max" else window.mean()
    return out
