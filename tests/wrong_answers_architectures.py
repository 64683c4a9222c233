"""Wrong answers to notebook 09's exercises: each must fail with a hint."""

import numpy as np
import torch
from torch.nn import functional as F


def _block(x, w1, w2, w_proj, stride, *, conv2_stride=False, final_relu=True, padding=1,
           proj_stride=True):
    """A residual forward with one slip switched on (the keyword arguments)."""
    s1, s2 = (1, stride) if conv2_stride else (stride, 1)
    out = F.conv2d(torch.relu(F.conv2d(x, w1, stride=s1, padding=padding)), w2, stride=s2,
                   padding=padding)
    short = x if w_proj is None else F.conv2d(x, w_proj, stride=stride if proj_stride else 1)
    return torch.relu(out + short) if final_relu else out + short


def _bn_in_place(x, g, b, eps):
    x -= x.mean(0)
    x /= np.sqrt(x.var(0) + eps)
    x *= g
    x += b
    return x


WRONG = {
    "09.batchnorm_forward": [
        lambda x, g, b, eps: (x - x.mean(0)) / np.sqrt(x.var(0, ddof=1) + eps) * g + b,
        lambda x, g, b, eps: (x - x.mean(1, keepdims=True)) / np.sqrt(
            x.var(1, keepdims=True) + eps) * g + b,  # per sample, not per channel
        lambda x, g, b, eps: (x - x.mean(0)) / np.sqrt(x.var(0) + eps),  # no gamma, beta
        lambda x, g, b, eps: (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5) * g + b,  # eps typed in
        _bn_in_place,  # right numbers, but the student's x is overwritten
        lambda x, g, b, eps: (x - x.mean(0)) / (x.std(0) + eps) * g + b,  # eps outside the root
    ],
    "09.residual_forward": [
        lambda *a: _block(*a, final_relu=False),  # no ReLU after the addition
        lambda *a: _block(*a, conv2_stride=True),  # stride on the second conv (same shapes)
        lambda *a: _block(*a, proj_stride=False),  # shortcut not strided: shapes do not match
        lambda *a: _block(*a, padding=0),  # no padding: the maps shrink
        lambda x, w1, w2, w_proj, stride: torch.relu(F.conv2d(torch.relu(F.conv2d(
            x, w1, stride=stride, padding=1)), w2, padding=1)),  # no shortcut at all
        lambda x, w1, w2, w_proj, stride: _block(x, w1, w2, None, stride) if w_proj is None
        else F.relu(F.conv2d(x, w_proj, stride=stride)),  # projection path only
    ],
}
