"""torchvision's Faster / Mask R-CNN at the scenes' size: settings that keep images at 64 px,
proposals equal to the RPN's own, mask IoU against hand-made masks, short training runs."""

import numpy as np
import pytest
import torch

from course_utils.data import make_scenes, scenes_to_tensors
from course_utils.detector_runs import check_labels
from course_utils.rcnn import (
    _flip_targets,
    mask_quality,
    rcnn_detect,
    rpn_proposals,
    settings_table,
    tiny_faster_rcnn,
    tiny_mask_rcnn,
    torchvision_targets,
    train_rcnn,
    two_stages,
    untrained_faster_rcnn,
)

SCENES = make_scenes(16, seed=9, max_objects=3)


def test_images_stay_at_64_px_and_outputs_are_torchvision_dicts():
    torch.manual_seed(0)
    model = tiny_faster_rcnn().eval()
    images = scenes_to_tensors(SCENES[:2])[0]
    batch, _ = model.transform(list(images))
    assert batch.tensors.shape == (2, 3, 64, 64)  # not resized to 800 px
    for stride in (4, 8, 16):
        assert tiny_faster_rcnn(stride=stride).backbone(batch.tensors).shape == (
            2, 64, 64 // stride, 64 // stride)
    with pytest.raises(ValueError, match="stride"):
        tiny_faster_rcnn(stride=2)
    found = rcnn_detect(model, images)
    assert len(found) == 2 and set(found[0]) == {"boxes", "scores", "labels"}
    one_by_one = rcnn_detect(model, images, batch=1)  # batching does not change detections
    for a, b in zip(found, one_by_one, strict=True):
        torch.testing.assert_close(a["boxes"], b["boxes"], atol=1e-4, rtol=1e-4)
        torch.testing.assert_close(a["scores"], b["scores"], atol=1e-5, rtol=1e-4)
    with pytest.raises(ValueError, match="batch"):
        rcnn_detect(model, images, batch=0)
    assert model.roi_heads.box_predictor.cls_score.out_features == 4  # background + 3
    assert model.rpn.head.cls_logits.out_channels == 12  # 4 sizes x 3 ratios per cell
    assert model.backbone.stride == 4


def test_proposals_are_the_rpns_own():
    torch.manual_seed(1)
    model = tiny_faster_rcnn().eval()
    image = scenes_to_tensors(SCENES[:1])[0][0]
    boxes, scores = rpn_proposals(model, image)
    batch, _ = model.transform([image])
    with torch.no_grad():
        expected, _ = model.rpn(batch, {"0": model.backbone(batch.tensors)})
    torch.testing.assert_close(boxes, expected[0])
    assert len(boxes) <= 100 and ((scores >= 0) & (scores <= 1)).all()
    assert (boxes >= 0).all() and (boxes <= 64).all()
    stages = two_stages(model, image)
    assert set(stages) == {"proposals", "objectness", "detections"}


def _perfect(scene, shift=0):
    masks = torch.as_tensor(scene.masks, dtype=torch.float32)[:, None].roll(shift, -1)
    return {"boxes": torch.as_tensor(scene.boxes), "labels": torch.as_tensor(scene.labels),
            "scores": torch.ones(len(scene.labels)), "masks": masks}


def test_mask_quality_against_hand_made_masks():
    scenes = SCENES[:4]
    q = mask_quality([_perfect(s) for s in scenes], scenes)
    assert q.mask_iou == 1.0 and q.recall == 1.0 and q.matched == q.objects
    # masks moved right by one pixel: IoU of each object with its shifted self, by hand
    shifted = mask_quality([_perfect(s, 1) for s in scenes], scenes)
    by_hand = [(np.roll(m, 1, -1) & m).sum() / (np.roll(m, 1, -1) | m).sum()
               for s in scenes for m in s.masks]
    assert shifted.mask_iou == pytest.approx(np.mean(by_hand))
    # a wrong class or a low score matches nothing
    wrong = _perfect(scenes[0])
    wrong["labels"] = wrong["labels"] % 3 + 1
    low = _perfect(scenes[1])
    low["scores"] = torch.full_like(low["scores"], 0.2)
    q = mask_quality([wrong, low], scenes[:2])
    assert q.matched == 0 and q.recall == 0.0
    with pytest.raises(ValueError, match="masks"):
        mask_quality([{k: v for k, v in _perfect(scenes[0]).items() if k != "masks"}],
                     scenes[:1])


def test_targets_and_flips():
    targets = torchvision_targets(SCENES[:3], masks=True)
    assert targets[0]["masks"].dtype == torch.uint8
    assert targets[0]["masks"].shape == (len(SCENES[0].labels), 64, 64)
    flipped = _flip_targets(targets[0], 64)
    for box, mask in zip(flipped["boxes"], flipped["masks"], strict=True):
        cols = torch.nonzero(mask.any(0)).flatten()
        assert box[0] == cols[0] and box[2] == cols[-1] + 1


def test_bad_input_gets_clear_errors():
    model = tiny_faster_rcnn()
    with pytest.raises(ValueError, match="one image"):
        rcnn_detect(model, torch.rand(3, 64, 64))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        rcnn_detect(model, torch.rand(1, 3, 64, 64) * 255)
    with pytest.raises(ValueError, match="0 is background"):
        check_labels(torch.tensor([0, 1, 2]))


def test_short_training_runs_repeat_exactly():
    runs = [train_rcnn(SCENES, SCENES[:4], steps=4, batch_size=4, eval_every=4, seed=3)
            for _ in range(2)]
    assert runs[0].log.loss == runs[1].log.loss and np.isfinite(runs[0].log.loss).all()
    assert runs[0].checkpoints[0].map == runs[1].checkpoints[0].map
    masked = train_rcnn(SCENES, SCENES[:4], masks=True, steps=3, batch_size=4, eval_every=3)
    c = masked.checkpoints[-1]
    assert c.step == 3 and 0 <= c.mask_recall <= 1 and 0 <= c.mask_iou <= 1
    assert "masks" in rcnn_detect(masked.model, scenes_to_tensors(SCENES[:1])[0])[0]
    assert isinstance(tiny_mask_rcnn().roi_heads.mask_predictor.mask_fcn_logits,
                      torch.nn.Conv2d)


def test_untrained_copy_is_where_training_starts():
    state = torch.random.get_rng_state()
    copy = untrained_faster_rcnn(seed=3)
    assert torch.equal(torch.random.get_rng_state(), state)  # the global stream is untouched
    assert not copy.training
    run = train_rcnn(SCENES, steps=1, batch_size=1, lr=1e-9, seed=3)  # one near-zero step
    trained = dict(run.model.named_parameters())
    for name, p in copy.named_parameters():
        torch.testing.assert_close(p, trained[name], atol=1e-6, rtol=0)
    other = dict(untrained_faster_rcnn(seed=4).named_parameters())
    assert not torch.equal(other["backbone.0.0.weight"], trained["backbone.0.0.weight"])


def test_settings_table_reads_the_model_and_torchvisions_defaults():
    import inspect

    from torchvision.models.detection import FasterRCNN

    defaults = {k: p.default for k, p in inspect.signature(FasterRCNN).parameters.items()}
    rows = {r["setting"]: r for r in settings_table(tiny_faster_rcnn())}
    size = rows["images resized to (min_size / max_size, px)"]
    assert size["torchvision's default"] == f"{defaults['min_size']} / {defaults['max_size']}"
    assert size["ours (read from the model)"] == "64 / 64"
    top = rows["RPN: proposals before / after NMS (test)"]
    assert top["torchvision's default"] == (f"{defaults['rpn_pre_nms_top_n_test']} / "
                                            f"{defaults['rpn_post_nms_top_n_test']}")
    assert top["ours (read from the model)"] == "300 / 100"
    for name, key, ours in (("RPN: an anchor is an object from IoU", "rpn_fg_iou_thresh", 0.5),
                            ("RPN: anchors sampled per image", "rpn_batch_size_per_image", 64),
                            ("box head: RoIs sampled per image", "box_batch_size_per_image",
                             64)):
        assert rows[name]["torchvision's default"] == defaults[key]
        assert rows[name]["ours (read from the model)"] == ours
    assert rows["box head: units of its two layers"]["ours (read from the model)"] == 256
    ratio = rows["box head: RoIAlign points per bin side (sampling_ratio)"]
    assert (ratio["torchvision's default"], ratio["ours (read from the model)"]) == (2, 1)
    assert rows["class scores (0 = background)"]["ours (read from the model)"] == 4
    assert rows["anchor sides (px)"]["ours (read from the model)"] == [8, 16, 24, 32]
    wide = {r["setting"]: r for r in settings_table(tiny_faster_rcnn(width=32))}
    assert wide["parameters"]["ours (read from the model)"] != rows["parameters"][
        "ours (read from the model)"]
    with pytest.raises(TypeError, match="FasterRCNN"):
        settings_table(torch.nn.Linear(2, 2))
