"""Faster R-CNN and Mask R-CNN from torchvision, sized for the 64 x 64 scenes.

torchvision's ``FasterRCNN`` / ``MaskRCNN`` with the parts scaled down (the defaults are
built for 800 px photos and 91 classes):

- ``TinyBackbone``: six conv blocks, 32-64 channels (two dilated), one stride-4 feature
  map (16 x 16 for a 64 px image). Measured here (400 steps of 8 images, 3000 scenes,
  held-out mAP@0.5): stride 4 0.92, stride 8 0.72; stride 16 (with a 128-unit head, RPN positives
  from IoU 0.7) 0.28: on a 4 x 4 map the anchors sit 16 px apart, the 5-26 px shapes fit
  them badly and the RoI head barely learns. It declares
  ``out_channels`` and, being a single map, torchvision names it ``"0"``, which
  ``MultiScaleRoIAlign`` must be told;
- an ``AnchorGenerator`` with sides 8..32 px. Its aspect ratio is ``h / w``, the opposite of
  ``detection.default_boxes`` (``w / h``);
- ``min_size = max_size = 64``: ``GeneralizedRCNNTransform`` would otherwise resize every
  image to 800 px (40 x slower, and the anchors no longer fit the shapes);
- small RPN batches (64 anchors per image, positive from IoU 0.5 rather than 0.7), 300
  proposals before NMS and 100 after, 64 sampled RoIs per image, a 256-unit box head (the
  default is 1024 wide), RoIAlign with one sampling point per bin side rather than two
  (torchvision's RoIAlign backward took half of a CPU training step);
- ``num_classes=None`` because the predictor is passed in; it has 4 outputs: background
  (0) and the three shapes. The models take lists of float images in [0, 1] and labels
  from 1: 0-based labels would silently turn one class into background.

``train_rcnn`` trains with 4 images a step (600 steps on 3,000 scenes, notebook 11: held-out
mAP@0.5 0.939 at step 500 after 43 CPU s on a loaded machine, 0.938 at 600 after 51 s).
Mask R-CNN at lr 1e-3, 600 steps on 3,000 scenes (``make bench``): box mAP@0.5 passed 0.9
after 54 CPU s and ended at 0.957 after 92 s, mean mask IoU 0.84, mask recall 0.93. Notebook
13 trains 300 steps at lr 2e-3 on 1,000 scenes (50 CPU s; 200 held-out scenes of
``make_scenes(200, seed=2, max_objects=4)``): box mAP@0.5 0.77, mean mask IoU 0.83, recall
0.85; 400 steps on 3,000 scenes stopped at box mAP@0.5 0.89.

``rpn_proposals`` returns the RPN's proposals for an image (before and after training, the
first stage), ``two_stages`` those beside the final, refined detections (the second stage);
``untrained_faster_rcnn`` is the model ``train_rcnn`` starts from (same seed, same weights),
``settings_table`` the settings above read from a model beside torchvision's defaults.
Notebook 11 trains, inspects and compares it.
``mask_quality`` measures Mask R-CNN's masks: the mean mask IoU of matched detections.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor, nn
from torchvision.models.detection import FasterRCNN, MaskRCNN
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor
from torchvision.models.detection.rpn import concat_box_prediction_layers
from torchvision.models.detection.transform import resize_boxes
from torchvision.ops import MultiScaleRoIAlign

from course_utils.boxes import _check_boxes, _check_scores, _pairwise_iou
from course_utils.data.scenes import scene_images
from course_utils.detection import scene_targets
from course_utils.detector_runs import (
    Checkpoint,
    Run,
    check_images,
    check_labels,
    evaluate,
)
from course_utils.detectors import NUM_CLASSES, _block, _check_scenes, _Clock, _steps, _train
from course_utils.validate import as_array, as_number, as_tensor, check_shape

__all__ = [
    "TinyBackbone", "tiny_faster_rcnn", "tiny_mask_rcnn", "rcnn_detect", "rpn_proposals",
    "two_stages", "torchvision_targets", "MaskQuality", "mask_quality", "MaskCheckpoint",
    "train_rcnn", "untrained_faster_rcnn", "settings_table", "covered",
]

ANCHOR_SIZES = (8, 16, 24, 32)
ANCHOR_RATIOS = (0.5, 1.0, 2.0)  # h / w, torchvision's convention


class TinyBackbone(nn.Sequential):
    """Conv blocks down to one feature map of stride ``stride`` (4, 8 or 16) with
    ``out_channels`` channels; dilated blocks widen the view of the finer maps."""

    def __init__(self, width: int = 64, stride: int = 4):
        width = as_number(width, "width", minimum=1, integer=True)
        if stride not in (4, 8, 16) or isinstance(stride, bool):
            raise ValueError(f"stride must be 4, 8 or 16, got {stride!r}")
        layers = [_block(3, 32, 2), _block(32, 32), _block(32, width, 2), _block(width, width)]
        if stride >= 8:
            layers.append(_block(width, width, 2))
        if stride == 16:
            layers.append(_block(width, width, 2))
        layers += [_block(width, width, dilation=2), _block(width, width, dilation=2)]
        super().__init__(*layers)
        self.out_channels, self.stride = width, stride

    def forward(self, x: Tensor) -> Tensor:
        x = as_tensor(x, "x", shape=("N", 3, "H", "W"), dtype=self[0][0].weight.dtype,
                      why="colour images like the weights")
        return super().forward(x)


HEAD = 256  # units of the box head's two layers (torchvision's default: 1024)
MASK_CHANNELS = 32  # of the mask branch's convolutions (torchvision's default: 256)


def _common(width: int, image_size: int) -> dict:
    return dict(
        min_size=image_size, max_size=image_size,
        rpn_anchor_generator=AnchorGenerator((ANCHOR_SIZES,), (ANCHOR_RATIOS,)),
        rpn_pre_nms_top_n_train=300, rpn_pre_nms_top_n_test=300,
        rpn_post_nms_top_n_train=100, rpn_post_nms_top_n_test=100,
        rpn_batch_size_per_image=64, box_batch_size_per_image=64,
        rpn_fg_iou_thresh=0.5, rpn_bg_iou_thresh=0.3,
        box_roi_pool=MultiScaleRoIAlign(["0"], output_size=7, sampling_ratio=1),
        box_head=TwoMLPHead(width * 7 * 7, HEAD),
        box_predictor=FastRCNNPredictor(HEAD, NUM_CLASSES + 1),
        box_score_thresh=0.01, box_detections_per_img=100)


def tiny_faster_rcnn(width: int = 64, image_size: int = 64, stride: int = 4) -> FasterRCNN:
    """torchvision's ``FasterRCNN`` with ``TinyBackbone`` and the small settings above."""
    image_size = as_number(image_size, "image_size", minimum=16, integer=True)
    return FasterRCNN(TinyBackbone(width, stride), num_classes=None,
                      **_common(width, image_size))


