"""course_utils.kernels against scipy.ndimage.correlate (zero padding)."""

import numpy as np
import pytest
from scipy import ndimage

from course_utils.data import photo
from course_utils.kernels import KERNELS, apply_kernel, gradient_magnitude


@pytest.mark.parametrize("name", list(KERNELS))
def test_every_kernel_matches_scipy(name):
    gray = photo("camera", gray=True)[::8, ::8]
    np.testing.assert_allclose(apply_kernel(gray, name),
                               ndimage.correlate(gray, KERNELS[name], mode="constant"), atol=1e-12)


def test_blurs_keep_the_mean_and_sobel_finds_edges():
    rng = np.random.default_rng(0)
    image = rng.random((20, 20))
    for name in ("box blur", "gaussian blur"):
        assert KERNELS[name].sum() == pytest.approx(1.0)
        inner = apply_kernel(image, name)[3:-3, 3:-3]
        assert inner.std() < image[3:-3, 3:-3].std()
    step = np.zeros((9, 9))
    step[:, 5:] = 1.0  # a vertical edge between columns 4 and 5
    mag = gradient_magnitude(step)[1:-1, 1:-1]
    assert set(np.argmax(mag, axis=1)) <= {3, 4}


def test_bad_inputs_get_clear_errors():
    with pytest.raises(ValueError, match="unknown kernel 'sobel'. Did you mean 'sobel"):
        apply_kernel(np.zeros((5, 5)), "sobel")
    with pytest.raises(ValueError, match="odd sides"):
        apply_kernel(np.zeros((5, 5)), np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"gray must have shape \(N, M\)"):
        apply_kernel(np.zeros((5, 5, 3)), "emboss")


def test_editor_kernels_and_filter_image_against_scipy():
    from course_utils.kernels import EDITOR_KERNELS, filter_image

    gray = photo("coins", gray=True)[::6, ::6]
    assert all(k.shape in ((3, 3), (5, 5)) for k in EDITOR_KERNELS.values())
    np.testing.assert_array_equal(filter_image(gray, EDITOR_KERNELS["identity"]), gray)
    ones = EDITOR_KERNELS["ones (deck 004, sum 9)"]
    np.testing.assert_allclose(filter_image(gray, ones),
                               ndimage.correlate(gray, ones, mode="constant"), atol=1e-12)
    np.testing.assert_allclose(filter_image(gray, ones, normalise=True),
                               filter_image(gray, EDITOR_KERNELS["box blur"]), atol=1e-12)
    sobel = EDITOR_KERNELS["sobel x"]  # sums to 0: normalise leaves it alone
    np.testing.assert_array_equal(filter_image(gray, sobel, normalise=True),
                                  filter_image(gray, sobel))
    np.testing.assert_allclose(filter_image(gray, sobel, absolute=True),
                               np.abs(ndimage.correlate(gray, sobel, mode="constant")),
                               atol=1e-12)
    laplacian = EDITOR_KERNELS["laplacian"]  # scipy's own Laplace filter as an oracle
    np.testing.assert_allclose(filter_image(gray, laplacian)[1:-1, 1:-1],
                               ndimage.laplace(gray)[1:-1, 1:-1], atol=1e-12)


def test_shrink_keeps_the_aspect_and_never_enlarges():
    from course_utils.kernels import shrink

    assert shrink(np.zeros((600, 300)), 256).shape == (256, 128)
    assert shrink(np.zeros((60, 30)), 256).shape == (60, 30)
