"""The detectors' pieces: targets that decode back to the ground truth, losses against
their formulas, flips that agree with mirrored scenes, and short training runs."""

import numpy as np
import pytest
import torch

from course_utils.boxes import box_iou
from course_utils.data import make_scenes, scenes_to_tensors
from course_utils.detection import COCO_THRESHOLDS, mean_average_precision, scene_targets
from course_utils.detectors import (
    FastRCNN,
    GridDetector,
    LocalisationNet,
    _flip,
    decode_grid,
    detect,
    edge_iou_loss,
    fast_rcnn_detect,
    focal_loss,
    grid_targets,
    localise,
    paired_iou,
    rcnn_detect,
    region_samples,
    train_crop_classifier,
    train_detector,
    train_fast_rcnn,
    train_localiser,
)
from tests.test_detection import slow_map

SCENES = make_scenes(40, seed=3, max_objects=4)


def test_paired_iou_is_the_diagonal_of_box_iou():
    boxes = torch.as_tensor(np.concatenate([s.boxes for s in SCENES]))
    other = boxes.roll(1, 0) + 1.5
    torch.testing.assert_close(paired_iou(boxes, other), torch.diag(box_iou(boxes, other)))


def test_perfect_grid_outputs_decode_to_the_ground_truth():
    images, _, boxes, labels = scenes_to_tensors(SCENES)
    heat, edges, weight = grid_targets(boxes, labels)
    assert heat.shape == (40, 3, 16, 16) and edges.shape == (40, 4, 16, 16)
    assert (heat.max() == 1) and (heat >= 0).all() and (weight <= 1).all()
    logits = torch.where(heat == 1, 10.0, -10.0)  # certain at the centres, nowhere else
    found = decode_grid(logits, edges, score_threshold=0.5)
    result = mean_average_precision(found, scene_targets(SCENES))
    assert result.map == 1.0  # every box back, at every IoU threshold
    for f, s in zip(found, SCENES, strict=True):
        assert len(f["boxes"]) == len(s.boxes)  # one centre cell per object
        assert torch.allclose(box_iou(f["boxes"], torch.as_tensor(s.boxes)).max(1).values,
                              torch.ones(len(s.boxes)))


