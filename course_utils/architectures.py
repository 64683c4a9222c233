"""Building blocks of modern architectures (notebooks 07 and 09).

``InceptionModule``: GoogLeNet's four parallel branches (1x1, 3x3, 5x5, 3x3 max pool),
concatenated along the channels, naive or with 1x1 "bottleneck" reductions (deck 000).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from course_utils.validate import as_labels, as_number, as_tensor

__all__ = [
    "InceptionModule", "ResidualBlock", "BottleneckBlock", "PlainPair", "depth_net",
    "training_error", "alexnet_deck", "vgg16", "ILSVRCEntry", "ilsvrc_entry",
    "PreActResidualBlock", "input_gradient", "nin_head", "fc_head", "DenseLayer", "DenseBlock",
    "cost_profile", "zoo_models", "zoo_summaries",
]


class InceptionModule(nn.Module):
    """Deck 000's Inception module: 1x1, 3x3 and 5x5 convolutions and a 3x3 max pool side by side.

    Args:
        c_in: input channels. c1, c3, c5: output channels of the 1x1, 3x3 and 5x5 branches.
        bottleneck: None for the naive module (the pool branch passes its c_in channels
            through), or (r3, r5, pool_proj): 1x1 reductions before the 3x3 and 5x5
            convolutions and a 1x1 projection after the pool.
    """

    def __init__(self, c_in: int, c1: int, c3: int, c5: int,
                 bottleneck: tuple[int, int, int] | None = None):
        super().__init__()
        c_in = as_number(c_in, "c_in", minimum=1, integer=True)
        if bottleneck is None:
            self.branch3 = nn.Conv2d(c_in, c3, 3, padding=1)
            self.branch5 = nn.Conv2d(c_in, c5, 5, padding=2)
            self.pool = nn.MaxPool2d(3, stride=1, padding=1)
        else:
            r3, r5, proj = bottleneck
            self.branch3 = nn.Sequential(nn.Conv2d(c_in, r3, 1), nn.Conv2d(r3, c3, 3, padding=1))
            self.branch5 = nn.Sequential(nn.Conv2d(c_in, r5, 1), nn.Conv2d(r5, c5, 5, padding=2))
            self.pool = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1),
                                      nn.Conv2d(c_in, proj, 1))
        self.branch1 = nn.Conv2d(c_in, c1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _block_input(x, self.branch1)
        return torch.cat([self.branch1(x), self.branch3(x), self.branch5(x), self.pool(x)], 1)


def _block_input(x, conv: nn.Conv2d) -> torch.Tensor:
    """A block's input: images [N, C, H, W] with the channels and dtype of its first
    convolution. NaN passes (a diverged run's activations flow on to the loss)."""
    return as_tensor(x, "x", shape=("N", conv.in_channels, "H", "W"), dtype=conv.weight.dtype,
                     finite=False, why=f"this block takes {conv.in_channels} channels")


class ResidualBlock(nn.Module):
    """ResNet's basic block: conv3x3-BN-ReLU-conv3x3-BN, plus the input, then ReLU (deck 003).

    With ``stride`` 2 or a change of channels, the shortcut is a 1x1 convolution + BN
    (torchvision's "downsample"); otherwise it is the identity.
    """

    def __init__(self, c_in: int, c_out: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Identity() if stride == 1 and c_in == c_out else nn.Sequential(
            nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _block_input(x, self.conv1)
        out = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class BottleneckBlock(nn.Module):
    """ResNet-50's block: 1x1 reduce to ``width``, 3x3, 1x1 expand to 4 x width, plus shortcut."""

    expansion = 4

    def __init__(self, c_in: int, width: int, stride: int = 1):
        super().__init__()
        c_out = width * self.expansion
        self.body = nn.Sequential(
            nn.Conv2d(c_in, width, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
            nn.Conv2d(width, width, 3, stride, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
            nn.Conv2d(width, c_out, 1, bias=False), nn.BatchNorm2d(c_out))
        self.shortcut = nn.Identity() if stride == 1 and c_in == c_out else nn.Sequential(
            nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _block_input(x, self.body[0])
        return torch.relu(self.body(x) + self.shortcut(x))


class PlainPair(nn.Module):
    """Two conv-BN-ReLU layers, with or without an identity shortcut around them."""

    def __init__(self, channels: int, residual: bool):
        super().__init__()
        self.residual = residual
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels),
            nn.ReLU(), nn.Conv2d(channels, channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(channels))

    def forward(self, x):
        out = self.body(_block_input(x, self.body[0]))
        return torch.relu(out + x if self.residual else out)


def depth_net(depth: int, *, residual: bool, channels: int = 16, classes: int = 10,
              seed: int = 0) -> nn.Sequential:
    """A stem conv, (depth - 2) / 2 pairs of 3x3 conv-BN-ReLU layers, then pool and a linear
    head: ``depth`` weight layers in all, for 1x8x8 digits. ``residual`` adds an identity
    shortcut around every pair (a ResNet); otherwise it is a plain net of the same depth."""
    depth = as_number(depth, "depth", minimum=4, integer=True)
    channels = as_number(channels, "channels", minimum=1, integer=True)
    classes = as_number(classes, "classes", minimum=1, integer=True)
    if depth % 2:
        raise ValueError(f"depth must be even (a stem, pairs of layers, a head), got {depth}")
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(1, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels), nn.ReLU(),
        *[PlainPair(channels, residual) for _ in range((depth - 2) // 2)],
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, classes))


def training_error(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, steps: int = 200,
                   lr: float = 0.1, batch_size: int = 64, seed: int = 0) -> tuple[float, float]:
    """SGD (momentum 0.9, cosine lr) for ``steps`` mini-batches; final (training loss, error)."""
    first = next(model.parameters())
    x = as_tensor(x, "x", dtype=first.dtype, nonempty=True, why="like the model's weights")
    y = as_labels(y, "y", n=len(x), why="one label per image of x")
    steps = as_number(steps, "steps", minimum=1, integer=True)
    batch_size = as_number(batch_size, "batch_size", minimum=1, integer=True)
    lr = as_number(lr, "lr", minimum=0.0)
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    model.train()
    for _ in range(steps):
        rows = torch.randint(0, len(x), (batch_size,), generator=g)
        loss = nn.functional.cross_entropy(model(x[rows]), y[rows])
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    model.eval()
    with torch.no_grad():
        out = model(x)
        return (float(nn.functional.cross_entropy(out, y)),
                float((out.argmax(1) != y).float().mean()))


def alexnet_deck(classes: int = 1000) -> nn.Sequential:
    """AlexNet as deck 000's table draws it (Krizhevsky et al. 2012): 227x227x3 input, two
    GPUs, so conv2, conv4 and conv5 are grouped (each half sees half the channels)."""
    classes = as_number(classes, "classes", minimum=1, integer=True)
    return nn.Sequential(
        nn.Conv2d(3, 96, 11, stride=4), nn.ReLU(), nn.LocalResponseNorm(5),
        nn.MaxPool2d(3, 2),
        nn.Conv2d(96, 256, 5, padding=2, groups=2), nn.ReLU(), nn.LocalResponseNorm(5),
        nn.MaxPool2d(3, 2),
        nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 384, 3, padding=1, groups=2), nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1, groups=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Flatten(), nn.Linear(6 * 6 * 256, 4096), nn.ReLU(), nn.Linear(4096, 4096), nn.ReLU(),
        nn.Linear(4096, classes))


VGG16_CONFIG = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
                512, 512, 512, "M")


def vgg16(classes: int = 1000) -> nn.Sequential:
    """VGG-16 (configuration D of Simonyan & Zisserman) for 224x224x3 inputs."""
    classes = as_number(classes, "classes", minimum=1, integer=True)
    layers: list[nn.Module] = []
    c = 3
    for v in VGG16_CONFIG:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(c, v, 3, padding=1), nn.ReLU()]
            c = v
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(7 * 7 * 512, 4096), nn.ReLU(),
                         nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, classes))


