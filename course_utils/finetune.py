"""Transfer learning experiments for notebook 10: features, probes, fine-tuning, freezing.

The pretrained network is ``transfer.pretrained_efficientnet_lite0()`` (7 block stages).
To keep every experiment CPU-sized, the frozen part of the network is run once and its
output cached (``split_features``); only the trainable top is trained, on those cached
activations, which is exactly what freezing means.
"""

from __future__ import annotations

import copy
import time
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from course_utils.validate import as_array, as_number

MEAN = STD = 0.5  # tf_efficientnet_lite0's normalisation (transfer.preprocess states it)


def lfw_faces() -> tuple[np.ndarray, np.ndarray]:
    """scikit-image's bundled ``lfw_subset``: 200 grayscale 25x25 images in [0, 1]; label 1
    for the 100 faces (first), 0 for the 100 non-faces."""
    from skimage.data import lfw_subset

    images = lfw_subset()
    return images.astype(np.float32), np.r_[np.ones(100), np.zeros(100)].astype(np.int64)


def to_network_input(gray, *, size: int = 96) -> torch.Tensor:
    """Grayscale images [N, H, W] in [0, 1] -> [N, 3, size, size], normalised for the net."""
    gray = as_array(gray, "gray")
    if gray.ndim != 3:
        raise ValueError(f"gray must be N x H x W grayscale images, got shape {gray.shape}; "
                         "a colour photo needs transfer.preprocess instead")
    size = as_number(size, "size", minimum=32, integer=True)
    x = torch.as_tensor(gray, dtype=torch.float32)[:, None]
    x = nn.functional.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    return ((x - MEAN) / STD).repeat(1, 3, 1, 1)


def _stem(model: nn.Module) -> nn.Module:
    return nn.Sequential(model.conv_stem, model.bn1)


@torch.no_grad()
def split_features(model: nn.Module, x: torch.Tensor, *, frozen_stages: int,
                   batch_size: int = 64) -> torch.Tensor:
    """Run the stem and the first ``frozen_stages`` block stages (eval mode) over x."""
    frozen_stages = as_number(frozen_stages, "frozen_stages", minimum=0,
                              maximum=len(model.blocks), integer=True)
    model.eval()
    part = nn.Sequential(_stem(model), *model.blocks[:frozen_stages])
    return torch.cat([part(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])


@torch.no_grad()
def pooled_features(model: nn.Module, x: torch.Tensor, *, batch_size: int = 64) -> np.ndarray:
    """The 1,280 pre-logit features of the whole frozen network for each image."""
    model.eval()
    out = [model.forward_head(model.forward_features(x[i:i + batch_size]), pre_logits=True)
           for i in range(0, len(x), batch_size)]
    return torch.cat(out).numpy()


def trainable_top(model: nn.Module, *, frozen_stages: int, classes: int) -> nn.Module:
    """A copy of everything after the frozen stages, with a new ``classes``-way head."""
    top = copy.deepcopy(nn.Sequential(*model.blocks[frozen_stages:], model.conv_head, model.bn2,
                                      nn.AdaptiveAvgPool2d(1), nn.Flatten()))
    return nn.Sequential(top, nn.Linear(model.num_features, classes))


def sample_per_class(y, per_class: int, *, seed: int = 0) -> np.ndarray:
    """Indices of ``per_class`` random examples of every class (sorted)."""
    y = as_array(y, "y", shape=(None,), dtype="int")
    per_class = as_number(per_class, "per_class", minimum=1, integer=True)
    rng = np.random.default_rng(seed)
    picks = []
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        if per_class > len(members):
            raise ValueError(f"class {c} has only {len(members)} examples, asked for {per_class}")
        picks.append(rng.choice(members, per_class, replace=False))
    return np.sort(np.concatenate(picks))


def probe_accuracy(train_x, train_y, test_x, test_y) -> float:
    """A logistic-regression probe fitted on train, scored on test (no standardising: with a
    handful of examples per class the scaler's estimates would be noise)."""
    from sklearn.linear_model import LogisticRegression

    probe = LogisticRegression(max_iter=2000)
    probe.fit(np.asarray(train_x).reshape(len(train_x), -1), train_y)
    return float(probe.score(np.asarray(test_x).reshape(len(test_x), -1), test_y))


class FineTune(NamedTuple):
    accuracy: float
    trainable_params: int
    seconds_per_epoch: float


def train_top(top: nn.Module, x_train: torch.Tensor, y_train, x_test: torch.Tensor, y_test, *,
              epochs: int = 30, lr: float = 1e-3, seed: int = 0) -> FineTune:
    """Full-batch Adam on the trainable part (batch norm kept in eval mode: few examples)."""
    torch.manual_seed(seed)
    y_train, y_test = torch.as_tensor(y_train), torch.as_tensor(y_test)
    params = [p for p in top.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=lr)
    top.eval()  # gradients flow; running statistics stay those of ImageNet
    start = time.perf_counter()
    for _ in range(epochs):
        loss = nn.functional.cross_entropy(top(x_train), y_train)
        opt.zero_grad()
        loss.backward()
        opt.step()
    seconds = (time.perf_counter() - start) / epochs
    with torch.no_grad():
        acc = float((top(x_test).argmax(1) == y_test).float().mean())
    return FineTune(acc, sum(p.numel() for p in params), seconds)


class SmallCNN(nn.Module):
    """A from-scratch CNN of a similar cost for small grayscale images (faces or digits)."""

    def __init__(self, classes: int, channels: int = 16):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, channels, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(channels, 2 * channels, 3, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(2), nn.Flatten())
        self.head = nn.Linear(8 * channels, classes)

    def forward(self, x):
        return self.head(self.features(x))


def train_small_cnn(model: nn.Module, x_train, y_train, x_test, y_test, *, epochs: int = 150,
                    lr: float = 3e-3, seed: int = 0, params=None) -> float:
    """Full-batch Adam; returns test accuracy. x: [N, H, W] grayscale in [0, 1]."""
    torch.manual_seed(seed)
    xt = torch.as_tensor(np.asarray(x_train), dtype=torch.float32)[:, None]
    xs = torch.as_tensor(np.asarray(x_test), dtype=torch.float32)[:, None]
    yt = torch.as_tensor(np.asarray(y_train))
    opt = torch.optim.Adam(model.parameters() if params is None else params, lr=lr)
    model.train()
    for _ in range(epochs):
        loss = nn.functional.cross_entropy(model(xt), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        return float((model(xs).argmax(1).numpy() == np.asarray(y_test)).mean())


class Curve(NamedTuple):
    budgets: list[int]  # labels per class
    scores: dict[str, np.ndarray]  # method -> [budgets, seeds] test accuracy

    def table(self) -> list[dict]:
        return [{"labels per class": b, **{m: f"{v[i].mean():.3f} ± {v[i].std():.3f}"
                                           for m, v in self.scores.items()}}
                for i, b in enumerate(self.budgets)]


def learning_curve(y, budgets, seeds, methods) -> Curve:
    """For each budget and seed: sample the training set, test on the rest, run each method.

    ``methods``: name -> f(train_indices, test_indices, seed) -> accuracy.
    """
    y = np.asarray(y)
    scores = {name: np.zeros((len(budgets), len(seeds))) for name in methods}
    for i, per in enumerate(budgets):
        for j, seed in enumerate(seeds):
            tr = sample_per_class(y, per, seed=seed)
            te = np.setdiff1d(np.arange(len(y)), tr)
            for name, method in methods.items():
                scores[name][i, j] = method(tr, te, seed)
    return Curve(list(budgets), scores)
