"""Building blocks of modern architectures (notebooks 07 and 09).

``InceptionModule``: GoogLeNet's four parallel branches (1x1, 3x3, 5x5, 3x3 max pool),
concatenated along the channels, naive or with 1x1 "bottleneck" reductions (deck 000).
"""

from __future__ import annotations

import torch
from torch import nn

from course_utils.validate import as_number


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
        return torch.cat([self.branch1(x), self.branch3(x), self.branch5(x), self.pool(x)], 1)


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
        return torch.relu(self.body(x) + self.shortcut(x))


class _PlainPair(nn.Module):
    """Two conv-BN-ReLU layers, with or without an identity shortcut around them."""

    def __init__(self, channels: int, residual: bool):
        super().__init__()
        self.residual = residual
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels),
            nn.ReLU(), nn.Conv2d(channels, channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(channels))

    def forward(self, x):
        out = self.body(x)
        return torch.relu(out + x if self.residual else out)


def depth_net(depth: int, *, residual: bool, channels: int = 16, classes: int = 10,
              seed: int = 0) -> nn.Sequential:
    """A stem conv, (depth - 2) / 2 pairs of 3x3 conv-BN-ReLU layers, then pool and a linear
    head: ``depth`` weight layers in all, for 1x8x8 digits. ``residual`` adds an identity
    shortcut around every pair (a ResNet); otherwise it is a plain net of the same depth."""
    depth = as_number(depth, "depth", minimum=4, integer=True)
    if depth % 2:
        raise ValueError(f"depth must be even (a stem, pairs of layers, a head), got {depth}")
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(1, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels), nn.ReLU(),
        *[_PlainPair(channels, residual) for _ in range((depth - 2) // 2)],
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, classes))


def training_error(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, steps: int = 200,
                   lr: float = 0.1, batch_size: int = 64, seed: int = 0) -> tuple[float, float]:
    """SGD (momentum 0.9, cosine lr) for ``steps`` mini-batches; final (training loss, error)."""
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
