"""course_utils.segmentation: label maps, sliding windows vs the convolutionalised classifier,
the two segmentation networks' shapes, training, and Mask R-CNN's pieces against torchvision."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torchvision.models.detection.roi_heads import project_masks_on_boxes
from torchvision.ops import roi_align

from course_utils.data import make_scene, make_scenes, scenes_to_tensors, semantic_map
from course_utils.segmentation import (
    CLASSES,
    FCN,
    PATCH,
    PatchClassifier,
    UNet,
    bilinear_upsampler,
    centre_patches,
    class_weights,
    convolutionalise,
    fcn_scores,
    instance_map,
    linear_to_conv,
    mask_branch,
    mask_rcnn,
    mask_targets,
    pad_for_windows,
    paste_masks,
    predict_probabilities,
    roi_align_loops,
    scene_target,
    shift_and_stitch,
    sliding_window_scores,
    train_steps,
)

torch.manual_seed(0)
CLASSIFIER = PatchClassifier(width=4, hidden=8)


def test_instance_map_splits_what_the_semantic_map_merges():
    scene = make_scene(seed=3, n_objects=3)
    inst, sem = instance_map(scene), semantic_map(scene)
    assert set(np.unique(inst)) == {0, 1, 2, 3}
    assert ((inst > 0) == (sem > 0)).all()
    for k, (mask, label) in enumerate(zip(scene.masks, scene.labels, strict=True)):
        assert (inst[mask] == k + 1).all() and (sem[mask] == label).all()
    with pytest.raises(TypeError, match="scene must be a Scene"):
        instance_map(scene.image)


def test_linear_to_conv_is_the_same_function():
    linear = torch.nn.Linear(2 * 3 * 4, 5)
    conv = linear_to_conv(linear, (2, 3, 4))
    x = torch.randn(7, 2, 3, 4)
    torch.testing.assert_close(conv(x)[:, :, 0, 0], linear(x.flatten(1)))
    with pytest.raises(ValueError, match="in_shape 2 x 3 x 3 is a map of 18 numbers, but the "
                                         "Linear layer reads 24"):
        linear_to_conv(linear, (2, 3, 3))


def test_convolutionalised_classifier_equals_the_classifier_on_a_patch():
    fcn = convolutionalise(CLASSIFIER.features, CLASSIFIER.head, (8, 3, 3))
    x = torch.randn(5, 3, PATCH, PATCH)
    with torch.no_grad():
        torch.testing.assert_close(fcn(x)[:, :, 0, 0], CLASSIFIER(x))
        assert fcn(torch.randn(1, 3, 66, 42)).shape == (1, 4, 13, 7)  # (L - 18) / 4 + 1


@pytest.mark.parametrize(("h", "w"), [(16, 16), (13, 10)])
def test_sliding_windows_equal_shift_and_stitch_and_strided_windows(h, w):
    image = torch.rand(3, h, w)
    dense, count = sliding_window_scores(CLASSIFIER, image)
    assert count == h * w and dense.shape == (4, h, w)
    with torch.no_grad():  # the window of pixel (i, j), cut out by hand
        window = pad_for_windows(image[None])[:, :, 5:5 + PATCH, 7:7 + PATCH]
        torch.testing.assert_close(dense[:, 5, 7], CLASSIFIER(window)[0])
    fcn = convolutionalise(CLASSIFIER.features, CLASSIFIER.head, (8, 3, 3))
    stitched = shift_and_stitch(fcn, pad_for_windows(image[None]), step=4, size=(h, w))
    torch.testing.assert_close(stitched[0], dense, rtol=1e-5, atol=1e-5)
    strided, count4 = sliding_window_scores(CLASSIFIER, image, stride=4)
    assert count4 == len(range(0, h, 4)) * len(range(0, w, 4))
    torch.testing.assert_close(strided, dense[:, ::4, ::4])


def test_centre_patches_are_labelled_by_their_centre_pixel():
    x, y, _, _ = scenes_to_tensors(make_scenes(4, size=32, seed=2))
    patches, labels = centre_patches(x, y, per_image=10, seed=1)
    assert patches.shape == (40, 3, PATCH, PATCH) and labels.shape == (40,)
    assert (labels > 0).float().mean() >= 0.4  # half of them aimed at objects
    padded = pad_for_windows(x)
    hits = [(n, i, j) for n in range(4) for i in range(32) for j in range(32)
            if torch.equal(padded[n, :, i:i + PATCH, j:j + PATCH], patches[0])]
    assert hits and all(y[n, i, j] == labels[0] for n, i, j in hits)
    with pytest.raises(ValueError, match="targets must have shape"):
        centre_patches(x, y[:, :5])


@pytest.mark.parametrize("cls", [FCN, UNet])
@pytest.mark.parametrize("size", [48, 40, 64])
def test_segmentation_networks_keep_the_size(cls, size):
    model = cls(width=4).eval()
    with torch.no_grad():
        assert model(torch.rand(2, 3, size, size)).shape == (2, len(CLASSES), size, size)


def test_fcn_scores_is_the_fcn_and_its_variants_differ_where_they_should():
    torch.manual_seed(3)
    model, x = FCN(width=4).eval(), torch.rand(2, 3, 24, 40)  # non-square
    with torch.no_grad():
        torch.testing.assert_close(fcn_scores(model, x), model(x), rtol=0, atol=0)
        quarter = model.down2(model.down1(x))
        eighth = model.score8(model.deep(model.down3(quarter)))
        # no skips, nearest: the 1/8 scores, each repeated 8 x 8 times
        nearest = eighth.repeat_interleave(8, dim=2).repeat_interleave(8, dim=3)
        torch.testing.assert_close(fcn_scores(model, x, skips=0, upsample="nearest"), nearest)
        # one skip, bilinear: F.interpolate at each x2
        up = lambda s: F.interpolate(s, scale_factor=2, mode="bilinear", align_corners=False)  # noqa: E731
        expected = up(up(up(eighth) + model.score4(quarter)))
        torch.testing.assert_close(fcn_scores(model, x, skips=1, upsample="bilinear"), expected)
        assert not torch.allclose(fcn_scores(model, x, skips=1), model(x))
    with pytest.raises(ValueError, match="upsample must be one of"):
        fcn_scores(model, x, upsample="cubic")
    with pytest.raises(ValueError, match="skips"):
        fcn_scores(model, x, skips=3)


def test_bilinear_upsampler_starts_as_bilinear_interpolation():
    x = torch.rand(1, 3, 6, 6)
    with torch.no_grad():
        up = bilinear_upsampler(3)(x)
    expected = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
    torch.testing.assert_close(up[..., 2:-2, 2:-2], expected[..., 2:-2, 2:-2])


def test_training_lowers_the_loss_and_is_reproducible():
    x, y, _, _ = scenes_to_tensors(make_scenes(16, size=32, seed=0))
    runs = []
    for _ in range(2):
        torch.manual_seed(0)  # the same initial weights
        runs.append(train_steps(FCN(width=4), x, y, steps=30, batch_size=4, seed=1))
    assert runs[0].losses == runs[1].losses
    assert np.mean(runs[0].losses[-5:]) < np.mean(runs[0].losses[:5])
    assert runs[0].cpu_seconds > 0 and runs[0].seconds > 0
    probs = predict_probabilities(runs[0].model, x[:3])
    assert probs.shape == (3, 4, 32, 32)
    torch.testing.assert_close(probs.sum(1), torch.ones(3, 32, 32))
    with pytest.raises(ValueError, match="as many examples"):
        train_steps(FCN(width=4), x, y[:3], steps=1)
    with pytest.raises(ValueError, match="N x 3 x H x W"):
        predict_probabilities(runs[0].model, x[0])


def test_class_weights_make_the_average_pixel_weigh_one():
    y = torch.tensor([0] * 90 + [1] * 6 + [2] * 3 + [3] * 1)
    w = class_weights(y)
    freq = torch.tensor([0.9, 0.06, 0.03, 0.01])
    assert float((w * freq).sum()) == pytest.approx(1.0)
    assert float(w[3] / w[0]) == pytest.approx((0.9 / 0.01) ** 0.5)
    with pytest.raises(ValueError, match="class 2 never occurs"):
        class_weights(torch.tensor([0, 1, 3]))


@pytest.mark.parametrize("seed", range(6))
def test_roi_align_loops_match_torchvision(seed):
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(2, 9, 11))
    x1, y1 = rng.uniform(-2, 8, size=2)
    box = np.array([x1, y1, x1 + rng.uniform(0.3, 6), y1 + rng.uniform(0.3, 6)])
    for ratio, aligned, scale in ((-1, False, 1.0), (2, True, 1.0), (3, False, 0.5),
                                  (-1, True, 0.5)):
        ours = roi_align_loops(features, box, 4, spatial_scale=scale, sampling_ratio=ratio,
                               aligned=aligned)
        theirs = roi_align(torch.tensor(features)[None], [torch.tensor(box)[None]], 4,
                           spatial_scale=scale, sampling_ratio=ratio, aligned=aligned)[0]
        np.testing.assert_allclose(ours, theirs.numpy(), atol=1e-12)


def test_mask_targets_are_torchvisions_and_paste_back():
    scene = make_scene(seed=5, n_objects=3, size=64)
    target = scene_target(scene)
    ours = mask_targets(scene.masks, scene.boxes)
    theirs = project_masks_on_boxes(target["masks"], target["boxes"],
                                    torch.arange(len(scene.boxes)), 28)
    torch.testing.assert_close(ours, theirs)
    pasted = paste_masks(ours, scene.boxes, (64, 64)) >= 0.5
    for mask, back in zip(scene.masks, pasted.numpy(), strict=True):
        assert (mask & back).sum() / (mask | back).sum() > 0.8
    aligned = paste_masks(mask_targets(scene.masks, scene.boxes, aligned=True), scene.boxes,
                          (64, 64)) >= 0.5
    for mask, off, centred in zip(scene.masks, pasted.numpy(), aligned.numpy(), strict=True):
        assert (mask & centred).sum() / (mask | centred).sum() >= (
            (mask & off).sum() / (mask | off).sum())
    with pytest.raises(ValueError, match="boxes must have shape"):
        mask_targets(scene.masks, scene.boxes[:1])


def test_mask_rcnn_branch_shapes_and_losses():
    torch.manual_seed(0)
    model = mask_rcnn(size=64)
    scene = make_scene(seed=1, n_objects=2, size=64)
    image = torch.from_numpy(scene.image).permute(2, 0, 1)
    branch = mask_branch(model, image, torch.from_numpy(scene.boxes))
    assert branch.roi_features.shape == (2, 256, 14, 14) and branch.head.shape == (2, 256, 14, 14)
    assert branch.mask_logits.shape == (2, 4, 28, 28) and branch.image_size == (64, 64)
    assert branch.features["0"].shape == (1, 256, 16, 16)  # stride 4
    model.train()
    losses = model([image], [scene_target(scene)])
    assert {"loss_mask", "loss_classifier", "loss_objectness"} <= set(losses)
    assert all(torch.isfinite(v) for v in losses.values())