def tiny_mask_rcnn(width: int = 64, image_size: int = 64, stride: int = 4) -> MaskRCNN:
    """torchvision's ``MaskRCNN``: ``tiny_faster_rcnn`` plus a mask branch (RoIAlign to
    14 x 14 with one sampling point per bin side, two 32-channel convolutions, a 28 x 28
    mask per class). The branch is what a training step spends most on: with torchvision's
    two sampling points and 64 channels a step took 0.24 CPU s, with these 0.155 s, and the
    masks were as good (mean mask IoU 0.83 after 300 steps, 0.82 before)."""
    image_size = as_number(image_size, "image_size", minimum=16, integer=True)
    return MaskRCNN(TinyBackbone(width, stride), num_classes=None, **_common(width, image_size),
                    mask_roi_pool=MultiScaleRoIAlign(["0"], output_size=14, sampling_ratio=1),
                    mask_head=MaskRCNNHeads(width, (MASK_CHANNELS, MASK_CHANNELS), 1),
                    mask_predictor=MaskRCNNPredictor(MASK_CHANNELS, MASK_CHANNELS,
                                                     NUM_CLASSES + 1))


def untrained_faster_rcnn(*, seed: int = 0, image_size: int = 64,
                          stride: int = 4) -> FasterRCNN:
    """The model ``train_rcnn(..., seed=seed)`` starts from, untrained (in eval mode): the
    same seed gives the same initial weights. The global random state is left as it was."""
    seed = as_number(seed, "seed", minimum=0, integer=True)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return tiny_faster_rcnn(image_size=image_size, stride=stride).eval()


