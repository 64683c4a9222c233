"""Real data that ships inside installed packages: photos and handwritten digits, no download.

- ``photo(name)``: scikit-image's bundled images and scikit-learn's two sample images
  (``list_photos()`` names them). Used by notebook 00 (the tour of vision tasks) and by
  the convolution and transfer-learning notebooks.
- ``digits()`` / ``digits_loaders()``: scikit-learn's 1,797 real 8x8 handwritten digits
  with a fixed, stratified train/test split. Used from notebook 02 onwards.

Every photo here loads from files inside the installed package. Some ``skimage.data``
functions (``eagle``, ``kidney``, ``lily``, ``skin``, ...) fetch their file with ``pooch``
instead; they are deliberately left out, and ``tests/test_data_real.py`` loads every name
with the network blocked.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import NamedTuple

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from course_utils.errors import unknown_name
from course_utils.repro import numpy_rng

__all__ = [
    "list_photos", "photo", "Digits", "photo_from_bytes", "digits", "digits_loaders",
]


def _skimage(name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        import skimage.data

        return getattr(skimage.data, name)()

    return load


def _sklearn(filename: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        from sklearn.datasets import load_sample_image

        return load_sample_image(filename)

    return load


# Files inside the scikit-image wheel: no pooch, no network (``eagle``, ``kidney``, ... excluded).
_SKIMAGE_PHOTOS = (
    "astronaut brick camera cell chelsea clock coffee coins grass gravel horse"
    " hubble_deep_field immunohistochemistry microaneurysms moon page retina rocket text"
).split()

# name -> loader
_PHOTOS: dict[str, Callable[[], np.ndarray]] = {
    **{name: _skimage(name) for name in _SKIMAGE_PHOTOS},
    "china": _sklearn("china.jpg"),  # scikit-learn's two sample images
    "flower": _sklearn("flower.jpg"),
}


def list_photos() -> list[str]:
    """Names of the real photos ``photo`` can load offline, sorted.

    Used by notebook 00 to show what is available.
    """
    return sorted(_PHOTOS)


@cache
def _load_rgb(name: str) -> np.ndarray:
    """The photo as uint8 (H, W, 3), read-only: callers get copies."""
    image = np.asarray(_PHOTOS[name]())
    if image.dtype == bool:  # horse: a binary silhouette
        image = image.astype(np.uint8) * 255
    if image.ndim == 2:  # grayscale source: the same value in R, G and B
        image = np.stack([image] * 3, axis=-1)
    image = np.ascontiguousarray(image[..., :3], dtype=np.uint8)
    image.setflags(write=False)
    return image


def photo(name: str, *, gray: bool = False) -> np.ndarray:
    """A bundled real photo by name, loaded without any network access.

    Used by notebook 00 (task tour) and the convolution and transfer-learning notebooks.

    Args:
        name: one of ``list_photos()``, e.g. ``"chelsea"`` (a cat) or ``"coffee"``.
        gray: return luminance instead of colour.

    Returns:
        ``gray=False``: ``np.ndarray[H, W, 3]`` of uint8 in [0, 255], RGB order (HWC, not
        torch's CHW). Grayscale sources have R = G = B.
        ``gray=True``: ``np.ndarray[H, W]`` of float64 in [0, 1], the luminance
        ``0.2125 R + 0.7154 G + 0.0721 B`` of ``skimage.color.rgb2gray`` (for a grayscale
        source this is its pixel value / 255, up to float rounding).

        A fresh copy every call: changing it never changes the next call's photo.

    Raises:
        ValueError: unknown ``name`` (the message lists the available names).
    """
    if name not in _PHOTOS:
        raise unknown_name("photo", name, list_photos())
    rgb = _load_rgb(name)
    if not gray:
        return rgb.copy()
    from skimage.color import rgb2gray

    return rgb2gray(rgb)  # a new float64 array in [0, 1]


class Digits(NamedTuple):
    """A train/test split of the 8x8 digits.

    Attributes:
        x_train: float32 ``[N_train, 1, 8, 8]`` in [0, 1] (NCHW, one channel).
        x_test: float32 ``[N_test, 1, 8, 8]`` in [0, 1].
        y_train: int64 ``[N_train]`` in 0..9.
        y_test: int64 ``[N_test]`` in 0..9.

    Each is an ``np.ndarray``, or a ``torch.Tensor`` with ``as_tensor=True``.
    """

    x_train: np.ndarray | torch.Tensor
    x_test: np.ndarray | torch.Tensor
    y_train: np.ndarray | torch.Tensor
    y_test: np.ndarray | torch.Tensor


_N_DIGITS, _N_CLASSES = 1797, 10


def photo_from_bytes(content: bytes, *, max_side: int = 640, gray: bool = False) -> np.ndarray:
    """A student's own photo, from the bytes of an uploaded file (PNG, JPEG, GIF, BMP, TIFF,
    WebP: whatever Pillow reads), turned upright (EXIF orientation), converted to RGB and
    shrunk (Lanczos) so its longer side is at most ``max_side`` pixels. A 16-bit or float
    grayscale file is scaled from its darkest to its brightest value, not clipped. Used by
    the upload controls of the kernel editor (notebook 06) and the face detector lab (11).

    Returns:
        Like ``photo``: ``(H, W, 3)`` uint8 RGB, or with ``gray=True`` ``(H, W)`` float64 in
        [0, 1] (the luminance of ``skimage.color.rgb2gray``).

    Raises:
        ValueError: the bytes are not an image Pillow can read, or a damaged one (the
            message says which formats work), or ``max_side`` is not a whole number >= 16.
        TypeError: ``content`` is not bytes.
    """
    import io

    from PIL import Image, ImageOps, UnidentifiedImageError

    if not isinstance(content, bytes | bytearray | memoryview):
        raise TypeError(f"content must be the file's bytes, got {type(content).__name__}")
    if not (isinstance(max_side, int) and max_side >= 16):
        raise ValueError(f"max_side must be a whole number of pixels >= 16, got {max_side!r}")
    try:
        with Image.open(io.BytesIO(bytes(content))) as image:
            image.draft("RGB", (2 * max_side, 2 * max_side))  # JPEG: decode at reduced size
            image = ImageOps.exif_transpose(image)  # upright, as the camera was held
            if image.mode.startswith(("I", "F")):  # 16-bit or float grey: scale, not clip
                values = np.asarray(image, dtype=np.float32)
                span = float(values.max() - values.min())
                values = (values - values.min()) / span if span > 0 else values * 0
                image = Image.fromarray(values.astype(np.float32), mode="F")
            image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
            if image.mode == "F":
                lum = np.clip(np.asarray(image, dtype=np.float64), 0, 1)
                return lum if gray else np.repeat(np.uint8(np.round(lum * 255))[..., None], 3, 2)
            rgb = np.asarray(image.convert("RGB"))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise ValueError(f"not an image file this course can read, or a damaged one "
                         f"({len(content):,} bytes; {type(error).__name__}): upload a PNG, "
                         f"JPEG, GIF, BMP, TIFF or WebP photo") from None
    if not gray:
        return rgb.copy()
    from skimage.color import rgb2gray

    return rgb2gray(rgb)


def _check_split_args(test_size: float, seed: int) -> None:
    """Clear errors for an impossible ``test_size`` or ``seed`` (same rules as ``numpy_rng``)."""
    numpy_rng(seed)  # raises ValueError unless seed is a non-negative int
    if seed >= 2**32:
        raise ValueError(f"seed must be below 2**32, got {seed}")
    if isinstance(test_size, bool) or not isinstance(test_size, (float, int, np.floating)):
        raise TypeError(f"test_size must be a float in (0, 1), got {test_size!r}")
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be a fraction strictly between 0 and 1, got {test_size}")
    n_test = math.ceil(test_size * _N_DIGITS)
    if min(n_test, _N_DIGITS - n_test) < _N_CLASSES:
        lo, hi = _N_CLASSES / _N_DIGITS, 1 - _N_CLASSES / _N_DIGITS
        raise ValueError(
            f"test_size={test_size} puts {n_test} of {_N_DIGITS} images in the test set; a "
            f"stratified split needs at least {_N_CLASSES} (one per class) on each side, "
            f"so use test_size between {lo:.4f} and {hi:.4f}"
        )


def digits(*, test_size: float = 0.25, seed: int = 0, as_tensor: bool = False) -> Digits:
    """scikit-learn's real handwritten digits (1,797 images, 8x8), split train/test.

    Used from notebook 02 onwards (the first real images a network classifies).

    Args:
        test_size: fraction of images in the test set, strictly between 0 and 1.
        seed: the split's random state; the same seed always gives the same split.
        as_tensor: return torch tensors instead of NumPy arrays.

    Returns:
        ``Digits(x_train, x_test, y_train, y_test)``: images float32 ``[N, 1, 8, 8]``
        scaled from the original 0..16 ink levels to [0, 1]; labels int64 ``[N]``.
        The split is stratified: each digit has the same share in train and test.

    Raises:
        ValueError: ``test_size`` outside (0, 1) or leaving fewer than 10 images on a
            side; ``seed`` negative, not an int, or not below 2**32.
        TypeError: ``test_size`` not a number.
    """
    _check_split_args(test_size, seed)
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    x = (bunch.images / 16.0).astype(np.float32)[:, None, :, :]  # ink 0..16 -> [0, 1], NCHW
    y = bunch.target.astype(np.int64)
    parts = train_test_split(x, y, test_size=test_size, random_state=int(seed), stratify=y)
    x_train, x_test, y_train, y_test = (np.ascontiguousarray(p) for p in parts)
    if as_tensor:
        x_train, x_test, y_train, y_test = map(torch.from_numpy, (x_train, x_test, y_train, y_test))
    return Digits(x_train, x_test, y_train, y_test)


def _check_positive_int(name: str, value: object, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} ({value!r})")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")


def digits_loaders(
    *, batch_size: int = 64, test_size: float = 0.25, seed: int = 0, num_workers: int = 0
) -> tuple[DataLoader, DataLoader]:
    """DataLoaders over ``digits(test_size=..., seed=...)``, ready for a training loop.

    Used from notebook 05 onwards (mini-batch training).

    Args:
        batch_size: images per batch, at least 1.
        test_size: fraction of images held out (see ``digits``).
        seed: fixes both the split and the training shuffle order.
        num_workers: worker processes; 0 (the default) loads in the notebook's process,
            which is fastest for data this small and works everywhere.

    Returns:
        ``(train_loader, test_loader)``. Each batch is ``(x, y)`` with x float32
        ``[B, 1, 8, 8]`` and y int64 ``[B]``. The train loader reshuffles every epoch
        from its own ``torch.Generator`` seeded with ``seed`` (the global RNG is never
        touched); the test loader keeps a fixed order.
    """
    _check_positive_int("batch_size", batch_size, minimum=1)
    _check_positive_int("num_workers", num_workers, minimum=0)
    d = digits(test_size=test_size, seed=seed, as_tensor=True)
    generator = torch.Generator().manual_seed(int(seed))
    train = DataLoader(
        TensorDataset(d.x_train, d.y_train),
        batch_size=batch_size,
        shuffle=True,
        generator=generator,
        num_workers=num_workers,
    )
    test = DataLoader(
        TensorDataset(d.x_test, d.y_test),
        batch_size=batch_size,
        shuffle=False,
        num_workers=num_workers,
    )
    return train, test
