"""Semantic and instance segmentation on the synthetic scenes (notebook 13).

- Label maps: ``instance_map`` beside ``course_utils.data.semantic_map``.
- Sliding-window labelling (deck 004): a small ``PatchClassifier`` labels the centre pixel
  of an 18 x 18 patch; ``sliding_window_scores`` runs it once per pixel.
- "A fully connected layer is a convolution with a large filter" (deck 000):
  ``linear_to_conv`` and ``convolutionalise`` turn the classifier into a fully
  convolutional network, which labels every window of a larger image in one pass (with the
  stride of its pooling); ``shift_and_stitch`` fills in the pixels in between.
- Two networks that label every pixel: ``FCN`` (downsample, class scores, then transposed
  convolutions adding skipped scores, Long et al. 2015) and ``UNet`` (an encoder-decoder
  whose decoder concatenates the encoder's maps, Ronneberger et al. 2015); ``train_steps``
  trains any of them for a fixed number of steps.
- Mask R-CNN (deck 000, 004): torchvision's model built without weights, ``mask_branch``
  runs its mask head on given boxes; ``roi_align_loops`` is RoIAlign written out.
"""

from __future__ import annotations

import math
import time
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from course_utils.boxes import _check_boxes
from course_utils.data.scenes import SHAPES, Scene, check_scene
from course_utils.validate import as_array, as_number, as_tensor, check_shape

__all__ = [
    "instance_map", "PatchClassifier", "pad_for_windows", "centre_patches",
    "sliding_window_scores", "linear_to_conv", "convolutionalise", "shift_and_stitch",
    "bilinear_upsampler", "FCN", "FCNParts", "fcn_parts", "fcn_combine", "fcn_scores", "UNet",
    "class_weights", "TrainRun", "train_steps", "predict_probabilities", "mask_rcnn",
    "scene_target", "MaskBranch", "mask_branch", "mask_targets", "paste_masks",
    "roi_align_loops",
]

CLASSES = ("background", *SHAPES)  # class id -> name; 0 is the background
PATCH = 18  # the patch classifier's input side; it labels pixel (9, 9) of the patch


def instance_map(scene: Scene) -> np.ndarray:
    """int64 [H, W]: 0 for background, ``k + 1`` on the visible pixels of object ``k``."""
    scene = check_scene(scene)
    out = np.zeros(scene.image.shape[:2], np.int64)
    for k, mask in enumerate(scene.masks):
        out[mask] = k + 1
    return out


def _images(images, name: str = "images") -> torch.Tensor:
    """A float batch [N, 3, H, W] (N >= 1), refused with a clear message otherwise."""
    if not isinstance(images, torch.Tensor):
        images = torch.from_numpy(as_array(images, name).astype(np.float32))
    elif images.is_complex():
        raise TypeError(f"{name} must hold real numbers, got a {images.dtype} tensor")
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f"{name} must be a batch N x 3 x H x W of colour images, got shape "
                         f"{tuple(images.shape)}; for one image use image[None]")
    if not len(images):
        raise ValueError(f"{name} must not be empty, got shape {tuple(images.shape)}")
    if not torch.isfinite(images).all():
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return images.float()


def _input(model: nn.Module, x, size=("H", "W"), multiple: int = 1) -> torch.Tensor:
    """A network's input: colour images [N, 3, *size] in its dtype, sides divisible by
    ``multiple`` (its total stride), or a clear error."""
    x = as_tensor(x, "x", shape=("N", 3, *size), nonempty=True,
                  dtype=next(model.parameters()).dtype, why="colour images like the weights")
    if x.shape[2] % multiple or x.shape[3] % multiple:
        raise ValueError(f"x must have a height and width divisible by {multiple} (the "
                         f"network halves them {multiple.bit_length() - 1} times), got "
                         f"{tuple(x.shape)}")
    return x


