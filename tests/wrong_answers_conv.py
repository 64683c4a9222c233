"""Wrong answers to notebooks 06 and 07's exercises: each must fail with a hint."""

import numpy as np
from scipy.signal import convolve2d, correlate2d


def _correlate_square_kernel_only(image, kernel):
    """Passed the old checker (square kernels only): K = kernel.shape[0] for both axes."""
    k = kernel.shape[0]
    out = np.zeros((image.shape[0] - k + 1, image.shape[1] - k + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + k, j:j + k] * kernel)
    return out


def _correlate_axes_swapped(image, kernel):
    """K_W used for the rows and K_H for the columns: right only for square kernels."""
    kw, kh = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel[:kh, :kw])
    return out


def _correlate_square_image_only(image, kernel):
    """Output size from the image's height for both axes: right only for square images."""
    kh, kw = kernel.shape
    n = image.shape[0]
    out = np.zeros((n - kh + 1, n - kw + 1))
    for i in range(out.shape[0]):
        for j in range(min(out.shape[1], image.shape[1] - kw + 1)):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


def _max_pool_backward_reference(dout, x, kernel, stride):
    dx = np.zeros_like(x)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            top, left = i * stride[0], j * stride[1]
            window = x[top:top + kernel[0], left:left + kernel[1]]
            a, b = np.unravel_index(np.argmax(window), window.shape)
            dx[top + a, left + b] += dout[i, j]
    return dx


def _pool_bwd_overwrites(dout, x, kernel, stride):
    """= instead of +=: overlapping windows that share a maximum lose gradient."""
    dx = np.zeros_like(x)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            top, left = i * stride[0], j * stride[1]
            window = x[top:top + kernel[0], left:left + kernel[1]]
            a, b = np.unravel_index(np.argmax(window), window.shape)
            dx[top + a, left + b] = dout[i, j]
    return dx


def _pool_bwd_square(dout, x, kernel, stride):
    """Uses kernel[0] and stride[0] for both axes: right only for square windows."""
    return _max_pool_backward_reference(dout, x, (kernel[0],) * 2, (stride[0],) * 2)


def _pool_bwd_average(dout, x, kernel, stride):
    """Spreads dout evenly over the window (average pooling's gradient)."""
    dx = np.zeros_like(x)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            top, left = i * stride[0], j * stride[1]
            dx[top:top + kernel[0], left:left + kernel[1]] += dout[i, j] / (kernel[0] * kernel[1])
    return dx


def _pool_bwd_stride_is_kernel(dout, x, kernel, stride):
    """Ignores the stride (assumes windows tile the input, stride = kernel)."""
    return _max_pool_backward_reference(dout, x, kernel, kernel)


def _pool_bwd_first_of_row(dout, x, kernel, stride):
    """argmax of each window's first row only, not of the whole window."""
    dx = np.zeros_like(x)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            top, left = i * stride[0], j * stride[1]
            b = np.argmax(x[top, left:left + kernel[1]])
            dx[top, left + b] += dout[i, j]
    return dx


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
        _correlate_square_kernel_only,  # passed the checker before it tried non-square kernels
        _correlate_axes_swapped,  # K_H and K_W swapped
        _correlate_square_image_only,  # output width from the image's height
        lambda image, kernel: correlate2d(image, kernel[:1], "valid"),  # first kernel row only
    ],
    "06.max_pool": [
        lambda x: x.reshape(x.shape[0] // 2, 2, x.shape[1] // 2, 2).mean(axis=(1, 3)),
        lambda x: x[::2, ::2],  # top-left, not the maximum
        lambda x: x.reshape(x.shape[0] // 2, 2, x.shape[1] // 2, 2).max(axis=(0, 2)),
        # square inputs only: the height used for both sides
        lambda x: x[:, :x.shape[0]].reshape(x.shape[0] // 2, 2, x.shape[0] // 2, 2).max(
            axis=(1, 3)),
        lambda x: np.maximum(x[::2, ::2], x[1::2, 1::2]),  # 2 of the 4 values in each window
    ],
    "06.max_pool_backward": [
        _pool_bwd_overwrites,  # = instead of +=
        _pool_bwd_square,  # square windows and strides only
        _pool_bwd_average,  # average pooling's gradient
        _pool_bwd_stride_is_kernel,  # ignores the stride
        _pool_bwd_first_of_row,  # maximum of the first row only
        lambda dout, x, kernel, stride: np.zeros_like(x),  # no gradient at all
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
