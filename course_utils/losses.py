"""Loss functions and their gradients in numpy (notebook 04), reduced by the mean as in torch.

Each returns ``(loss, dpred)``: the mean loss and its gradient with respect to the
prediction, tested against ``torch.nn.functional`` (tests/test_losses.py). Cross-entropy
and MSE are the ones the layers of notebook 03 use; they are re-exported here.
"""

from __future__ import annotations

import numpy as np

from course_utils.layers import mse, softmax, softmax_cross_entropy
from course_utils.validate import as_array, check_shape

__all__ = ["binary_cross_entropy", "cross_entropy", "l1_loss", "mse", "softmax",
           "softmax_naive", "log_softmax"]

cross_entropy = softmax_cross_entropy  # (scores [N, C], labels [N]) -> (loss, dscores)


def l1_loss(pred, target) -> tuple[float, np.ndarray]:
    """Mean absolute error and its (sub)gradient sign(pred - target) / n (0 at a tie, as torch)."""
    pred = as_array(pred, "pred", nonempty=True)  # the mean of no entries is undefined
    target = as_array(target, "target")
    check_shape(target, "target", pred.shape, like="pred")
    diff = pred - target
    return float(np.mean(np.abs(diff))), np.sign(diff) / diff.size


def binary_cross_entropy(p, y) -> tuple[float, np.ndarray]:
    """Mean of -(y log p + (1 - y) log(1 - p)) for probabilities p and targets y in [0, 1].

    Logs are clamped at -100 as torch's ``F.binary_cross_entropy`` does, so p = 0 or 1 gives a
    large finite loss instead of inf.
    """
    p = as_array(p, "p", nonempty=True)  # the mean of no entries is undefined
    y = as_array(y, "y")
    check_shape(y, "y", p.shape, like="p")
    for name, v in (("p", p), ("y", y)):
        if v.size and (v.min() < 0 or v.max() > 1):
            raise ValueError(f"{name} must hold probabilities in [0, 1], got values from "
                             f"{v.min():g} to {v.max():g}; for scores use a sigmoid first")
    with np.errstate(divide="ignore"):
        log_p, log_q = np.maximum(np.log(p), -100), np.maximum(np.log1p(-p), -100)
    loss = -np.mean(y * log_p + (1 - y) * log_q)
    eps = 1e-12  # torch's backward clamps the same way
    grad = (p - y) / np.maximum(p * (1 - p), eps) / p.size  # d/dp of the mean
    return float(loss), grad


def softmax_naive(z) -> np.ndarray:
    """e^z / sum e^z as written: overflows to inf / inf = nan for scores above ~710."""
    z = as_array(z, "z")
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)


def log_softmax(z) -> np.ndarray:
    """log softmax(z), stably: z - max - log sum e^(z - max)."""
    z = as_array(z, "z")
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
