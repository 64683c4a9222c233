"""YOLO v1's targets, loss and decoding against slow loops written from the paper."""

import math

import numpy as np
import pytest
import torch

from course_utils.boxes import box_iou
from course_utils.data import make_scenes, scenes_to_tensors
from course_utils.detection import mean_average_precision, scene_targets
from course_utils.yolo import (
    YOLOv1,
    decode_yolo,
    train_yolo,
    yolo_detect,
    yolo_loss,
    yolo_targets,
    yolo_to_xyxy,
)

SCENES = make_scenes(24, seed=7, max_objects=4)


def test_outputs_have_the_grid_shapes():
    boxes, cls = YOLOv1()(torch.rand(3, 3, 64, 64))
    assert boxes.shape == (3, 8, 8, 2, 5) and cls.shape == (3, 8, 8, 3)
    assert ((boxes >= 0) & (boxes <= 1)).all()
    torch.testing.assert_close(cls.sum(-1), torch.ones(3, 8, 8))


def test_targets_decode_back_to_the_objects_in_their_centre_cells():
    _, _, boxes, labels = scenes_to_tensors(SCENES)
    obj, box, cls = yolo_targets(boxes, labels)
    xyxy = yolo_to_xyxy(box)
    for i, s in enumerate(SCENES):
        found = xyxy[i][obj[i]]
        iou = box_iou(found, torch.as_tensor(s.boxes))
        assert (iou.max(1).values > 0.999).all()  # every positive cell is one object exactly
        centres = (s.boxes[:, :2] + s.boxes[:, 2:]) / 2
        cells = {(int(cy // 8), int(cx // 8)) for cx, cy in centres}
        assert len(found) == len(cells)  # one per occupied cell
        for (row, col) in cells:
            assert obj[i, row, col] and 1 <= cls[i, row, col] <= 3


def test_shared_cell_keeps_the_larger_object():
    boxes = torch.tensor([[[10.0, 10, 14, 14], [4, 4, 20, 20]]])  # both centres in cell (1, 1)
    obj, box, cls = yolo_targets(boxes, torch.tensor([[1, 2]]))
    assert obj.sum() == 1 and cls[0, 1, 1] == 2
    torch.testing.assert_close(yolo_to_xyxy(box)[0, 1, 1], boxes[0, 1])


def slow_yolo_loss(pred_boxes, pred_cls, obj, box, cls, lc=5.0, ln=0.5, size=64):
    """The paper's sum, one cell and one box at a time, in Python floats."""
    n, s, _, b, _ = pred_boxes.shape
    cell, total = size / s, 0.0

    def corners(x, y, sw, sh, row, col):
        cx, cy, w, h = (x + col) * cell, (y + row) * cell, sw * sw * size, sh * sh * size
        return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2

    def iou(p, q):
        iw = max(0.0, min(p[2], q[2]) - max(p[0], q[0]))
        ih = max(0.0, min(p[3], q[3]) - max(p[1], q[1]))
        inter = iw * ih
        union = (p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1]) - inter
        return inter / max(union, 1e-6)

    for i in range(n):
        for row in range(s):
            for col in range(s):
                preds = pred_boxes[i, row, col].tolist()
                if not obj[i, row, col]:
                    total += ln * sum(p[4] ** 2 for p in preds)
                    continue
                t = box[i, row, col].tolist()
                gt = corners(*t, row, col)
                ious = [iou(corners(*p[:4], row, col), gt) for p in preds]
                j = ious.index(max(ious))
                for k, p in enumerate(preds):
                    if k != j:
                        total += ln * p[4] ** 2
                        continue
                    total += lc * ((p[0] - t[0]) ** 2 + (p[1] - t[1]) ** 2)
                    total += lc * ((p[2] - t[2]) ** 2 + (p[3] - t[3]) ** 2)
                    total += (p[4] - ious[j]) ** 2
                for c in range(pred_cls.shape[-1]):
                    want = 1.0 if cls[i, row, col] == c + 1 else 0.0
                    total += (pred_cls[i, row, col, c].item() - want) ** 2
    return total / n


@pytest.mark.parametrize("seed", [0, 1])
def test_loss_equals_the_papers_sum_written_as_loops(seed):
    _, _, boxes, labels = scenes_to_tensors(SCENES[:4])
    obj, box, cls = yolo_targets(boxes, labels)
    g = torch.Generator().manual_seed(seed)
    pred_boxes = torch.rand(4, 8, 8, 2, 5, generator=g)
    pred_cls = torch.softmax(torch.randn(4, 8, 8, 3, generator=g), -1)
    loss = yolo_loss(pred_boxes, pred_cls, obj, box, cls)
    assert loss.item() == pytest.approx(slow_yolo_loss(pred_boxes, pred_cls, obj, box, cls),
                                        rel=1e-5)


def test_loss_is_zero_for_perfect_outputs_only():
    _, _, boxes, labels = scenes_to_tensors(SCENES[:4])
    obj, box, cls = yolo_targets(boxes, labels)
    pred = torch.zeros(4, 8, 8, 2, 5)
    pred[..., 0, :4] = box
    pred[..., 0, 4] = obj.float()  # IoU 1 with itself
    pred[..., 1, :4] = box  # the second box agrees too but has confidence 0
    probs = torch.nn.functional.one_hot(cls, 4)[..., 1:].float()
    assert yolo_loss(pred, probs, obj, box, cls).item() == pytest.approx(0.0, abs=1e-6)
    pred[0, 0, 0, 1, 4] = 0.5
    assert yolo_loss(pred, probs, obj, box, cls).item() > 0


def test_perfect_outputs_decode_to_the_ground_truth_where_cells_are_not_shared():
    scenes = [s for s in SCENES if len({(int((b[1] + b[3]) / 16), int((b[0] + b[2]) / 16))
                                        for b in s.boxes}) == len(s.boxes)]
    _, _, boxes, labels = scenes_to_tensors(scenes)
    obj, box, cls = yolo_targets(boxes, labels)
    pred = torch.zeros(len(scenes), 8, 8, 2, 5)
    pred[..., 0, :4], pred[..., 0, 4] = box, obj.float()
    probs = torch.nn.functional.one_hot(cls, 4)[..., 1:].float()
    found = decode_yolo(pred, probs, score_threshold=0.5)
    assert mean_average_precision(found, scene_targets(scenes)).map == pytest.approx(1.0)


def test_bad_input_gets_clear_errors():
    with pytest.raises(ValueError, match=r"\[N, 3, H, W\]"):
        yolo_detect(YOLOv1(), torch.rand(3, 64, 64))
    with pytest.raises(ValueError, match="divides by 8"):
        yolo_detect(YOLOv1(), torch.rand(1, 3, 60, 60))
    with pytest.raises(ValueError, match=r"labels must be class ids 0..3 \(0 = padding"):
        yolo_targets(torch.tensor([[[1.0, 1, 9, 9]]]), torch.tensor([[5]]))


def test_short_training_lowers_the_loss_and_repeats_exactly():
    runs = [train_yolo(SCENES, SCENES[:8], steps=16, batch_size=8, eval_every=16, seed=2)
            for _ in range(2)]
    loss = runs[0].log.loss
    assert math.isfinite(loss[-1]) and np.mean(loss[-4:]) < 0.7 * np.mean(loss[:4])
    assert loss == runs[1].log.loss and runs[0].checkpoints == [
        c._replace(cpu_seconds=a.cpu_seconds, wall_seconds=a.wall_seconds)
        for c, a in zip(runs[1].checkpoints, runs[0].checkpoints, strict=True)]