# -- ILSVRC results, for the decks' "who won" claims ------------------------------------------

class ILSVRCEntry(NamedTuple):
    year: int
    task: str  # "classification" (top-5 error) or "localisation" (localisation error)
    place: int
    team: str
    network: str
    error: float  # percent, on the test set, as the challenge reported it


# Russakovsky et al., "ImageNet Large Scale Visual Recognition Challenge", IJCV 2015 (results
# tables); Krizhevsky et al. 2012; Szegedy et al. 2015 (GoogLeNet, table 2); Simonyan &
# Zisserman 2015 (VGG, tables 7 and 8); He et al. 2016 (ResNet, 3.57% top-5).
ILSVRC_RESULTS: tuple[ILSVRCEntry, ...] = (
    ILSVRCEntry(2011, "classification", 1, "XRCE", "Fisher vectors (no CNN)", 25.8),
    ILSVRCEntry(2012, "classification", 1, "SuperVision", "AlexNet", 15.3),
    ILSVRCEntry(2012, "classification", 2, "ISI", "Fisher vectors (no CNN)", 26.2),
    ILSVRCEntry(2013, "classification", 1, "Clarifai", "ZFNet", 11.7),
    ILSVRCEntry(2014, "classification", 1, "GoogLeNet", "GoogLeNet", 6.7),
    ILSVRCEntry(2014, "classification", 2, "VGG", "VGG", 7.3),
    ILSVRCEntry(2014, "localisation", 1, "VGG", "VGG", 25.3),
    ILSVRCEntry(2014, "localisation", 2, "GoogLeNet", "GoogLeNet", 26.4),
    ILSVRCEntry(2015, "classification", 1, "MSRA", "ResNet", 3.6),
)


