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


def test_gray_from_bytes_reads_photos_and_refuses_other_files():
    import io

    from PIL import Image

    from course_utils.kernels import gray_from_bytes, shrink

    rgb = np.zeros((40, 100, 3), dtype=np.uint8)
    rgb[:, 50:] = (255, 0, 0)  # right half pure red: luminance 0.2125
    for fmt in ("PNG", "BMP", "GIF", "JPEG", "TIFF"):
        buffer = io.BytesIO()
        Image.fromarray(rgb).save(buffer, fmt)
        gray = gray_from_bytes(buffer.getvalue(), max_side=50)
        assert gray.shape == (20, 50) and gray.dtype == np.float64
        assert gray[:, :20].max() < 0.05 and abs(gray[:, 35:].mean() - 0.2125) < 0.03, fmt
    with pytest.raises(ValueError, match="not an image file.*PNG or JPEG"):
        gray_from_bytes(b"%PDF-1.4 not a photo")
    buffer = io.BytesIO()
    Image.fromarray(np.full((300, 400, 3), 128, dtype=np.uint8)).save(buffer, "JPEG")
    with pytest.raises(ValueError, match="or a damaged one"):
        gray_from_bytes(buffer.getvalue()[:600])  # a JPEG cut short
    deep = np.tile(np.linspace(0, 4000, 40).astype(np.uint16), (30, 1))  # 16-bit grey ramp
    buffer = io.BytesIO()
    Image.fromarray(deep).save(buffer, "PNG")
    ramp = gray_from_bytes(buffer.getvalue())
    assert ramp.shape == (30, 40) and ramp[0, 0] == 0 and ramp[0, -1] == 1  # scaled, not clipped
    assert 0.4 < ramp[0, 20] < 0.6
    with pytest.raises(TypeError, match="data must be the file's bytes"):
        gray_from_bytes("photo.png")
    assert shrink(np.zeros((600, 300)), 256).shape == (256, 128)
    assert shrink(np.zeros((60, 30)), 256).shape == (60, 30)