def test_every_object_has_a_centre_cell_of_its_class():
    _, _, boxes, labels = scenes_to_tensors(SCENES)
    heat, edges, weight = grid_targets(boxes, labels)
    for n, s in enumerate(SCENES):
        for box, label in zip(s.boxes, s.labels, strict=True):
            col, row = int((box[0] + box[2]) / 2 // 4), int((box[1] + box[3]) / 2 // 4)
            assert heat[n, label - 1, row, col] == 1 and weight[n, row, col] > 0


def test_flip_agrees_with_mirrored_scenes():
    images, _, boxes, labels = scenes_to_tensors(SCENES)
    mirrored = boxes.clone()
    mirrored[..., 0], mirrored[..., 2] = 64 - boxes[..., 2], 64 - boxes[..., 0]
    mirrored[labels == 0] = 0
    targets = grid_targets(boxes, labels)
    flipped = _flip(images, *targets, torch.ones(40, dtype=torch.bool))
    for ours, theirs in zip(flipped[1:], grid_targets(mirrored, labels), strict=True):
        torch.testing.assert_close(ours, theirs, atol=1e-5, rtol=1e-5)
    assert torch.equal(flipped[0], images.flip(-1))


def test_focal_loss_by_hand():
    heat = torch.tensor([1.0, 0.5, 0.0]).reshape(1, 1, 1, 3)
    logits = torch.tensor([0.0, 1.0, -1.0]).reshape(1, 1, 1, 3)
    p = torch.sigmoid(logits).flatten()
    expected = (-torch.log(p[0]) * (1 - p[0]) ** 2 - torch.log(1 - p[1]) * p[1] ** 2 * 0.5 ** 4
                - torch.log(1 - p[2]) * p[2] ** 2)  # one object: divided by 1
    torch.testing.assert_close(focal_loss(logits, heat), expected)
    assert focal_loss(torch.where(heat == 1, 20.0, -20.0), heat) < 1e-6


def test_edge_iou_loss_is_one_minus_iou_of_the_boxes():
    gen = torch.Generator().manual_seed(0)
    pred, target = torch.rand(2, 4, 3, 3, generator=gen) + 0.1, torch.rand(2, 4, 3, 3,
                                                                          generator=gen) + 0.1
    weight = torch.rand(2, 3, 3, generator=gen)
    to_box = lambda e: torch.stack([-e[:, 0], -e[:, 1], e[:, 2], e[:, 3]], 1)  # noqa: E731
    flat = lambda e: to_box(e).permute(0, 2, 3, 1).reshape(-1, 4)  # noqa: E731
    iou = paired_iou(flat(pred), flat(target))
    expected = ((1 - iou) * weight.flatten()).sum() / weight.sum()
    torch.testing.assert_close(edge_iou_loss(pred, target, weight), expected)


def test_decode_grid_raw_and_after_nms():
    torch.manual_seed(0)
    heat, edges = GridDetector()(scenes_to_tensors(SCENES[:2])[0])
    raw = decode_grid(heat, edges, score_threshold=0.0, nms_iou=None, top_k=50)
    kept = decode_grid(heat, edges, score_threshold=0.0, nms_iou=0.5, top_k=50)
    assert all(len(r["boxes"]) == 50 for r in raw)
    assert all(len(k["boxes"]) <= 50 for k in kept)
    strict = decode_grid(heat, edges, score_threshold=0.2, nms_iou=None)
    assert all((s["scores"] >= 0.2).all() for s in strict)
    with pytest.raises(ValueError, match="score_threshold must be <= 1"):
        decode_grid(heat, edges, score_threshold=1.5)
    with pytest.raises(ValueError, match="nms_iou must be >= 0"):
        decode_grid(heat, edges, nms_iou=-0.1)


def test_region_samples_are_labelled_by_iou():
    samples = region_samples(SCENES[:10], seed=1)
    for i, box, label, target in zip(*samples, strict=True):
        gt = torch.as_tensor(SCENES[i].boxes)
        iou = box_iou(box[None], gt)[0]
        if label > 0:
            j = int(torch.nonzero((gt == target).all(1))[0, 0])
            assert iou[j] >= 0.6 and SCENES[i].labels[j] == label
        else:
            assert iou.max() < 0.3
    assert (samples.labels > 0).sum() >= 3 * sum(len(s.boxes) for s in SCENES[:10])
    assert (samples.labels == 0).sum() >= 5 * 10


def test_short_training_runs_and_their_outputs():
    one = make_scenes(64, seed=5, n_objects=1)
    model, log = train_localiser(one, steps=15, batch_size=8)
    labels, boxes = localise(model, one[:4])
    assert labels.shape == (4,) and boxes.shape == (4, 4) and set(labels) <= {1, 2, 3}
    assert len(log.loss) == 15 and log.cpu_seconds[-1] > 0
    with pytest.raises(ValueError, match="scenes must hold one object each"):
        train_localiser(SCENES, steps=1)

    image = scenes_to_tensors(SCENES[:1])[0][0]
    regions = torch.tensor([[0.0, 0, 20, 20], [10, 10, 40, 50]])
    crops, _ = train_crop_classifier(SCENES[:8], steps=3)
    found = rcnn_detect(crops, image, regions, score_threshold=0.0, nms_iou=None)
    assert len(found["boxes"]) == 2 and set(found) == {"boxes", "scores", "labels"}
    fast, _ = train_fast_rcnn(SCENES[:8], steps=3, images_per_batch=2)
    found = fast_rcnn_detect(fast, image, regions, score_threshold=0.0, nms_iou=None)
    assert found["boxes"].shape == (2, 4) and (found["labels"] >= 1).all()
    assert fast_rcnn_detect(fast, image, torch.zeros(0, 4))["boxes"].shape == (0, 4)
    logits, offsets = FastRCNN()(scenes_to_tensors(SCENES[:2])[0], torch.tensor(
        [[0.0, 0, 0, 32, 32], [1.0, 8, 8, 24, 40]]))
    assert logits.shape == (2, 4) and offsets.shape == (2, 4)


def test_detector_training_reports_checkpoints():
    run = train_detector(SCENES[:32], SCENES[32:], steps=6, batch_size=8, eval_every=3)
    assert [c["step"] for c in run.checkpoints] == [3, 6]
    assert all(0 <= c["map50"] <= 1 and 0 <= c["map"] <= c["map50"] for c in run.checkpoints)
    assert run.checkpoints[-1]["cpu_seconds"] >= run.checkpoints[0]["cpu_seconds"] > 0
    assert isinstance(run.model, GridDetector) and not run.model.training
    # a barely trained model's many low, tied-looking scores: still the slow reference's mAP
    found = detect(run.model, scenes_to_tensors(SCENES[32:])[0])
    ours = mean_average_precision(found, scene_targets(SCENES[32:]), classes=(1, 2, 3))
    assert (ours.map, ours.map50) == pytest.approx(slow_map(found, scene_targets(SCENES[32:]),
                                                            (1, 2, 3), COCO_THRESHOLDS), abs=1e-9)
    assert LocalisationNet()(torch.zeros(2, 3, 64, 64))[1].shape == (2, 4)
