"""Seeded synthetic scenes of coloured shapes, with boxes, labels, masks and captions.

Shared by notebooks 11 and 12 (detection), 13 (segmentation) and 14 (captioning). Each scene is a
noisy grey background with faint clutter (grey specks and lines, never in any mask) and
1..``max_objects`` coloured circles, squares and triangles of varied size and position.
Objects are painted in order, so later objects occlude earlier ones; every object keeps at
least ``MIN_VISIBLE`` of its own pixels visible.

Conventions:
- ``boxes`` are ``(x1, y1, x2, y2)`` in pixel-edge coordinates: an object covering columns
  3..7 has ``x1 = 3`` and ``x2 = 8``, so ``(x2 - x1) * (y2 - y1)`` is the area of its
  bounding rectangle in pixels. This is the convention of ``torchvision.ops``.
- ``labels`` are 1..3 (``SHAPES`` order); 0 means background in ``semantic_map``.
- ``make_scene(seed=s)`` and ``make_scenes(n, seed=s)`` are deterministic; scene ``i`` of
  ``make_scenes`` uses the random stream ``(seed, i)``, so ``make_scenes(10)[:5]`` equals
  ``make_scenes(5)``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from course_utils.validate import as_array, as_number, check_shape

__all__ = [
    "Scene", "make_scene", "make_scenes", "check_scene", "semantic_map",
    "scenes_to_tensors", "scene_images",
]

SHAPES = ("circle", "square", "triangle")
COLOURS = {
    "red": (0.90, 0.15, 0.15),
    "green": (0.15, 0.80, 0.20),
    "blue": (0.20, 0.35, 0.95),
    "yellow": (0.95, 0.85, 0.15),
    "magenta": (0.85, 0.20, 0.85),
    "cyan": (0.15, 0.85, 0.90),
}
MIN_VISIBLE = 0.5  # fraction of an object's own pixels that must stay visible


class Scene(NamedTuple):
    image: np.ndarray  # float32 [H, W, 3] in [0, 1]
    boxes: np.ndarray  # float32 [K, 4] (x1, y1, x2, y2), tight around each visible mask
    labels: np.ndarray  # int64 [K] in 1..len(SHAPES)
    masks: np.ndarray  # bool [K, H, W], visible pixels only
    colours: tuple[str, ...]  # colour name of each object
    caption: str  # e.g. "a red circle left of a blue square"


def _shape_mask(kind: str, cx: float, cy: float, half: float, size: int) -> np.ndarray:
    """Boolean mask of one shape, tested at pixel centres."""
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    if kind == "circle":
        return (xs - cx) ** 2 + (ys - cy) ** 2 <= half**2
    if kind == "square":
        return (np.abs(xs - cx) <= half) & (np.abs(ys - cy) <= half)
    # upward triangle: apex (cx, cy - half), base corners (cx -/+ half, cy + half)
    inside_rows = (ys >= cy - half) & (ys <= cy + half)
    width_at_row = (ys - (cy - half)) / 2.0  # half-width grows from 0 at the apex to half
    return inside_rows & (np.abs(xs - cx) <= width_at_row)


def _caption(labels: np.ndarray, colours: tuple[str, ...], boxes: np.ndarray) -> str:
    order = np.argsort((boxes[:, 0] + boxes[:, 2]) / 2, kind="stable")
    words = [f"a {colours[i]} {SHAPES[labels[i] - 1]}" for i in order]
    if len(words) == 1:
        return words[0]
    if len(words) == 2:
        return f"{words[0]} left of {words[1]}"
    return ", ".join(words[:-1]) + f" and {words[-1]}, from left to right"


def _draw(rng: np.random.Generator, size: int, n_objects: int, noise: float,
          clutter: bool) -> Scene:
    grey = rng.uniform(0.25, 0.45)
    image = np.full((size, size, 3), grey, np.float32)
    if clutter:  # faint grey specks and lines: texture that belongs to no object
        for _ in range(rng.integers(2, 6)):
            x, y = rng.integers(0, size, 2)
            length, vertical = int(rng.integers(1, size // 4 + 2)), rng.random() < 0.5
            shade = grey + rng.uniform(-0.12, 0.12)
            if vertical:
                image[y:y + length, x] = shade
            else:
                image[y, x:x + length] = shade
    names = list(COLOURS)
    owner = np.full((size, size), -1, np.int64)
    kinds, colours, full_masks = [], [], []
    for k in range(n_objects):
        for _attempt in range(50):
            half = rng.uniform(0.08, 0.2) * size
            cx, cy = rng.uniform(half, size - half, 2)
            kind = int(rng.integers(len(SHAPES)))
            mask = _shape_mask(SHAPES[kind], cx, cy, half, size)
            if mask.sum() < 9:
                continue
            trial = owner.copy()
            trial[mask] = k
            # every earlier object must keep MIN_VISIBLE of its own pixels
            if all((trial == j).sum() >= MIN_VISIBLE * m.sum()
                   for j, m in enumerate(full_masks)):
                break
        else:  # pragma: no cover - 50 failures in a row is vanishingly rare
            continue
        owner = trial
        full_masks.append(mask)
        kinds.append(kind + 1)
        colours.append(names[int(rng.integers(len(names)))])
    masks = np.stack([owner == j for j in range(len(kinds))]) if kinds else np.zeros(
        (0, size, size), bool)
    for j, name in enumerate(colours):
        image[masks[j]] = COLOURS[name]
    if noise > 0:
        image += rng.normal(0.0, noise, image.shape).astype(np.float32)
    np.clip(image, 0.0, 1.0, out=image)
    boxes = np.zeros((len(kinds), 4), np.float32)
    for j in range(len(kinds)):
        rows, cols = np.flatnonzero(masks[j].any(1)), np.flatnonzero(masks[j].any(0))
        boxes[j] = (cols[0], rows[0], cols[-1] + 1, rows[-1] + 1)
    labels = np.asarray(kinds, np.int64)
    colours_t = tuple(colours)
    caption = _caption(labels, colours_t, boxes) if kinds else "nothing"
    return Scene(image, boxes, labels, masks, colours_t, caption)


def _check(size, n_objects, max_objects, noise):
    size = as_number(size, "size", minimum=16, maximum=1024, integer=True)
    max_objects = as_number(max_objects, "max_objects", minimum=1, maximum=10, integer=True)
    if n_objects is not None:
        n_objects = as_number(n_objects, "n_objects", minimum=1, maximum=10, integer=True)
    noise = as_number(noise, "noise", minimum=0.0, maximum=0.5)
    return size, n_objects, max_objects, noise


def make_scene(*, size: int = 64, n_objects: int | None = None, max_objects: int = 3,
               seed: int = 0, noise: float = 0.03, clutter: bool = True) -> Scene:
    """One seeded scene of ``n_objects`` shapes (``None``: 1..``max_objects`` at random).

    Args:
        size: image side in pixels (16..1024).
        n_objects: exact number of objects, or ``None`` for a random count.
        max_objects: upper bound of the random count.
        seed: the random seed; the same seed gives the same scene.
        noise: standard deviation of the Gaussian pixel noise (0..0.5).
        clutter: draw faint grey specks and lines in the background.
    """
    size, n_objects, max_objects, noise = _check(size, n_objects, max_objects, noise)
    seed = as_number(seed, "seed", minimum=0, integer=True)
    return _one(np.random.default_rng(seed), size, n_objects, max_objects, noise, clutter)


def _one(rng, size, n_objects, max_objects, noise, clutter):
    count = n_objects if n_objects is not None else int(rng.integers(1, max_objects + 1))
    return _draw(rng, size, count, noise, bool(clutter))


def make_scenes(n: int, *, size: int = 64, seed: int = 0, **kwargs) -> list[Scene]:
    """``n`` scenes; scene ``i`` is drawn from the random stream ``(seed, i)``.

    Keyword arguments are those of ``make_scene`` (``n_objects``, ``max_objects``,
    ``noise``, ``clutter``).
    """
    n = as_number(n, "n", minimum=0, integer=True)
    seed = as_number(seed, "seed", minimum=0, integer=True)
    unknown = set(kwargs) - {"n_objects", "max_objects", "noise", "clutter"}
    if unknown:
        raise TypeError(f"make_scenes got unknown arguments {sorted(unknown)}; it takes "
                        "n_objects, max_objects, noise and clutter")
    size, n_objects, max_objects, noise = _check(
        size, kwargs.get("n_objects"), kwargs.get("max_objects", 3), kwargs.get("noise", 0.03))
    clutter = kwargs.get("clutter", True)
    return [_one(np.random.default_rng([seed, i]), size, n_objects, max_objects, noise, clutter)
            for i in range(n)]


def check_scene(scene, name: str = "scene") -> Scene:
    """``scene`` with its arrays checked (and typed as ``make_scene`` makes them), or a clear
    error naming the field: image float32 [H, W, 3], boxes float32 [K, 4] (x1 <= x2,
    y1 <= y2), labels int64 [K] in 1..3, masks bool [K, H, W]."""
    if not isinstance(scene, Scene):
        raise TypeError(f"{name} must be a Scene from make_scene, got {type(scene).__name__}")
    # dtype=None, then float32 without a copy when it already is: a float64 copy of every
    # image checked would double a 3,000-scene training set's memory for nothing
    image = as_array(scene.image, f"{name}.image", shape=(None, None, 3), nonempty=True,
                     dtype=None)
    if image.dtype.kind not in "fiub":
        raise ValueError(f"{name}.image must hold real numbers, got dtype {image.dtype}")
    boxes = as_array(scene.boxes, f"{name}.boxes", shape=(None, 4))
    k = len(boxes)
    labels = as_array(scene.labels, f"{name}.labels", dtype="int")
    check_shape(labels, f"{name}.labels", (k,), why=f"one per box of {name}.boxes")
    if k and (labels.min() < 1 or labels.max() > len(SHAPES)):
        raise ValueError(f"{name}.labels must be class ids 1..{len(SHAPES)} ({SHAPES}), got "
                         f"values from {labels.min()} to {labels.max()}")
    if k and ((boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1])).any():
        raise ValueError(f"{name}.boxes must be corners (x1, y1, x2, y2) with x2 >= x1 and "
                         f"y2 >= y1, got {boxes.tolist()}")
    masks = as_array(scene.masks, f"{name}.masks", dtype="bool")
    check_shape(masks, f"{name}.masks", (k, *image.shape[:2]),
                why=f"one H x W mask per box of {name}.boxes")
    return scene._replace(image=image.astype(np.float32, copy=False),
                          boxes=boxes.astype(np.float32, copy=False), labels=labels, masks=masks)


def semantic_map(scene: Scene) -> np.ndarray:
    """int64 [H, W]: 0 for background, else the class id (1..3) of the visible object."""
    scene = check_scene(scene)
    out = np.zeros(scene.image.shape[:2], np.int64)
    for mask, label in zip(scene.masks, scene.labels, strict=True):
        out[mask] = label
    return out


def _checked_scenes(scenes, name: str) -> list[Scene]:
    """``scenes`` as a list of checked Scenes of one image size, or a clear error."""
    if isinstance(scenes, Scene | str | bytes | np.ndarray | torch.Tensor) or not hasattr(
            scenes, "__iter__"):
        raise TypeError(f"scenes must be a non-empty list of Scene objects from make_scenes "
                        f"({name}), "
                        f"got {scenes!r:.40}")
    scenes = list(scenes)
    if not scenes:
        raise TypeError(f"scenes must be a non-empty list of Scene objects from make_scenes "
                        f"({name}), "
                        "got an empty one")
    scenes = [check_scene(s, f"scenes[{i}]") for i, s in enumerate(scenes)]
    sizes = {s.image.shape for s in scenes}
    if len(sizes) != 1:
        raise ValueError(f"all scenes must have one image size, got {sorted(sizes)}")
    return scenes


def scene_images(scenes) -> torch.Tensor:
    """The scenes' images alone, float32 [N, 3, H, W] in [0, 1] (notebook 14's inputs).

    Filled one scene at a time into one tensor: no stacked [N, H, W, 3] copy on the side,
    so 16,000 scenes of 32x32 take their 200 MB once (a hub counts the peak).
    """
    return _images(_checked_scenes(scenes, "scene_images"))


def _images(scenes: list[Scene]) -> torch.Tensor:
    h, w, _ = scenes[0].image.shape
    images = torch.empty(len(scenes), 3, h, w)
    for i, s in enumerate(scenes):
        images[i] = torch.from_numpy(s.image).permute(2, 0, 1)  # HWC -> CHW
    return images


def scenes_to_tensors(scenes, *, semantic: bool = True
                      ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor, torch.Tensor]:
    """Stack scenes of one size into tensors (each filled in place, as ``scene_images``).

    Args:
        semantic: False skips the semantic maps (None in their place): detectors train on
            boxes, and 3,000 scenes' maps take 100 MB.

    Returns:
        images: float32 [N, 3, H, W] in [0, 1];
        semantic: int64 [N, H, W] (``semantic_map`` of each scene), or None;
        boxes: float32 [N, K, 4], K the largest object count, rows past a scene's own
            objects filled with 0;
        labels: int64 [N, K], 0 (background) in the padding rows.
    """
    scenes = _checked_scenes(scenes, "scenes_to_tensors")
    n, k = len(scenes), max(len(s.labels) for s in scenes)
    boxes = torch.zeros(n, k, 4)
    labels = torch.zeros(n, k, dtype=torch.int64)
    h, w = scenes[0].image.shape[:2]
    maps = torch.empty(n, h, w, dtype=torch.int64) if semantic else None
    for i, s in enumerate(scenes):
        boxes[i, :len(s.labels)] = torch.from_numpy(s.boxes)
        labels[i, :len(s.labels)] = torch.from_numpy(s.labels)
        if maps is not None:
            maps[i] = torch.from_numpy(semantic_map(s))
    return _images(scenes), maps, boxes, labels
