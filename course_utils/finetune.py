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

from course_utils.validate import as_array, as_number, as_tensor, check_shape, require_finite

__all__ = [
    "lfw_faces", "digits_8x8", "to_network_input", "check_network_input", "split_features",
    "pooled_features", "trainable_top", "sample_per_class", "probe_accuracy", "FineTune",
    "train_top", "SmallCNN", "train_small_cnn", "face_methods", "project_2d", "Curve",
    "learning_curve", "place_on_canvas", "DigitSplit", "digit_transfer_split", "cnn_features",
    "with_new_head", "pretrain_on_source", "within_domain_methods", "FreezeTask", "freeze_task",
    "trainable_parameters", "fine_tune_frozen", "full_network", "augment_batch", "train_full",
    "full_fine_tune_methods",
]

MEAN = STD = 0.5  # tf_efficientnet_lite0's normalisation (transfer.preprocess states it)


def lfw_faces() -> tuple[np.ndarray, np.ndarray]:
    """scikit-image's bundled ``lfw_subset``: 200 grayscale 25x25 images in [0, 1]; label 1
    for the 100 faces (first), 0 for the 100 non-faces."""
    from skimage.data import lfw_subset

    images = lfw_subset()
    return images.astype(np.float32), np.r_[np.ones(100), np.zeros(100)].astype(np.int64)


def digits_8x8() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled digits: float32 [1797, 8, 8] in [0, 1] (the 0-16 ink levels
    divided by 16), and int64 labels 0..9."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    return (digits.images / 16.0).astype(np.float32), digits.target.astype(np.int64)


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


def _timm(model, name: str = "model") -> nn.Module:
    """A timm EfficientNet (stem, blocks, conv_head, classifier), or a clear TypeError."""
    if not isinstance(model, nn.Module) or not all(
            hasattr(model, a) for a in ("conv_stem", "bn1", "blocks", "conv_head", "bn2",
                                        "num_features", "forward_features")):
        raise TypeError(f"{name} must be a timm EfficientNet (e.g. "
                        f"transfer.pretrained_efficientnet_lite0()), got {type(model).__name__}")
    return model


def _labels(y, name: str, n: int, why: str) -> np.ndarray:
    """Class labels 0, 1, ... as int64 [n], or a clear error."""
    y = as_array(y, name, dtype="int")
    check_shape(y, name, (n,), why=why)
    if n and y.min() < 0:
        raise ValueError(f"{name} must hold class labels 0, 1, ..., got {y.min()}")
    return y


def _frozen_stages(model: nn.Module, frozen_stages) -> int:
    return as_number(frozen_stages, "frozen_stages", minimum=0, maximum=len(model.blocks),
                     integer=True)


def _stem(model: nn.Module) -> nn.Module:
    return nn.Sequential(model.conv_stem, model.bn1)


def check_network_input(x, name: str = "x") -> torch.Tensor:
    """Refuse what the pretrained network cannot take, saying what it needs instead.

    The network takes float ``[N, 3, H, W]`` images normalised with mean = std = 0.5, H and
    W at least 32 (five stride-2 stages). Returns ``x`` as a float32 tensor.
    """
    if not isinstance(x, torch.Tensor):
        x = torch.as_tensor(as_array(x, name), dtype=torch.float32)
    elif x.is_complex() or x.dtype == torch.bool:
        raise TypeError(f"{name} must hold real numbers, got a {x.dtype} tensor")
    if x.ndim != 4 or x.shape[1] != 3:
        hint = (" (one channel: repeat it three times, as to_network_input does)"
                if x.ndim == 4 and x.shape[1] == 1 else
                " (channels last? permute to N x C x H x W)" if x.ndim == 4 and x.shape[-1] == 3
                else " (a grayscale batch: to_network_input turns it into one)" if x.ndim == 3
                else "")
        raise ValueError(f"{name} must be an RGB batch N x 3 x H x W for the pretrained network, "
                         f"got shape {list(x.shape)}{hint}")
    if not len(x):
        raise ValueError(f"{name} must not be empty, got shape {list(x.shape)}")
    if min(x.shape[2:]) < 32:
        raise ValueError(f"{name} must be images of at least 32 x 32 pixels (five stride-2 "
                         f"stages), got {list(x.shape[2:])}: resize them, e.g. "
                         "to_network_input(size=32)")
    require_finite(x, name)
    return x.float()


