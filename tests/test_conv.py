"""course_utils.conv against torch.nn.functional and autograd (float64), loops against im2col."""

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils import conv as C


def _config(seed):
    """A random configuration that fits exactly (ours refuses what torch would floor)."""
    rng = np.random.default_rng(seed)
    while True:
        n, c_in, c_out = rng.integers(1, 4), rng.integers(1, 4), rng.integers(1, 5)
        k, s, p, d = rng.integers(1, 4), rng.integers(1, 4), rng.integers(0, 3), rng.integers(1, 3)
        eff = d * (k - 1) + 1
        out = rng.integers(1, 5)
        h = (out - 1) * s + eff - 2 * p
        if h >= 1 and h + 2 * p >= eff:
            w = h + s * rng.integers(0, 2)
            x = rng.normal(size=(n, c_in, h, w))
            weight = rng.normal(size=(c_out, c_in, k, k))
            return x, weight, rng.normal(size=c_out), int(s), int(p), int(d)


N_CONV = 60


@pytest.mark.parametrize("seed", range(N_CONV))
def test_conv2d_forward_and_backward_match_torch(seed):
    x, w, b, s, p, d = _config(seed)
    out, cache = C.conv2d_forward(x, w, b, stride=s, padding=p, dilation=d)
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ref = F.conv2d(xt, wt, bt, stride=s, padding=p, dilation=d)
    np.testing.assert_allclose(out, ref.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(C.conv2d_loops(x, w, b, s, p, d), out, atol=1e-10)
    dout = np.random.default_rng(seed).normal(size=out.shape)
    ref.backward(torch.tensor(dout))
    for loops, fast in zip(C.conv2d_backward_loops(dout, x, w, s, p, d),
                           C.conv2d_backward(dout, cache), strict=True):
        np.testing.assert_allclose(loops, fast, atol=1e-10)  # loops against vectorised
    for ours, theirs in zip(C.conv2d_backward(dout, cache), (xt, wt, bt), strict=True):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), atol=1e-10)


POOLS = [(2, 2, 0), (2, 1, 0), (3, 3, 0), (3, 2, 1), (3, 1, 1)]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(("k", "s", "p"), POOLS)
def test_pooling_forward_and_backward_match_torch(k, s, p, seed):
    rng = np.random.default_rng(seed)
    size = {(2, 2, 0): 6, (2, 1, 0): 5, (3, 3, 0): 6, (3, 2, 1): 7, (3, 1, 1): 5}[(k, s, p)]
    x = rng.normal(size=(2, 3, size, size))
    for ours_fwd, ours_bwd, theirs in ((C.max_pool2d_forward, C.max_pool2d_backward, F.max_pool2d),
                                       (C.avg_pool2d_forward, C.avg_pool2d_backward, F.avg_pool2d)):
        out, cache = ours_fwd(x, k, s, p)
        mode = "max" if theirs is F.max_pool2d else "avg"
        np.testing.assert_allclose(C.pool2d_loops(x, k, s, p, mode=mode), out, atol=1e-12)
        xt = torch.tensor(x, requires_grad=True)
        ref = theirs(xt, k, s, p)
        np.testing.assert_allclose(out, ref.detach().numpy(), atol=1e-12)
        dout = rng.normal(size=out.shape)
        ref.backward(torch.tensor(dout))
        np.testing.assert_allclose(ours_bwd(dout, cache), xt.grad.numpy(), atol=1e-12)


def test_true_convolution_flips_the_kernel():
    rng = np.random.default_rng(0)
    image, kernel = rng.normal(size=(6, 7)), rng.normal(size=(3, 3))
    from scipy.signal import convolve2d as sp_convolve
    from scipy.signal import correlate2d as sp_correlate

    np.testing.assert_allclose(C.convolve2d(image, kernel), sp_convolve(image, kernel, "valid"))
    np.testing.assert_allclose(C.correlate2d(image, kernel), sp_correlate(image, kernel, "valid"))


def test_deck_004_sobel_example_is_2():
    patch = np.array([[3, 2, 1], [1, 2, 3], [1, 1, 1]], dtype=float)
    sobel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float)
    assert C.correlate2d(patch, sobel)[0, 0] == 2.0


