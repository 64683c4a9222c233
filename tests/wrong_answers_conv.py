"""Wrong answers to notebooks 06 and 07's exercises: each must fail with a hint."""

import numpy as np
from scipy.signal import convolve2d, correlate2d


def _refuses_fractions_only(w, k, s, p):
    span = w - k + 2 * p
    if span % s:
        raise ValueError("does not fit")
    return span // s + 1


WRONG = {
    "06.correlate": [
        lambda image, kernel: convolve2d(image, kernel, "valid"),  # flips the kernel
        lambda image, kernel: correlate2d(image, kernel, "same"),  # wrong size
        lambda image, kernel: correlate2d(image, kernel.T, "valid"),
    ],
    "06.max_pool": [
        lambda x: x.reshape(x.shape[0] // 2, 2, x.shape[1] // 2, 2).mean(axis=(1, 3)),
        lambda x: x[::2, ::2],  # top-left, not the maximum
        lambda x: x.reshape(x.shape[0] // 2, 2, x.shape[1] // 2, 2).max(axis=(0, 2)),
    ],
    "07.output_size": [
        lambda w, k, s, p: (w - k + 2 * p) / s + 1,  # fractional for 7, 3, 2? no: for 10,4,2,1
        lambda w, k, s, p: (w - k) // s + 1,  # forgets padding
        lambda w, k, s, p: (w - k + p) // s + 1,
        lambda w, k, s, p: np.nan,
        # PyTorch's floor, never refusing: 7, 3, stride 3 gives 2 instead of a ValueError.
        lambda w, k, s, p: (w - k + 2 * p) // s + 1,
        lambda w, k, s, p: -(-(w - k + 2 * p) // s) + 1,  # rounds up (ceil_mode)
        _refuses_fractions_only,  # a kernel wider than the padded input gives 0 or less
    ],
    "07.count_params": [
        lambda c_in, c_out, k: c_out * c_in * k * k,  # no biases
        lambda c_in, c_out, k: c_out * k * k + c_out,  # ignores input channels
        lambda c_in, c_out, k: (c_in * k * k + 1) * c_out + 1,
    ],
}
