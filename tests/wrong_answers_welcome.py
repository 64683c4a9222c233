"""Wrong answers to notebook 00's exercises: each must fail with a hint."""

import numpy as np

_WEIGHTS = np.array([0.2125, 0.7154, 0.0721])


def _box_inclusive(mask):
    rows, cols = np.nonzero(mask)
    return cols.min(), rows.min(), cols.max(), rows.max()  # last pixel, not one past it


def _box_swapped(mask):
    rows, cols = np.nonzero(mask)
    return rows.min(), cols.min(), rows.max() + 1, cols.max() + 1  # (row, col) order


def _box_of_first_row(mask):
    rows, cols = np.nonzero(mask)
    first = cols[rows == rows.min()]  # only the top row's columns: wrong for an L shape
    return first.min(), rows.min(), first.max() + 1, rows.max() + 1


def _box_raster_order(mask):
    rows, cols = np.nonzero(mask)  # first and last True pixel in reading order: right for
    return cols[0], rows[0], cols[-1] + 1, rows[-1] + 1  # rectangles, wrong for a disc


def _box_clipped(mask):
    rows, cols = np.nonzero(mask)  # "keeps the box inside the image": wrong at the border
    return (cols.min(), rows.min(), min(cols.max() + 1, mask.shape[1] - 1),
            min(rows.max() + 1, mask.shape[0] - 1))


def _box_xywh(mask):
    rows, cols = np.nonzero(mask)  # COCO's (x, y, width, height), not (x1, y1, x2, y2)
    return cols.min(), rows.min(), cols.max() + 1 - cols.min(), rows.max() + 1 - rows.min()


def _gray_in_place(image):
    image[...] = 0
    return image[..., 0] / 255


WRONG = {
    "00.to_grayscale": [
        lambda image: image.mean(axis=2) / 255,  # plain mean of R, G, B
        lambda image: image @ _WEIGHTS,  # not scaled to [0, 1]
        lambda image: (image / 255 @ _WEIGHTS)[..., None],  # shape (H, W, 1)
        lambda image: image[..., 1] / 255,  # green channel only
        _gray_in_place,
        lambda image: "gray",
        lambda image: image / 255 @ np.array([0.299, 0.587, 0.114]),  # Rec. 601 (OpenCV's)
        lambda image: 1 - image / 255 @ _WEIGHTS,  # inverted: white gives 0
        lambda image: (image / 255 @ _WEIGHTS).astype(np.float16),  # 3 significant digits
    ],
    "00.box_from_mask": [
        _box_inclusive,
        _box_swapped,
        _box_of_first_row,
        lambda mask: (0, 0, mask.shape[1], mask.shape[0]),  # the whole image
        lambda mask: (1, 2, 3),
        _box_raster_order,
        _box_clipped,
        _box_xywh,
    ],
}
