"""course_utils.faces: MTCNN against the facts of the bundled photos, a human-drawn box, the
reference implementation's numbers, and its parts against slow or torch oracles."""

import json

import numpy as np
import pytest
import torch
from skimage import data
from sklearn.datasets import load_sample_images
from torchvision.ops import box_iou

from course_utils import faces
from course_utils.data.assets import asset_path
from course_utils.faces import (
    PNet,
    _nms_by_smaller_area,
    _square,
    detect_faces,
    mtcnn_nets,
    pyramid_scales,
)

# facenet-pytorch 2.6.0's own detect_face (run once on these weights, torch 2.14, CPU) put
# the astronaut's face at [181.05, 62.16, 267.75, 172.05] (1-based), score 0.999998.
REFERENCE_BOX = [180.05, 61.16, 267.75, 172.05]


@pytest.fixture(scope="module")
def astronaut():
    return detect_faces(data.astronaut())


def test_every_weight_loads_strictly_into_our_nets():
    for net, name in zip(mtcnn_nets(), ("pnet", "rnet", "onet"), strict=True):
        state = torch.load(asset_path(f"mtcnn/{name}.pt"), weights_only=True)
        assert set(state) == set(net.state_dict())
        assert not net.training


def test_astronaut_has_one_face_where_a_person_drew_it(astronaut):
    assert len(astronaut.boxes) == 1 and astronaut.scores[0] > 0.9999
    np.testing.assert_allclose(astronaut.boxes[0], REFERENCE_BOX, atol=0.05)
    human = json.loads(asset_path("annotations/photo_boxes.json").read_text())
    face = [o["box"] for o in human["photos"]["astronaut"]["objects"] if o["label"] == "face"]
    iou = box_iou(torch.tensor(astronaut.boxes), torch.tensor(face, dtype=torch.float64))
    assert iou.item() > 0.6  # MTCNN's box takes in the forehead; the human's the chin


def test_astronaut_landmarks_sit_on_the_face_in_order(astronaut):
    (x1, y1, x2, y2), marks = astronaut.boxes[0], astronaut.landmarks[0]
    assert marks.shape == (5, 2)
    assert ((marks[:, 0] > x1) & (marks[:, 0] < x2) & (marks[:, 1] > y1) & (marks[:, 1] < y2)).all()
    left_eye, right_eye, nose, mouth_left, mouth_right = marks
    assert left_eye[0] < right_eye[0] and mouth_left[0] < mouth_right[0]  # x1..x5, y1..y5
    assert max(left_eye[1], right_eye[1]) < nose[1] < min(mouth_left[1], mouth_right[1])


def test_every_stage_narrows_the_boxes_and_is_timed(astronaut):
    names = [s.name for s in astronaut.stages]
    assert names == ["P-Net windows", "after NMS", "after R-Net", "after O-Net"]
    counts = [len(s.boxes) for s in astronaut.stages]
    assert counts == sorted(counts, reverse=True) and counts[0] > 100 and counts[-1] == 1
    assert all(s.seconds >= 0 for s in astronaut.stages)


@pytest.mark.parametrize("name", ["chelsea", "coffee", "sklearn0", "sklearn1"])
def test_photos_without_a_person_have_no_face(name):
    images = {"chelsea": data.chelsea, "coffee": data.coffee,
              "sklearn0": lambda: load_sample_images().images[0],
              "sklearn1": lambda: load_sample_images().images[1]}
    assert len(detect_faces(images[name]()).boxes) == 0


def test_lfw_faces_found_and_non_faces_not():
    lfw = data.lfw_subset()  # 100 faces, then 100 non-faces, 25 x 25 grayscale in 0..1
    found = np.array([len(detect_faces(image).boxes) > 0 for image in lfw])
    assert found[:100].sum() == 100 and found[100:].sum() == 0


