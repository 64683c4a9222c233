"""Convolutional classifiers for notebook 08: LeNet-5, the decks' models, digits at 32x32.

LeNet-5 (LeCun et al. 1998) expects 32x32 grayscale images; scikit-learn's digits are 8x8.
``digits_32`` upsamples them 4x (bilinear), which keeps LeNet's layer sizes (28 -> 14 ->
10 -> 5) exactly as published, instead of changing the network to fit the data.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course_utils.validate import as_array, as_labels, as_number, as_tensor

__all__ = [
    "LeNet5", "DeckCNN", "CCP", "ClassificationModel", "MLPClassifier", "upsample_digits",
    "Digits32", "digits_32", "loaders", "shift_images", "random_shifts", "feature_maps",
    "class_probabilities", "Trained", "train_classifier",
]


class LeNet5(nn.Module):
    """LeNet-5: conv 5x5 (6) -> pool -> conv 5x5 (16) -> pool -> 120 -> 84 -> 10, on 1x32x32.

    ReLU and max pooling, as modern re-implementations do (the 1998 original used scaled
    tanh and trainable subsampling); ``features`` and ``classifier`` are separate so that
    feature maps can be read out.
    """

    def __init__(self, classes: int = 10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),  # 32 -> 28 -> 14
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2))  # 14 -> 10 -> 5
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(_lenet_input(self, x)))


def _lenet_input(model: LeNet5, x) -> torch.Tensor:
    return as_tensor(x, "x", shape=("N", 1, 32, 32), dtype=model.features[0].weight.dtype,
                     why="LeNet5 takes images N x 1 x 32 x 32: use digits_32() or upsample 8x8 "
                         "digits by 4")


class DeckCNN(nn.Module):
    """Deck 002's ``CNN``: conv1 = Conv2d(3, 6, 5), conv2 = Conv2d(6, 16, 5), max pool 2,
    fc1 and fc2 (the deck cuts off their sizes; 16*5*5 -> 120 -> 10, as in PyTorch's CIFAR-10
    tutorial that the code follows, for 3x32x32 inputs)."""

    def __init__(self, classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.mp = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, classes)

    def forward(self, x):
        x = as_tensor(x, "x", shape=("N", 3, 32, 32), dtype=self.conv1.weight.dtype,
                      why="deck 002's CNN takes colour images 3 x 32 x 32", nonempty=True)
        in_size = x.shape[0]
        out = self.mp(F.relu(self.conv1(x)))
        out = self.mp(F.relu(self.conv2(out)))
        out = out.view(in_size, -1)
        return self.fc2(F.relu(self.fc1(out)))


class CCP(nn.Module):
    """Deck 004's CCP block: conv -> ReLU -> conv -> ReLU -> max pool (halves the size)."""

    def __init__(self, in_channels, out_channels1, out_channels2, kernel_size=3, pool_kernel=2,
                 stride=1, padding=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels1, kernel_size, stride, padding)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(out_channels1, out_channels2, kernel_size, stride, padding)
        self.relu2 = nn.ReLU()
        self.pool = nn.MaxPool2d(kernel_size=pool_kernel)

    def forward(self, x):
        x = as_tensor(x, "x", shape=("N", self.conv1.in_channels, "H", "W"),
                      dtype=self.conv1.weight.dtype, finite=False)  # NaN flows to the loss
        return self.pool(self.relu2(self.conv2(self.relu1(self.conv1(x)))))


class ClassificationModel(nn.Module):
    """Deck 004's model: three CCP blocks and ``nn.Linear(fc_inputs, num_classes)``.

    The deck writes ``fc_inputs = 8 * 6 * 6`` "for a 224x224 input"; notebook 08 shows that
    this does not fit and computes the right number.
    """

    def __init__(self, num_classes: int, fc_inputs: int = 8 * 6 * 6):
        super().__init__()
        self.layer1 = CCP(in_channels=3, out_channels1=64, out_channels2=64)
        self.layer2 = CCP(in_channels=64, out_channels1=32, out_channels2=16)
        self.layer3 = CCP(in_channels=16, out_channels1=16, out_channels2=8)
        self.fc = nn.Linear(fc_inputs, num_classes)

    def forward(self, x):
        x = as_tensor(x, "x", shape=("N", 3, "H", "W"), dtype=self.fc.weight.dtype,
                      nonempty=True)
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(x.view(x.size(0), -1))


class MLPClassifier(nn.Module):
    """A fully connected network for the same 32x32 digits (the CNN's comparison)."""

    def __init__(self, hidden: int = 64, classes: int = 10, side: int = 32):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(side * side, hidden), nn.ReLU(),
                                 nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, classes))

    def forward(self, x):
        first = self.net[1]
        x = as_tensor(x, "x", dtype=first.weight.dtype)
        if x.ndim < 2 or x[:1].numel() != first.in_features:
            raise ValueError(f"x must be a batch of N inputs of {first.in_features} values each "
                             f"(e.g. N x 1 x side x side images), got shape {tuple(x.shape)}")
        return self.net(x)


