"""SSD (Liu et al. 2016), written compactly in plain PyTorch for the 64 x 64 scenes.

- a small conv backbone whose 16 x 16, 8 x 8 and 4 x 4 maps each get a class head and a box
  head (3 x 3 convolutions): per cell and default box, C + 1 class logits (0 = background)
  and four offsets;
- default boxes from ``detection.default_boxes`` (``w / h = ratio``), smaller on the finer
  maps: the 16 x 16 map finds the 10-12 px shapes;
- matching at IoU 0.5 (``detection.match_anchors``; every object also keeps its best
  default box), offsets by ``detection.encode_boxes`` with SSD's variances 0.1 / 0.2
  (weights 10, 10, 5, 5);
- loss: smooth L1 on the positives' offsets + cross-entropy on the positives and the
  hardest negatives, three negatives per positive (hard negative mining), both divided by
  the number of positives;
- decoding: softmax, per class the boxes scoring >= a threshold, class-wise NMS.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from course_utils.boxes import _check_boxes
from course_utils.data.scenes import scenes_to_tensors
from course_utils.detection import (
    BELOW_LOW_THRESHOLD,
    decode_boxes,
    default_boxes,
    detection_dict,
    encode_boxes,
    match_anchors,
)
from course_utils.detector_runs import Evaluator, Run, check_images, check_labels
from course_utils.detectors import (
    NUM_CLASSES,
    _block,
    _check_scenes,
    _steps,
    _train,
    padded_truth,
)
from course_utils.validate import as_number, as_tensor

__all__ = [
    "ssd_default_boxes", "SSD", "ssd_targets", "hard_negatives", "ssd_loss", "decode_ssd",
    "ssd_detect", "train_ssd",
]

VARIANCE_WEIGHTS = (10.0, 10.0, 5.0, 5.0)  # SSD's variances (0.1, 0.1, 0.2, 0.2) inverted
FEATURE_SIZES = (16, 8, 4)
SCALES = ((10.0, 14.0), (19.0, 26.0), (34.0,))  # box sides (px) per map, objects are 5..26 px
RATIOS = (1.0, 2.0, 0.5)  # w / h


def ssd_default_boxes(image_size: int = 64) -> Tensor:
    """All default boxes, map by map (16 x 16, 8 x 8, 4 x 4 for a 64 px image), in the order
    of ``SSD.forward``'s outputs."""
    image_size = _ssd_size(image_size)
    return torch.cat([default_boxes(f * image_size // 64, image_size, scales=s, ratios=RATIOS)
                      for f, s in zip(FEATURE_SIZES, SCALES, strict=True)])


def _ssd_size(size) -> int:
    size = as_number(size, "image_size", minimum=16, integer=True)
    if size % 16:
        raise ValueError(f"image_size must divide by 16 (SSD's coarsest map has stride 16), "
                         f"got {size}")
    return size


class SSD(nn.Module):
    """``forward(x [N, 3, 64, 64])`` -> class logits [N, A, C + 1] and offsets [N, A, 4],
    A the number of default boxes (``ssd_default_boxes``)."""

    def __init__(self, num_classes: int = NUM_CLASSES, width: int = 64):
        super().__init__()
        self.num_classes = num_classes
        self.stem = nn.Sequential(_block(3, 24, 2), _block(24, 32), _block(32, 48, 2),
                                  _block(48, 48))  # 16 x 16
        self.down8 = nn.Sequential(_block(48, width, 2), _block(width, width))  # 8 x 8
        self.down4 = nn.Sequential(_block(width, width, 2), _block(width, width))  # 4 x 4
        per_cell = [len(s) * len(RATIOS) for s in SCALES]
        self.cls_heads = nn.ModuleList(nn.Conv2d(c, a * (num_classes + 1), 3, padding=1)
                                       for c, a in zip((48, width, width), per_cell, strict=True))
        self.box_heads = nn.ModuleList(nn.Conv2d(c, a * 4, 3, padding=1)
                                       for c, a in zip((48, width, width), per_cell, strict=True))

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        x = as_tensor(x, "x", shape=("N", 3, "H", "W"), nonempty=True,
                      dtype=self.stem[0][0].weight.dtype, why="colour images like the weights")
        if x.shape[2] % 16 or x.shape[3] % 16:
            raise ValueError(f"x must have sides that divide by 16 (SSD's coarsest map), got "
                             f"{tuple(x.shape)}")
        f16 = self.stem(x)
        f8 = self.down8(f16)
        f4 = self.down4(f8)
        logits, offsets = [], []
        for f, cls, box in zip((f16, f8, f4), self.cls_heads, self.box_heads, strict=True):
            n = f.shape[0]  # [N, A*K, h, w] -> [N, h, w, A*K] -> [N, h*w*A, K]: cell, then box
            logits.append(cls(f).permute(0, 2, 3, 1).reshape(n, -1, self.num_classes + 1))
            offsets.append(box(f).permute(0, 2, 3, 1).reshape(n, -1, 4))
        return torch.cat(logits, 1), torch.cat(offsets, 1)


def ssd_targets(anchors: Tensor, boxes: Tensor, labels: Tensor, *,
                iou: float = 0.5) -> tuple[Tensor, Tensor]:
    """Per image, each default box's class (0 = background) and the offsets of its matched
    box, from padded ground truth ``boxes`` [N, K, 4] and ``labels`` [N, K] (0 = padding).

    Returns:
        classes (Tensor[N, A], int64), offsets (Tensor[N, A, 4]; zero for background).
    """
    anchors = _check_boxes(anchors, "anchors").float()
    boxes, labels = padded_truth(boxes, labels)
    boxes = boxes.float()
    iou = as_number(iou, "iou", minimum=0.0, maximum=1.0)
    classes = torch.zeros(len(boxes), len(anchors), dtype=torch.int64)
    offsets = torch.zeros(len(boxes), len(anchors), 4)
    for i in range(len(boxes)):
        real = labels[i] > 0
        gt, lab = boxes[i][real], check_labels(labels[i][real], "labels")
        match = match_anchors(anchors, gt, high=iou, low=iou)
        pos = match != BELOW_LOW_THRESHOLD
        classes[i, pos] = lab[match[pos]]
        offsets[i, pos] = encode_boxes(gt[match[pos]], anchors[pos], weights=VARIANCE_WEIGHTS)
    return classes, offsets


def hard_negatives(loss: Tensor, positive: Tensor, ratio: float = 3.0) -> Tensor:
    """SSD's hard negative mining: per image, the ``ratio`` x (number of positives)
    negatives with the largest classification ``loss`` (all negatives if fewer).

    Args:
        loss (Tensor[N, A]): each default box's cross-entropy against background.
        positive (Tensor[N, A], bool).

    Returns:
        Tensor[N, A] (bool): the negatives that count.
    """
    loss = as_tensor(loss, "loss", shape=("N", "A"), finite=False)  # NaN: a diverged model
    if not isinstance(positive, Tensor) or positive.dtype != torch.bool or \
            positive.shape != loss.shape:
        got = (f"{positive.dtype} {tuple(positive.shape)}" if isinstance(positive, Tensor)
               else type(positive).__name__)
        raise TypeError(f"positive must be a bool tensor {tuple(loss.shape)} (like loss), got "
                        f"{got}")
    ratio = as_number(ratio, "ratio", minimum=0.0)
    loss = loss.detach().masked_fill(positive, -float("inf"))
    rank = loss.argsort(dim=1, descending=True, stable=True).argsort(dim=1)
    keep = (ratio * positive.sum(1, keepdim=True)).clamp(max=(~positive).sum(1, keepdim=True))
    return (rank < keep) & ~positive


def ssd_loss(logits: Tensor, offsets: Tensor, classes: Tensor, target_offsets: Tensor, *,
             neg_ratio: float = 3.0) -> tuple[Tensor, Tensor]:
    """SSD's loss: (cross-entropy on positives and mined negatives, smooth L1 on positives'
    offsets), each summed and divided by the number of positives in the batch. NaN outputs
    (a diverged model) give a NaN loss."""
    logits = as_tensor(logits, "logits", shape=("N", "A", "C"), finite=False)
    neg_ratio = as_number(neg_ratio, "neg_ratio", minimum=0.0)
    n, a, c = logits.shape
    offsets = as_tensor(offsets, "offsets", shape=(n, a, 4), finite=False,
                        why="one per default box of logits")
    target_offsets = as_tensor(target_offsets, "target_offsets", shape=(n, a, 4),
                               why="one per default box of logits")
    if not isinstance(classes, Tensor) or classes.is_floating_point() or classes.is_complex() \
            or classes.dtype == torch.bool or classes.shape != (n, a):
        got = (f"{classes.dtype} {tuple(classes.shape)}" if isinstance(classes, Tensor)
               else type(classes).__name__)
        raise TypeError(f"classes must be an integer tensor ({n}, {a}) (ssd_targets), got {got}")
    if classes.numel() and (int(classes.min()) < 0 or int(classes.max()) >= c):
        raise ValueError(f"classes must be 0..{c - 1} (0 = background), got values from "
                         f"{int(classes.min())} to {int(classes.max())}")
    classes = classes.long()
    positive = classes > 0
    ce = F.cross_entropy(logits.flatten(0, 1), classes.flatten(), reduction="none"
                         ).view_as(classes)
    counted = positive | hard_negatives(ce, positive, neg_ratio)
    n_pos = positive.sum().clamp(min=1)
    box = F.smooth_l1_loss(offsets[positive], target_offsets[positive], reduction="sum")
    return (ce * counted).sum() / n_pos, box / n_pos


@torch.no_grad()
def decode_ssd(logits: Tensor, offsets: Tensor, anchors: Tensor, *, image_size: int = 64,
               score_threshold: float = 0.05, nms_iou: float | None = 0.45,
               top_k: int = 200, max_detections: int = 100) -> list[dict]:
    """SSD outputs -> per image ``{"boxes", "scores", "labels"}``: every (box, class) with
    softmax score >= ``score_threshold`` (the ``top_k`` best), decoded and clipped to the
    image, then class-wise NMS (``nms_iou=None``: none) and the ``max_detections`` best."""
    score_threshold = as_number(score_threshold, "score_threshold", minimum=0.0, maximum=1.0)
    if nms_iou is not None:
        nms_iou = as_number(nms_iou, "nms_iou", minimum=0.0, maximum=1.0)
    image_size = as_number(image_size, "image_size", minimum=1, integer=True)
    top_k = as_number(top_k, "top_k", minimum=1, integer=True)
    max_detections = as_number(max_detections, "max_detections", minimum=0, integer=True)
    logits = as_tensor(logits, "logits", shape=("N", "A", "C"))
    n, a, _ = logits.shape
    offsets = as_tensor(offsets, "offsets", shape=(n, a, 4), why="one per default box of logits")
    anchors = _check_boxes(anchors, "anchors")
    if len(anchors) != a:
        raise ValueError(f"anchors must hold one box per default box of logits ({a}), got "
                         f"{len(anchors)}")
    probs = torch.softmax(logits, dim=-1)[..., 1:]  # [N, A, C]
    n_classes = probs.shape[-1]
    out = []
    for i in range(len(logits)):
        top = probs[i].flatten().topk(min(top_k, probs[i].numel()))
        keep = top.values >= score_threshold
        idx, score = top.indices[keep], top.values[keep]
        anchor, label = idx // n_classes, idx % n_classes + 1
        boxes = decode_boxes(offsets[i, anchor], anchors[anchor], weights=VARIANCE_WEIGHTS)
        boxes = boxes.clamp(0, image_size)
        out.append(detection_dict(boxes, score, label, nms_iou=nms_iou, limit=max_detections))
    return out


@torch.no_grad()
def ssd_detect(model: SSD, images: Tensor, **kwargs) -> list[dict]:
    """Run SSD on images [N, 3, H, W] in [0, 1]; keyword arguments go to ``decode_ssd``."""
    if not isinstance(model, SSD):
        raise TypeError(f"model must be an SSD, got {type(model).__name__}")
    images = check_images(images)
    logits, offsets = model.eval()(images)
    return decode_ssd(logits, offsets, ssd_default_boxes(images.shape[-1]),
                      image_size=images.shape[-1], **kwargs)


def _flip(images: Tensor, boxes: Tensor, labels: Tensor, flip: Tensor):
    """Mirror the chosen images left-right, and their boxes (padding rows stay zero)."""
    size = images.shape[-1]
    mirrored = torch.stack([size - boxes[..., 2], boxes[..., 1], size - boxes[..., 0],
                            boxes[..., 3]], -1) * (labels > 0)[..., None]
    return (torch.where(flip[:, None, None, None], images.flip(-1), images),
            torch.where(flip[:, None, None], mirrored, boxes))


def train_ssd(train_scenes, val_scenes=None, *, steps: int = 400, batch_size: int = 32,
              lr: float = 3e-3, eval_every: int = 50, seed: int = 0) -> Run:
    """Train ``SSD`` for ``steps`` steps of AdamW on a one-cycle schedule (random left-right
    flips); with ``val_scenes``, held-out mAPs every ``eval_every`` steps (not counted as
    training time)."""
    train_scenes = _check_scenes(train_scenes, "train_scenes")
    steps, batch_size, lr = _steps(steps, batch_size, lr)
    eval_every = as_number(eval_every, "eval_every", minimum=1, integer=True)
    images, _, boxes, labels = scenes_to_tensors(train_scenes, semantic=False)
    if images.shape[-1] % 16:
        raise ValueError(f"SSD needs scenes whose size divides by 16, got {images.shape[-1]}")
    anchors = ssd_default_boxes(images.shape[-1])
    torch.manual_seed(seed)
    model = SSD()

    def batch_loss(generator):
        idx = torch.randint(0, len(images), (batch_size,), generator=generator)
        flip = torch.rand(batch_size, generator=generator) < 0.5
        x, b = _flip(images[idx], boxes[idx], labels[idx], flip)
        classes, target = ssd_targets(anchors, b, labels[idx])
        cls_loss, box_loss = ssd_loss(*model(x), classes, target)
        return cls_loss + box_loss

    evaluator = (Evaluator(lambda x: ssd_detect(model, x), val_scenes, every=eval_every,
                           last=steps) if val_scenes is not None else None)
    log = _train(model, batch_loss, steps=steps, lr=lr, seed=seed, after_step=evaluator)
    return Run(model.eval(), log, evaluator.checkpoints if evaluator else [])
