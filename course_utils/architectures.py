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
