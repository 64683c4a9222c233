"""course_utils.contrast against a slow reference built from explicit Gaussian weights."""

import numpy as np
import pytest

from course_utils.contrast import local_contrast_normalise
from course_utils.data import photo


def _slow(x, sigma, floor):
    """Weighted means with an explicit, normalised Gaussian window and reflected borders."""
    r = int(4 * sigma + 0.5)
    g = np.exp(-np.arange(-r, r + 1) ** 2 / (2 * sigma**2))
    g /= g.sum()
    w = np.outer(g, g)
    pad = np.pad(x, r, mode="symmetric")
    mean = np.array([[np.sum(pad[i:i + 2 * r + 1, j:j + 2 * r + 1] * w)
                      for j in range(x.shape[1])] for i in range(x.shape[0])])
    c = x - mean
    padc = np.pad(c**2, r, mode="symmetric")
    var = np.array([[np.sum(padc[i:i + 2 * r + 1, j:j + 2 * r + 1] * w)
                     for j in range(x.shape[1])] for i in range(x.shape[0])])
    return c / np.maximum(np.sqrt(var), floor)


def test_matches_the_slow_reference():
    x = photo("camera", gray=True)[::16, ::16]
    np.testing.assert_allclose(local_contrast_normalise(x, sigma=1.5, floor=0.01),
                               _slow(x, 1.5, 0.01), atol=1e-10)


def test_evens_out_lighting():
    rng = np.random.default_rng(0)
    texture = rng.normal(size=(64, 64))
    lit = texture * np.linspace(0.1, 2.0, 64)[None, :]  # dark on the left, bright on the right
    out = local_contrast_normalise(lit, sigma=3, floor=1e-6)
    left, right = out[:, 8:20].std(), out[:, 44:56].std()
    assert abs(left / right - 1) < 0.2 and lit[:, 44:56].std() / lit[:, 8:20].std() > 2.5
    assert np.allclose(local_contrast_normalise(np.full((8, 8), 3.0)), 0.0)


def test_bad_inputs_get_clear_errors():
    with pytest.raises(ValueError, match=r"image must have shape \(N, M\)"):
        local_contrast_normalise(np.zeros((4, 4, 3)))
    with pytest.raises(ValueError, match="sigma must be >= 0.1"):
        local_contrast_normalise(np.zeros((4, 4)), sigma=0)