@torch.no_grad()
def split_features(model: nn.Module, x: torch.Tensor, *, frozen_stages: int,
                   batch_size: int = 16) -> torch.Tensor:
    """Run the stem and the first ``frozen_stages`` block stages (eval mode) over x.

    ``batch_size`` images at a time: the activations of 16 images of 96x96 take about 80 MB
    where 64 took about 250 MB (the peak a hub counts), and run no slower on a CPU.
    """
    frozen_stages = _frozen_stages(_timm(model), frozen_stages)
    batch_size = as_number(batch_size, "batch_size", minimum=1, integer=True)
    x = check_network_input(x)
    model.eval()
    part = nn.Sequential(_stem(model), *model.blocks[:frozen_stages])
    return torch.cat([part(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])


@torch.no_grad()
def pooled_features(model: nn.Module, x: torch.Tensor, *, batch_size: int = 16) -> np.ndarray:
    """The 1,280 pre-logit features of the whole frozen network for each image
    (``batch_size`` images at a time, as ``split_features``)."""
    _timm(model)
    batch_size = as_number(batch_size, "batch_size", minimum=1, integer=True)
    x = check_network_input(x)
    model.eval()
    out = [model.forward_head(model.forward_features(x[i:i + batch_size]), pre_logits=True)
           for i in range(0, len(x), batch_size)]
    return torch.cat(out).numpy()


def trainable_top(model: nn.Module, *, frozen_stages: int, classes: int,
                  seed: int = 0) -> nn.Module:
    """A copy of everything after the frozen stages, with a new ``classes``-way head
    (initialised from ``seed``, so the same call gives the same head)."""
    frozen_stages = _frozen_stages(_timm(model), frozen_stages)
    classes = as_number(classes, "classes", minimum=2, integer=True)
    top = copy.deepcopy(nn.Sequential(*model.blocks[frozen_stages:], model.conv_head, model.bn2,
                                      nn.AdaptiveAvgPool2d(1), nn.Flatten()))
    torch.manual_seed(seed)
    return nn.Sequential(top, nn.Linear(model.num_features, classes))


def sample_per_class(y, per_class: int, *, seed: int = 0) -> np.ndarray:
    """Indices of ``per_class`` random examples of every class (sorted)."""
    y = as_array(y, "y", shape=(None,), dtype="int", nonempty=True)
    per_class = as_number(per_class, "per_class", minimum=1, integer=True)
    rng = np.random.default_rng(as_number(seed, "seed", minimum=0, integer=True))
    picks = []
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        if per_class > len(members):
            raise ValueError(f"per_class {per_class} is more than the {len(members)} examples of "
                             f"class {c} in y")
        picks.append(rng.choice(members, per_class, replace=False))
    return np.sort(np.concatenate(picks))


def probe_accuracy(train_x, train_y, test_x, test_y) -> float:
    """A logistic-regression probe fitted on train, scored on test (no standardising: with a
    handful of examples per class the scaler's estimates would be noise)."""
    from sklearn.linear_model import LogisticRegression

    train_x, test_x = (_examples(v, n) for v, n in ((train_x, "train_x"), (test_x, "test_x")))
    if train_x.shape[1] != test_x.shape[1]:
        raise ValueError(f"test_x must have the features of train_x, {train_x.shape[1]} per "
                         f"example, got {test_x.shape[1]}")
    train_y = _labels(train_y, "train_y", len(train_x), "one label per example of train_x")
    test_y = _labels(test_y, "test_y", len(test_x), "one label per example of test_x")
    probe = LogisticRegression(max_iter=2000)
    probe.fit(train_x, train_y)
    return float(probe.score(test_x, test_y))


def _examples(x, name: str) -> np.ndarray:
    """Examples (features or images) as finite rows [N, D], N >= 1."""
    x = as_array(x, name, nonempty=True)
    if x.ndim < 2:
        raise ValueError(f"{name} must hold one row of features (or one image) per example, "
                         f"got shape {x.shape}")
    return x.reshape(len(x), -1)


def _split_tensors(net: nn.Module, x_train, y_train, x_test, y_test, *, features: bool):
    """Training and test inputs (tensors [N, C, H, W] in the net's dtype; ``features``: the
    frozen part's outputs, else images) and their int64 labels, or a clear error."""
    dtype = next(net.parameters()).dtype
    out = []
    for name, x, y in (("x_train", x_train, y_train), ("x_test", x_test, y_test)):
        if features:
            x = as_tensor(x, name, shape=("N", "C", "H", "W"), nonempty=True, dtype=dtype,
                          why="the frozen part's outputs (split_features)")
        else:
            x = as_tensor(check_network_input(x, name), name, dtype=dtype,
                          why="like the network's weights")
        label = name.replace("x", "y")
        out += [x, torch.from_numpy(_labels(y, label, len(x), f"one label per image of {name}"))]
    return out


class FineTune(NamedTuple):
    accuracy: float  # on the test set
    trainable_params: int
    seconds_per_epoch: float  # wall clock (varies with the machine's load)
    cpu_seconds_per_epoch: float  # time.process_time, less affected by other processes


def train_top(top: nn.Module, x_train: torch.Tensor, y_train, x_test: torch.Tensor, y_test, *,
              epochs: int = 30, lr: float = 1e-3, head_lr: float | None = None,
              seed: int = 0) -> FineTune:
    """Full-batch Adam on the trainable part (batch norm kept in eval mode: few examples).

    Args:
        top: e.g. ``trainable_top(...)``; its last module is the new head.
        x_train, x_test: the frozen part's outputs (``split_features``).
        lr: for the pretrained layers; head_lr: for the new head (default ``lr``), which
            starts from random and may move faster than the layers it sits on.
    """
    epochs = as_number(epochs, "epochs", minimum=1, integer=True)
    x_train, y_train, x_test, y_test = _split_tensors(top, x_train, y_train, x_test, y_test,
                                                      features=True)
    torch.manual_seed(seed)
    params = [p for p in top.parameters() if p.requires_grad]
    head = [p for p in top[-1].parameters() if p.requires_grad]
    body = [p for p in params if all(p is not h for h in head)]
    opt = torch.optim.Adam([{"params": body}, {"params": head, "lr": head_lr or lr}], lr=lr,
                           fused=True)  # the same update in one kernel: 3x faster on a CPU
    top.eval()  # gradients flow; running statistics stay those of ImageNet
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(epochs):
        loss = nn.functional.cross_entropy(top(x_train), y_train)
        opt.zero_grad()
        loss.backward()
        opt.step()
    seconds, cpu = (time.perf_counter() - start) / epochs, (time.process_time() - cpu) / epochs
    with torch.no_grad():
        acc = float((top(x_test).argmax(1) == y_test).float().mean())
    return FineTune(acc, sum(p.numel() for p in params), seconds, cpu)


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
        x = as_tensor(x, "x", shape=("N", 1, "H", "W"), dtype=self.head.weight.dtype,
                      why="one-channel images like the weights")
        return self.head(self.features(x))


def train_small_cnn(model: nn.Module, x_train, y_train, x_test, y_test, *, epochs: int = 150,
                    lr: float = 3e-3, seed: int = 0, params=None) -> float:
    """Full-batch Adam; returns test accuracy. x: [N, H, W] grayscale in [0, 1]."""
    epochs = as_number(epochs, "epochs", minimum=0, integer=True)  # 0: the starting point
    xt, xs = (torch.from_numpy(_gray(x, name))[:, None]
              for x, name in ((x_train, "x_train"), (x_test, "x_test")))
    yt = torch.from_numpy(_labels(y_train, "y_train", len(xt), "one label per image of x_train"))
    y_test = _labels(y_test, "y_test", len(xs), "one label per image of x_test")
    torch.manual_seed(seed)
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


def _gray(images, name: str) -> np.ndarray:
    """Grayscale images [N, H, W] as finite float32, N >= 1."""
    return as_array(images, name, shape=("N", "H", "W"), nonempty=True).astype(np.float32)


def face_methods(model: nn.Module, faces, y, *, features: np.ndarray,
                 below_last: torch.Tensor, epochs: int = 30) -> dict:
    """Three ways to learn faces from a few labels, for ``learning_curve`` (notebook 10).

    The from-scratch baseline is the same network with random weights, trained whole:
    ``full_fine_tune_methods`` (too costly for every budget of a learning curve on a CPU).

    Args:
        model: the pretrained network. faces: [N, H, W] grayscale in [0, 1]; y: labels.
        features: ``pooled_features`` of all N images (the whole network frozen), cached.
        below_last: ``split_features(..., frozen_stages=len(model.blocks) - 1)`` of all N
            images (everything below the last stage frozen), cached.
    """
    faces = _gray(faces, "faces")
    y = _labels(y, "y", len(faces), "one label per face of faces")
    features = _examples(features, "features")
    check_shape(features, "features", (len(faces), None), why="one row per face of faces")
    below_last = as_tensor(below_last, "below_last", shape=(len(faces), "C", "H", "W"),
                           why="split_features of every face")
    epochs = as_number(epochs, "epochs", minimum=1, integer=True)
    last = len(_timm(model).blocks) - 1

    def fine_tune(tr, te, seed):  # the last stage, conv_head and a new head train
        top = trainable_top(model, frozen_stages=last, classes=2, seed=seed)
        return train_top(top, below_last[tr], y[tr], below_last[te], y[te], epochs=epochs,
                         seed=seed).accuracy

    return {"pixels + probe": lambda tr, te, seed: probe_accuracy(faces[tr], y[tr], faces[te],
                                                                  y[te]),
            "ImageNet features + probe": lambda tr, te, seed: probe_accuracy(
                features[tr], y[tr], features[te], y[te]),
            "fine-tune last stage": fine_tune}


def project_2d(features, *, method: str = "pca", seed: int = 0) -> np.ndarray:
    """[N, D] features -> [N, 2]: PCA (linear, most variance) or t-SNE (keeps neighbours)."""
    features = as_array(features, "features", dtype="float")
    if features.ndim != 2 or len(features) < 3:
        raise ValueError(f"features must be N x D with N >= 3, got shape {features.shape}")
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=2).fit_transform(features)
    if method == "tsne":
        from sklearn.manifold import TSNE

        perplexity = min(30.0, (len(features) - 1) / 3)
        return TSNE(n_components=2, perplexity=perplexity, init="pca",
                    random_state=seed).fit_transform(features)
    raise ValueError(f"method must be 'pca' or 'tsne', got {method!r}")