def _module(value, name: str, kind: type = nn.Module):
    if not isinstance(value, kind):
        raise TypeError(f"{name} must be a {kind.__name__}, got {type(value).__name__}")
    return value


# -- sliding windows and "FC = convolution" ---------------------------------------------------

class PatchClassifier(nn.Module):
    """Class of the centre pixel of an 18 x 18 patch: conv-ReLU-pool twice, then two FC.

    18 -> conv 3x3 -> 16 -> pool -> 8 -> conv 3x3 -> 6 -> pool -> 3: the first FC layer
    reads a ``2 width x 3 x 3`` map. No padding anywhere, so a window's answer depends on
    that window only (what makes it equal to the fully convolutional version).
    """

    def __init__(self, width: int = 16, classes: int = len(CLASSES), hidden: int = 64):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3), nn.ReLU(), nn.MaxPool2d(2))
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(2 * width * 3 * 3, hidden), nn.ReLU(),
                                  nn.Linear(hidden, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [N, 3, 18, 18] -> [N, classes]
        return self.head(self.features(_input(self, x, (PATCH, PATCH))))


def pad_for_windows(images, patch: int = PATCH) -> torch.Tensor:
    """Reflect-pad [N, 3, H, W] so that the window of every pixel fits: ``patch // 2``
    before, ``patch - 1 - patch // 2`` after. Window (i, j) of the result is centred on
    pixel (i, j)."""
    images = _images(images)
    patch = as_number(patch, "patch", minimum=1, integer=True)
    if patch // 2 >= min(images.shape[2:]):
        raise ValueError(f"patch must be at most twice the image's shorter side (reflect "
                         f"padding), got patch {patch} for images {tuple(images.shape)}")
    before, after = patch // 2, patch - 1 - patch // 2
    return F.pad(images, (before, after, before, after), mode="reflect")


def centre_patches(images, targets, *, per_image: int = 16, patch: int = PATCH,
                   seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Training data for the patch classifier: ``per_image`` patches per image, half of them
    centred on an object pixel (when there is one), labelled by their centre pixel."""
    images = _images(images)
    targets = as_array(targets, "targets", dtype="int")
    check_shape(targets, "targets", (len(images), *images.shape[2:]),
                why="one class map per image of images")
    targets = torch.from_numpy(targets)
    per_image = as_number(per_image, "per_image", minimum=1, integer=True)
    rng = np.random.default_rng(seed)
    padded, xs, ys = pad_for_windows(images, patch), [], []
    for n in range(len(images)):
        fg = np.argwhere(targets[n].numpy() > 0)
        for k in range(per_image):
            if k % 2 and len(fg):
                i, j = fg[rng.integers(len(fg))]
            else:
                i, j = rng.integers(0, images.shape[2]), rng.integers(0, images.shape[3])
            xs.append(padded[n, :, i:i + patch, j:j + patch])
            ys.append(targets[n, i, j])
    return torch.stack(xs), torch.stack(ys)


@torch.no_grad()
def sliding_window_scores(classifier: nn.Module, image, *, patch: int = PATCH, stride: int = 1,
                          chunk: int = 1024) -> tuple[torch.Tensor, int]:
    """Run ``classifier`` on the window of every ``stride``-th pixel of one image [3, H, W].

    Returns class scores [K, ceil(H / stride), ceil(W / stride)] and how many windows (one
    forward pass of the classifier each) that took.
    """
    _module(classifier, "classifier")
    if not isinstance(image, torch.Tensor):
        image = torch.from_numpy(as_array(image, "image").astype(np.float32))
    if image.ndim != 3:
        raise ValueError(f"image must be one colour image [3, H, W], got shape "
                         f"{tuple(image.shape)}")
    image = _images(image[None], "image")
    stride = as_number(stride, "stride", minimum=1, integer=True)
    chunk = as_number(chunk, "chunk", minimum=1, integer=True)
    padded = pad_for_windows(image, patch)
    cols = F.unfold(padded, patch, stride=stride)[0].T  # [windows, 3 * patch * patch]
    windows = cols.reshape(-1, 3, patch, patch)
    classifier.eval()
    scores = torch.cat([classifier(windows[i:i + chunk]) for i in range(0, len(windows), chunk)])
    h, w = (math.ceil(s / stride) for s in image.shape[2:])
    return scores.T.reshape(-1, h, w), len(windows)


def linear_to_conv(linear: nn.Linear, in_shape: tuple[int, int, int]) -> nn.Conv2d:
    """The convolution that computes ``linear`` on a ``C x H x W`` map flattened in torch's
    order: an H x W filter covering the whole map, one filter per output unit (deck 000)."""
    _module(linear, "linear", nn.Linear)
    c, h, w = _shape3(in_shape, "in_shape")
    if linear.in_features != c * h * w:
        raise ValueError(f"in_shape {c} x {h} x {w} is a map of {c * h * w} numbers, but the "
                         f"Linear layer reads {linear.in_features}")
    conv = nn.Conv2d(c, linear.out_features, (h, w), bias=linear.bias is not None)
    with torch.no_grad():
        conv.weight.copy_(linear.weight.reshape(linear.out_features, c, h, w))
        if linear.bias is not None:
            conv.bias.copy_(linear.bias)
    return conv


def _shape3(shape, name: str) -> tuple[int, int, int]:
    if not isinstance(shape, tuple | list) or len(shape) != 3:
        raise ValueError(f"{name} must be (C, H, W), got {shape!r:.40}")
    return tuple(as_number(v, name, minimum=1, integer=True) for v in shape)


def convolutionalise(features: nn.Module, head: nn.Sequential,
                     feature_shape: tuple[int, int, int]) -> nn.Sequential:
    """``features`` then ``head`` with every Linear turned into a convolution: the first
    reads the whole ``feature_shape`` map, the later ones are 1 x 1. Flatten is dropped."""
    _module(features, "features")
    _module(head, "head", nn.Sequential)
    shape = _shape3(feature_shape, "feature_shape")
    first = next((layer for layer in head if isinstance(layer, nn.Linear)), None)
    if first is not None and first.in_features != shape[0] * shape[1] * shape[2]:
        raise ValueError(f"feature_shape {shape} is a map of {shape[0] * shape[1] * shape[2]} "
                         f"numbers, but the head's first Linear layer reads {first.in_features}")
    layers = [features]
    for layer in head:
        if isinstance(layer, nn.Flatten):
            continue
        if isinstance(layer, nn.Linear):
            layer = linear_to_conv(layer, shape)
            shape = (layer.out_channels, 1, 1)
        layers.append(layer)
    return nn.Sequential(*layers)


@torch.no_grad()
def shift_and_stitch(fcn: nn.Module, padded: torch.Tensor, *, step: int,
                     size: tuple[int, int]) -> torch.Tensor:
    """Dense scores [N, K, H, W] from a network whose output has stride ``step``: run it on
    the ``step ** 2`` shifted copies of ``padded`` and interleave the outputs (OverFeat,
    FCN). Equal to the sliding window at every pixel, in ``step ** 2`` passes."""
    _module(fcn, "fcn")
    step = as_number(step, "step", minimum=1, integer=True)
    if not isinstance(size, tuple | list) or len(size) != 2:
        raise ValueError(f"size must be (H, W), got {size!r:.40}")
    h, w = (as_number(v, "size", minimum=1, integer=True) for v in size)
    padded = as_tensor(padded, "padded", shape=("N", 3, "H", "W"), nonempty=True,
                       dtype=next(fcn.parameters()).dtype, why="colour images like the weights")
    out = None
    fcn.eval()
    for dy in range(step):
        for dx in range(step):
            scores = fcn(padded[:, :, dy:, dx:])
            if out is None:
                out = scores.new_zeros(len(padded), scores.shape[1], h, w)
            out[:, :, dy::step, dx::step] = scores[:, :, :len(range(dy, h, step)),
                                                   :len(range(dx, w, step))]
    return out


# -- networks that label every pixel ----------------------------------------------------------

def _conv(c_in: int, c_out: int) -> nn.Sequential:
    """3x3 convolution (size kept), batch norm, ReLU."""
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU())


def bilinear_upsampler(channels: int, factor: int = 2) -> nn.ConvTranspose2d:
    """A learnable transposed convolution that starts as bilinear upsampling (FCN's init)."""
    from course_utils.upsampling import bilinear_kernel

    channels = as_number(channels, "channels", minimum=1, integer=True)

    kernel = torch.tensor(bilinear_kernel(factor), dtype=torch.float32)
    k = kernel.shape[0]
    layer = nn.ConvTranspose2d(channels, channels, k, stride=factor,
                               padding=(k - factor + 1) // 2, bias=False)
    with torch.no_grad():
        layer.weight.zero_()
        for c in range(channels):
            layer.weight[c, c] = kernel  # each channel upsampled on its own
    return layer


class FCN(nn.Module):
    """FCN-8s in miniature (Long et al., 2015): an encoder down to 1/8 resolution, class
    scores there, then three x2 transposed convolutions; the scores of the 1/4 and 1/2 maps
    are added on the way up (the skips), which brings back the detail pooling lost."""

    def __init__(self, width: int = 8, classes: int = len(CLASSES)):
        super().__init__()
        w, k = width, classes
        self.down1 = nn.Sequential(_conv(3, w), _conv(w, w), nn.MaxPool2d(2))  # 1/2
        self.down2 = nn.Sequential(_conv(w, 2 * w), _conv(2 * w, 2 * w), nn.MaxPool2d(2))  # 1/4
        self.down3 = nn.Sequential(_conv(2 * w, 4 * w), _conv(4 * w, 4 * w), nn.MaxPool2d(2))
        self.deep = nn.Sequential(_conv(4 * w, 8 * w), _conv(8 * w, 8 * w))  # FC6-7 as convs
        self.score8, self.score4, self.score2 = (nn.Conv2d(c, k, 1) for c in (8 * w, 2 * w, w))
        self.up8, self.up4, self.up2 = (bilinear_upsampler(k) for _ in range(3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        half = self.down1(_input(self, x, multiple=8))
        quarter = self.down2(half)
        eighth = self.deep(self.down3(quarter))
        scores = self.up8(self.score8(eighth)) + self.score4(quarter)  # 1/4
        scores = self.up4(scores) + self.score2(half)  # 1/2
        return self.up2(scores)  # full size


UPSAMPLING = ("learned", "bilinear", "nearest")


class FCNParts(NamedTuple):
    score8: torch.Tensor  # [N, K, H/8, W/8] class scores of the deepest map
    score4: torch.Tensor  # [N, K, H/4, W/4] the 1/4 map's scores (first skip)
    score2: torch.Tensor  # [N, K, H/2, W/2] the 1/2 map's scores (second skip)


def fcn_parts(model: FCN, x: torch.Tensor) -> FCNParts:
    """The three class-score maps an ``FCN`` combines on its way up (the costly part)."""
    half = _module(model, "model", FCN).down1(_input(model, x, multiple=8))
    quarter = model.down2(half)
    return FCNParts(model.score8(model.deep(model.down3(quarter))), model.score4(quarter),
                    model.score2(half))


def fcn_combine(model: FCN, parts: FCNParts, *, skips: int = 2,
                upsample: str = "learned") -> torch.Tensor:
    """Upsample and add an ``FCN``'s score maps: class scores [N, K, H, W].

    ``skips=2, upsample="learned"`` is what ``model`` does; ``skips`` 1 drops the 1/2 map's
    scores, 0 the 1/4 map's too (only the 1/8 scores, upsampled: FCN-32s's idea);
    ``upsample`` replaces each learned x2 transposed convolution by fixed bilinear or
    nearest upsampling.
    """
    skips = as_number(skips, "skips", minimum=0, maximum=2, integer=True)
    if upsample not in UPSAMPLING:
        raise ValueError(f"upsample must be one of {UPSAMPLING}, got {upsample!r}")
    _module(model, "model", FCN)
    if not isinstance(parts, FCNParts):
        raise TypeError(f"parts must be the FCNParts fcn_parts returns, got "
                        f"{type(parts).__name__}")
    n, k, h, w = as_tensor(parts.score8, "parts.score8", shape=("N", "K", "H", "W"),
                           nonempty=True).shape
    for name, factor in (("score4", 2), ("score2", 4)):
        as_tensor(getattr(parts, name), f"parts.{name}", shape=(n, k, h * factor, w * factor),
                  why=f"{factor} times the size of parts.score8")

    def up(layer: nn.Module, scores: torch.Tensor) -> torch.Tensor:
        if upsample == "learned":
            return layer(scores)
        extra = {"align_corners": False} if upsample == "bilinear" else {}
        return F.interpolate(scores, scale_factor=2, mode=upsample, **extra)

    scores = up(model.up8, parts.score8) + (parts.score4 if skips >= 1 else 0)  # 1/4
    scores = up(model.up4, scores) + (parts.score2 if skips >= 2 else 0)  # 1/2
    return up(model.up2, scores)


def fcn_scores(model: FCN, x: torch.Tensor, *, skips: int = 2,
               upsample: str = "learned") -> torch.Tensor:
    """``fcn_combine(model, fcn_parts(model, x), ...)``: ``model(x)`` at the defaults."""
    return fcn_combine(model, fcn_parts(model, x), skips=skips, upsample=upsample)


class UNet(nn.Module):
    """An encoder-decoder in the U-Net way (Ronneberger et al., 2015; DeconvNet and SegNet
    are the same shape without the skips): the encoder halves the size three times, the
    decoder doubles it back with 2x2 transposed convolutions, and at every size the
    encoder's feature maps are concatenated to the decoder's (the skips) before a conv."""

    def __init__(self, width: int = 8, classes: int = len(CLASSES)):
        super().__init__()
        w = width
        self.enc1 = _conv(3, w)
        self.enc2 = nn.Sequential(_conv(w, 2 * w), _conv(2 * w, 2 * w))
        self.enc3 = nn.Sequential(_conv(2 * w, 4 * w), _conv(4 * w, 4 * w))
        self.middle = nn.Sequential(_conv(4 * w, 8 * w), _conv(8 * w, 8 * w))
        self.up3, self.dec3 = nn.ConvTranspose2d(8 * w, 4 * w, 2, stride=2), _conv(8 * w, 4 * w)
        self.up2, self.dec2 = nn.ConvTranspose2d(4 * w, 2 * w, 2, stride=2), _conv(4 * w, 2 * w)
        self.up1, self.dec1 = nn.ConvTranspose2d(2 * w, w, 2, stride=2), _conv(2 * w, w)
        self.classify = nn.Conv2d(w, classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e1 = self.enc1(_input(self, x, multiple=8))  # full size
        e2 = self.enc2(F.max_pool2d(e1, 2))  # 1/2
        e3 = self.enc3(F.max_pool2d(e2, 2))  # 1/4
        middle = self.middle(F.max_pool2d(e3, 2))  # 1/8
        d3 = self.dec3(torch.cat([self.up3(middle), e3], dim=1))  # skip: concatenate
        d2 = self.dec2(torch.cat([self.up2(d3), e2], dim=1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], dim=1))
        return self.classify(d1)


def class_weights(targets, *, num_classes: int = len(CLASSES), power: float = 0.5
                  ) -> torch.Tensor:
    """Loss weights ``w_k`` proportional to ``frequency_k ** -power``, scaled so that the
    average pixel weighs 1: rare classes (a small triangle) count more than the background."""
    num_classes = as_number(num_classes, "num_classes", minimum=1, integer=True)
    power = as_number(power, "power")
    counts = np.bincount(as_array(targets, "targets", dtype="int").ravel(),
                         minlength=num_classes)[:num_classes].astype(float)
    if (counts == 0).any():
        raise ValueError(f"class {int(np.argmin(counts))} never occurs in targets; a weight for "
                         "it would be infinite")
    freq = counts / counts.sum()
    w = freq ** -power
    return torch.tensor(w / (w * freq).sum(), dtype=torch.float32)


class TrainRun(NamedTuple):
    model: nn.Module
    losses: list[float]  # the loss of every step
    seconds: float  # wall-clock training time
    cpu_seconds: float  # time.process_time() spent (less affected by a busy machine)


def train_steps(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, steps: int,
                batch_size: int = 16, lr: float = 5e-3, weight: torch.Tensor | None = None,
                seed: int = 0) -> TrainRun:
    """Adam with a one-cycle learning rate for a fixed number of steps (never a time
    budget: the same numbers on every machine), each on a random mini-batch of (x, y).
    Works for per-image labels [N] and per-pixel labels [N, H, W] alike."""
    steps = as_number(steps, "steps", minimum=1, integer=True)
    batch_size = as_number(batch_size, "batch_size", minimum=1, integer=True)
    lr = as_number(lr, "lr", minimum=0.0)
    _module(model, "model")
    x = as_tensor(x, "x", shape=("N", 3, "H", "W"), nonempty=True,
                  dtype=next(model.parameters()).dtype, why="colour images like the weights")
    if not isinstance(y, torch.Tensor) or y.is_floating_point() or y.is_complex() or \
            y.dtype == torch.bool:
        got = f"{y.dtype} tensor" if isinstance(y, torch.Tensor) else type(y).__name__
        raise TypeError(f"y must be a tensor of integer class labels, got {got}")
    if y.ndim not in (1, 3) or len(y) != len(x):
        raise ValueError(f"x and y must hold as many examples: y must be [N] (one label per "
                         f"image) or [N, H, W] (per pixel) with N = {len(x)}, got "
                         f"{tuple(y.shape)}")
    y = y.long()
    if weight is not None:
        weight = as_tensor(weight, "weight", shape=("K",), nonempty=True, dtype=x.dtype,
                           why="one loss weight per class, like the weights")
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps)
    losses, wall, cpu = [], time.perf_counter(), time.process_time()
    model.train()
    for _ in range(steps):
        batch = torch.randint(0, len(x), (batch_size,), generator=generator)
        loss = F.cross_entropy(model(x[batch]), y[batch], weight=weight)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        losses.append(loss.item())
    model.eval()
    return TrainRun(model, losses, time.perf_counter() - wall, time.process_time() - cpu)


@torch.no_grad()
def predict_probabilities(model: nn.Module, images, *, chunk: int = 64) -> torch.Tensor:
    """Softmax class probabilities [N, K, H, W] of a segmentation network, in eval mode."""
    images = _images(images)
    _module(model, "model")
    chunk = as_number(chunk, "chunk", minimum=1, integer=True)
    model.eval()
    return torch.cat([model(images[i:i + chunk]).softmax(1) for i in range(0, len(images), chunk)])


# -- Mask R-CNN -------------------------------------------------------------------------------

def mask_rcnn(num_classes: int = len(CLASSES), *, size: int = 128) -> nn.Module:
    """torchvision's Mask R-CNN (ResNet-50 + FPN) with random weights (nothing downloaded),
    resizing images to ``size`` and keeping few proposals, so that it runs on a CPU."""
    from torchvision.models.detection import maskrcnn_resnet50_fpn

    num_classes = as_number(num_classes, "num_classes", minimum=2, integer=True)
    size = as_number(size, "size", minimum=32, integer=True)

    return maskrcnn_resnet50_fpn(weights=None, weights_backbone=None, num_classes=num_classes,
                                 min_size=size, max_size=size, rpn_pre_nms_top_n_train=200,
                                 rpn_post_nms_top_n_train=100, rpn_pre_nms_top_n_test=200,
                                 rpn_post_nms_top_n_test=50, box_batch_size_per_image=64,
                                 box_detections_per_img=10)


def scene_target(scene: Scene) -> dict[str, torch.Tensor]:
    """A scene's objects as torchvision's detection models want them."""
    scene = check_scene(scene)
    return {"boxes": torch.tensor(scene.boxes), "labels": torch.tensor(scene.labels),
            "masks": torch.tensor(scene.masks.astype(np.uint8))}


class MaskBranch(NamedTuple):
    """The tensors of Mask R-CNN's mask branch for given boxes (R of them)."""

    image_size: tuple[int, int]  # after the model's resize
    boxes: torch.Tensor  # [R, 4] in the resized image
    features: dict[str, torch.Tensor]  # FPN levels '0'..'3', 'pool': [1, 256, h, w] each
    roi_features: torch.Tensor  # [R, 256, 14, 14]: RoIAlign on the right FPN level
    head: torch.Tensor  # [R, 256, 14, 14]: after the four 3x3 convolutions
    mask_logits: torch.Tensor  # [R, classes, 28, 28]: transposed conv x2, then 1x1 conv


@torch.no_grad()
def mask_branch(model: nn.Module, image: torch.Tensor, boxes: torch.Tensor) -> MaskBranch:
    """Run Mask R-CNN's backbone and mask branch on ``boxes`` [R, 4] (x1, y1, x2, y2 in the
    original image [3, H, W]) step by step, as its RoI heads do for its detections."""
    if not all(hasattr(model, a) for a in ("transform", "backbone", "roi_heads")) or \
            getattr(model.roi_heads, "mask_head", None) is None:
        raise TypeError(f"model must be a torchvision Mask R-CNN (mask_rcnn()), got "
                        f"{type(model).__name__}")
    image = _images(image[None] if isinstance(image, torch.Tensor) and image.ndim == 3
                    else image, "image")[0]
    boxes = _check_boxes(boxes, "boxes")
    model.eval()
    images, targets = model.transform([image], [{"boxes": boxes}])
    features = model.backbone(images.tensors)
    rois = [targets[0]["boxes"]]
    heads = model.roi_heads
    pooled = heads.mask_roi_pool(features, rois, images.image_sizes)
    head = heads.mask_head(pooled)
    return MaskBranch(tuple(images.image_sizes[0]), rois[0], dict(features), pooled, head,
                      heads.mask_predictor(head))


def mask_targets(masks, boxes, *, size: int = 28, aligned: bool = False) -> torch.Tensor:
    """Each object's mask cut out along its box and resized to ``size`` x ``size`` with
    RoIAlign: the targets of Mask R-CNN's mask loss (torchvision uses ``aligned=False``,
    which samples half a pixel off). float [R, size, size] in [0, 1]."""
    from torchvision.ops import roi_align

    size = as_number(size, "size", minimum=1, integer=True)
    masks = torch.from_numpy(as_array(masks, "masks", shape=("R", "H", "W")).astype(np.float32))
    boxes = as_array(boxes, "boxes")
    check_shape(boxes, "boxes", (len(masks), 4), why="one box per mask of masks")
    boxes = torch.from_numpy(boxes.astype(np.float32))
    rois = torch.cat([torch.arange(len(boxes), dtype=torch.float32)[:, None], boxes], dim=1)
    return roi_align(masks[:, None], rois, (size, size), 1.0, aligned=aligned)[:, 0]


def paste_masks(masks, boxes, image_size: tuple[int, int]) -> torch.Tensor:
    """``size`` x ``size`` mask probabilities [R, M, M] resized into their boxes on a blank
    image (torchvision's ``paste_masks_in_image``): float [R, H, W]."""
    from torchvision.models.detection.roi_heads import paste_masks_in_image

    masks = torch.from_numpy(as_array(masks, "masks", shape=("R", "M", "M")).astype(np.float32))
    boxes = as_array(boxes, "boxes")
    check_shape(boxes, "boxes", (len(masks), 4), why="one box per mask of masks")
    boxes = torch.from_numpy(boxes.astype(np.float32))
    if not isinstance(image_size, tuple | list) or len(image_size) != 2:
        raise ValueError(f"image_size must be (H, W), got {image_size!r:.40}")
    image_size = tuple(as_number(v, "image_size", minimum=1, integer=True) for v in image_size)
    return paste_masks_in_image(masks[:, None], boxes, tuple(image_size))[:, 0]


def _bilinear(plane: np.ndarray, y: float, x: float) -> float:
    """torchvision's RoIAlign interpolation: 0 beyond one pixel outside, edges clamped."""
    h, w = plane.shape
    if y < -1.0 or y > h or x < -1.0 or x > w:
        return 0.0
    y, x = max(y, 0.0), max(x, 0.0)
    y0, x0 = min(int(y), h - 1), min(int(x), w - 1)
    y1, x1 = min(y0 + 1, h - 1), min(x0 + 1, w - 1)
    ly, lx = (y - y0 if y0 < h - 1 else 0.0), (x - x0 if x0 < w - 1 else 0.0)
    return ((1 - ly) * (1 - lx) * plane[y0, x0] + (1 - ly) * lx * plane[y0, x1]
            + ly * (1 - lx) * plane[y1, x0] + ly * lx * plane[y1, x1])


def roi_align_loops(features, box, output_size: int, *, spatial_scale: float = 1.0,
                    sampling_ratio: int = -1, aligned: bool = False) -> np.ndarray:
    """RoIAlign (He et al., 2017) for one box on one feature map [C, H, W], written out.

    The box (in image pixels, times ``spatial_scale`` in feature pixels; shifted by half a
    pixel when ``aligned``) is cut into ``output_size`` x ``output_size`` bins, never
    rounded; each bin averages the bilinear interpolation of the map at ``sampling_ratio``
    x ``sampling_ratio`` evenly spaced points (``-1``: ceil(bin size) points per side).
    ``torchvision.ops.roi_align`` computes the same, vectorised. Returns [C, S, S].
    """
    features = as_array(features, "features", shape=(None, None, None))
    spatial_scale = as_number(spatial_scale, "spatial_scale", minimum=1e-9)
    sampling_ratio = as_number(sampling_ratio, "sampling_ratio", integer=True)
    if sampling_ratio == 0 or sampling_ratio < -1:
        raise ValueError(f"sampling_ratio must be -1 (adaptive) or >= 1, got {sampling_ratio}")
    x1, y1, x2, y2 = as_array(box, "box", shape=(4,)) * spatial_scale - (0.5 if aligned else 0.0)
    s = as_number(output_size, "output_size", minimum=1, integer=True)
    roi_w, roi_h = (x2 - x1, y2 - y1) if aligned else (max(x2 - x1, 1.0), max(y2 - y1, 1.0))
    bin_h, bin_w = roi_h / s, roi_w / s
    grid_h = sampling_ratio if sampling_ratio > 0 else math.ceil(roi_h / s)
    grid_w = sampling_ratio if sampling_ratio > 0 else math.ceil(roi_w / s)
    out = np.zeros((features.shape[0], s, s))
    for c, plane in enumerate(features):
        for i in range(s):
            for j in range(s):
                points = [_bilinear(plane, y1 + i * bin_h + (a + 0.5) * bin_h / grid_h,
                                    x1 + j * bin_w + (b + 0.5) * bin_w / grid_w)
                          for a in range(grid_h) for b in range(grid_w)]
                out[c, i, j] = sum(points) / max(grid_h * grid_w, 1)
    return out
