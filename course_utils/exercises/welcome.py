"""Exercises of notebook 00 (welcome); each test computes its answer independently."""

from __future__ import annotations

import numpy as np

from course_utils.exercises import CheckFailed, answer_array, exercise


def _array(value, what: str) -> np.ndarray:
    return answer_array(value, what)


def _grayscale_cases() -> list[np.ndarray]:
    from course_utils.data import photo

    rng = np.random.default_rng(0)
    cases = [rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8) for h, w in [(4, 5), (1, 1)]]
    cases.append(np.full((2, 3, 3), 255, dtype=np.uint8))  # white must give exactly 1.0
    return [*cases, photo("chelsea")[::10, ::10]]


@exercise("00.to_grayscale", title="an image is an array: colour to grayscale")
def _to_grayscale(answer) -> None:
    from skimage.color import rgb2gray

    for image in _grayscale_cases():
        before = image.copy()
        got = _array(answer(image), "to_grayscale(image)")
        expected = rgb2gray(image)  # scikit-image: 0.2125 R + 0.7154 G + 0.0721 B, on [0, 1]
        if not np.array_equal(image, before):
            raise CheckFailed("your function changed the photo in place; return a new array")
        if got.shape != expected.shape:
            raise CheckFailed(f"for a photo of shape {image.shape} return shape "
                              f"{expected.shape} (one number per pixel), got {got.shape}")
        if got.max() > 1.0 + 1e-9:
            raise CheckFailed("values above 1: scale the uint8 values 0..255 to 0..1 first")
        if np.allclose(got, image.mean(axis=2) / 255) and not np.allclose(got, expected):
            raise CheckFailed("that is the plain mean of R, G and B; the eye is most sensitive "
                              "to green: weight the channels 0.2125, 0.7154, 0.0721")
        if not np.allclose(got, expected, atol=1e-6):  # float64 rounding only
            worst = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape)
            raise CheckFailed(f"at pixel (row, col) = {tuple(map(int, worst))} of a "
                              f"{image.shape} photo expected {expected[worst]:.4f}, got "
                              f"{got[worst]:.4f}; weights 0.2125 R + 0.7154 G + 0.0721 B")


def _mask_cases() -> list[np.ndarray]:
    from course_utils.data import photo
    from course_utils.tour import segment_objects

    rect = np.zeros((6, 9), dtype=bool)
    rect[1:4, 2:8] = True  # rows 1..3, columns 2..7: a wide box, so x and y differ
    ell = np.zeros((7, 5), dtype=bool)
    ell[2:7, 0], ell[6, 0:4] = True, True  # an L: the box is bigger than the pixels
    dot = np.zeros((4, 4), dtype=bool)
    dot[3, 0] = True  # a single pixel in a corner
    coins = segment_objects(photo("coins", gray=True)).instances
    rng = np.random.default_rng(4)  # random sizes and scattered pixels, some on the border
    scattered = [rng.random((int(h), int(w))) < 0.05 for h, w in rng.integers(3, 40, (6, 2))]
    scattered = [m if m.any() else np.eye(*m.shape, dtype=bool) for m in scattered]
    edge = np.zeros((5, 8), dtype=bool)
    edge[4, 7] = edge[2, 3] = True  # touches the bottom-right corner: x2 = W, y2 = H
    return [rect, ell, dot, coins == 5, edge, *scattered]


@exercise("00.box_from_mask", title="from a segmentation mask to a detection box")
def _box_from_mask(answer) -> None:
    from skimage.measure import regionprops

    for mask in _mask_cases():
        got = _array(answer(mask.copy()), "box_from_mask(mask)").ravel()
        if got.shape != (4,):
            raise CheckFailed(f"return 4 numbers (x1, y1, x2, y2), got {got.size}")
        row0, col0, row1, col1 = regionprops(mask.astype(np.uint8))[0].bbox  # end exclusive
        expected = np.array([col0, row0, col1, row1], dtype=np.float64)
        if np.array_equal(got, expected[[1, 0, 3, 2]]):
            raise CheckFailed("x and y are swapped: x is the column (axis 1), y the row "
                              "(axis 0), so a box is (x1, y1, x2, y2) = (col, row, col, row)")
        if np.array_equal(got, expected - [0, 0, 1, 1]):
            raise CheckFailed("off by one: x2 and y2 are one past the last pixel, so that "
                              "x2 - x1 is the width in pixels (torchvision's masks_to_boxes "
                              "returns the last pixel instead; here we use edges)")
        if not np.array_equal(got, expected):
            raise CheckFailed(f"for a {mask.shape} mask with {int(mask.sum())} pixels set "
                              f"expected {expected.astype(int).tolist()}, got {got.tolist()}")
