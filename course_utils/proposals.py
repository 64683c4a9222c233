"""Where to look: sliding windows and region proposals (notebook 11).

- ``sliding_windows``: every window of several sizes and shapes at a fixed stride; how many
  there are is the cost of classifying every one of them.
- ``selective_search``: a small version of Uijlings et al.'s selective search. Start from
  Felzenszwalb's graph-based segments (scikit-image), then merge the two most similar
  neighbouring regions again and again, by colour, size and fill; every region ever formed
  gives a box. Texture similarity and colour-space diversification are left out.
- ``proposal_recall``: the fraction of objects some proposal covers with IoU >= 0.5.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

from course_utils.boxes import _check_boxes, box_iou
from course_utils.validate import as_array, as_number

__all__ = [
    "sliding_windows", "region_similarity", "selective_search", "proposal_recall",
]


def _side(value, name: str) -> tuple[int, int]:
    if isinstance(value, int | np.integer):
        value = (value, value)
    if not isinstance(value, Sequence) or len(value) != 2:
        raise ValueError(f"{name} must be one number or (height, width), got {value!r}")
    return tuple(as_number(v, name, minimum=1, integer=True) for v in value)


def sliding_windows(image_size, *, sizes: Sequence[float] = (12, 16, 24, 32),
                    ratios: Sequence[float] = (1.0,), stride: int = 4) -> Tensor:
    """Every window of every size and shape that fits in the image, ``stride`` pixels apart.

    A window of size ``s`` and ratio ``r`` is ``s * sqrt(r)`` wide and ``s / sqrt(r)`` high;
    its top-left corner steps over ``0, stride, 2 stride, ..`` while it fits.

    Returns:
        Tensor[W, 4]: "xyxy" windows, size by size, then ratio, then row by row.
    """
    height, width = _side(image_size, "image_size")
    stride = as_number(stride, "stride", minimum=1, integer=True)
    sizes = as_array(sizes, "sizes", shape=(None,)).tolist()
    ratios = as_array(ratios, "ratios", shape=(None,)).tolist()
    if not sizes or not ratios or min(sizes) <= 0 or min(ratios) <= 0:
        raise ValueError(f"sizes and ratios must be non-empty and positive, got {sizes} and "
                         f"{ratios}")
    windows = []
    for s in sizes:
        for r in ratios:
            w, h = s * math.sqrt(r), s / math.sqrt(r)
            if w > width or h > height:
                continue  # does not fit anywhere
            xs = torch.arange(0, width - w + 1e-9, stride, dtype=torch.float64)
            ys = torch.arange(0, height - h + 1e-9, stride, dtype=torch.float64)
            y, x = torch.meshgrid(ys, xs, indexing="ij")
            windows.append(torch.stack([x, y, x + w, y + h], -1).reshape(-1, 4))
    return torch.cat(windows).float() if windows else torch.zeros(0, 4)


# --- selective search ---------------------------------------------------------------------

def _histograms(image: np.ndarray, labels: np.ndarray, n: int, bins: int) -> np.ndarray:
    """Colour histogram of every segment, each channel ``bins`` bins, L1-normalised."""
    channels = image[..., None] if image.ndim == 2 else image
    quantised = np.minimum((channels * bins).astype(np.int64), bins - 1)  # [H, W, C]
    hist = np.zeros((n, channels.shape[-1] * bins))
    for c in range(channels.shape[-1]):
        np.add.at(hist, (labels.ravel(), c * bins + quantised[..., c].ravel()), 1.0)
    return hist / hist.sum(axis=1, keepdims=True)


def _neighbours(labels: np.ndarray) -> set[tuple[int, int]]:
    pairs = set()
    for a, b in ((labels[:, :-1], labels[:, 1:]), (labels[:-1], labels[1:])):
        touch = a != b
        for p, q in zip(a[touch].tolist(), b[touch].tolist(), strict=True):
            pairs.add((min(p, q), max(p, q)))
    return pairs


def _region(region, name: str) -> dict:
    """A region dict {"size", "hist" [B], "box" (x1, y1, x2, y2)}, checked."""
    if not isinstance(region, dict) or not {"size", "hist", "box"} <= set(region):
        raise TypeError(f"{name} must be a region dict with size, hist and box, got "
                        f"{region!r:.60}")
    hist = as_array(region["hist"], f"{name}['hist']", shape=(None,), nonempty=True)
    box = as_array(region["box"], f"{name}['box']", shape=(4,))
    return {"size": as_number(region["size"], f"{name}['size']", minimum=0.0), "hist": hist,
            "box": tuple(box.tolist())}


def region_similarity(r1: dict, r2: dict, area: float) -> float:
    """Colour + size + fill similarity (Uijlings et al. 2013), each in [0, 1]."""
    area = as_number(area, "area", minimum=1e-9)
    r1, r2 = _region(r1, "r1"), _region(r2, "r2")
    if r1["hist"].shape != r2["hist"].shape:
        raise ValueError(f"r1['hist'] and r2['hist'] must have one shape (the same bins), got "
                         f"{r1['hist'].shape} and {r2['hist'].shape}")
    return _similarity(r1, r2, area)


def _similarity(r1: dict, r2: dict, area: float) -> float:
    """``region_similarity`` without the checks: selective search's inner loop."""
    colour = float(np.minimum(r1["hist"], r2["hist"]).sum())  # histogram intersection
    size = 1.0 - (r1["size"] + r2["size"]) / area  # merge small regions first
    x1, y1 = min(r1["box"][0], r2["box"][0]), min(r1["box"][1], r2["box"][1])
    x2, y2 = max(r1["box"][2], r2["box"][2]), max(r1["box"][3], r2["box"][3])
    fill = 1.0 - ((x2 - x1) * (y2 - y1) - r1["size"] - r2["size"]) / area  # boxes that fit
    return colour + size + fill