def _settings(model: FasterRCNN) -> dict[str, object]:
    rpn, heads, anchors = model.rpn, model.roi_heads, model.rpn.anchor_generator
    return {
        "images resized to (min_size / max_size, px)":
            f"{model.transform.min_size[0]} / {model.transform.max_size}",
        "anchor sides (px)": sorted({s for level in anchors.sizes for s in level}),
        "RPN: an anchor is an object from IoU": rpn.proposal_matcher.high_threshold,
        "RPN: anchors sampled per image": rpn.fg_bg_sampler.batch_size_per_image,
        "RPN: proposals before / after NMS (test)":
            f"{rpn._pre_nms_top_n['testing']} / {rpn._post_nms_top_n['testing']}",
        "box head: RoIs sampled per image": heads.fg_bg_sampler.batch_size_per_image,
        "box head: RoIAlign points per bin side (sampling_ratio)":
            heads.box_roi_pool.sampling_ratio,
        "box head: units of its two layers": heads.box_head.fc7.out_features,
        "class scores (0 = background)": heads.box_predictor.cls_score.out_features,
        "parameters": f"{sum(p.numel() for p in model.parameters()):,}",
    }


_WHY = {
    "images resized to (min_size / max_size, px)":
        "else each 64 px scene is resized to 800 px (156 x the pixels); the anchors no longer fit",
    "anchor sides (px)": "sized to the shapes of the scenes, not to objects in photos",
    "RPN: an anchor is an object from IoU": "more positive anchors per small shape",
    "RPN: anchors sampled per image": "a scene holds at most a few objects",
    "RPN: proposals before / after NMS (test)": "a scene holds at most a few objects",
    "box head: RoIs sampled per image": "a scene holds at most a few objects",
    "box head: RoIAlign points per bin side (sampling_ratio)":
        "torchvision's RoIAlign backward is slow on a CPU (half of a training step at 2): at 1 "
        "the 600 steps took 25% less CPU and reached the same mAP (0.938 against 0.934)",
    "box head: units of its two layers": "three classes, not COCO's 80",
    "class scores (0 = background)": "labels run from 1: 0-based labels lose a class",
    "parameters": "",
}


def settings_table(model: FasterRCNN) -> list[dict]:
    """The settings that matter at 64 px, read from ``model`` and from torchvision's own
    ``FasterRCNN`` defaults (the same backbone, COCO's 91 classes), with why ours differ."""
    if not isinstance(model, FasterRCNN):
        raise TypeError(f"model must be a torchvision FasterRCNN (e.g. tiny_faster_rcnn()), "
                        f"got {type(model).__name__}")
    backbone = model.backbone
    default = _settings(FasterRCNN(TinyBackbone(backbone.out_channels,
                                                getattr(backbone, "stride", 4)),
                                   num_classes=91))
    ours = _settings(model)
    return [{"setting": k, "torchvision's default": default[k], "ours (read from the model)":
             ours[k], "why": _WHY[k]} for k in ours]


def _rcnn(model) -> nn.Module:
    from torchvision.models.detection.generalized_rcnn import GeneralizedRCNN

    if not isinstance(model, GeneralizedRCNN):
        raise TypeError(f"model must be a torchvision R-CNN (tiny_faster_rcnn or "
                        f"tiny_mask_rcnn), got {type(model).__name__}")
    return model