class Curve(NamedTuple):
    budgets: list[int]  # labels per class
    scores: dict[str, np.ndarray]  # method -> [budgets, seeds] test accuracy
    cpu_seconds: dict[str, float] | None = None  # method -> CPU seconds of all its runs

    def table(self) -> list[dict]:
        return [{"labels per class": b, **{m: f"{v[i].mean():.3f} ± {v[i].std():.3f}"
                                           for m, v in self.scores.items()}}
                for i, b in enumerate(self.budgets)]


def learning_curve(y, budgets, seeds, methods) -> Curve:
    """For each budget and seed: sample the training set, test on the rest, run each method.

    ``methods``: name -> f(train_indices, test_indices, seed) -> accuracy. The spread in
    ``Curve.table`` is the standard deviation over seeds (different labelled examples and
    initialisations); ``cpu_seconds`` is each method's total CPU time.
    """
    y = as_array(y, "y", shape=(None,), dtype="int", nonempty=True)
    if not isinstance(methods, dict) or not all(callable(m) for m in methods.values()):
        raise TypeError(f"methods must be a dict name -> f(train, test, seed) -> accuracy, got "
                        f"{methods!r:.40}")
    smallest = min(int(np.count_nonzero(y == c)) for c in np.unique(y))
    budgets = [as_number(b, "budgets", minimum=1, maximum=smallest, integer=True)
               for b in budgets]
    seeds = [as_number(s, "seeds", minimum=0, integer=True) for s in seeds]
    scores = {name: np.zeros((len(budgets), len(seeds))) for name in methods}
    cpu = dict.fromkeys(methods, 0.0)
    for i, per in enumerate(budgets):
        for j, seed in enumerate(seeds):
            tr = sample_per_class(y, per, seed=seed)
            te = np.setdiff1d(np.arange(len(y)), tr)
            for name, method in methods.items():
                start = time.process_time()
                scores[name][i, j] = method(tr, te, seed)
                cpu[name] += time.process_time() - start
    return Curve(list(budgets), scores, cpu)