def ilsvrc_entry(year: int, task: str, place: int = 1) -> ILSVRCEntry:
    """The entry that took ``place`` in ILSVRC ``year``'s ``task`` (from ``ILSVRC_RESULTS``)."""
    for entry in ILSVRC_RESULTS:
        if (entry.year, entry.task, entry.place) == (year, task, place):
            return entry
    known = sorted({(e.year, e.task, e.place) for e in ILSVRC_RESULTS})
    raise ValueError(f"no ILSVRC entry for year={year}, task={task!r}, place={place}; "
                     f"the table holds {known}")


# -- pre-activation blocks, NiN heads and dense blocks ----------------------------------------

class PreActResidualBlock(nn.Module):
    """He et al. 2016b ("Identity mappings"): BN-ReLU-conv3x3-BN-ReLU-conv3x3, plus the input,
    and nothing after the addition, so the shortcut is a pure identity: y = x + F(x).

    ``branch`` is F alone (for comparing gradients). Same channels, stride 1 only.
    """

    def __init__(self, channels: int):
        super().__init__()
        channels = as_number(channels, "channels", minimum=1, integer=True)
        self.branch = nn.Sequential(
            nn.BatchNorm2d(channels), nn.ReLU(), nn.Conv2d(channels, channels, 3, 1, 1, bias=False),
            nn.BatchNorm2d(channels), nn.ReLU(), nn.Conv2d(channels, channels, 3, 1, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _block_input(x, self.branch[2])
        return x + self.branch(x)


def input_gradient(fn, x: torch.Tensor, upstream: torch.Tensor) -> torch.Tensor:
    """dL/dx by autograd for L = sum(upstream * fn(x)): the gradient ``fn`` sends back."""
    x = as_tensor(x, "x").detach().clone().requires_grad_(True)
    out = fn(x)
    upstream = as_tensor(upstream, "upstream", shape=tuple(out.shape), dtype=out.dtype,
                         why="the shape and dtype of fn(x)")
    (grad,) = torch.autograd.grad((out * upstream).sum(), x)
    return grad


def nin_head(c_in: int, classes: int) -> nn.Sequential:
    """Network in Network's head (Lin et al. 2014): a 1x1 convolution to one map per class,
    then global average pooling: ``[N, c_in, H, W] -> [N, classes]``, for any H and W."""
    c_in = as_number(c_in, "c_in", minimum=1, integer=True)
    classes = as_number(classes, "classes", minimum=1, integer=True)
    return nn.Sequential(nn.Conv2d(c_in, classes, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten())


def fc_head(c_in: int, height: int, width: int, classes: int) -> nn.Sequential:
    """AlexNet/VGG's head for comparison: flatten ``c_in x height x width``, one linear layer."""
    c_in, height, width, classes = (as_number(v, k, minimum=1, integer=True) for k, v in (
        ("c_in", c_in), ("height", height), ("width", width), ("classes", classes)))
    return nn.Sequential(nn.Flatten(), nn.Linear(c_in * height * width, classes))


class DenseLayer(nn.Module):
    """DenseNet-B layer (Huang et al. 2017): BN-ReLU-conv1x1 (to bn_size x growth)-BN-ReLU-
    conv3x3 (to growth); its ``growth`` new maps are concatenated to its input."""

    def __init__(self, c_in: int, growth: int, bn_size: int = 4):
        super().__init__()
        self.norm1, self.relu1 = nn.BatchNorm2d(c_in), nn.ReLU()
        self.conv1 = nn.Conv2d(c_in, bn_size * growth, 1, bias=False)
        self.norm2, self.relu2 = nn.BatchNorm2d(bn_size * growth), nn.ReLU()
        self.conv2 = nn.Conv2d(bn_size * growth, growth, 3, padding=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _block_input(x, self.conv1)
        new = self.conv2(self.relu2(self.norm2(self.conv1(self.relu1(self.norm1(x))))))
        return torch.cat([x, new], 1)  # concatenation, where ResNet adds


class DenseBlock(nn.Sequential):
    """``layers`` dense layers: c_in channels in, c_in + layers x growth out (same H, W).

    Parameter names follow torchvision's ``_DenseBlock`` (``denselayer1.conv1.weight``...), so
    its weights load into ours and the two can be compared output for output.
    """

    def __init__(self, layers: int, c_in: int, growth: int, bn_size: int = 4):
        layers = as_number(layers, "layers", minimum=1, integer=True)
        super().__init__()
        for i in range(layers):
            self.add_module(f"denselayer{i + 1}", DenseLayer(c_in + i * growth, growth, bn_size))


# -- the architecture explorer's numbers (notebook 09's widget) -------------------------------

# label: (LayerRow attribute, Summary total, unit)
COSTS = {"parameters (M)": ("params", "total_params", 1e6),
         "G-MACs": ("macs", "total_macs", 1e9),
         "activations (MB)": ("activation_bytes", "activation_bytes", 1e6)}


def cost_profile(table) -> dict[str, np.ndarray]:
    """Cumulative share (0..1) of each cost along a network's layers with weights.

    Args:
        table: an ``arithmetic.summary`` of the network.

    Returns:
        ``{cost name: array [L]}`` over the L conv and linear layers, in forward order; a
        layer's activations count those of every layer up to the next weighted one.
    """
    if not hasattr(table, "rows") or not hasattr(table, "total_params"):
        raise TypeError(f"table must be an arithmetic.summary(...) of a network, got "
                        f"{type(table).__name__}")
    names = [name for name, _, _ in COSTS.values()]
    per_layer, current = [], None
    for r in table.rows:
        if r.kind in ("Conv2d", "Linear"):
            current = dict.fromkeys(names, 0)
            per_layer.append(current)
        if current is not None:
            for name in names:
                current[name] += getattr(r, name)
    if not per_layer:
        raise ValueError("cost_profile needs a summary with at least one Conv2d or Linear row")
    out = {}
    for label, (name, _, _) in COSTS.items():
        values = np.array([layer[name] for layer in per_layer], dtype=float)
        out[label] = np.cumsum(values) / values.sum()
    return out


_ZOO = {"AlexNet": ("alexnet", "AlexNet_Weights"), "VGG-16": ("vgg16", "VGG16_Weights"),
        "GoogLeNet": ("googlenet", "GoogLeNet_Weights"),
        "ResNet-18": ("resnet18", "ResNet18_Weights"),
        "ResNet-50": ("resnet50", "ResNet50_Weights")}


def zoo_models() -> dict[str, tuple]:
    """torchvision's builders and weight enums for the five networks of notebook 09 (no
    download: only the architecture is built; the weights' metadata ships in the package)."""
    import torchvision

    models = torchvision.models
    out = {}
    for label, (builder, weights) in _ZOO.items():
        build = getattr(models, builder)
        if builder == "googlenet":
            def build(b=build):
                return b(aux_logits=False, init_weights=False)
        out[label] = (build, getattr(models, weights))
    return out


@functools.lru_cache(maxsize=2)
def zoo_summaries(size: int = 224) -> dict:
    """``{name: summary}`` of the five networks for one ``size`` x ``size`` colour image, and
    each one's ImageNet top-1 from torchvision's weight metadata, as ``(summaries, top1)``.

    Cached: building the five networks and running them once takes a few seconds.
    """
    size = as_number(size, "size", minimum=64, integer=True)
    from course_utils.arithmetic import summary

    tables, top1 = {}, {}
    for name, (build, weights) in zoo_models().items():
        tables[name] = summary(build(), (1, 3, size, size))
        top1[name] = weights.IMAGENET1K_V1.meta["_metrics"]["ImageNet-1K"]["acc@1"]
    return tables, top1