def upsample_digits(images, *, factor: int = 4) -> torch.Tensor:
    """8x8 digits [N, 8, 8] or [N, 1, 8, 8] in [0, 1] -> [N, 1, 8f, 8f], bilinear."""
    x = torch.from_numpy(as_array(images, "images").astype(np.float32))
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4 or x.shape[1] != 1:
        raise ValueError(f"images must be N x 8 x 8 or N x 1 x 8 x 8, got {tuple(x.shape)}")
    factor = as_number(factor, "factor", minimum=1, integer=True)
    return F.interpolate(x, scale_factor=factor, mode="bilinear", align_corners=False)


class Digits32(NamedTuple):
    x_train: torch.Tensor  # [N, 1, 32, 32]
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor


def digits_32(*, seed: int = 0) -> Digits32:
    """The real digits' stratified split (``course_utils.data.digits``), upsampled to 32x32."""
    from course_utils.data import digits

    d = digits(seed=seed)
    return Digits32(upsample_digits(d.x_train), torch.as_tensor(d.y_train),
                    upsample_digits(d.x_test), torch.as_tensor(d.y_test))


def loaders(x: torch.Tensor, y: torch.Tensor, *, batch_size: int = 64, shuffle: bool = True,
            seed: int = 0) -> DataLoader:
    x = as_tensor(x, "x", nonempty=True)
    y = as_labels(y, "y", n=len(x), why="one label per item of x")
    batch_size = as_number(batch_size, "batch_size", minimum=1, integer=True)
    g = torch.Generator().manual_seed(seed)
    return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=shuffle, generator=g)


def shift_images(x: torch.Tensor, dx: int, dy: int = 0) -> torch.Tensor:
    """Move images [N, C, H, W] right by dx and down by dy pixels, filling with 0."""
    dx = as_number(dx, "dx", integer=True)
    dy = as_number(dy, "dy", integer=True)
    x = as_tensor(x, "x", shape=("N", "C", "H", "W"))
    out = torch.zeros_like(x)
    h, w = x.shape[-2:]
    if abs(dx) >= w or abs(dy) >= h:
        return out
    src = x[..., max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
    out[..., max(dy, 0):h - max(-dy, 0), max(dx, 0):w - max(-dx, 0)] = src
    return out


def random_shifts(x: torch.Tensor, *, max_shift: int, seed: int = 0) -> torch.Tensor:
    """Data augmentation: each image moved by a random (dx, dy) in [-max_shift, max_shift]."""
    x = as_tensor(x, "x", shape=("N", "C", "H", "W"), nonempty=True)
    max_shift = as_number(max_shift, "max_shift", minimum=0, integer=True)
    g = torch.Generator().manual_seed(seed)
    shifts = torch.randint(-max_shift, max_shift + 1, (len(x), 2), generator=g)
    return torch.stack([shift_images(img[None], int(dx), int(dy))[0]
                        for img, (dx, dy) in zip(x, shifts, strict=True)])


@torch.no_grad()
def feature_maps(model: LeNet5, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """The output of each layer of ``model.features`` for images x: name -> [N, C, H, W]."""
    if not isinstance(model, LeNet5):
        raise TypeError(f"model must be a LeNet5 (its features are read layer by layer), got "
                        f"{type(model).__name__}")
    model.eval()
    maps, a = {}, _lenet_input(model, x)
    names = ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2"]
    for name, layer in zip(names, model.features, strict=True):
        a = layer(a)
        maps[name] = a
    return maps


@torch.no_grad()
def class_probabilities(model: nn.Module, x: torch.Tensor) -> np.ndarray:
    model.eval()
    return torch.softmax(model(x), dim=1).numpy()


class Trained(NamedTuple):
    model: nn.Module
    history: object  # training.History
    normalise: object  # the input normalisation the model was trained with


def train_classifier(make_model, data: Digits32, *, epochs: int = 30, lr: float = 2e-3,
                     weight_decay: float = 1e-2, batch_size: int = 32, seed: int = 0,
                     x_train: torch.Tensor | None = None, y_train=None, live: bool = False
                     ) -> Trained:
    """Build ``make_model()`` from ``seed`` and train it: AdamW, cosine schedule, inputs
    standardised with the training set's mean and std. Same seed, same numbers."""
    from course_utils.training import fit

    if not callable(make_model):
        raise TypeError(f"make_model must be a function that builds the model (e.g. LeNet5), "
                        f"got {type(make_model).__name__}")
    epochs = as_number(epochs, "epochs", minimum=1, integer=True)
    torch.manual_seed(seed)
    model = make_model()
    x = as_tensor(data.x_train if x_train is None else x_train, "x_train", nonempty=True,
                  dtype=next(model.parameters()).dtype, why="like the model's weights")
    y = as_labels(data.y_train if y_train is None else y_train, "y_train", n=len(x),
                  why="one label per image of x_train")
    mean, std = float(data.x_train.mean()), float(data.x_train.std())

    def normalise(images):
        return (images - mean) / std

    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    history = fit(model, loaders(normalise(x), y, batch_size=batch_size, seed=seed),
                  epochs=epochs, optimizer=opt, scheduler=sched, live=live, progress=live,
                  val_loader=loaders(normalise(data.x_test), data.y_test, shuffle=False))
    return Trained(model, history, normalise)