# --- Within-domain transfer: a small CNN pretrained on digits 0-4, moved to digits 5-9 ---


def place_on_canvas(images, *, canvas: int, seed: int = 0) -> np.ndarray:
    """Put each ``[H, W]`` image at a random position on a blank ``canvas x canvas`` image.

    ``canvas == H == W`` gives the images back unchanged (a copy). Positions are uniform over
    the ``(canvas - H + 1) x (canvas - W + 1)`` places and fixed by ``seed``.

    Returns:
        float32 ``[N, canvas, canvas]``.
    """
    images = as_array(images, "images", dtype="float")
    if images.ndim != 3:
        raise ValueError(f"images must be N x H x W, got shape {images.shape}")
    n, h, w = images.shape
    canvas = as_number(canvas, "canvas", minimum=max(h, w), integer=True)
    rows = np.random.default_rng(seed).integers(0, canvas - h + 1, size=n)
    cols = np.random.default_rng(seed + 1).integers(0, canvas - w + 1, size=n)
    out = np.zeros((n, canvas, canvas), dtype=np.float32)
    for i, (r, c) in enumerate(zip(rows, cols, strict=True)):
        out[i, r:r + h, c:c + w] = images[i]
    return out


class DigitSplit(NamedTuple):
    x_source: np.ndarray  # [N, S, S] digits 0-4 in [0, 1]
    y_source: np.ndarray  # their labels 0..4
    x_target: np.ndarray  # [M, S, S] digits 5-9
    y_target: np.ndarray  # their labels minus 5: 0..4