def _image_list(images, model: nn.Module, name: str = "images") -> list[Tensor]:
    out = _images_as_list(images)
    dtype = next(model.parameters()).dtype
    if not out:
        raise ValueError(f"{name} must hold at least one image")
    if any(im.dtype != dtype for im in out):
        raise TypeError(f"{name} must be {dtype} like the model's weights, got "
                        f"{sorted({str(im.dtype) for im in out})}: use .to({dtype})")
    return out


def _images_as_list(images) -> list[Tensor]:
    if isinstance(images, Tensor) and images.ndim == 3:
        raise ValueError(f"images must be a batch [N, 3, H, W] or a list of [3, H, W], got one "
                         f"image {list(images.shape)}: pass images[None] or [image]")
    if isinstance(images, list | tuple):
        for i, im in enumerate(images):
            if not isinstance(im, Tensor) or im.ndim != 3:
                raise ValueError(f"images[{i}] must be a Tensor [3, H, W]")
            check_images(im[None], f"images[{i}]")
        return list(images)
    return list(check_images(images))


@torch.no_grad()
def rcnn_detect(model: FasterRCNN, images, *, batch: int = 10) -> list[dict]:
    """Detections of a torchvision R-CNN on images [N, 3, H, W] (or a list of [3, H, W]) in
    [0, 1]: per image ``{"boxes", "scores", "labels"}`` (and ``"masks"`` for Mask R-CNN),
    ``batch`` images at a time (Mask R-CNN's mask head holds a 14 x 14 window of every
    detection at once: 200 scenes in one call take gigabytes)."""
    model = _rcnn(model).eval()
    images = _image_list(images, model)
    batch = as_number(batch, "batch", minimum=1, integer=True)
    return [d for i in range(0, len(images), batch) for d in model(images[i:i + batch])]


@torch.no_grad()
def rpn_proposals(model: FasterRCNN, image: Tensor) -> tuple[Tensor, Tensor]:
    """The region proposal network's output for one image [3, H, W]: its proposals
    ("xyxy", at most ``rpn_post_nms_top_n_test``, best first) and their objectness
    probabilities. This is the first stage; ``model`` itself then classifies and refines
    them."""
    _rcnn(model)
    if not isinstance(image, Tensor) or image.ndim != 3:
        got = tuple(image.shape) if isinstance(image, Tensor) else type(image).__name__
        raise ValueError(f"image must be one image, a Tensor [3, H, W], got {got}")
    image = check_images(image[None], "image")[0]
    (image,) = _image_list(image[None], model, "image")
    model.eval()
    batch, _ = model.transform([image])
    features = model.backbone(batch.tensors)
    if isinstance(features, Tensor):
        features = OrderedDict([("0", features)])
    features = list(features.values())
    objectness, deltas = model.rpn.head(features)
    anchors = model.rpn.anchor_generator(batch, features)
    per_level = [o[0].numel() for o in objectness]
    objectness, deltas = concat_box_prediction_layers(objectness, deltas)
    proposals = model.rpn.box_coder.decode(deltas, anchors).view(1, -1, 4)
    boxes, scores = model.rpn.filter_proposals(proposals, objectness, batch.image_sizes,
                                               per_level)
    return resize_boxes(boxes[0], batch.image_sizes[0], image.shape[-2:]), scores[0]


def two_stages(model: FasterRCNN, image: Tensor) -> dict:
    """Both stages for one image: ``proposals`` and ``objectness`` (the RPN) and
    ``detections`` (the box head's classified and refined boxes, after NMS)."""
    proposals, objectness = rpn_proposals(model, image)
    return {"proposals": proposals, "objectness": objectness,
            "detections": rcnn_detect(model, [image])[0]}