def _regions(image: np.ndarray, labels: np.ndarray, bins: int) -> dict[int, dict]:
    n = int(labels.max()) + 1
    hist = _histograms(image, labels, n, bins)
    regions = {}
    for k in range(n):
        ys, xs = np.nonzero(labels == k)
        if len(ys):
            regions[k] = {"size": float(len(ys)), "hist": hist[k],
                          "box": (int(xs.min()), int(ys.min()), int(xs.max()) + 1,
                                  int(ys.max()) + 1)}
    return regions


def _group(regions: dict[int, dict], pairs: set, area: float) -> list[tuple]:
    """Merge the most similar neighbours until one region is left; every region's box."""
    boxes = [r["box"] for r in regions.values()]
    neighbours = {k: set() for k in regions}
    for a, b in pairs:
        neighbours[a].add(b)
        neighbours[b].add(a)
    heap = [(-_similarity(regions[a], regions[b], area), a, b) for a, b in pairs]
    heapq.heapify(heap)
    alive, new = set(regions), max(regions) + 1
    while heap:
        _, a, b = heapq.heappop(heap)
        if a not in alive or b not in alive:
            continue  # one of them was merged already
        r1, r2 = regions[a], regions[b]
        size = r1["size"] + r2["size"]
        regions[new] = {"size": size, "hist": (r1["hist"] * r1["size"] + r2["hist"] *
                                               r2["size"]) / size,
                        "box": (min(r1["box"][0], r2["box"][0]), min(r1["box"][1], r2["box"][1]),
                                max(r1["box"][2], r2["box"][2]), max(r1["box"][3], r2["box"][3]))}
        boxes.append(regions[new]["box"])
        alive -= {a, b}
        neighbours[new] = (neighbours.pop(a) | neighbours.pop(b)) - {a, b}
        for k in neighbours[new]:
            neighbours[k] -= {a, b}
            neighbours[k].add(new)
            heapq.heappush(heap, (-_similarity(regions[new], regions[k], area), min(k, new),
                                  max(k, new)))
        alive.add(new)
        new += 1
    return boxes


def selective_search(image, *, scales: Sequence[float] = (30, 100), sigma: float = 0.8,
                     min_size: int = 10, bins: int = 8, min_side: int = 4) -> Tensor:
    """Region proposals: Felzenszwalb segments grouped hierarchically (selective search).

    Args:
        image: float [H, W, 3] or [H, W] in [0, 1].
        scales: Felzenszwalb's ``scale`` values (larger: fewer, bigger first segments); each
            gives its own hierarchy, and all their boxes are pooled.
        sigma, min_size: Felzenszwalb's smoothing and smallest segment, in pixels.
        bins: histogram bins per colour channel.
        min_side: boxes narrower or lower than this many pixels are dropped.

    Returns:
        Tensor[P, 4]: distinct "xyxy" boxes in pixel edges, in the order they were found.
    """
    from skimage.segmentation import felzenszwalb

    image = as_array(image, "image", nonempty=True)
    bins = as_number(bins, "bins", minimum=1, integer=True)
    min_side = as_number(min_side, "min_side", minimum=0, integer=True)
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3):
        raise ValueError(f"image must be [H, W, 3] or [H, W], got shape {image.shape}")
    if image.min() < 0 or image.max() > 1:
        raise ValueError(f"image values must be in [0, 1], got {image.min():g}..{image.max():g}")
    scales = as_array(scales, "scales", shape=(None,)).tolist()
    sigma = as_number(sigma, "sigma", minimum=0.0)
    min_size = as_number(min_size, "min_size", minimum=1, integer=True)
    area = float(image.shape[0] * image.shape[1])
    found: dict[tuple, None] = {}
    for scale in scales:
        labels = felzenszwalb(image, scale=as_number(scale, "scales", minimum=1e-3), sigma=sigma,
                              min_size=min_size, channel_axis=-1 if image.ndim == 3 else None)
        for box in _group(_regions(image, labels, bins), _neighbours(labels), area):
            if box[2] - box[0] >= min_side and box[3] - box[1] >= min_side:
                found.setdefault(box)
    return torch.tensor(list(found), dtype=torch.float32).reshape(-1, 4)


def proposal_recall(proposals: list, gt_boxes: list, *, iou_threshold: float = 0.5) -> float:
    """Fraction of ground-truth boxes (over all images) that some proposal of their image
    overlaps with IoU >= ``iou_threshold``."""
    if len(proposals) != len(gt_boxes):
        raise ValueError(f"{len(proposals)} lists of proposals but {len(gt_boxes)} lists of "
                         "ground-truth boxes: one of each per image")
    iou_threshold = as_number(iou_threshold, "iou_threshold", minimum=0.0, maximum=1.0)
    found = total = 0
    for i, (p, g) in enumerate(zip(proposals, gt_boxes, strict=True)):
        g = _check_boxes(g, f"gt_boxes[{i}]")
        total += len(g)
        if len(g) and len(p):
            found += int((box_iou(g, _check_boxes(p, f"proposals[{i}]")).max(dim=1).values
                          >= iou_threshold).sum())
    if total == 0:
        raise ValueError("there are no ground-truth boxes: recall is undefined")
    return found / total