def digit_transfer_split(*, canvas: int = 8, seed: int = 0) -> DigitSplit:
    """scikit-learn's 8x8 digits split by class: 0-4 (source), 5-9 (target, relabelled 0-4).

    ``canvas > 8`` places every digit at a random position (``place_on_canvas``), as objects
    sit anywhere in a photo; ``canvas == 8`` keeps the dataset's centred digits.
    """
    images, y = digits_8x8()
    x = place_on_canvas(images, canvas=canvas, seed=seed)
    source = y < 5
    return DigitSplit(x[source], y[source], x[~source], y[~source] - 5)


@torch.no_grad()
def cnn_features(model: SmallCNN, images) -> np.ndarray:
    """``model.features`` (everything below the head) of grayscale images [N, H, W]."""
    images = _gray(images, "images")
    _small_cnn(model)
    model.eval()
    return model.features(torch.as_tensor(images, dtype=torch.float32)[:, None]).numpy()


def _small_cnn(model) -> SmallCNN:
    if not isinstance(model, SmallCNN):
        raise TypeError(f"model must be a SmallCNN, got {type(model).__name__}")
    return model


def _digit_split(split) -> DigitSplit:
    """A DigitSplit with its arrays checked (images [N, H, W], labels 0, 1, ... per image)."""
    if not isinstance(split, DigitSplit):
        raise TypeError(f"split must be a DigitSplit (digit_transfer_split()), got "
                        f"{type(split).__name__}")
    x_source, x_target = _gray(split.x_source, "split.x_source"), _gray(
        split.x_target, "split.x_target")
    return DigitSplit(x_source, _labels(split.y_source, "split.y_source", len(x_source),
                                        "one label per image of split.x_source"),
                      x_target, _labels(split.y_target, "split.y_target", len(x_target),
                                        "one label per image of split.x_target"))


def with_new_head(model: nn.Module, classes: int, *, seed: int = 0) -> nn.Module:
    """A copy of a ``SmallCNN`` whose ``head`` is a fresh ``classes``-way linear layer."""
    classes = as_number(classes, "classes", minimum=2, integer=True)
    model = copy.deepcopy(_small_cnn(model))
    torch.manual_seed(seed)
    model.head = nn.Linear(model.head.in_features, classes)
    return model