def covered(boxes, truth, iou_threshold: float = 0.5) -> np.ndarray:
    """For each true box of one image [K, 4]: does one of ``boxes`` [N, 4] (proposals or
    detections) overlap it with IoU >= ``iou_threshold``? A bool array [K]."""
    truth = torch.as_tensor(as_array(truth, "truth", shape=(None, 4)), dtype=torch.float32)
    boxes = torch.as_tensor(as_array(boxes, "boxes", shape=(None, 4)), dtype=torch.float32)
    iou_threshold = as_number(iou_threshold, "iou_threshold", minimum=0, maximum=1)
    if not len(boxes) or not len(truth):
        return np.zeros(len(truth), bool)
    return (_pairwise_iou(truth, boxes).max(dim=1).values >= iou_threshold).numpy()


def torchvision_targets(scenes, *, masks: bool = False) -> list[dict]:
    """Ground truth of scenes as torchvision's detection models take it (labels from 1;
    ``masks`` uint8 [K, H, W] when asked)."""
    scenes = _check_scenes(scenes)
    if not isinstance(masks, bool):
        raise TypeError(f"masks must be True or False, got {masks!r:.40}")
    out = scene_targets(scenes)
    for t, s in zip(out, scenes, strict=True):
        t["labels"] = check_labels(t["labels"], "labels")
        if masks:
            t["masks"] = torch.as_tensor(s.masks, dtype=torch.uint8)
    return out


def _flip_targets(t: dict, size: int) -> dict:
    b = t["boxes"]
    out = {"boxes": torch.stack([size - b[:, 2], b[:, 1], size - b[:, 0], b[:, 3]], 1),
           "labels": t["labels"]}
    if "masks" in t:
        out["masks"] = t["masks"].flip(-1)
    return out


def _mask_detection(det, i: int) -> dict:
    """One image's Mask R-CNN output {"boxes", "scores", "labels", "masks"}, checked."""
    if not isinstance(det, dict) or not {"boxes", "scores", "labels", "masks"} <= set(det):
        raise ValueError(f"detections[{i}] must be a dict with boxes, scores, labels and masks: "
                         "run a Mask R-CNN (tiny_mask_rcnn)")
    boxes = _check_boxes(det["boxes"], f"detections[{i}]['boxes']")
    scores = _check_scores(det["scores"], len(boxes), f"detections[{i}]['scores']")
    labels = torch.as_tensor(as_array(det["labels"], f"detections[{i}]['labels']",
                                      dtype="int"))
    check_shape(labels, f"detections[{i}]['labels']", (len(boxes),), why="one per box")
    masks = as_tensor(det["masks"], f"detections[{i}]['masks']",
                      shape=(len(boxes), 1, "H", "W"), why="one probability map per box")
    return {"boxes": boxes, "scores": scores, "labels": labels, "masks": masks}


class MaskQuality(NamedTuple):
    mask_iou: float  # mean IoU of the masks of matched detections with their objects' masks
    recall: float  # fraction of objects matched by a detection
    matched: int
    objects: int


