"""course_utils.finetune (notebook 10's machinery) and the weights' checksum."""

import numpy as np
import pytest
import torch

from course_utils import transfer
from course_utils.finetune import (
    learning_curve,
    lfw_faces,
    pooled_features,
    sample_per_class,
    split_features,
    to_network_input,
    trainable_top,
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
    with pytest.raises(ValueError, match="class 0 has only 100 examples, asked for 101"):
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
