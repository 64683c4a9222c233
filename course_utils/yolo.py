"""YOLO v1 (Redmon et al. 2016), its head and its loss, on the 64 x 64 scenes.

The image is split into an S x S grid (S = 8: 8 px cells). Each cell predicts B = 2 boxes,
each as (x, y, sqrt(w), sqrt(h), confidence), and one set of C class probabilities:
x, y are the box centre's offset inside the cell (0..1), w, h its size as fractions of the
image. The loss is the paper's sum of squared errors, summed over the grid and averaged
over images:

    lambda_coord * sum over responsible boxes of (x - x')^2 + (y - y')^2
  + lambda_coord * sum over responsible boxes of (sqrt w - sqrt w')^2 + (sqrt h - sqrt h')^2
  + sum over responsible boxes of (conf - IoU(box, object))^2
  + lambda_noobj * sum over all other boxes of conf^2
  + sum over cells holding an object's centre of sum over classes (p(c) - [c = class])^2

with lambda_coord = 5 and lambda_noobj = 0.5. The "responsible" box of a cell holding an
object's centre is the one of its B whose current prediction overlaps the object most
(IoU, ties: the first). Square roots of the sizes make an error of a few pixels count more
on a small box than on a large one.

What differs from the grid detector of notebook 12 (``detectors.GridDetector``):

- one object per cell: if two objects' centres fall in one cell, only the larger is learnt
  (GridDetector's cells answer per class, and its 16 x 16 grid is four times finer);
- B boxes per cell compete to be responsible, each with its own confidence trained toward
  its IoU with the object; GridDetector predicts one box per cell and a per-class heatmap;
- boxes are a centre and square-root sizes trained with squared error; GridDetector's are
  distances to the four edges trained with an IoU loss;
- only the centre's cell is positive, every other box is pushed to confidence 0 with the
  fixed weight lambda_noobj; GridDetector softens the cells near a centre (Gaussian heatmap,
  CenterNet's focal loss);
- class probabilities are per cell, conditional on an object, and a box's score is
  confidence x p(class); GridDetector scores each class directly.

Here the network is convolutional (the paper ends in fully connected layers) and the
outputs pass through a sigmoid (box numbers, confidence) or a softmax (classes); the
paper's outputs are linear.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from course_utils.data.scenes import scenes_to_tensors
from course_utils.detection import detection_dict
from course_utils.detector_runs import Evaluator, Run, check_images
from course_utils.detectors import (
    NUM_CLASSES,
    _block,
    _check_scenes,
    _steps,
    _train,
    padded_truth,
    paired_iou,
)
from course_utils.ssd import _flip
from course_utils.validate import as_number, as_tensor

__all__ = [
    "YOLOv1", "yolo_targets", "yolo_to_xyxy", "yolo_loss", "decode_yolo", "yolo_detect",
    "train_yolo",
]

LAMBDA_COORD, LAMBDA_NOOBJ = 5.0, 0.5


class YOLOv1(nn.Module):
    """``forward(x [N, 3, 64, 64])`` -> boxes [N, S, S, B, 5] (x, y, sqrt w, sqrt h, conf,
    all in 0..1) and class probabilities [N, S, S, C]; S = image size / 8."""

    STRIDE = 8

    def __init__(self, num_classes: int = NUM_CLASSES, boxes_per_cell: int = 2,
                 width: int = 96):
        super().__init__()
        self.num_classes, self.b = num_classes, boxes_per_cell
        self.body = nn.Sequential(_block(3, 24, 2), _block(24, 32), _block(32, 64, 2),
                                  _block(64, 64), _block(64, width, 2), _block(width, width),
                                  _block(width, width, dilation=2), _block(width, width))
        self.head = nn.Conv2d(width, boxes_per_cell * 5 + num_classes, 1)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        x = as_tensor(x, "x", shape=("N", 3, "S", "S"), nonempty=True,
                      dtype=self.head.weight.dtype, why="square colour images like the weights")
        if x.shape[2] != x.shape[3] or x.shape[2] % self.STRIDE:
            raise ValueError(f"x must be square images whose side divides by {self.STRIDE}, "
                             f"got {tuple(x.shape)}")
        out = self.head(self.body(x)).permute(0, 2, 3, 1)  # [N, S, S, B*5 + C]
        n, s = out.shape[:2]
        boxes = torch.sigmoid(out[..., :self.b * 5]).reshape(n, s, s, self.b, 5)
        return boxes, torch.softmax(out[..., self.b * 5:], dim=-1)


def yolo_targets(boxes: Tensor, labels: Tensor, *, grid: int = 8,
                 image_size: int = 64) -> tuple[Tensor, Tensor, Tensor]:
    """Per cell: does an object's centre fall in it, that object's (x, y, sqrt w, sqrt h)
    (x, y: offset in the cell; w, h: fractions of the image) and its class.

    Args:
        boxes (Tensor[N, K, 4]), labels (Tensor[N, K]): padded ground truth as
            ``scenes_to_tensors`` gives it (label 0 = padding, real labels 1..C).

    Returns:
        obj [N, S, S] bool, box [N, S, S, 4], cls [N, S, S] int64 (the label, 1..C; 0 in
        empty cells). Two centres in one cell: the larger object wins.
    """
    grid = as_number(grid, "grid", minimum=1, integer=True)
    image_size = as_number(image_size, "image_size", minimum=1, integer=True)
    boxes, labels = padded_truth(boxes, labels)
    n = len(boxes)
    obj = torch.zeros(n, grid, grid, dtype=torch.bool)
    box = torch.zeros(n, grid, grid, 4)
    cls = torch.zeros(n, grid, grid, dtype=torch.int64)
    cell = image_size / grid
    for i in range(n):
        real = torch.nonzero(labels[i] > 0).flatten().tolist()
        area = lambda k: float((boxes[i, k, 2:] - boxes[i, k, :2]).prod())  # noqa: E731, B023
        for k in sorted(real, key=area):  # larger objects last: they win a shared cell
            x1, y1, x2, y2 = boxes[i, k].tolist()
            cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
            col, row = min(int(cx // cell), grid - 1), min(int(cy // cell), grid - 1)
            obj[i, row, col] = True
            box[i, row, col] = torch.tensor([cx / cell - col, cy / cell - row,
                                             ((x2 - x1) / image_size) ** 0.5,
                                             ((y2 - y1) / image_size) ** 0.5])
            cls[i, row, col] = labels[i, k]
    return obj, box, cls


def yolo_to_xyxy(box: Tensor, *, image_size: int = 64) -> Tensor:
    """(x, y, sqrt w, sqrt h) per cell [..., S, S, (B,) 4] -> "xyxy" pixels, same shape."""
    box = as_tensor(box, "box", finite=False)  # NaN: a diverged model's boxes, for the loss
    image_size = as_number(image_size, "image_size", minimum=1, integer=True)
    if box.ndim not in (4, 5) or box.shape[-1] != 4 or box.shape[1] != box.shape[2]:
        raise ValueError(f"box must be [N, S, S, 4] or [N, S, S, B, 4] (x, y, sqrt w, sqrt h "
                         f"per cell of an S x S grid), got {tuple(box.shape)}")
    squeeze = box.ndim == 4  # [N, S, S, 4]: one box per cell
    if squeeze:
        box = box[..., None, :]
    s = box.shape[1]
    cell = image_size / s
    rows = torch.arange(s, dtype=box.dtype).view(1, s, 1, 1)
    cols = torch.arange(s, dtype=box.dtype).view(1, 1, s, 1)
    cx, cy = (box[..., 0] + cols) * cell, (box[..., 1] + rows) * cell
    w, h = box[..., 2] ** 2 * image_size, box[..., 3] ** 2 * image_size
    out = torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], -1)
    return out[..., 0, :] if squeeze else out


def yolo_loss(pred_boxes: Tensor, pred_cls: Tensor, obj: Tensor, box: Tensor, cls: Tensor, *,
              lambda_coord: float = LAMBDA_COORD, lambda_noobj: float = LAMBDA_NOOBJ,
              image_size: int = 64) -> Tensor:
    """YOLO v1's loss (see the module's docstring), summed over the grid, mean over images.

    Args:
        pred_boxes [N, S, S, B, 5], pred_cls [N, S, S, C]: ``YOLOv1`` outputs;
        obj, box, cls: ``yolo_targets``.

    NaN predictions (a diverged model) give a NaN loss.
    """
    pred_boxes = as_tensor(pred_boxes, "pred_boxes", shape=("N", "S", "S", "B", 5),
                           finite=False)
    n, s, _, b, _ = pred_boxes.shape
    pred_cls = as_tensor(pred_cls, "pred_cls", shape=(n, s, s, "C"), finite=False,
                         why="one class distribution per cell of pred_boxes")
    box = as_tensor(box, "box", shape=(n, s, s, 4), why="yolo_targets' box, one per cell")
    for name, value, kind in (("obj", obj, "bool"), ("cls", cls, "integer")):
        ok = isinstance(value, Tensor) and value.shape == (n, s, s) and (
            value.dtype == torch.bool if kind == "bool" else
            not (value.is_floating_point() or value.is_complex() or value.dtype == torch.bool))
        if not ok:
            got = (f"{value.dtype} {tuple(value.shape)}" if isinstance(value, Tensor)
                   else type(value).__name__)
            raise TypeError(f"{name} must be a {kind} tensor ({n}, {s}, {s}) (yolo_targets), "
                            f"got {got}")
    if cls.numel() and (int(cls.min()) < 0 or int(cls.max()) > pred_cls.shape[-1]):
        raise ValueError(f"cls must be 0..{pred_cls.shape[-1]} (0 in empty cells), got values "
                         f"from {int(cls.min())} to {int(cls.max())}")
    cls = cls.long()
    pxyxy = yolo_to_xyxy(pred_boxes[..., :4], image_size=image_size)  # [N, S, S, B, 4]
    txyxy = yolo_to_xyxy(box, image_size=image_size)[..., None, :].expand_as(pxyxy)
    iou = paired_iou(pxyxy.reshape(-1, 4), txyxy.reshape(-1, 4)).view(n, s, s, b).detach()
    best = F.one_hot(iou.argmax(-1), b).bool()  # first of equal IoUs
    responsible = best & obj[..., None]  # [N, S, S, B]
    r = responsible.float()
    coord = (r * ((pred_boxes[..., :2] - box[..., None, :2]) ** 2).sum(-1)).sum()
    size = (r * ((pred_boxes[..., 2:4] - box[..., None, 2:]) ** 2).sum(-1)).sum()
    conf = pred_boxes[..., 4]
    obj_conf = (r * (conf - iou) ** 2).sum()
    noobj_conf = ((1 - r) * conf ** 2).sum()
    onehot = F.one_hot(cls, pred_cls.shape[-1] + 1)[..., 1:].float()
    classes = (obj[..., None] * (pred_cls - onehot) ** 2).sum()
    total = (lambda_coord * (coord + size) + obj_conf + lambda_noobj * noobj_conf + classes)
    return total / n


@torch.no_grad()
def decode_yolo(pred_boxes: Tensor, pred_cls: Tensor, *, image_size: int = 64,
                score_threshold: float = 0.05, nms_iou: float | None = 0.45,
                top_k: int = 100) -> list[dict]:
    """YOLO outputs -> per image ``{"boxes", "scores", "labels"}``: every (box, class) with
    score confidence x p(class) >= ``score_threshold`` (the ``top_k`` best), clipped to the
    image, then class-wise NMS (``nms_iou=None``: none)."""
    score_threshold = as_number(score_threshold, "score_threshold", minimum=0.0, maximum=1.0)
    if nms_iou is not None:
        nms_iou = as_number(nms_iou, "nms_iou", minimum=0.0, maximum=1.0)
    top_k = as_number(top_k, "top_k", minimum=1, integer=True)
    pred_boxes = as_tensor(pred_boxes, "pred_boxes", shape=("N", "S", "S", "B", 5))
    n, s, _, b, _ = pred_boxes.shape
    pred_cls = as_tensor(pred_cls, "pred_cls", shape=(n, s, s, "C"),
                         why="one class distribution per cell of pred_boxes")
    c = pred_cls.shape[-1]
    xyxy = yolo_to_xyxy(pred_boxes[..., :4], image_size=image_size).reshape(n, -1, 4)
    scores = (pred_boxes[..., 4, None] * pred_cls[..., None, :]).reshape(n, -1)  # box, class
    out = []
    for i in range(n):
        top = scores[i].topk(min(top_k, scores.shape[1]))
        keep = top.values >= score_threshold
        idx, score = top.indices[keep], top.values[keep]
        boxes, label = xyxy[i, idx // c].clamp(0, image_size), idx % c + 1
        out.append(detection_dict(boxes, score, label, nms_iou=nms_iou))
    return out


@torch.no_grad()
def yolo_detect(model: YOLOv1, images: Tensor, **kwargs) -> list[dict]:
    """Run YOLO on images [N, 3, H, W] in [0, 1]; keyword arguments go to ``decode_yolo``."""
    if not isinstance(model, YOLOv1):
        raise TypeError(f"model must be a YOLOv1, got {type(model).__name__}")
    images = check_images(images)
    if images.shape[-1] % model.STRIDE or images.shape[-2] != images.shape[-1]:
        raise ValueError(f"YOLO needs square images whose side divides by {model.STRIDE}, got "
                         f"{list(images.shape[-2:])}")
    return decode_yolo(*model.eval()(images), image_size=images.shape[-1], **kwargs)


def train_yolo(train_scenes, val_scenes=None, *, steps: int = 400, batch_size: int = 32,
               lr: float = 3e-3, eval_every: int = 50, seed: int = 0) -> Run:
    """Train ``YOLOv1`` with ``yolo_loss`` (AdamW, one-cycle, random left-right flips);
    with ``val_scenes``, held-out mAPs every ``eval_every`` steps (not training time)."""
    train_scenes = _check_scenes(train_scenes, "train_scenes")
    steps, batch_size, lr = _steps(steps, batch_size, lr)
    eval_every = as_number(eval_every, "eval_every", minimum=1, integer=True)
    images, _, boxes, labels = scenes_to_tensors(train_scenes, semantic=False)
    size = images.shape[-1]
    if size % YOLOv1.STRIDE:
        raise ValueError(f"YOLO needs scenes whose size divides by 8, got {size}")
    torch.manual_seed(seed)
    model = YOLOv1()

    def batch_loss(generator):
        idx = torch.randint(0, len(images), (batch_size,), generator=generator)
        flip = torch.rand(batch_size, generator=generator) < 0.5
        x, bx = _flip(images[idx], boxes[idx], labels[idx], flip)
        obj, box, cls = yolo_targets(bx, labels[idx], grid=size // YOLOv1.STRIDE,
                                     image_size=size)
        return yolo_loss(*model(x), obj, box, cls, image_size=size)

    evaluator = (Evaluator(lambda x: yolo_detect(model, x), val_scenes, every=eval_every,
                           last=steps) if val_scenes is not None else None)
    log = _train(model, batch_loss, steps=steps, lr=lr, seed=seed, after_step=evaluator)
    return Run(model.eval(), log, evaluator.checkpoints if evaluator else [])
