"""SSD's pieces against independent oracles: torchvision's box coder, a brute-force hard
negative miner, the loss written out per default box, and perfect outputs that must decode
back to the ground truth."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torchvision.models.detection._utils import BoxCoder

from course_utils.boxes import box_iou
from course_utils.data import make_scenes, scenes_to_tensors
from course_utils.detection import (
    decode_boxes,
    encode_boxes,
    mean_average_precision,
    scene_targets,
)
from course_utils.ssd import (
    SSD,
    VARIANCE_WEIGHTS,
    _flip,
    decode_ssd,
    hard_negatives,
    ssd_default_boxes,
    ssd_detect,
    ssd_loss,
    ssd_targets,
    train_ssd,
)

SCENES = make_scenes(24, seed=5, max_objects=4)


def test_outputs_line_up_with_the_default_boxes():
    anchors = ssd_default_boxes(64)
    assert anchors.shape == (16 * 16 * 6 + 8 * 8 * 6 + 4 * 4 * 3, 4)
    logits, offsets = SSD()(torch.rand(2, 3, 64, 64))
    assert logits.shape == (2, len(anchors), 4) and offsets.shape == (2, len(anchors), 4)
    # the first six default boxes belong to the top-left cell of the 16 x 16 map
    centres = (anchors[:6, :2] + anchors[:6, 2:]) / 2
    torch.testing.assert_close(centres, torch.full((6, 2), 2.0))
    # a change in the bottom-right corner of the image moves only outputs of late cells
    torch.manual_seed(0)
    model, x = SSD().eval(), torch.rand(1, 3, 64, 64)
    y = x.clone()
    y[..., 60:, 60:] = 0
    moved = (model(x)[0] - model(y)[0]).abs().sum(-1)[0] > 1e-6
    assert not moved[:16 * 16 * 6 // 2].any()  # top half of the 16 x 16 map: unchanged


def test_offsets_match_torchvision_box_coder_both_ways():
    anchors = ssd_default_boxes(64)[::7]
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 50, (len(anchors), 2))
    boxes = torch.tensor(np.concatenate([xy, xy + rng.uniform(3, 20, xy.shape)], 1),
                         dtype=torch.float32)
    coder = BoxCoder(VARIANCE_WEIGHTS)
    ours = encode_boxes(boxes, anchors, weights=VARIANCE_WEIGHTS)
    torch.testing.assert_close(ours, coder.encode_single(boxes, anchors), rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(decode_boxes(ours, anchors, weights=VARIANCE_WEIGHTS), boxes,
                               rtol=1e-4, atol=1e-3)


def test_every_object_gets_a_default_box_and_positives_overlap_at_least_half():
    anchors = ssd_default_boxes(64)
    _, _, boxes, labels = scenes_to_tensors(SCENES)
    classes, offsets = ssd_targets(anchors, boxes, labels)
    for i, s in enumerate(SCENES):
        decoded = decode_boxes(offsets[i][classes[i] > 0], anchors[classes[i] > 0],
                               weights=VARIANCE_WEIGHTS)
        iou = box_iou(decoded, torch.as_tensor(s.boxes))
        assert torch.allclose(iou.max(1).values, torch.ones(len(decoded)), atol=1e-4)
        assert (iou.max(0).values > 0.999).all()  # every object has a positive
        anchor_iou = box_iou(anchors, torch.as_tensor(s.boxes)).max(1).values
        assert (classes[i][anchor_iou >= 0.5] > 0).all()
        assert (offsets[i][classes[i] == 0] == 0).all()


def test_perfect_outputs_decode_to_the_ground_truth():
    anchors = ssd_default_boxes(64)
    _, _, boxes, labels = scenes_to_tensors(SCENES)
    classes, offsets = ssd_targets(anchors, boxes, labels)
    logits = F.one_hot(classes, 4).float() * 20
    found = decode_ssd(logits, offsets, anchors, score_threshold=0.5)
    assert mean_average_precision(found, scene_targets(SCENES)).map == pytest.approx(1.0)
    assert [len(f["boxes"]) for f in found] == [len(s.boxes) for s in SCENES]


def brute_force_negatives(loss, positive, ratio):
    out = torch.zeros_like(positive)
    for i in range(len(loss)):
        negatives = [a for a in range(loss.shape[1]) if not positive[i, a]]
        negatives.sort(key=lambda a: -loss[i, a].item())
        for a in negatives[:int(ratio * positive[i].sum())]:
            out[i, a] = True
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hard_negative_mining_keeps_the_worst_three_per_positive(seed):
    g = torch.Generator().manual_seed(seed)
    loss = torch.rand(4, 50, generator=g)
    positive = torch.rand(4, 50, generator=g) < torch.tensor([[0.02], [0.1], [0.3], [0.5]])
    mined = hard_negatives(loss, positive, 3)
    assert torch.equal(mined, brute_force_negatives(loss, positive, 3))
    counts = mined.sum(1)
    expected = torch.minimum(3 * positive.sum(1), (~positive).sum(1))
    assert torch.equal(counts, expected) and not (mined & positive).any()


def test_ssd_loss_equals_the_loss_written_per_default_box():
    g = torch.Generator().manual_seed(0)
    logits, offsets = torch.randn(2, 30, 4, generator=g), torch.randn(2, 30, 4, generator=g)
    classes = torch.zeros(2, 30, dtype=torch.int64)
    classes[0, [3, 7]], classes[1, [0, 11, 12]] = torch.tensor([1, 2]), torch.tensor([3, 3, 1])
    target = torch.randn(2, 30, 4, generator=g) * (classes > 0)[..., None]
    cls_loss, box_loss = ssd_loss(logits, offsets, classes, target)
    total_ce, total_box = 0.0, 0.0
    for i in range(2):
        ce = [-torch.log_softmax(logits[i, a], 0)[classes[i, a]].item() for a in range(30)]
        pos = [a for a in range(30) if classes[i, a] > 0]
        neg = sorted((a for a in range(30) if classes[i, a] == 0), key=lambda a: -ce[a])
        total_ce += sum(ce[a] for a in pos + neg[:3 * len(pos)])
        for a in pos:
            d = (offsets[i, a] - target[i, a]).abs()
            total_box += torch.where(d < 1, 0.5 * d ** 2, d - 0.5).sum().item()
    assert cls_loss.item() == pytest.approx(total_ce / 5, rel=1e-5)
    assert box_loss.item() == pytest.approx(total_box / 5, rel=1e-5)


def test_flip_mirrors_boxes_with_the_image():
    images, _, boxes, labels = scenes_to_tensors(SCENES[:4])
    flip = torch.tensor([True, False, True, False])
    x, b = _flip(images, boxes, labels, flip)
    torch.testing.assert_close(x[0], images[0].flip(-1))
    torch.testing.assert_close(b[1], boxes[1])
    for k in range(len(SCENES[0].boxes)):
        mask = torch.as_tensor(SCENES[0].masks[k]).flip(-1)
        cols = torch.nonzero(mask.any(0)).flatten()
        assert b[0, k, 0] == cols[0] and b[0, k, 2] == cols[-1] + 1
    assert (b[0][labels[0] == 0] == 0).all()


def test_bad_input_gets_clear_errors():
    model = SSD()
    with pytest.raises(ValueError, match=r"\[N, 3, H, W\]"):
        ssd_detect(model, torch.rand(3, 64, 64))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        ssd_detect(model, torch.rand(1, 3, 64, 64) * 255)
    with pytest.raises(ValueError, match=r"labels must be class ids 0..3 \(0 = padding"):
        ssd_targets(ssd_default_boxes(), torch.tensor([[[1.0, 1, 9, 9]]]), torch.tensor([[4]]))
    with pytest.raises(ValueError, match="steps"):
        train_ssd(SCENES, steps=0)


def test_short_training_lowers_the_loss_and_repeats_exactly():
    runs = [train_ssd(SCENES, SCENES[:8], steps=16, batch_size=8, eval_every=8, seed=1)
            for _ in range(2)]
    loss = runs[0].log.loss
    assert np.mean(loss[-4:]) < 0.7 * np.mean(loss[:4])
    assert loss == runs[1].log.loss
    assert [c.map for c in runs[0].checkpoints] == [c.map for c in runs[1].checkpoints]
    assert len(runs[0].checkpoints) == 2
