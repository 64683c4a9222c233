"""Exercises of notebook 09 (modern architectures), checked against torch."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from course_utils.exercises import CheckFailed, answer_array, exercise


@exercise("09.batchnorm_forward", title="batch normalisation in training mode")
def _bn(answer) -> None:
    rng = np.random.default_rng(12)
    # several batch sizes and widths (a batch of two, one channel), and an eps other than the
    # notebook's, so an eps typed in instead of the argument shows
    for n, c, eps in [(8, 3, 1e-5), (2, 5, 1e-5), (16, 1, 1e-5), (7, 4, 0.5), (3, 6, 2.0)]:
        x = rng.normal(loc=2, scale=3, size=(n, c))
        gamma, beta = rng.uniform(0.5, 2, size=c), rng.normal(size=c)
        bn = nn.BatchNorm1d(c, eps=eps).double()
        with torch.no_grad():
            bn.weight.copy_(torch.tensor(gamma))
            bn.bias.copy_(torch.tensor(beta))
        expected = bn(torch.tensor(x)).detach().numpy()
        inputs = x.copy(), gamma.copy(), beta.copy()
        got = answer_array(answer(*inputs, eps),
                           "batchnorm_forward(x, gamma, beta, eps)", shape=x.shape)
        if not (np.array_equal(inputs[0], x) and np.array_equal(inputs[1], gamma)
                and np.array_equal(inputs[2], beta)):
            raise CheckFailed("do not change x, gamma or beta in place: return a new array")
        unbiased = (x - x.mean(0)) / np.sqrt(x.var(0, ddof=1) + eps) * gamma + beta
        if np.allclose(got, unbiased) and not np.allclose(got, expected):
            raise CheckFailed("training mode divides by the biased variance (mean of the "
                              "squared deviations, ddof=0), as nn.BatchNorm1d does")
        if not np.allclose(got, expected, atol=1e-9):
            raise CheckFailed(f"wrong for x of shape {x.shape}, eps={eps}: normalise each "
                              "column (channel) over the batch (axis 0) with the eps given, "
                              "then multiply by gamma and add beta")


def _reference_block(w1, w2, w_proj, stride):
    """The notebook's ResidualBlock with these weights and its batch norms taken out."""
    from course_utils.architectures import ResidualBlock

    c_out, c_in = w1.shape[:2]
    block = ResidualBlock(c_in, c_out, stride).double()
    block.bn1 = block.bn2 = nn.Identity()
    with torch.no_grad():
        block.conv1.weight.copy_(w1)
        block.conv2.weight.copy_(w2)
        if w_proj is not None:
            block.shortcut = block.shortcut[0]  # the 1x1 projection, without its batch norm
            block.shortcut.weight.copy_(w_proj)
    return block


# (N, c_in, c_out, stride, H, W): identity and projection shortcuts, odd, non-square and
# sizes a stride of 2 does not divide.
_BLOCK_CASES = [(2, 4, 4, 1, 8, 8), (1, 3, 5, 1, 7, 9), (2, 4, 6, 2, 9, 7), (3, 2, 2, 2, 6, 5),
                (1, 5, 3, 2, 10, 11), (2, 3, 3, 1, 5, 4)]


@exercise("09.residual_forward", title="a residual block's forward, identity or projection")
def _residual_forward(answer) -> None:
    for seed, (n, c_in, c_out, stride, h, w) in enumerate(_BLOCK_CASES):
        g = torch.Generator().manual_seed(seed)
        x = torch.randn(n, c_in, h, w, generator=g, dtype=torch.float64)
        w1 = torch.randn(c_out, c_in, 3, 3, generator=g, dtype=torch.float64) / 3
        w2 = torch.randn(c_out, c_out, 3, 3, generator=g, dtype=torch.float64) / 3
        projection = stride != 1 or c_in != c_out
        w_proj = (torch.randn(c_out, c_in, 1, 1, generator=g, dtype=torch.float64)
                  if projection else None)
        with torch.no_grad():
            expected = _reference_block(w1, w2, w_proj, stride)(x).numpy()
        inputs = [t.clone() for t in (x, w1, w2)] + [None if w_proj is None else w_proj.clone()]
        got = answer(*inputs, stride)
        where = (f"x of shape {tuple(x.shape)}, {c_in} -> {c_out} channels, stride {stride} "
                 f"({'projection' if projection else 'identity'} shortcut)")
        if got is None:
            raise CheckFailed("return the block's output (a tensor), not None")
        got = answer_array(got.detach() if isinstance(got, torch.Tensor) else got,
                           f"residual_forward(...) for {where}", shape=expected.shape)
        if not all(torch.equal(a, b) for a, b in zip(inputs[:3], (x, w1, w2), strict=True)):
            raise CheckFailed("do not change x or the weights in place: build a new tensor")
        if np.allclose(got, _no_final_relu(x, w1, w2, w_proj, stride)) and not np.allclose(
                got, expected):
            raise CheckFailed(f"for {where}: apply the ReLU after adding the shortcut, "
                              "relu(F(x) + shortcut(x)), as ResidualBlock does")
        if not np.allclose(got, expected, atol=1e-9):
            raise CheckFailed(
                f"wrong values for {where}: out = relu(conv(relu(conv(x, w1, stride, padding "
                "1)), w2, padding 1) + shortcut), where shortcut is x itself when w_proj is "
                "None, else conv(x, w_proj, stride) (1x1, no padding)")


def _no_final_relu(x, w1, w2, w_proj, stride) -> np.ndarray:
    """The output without the ReLU after the addition (a common slip), for a sharper hint."""
    f = nn.functional
    out = f.conv2d(torch.relu(f.conv2d(x, w1, stride=stride, padding=1)), w2, padding=1)
    short = x if w_proj is None else f.conv2d(x, w_proj, stride=stride)
    return (out + short).numpy()