def test_flattening_in_chw_order_is_the_trap(monkeypatch):
    monkeypatch.setattr(faces, "_flatten_whc", lambda x: x.flatten(1))
    assert len(detect_faces(data.astronaut()).boxes) > 5  # false faces everywhere


def test_pnet_is_a_sliding_window_with_stride_2():
    torch.manual_seed(0)
    net = PNet().eval()
    image = torch.randn(1, 3, 20, 24)
    reg, prob = net(image)
    assert prob.shape == (1, 2, 5, 7)
    for i, j in [(0, 0), (2, 3), (4, 6)]:
        window_reg, window_prob = net(image[:, :, 2 * i:2 * i + 12, 2 * j:2 * j + 12])
        torch.testing.assert_close(window_prob[0, :, 0, 0], prob[0, :, i, j])
        torch.testing.assert_close(window_reg[0, :, 0, 0], reg[0, :, i, j])


def test_pyramid_scales_by_hand():
    scales = pyramid_scales(100, 200, min_face_size=20, factor=0.5)
    assert scales == [0.6, 0.3, 0.15]  # shorter side 60, 30, 15 px >= 12; then 7.5 stops
    assert pyramid_scales(10, 10) == []


def test_square_keeps_the_centre():
    boxes = torch.tensor([[0.0, 0.0, 10.0, 4.0], [5.0, 5.0, 7.0, 15.0]])
    squares = _square(boxes)
    torch.testing.assert_close(squares[:, 2] - squares[:, 0], squares[:, 3] - squares[:, 1])
    torch.testing.assert_close((squares[:, :2] + squares[:, 2:]) / 2,
                               (boxes[:, :2] + boxes[:, 2:]) / 2)


def test_nms_by_smaller_area_against_a_slow_loop():
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 50, (30, 2))
    boxes = np.hstack([xy, xy + rng.uniform(2, 30, (30, 2))])
    scores = rng.uniform(size=30)
    keep, left = [], list(np.argsort(-scores))
    while left:
        i = left.pop(0)
        keep.append(i)
        def overlap(j, i=i):
            w = min(boxes[i, 2], boxes[j, 2]) - max(boxes[i, 0], boxes[j, 0]) + 1
            h = min(boxes[i, 3], boxes[j, 3]) - max(boxes[i, 1], boxes[j, 1]) + 1
            area = [(b[2] - b[0] + 1) * (b[3] - b[1] + 1) for b in (boxes[i], boxes[j])]
            return max(w, 0) * max(h, 0) / min(area)
        left = [j for j in left if overlap(j) <= 0.7]
    assert _nms_by_smaller_area(boxes, scores, 0.7) == keep
    # a small box inside a big one: IoU is small, intersection over the smaller area is 1
    nested = np.array([[0.0, 0, 99, 99], [10, 10, 19, 19]])
    assert _nms_by_smaller_area(nested, np.array([0.9, 0.8]), 0.7) == [0]


def test_grayscale_rgba_and_float_images_are_converted():
    rgb = data.astronaut()
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    assert len(detect_faces(rgba).boxes) == 1
    assert len(detect_faces(rgb / 255.0).boxes) == 1


@pytest.mark.parametrize("kwargs, message", [
    ({"min_face_size": 5}, "min_face_size must be a number of pixels >= 12"),
    ({"thresholds": (0.6, 0.7)}, "thresholds must be three scores"),
    ({"thresholds": (0.6, 0.7, 1.5)}, "thresholds must be three scores"),
    ({"factor": 1.0}, "factor .* must be in"),
])
def test_bad_settings_get_a_clear_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        detect_faces(np.zeros((30, 30, 3), np.uint8), **kwargs)


def test_bad_images_get_a_clear_error():
    with pytest.raises(ValueError, match=r"image must be \(H, W, 3\) RGB"):
        detect_faces(np.zeros((3, 30, 30, 2)))
    with pytest.raises(ValueError, match=r"image must be"):
        detect_faces(np.zeros((30, 30, 2)))
