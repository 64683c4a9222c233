"""Offline data, ready to use, every random draw from a ``seed``.

- ``toy``: logic-gate truth tables and 2D toy sets (blobs, xor, moons, circles, spirals).
- ``real``: scikit-learn's handwritten digits and the bundled real photos.
- ``scenes``: seeded synthetic scenes of coloured shapes with boxes, masks and captions.
- ``assets``: the small committed files in ``data/``, checked against ``data/README.md``.
"""

from course_utils.data.assets import asset_path, verify_assets
from course_utils.data.real import (
    Digits,
    digits,
    digits_loaders,
    list_photos,
    photo,
    photo_from_bytes,
)
from course_utils.data.scenes import (
    COLOURS,
    SHAPES,
    Scene,
    make_scene,
    make_scenes,
    scene_images,
    scenes_to_tensors,
    semantic_map,
)
from course_utils.data.toy import GATES, TOY_SETS, logic_gate, to_bipolar, toy_2d

__all__ = [
    "COLOURS",
    "SHAPES",
    "Scene",
    "make_scene",
    "make_scenes",
    "scene_images",
    "scenes_to_tensors",
    "semantic_map",
    "GATES",
    "TOY_SETS",
    "Digits",
    "asset_path",
    "digits",
    "digits_loaders",
    "list_photos",
    "logic_gate",
    "photo",
    "photo_from_bytes",
    "to_bipolar",
    "toy_2d",
    "verify_assets",
]