@torch.no_grad()
def mask_quality(detections: list[dict], scenes, *, score_threshold: float = 0.5,
                 box_iou: float = 0.5, mask_threshold: float = 0.5) -> MaskQuality:
    """How good Mask R-CNN's masks are. Per scene, detections scoring >= ``score_threshold``
    are matched greedily (best score first) to unmatched objects of their class with box IoU
    >= ``box_iou``; a matched detection's mask (probabilities >= ``mask_threshold``) is
    compared with the object's mask by IoU. Returns the mean of those IoUs and the fraction
    of objects matched."""
    scenes = _check_scenes(scenes)
    score_threshold, box_iou, mask_threshold = (
        as_number(v, k, minimum=0.0, maximum=1.0) for k, v in (
            ("score_threshold", score_threshold), ("box_iou", box_iou),
            ("mask_threshold", mask_threshold)))
    if not isinstance(detections, list | tuple) or len(detections) != len(scenes):
        raise ValueError(f"detections must be a list with one dict per scene ({len(scenes)}), "
                         f"got {detections!r:.40}")
    detections = [_mask_detection(d, i) for i, d in enumerate(detections)]
    ious, objects = [], 0
    for det, s in zip(detections, scenes, strict=True):
        objects += len(s.labels)
        keep = det["scores"] >= score_threshold
        boxes, labels, masks = det["boxes"][keep], det["labels"][keep], det["masks"][keep]
        order = torch.argsort(det["scores"][keep], descending=True, stable=True)
        gt = torch.as_tensor(s.boxes)
        overlap = _pairwise_iou(boxes.double(), gt.double()) if len(boxes) else None
        taken = np.zeros(len(gt), bool)
        for d in order.tolist():
            cand = [(overlap[d, g].item(), g) for g in range(len(gt))
                    if not taken[g] and s.labels[g] == labels[d] and overlap[d, g] >= box_iou]
            if not cand:
                continue
            g = max(cand)[1]
            taken[g] = True
            pred, true = masks[d, 0].numpy() >= mask_threshold, s.masks[g]
            ious.append((pred & true).sum() / max((pred | true).sum(), 1))
    return MaskQuality(float(np.mean(ious)) if ious else 0.0, len(ious) / max(objects, 1),
                       len(ious), objects)


class MaskCheckpoint(NamedTuple):
    step: int
    cpu_seconds: float
    wall_seconds: float
    map50: float
    map: float
    mask_iou: float
    mask_recall: float


def train_rcnn(train_scenes, val_scenes=None, *, masks: bool = False, steps: int = 700,
               batch_size: int = 4, lr: float = 3e-3, eval_every: int = 50, stride: int = 4,
               seed: int = 0) -> Run:
    """Train ``tiny_faster_rcnn`` (``masks=True``: ``tiny_mask_rcnn``) on scenes with
    AdamW on a one-cycle schedule (``detectors._train``), random left-right flips; the loss
    is the sum of torchvision's losses (RPN objectness and boxes, RoI classes and boxes, and
    masks). With ``val_scenes``: box mAPs (and ``mask_quality``) every ``eval_every``
    steps, not counted as training time."""
    train_scenes = _check_scenes(train_scenes, "train_scenes")
    steps, batch_size, lr = _steps(steps, batch_size, lr)
    eval_every = as_number(eval_every, "eval_every", minimum=1, integer=True)
    images = scene_images(train_scenes)
    targets = torchvision_targets(train_scenes, masks=masks)
    size = images.shape[-1]
    torch.manual_seed(seed)
    build = tiny_mask_rcnn if masks else tiny_faster_rcnn
    model = build(image_size=size, stride=stride)

    def batch_loss(generator):
        idx = torch.randint(0, len(images), (batch_size,), generator=generator).tolist()
        flip = (torch.rand(batch_size, generator=generator) < 0.5).tolist()
        x = [images[i].flip(-1) if f else images[i] for i, f in zip(idx, flip, strict=True)]
        t = [_flip_targets(targets[i], size) if f else targets[i]
             for i, f in zip(idx, flip, strict=True)]
        return sum(model(x, t).values())

    checkpoints = []
    if val_scenes is not None:
        val_scenes = _check_scenes(val_scenes, "val_scenes")
        val_images, val_targets = scene_images(val_scenes), scene_targets(val_scenes)

    def after_step(step, clock: _Clock):
        if val_scenes is None or not (step % eval_every == 0 or step == steps):
            return
        found = []
        result = evaluate(lambda x: found.extend(rcnn_detect(model, x)) or found[-len(x):],
                          val_images, val_targets)
        base = (step, clock.cpu, clock.wall, result.map50, result.map)
        if masks:
            q = mask_quality(found, val_scenes)
            checkpoints.append(MaskCheckpoint(*base, q.mask_iou, q.recall))
        else:
            checkpoints.append(Checkpoint(*base))

    log = _train(model, batch_loss, steps=steps, lr=lr, seed=seed, after_step=after_step)
    return Run(model.eval(), log, checkpoints)
