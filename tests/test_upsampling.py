"""course_utils.upsampling against torch.nn.functional (values and autograd gradients)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils.arithmetic import conv_transpose_output_size
from course_utils.conv import conv2d, conv2d_backward, conv2d_forward
from course_utils.upsampling import (
    bilinear_kernel,
    conv_transpose2d,
    conv_transpose2d_backward,
    conv_transpose2d_forward,
    conv_transpose2d_loops,
    difference_from_torch,
    max_pool2d_with_indices,
    max_unpool2d,
    max_unpool2d_backward,
    overlap_counts,
)


def _random_config(rng):
    """A random valid transposed convolution, including dilation and output padding."""
    while True:
        k = (int(rng.integers(1, 5)), int(rng.integers(1, 5)))
        s = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        d = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
        op = tuple(int(rng.integers(0, max(s[a], d[a]))) for a in (0, 1))
        p = (int(rng.integers(0, 3)), int(rng.integers(0, 3)))
        h, w = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        try:
            for a, size in ((0, h), (1, w)):
                conv_transpose_output_size(size, k[a], s[a], p[a], op[a], d[a])
        except ValueError:
            continue
        return dict(stride=s, padding=p, output_padding=op, dilation=d), (h, w), k


@pytest.mark.parametrize("seed", range(40))
def test_conv_transpose2d_and_its_gradients_match_torch(seed):
    rng = np.random.default_rng(seed)
    cfg, (h, w), k = _random_config(rng)
    n, c_in, c_out = int(rng.integers(1, 3)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
    x = torch.tensor(rng.normal(size=(n, c_in, h, w)), requires_grad=True)
    weight = torch.tensor(rng.normal(size=(c_in, c_out, *k)), requires_grad=True)
    bias = torch.tensor(rng.normal(size=c_out), requires_grad=True)
    expected = F.conv_transpose2d(x, weight, bias, **cfg)
    args = (x.detach().numpy(), weight.detach().numpy(), bias.detach().numpy())
    out, cache = conv_transpose2d_forward(*args, **cfg)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(conv_transpose2d_loops(*args, **cfg), out, rtol=1e-10, atol=1e-12)
    dout = rng.normal(size=out.shape)
    expected.backward(torch.tensor(dout))
    dx, dw, db = conv_transpose2d_backward(dout, cache)
    for ours, theirs in ((dx, x.grad), (dw, weight.grad), (db, bias.grad)):
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("stride", "padding"), [(1, 0), (2, 0), (2, 1), (3, 2)])
def test_transposed_convolution_is_the_gradient_of_a_convolution(stride, padding):
    """conv_transpose2d(dout, W) == dL/dx of conv2d(x, W), and its backward is a conv."""
    rng = np.random.default_rng(stride)
    size = next(s for s in range(7, 12) if (s + 2 * padding - 3) % stride == 0)  # fits
    x, w = rng.normal(size=(2, 3, size, size)), rng.normal(size=(4, 3, 3, 3))
    out, cache = conv2d_forward(x, w, stride=stride, padding=padding)
    dout = rng.normal(size=out.shape)
    dx = conv2d_backward(dout, cache)[0]
    extra = x.shape[2] - conv_transpose_output_size(out.shape[2], 3, stride, padding)
    np.testing.assert_allclose(conv_transpose2d(dout, w, stride=stride, padding=padding,
                                                output_padding=extra), dx, atol=1e-12)
    # and back: the transposed convolution's input gradient is the convolution itself
    _, tcache = conv_transpose2d_forward(dout, w, stride=stride, padding=padding,
                                         output_padding=extra)
    np.testing.assert_allclose(conv_transpose2d_backward(x, tcache)[0],
                               conv2d(x, w, stride=stride, padding=padding), atol=1e-12)


def test_conv_transpose_is_the_transpose_of_the_convolution_matrix():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(1, 1, 3, 3))
    # column j of C is the convolution of the j-th unit image: y = C x for every x
    eye = np.eye(25).reshape(25, 1, 1, 5, 5)
    c = np.stack([conv2d(e, w, stride=2).ravel() for e in eye], axis=1)  # [4, 25]
    y = rng.normal(size=(1, 1, 2, 2))
    np.testing.assert_allclose(conv_transpose2d(y, w, stride=2).ravel(), c.T @ y.ravel())


def test_checkerboard_overlap_counts():
    uneven = overlap_counts(4, kernel=3, stride=2)
    assert uneven.shape == (9, 9)
    assert set(np.unique(uneven[1:-1, 1:-1])) == {1.0, 2.0, 4.0}  # the checkerboard
    even = overlap_counts(4, kernel=4, stride=2)
    assert (even[2:-2, 2:-2] == 4).all()  # K divisible by S: every interior pixel alike
    assert (overlap_counts(3, kernel=2, stride=2) == 1).all()  # no overlap at all


@pytest.mark.parametrize("factor", [2, 3, 4])
def test_bilinear_kernel_upsamples_like_interpolate_inside_the_border(factor):
    k = bilinear_kernel(factor)
    assert k.shape == (2 * factor - factor % 2,) * 2 and k.max() <= 1
    x = np.random.default_rng(factor).normal(size=(1, 1, 6, 6))
    pad = (k.shape[0] - factor + 1) // 2
    out = conv_transpose2d(x, k[None, None], stride=factor, padding=pad)
    expected = F.interpolate(torch.tensor(x), scale_factor=factor, mode="bilinear",
                             align_corners=False).numpy()
    assert out.shape == expected.shape
    inner = slice(factor, -factor)
    np.testing.assert_allclose(out[..., inner, inner], expected[..., inner, inner], atol=1e-12)


@pytest.mark.parametrize(("kernel", "stride", "padding", "size"),
                         [(2, 2, 0, 8), (3, 2, 1, 9), (3, 3, 0, 9), (2, 1, 0, 5), (3, 2, 0, 7)])
def test_max_pool_indices_and_unpool_match_torch(kernel, stride, padding, size):
    rng = np.random.default_rng(kernel * 10 + stride)
    x = torch.tensor(rng.normal(size=(2, 3, size, size)))
    out, idx = F.max_pool2d(x, kernel, stride, padding, return_indices=True)
    ours, our_idx = max_pool2d_with_indices(x.numpy(), kernel, stride, padding)
    np.testing.assert_allclose(ours, out.numpy())
    np.testing.assert_array_equal(our_idx, idx.numpy())
    values = out.clone().requires_grad_(True)
    expected = F.max_unpool2d(values, idx, kernel, stride, padding, output_size=x.shape[2:])
    up = max_unpool2d(out.numpy(), our_idx, kernel, stride, padding, output_size=x.shape[2:])
    np.testing.assert_allclose(up, expected.detach().numpy())
    dout = rng.normal(size=up.shape)
    expected.backward(torch.tensor(dout))
    np.testing.assert_allclose(max_unpool2d_backward(dout, our_idx), values.grad.numpy())


def test_unpool_default_size_and_places():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    pooled, idx = max_pool2d_with_indices(x, 2)
    np.testing.assert_array_equal(idx[0, 0], [[5, 7], [13, 15]])
    up = max_unpool2d(pooled, idx, 2)
    assert up.shape == (1, 1, 4, 4) and up.sum() == 5 + 7 + 13 + 15
    assert up[0, 0, 1, 1] == 5 and up[0, 0, 0, 0] == 0


def test_bad_inputs_get_clear_errors():
    x = np.zeros((1, 2, 3, 3))
    with pytest.raises(ValueError, match=r"C_in x C_out.*expects 3 input channels but x"):
        conv_transpose2d(x, np.zeros((3, 2, 2, 2)))
    with pytest.raises(ValueError, match="output_padding must be smaller"):
        conv_transpose2d(x, np.zeros((2, 1, 3, 3)), stride=2, output_padding=2)
    with pytest.raises(ValueError, match="removes the whole output"):
        conv_transpose2d(x, np.zeros((2, 1, 1, 1)), padding=3)
    with pytest.raises(ValueError, match="4D"):
        conv_transpose2d(np.zeros((2, 3, 3)), np.zeros((2, 1, 3, 3)))
    with pytest.raises(ValueError,
                       match=r"bias must have shape \(1,\) \(one per output channel of weight"):
        conv_transpose2d(x, np.zeros((2, 1, 3, 3)), bias=np.zeros(2))
    with pytest.raises(ValueError, match="finite"):
        conv_transpose2d(np.full((1, 2, 3, 3), np.nan), np.zeros((2, 1, 3, 3)))
    pooled, idx = max_pool2d_with_indices(np.zeros((1, 1, 4, 4)), 2)
    with pytest.raises(ValueError, match=r"indices must lie in 0..3"):
        max_unpool2d(pooled, idx + 3, 2, output_size=(2, 2))
    with pytest.raises(ValueError, match="indices must have the shape of x"):
        max_unpool2d(pooled, idx[..., :1], 2)
    with pytest.raises(ValueError, match="factor"):
        bilinear_kernel(0)


def test_difference_from_torch_reports_small_numbers_and_notices_a_wrong_weight():
    rng = np.random.default_rng(1)
    x, w, b = rng.normal(size=(2, 3, 4, 5)), rng.normal(size=(3, 2, 3, 3)), rng.normal(size=2)
    diffs = difference_from_torch(x, w, b, stride=2, padding=1, output_padding=1)
    assert set(diffs) == {"output (loops)", "output", "dx", "dweight", "dbias"}
    assert max(diffs.values()) < 1e-10
    assert set(difference_from_torch(x, w, stride=3)) == {"output (loops)", "output", "dx",
                                                           "dweight"}
