"""Sliding windows (counted by a loop), selective search on images with known regions, and
proposal recall; crop_and_resize against torchvision's roi_align."""

import math

import numpy as np
import pytest
import torch
import torchvision.ops as tv

from course_utils.data import make_scenes
from course_utils.detection import crop_and_resize
from course_utils.proposals import (
    _group,
    _neighbours,
    _regions,
    proposal_recall,
    selective_search,
    sliding_windows,
)


@pytest.mark.parametrize(("size", "sizes", "ratios", "stride"), [
    (64, (12, 16, 24, 32), (1.0,), 4), (64, (16, 32), (1.0, 2.0, 0.5), 8),
    ((40, 60), (10,), (3.0,), 5),
    (32, (40,), (1.0,), 4),  # too big: no window
])
def test_sliding_windows_are_every_fitting_position(size, sizes, ratios, stride):
    height, width = (size, size) if isinstance(size, int) else size
    windows = sliding_windows(size, sizes=sizes, ratios=ratios, stride=stride)
    expected = []
    for s in sizes:
        for r in ratios:
            w, h = s * math.sqrt(r), s / math.sqrt(r)
            y = 0
            while y + h <= height + 1e-9:
                x = 0
                while x + w <= width + 1e-9:
                    expected.append((x, y, x + w, y + h))
                    x += stride
                y += stride
    assert windows.shape == (len(expected), 4)
    if expected:
        torch.testing.assert_close(windows, torch.tensor(expected, dtype=torch.float32))


def test_sliding_windows_bad_inputs():
    with pytest.raises(ValueError, match="stride must be >= 1"):
        sliding_windows(64, stride=0)
    with pytest.raises(ValueError, match="non-empty and positive"):
        sliding_windows(64, sizes=[-4])


def _two_rectangles():
    image = np.full((40, 60, 3), 0.3)
    image[5:15, 10:30] = (0.9, 0.1, 0.1)
    image[20:38, 35:55] = (0.1, 0.2, 0.9)
    return image


def test_selective_search_finds_flat_coloured_regions_exactly():
    proposals = selective_search(_two_rectangles(), scales=(10,), min_size=5)
    found = set(map(tuple, proposals.tolist()))
    assert (10, 5, 30, 15) in found and (35, 20, 55, 38) in found
    assert (0, 0, 60, 40) in found  # the last merge: everything
    assert len(found) == len(proposals)  # no duplicates
    assert (proposals[:, 2:] > proposals[:, :2]).all()


def test_grouping_merges_down_to_one_region():
    labels = np.array([[0, 0, 1, 1], [2, 2, 1, 1], [2, 3, 3, 1]])
    image = np.random.default_rng(0).random((3, 4, 3))
    regions = _regions(image, labels, bins=4)
    assert regions[1]["box"] == (2, 0, 4, 3) and regions[1]["size"] == 5
    assert _neighbours(labels) == {(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)}
    boxes = _group(regions, _neighbours(labels), area=12.0)
    assert len(boxes) == 2 * 4 - 1 and boxes[-1] == (0, 0, 4, 3)


def test_selective_search_recall_on_scenes():
    scenes = make_scenes(30, seed=7, max_objects=4)
    proposals = [selective_search(s.image) for s in scenes]
    assert proposal_recall(proposals, [s.boxes for s in scenes]) >= 0.95
    assert np.mean([len(p) for p in proposals]) < 150  # far fewer than sliding windows


def test_selective_search_gray_image_and_bad_inputs():
    gray = _two_rectangles().mean(axis=2)
    assert len(selective_search(gray, scales=(10,))) > 0
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        selective_search(gray * 255)
    with pytest.raises(ValueError, match=r"\[H, W, 3\] or \[H, W\]"):
        selective_search(np.zeros((4, 4, 2)))
    with pytest.raises(ValueError, match="finite"):
        selective_search(np.full((4, 4), np.nan))


def test_proposal_recall_hand_worked():
    gt = [torch.tensor([[0.0, 0, 10, 10], [20, 20, 30, 30]]), torch.tensor([[0.0, 0, 4, 4]])]
    proposals = [torch.tensor([[0.0, 0, 10, 12]]), torch.zeros(0, 4)]
    # IoU 100/120 covers the first box; nothing covers the other two
    assert proposal_recall(proposals, gt) == 1 / 3
    assert proposal_recall(proposals, gt, iou_threshold=0.9) == 0.0
    with pytest.raises(ValueError, match="one of each per image"):
        proposal_recall(proposals[:1], gt)
    with pytest.raises(ValueError, match="no ground-truth boxes"):
        proposal_recall([torch.zeros(0, 4)], [torch.zeros(0, 4)])


def test_crop_and_resize_equals_roi_align_inside_the_image():
    gen = torch.Generator().manual_seed(0)
    images = torch.rand(2, 3, 20, 30, generator=gen, dtype=torch.float64)
    boxes = torch.tensor([[0, 1, 1, 15, 18], [1, 2.3, 0.7, 29.4, 19.5], [0, 5, 5, 6, 6],
                          [1, 0, 0, 30, 20]], dtype=torch.float64)
    for size in (1, 4, 8, 13):
        torch.testing.assert_close(crop_and_resize(images, boxes, size), tv.roi_align(
            images, boxes, size, aligned=True, sampling_ratio=1))
    with pytest.raises(ValueError, match="size must be >= 1"):
        crop_and_resize(images, boxes, 0)
