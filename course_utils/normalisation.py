"""Batch normalisation written from scratch (notebook 09), tested against nn.BatchNorm2d.

In training mode each channel is normalised with the batch's own mean and (biased)
variance, then scaled by gamma and shifted by beta; running estimates are updated with
``momentum`` (using the unbiased variance, as PyTorch does). In eval mode the running
estimates are used instead, so one image's output does not depend on its batch.
"""

from __future__ import annotations

import torch
from torch import nn

from course_utils.validate import as_tensor, require_finite

__all__ = [
    "BatchNorm2d",
]


class BatchNorm2d(nn.Module):
    """y = gamma (x - mean) / sqrt(var + eps) + beta, per channel, over N, H and W."""

    def __init__(self, channels: int, *, eps: float = 1e-5, momentum: float = 0.1):
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))
        self.register_buffer("running_mean", torch.zeros(channels))
        self.register_buffer("running_var", torch.ones(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = as_tensor(x, "x", shape=("N", len(self.gamma), "H", "W"), dtype=self.gamma.dtype,
                      finite=False)  # checked below in training mode
        if self.training:
            if x.shape[0] * x.shape[2] * x.shape[3] < 2:
                raise ValueError(f"x must hold more than one value per channel in training "
                                 f"mode (a batch of one 1x1 image has no variance), got shape "
                                 f"{tuple(x.shape)}")
            require_finite(x, "x")
            mean = x.mean(dim=(0, 2, 3))
            var = x.var(dim=(0, 2, 3), unbiased=False)
            n = x.numel() / x.shape[1]
            with torch.no_grad():
                self.running_mean.mul_(1 - self.momentum).add_(self.momentum * mean)
                self.running_var.mul_(1 - self.momentum).add_(self.momentum * var * n / (n - 1))
        else:
            mean, var = self.running_mean, self.running_var
        x_hat = (x - mean[None, :, None, None]) / torch.sqrt(var[None, :, None, None] + self.eps)
        return self.gamma[None, :, None, None] * x_hat + self.beta[None, :, None, None]
