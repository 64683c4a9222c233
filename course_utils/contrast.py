"""Local contrast normalisation (deck 000; Jarrett et al. 2009), in numpy (notebook 08).

Each pixel minus the weighted mean of its neighbourhood, divided by the neighbourhood's
standard deviation (floored, so that flat regions are not blown up): every region of the
image ends up with about the same contrast, whatever its lighting.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from course_utils.validate import as_array, as_number

__all__ = [
    "local_contrast_normalise",
]


def local_contrast_normalise(image, *, sigma: float = 4.0, floor: float | None = None
                             ) -> np.ndarray:
    """LCN of a grayscale image [H, W] with a Gaussian neighbourhood of width ``sigma``.

    ``floor``: the smallest divisor (default: the mean local standard deviation).
    """
    x = as_array(image, "image", shape=(None, None), nonempty=True)
    sigma = as_number(sigma, "sigma", minimum=0.1)
    centred = x - ndimage.gaussian_filter(x, sigma, mode="reflect")
    local_std = np.sqrt(ndimage.gaussian_filter(centred**2, sigma, mode="reflect"))
    floor = float(local_std.mean()) if floor is None else as_number(floor, "floor", minimum=0.0)
    return centred / np.maximum(local_std, max(floor, 1e-3))  # flat regions stay flat