def test_bad_inputs_get_clear_errors():
    x = np.zeros((1, 1, 7, 7))
    with pytest.raises(ValueError, match=r"= 2.33 is not a whole number.*PyTorch would "
                                         r"silently use 2.*Strides that fit: \[1, 2, 4\]"):
        C.conv2d(x, np.zeros((1, 1, 3, 3)), stride=3)
    assert F.conv2d(torch.zeros(1, 1, 7, 7), torch.zeros(1, 1, 3, 3), stride=3).shape[-1] == 2
    with pytest.raises(ValueError, match="kernel spans 9 pixels but the padded input has only 7"):
        C.conv2d(x, np.zeros((1, 1, 9, 9)))
    with pytest.raises(ValueError, match="padding must be >= 0"):
        C.conv2d(x, np.zeros((1, 1, 3, 3)), padding=-1)
    with pytest.raises(ValueError, match=r"expects 3 input channels but x \(1, 1, 7, 7\) has 1"):
        C.conv2d(x, np.zeros((2, 3, 3, 3)))
    with pytest.raises(ValueError, match="x must be a batch N x C x H x W"):
        C.conv2d(np.zeros((7, 7)), np.zeros((1, 1, 3, 3)))
    with pytest.raises(ValueError, match="stride must be a whole number"):
        C.conv2d(x, np.zeros((1, 1, 3, 3)), stride=1.5)
    with pytest.raises(ValueError, match=r"x must be finite"):
        C.conv2d(np.full((1, 1, 3, 3), np.nan), np.zeros((1, 1, 3, 3)))


@pytest.mark.parametrize(("h", "w", "kh", "kw", "s"), [(3, 4, 2, 2, 1), (5, 6, 3, 2, 2),
                                                       (6, 5, 1, 3, 1), (7, 7, 3, 3, 2)])
def test_im2col_loops_match_the_strided_im2col_and_torch_unfold(h, w, kh, kw, s):
    image = np.random.default_rng(h * w).normal(size=(h, w))
    cols = C.im2col_loops(image, kh, kw, s)
    np.testing.assert_array_equal(cols, C.im2col(image[None, None], kh, kw, stride=s)[0])
    unfold = F.unfold(torch.tensor(image)[None, None], (kh, kw), stride=s)[0].numpy()
    np.testing.assert_array_equal(cols, unfold)  # torch's im2col has the same layout
    kernel = np.random.default_rng(1).normal(size=(kh, kw))
    out = (kernel.ravel() @ cols).reshape(C.conv2d_loops(image[None, None], kernel[None, None],
                                                         stride=s).shape[2:])
    np.testing.assert_allclose(out, C.conv2d_loops(image[None, None], kernel[None, None],
                                                   stride=s)[0, 0], atol=1e-12)


def test_plot_im2col_draws_one_outline_per_window_on_each_side():
    import matplotlib

    matplotlib.use("Agg")
    from course_utils.plotting import plot_im2col

    image = np.arange(12.0).reshape(3, 4)
    fig = plot_im2col(image, C.im2col_loops(image, 2, 2), 2, 2)
    left, right = fig.axes
    assert len(left.patches) == len(right.patches) == 6
    assert len(right.texts) == 24 and len(left.texts) == 12


@pytest.mark.parametrize("wrong", [(2, 4, 2, 2), (4, 2, 3, 3), (2, 4, 3), (2 * 4 * 3 * 3,)])
def test_backward_refuses_a_dout_of_the_wrong_shape_naming_the_expected_one(wrong):
    # issue 21: a gufunc message (conv) or an IndexError (max pool) from deep inside
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(2, 3, 5, 5)), rng.normal(size=(4, 3, 3, 3))
    out, cache = C.conv2d_forward(x, w, stride=2, padding=1)
    assert out.shape == (2, 4, 3, 3)
    expected = (r"dout must have the forward's output shape \(2, 4, 3, 3\) \(x \(2, 3, 5, 5\), "
                r"weight \(4, 3, 3, 3\), stride \(2, 2\), padding \(1, 1\), dilation \(1, 1\)\), "
                rf"got {re.escape(str(wrong))}")
    with pytest.raises(ValueError, match=expected):
        C.conv2d_backward(np.ones(wrong), cache)
    with pytest.raises(ValueError, match=expected):
        C.conv2d_backward_loops(np.ones(wrong), x, w, 2, 1)
    pooled = {"max": C.max_pool2d_forward(x, 3, 1, 1), "avg": C.avg_pool2d_forward(x, 3, 1, 1)}
    for mode, backward in (("max", C.max_pool2d_backward), ("avg", C.avg_pool2d_backward)):
        out, cache = pooled[mode]
        assert out.shape == (2, 3, 5, 5)
        with pytest.raises(ValueError, match=r"dout must have the forward's output shape "
                                             r"\(2, 3, 5, 5\) \(x \(2, 3, 5, 5\), kernel_size "
                                             r"\(3, 3\), stride \(1, 1\), padding \(1, 1\)\)"):
            backward(np.ones(wrong), cache)
        np.testing.assert_array_equal(backward(np.zeros(out.shape), cache), np.zeros(x.shape))
