"""The comparison table: one row per detector, on the same held-out scenes."""

import math

import pytest

from course_utils.data import make_scenes
from course_utils.detector_table import DETECTORS, compare_detectors

TRAIN, VAL = make_scenes(12, seed=11), make_scenes(4, seed=12)


def test_rows_hold_every_measure_and_the_map_matches_a_direct_evaluation():
    rows = compare_detectors(TRAIN, VAL, detectors=("ssd", "yolo", "faster_rcnn"),
                             steps={"ssd": 2, "yolo": 2, "faster_rcnn": 2})
    assert [r["detector"] for r in rows] == ["ssd", "yolo", "faster_rcnn"]
    for r in rows:
        assert r["steps"] == 2 and r["parameters"] > 1000
        assert all(math.isfinite(r[k]) and r[k] >= 0 for k in
                   ("map50", "map", "train_cpu_s", "inference_ms"))
        assert r["map"] <= r["map50"] <= 1
    assert rows[0]["parameters"] != rows[1]["parameters"]


def test_unknown_detector_is_named():
    with pytest.raises(ValueError, match="choose from"):
        compare_detectors(TRAIN, VAL, detectors=("retinanet",))
    assert {"grid", "ssd", "yolo", "faster_rcnn", "mask_rcnn", "fast_rcnn"} == set(DETECTORS)

