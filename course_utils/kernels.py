"""Classic image kernels and applying them to photos (notebook 06, deck 004).

A kernel is applied as deep learning applies it, by cross-correlation (``conv.correlate2d``),
with "same" zero padding so the output has the photo's size.
"""

from __future__ import annotations

import numpy as np

from course_utils.conv import correlate2d
from course_utils.errors import unknown_name
from course_utils.validate import as_array, as_number

__all__ = [
    "get_kernel", "apply_kernel", "gradient_magnitude", "filter_image", "shrink",
]


def _gaussian(size: int = 5, sigma: float = 1.0) -> np.ndarray:
    r = np.arange(size) - size // 2
    g = np.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / (2 * sigma**2))
    return g / g.sum()


KERNELS: dict[str, np.ndarray] = {
    "box blur": np.ones((3, 3)) / 9,  # deck 004: the unweighted 3x3 smoothing kernel
    "gaussian blur": _gaussian(5, 1.0),
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float),
    "strong sharpen": np.array([[-1, -1, -1], [-1, 9, -1], [-1, -1, -1]], dtype=float),
    "sobel x": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float),
    "sobel y": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=float),
    "vertical lines": np.array([[-1, 2, -1], [-1, 2, -1], [-1, 2, -1]], dtype=float),
    "horizontal lines": np.array([[-1, -1, -1], [2, 2, 2], [-1, -1, -1]], dtype=float),
    "emboss": np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], dtype=float),
}


def get_kernel(name: str) -> np.ndarray:
    if name not in KERNELS:
        raise unknown_name("kernel", name, KERNELS)
    return KERNELS[name].copy()


def apply_kernel(gray, name_or_kernel) -> np.ndarray:
    """Filter a grayscale image [H, W] with a named kernel (or an array), same size out."""
    gray = as_array(gray, "gray", shape=(None, None), nonempty=True)
    kernel = get_kernel(name_or_kernel) if isinstance(name_or_kernel, str) else as_array(
        name_or_kernel, "name_or_kernel", shape=(None, None))
    if kernel.shape[0] % 2 == 0 or kernel.shape[1] % 2 == 0:
        raise ValueError(f"the kernel (name_or_kernel) must have odd sides to be centred, got "
                         f"{kernel.shape}")
    pad_h, pad_w = kernel.shape[0] // 2, kernel.shape[1] // 2
    padded = np.pad(gray, ((pad_h, pad_h), (pad_w, pad_w)))
    return correlate2d(padded, kernel)


def gradient_magnitude(gray) -> np.ndarray:
    """sqrt(Sobel x^2 + Sobel y^2): how fast the brightness changes at each pixel."""
    return np.hypot(apply_kernel(gray, "sobel x"), apply_kernel(gray, "sobel y"))


# --- The kernel editor's presets and image handling (notebook 06's ``KernelEditor``) ---

EDITOR_KERNELS: dict[str, np.ndarray] = {
    "identity": np.pad(np.ones((1, 1)), 1),
    "box blur": KERNELS["box blur"],
    # deck 004 shows the "unweighted 3x3 smoothing kernel" as nine ones, not divided by 9:
    # its weights sum to 9, so unnormalised it makes the photo 9 times brighter.
    "ones (deck 004, sum 9)": np.ones((3, 3)),
    "gaussian 3x3": np.outer([1, 2, 1], [1, 2, 1]) / 16.0,
    "gaussian 5x5": KERNELS["gaussian blur"],
    "sharpen": KERNELS["sharpen"],
    "strong sharpen": KERNELS["strong sharpen"],
    "sobel x": KERNELS["sobel x"],
    "sobel y": KERNELS["sobel y"],
    "laplacian": np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=float),
    "outline": np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], dtype=float),
    "vertical lines": KERNELS["vertical lines"],
    "horizontal lines": KERNELS["horizontal lines"],
    "emboss": KERNELS["emboss"],
}


def filter_image(gray, kernel, *, normalise: bool = False, absolute: bool = False
                 ) -> np.ndarray:
    """``apply_kernel`` with the editor's two switches (same size out, zero padding).

    Args:
        gray (ndarray[H, W]): the image, floats (photos here are in [0, 1]).
        kernel (ndarray[K_H, K_W]): odd sides.
        normalise: divide the kernel by the sum of its weights first, so a flat region keeps
            its brightness; a kernel whose weights sum to 0 (edges) is left as it is.
        absolute: return |output|, so dark-to-light and light-to-dark edges both show.
    """
    kernel = as_array(kernel, "kernel", shape=(None, None))
    total = kernel.sum()
    if normalise and abs(total) > 1e-12:
        kernel = kernel / total
    out = apply_kernel(gray, kernel)
    return np.abs(out) if absolute else out


def shrink(gray, max_side: int) -> np.ndarray:
    """``gray`` [H, W] resized (anti-aliased) so its longer side is at most ``max_side``."""
    gray = as_array(gray, "gray", shape=(None, None), nonempty=True)
    max_side = as_number(max_side, "max_side", minimum=1, integer=True)
    scale = max_side / max(gray.shape)
    if scale >= 1:
        return gray.copy()
    from skimage.transform import resize

    shape = tuple(max(1, round(side * scale)) for side in gray.shape)
    return resize(gray, shape, anti_aliasing=True)
