"""course_utils.data.real against the packages' own loaders, and every bad input's error."""

import socket

import numpy as np
import pytest
import skimage.data
import torch
from skimage.color import rgb2gray
from sklearn.datasets import load_digits, load_sample_image

from course_utils.data import real
from course_utils.data.real import Digits, digits, digits_loaders, list_photos, photo

N_DIGITS = 1797


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails, as on an offline laptop."""

    def refuse(*args, **kwargs):
        raise OSError("network access attempted in an offline test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


# --- photos -----------------------------------------------------------------------------


def test_list_photos_names_the_syllabus_photos():
    names = list_photos()
    assert names == sorted(names) and len(names) == len(set(names))
    syllabus = {"astronaut", "camera", "chelsea", "coffee", "coins", "horse", "rocket"}
    assert syllabus | {"brick", "grass", "gravel", "china", "flower"} <= set(names)


def test_every_photo_loads_offline_as_rgb_uint8(no_network):
    real._load_rgb.cache_clear()  # really read every file, with the network blocked
    for name in list_photos():
        image = photo(name)
        assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3, name
        assert image.shape[0] >= 100 and image.shape[1] >= 100, name
        assert image.max() > image.min(), name  # not blank


@pytest.mark.parametrize("name", ["chelsea", "coffee", "astronaut"])
def test_colour_photo_equals_skimage(name):
    np.testing.assert_array_equal(photo(name), getattr(skimage.data, name)())


@pytest.mark.parametrize("name", ["camera", "coins", "moon"])
def test_grayscale_photo_is_stacked_to_three_equal_channels(name):
    source = getattr(skimage.data, name)()
    np.testing.assert_array_equal(photo(name), np.stack([source] * 3, axis=-1))


@pytest.mark.parametrize("name", ["china", "flower"])
def test_sklearn_sample_images(name):
    np.testing.assert_array_equal(photo(name), load_sample_image(f"{name}.jpg"))


def test_horse_silhouette_becomes_0_or_255():
    horse = photo("horse")
    np.testing.assert_array_equal(horse[..., 0], skimage.data.horse().astype(np.uint8) * 255)


def test_gray_of_a_grayscale_source_is_pixel_over_255():
    gray = photo("camera", gray=True)
    assert gray.dtype == np.float64 and gray.shape == skimage.data.camera().shape
    # float64 luminance weights sum to 1 up to rounding: 1e-12 is far above that error.
    np.testing.assert_allclose(gray, skimage.data.camera() / 255.0, rtol=0, atol=1e-12)


def test_gray_of_a_colour_photo_is_rgb2gray():
    gray = photo("coffee", gray=True)
    np.testing.assert_array_equal(gray, rgb2gray(skimage.data.coffee()))
    assert gray.ndim == 2 and 0.0 <= gray.min() and gray.max() <= 1.0


def test_photo_returns_a_copy_so_the_cache_cannot_be_corrupted():
    first = photo("chelsea")
    first[:] = 0
    assert photo("chelsea").max() > 0
    gray = photo("chelsea", gray=True)
    gray[:] = 0
    assert photo("chelsea", gray=True).max() > 0


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("chelsae", r"unknown photo 'chelsae'\. Did you mean 'chelsea'\? Available: astronaut"),
        ("Camera", r"Did you mean 'camera'"),
        ("eagle", r"unknown photo 'eagle'.*Available: .*chelsea"),  # needs a download
        ("", r"unknown photo ''"),
    ],
)
def test_unknown_photo_lists_the_available_names(name, match):
    with pytest.raises(ValueError, match=match):
        photo(name)


# --- digits -----------------------------------------------------------------------------


def _rows(x, y):
    """Each (image, label) as a sorted row of a table: a multiset to compare splits."""
    table = np.column_stack([np.asarray(x).reshape(len(y), -1), np.asarray(y)])
    return table[np.lexsort(table.T[::-1])]


def test_digits_shapes_dtypes_and_ranges():
    d = digits()
    assert isinstance(d, Digits)
    assert d.x_train.shape == (1347, 1, 8, 8) and d.x_test.shape == (450, 1, 8, 8)
    assert d.x_train.dtype == np.float32 and d.y_train.dtype == np.int64
    assert d.x_train.min() == 0.0 and d.x_train.max() == 1.0
    assert set(np.unique(d.y_test)) == set(range(10))


def test_digits_are_load_digits_over_16_with_their_labels():
    d = digits(seed=3)
    oracle = load_digits()
    ours = _rows(np.concatenate([d.x_train, d.x_test]), np.concatenate([d.y_train, d.y_test]))
    theirs = _rows((oracle.images / 16).astype(np.float32), oracle.target)
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("test_size", [0.1, 0.25, 0.5])
def test_digits_split_is_stratified(test_size):
    d = digits(test_size=test_size)
    per_class = np.bincount(load_digits().target, minlength=10)
    train, test = np.bincount(d.y_train, minlength=10), np.bincount(d.y_test, minlength=10)
    np.testing.assert_array_equal(train + test, per_class)
    assert np.all(np.abs(test - test_size * per_class) <= 1)  # each class within one image
    assert len(d.y_test) == int(np.ceil(test_size * N_DIGITS))


def test_digits_split_is_fixed_by_the_seed():
    a, b, c = digits(seed=0), digits(seed=0), digits(seed=1)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a.y_test, c.y_test)


def test_digits_as_tensor_matches_numpy():
    arrays, tensors = digits(), digits(as_tensor=True)
    assert tensors.x_train.dtype == torch.float32 and tensors.y_test.dtype == torch.int64
    for x, t in zip(arrays, tensors, strict=True):
        assert isinstance(t, torch.Tensor)
        np.testing.assert_array_equal(t.numpy(), x)


def test_digits_does_not_touch_global_rngs():
    np_state = np.random.get_state()[1].copy()  # noqa: NPY002 (the global state, on purpose)
    torch_state = torch.get_rng_state()
    digits(seed=5)
    assert np.array_equal(np.random.get_state()[1], np_state)  # noqa: NPY002
    assert torch.equal(torch.get_rng_state(), torch_state)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"test_size": 0.0}, ValueError, r"strictly between 0 and 1, got 0\.0"),
        ({"test_size": 1}, ValueError, r"strictly between 0 and 1, got 1"),
        ({"test_size": -0.2}, ValueError, r"strictly between 0 and 1"),
        ({"test_size": 1.5}, ValueError, r"strictly between 0 and 1"),
        ({"test_size": 0.001}, ValueError, r"puts 2 of 1797 images in the test set.*at least 10"),
        ({"test_size": 0.999}, ValueError, r"use test_size between 0\.0056 and 0\.9944"),
        ({"test_size": "0.2"}, TypeError, r"test_size must be a float in \(0, 1\), got '0\.2'"),
        ({"test_size": True}, TypeError, r"test_size must be a float"),
        ({"seed": -1}, ValueError, r"seed must be a non-negative int, got -1"),
        ({"seed": 1.5}, ValueError, r"seed must be a non-negative int, got 1\.5"),
        ({"seed": None}, ValueError, r"seed must be a non-negative int, got None"),
        ({"seed": 2**32}, ValueError, r"seed must be below 2\*\*32"),
    ],
)
def test_digits_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        digits(**kwargs)


def test_digits_hyperparameters_are_keyword_only():
    with pytest.raises(TypeError):
        digits(0.25)


# --- loaders ----------------------------------------------------------------------------


def _first_epoch(loader):
    return torch.cat([y for _, y in loader])


def test_loader_batches_and_sizes():
    train, test = digits_loaders(batch_size=64)
    x, y = next(iter(train))
    assert x.shape == (64, 1, 8, 8) and x.dtype == torch.float32
    assert y.shape == (64,) and y.dtype == torch.int64
    assert len(train.dataset) == 1347 and len(test.dataset) == 450
    assert [len(yb) for _, yb in test][-1] == 450 - 7 * 64  # last, smaller batch kept
    assert train.num_workers == 0 and test.num_workers == 0


def test_batch_of_one():
    train, _ = digits_loaders(batch_size=1)
    x, y = next(iter(train))
    assert x.shape == (1, 1, 8, 8) and y.shape == (1,)


def test_test_loader_keeps_the_split_order():
    _, test = digits_loaders(batch_size=100, seed=2)
    np.testing.assert_array_equal(_first_epoch(test).numpy(), digits(seed=2).y_test)


def test_train_order_is_fixed_by_the_seed_and_reshuffles_each_epoch():
    a, _ = digits_loaders(seed=0)
    b, _ = digits_loaders(seed=0)
    c, _ = digits_loaders(seed=1)
    epoch1 = _first_epoch(a)
    assert torch.equal(epoch1, _first_epoch(b))
    assert not torch.equal(epoch1, _first_epoch(c))
    assert not torch.equal(epoch1, _first_epoch(a))  # a second epoch, a new order
    assert torch.equal(epoch1.sort().values, torch.from_numpy(np.sort(digits().y_train)))


def test_loaders_do_not_use_the_global_torch_rng():
    state = torch.get_rng_state()
    train, _ = digits_loaders(seed=0)
    _first_epoch(train)
    assert torch.equal(torch.get_rng_state(), state)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"batch_size": 0}, ValueError, r"batch_size must be at least 1, got 0"),
        ({"batch_size": -8}, ValueError, r"batch_size must be at least 1, got -8"),
        ({"batch_size": 32.0}, TypeError, r"batch_size must be an int, got float \(32\.0\)"),
        ({"batch_size": True}, TypeError, r"batch_size must be an int, got bool"),
        ({"num_workers": -1}, ValueError, r"num_workers must be at least 0, got -1"),
        ({"test_size": 2.0}, ValueError, r"strictly between 0 and 1"),
        ({"seed": -3}, ValueError, r"seed must be a non-negative int"),
    ],
)
def test_loader_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        digits_loaders(**kwargs)


# --- photo_from_bytes: a student's own photo from an upload --------------------------------

def _encoded(array, fmt):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP"])
def test_photo_from_bytes_reads_common_formats_and_shrinks(fmt):
    from course_utils.data import photo, photo_from_bytes

    original = photo("chelsea")  # 300 x 451
    got = photo_from_bytes(_encoded(original, fmt), max_side=200)
    assert got.dtype == np.uint8 and got.shape == (133, 200, 3)
    if fmt in ("PNG", "BMP", "TIFF"):  # lossless: shrinking the original gives the same
        from PIL import Image

        expected = Image.fromarray(original)
        expected.thumbnail((200, 200), Image.Resampling.LANCZOS)
        np.testing.assert_array_equal(got, np.asarray(expected))


def test_photo_from_bytes_converts_gray_and_rgba_and_never_enlarges():
    from course_utils.data import photo_from_bytes

    gray = np.arange(100, dtype=np.uint8).reshape(10, 10)
    got = photo_from_bytes(_encoded(gray, "PNG"))
    assert got.shape == (10, 10, 3) and (got[..., 0] == gray).all()
    rgba = np.zeros((20, 30, 4), np.uint8)
    assert photo_from_bytes(_encoded(rgba, "PNG")).shape == (20, 30, 3)
    lum = photo_from_bytes(_encoded(gray, "PNG"), gray=True)
    np.testing.assert_allclose(lum, gray / 255, atol=1e-6)


def test_photo_from_bytes_says_what_is_wrong():
    from course_utils.data import photo_from_bytes

    with pytest.raises(ValueError, match="not an image file this course can read.*upload a PNG"):
        photo_from_bytes(b"%PDF-1.4 certainly not a photo")
    with pytest.raises(ValueError, match="not an image"):
        photo_from_bytes(b"")
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.full((300, 400, 3), 128, dtype=np.uint8)).save(buffer, "JPEG")
    with pytest.raises(ValueError, match="or a damaged one"):
        photo_from_bytes(buffer.getvalue()[:600])  # a JPEG cut short
    with pytest.raises(TypeError, match="content must be the file's bytes"):
        photo_from_bytes("chelsea.png")
    with pytest.raises(ValueError, match="max_side must be"):
        photo_from_bytes(b"x", max_side=2)


def test_photo_from_bytes_luminance_and_16_bit_files():
    from course_utils.data import photo_from_bytes

    rgb = np.zeros((40, 100, 3), dtype=np.uint8)
    rgb[:, 50:] = (255, 0, 0)  # right half pure red: luminance 0.2125
    for fmt in ("PNG", "BMP", "GIF", "JPEG", "TIFF"):
        gray = photo_from_bytes(_encoded(rgb, fmt), max_side=50, gray=True)
        assert gray.shape == (20, 50) and gray.dtype == np.float64
        assert gray[:, :20].max() < 0.05 and abs(gray[:, 35:].mean() - 0.2125) < 0.03, fmt
    deep = np.tile(np.linspace(0, 4000, 40).astype(np.uint16), (30, 1))  # 16-bit grey ramp
    ramp = photo_from_bytes(_encoded(deep, "PNG"), gray=True)
    assert ramp.shape == (30, 40) and ramp[0, 0] == 0 and ramp[0, -1] == pytest.approx(1)
    assert 0.4 < ramp[0, 20] < 0.6  # scaled from darkest to brightest, not clipped at 255
    assert photo_from_bytes(_encoded(deep, "PNG")).shape == (30, 40, 3)