def pretrain_on_source(split: DigitSplit, *, epochs: int = 300, held_out: float = 0.2,
                       seed: int = 0) -> tuple[SmallCNN, float]:
    """Train a ``SmallCNN`` on the source digits (0-4), holding out a fraction to score it.

    Returns:
        The trained network and its accuracy on the held-out source digits.
    """
    held_out = as_number(held_out, "held_out", minimum=0.05, maximum=0.5)
    epochs = as_number(epochs, "epochs", minimum=1, integer=True)
    split = _digit_split(split)
    rng = np.random.default_rng(seed)
    test = rng.random(len(split.y_source)) < held_out
    torch.manual_seed(seed)
    model = SmallCNN(int(split.y_source.max()) + 1)
    accuracy = train_small_cnn(model, split.x_source[~test], split.y_source[~test],
                               split.x_source[test], split.y_source[test], epochs=epochs,
                               seed=seed)
    return model, accuracy


def within_domain_methods(split: DigitSplit, source: SmallCNN, *, epochs: int = 150,
                          lr: float = 3e-3) -> dict:
    """The four ways to learn the target digits from a few labels, for ``learning_curve``.

    The fine-tuned and the from-scratch CNN get the same recipe (``epochs`` full-batch Adam
    steps at ``lr``): only the starting weights differ.
    """
    split, source = _digit_split(split), _small_cnn(source)
    x, y = split.x_target, split.y_target
    classes = int(y.max()) + 1
    features = cnn_features(source, x)  # the pretrained body, frozen: computed once

    def fine_tuned(tr, te, seed):
        model = with_new_head(source, classes, seed=seed)
        return train_small_cnn(model, x[tr], y[tr], x[te], y[te], epochs=epochs, lr=lr,
                               seed=seed)

    def scratch(tr, te, seed):
        torch.manual_seed(seed)
        return train_small_cnn(SmallCNN(classes), x[tr], y[tr], x[te], y[te], epochs=epochs,
                               lr=lr, seed=seed)

    return {"pixels + probe": lambda tr, te, seed: probe_accuracy(x[tr], y[tr], x[te], y[te]),
            "pretrained features + probe": lambda tr, te, seed: probe_accuracy(
                features[tr], y[tr], features[te], y[te]),
            "pretrained, all fine-tuned": fine_tuned, "same CNN from scratch": scratch}


# --- Which layers to freeze: the freezing widget's experiment ---------------------------


class FreezeTask(NamedTuple):
    name: str
    x_train: torch.Tensor  # network input [N, 3, size, size]
    y_train: np.ndarray
    x_test: torch.Tensor
    y_test: np.ndarray
    pixel_accuracy: float  # a logistic probe on the raw pixels, the baseline to beat


FREEZE_TASKS = ("faces", "digits")


def freeze_task(name: str, *, size: int = 32, per_class: int = 5, test_size: int = 200,
                seed: int = 0) -> FreezeTask:
    """A small target for the freezing experiment: ``per_class`` labels per class, a fixed
    test set of ``test_size`` other images (all of them if fewer are left), at ``size``
    pixels for the network.

    ``"faces"``: lfw_subset, near ImageNet's photos. ``"digits"``: the 8x8 digits, far from them.
    """
    if name not in FREEZE_TASKS:
        from course_utils.errors import unknown_name

        raise unknown_name("freezing task", name, FREEZE_TASKS)
    images, y = lfw_faces() if name == "faces" else digits_8x8()
    train = sample_per_class(y, per_class, seed=seed)
    rest = np.setdiff1d(np.arange(len(y)), train)
    test_size = min(as_number(test_size, "test_size", minimum=1, integer=True), len(rest))
    test = np.sort(np.random.default_rng(seed).choice(rest, test_size, replace=False))
    pixels = probe_accuracy(images[train], y[train], images[test], y[test])
    return FreezeTask(name, to_network_input(images[train], size=size), y[train],
                      to_network_input(images[test], size=size), y[test], pixels)


