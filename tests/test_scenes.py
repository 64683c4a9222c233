"""The synthetic scenes: boxes and masks agree with the pixels, seeds reproduce scenes."""

import time

import numpy as np
import pytest
import torch

from course_utils.data import (
    COLOURS,
    SHAPES,
    Scene,
    make_scene,
    make_scenes,
    scene_images,
    scenes_to_tensors,
    semantic_map,
)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("size", [32, 64, 96])
def test_boxes_masks_and_colours_agree_with_pixels(seed, size):
    scene = make_scene(size=size, seed=seed, max_objects=4, noise=0.0)
    k = len(scene.labels)
    assert 1 <= k <= 4
    assert scene.image.shape == (size, size, 3) and scene.image.dtype == np.float32
    assert scene.masks.shape == (k, size, size) and scene.masks.dtype == bool
    assert scene.boxes.shape == (k, 4) and scene.labels.dtype == np.int64
    assert set(scene.labels.tolist()) <= set(range(1, len(SHAPES) + 1))
    assert scene.masks.sum(0).max() <= 1  # visible masks are disjoint
    palette = np.array(list(COLOURS.values()), np.float32)
    for mask, box, colour in zip(scene.masks, scene.boxes, scene.colours, strict=True):
        assert mask.sum() >= 9
        ys, xs = np.nonzero(mask)  # the box is the tight box of the visible pixels
        np.testing.assert_array_equal(box, [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])
        np.testing.assert_allclose(scene.image[mask], np.broadcast_to(
            COLOURS[colour], (mask.sum(), 3)), atol=1e-6)  # painted in its colour
    background = scene.image[~scene.masks.any(0)]
    distance = np.abs(background[:, None, :] - palette[None]).max(-1)
    assert distance.min() > 0.2  # no object colour outside the masks
    assert np.all(np.abs(background - background[:, :1]) < 1e-6)  # clutter is grey


@pytest.mark.parametrize("seed", range(6))
def test_noise_keeps_pixels_near_their_colour(seed):
    scene = make_scene(seed=seed, noise=0.03)
    assert 0.0 <= scene.image.min() and scene.image.max() <= 1.0
    for mask, colour in zip(scene.masks, scene.colours, strict=True):
        err = np.abs(scene.image[mask] - np.asarray(COLOURS[colour])).mean()
        assert err < 0.05


def test_same_seed_same_scene_and_different_seed_different_scene():
    a, b, c = make_scenes(20, seed=3), make_scenes(20, seed=3), make_scenes(20, seed=4)
    for x, y in zip(a, b, strict=True):
        for f in Scene._fields:
            np.testing.assert_array_equal(getattr(x, f), getattr(y, f))
    assert any(not np.array_equal(x.image, y.image) for x, y in zip(a, c, strict=True))
    prefix = make_scenes(5, seed=3)
    for x, y in zip(prefix, a[:5], strict=True):
        np.testing.assert_array_equal(x.image, y.image)
    np.testing.assert_array_equal(make_scene(seed=7).image, make_scene(seed=7).image)


def test_occlusion_happens_and_objects_stay_visible():
    scenes = make_scenes(300, max_objects=4, n_objects=4, noise=0.0)
    occluded = 0
    for s in scenes:
        assert len(s.labels) == 4
        areas = s.masks.sum((1, 2))
        box_areas = (s.boxes[:, 2] - s.boxes[:, 0]) * (s.boxes[:, 3] - s.boxes[:, 1])
        assert np.all(areas <= box_areas)
        occluded += int(np.any(areas < 0.4 * box_areas))
    assert occluded > 0


def test_captions_name_objects_left_to_right():
    for s in make_scenes(50):
        for colour, label in zip(s.colours, s.labels, strict=True):
            assert f"{colour} {SHAPES[label - 1]}" in s.caption
    s = make_scene(n_objects=2, seed=1)
    left, right = np.argsort((s.boxes[:, 0] + s.boxes[:, 2]) / 2)
    assert s.caption == (f"a {s.colours[left]} {SHAPES[s.labels[left] - 1]} left of "
                         f"a {s.colours[right]} {SHAPES[s.labels[right] - 1]}")


def test_semantic_map_and_tensors():
    scenes = make_scenes(8, size=48, max_objects=3)
    images, semantic, boxes, labels = scenes_to_tensors(scenes)
    assert images.shape == (8, 3, 48, 48) and images.dtype == torch.float32
    k = max(len(s.labels) for s in scenes)
    assert boxes.shape == (8, k, 4) and labels.shape == (8, k)
    for i, s in enumerate(scenes):
        m = semantic_map(s)
        assert np.array_equal(m > 0, s.masks.any(0))
        for mask, label in zip(s.masks, s.labels, strict=True):
            assert np.all(m[mask] == label)
        np.testing.assert_array_equal(semantic[i].numpy(), m)
        np.testing.assert_array_equal(images[i].permute(1, 2, 0).numpy(), s.image)
        np.testing.assert_array_equal(boxes[i, :len(s.labels)].numpy(), s.boxes)
        assert labels[i, len(s.labels):].eq(0).all()
    without = scenes_to_tensors(scenes, semantic=False)  # the same tensors, no maps
    assert without[1] is None
    for a, b in zip(without[::2] + without[3:], (images, boxes, labels), strict=True):
        assert torch.equal(a, b)


@pytest.mark.parametrize("size", [16, 33])
def test_scene_images_are_the_stacked_images(size):
    scenes = make_scenes(5, size=size, seed=3)
    expected = np.stack([s.image for s in scenes]).transpose(0, 3, 1, 2)  # NHWC -> NCHW
    images = scene_images(scenes)
    assert images.dtype == torch.float32 and images.is_contiguous()
    np.testing.assert_array_equal(images.numpy(), expected)
    np.testing.assert_array_equal(scene_images(iter(scenes)).numpy(), expected)  # any iterable
    assert torch.equal(scenes_to_tensors(scenes)[0], images)


def test_fast_enough():
    start = time.process_time()
    make_scenes(500, size=64)
    assert time.process_time() - start < 5.0


@pytest.mark.parametrize("kwargs, message", [
    ({"size": 8}, "size must be >= 16"),
    ({"size": 64.5}, "size must be a whole number"),
    ({"n_objects": 0}, "n_objects must be >= 1"),
    ({"noise": float("nan")}, "noise must be finite"),
    ({"noise": -0.1}, "noise must be >= 0"),
    ({"seed": -1}, "seed must be >= 0"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_scene(**kwargs)


def test_bad_collections():
    with pytest.raises(TypeError, match="unknown arguments"):
        make_scenes(3, colour="red")
    with pytest.raises(TypeError, match="list of Scene"):
        scenes_to_tensors([])
    with pytest.raises(ValueError, match="one image size"):
        scenes_to_tensors([make_scene(size=32), make_scene(size=64)])
    with pytest.raises(TypeError, match=r"scenes\[1\] must be a Scene from make_scene"):
        scene_images([make_scene(size=32), np.zeros((32, 32, 3))])
    with pytest.raises(ValueError, match="one image size"):
        scene_images([make_scene(size=32), make_scene(size=64)])
    with pytest.raises(TypeError, match="scene must be a Scene from make_scene"):
        semantic_map(np.zeros((4, 4)))
