"""course_utils.finetune (notebook 10's machinery) and the weights' checksum.

Oracles: the whole network run and trained with autograd and requires_grad (for the cached
frozen part), counts module by module, the images placed back where they were put."""

import numpy as np
import pytest
import torch

from course_utils import transfer
from course_utils.finetune import (
    SmallCNN,
    cnn_features,
    digit_transfer_split,
    digits_8x8,
    face_methods,
    fine_tune_frozen,
    freeze_task,
    learning_curve,
    lfw_faces,
    place_on_canvas,
    pooled_features,
    pretrain_on_source,
    project_2d,
    sample_per_class,
    split_features,
    to_network_input,
    train_top,
    trainable_parameters,
    trainable_top,
    with_new_head,
    within_domain_methods,
)


@pytest.fixture(scope="module")
def model():
    return transfer.pretrained_efficientnet_lite0()


def test_frozen_part_then_top_equals_the_whole_network(model):
    faces, _ = lfw_faces()
    x = to_network_input(faces[:6], size=64)
    whole = pooled_features(model, x)
    for frozen in (0, 3, 6, 7):
        top = trainable_top(model, frozen_stages=frozen, classes=2).eval()
        with torch.no_grad():
            feats = top[0](split_features(model, x, frozen_stages=frozen))
        np.testing.assert_allclose(feats.numpy(), whole, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("batch_size", [1, 5, 16, 64])
def test_features_do_not_depend_on_the_batch_size(model, batch_size):
    # Oracle: the whole network on all 7 images at once; its classifier on our pooled
    # features gives its logits, and the stem plus stages 0-2 are the timm modules in a row.
    faces, _ = lfw_faces()
    x = to_network_input(faces[:7], size=64)  # 7: batches of 5 and 16 do not divide it
    with torch.no_grad():
        logits = model(x)
        early = model.blocks[:3](model.bn1(model.conv_stem(x)))
        feats = pooled_features(model, x, batch_size=batch_size)
        split = split_features(model, x, frozen_stages=3, batch_size=batch_size)
        # tolerance: float32 convolutions may pick another algorithm for another batch size
        np.testing.assert_allclose(model.classifier(torch.from_numpy(feats)).numpy(),
                                   logits.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(split.numpy(), early.numpy(), rtol=1e-4, atol=1e-4)
    assert feats.shape == (7, 1280) and split.shape[0] == 7


def test_top_is_a_copy_with_a_new_head(model):
    top = trainable_top(model, frozen_stages=6, classes=3)
    assert top[1].out_features == 3 and top[1].in_features == 1280
    with torch.no_grad():
        top[0][0][0].conv_pw.weight.zero_()
    assert model.blocks[6][0].conv_pw.weight.abs().sum() > 0


def test_inputs_and_sampling():
    faces, y = lfw_faces()
    assert faces.shape == (200, 25, 25) and y.sum() == 100
    x = to_network_input(faces[:2], size=48)
    assert x.shape == (2, 3, 48, 48) and torch.allclose(x[:, 0], x[:, 2])
    assert float(x.min()) >= -1 and float(x.max()) <= 1
    idx = sample_per_class(y, 3, seed=1)
    assert np.bincount(y[idx]).tolist() == [3, 3]
    assert np.array_equal(idx, sample_per_class(y, 3, seed=1))
    curve = learning_curve(y, [1, 2], [0, 1], {"all test": lambda tr, te, s: len(te) / 200})
    assert curve.scores["all test"].tolist() == [[0.99, 0.99], [0.98, 0.98]]
    with pytest.raises(ValueError, match="gray must be N x H x W"):
        to_network_input(np.zeros((2, 8, 8, 3)))
    with pytest.raises(ValueError, match="per_class 101 is more than the 100 examples of class 0"):
        sample_per_class(y, 101)


def test_torchvision_weights_are_offered_only_when_cached(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    assert transfer.cached_torchvision_weights("resnet18") is None
    assert "on a machine that is online" in transfer.torchvision_download_hint()
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "resnet18-f37072fd.pth").write_bytes(b"x")
    assert transfer.cached_torchvision_weights("resnet18").endswith("resnet18-f37072fd.pth")


def test_altered_or_missing_weights_are_refused(tmp_path):
    bad = tmp_path / "efficientnet-lite0-57934424.pth"
    bad.write_bytes(b"not the weights")
    with pytest.raises(RuntimeError, match="not the one the course was checked with.*reinstall"):
        transfer.verify_weights(str(bad))
    with pytest.raises(FileNotFoundError, match="is missing: reinstall"):
        transfer.verify_weights(str(tmp_path / "gone.pth"))
    assert transfer.verify_weights() == transfer.weights_file()
    with pytest.raises(ValueError, match="unknown torchvision backbone"):
        transfer.cached_torchvision_weights("resnet19")


# --- network input checks --------------------------------------------------------------

@pytest.mark.parametrize(("x", "words"), [
    (torch.zeros(2, 1, 64, 64), "got shape \\[2, 1, 64, 64\\] \\(one channel: repeat it"),
    (torch.zeros(2, 64, 64, 3), "channels last"),
    (torch.zeros(2, 64, 64), "a grayscale batch: to_network_input"),
    (torch.zeros(2, 3, 16, 16), "at least 32 x 32"),
    (torch.full((1, 3, 32, 32), float("nan")), "must be finite"),
])
def test_network_input_refuses_what_the_network_cannot_take(model, x, words):
    with pytest.raises(ValueError, match=words):
        pooled_features(model, x)
    with pytest.raises(ValueError, match=words):
        split_features(model, x, frozen_stages=2)


# --- within-domain transfer on digits ----------------------------------------------------

def test_place_on_canvas_keeps_each_image_whole_somewhere():
    rng = np.random.default_rng(0)
    images = rng.uniform(0.1, 1, size=(40, 8, 8)).astype(np.float32)
    placed = place_on_canvas(images, canvas=12, seed=3)
    assert placed.shape == (40, 12, 12) and placed.dtype == np.float32
    offsets = set()
    for image, out in zip(images, placed, strict=True):
        rows, cols = np.nonzero(out)
        r, c = rows.min(), cols.min()
        assert np.array_equal(out[r:r + 8, c:c + 8], image) and out.sum() == pytest.approx(
            image.sum(), rel=1e-6)
        offsets.add((r, c))
    assert len(offsets) > 10 and max(max(o) for o in offsets) <= 4
    assert np.array_equal(placed, place_on_canvas(images, canvas=12, seed=3))
    assert np.array_equal(place_on_canvas(images, canvas=8), images)
    with pytest.raises(ValueError, match="canvas must be >= 8"):
        place_on_canvas(images, canvas=6)
    with pytest.raises(ValueError, match="images must be N x H x W"):
        place_on_canvas(images[0], canvas=12)


def test_digit_split_is_by_class_and_relabels_the_target():
    from sklearn.datasets import load_digits

    digits = load_digits()
    split = digit_transfer_split(canvas=8)
    counts = np.bincount(digits.target)
    assert np.bincount(split.y_source).tolist() == counts[:5].tolist()
    assert np.bincount(split.y_target).tolist() == counts[5:].tolist()
    np.testing.assert_allclose(split.x_target, digits.images[digits.target >= 5] / 16)
    shifted = digit_transfer_split(canvas=12, seed=0)
    assert shifted.x_source.shape[1:] == (12, 12)
    np.testing.assert_allclose(shifted.x_target.sum((1, 2)), split.x_target.sum((1, 2)),
                               rtol=1e-5)


def test_new_head_copies_the_body_and_replaces_only_the_head():
    torch.manual_seed(0)
    source = SmallCNN(5)
    images = np.random.default_rng(0).uniform(size=(4, 8, 8)).astype(np.float32)
    moved = with_new_head(source, 3, seed=1)
    assert moved.head.out_features == 3 and source.head.out_features == 5
    np.testing.assert_array_equal(cnn_features(moved, images), cnn_features(source, images))
    with torch.no_grad():
        expected = source.features(torch.as_tensor(images)[:, None]).numpy()
        moved.features[0].weight.zero_()
    np.testing.assert_array_equal(cnn_features(source, images), expected)  # a copy
    assert torch.equal(with_new_head(source, 3, seed=1).head.weight,
                       with_new_head(source, 3, seed=1).head.weight)


# --- freezing ------------------------------------------------------------------------------

def _autograd_reference(model, x, y, *, frozen, epochs, lr, head_lr, seed):
    """The whole network, its first stages frozen with requires_grad, trained with autograd."""
    import copy

    net = copy.deepcopy(model).eval()
    net.classifier = trainable_top(model, frozen_stages=frozen, classes=2, seed=seed)[1]
    for p in net.parameters():
        p.requires_grad = False
    for m in (*net.blocks[frozen:], net.conv_head, net.bn2, net.classifier):
        for p in m.parameters():
            p.requires_grad = True
    head = list(net.classifier.parameters())
    body = [p for p in net.parameters() if p.requires_grad and all(p is not h for h in head)]
    opt = torch.optim.Adam([{"params": body}, {"params": head, "lr": head_lr}], lr=lr)
    for _ in range(epochs):
        loss = torch.nn.functional.cross_entropy(net(x), torch.as_tensor(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return net, sum(p.numel() for p in net.parameters() if p.requires_grad)


def test_freezing_by_cached_features_equals_freezing_with_requires_grad(model):
    faces, y = lfw_faces()
    pick = np.r_[0:4, 100:104]
    x = to_network_input(faces[pick], size=32)
    frozen = 5
    ours = trainable_top(model, frozen_stages=frozen, classes=2, seed=0)
    feats = split_features(model, x, frozen_stages=frozen)
    result = train_top(ours, feats, y[pick], feats, y[pick], epochs=3, lr=5e-4, head_lr=3e-3)
    reference, count = _autograd_reference(model, x, y[pick], frozen=frozen, epochs=3,
                                           lr=5e-4, head_lr=3e-3, seed=0)
    with torch.no_grad():
        # float32, 3 Adam steps through 3 stages: agree to rounding
        torch.testing.assert_close(ours(feats), reference(x), rtol=1e-4, atol=1e-4)
    assert result.trainable_params == count == trainable_parameters(
        model, frozen_stages=frozen, classes=2)
    assert model.blocks[5][0].conv_pw.weight.requires_grad  # the original is untouched


def test_trainable_parameters_by_module():
    import timm

    net = timm.create_model("tf_efficientnet_lite0", pretrained=False)
    head = net.num_features * 3 + 3
    for frozen in (0, 4, 7):
        kept = (*net.blocks[frozen:], net.conv_head, net.bn2)
        expected = sum(p.numel() for m in kept for p in m.parameters()) + head
        built = trainable_top(net, frozen_stages=frozen, classes=3)  # the copy that trains
        assert trainable_parameters(net, frozen_stages=frozen, classes=3) == expected
        assert expected == sum(p.numel() for p in built.parameters())
    assert trainable_parameters(net, frozen_stages=7, classes=3) == 412_160 + head


def test_freeze_task_and_a_deterministic_fine_tune(model):
    task = freeze_task("digits", size=32, per_class=2, test_size=30)
    assert task.x_train.shape == (20, 3, 32, 32) and task.x_test.shape == (30, 3, 32, 32)
    assert np.bincount(task.y_train).tolist() == [2] * 10
    assert 0.3 < task.pixel_accuracy <= 1
    faces = freeze_task("faces", per_class=5)
    assert len(faces.y_test) == 190  # all the rest, fewer than 200
    first = fine_tune_frozen(model, task, frozen_stages=7, epochs=3)
    again = fine_tune_frozen(model, task, frozen_stages=7, epochs=3)
    assert first.accuracy == again.accuracy and first.trainable_params == 424_970
    with pytest.raises(ValueError, match="unknown freezing task 'digit'. Did you mean 'digits'"):
        freeze_task("digit")
    with pytest.raises(ValueError, match="frozen_stages must be <= 7"):
        fine_tune_frozen(model, task, frozen_stages=8)


def test_pretraining_and_the_within_domain_methods():
    split = digit_transfer_split(canvas=8)
    source, accuracy = pretrain_on_source(split, epochs=20, seed=1)
    again, same = pretrain_on_source(split, epochs=20, seed=1)
    assert source.head.out_features == 5 and 0.5 < accuracy == same <= 1
    assert torch.equal(source.head.weight, again.head.weight)
    methods = within_domain_methods(split, source, epochs=0)  # no training: starting points
    tr = sample_per_class(split.y_target, 3)
    te = np.setdiff1d(np.arange(len(split.y_target)), tr)
    start = with_new_head(source, 5, seed=2).eval()
    with torch.no_grad():
        logits = start(torch.as_tensor(split.x_target[te])[:, None])
    expected = float((logits.argmax(1).numpy() == split.y_target[te]).mean())
    assert methods["pretrained, all fine-tuned"](tr, te, 2) == expected
    curve = learning_curve(split.y_target, [2], [0], methods)
    assert set(curve.cpu_seconds) == set(methods) and min(curve.cpu_seconds.values()) >= 0
    assert "±" in curve.table()[0]["pixels + probe"]


def test_digits_8x8_are_sklearn_s_divided_by_16():
    from sklearn.datasets import load_digits

    images, labels = digits_8x8()
    assert images.shape == (1797, 8, 8) and images.dtype == np.float32
    np.testing.assert_allclose(images * 16, load_digits().images)
    assert labels.dtype == np.int64 and np.array_equal(labels, load_digits().target)


def test_face_methods_use_the_cached_features(model):
    faces, y = lfw_faces()
    x = to_network_input(faces, size=32)
    features = pooled_features(model, x)
    below_last = split_features(model, x, frozen_stages=6)
    methods = face_methods(model, faces, y, features=features, below_last=below_last,
                           epochs=2)
    tr = sample_per_class(y, 2)
    te = np.setdiff1d(np.arange(200), tr)
    from sklearn.linear_model import LogisticRegression

    expected = LogisticRegression(max_iter=2000).fit(features[tr], y[tr]).score(
        features[te], y[te])
    assert methods["ImageNet features + probe"](tr, te, 0) == pytest.approx(expected)
    top = trainable_top(model, frozen_stages=6, classes=2, seed=0)
    run = train_top(top, below_last[tr], y[tr], below_last[te], y[te], epochs=2)
    assert methods["fine-tune last stage"](tr, te, 0) == run.accuracy
    assert list(methods) == ["pixels + probe", "ImageNet features + probe", "fine-tune last stage"]


def test_project_2d_pca_against_an_svd_and_tsne_is_seeded():
    rng = np.random.default_rng(0)
    f = rng.normal(size=(40, 6)) * np.array([5, 3, 1, 1, 1, 1])
    centred = f - f.mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    reference = centred @ vt[:2].T
    ours = project_2d(f)
    np.testing.assert_allclose(np.abs(ours), np.abs(reference), rtol=1e-6, atol=1e-9)
    tsne = project_2d(f, method="tsne", seed=1)
    assert tsne.shape == (40, 2) and np.array_equal(tsne, project_2d(f, method="tsne", seed=1))
    with pytest.raises(ValueError, match="method must be 'pca' or 'tsne'"):
        project_2d(f, method="umap")
    with pytest.raises(ValueError, match="must be finite"):
        project_2d(np.full((5, 2), np.nan))


def test_a_one_byte_corruption_is_caught_and_the_copy_is_removed():
    with transfer.corrupted_weights_copy(byte=123) as path:
        with pytest.raises(RuntimeError, match="not the one the course was checked with"):
            transfer.verify_weights(path)
    with pytest.raises(FileNotFoundError, match="is missing"):
        transfer.verify_weights(path)


# -- the whole network: full fine-tuning, from scratch, augmentation -------------------------

from course_utils.finetune import (  # noqa: E402
    FULL_RECIPES,
    augment_batch,
    full_fine_tune_methods,
    full_network,
    train_full,
)


def test_augment_batch_flips_and_shifts_each_image_by_hand():
    x = torch.arange(2 * 3 * 5 * 6, dtype=torch.float32).reshape(2, 3, 5, 6)
    out = augment_batch(x, generator=torch.Generator().manual_seed(3), shift=2)
    g = torch.Generator().manual_seed(3)  # the same draws, in the same order
    flip = torch.rand(2, generator=g) < 0.5
    dy, dx = (torch.randint(0, 5, (2,), generator=g) for _ in range(2))
    black = -1.0  # (0 - 0.5) / 0.5
    for i in range(2):
        image = x[i].flip(2) if flip[i] else x[i]
        canvas = torch.full((3, 9, 10), black)
        canvas[:, 2:7, 2:8] = image
        torch.testing.assert_close(out[i], canvas[:, dy[i]:dy[i] + 5, dx[i]:dx[i] + 6])
    assert out.shape == x.shape


def test_full_network_is_a_trainable_copy_or_the_same_architecture_at_random(model):
    net = full_network(model, 3, seed=1)
    assert net.classifier.out_features == 3 and net.conv_stem.weight is not model.conv_stem.weight
    torch.testing.assert_close(net.conv_stem.weight, model.conv_stem.weight)
    assert all(p.requires_grad for p in net.parameters())
    scratch = full_network(model, 3, pretrained=False, seed=1)
    assert [p.shape for p in scratch.parameters()] == [p.shape for p in net.parameters()]
    assert not torch.allclose(scratch.conv_stem.weight, model.conv_stem.weight)


def test_train_full_moves_every_layer_and_leaves_the_model_alone(model):
    task = freeze_task("faces", size=32, per_class=2, test_size=10)
    before = model.conv_stem.weight.clone()
    net = full_network(model, 2)
    result = train_full(net, task.x_train, task.y_train, task.x_test, task.y_test, epochs=2)
    assert not torch.equal(net.conv_stem.weight, before)  # the stem trained too
    torch.testing.assert_close(model.conv_stem.weight, before)
    assert result.trainable_params == sum(p.numel() for p in net.parameters())
    assert 0 <= result.accuracy <= 1
    assert abs(result.accuracy * 10 - round(result.accuracy * 10)) < 1e-5  # 10 test images
    again = train_full(full_network(model, 2), task.x_train, task.y_train, task.x_test,
                       task.y_test, epochs=2)
    assert again.accuracy == result.accuracy  # seeded


def test_from_scratch_batch_norm_is_recalibrated_on_the_training_images(model):
    task = freeze_task("faces", size=32, per_class=2, test_size=10)
    net = full_network(model, 2, pretrained=False)
    train_full(net, task.x_train, task.y_train, task.x_test, task.y_test, epochs=1,
               pretrained_statistics=False)
    stem_out = net.conv_stem(task.x_train)  # the first batch norm sees this
    torch.testing.assert_close(net.bn1.running_mean, stem_out.mean(dim=(0, 2, 3)).detach(),
                               atol=1e-5, rtol=1e-4)


def test_full_fine_tune_methods_offer_every_recipe(model):
    task = freeze_task("faces", size=32, per_class=1, test_size=6)
    methods = full_fine_tune_methods(model, task, epochs=1)
    assert list(methods) == list(FULL_RECIPES)
    head = methods["pretrained, head only"](0)
    assert head.trainable_params == trainable_parameters(model, frozen_stages=7, classes=2)