def trainable_parameters(model: nn.Module, *, frozen_stages: int, classes: int) -> int:
    """Parameters that train when the stem and the first ``frozen_stages`` stages are frozen
    (counted without training: the blocks above, conv_head, bn2 and a new head)."""
    frozen_stages = _frozen_stages(_timm(model), frozen_stages)
    classes = as_number(classes, "classes", minimum=1, integer=True)
    above = (*model.blocks[frozen_stages:], model.conv_head, model.bn2)  # as trainable_top
    head = (model.num_features + 1) * classes  # the new Linear: weights and biases
    return sum(p.numel() for m in above for p in m.parameters()) + head


def _task(task) -> FreezeTask:
    """A FreezeTask with its images and labels checked."""
    if not isinstance(task, FreezeTask):
        raise TypeError(f"task must be a FreezeTask (freeze_task(...)), got "
                        f"{type(task).__name__}")
    out = {}
    for part in ("train", "test"):
        x = check_network_input(getattr(task, f"x_{part}"), f"task.x_{part}")
        out[f"x_{part}"] = x
        out[f"y_{part}"] = _labels(getattr(task, f"y_{part}"), f"task.y_{part}", len(x),
                                   f"one label per image of task.x_{part}")
    return task._replace(**out)


def fine_tune_frozen(model: nn.Module, task: FreezeTask, *, frozen_stages: int,
                     epochs: int = 20, lr: float = 5e-4, head_lr: float = 3e-3,
                     seed: int = 0) -> FineTune:
    """Freeze the stem and ``frozen_stages`` stages, fine-tune the rest with a new head on
    ``task``'s few labels (``train_top``), and score it on the task's test set.

    Used by the freezing widget of notebook 10. The frozen part runs once (no gradient).
    """
    task = _task(task)
    epochs = as_number(epochs, "epochs", minimum=1, integer=True)
    classes = len(np.unique(task.y_train))
    frozen = split_features(model, torch.cat([task.x_train, task.x_test]),
                            frozen_stages=frozen_stages)
    n = len(task.x_train)
    top = trainable_top(model, frozen_stages=frozen_stages, classes=classes, seed=seed)
    return train_top(top, frozen[:n], task.y_train, frozen[n:], task.y_test, epochs=epochs,
                     lr=lr, head_lr=head_lr, seed=seed)


# --- The whole network: full fine-tuning, the same architecture from scratch, augmentation ---


def full_network(model: nn.Module, classes: int, *, pretrained: bool = True,
                 seed: int = 0) -> nn.Module:
    """A copy of the whole network, stem included, with a new ``classes``-way head.

    ``pretrained=False`` gives the same architecture with timm's random initialisation
    (``transfer.random_efficientnet_lite0``): the from-scratch baseline that differs from the
    fine-tuned network only in its starting weights.
    """
    classes = as_number(classes, "classes", minimum=2, integer=True)
    if not isinstance(model, nn.Module) or not hasattr(model, "classifier") or not hasattr(
            model, "num_features"):
        raise TypeError(f"model must be a timm network with a classifier (e.g. "
                        f"transfer.pretrained_efficientnet_lite0()), got {type(model).__name__}")
    if pretrained:
        net = copy.deepcopy(model)
    else:
        from course_utils.transfer import random_efficientnet_lite0

        net = random_efficientnet_lite0(seed=seed)
    torch.manual_seed(seed)
    net.classifier = nn.Linear(net.num_features, classes)
    return net


def augment_batch(x: torch.Tensor, *, generator: torch.Generator, shift: int = 3) -> torch.Tensor:
    """A random horizontal flip and a random shift of up to ``shift`` pixels per image
    (zero padding, then a crop back to the size): new versions of the same labelled images."""
    x = as_tensor(x, "x", shape=("N", "C", "H", "W"), nonempty=True)
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
    shift = as_number(shift, "shift", minimum=0, integer=True)
    n, _, h, w = x.shape
    flip = torch.rand(n, generator=generator) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    padded = nn.functional.pad(x, (shift, shift, shift, shift), value=-MEAN / STD)  # black
    dy, dx = (torch.randint(0, 2 * shift + 1, (n,), generator=generator) for _ in range(2))
    return torch.stack([padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])


@torch.no_grad()
def _recalibrate_batch_norm(net: nn.Module, x: torch.Tensor) -> None:
    """Running statistics of every batch norm from ``x`` through the final weights."""
    for m in net.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()
            m.momentum = None  # a plain average over the batches seen
    net.train()
    net(x)
    net.eval()


