"""course_utils.detection: anchors (every area and ratio), matching against torchvision's
Matcher, box coding against its BoxCoder, RoI pooling against torchvision.ops.roi_pool, and
mAP against a slow COCO-style reference written here from the definitions."""

import math

import numpy as np
import pytest
import torch
import torchvision.ops as tv
from torchvision.models.detection._utils import BoxCoder, Matcher
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.image_list import ImageList

from course_utils.data import make_scenes
from course_utils.detection import (
    BELOW_LOW_THRESHOLD,
    BETWEEN_THRESHOLDS,
    COCO_THRESHOLDS,
    decode_boxes,
    default_boxes,
    encode_boxes,
    interpolated_ap,
    match_anchors,
    mean_average_precision,
    multi_scale_boxes,
    noisy_detections,
    roi_pool,
    scene_targets,
    voc_ap,
)

# --- anchors ---------------------------------------------------------------------------


@pytest.mark.parametrize(("fmap", "image", "scales", "ratios"), [
    (8, 64, [12.0, 20.0], [1.0, 2.0, 0.5]),
    (4, 64, [28.0], [1.0, 3.0, 1 / 3]),
    ((3, 5), (48, 80), [10.0, 16.0, 30.0], [1.0]),
    (1, 32, [32.0], [0.25, 4.0]),
])
def test_every_default_box_has_its_area_ratio_and_centre(fmap, image, scales, ratios):
    boxes = default_boxes(fmap, image, scales=scales, ratios=ratios).double()
    fh, fw = (fmap, fmap) if isinstance(fmap, int) else fmap
    height, width = (image, image) if isinstance(image, int) else image
    assert boxes.shape == (fh * fw * len(scales) * len(ratios), 4)
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    per_cell = [(s, r) for s in scales for r in ratios]
    expected_area = torch.tensor([s * s for s, _ in per_cell] * fh * fw, dtype=torch.float64)
    expected_ratio = torch.tensor([r for _, r in per_cell] * fh * fw, dtype=torch.float64)
    torch.testing.assert_close(w * h, expected_area, rtol=1e-5, atol=0)
    torch.testing.assert_close(w / h, expected_ratio, rtol=1e-5, atol=0)
    cx, cy = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
    k = len(per_cell)
    cells = torch.arange(fh * fw).repeat_interleave(k)
    torch.testing.assert_close(cx, (cells % fw + 0.5).double() * width / fw, rtol=0, atol=1e-4)
    torch.testing.assert_close(cy, (cells // fw + 0.5).double() * height / fh, rtol=0, atol=1e-4)


def test_anchors_equal_torchvisions_anchor_generator():
    """torchvision: ratio = h / w, boxes centred on cell corners, base boxes rounded."""
    sizes, hw_ratios = (16, 32, 64), (0.25, 1.0, 4.0)  # exact under rounding
    generator = AnchorGenerator(sizes=(sizes,), aspect_ratios=(hw_ratios,))
    images = ImageList(torch.zeros(1, 3, 64, 96), [(64, 96)])
    theirs = generator(images, [torch.zeros(1, 8, 4, 6)])[0]
    ours = default_boxes((4, 6), (64, 96), scales=sizes, ratios=[1 / r for r in hw_ratios],
                         offset=0.0)
    key = lambda b: sorted(map(tuple, b.round(decimals=3).tolist()))  # noqa: E731
    assert key(ours) == key(theirs)
    # other ratios: torchvision rounds the base box to whole pixels
    generator = AnchorGenerator(sizes=((32,),), aspect_ratios=((0.5, 2.0),))
    theirs = generator(images, [torch.zeros(1, 8, 4, 6)])[0]
    ours = default_boxes((4, 6), (64, 96), scales=[32], ratios=[2.0, 0.5], offset=0.0)
    assert (torch.tensor(key(ours)) - torch.tensor(key(theirs))).abs().max() <= 0.5


def test_multi_scale_boxes_concatenate_maps():
    boxes = multi_scale_boxes([8, 4], 64, scales=[[12], [28, 40]], ratios=[1, 2])
    assert boxes.shape == (64 * 2 + 16 * 4, 4)
    torch.testing.assert_close(boxes[128:], default_boxes(4, 64, scales=[28, 40], ratios=[1, 2]))
    with pytest.raises(ValueError, match="one list of scales per feature map"):
        multi_scale_boxes([8, 4], 64, scales=[[12]])


@pytest.mark.parametrize(("call", "message"), [
    (lambda: default_boxes(0, 64, scales=[8]), "feature_size must be >= 1"),
    (lambda: default_boxes(4, 64, scales=[]), "non-empty list of positive"),
    (lambda: default_boxes(4, 64, scales=[8], ratios=[-1]), "ratios must be a non-empty"),
    (lambda: default_boxes(4, 64, scales=[float("nan")]), "finite"),
    (lambda: default_boxes((4, 4, 4), 64, scales=[8]), r"one number or \(height, width\)"),
])
def test_anchor_bad_inputs(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- matching --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(40))
def test_match_anchors_equals_torchvisions_matcher(seed):
    rng = np.random.default_rng(seed)
    anchors = default_boxes(int(rng.integers(2, 9)), 64, scales=[10, 20, 36], ratios=[1, 2, .5])
    scene = make_scenes(1, seed=seed, max_objects=4)[0]
    gt = torch.as_tensor(scene.boxes)
    high, low = float(rng.choice([0.5, 0.7])), float(rng.choice([0.3, 0.4]))
    for low_quality in (True, False):
        ours = match_anchors(anchors, gt, high=high, low=low,
                             allow_low_quality_matches=low_quality)
        theirs = Matcher(high, low, allow_low_quality_matches=low_quality)(tv.box_iou(gt, anchors))
        assert torch.equal(ours, theirs)
        if low_quality:  # every object's best anchor is positive
            assert (ours[tv.box_iou(gt, anchors).argmax(dim=1)] >= 0).all()


def test_match_anchors_hand_worked_and_edges():
    anchors = torch.tensor([[0.0, 0, 10, 10], [0, 0, 10, 4.5], [50, 50, 60, 60],
                            [0, 0, 10, 6]])
    gt = torch.tensor([[0.0, 0, 10, 10], [50, 50, 52, 52]])
    # IoUs with gt 0: 1, 0.45, 0, 0.6; gt 1 overlaps anchor 2 by 4 / 100
    matches = match_anchors(anchors, gt, high=0.5, low=0.4, allow_low_quality_matches=False)
    assert matches.tolist() == [0, BETWEEN_THRESHOLDS, BELOW_LOW_THRESHOLD, 0]
    assert match_anchors(anchors, gt).tolist() == [0, BETWEEN_THRESHOLDS, 1, 0]  # best anchor
    assert match_anchors(anchors, torch.zeros(0, 4)).tolist() == [BELOW_LOW_THRESHOLD] * 4
    far = torch.tensor([[100.0, 100, 110, 110]])  # overlaps nothing: forces nothing
    assert match_anchors(anchors, far).tolist() == [BELOW_LOW_THRESHOLD] * 4
    with pytest.raises(ValueError, match="low must be <= 0.5"):
        match_anchors(anchors, gt, high=0.5, low=0.6)


# --- encoding / decoding ---------------------------------------------------------------


@pytest.mark.parametrize("weights", [(1.0, 1.0, 1.0, 1.0), (10.0, 10.0, 5.0, 5.0)])
def test_encode_decode_against_box_coder_and_round_trip(weights):
    rng = np.random.default_rng(0)
    for _ in range(50):
        n = int(rng.integers(1, 40))
        xy = rng.uniform(-20, 60, (n, 2))
        anchors = torch.tensor(np.concatenate([xy, xy + rng.uniform(1, 40, (n, 2))], 1))
        xy = rng.uniform(-20, 60, (n, 2))
        boxes = torch.tensor(np.concatenate([xy, xy + rng.uniform(0.5, 50, (n, 2))], 1))
        coder = BoxCoder(weights)
        deltas = encode_boxes(boxes, anchors, weights=weights)
        torch.testing.assert_close(deltas, coder.encode_single(boxes, anchors))
        torch.testing.assert_close(decode_boxes(deltas, anchors, weights=weights), boxes)
        raw = torch.tensor(rng.normal(0, 3, (n, 4)))  # includes dw beyond the clip
        torch.testing.assert_close(decode_boxes(raw, anchors, weights=weights),
                                   coder.decode_single(raw, anchors))


def test_encode_hand_worked():
    anchor = torch.tensor([[0.0, 0.0, 10.0, 20.0]])  # centre (5, 10), 10 x 20
    box = torch.tensor([[5.0, 0.0, 15.0, 40.0]])  # centre (10, 20), 10 x 40
    torch.testing.assert_close(encode_boxes(box, anchor), torch.tensor([[0.5, 0.5, 0.0,
                                                                          math.log(2)]]))


@pytest.mark.parametrize(("call", "message"), [
    (lambda: encode_boxes([[0.0, 0, 0, 5]], [[0.0, 0, 4, 4]]), r"boxes\[0\].*zero width"),
    (lambda: encode_boxes([[0.0, 0, 1, 5]], [[0.0, 0, 4, 4], [0, 0, 2, 2]]), "one anchor per"),
    (lambda: decode_boxes([[0.0, float("nan"), 0, 0]], [[0.0, 0, 4, 4]]), "finite"),
    (lambda: decode_boxes([[0.0, 0, 0, 0]], [[0.0, 0, 4, 4]], weights=(1, 1, 0, 1)), "positive"),
    (lambda: decode_boxes([[0.0, 0, 0]], [[0.0, 0, 4, 4]]), r"shape \(N, 4\)"),
])
def test_coding_bad_inputs(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- RoI pooling -----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("output_size", [1, 2, (3, 4), 7])
@pytest.mark.parametrize("spatial_scale", [1.0, 0.5, 0.25, 1 / 3])
def test_roi_pool_equals_torchvision(dtype, output_size, spatial_scale):
    gen = torch.Generator().manual_seed(0)
    for _ in range(20):
        x = torch.randn(2, 3, 9, 11, dtype=dtype, generator=gen)
        k = 6
        xy = torch.rand(k, 2, dtype=dtype, generator=gen) * 60 - 10  # some outside the map
        wh = torch.rand(k, 2, dtype=dtype, generator=gen) * 40
        wh[0] = 0  # a point
        rois = torch.cat([torch.randint(0, 2, (k, 1), generator=gen).to(dtype), xy, xy + wh], 1)
        ours = roi_pool(x, rois, output_size, spatial_scale)
        assert torch.equal(ours, tv.roi_pool(x, rois, output_size, spatial_scale))


def test_roi_pool_gradient_and_list_form_match_torchvision():
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(2, 4, 16, 16, generator=gen, requires_grad=True)
    boxes = [torch.tensor([[0.0, 0, 30, 30], [10, 20, 50, 60]]), torch.tensor([[4.0, 4, 40, 20]])]
    weights = torch.randn(3, 4, 3, 3, generator=gen)  # a different gradient per output
    ours, theirs = roi_pool(x, boxes, 3, 0.25), tv.roi_pool(x, boxes, 3, 0.25)
    (grad_ours,) = torch.autograd.grad((ours * weights).sum(), x)
    (grad_theirs,) = torch.autograd.grad((theirs * weights).sum(), x)
    assert torch.equal(ours, theirs)
    torch.testing.assert_close(grad_ours, grad_theirs, rtol=0, atol=1e-6)  # sums in any order
    assert roi_pool(x, torch.zeros(0, 5), 2).shape == (0, 4, 2, 2)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: roi_pool(torch.zeros(1, 1, 4, 4), [[2.0, 0, 0, 2, 2]], 2), r"boxes\[0, 0\] = 2"),
    (lambda: roi_pool(torch.zeros(1, 1, 4, 4), [[0.0, 0, 0, 2]], 2), r"shape \(N, 5\)"),
    (lambda: roi_pool(torch.zeros(1, 4, 4), [[0.0, 0, 0, 2, 2]], 2),
     r"input must have shape \(N, C, H, W\)"),
    (lambda: roi_pool(torch.zeros(1, 1, 4, 4), [[0.0, 0, 0, 2, 2]], 0), "output_size"),
    (lambda: roi_pool(torch.zeros(1, 1, 4, 4), [[0, 0, 0, 2, 2]], 2, -1), "spatial_scale"),
])
def test_roi_pool_bad_inputs(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- mAP against a slow reference --------------------------------------------------------


def slow_iou(a, b):
    """IoU of two (x1, y1, x2, y2) boxes, in plain Python."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(w, 0) * max(h, 0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def slow_average_precision(predictions, targets, label, threshold):
    """COCO's AP for one class and IoU threshold, from its definition, one box at a time.

    Detections of all images in one list, by decreasing score (ties: image, then the
    detection's rank in its image); each takes the unmatched ground-truth box of its image
    with the highest IoU >= threshold. AP is the mean over recall levels r = 0, .01, .., 1
    of max{precision(r') : r' >= r} (0 if no recall reaches r). None without ground truth.
    """
    gts = {i: [list(map(float, b)) for b, c in zip(t["boxes"].tolist(), t["labels"].tolist(),
                                                   strict=True) if c == label]
           for i, t in enumerate(targets)}
    n_gt = sum(len(g) for g in gts.values())
    if n_gt == 0:
        return None
    dets = []
    for i, p in enumerate(predictions):
        mine = [(s, b) for b, s, c in zip(p["boxes"].tolist(), p["scores"].tolist(),
                                          p["labels"].tolist(), strict=True) if c == label]
        ranked = sorted(range(len(mine)), key=lambda k: -mine[k][0])  # stable
        dets += [(mine[k][0], i, rank, mine[k][1]) for rank, k in enumerate(ranked)]
    dets.sort(key=lambda d: (-d[0], d[1], d[2]))
    used = {i: [False] * len(g) for i, g in gts.items()}
    tp = fp = 0
    points = []
    for _, image, _, box in dets:
        best, best_iou = None, threshold
        for g, gt_box in enumerate(gts[image]):
            iou = slow_iou(box, gt_box)
            if not used[image][g] and iou >= best_iou:
                if best is None or iou > best_iou:
                    best, best_iou = g, iou
        if best is None:
            fp += 1
        else:
            used[image][best] = True
            tp += 1
        points.append((tp / n_gt, tp / (tp + fp)))
    total = 0.0
    for r in np.linspace(0, 1, 101):  # COCO's recall levels
        reached = [p for rec, p in points if rec >= r]
        total += max(reached) if reached else 0.0
    return total / 101


def slow_map(predictions, targets, classes, thresholds):
    aps = [[slow_average_precision(predictions, targets, c, t) for t in thresholds]
           for c in classes]
    rows = [row for row in aps if row[0] is not None]
    return np.mean([v for row in rows for v in row]), np.mean([row[0] for row in rows])


def generated(seed, n_images=25, **kwargs):
    scenes = make_scenes(n_images, seed=seed, max_objects=4)
    targets = scene_targets(scenes)
    return noisy_detections(targets, seed=seed, **kwargs), targets


@pytest.mark.parametrize("seed", range(12))
def test_map_equals_slow_reference_on_generated_predictions(seed):
    rng = np.random.default_rng(seed)
    predictions, targets = generated(seed, miss=rng.uniform(0, 0.3), jitter=rng.uniform(0.02,
                                     0.2), false_positives=rng.uniform(0, 3))
    if seed % 3 == 0:  # ties in scores
        for p in predictions:
            p["scores"] = (p["scores"] * 4).round() / 4
    ours = mean_average_precision(predictions, targets, classes=(1, 2, 3))
    ref_map, ref_map50 = slow_map(predictions, targets, (1, 2, 3), COCO_THRESHOLDS)
    assert ours.map == pytest.approx(ref_map, abs=1e-9)
    assert ours.map50 == pytest.approx(ref_map50, abs=1e-9)
    for row, c in enumerate(ours.classes):
        for t, threshold in enumerate(COCO_THRESHOLDS):
            ref = slow_average_precision(predictions, targets, c, threshold)
            assert ours.ap[row, t] == pytest.approx(ref, abs=1e-9)


def test_map_hand_worked_cases():
    gt = [{"boxes": torch.tensor([[0.0, 0, 10, 10]]), "labels": torch.tensor([1])}]
    box = torch.tensor([[0.0, 0, 10, 10], [30.0, 30, 40, 40]])

    def preds(scores, labels=(1, 1)):
        return [{"boxes": box, "scores": torch.tensor(scores), "labels": torch.tensor(labels)}]

    assert mean_average_precision(preds([0.9, 0.8]), gt).map == 1.0  # TP first: perfect
    assert mean_average_precision(preds([0.8, 0.9]), gt).map == 0.5  # FP first: precision 1/2
    assert mean_average_precision(preds([0.8, 0.9], (1, 2)), gt).map == 1.0  # FP of a class
    empty = [{"boxes": torch.zeros(0, 4), "scores": torch.zeros(0), "labels": torch.zeros(0)}]
    assert mean_average_precision(empty, gt).map == 0.0  # nothing found
    shifted = [{"boxes": torch.tensor([[0.0, 0, 10, 7.5]]), "scores": torch.tensor([1.0]),
                "labels": torch.tensor([1])}]  # IoU 0.75: a hit at 0.5..0.75, a miss above
    result = mean_average_precision(shifted, gt)
    assert result.ap[0].tolist() == [1.0] * 6 + [0.0] * 4 and result.map == 0.6
    assert result.map50 == 1.0
    # two of three objects found, both ranked first: precision 1 up to recall 2/3
    assert interpolated_ap(np.array([1 / 3, 2 / 3]), np.array([1.0, 1.0])) == 67 / 101


def _slow_voc_ap(recall, precision, eleven_point):
    """VOC's devkit (VOCevalcls / voc_eval.py), written out as the devkit does it."""
    if eleven_point:
        pairs = list(zip(recall, precision, strict=True))
        return sum(max([p for r, p in pairs if r >= level], default=0.0)
                   for level in np.linspace(0, 1, 11)) / 11
    mrec, mpre = [0.0, *recall, 1.0], [0.0, *precision, 0.0]
    for i in range(len(mpre) - 2, -1, -1):
        mpre[i] = max(mpre[i], mpre[i + 1])
    return sum((mrec[i + 1] - mrec[i]) * mpre[i + 1] for i in range(len(mrec) - 1)
               if mrec[i + 1] != mrec[i])


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("eleven_point", [False, True])
def test_voc_ap_equals_the_devkit_formula(seed, eleven_point):
    targets = scene_targets(make_scenes(20, seed=seed, max_objects=4))
    result = mean_average_precision(noisy_detections(targets, seed=seed), targets)
    for curve in result.curves.values():
        ours = voc_ap(curve.recall, curve.precision, eleven_point=eleven_point)
        slow = _slow_voc_ap(curve.recall.tolist(), curve.precision.tolist(), eleven_point)
        assert ours == pytest.approx(slow, abs=1e-12)


def test_voc_and_coco_ap_hand_worked():
    recall, precision = np.array([1 / 3, 2 / 3]), np.array([1.0, 1.0])
    assert voc_ap(recall, precision) == pytest.approx(2 / 3)  # area up to recall 2/3
    assert voc_ap(recall, precision, eleven_point=True) == pytest.approx(7 / 11)  # 0, .., 0.6
    assert interpolated_ap(recall, precision) == 67 / 101  # 0, 0.01, .., 0.66
    assert voc_ap(np.zeros(0), np.zeros(0)) == 0.0


def test_duplicate_detections_are_false_positives():
    gt = [{"boxes": torch.tensor([[0.0, 0, 10, 10]]), "labels": torch.tensor([1])}]
    dup = [{"boxes": torch.tensor([[0.0, 0, 10, 10], [0.0, 0, 10, 10]]),
            "scores": torch.tensor([0.9, 0.8]), "labels": torch.tensor([1, 1])}]
    curve = mean_average_precision(dup, gt).curves[1, 0.5]
    assert curve.precision.tolist() == [1.0, 0.5] and curve.recall.tolist() == [1.0, 1.0]


@pytest.mark.parametrize(("call", "message"), [
    (lambda p, t: mean_average_precision(p[:2], t), "2 predictions but 25 targets"),
    (lambda p, t: mean_average_precision([{"boxes": torch.zeros(1, 4), "scores": torch.zeros(2),
                                           "labels": torch.zeros(1)}], t[:1]), "1 boxes, 2 scores"),
    (lambda p, t: mean_average_precision([{"boxes": torch.tensor([[0.0, 0, -1, 1]]),
                                           "scores": torch.ones(1), "labels": torch.ones(1)}],
                                         t[:1]), r"predictions\[0\]\['boxes'\]\[0\]"),
    (lambda p, t: mean_average_precision([{"boxes": torch.zeros(1, 4), "scores": torch.tensor(
        [float("nan")]), "labels": torch.ones(1)}], t[:1]), "finite"),
    (lambda p, t: mean_average_precision([{"boxes": torch.zeros(1, 4)}], t[:1]), "dict with"),
    (lambda p, t: mean_average_precision(p, t, iou_thresholds=[-0.5]), "iou_thresholds must"),
    (lambda p, t: mean_average_precision(p, t, iou_thresholds=[]), "at least one"),
])
def test_map_bad_inputs(call, message):
    predictions, targets = generated(0)
    with pytest.raises(ValueError, match=message):
        call(predictions, targets)


def test_interpolated_ap_refuses_nan_and_unsorted_recall():
    with pytest.raises(ValueError, match=r"recall must be finite \(no NaN or inf\), but "
                                         r"recall\[0\] is nan"):
        interpolated_ap([np.nan], [1.0])  # used to return 1.0
    with pytest.raises(ValueError, match=r"recall must be non-decreasing .*but recall\[1\] = "
                                         r"0.2 < recall\[0\] = 0.5: sort the detections by "
                                         r"score first"):
        interpolated_ap([0.5, 0.2], [1.0, 1.0])
    with pytest.raises(ValueError, match="recall must be non-decreasing"):
        voc_ap([0.5, 0.2], [1.0, 1.0])
    with pytest.raises(ValueError, match=r"recall and precision must have the same length"):
        interpolated_ap([0.2, 0.5], [1.0])
    # hand-worked: precision 1 until recall 1/2, then 1/2 until 1: 51 levels at 1, 50 at 1/2
    assert interpolated_ap([0.5, 0.5, 1.0], [1.0, 0.5, 2 / 3]) == pytest.approx(
        (51 * 1 + 50 * 2 / 3) / 101)


def test_map_takes_a_bare_float_as_one_threshold():
    gt = [{"boxes": torch.tensor([[0.0, 0, 10, 10]]), "labels": torch.tensor([1])}]
    shifted = [{"boxes": torch.tensor([[0.0, 0, 10, 7.5]]), "scores": torch.tensor([1.0]),
                "labels": torch.tensor([1])}]  # IoU 0.75
    for t, expected in [(0.5, 1.0), (0.8, 0.0), (np.float64(0.5), 1.0)]:
        bare = mean_average_precision(shifted, gt, iou_thresholds=t)
        listed = mean_average_precision(shifted, gt, iou_thresholds=[float(t)])
        assert bare.map == listed.map == expected
    with pytest.raises(ValueError, match=r"iou_thresholds must be <= 1.0, got 50"):
        mean_average_precision(shifted, gt, iou_thresholds=50)


def test_detection_dict_applies_per_class_nms_and_the_limit():
    import torchvision

    from course_utils.detection import detection_dict

    boxes = torch.tensor([[0, 0, 10, 10], [1, 1, 10, 10], [0, 0, 10, 10], [20, 20, 30, 30]],
                         dtype=torch.float32)
    scores = torch.tensor([0.9, 0.8, 0.7, 0.6])
    labels = torch.tensor([1, 1, 2, 1])
    kept = detection_dict(boxes, scores, labels, nms_iou=0.5)
    expected = torchvision.ops.batched_nms(boxes, scores, labels, 0.5)
    assert torch.equal(kept["scores"], scores[expected])
    assert torch.equal(kept["labels"], labels[expected])
    assert len(detection_dict(boxes, scores, labels, nms_iou=0.5, limit=2)["boxes"]) == 2
    untouched = detection_dict(boxes, scores, labels)
    assert untouched["boxes"] is boxes