def train_full(net: nn.Module, x_train: torch.Tensor, y_train, x_test: torch.Tensor, y_test, *,
               epochs: int = 15, lr: float = 5e-4, head_lr: float = 3e-3, augment: bool = False,
               pretrained_statistics: bool = True, seed: int = 0) -> FineTune:
    """Full-batch Adam on every parameter of ``net`` (``full_network``), new head at ``head_lr``.

    Args:
        lr: for the body (the pretrained layers, or the random ones from scratch).
        augment: a new flip and shift of every training image at every step.
        pretrained_statistics: keep batch norm in eval mode (ImageNet's statistics), as
            ``train_top`` does; False (from scratch, where no statistics exist yet) trains
            with batch statistics and recomputes the running ones on the training images.
    """
    epochs = as_number(epochs, "epochs", minimum=1, integer=True)
    if not isinstance(net, nn.Module) or not hasattr(net, "classifier"):
        raise TypeError(f"net must be a network with a classifier (full_network(...)), got "
                        f"{type(net).__name__}")
    x_train, y_train, x_test, y_test = _split_tensors(net, x_train, y_train, x_test, y_test,
                                                      features=False)
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    head = list(net.classifier.parameters())
    body = [p for p in net.parameters() if all(p is not h for h in head)]
    opt = torch.optim.Adam([{"params": body}, {"params": head, "lr": head_lr}], lr=lr,
                           fused=True)  # as train_top
    net.train(not pretrained_statistics)
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(epochs):
        x = augment_batch(x_train, generator=generator) if augment else x_train
        loss = nn.functional.cross_entropy(net(x), y_train)
        opt.zero_grad()
        loss.backward()
        opt.step()
    seconds, cpu = (time.perf_counter() - start) / epochs, (time.process_time() - cpu) / epochs
    if not pretrained_statistics:
        _recalibrate_batch_norm(net, x_train)
    net.eval()
    with torch.no_grad():
        acc = float((net(x_test).argmax(1) == y_test).float().mean())
    return FineTune(acc, sum(p.numel() for p in net.parameters()), seconds, cpu)


FULL_RECIPES = {  # None: the frozen variants, trained on cached features (train_top)
    "pretrained, head only": None,
    "pretrained, last stage": None,
    "pretrained, all layers, body lr 5e-4": {"lr": 5e-4},
    "pretrained, all layers, one lr 3e-3": {"lr": 3e-3},
    "pretrained, all layers, augmented": {"lr": 5e-4, "augment": True},
    "same architecture from scratch": {"lr": 3e-3, "pretrained": False},
}


def full_fine_tune_methods(model: nn.Module, task: FreezeTask, *, epochs: int = 15) -> dict:
    """The recipes of ``FULL_RECIPES`` on ``task`` as ``{name: f(seed) -> FineTune}``: the
    same network, head learning rate (3e-3) and number of full-batch steps for every one."""
    task, model = _task(task), _timm(model)
    epochs = as_number(epochs, "epochs", minimum=1, integer=True)
    classes = len(np.unique(task.y_train))
    n, stages = len(task.x_train), len(model.blocks)

    def frozen(k):  # the stem and k stages frozen: their output cached once
        cached = split_features(model, torch.cat([task.x_train, task.x_test]), frozen_stages=k)

        def run(seed):
            top = trainable_top(model, frozen_stages=k, classes=classes, seed=seed)
            return train_top(top, cached[:n], task.y_train, cached[n:], task.y_test,
                             epochs=epochs, lr=5e-4, head_lr=3e-3, seed=seed)
        return run

    def recipe(lr, augment=False, pretrained=True):
        def run(seed):
            net = full_network(model, classes, pretrained=pretrained, seed=seed)
            return train_full(net, task.x_train, task.y_train, task.x_test, task.y_test,
                              epochs=epochs, lr=lr, augment=augment,
                              pretrained_statistics=pretrained, seed=seed)
        return run

    methods = {"pretrained, head only": frozen(stages),
               "pretrained, last stage": frozen(stages - 1)}
    return {name: methods[name] if kw is None else recipe(**kw)
            for name, kw in FULL_RECIPES.items()}
