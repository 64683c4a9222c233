"""Widget of notebook 12: a detector's raw boxes, non-maximum suppression and matching."""

from __future__ import annotations

import html

import ipywidgets as widgets
import torch

from course_utils.boxes import batched_nms, box_iou
from course_utils.data.scenes import make_scenes, scenes_to_tensors
from course_utils.detection import match_detections, noisy_detections, scene_targets
from course_utils.detectors import detect
from course_utils.plotting.base import draw_box
from course_utils.plotting.detection import SHAPE_COLOURS, class_name, draw_detections
from course_utils.widgets.base import FigureImage, Widget, new_control


def match_boxes(detections: dict, target: dict, *, iou_threshold: float = 0.5) -> list[dict]:
    """Each detection's verdict at ``iou_threshold``, COCO's greedy matching per class.

    Returns one row per detection (in the given order): its label and score, the index of
    the ground-truth box it matched (or None), the IoU with that box (or, for a false
    positive, with the closest box of its class), and "TP" / "FP".
    """
    rows = [{} for _ in range(len(detections["boxes"]))]
    for c in sorted(set(detections["labels"].tolist())):
        mine = torch.nonzero(detections["labels"] == c).flatten()
        gt_index = torch.nonzero(target["labels"] == c).flatten()
        gt = target["boxes"][gt_index]
        order, matched = match_detections(detections["boxes"][mine], detections["scores"][mine],
                                          gt, [iou_threshold])
        iou = box_iou(detections["boxes"][mine], gt) if len(gt) else None
        for rank, i in enumerate(order.tolist()):
            j = int(matched[0, rank])
            best = 0.0 if iou is None else float(iou[i].max())
            rows[int(mine[i])] = {"label": int(c), "score": float(detections["scores"][mine[i]]),
                                  "gt": int(gt_index[j]) if j >= 0 else None,
                                  "iou": float(iou[i, j]) if j >= 0 else best,
                                  "verdict": "TP" if j >= 0 else "FP"}
    return rows


class DetectionExplorer(Widget):
    """Pick a held-out scene; move the score threshold and the NMS IoU threshold.

    Left: every raw box scoring at least the threshold (what the grid predicts, duplicates
    and all). Right: the boxes non-maximum suppression keeps, each labelled with its IoU
    with the ground-truth box it matches (dashed, white). Without a model it shows an
    imitation detector's output (``noisy_detections`` with many duplicates).
    """

    PRESETS = {
        "default": {"scene": 0, "score": 0.3, "nms_iou": 0.5},
        "no suppression": {"scene": 0, "score": 0.1, "nms_iou": 1.0},
        "too strict": {"scene": 0, "score": 0.1, "nms_iou": 0.05},
    }

    def __init__(self, model=None, scenes=None, *, scene: int = 0, score: float = 0.3,
                 nms_iou: float = 0.5):
        self.model = model
        self.scenes = list(scenes) if scenes is not None else make_scenes(12, seed=2024,
                                                                          max_objects=4)
        self.images = scenes_to_tensors(self.scenes)[0]
        self.targets = scene_targets(self.scenes)
        self._cache: dict[int, dict] = {}
        cont = dict(continuous_update=False)
        self.scene = new_control(widgets.IntSlider, "scene", value=scene, min=0,
                                 max=len(self.scenes) - 1, description="scene", **cont)
        self.score = new_control(widgets.FloatSlider, "score", value=score, min=0.05, max=0.95,
                                 step=0.05, description="score ≥", **cont)
        self.nms_iou = new_control(widgets.FloatSlider, "nms_iou", value=nms_iou, min=0.0, max=1.0,
                                   step=0.05, description="NMS IoU >", **cont)
        self.status, self.table = widgets.HTML(), widgets.HTML()
        self.plot = FigureImage((8.4, 4.4), ncols=2)
        self.box = widgets.VBox([widgets.HBox([self.scene, self.score, self.nms_iou]),
                                 self.status, self.plot.image, self.table])
        for control in (self.scene, self.score, self.nms_iou):
            control.observe(self._redraw, names="value")
        self._redraw()

    def _raw(self, i: int) -> dict:
        """Every box of scene ``i`` before thresholds and NMS (cached)."""
        if i not in self._cache:
            if self.model is None:
                self._cache[i] = noisy_detections(self.targets[i:i + 1], seed=i, duplicates=0.9,
                                                  jitter=0.08, false_positives=3)[0]
            else:
                self._cache[i] = detect(self.model, self.images[i:i + 1], score_threshold=0.05,
                                        nms_iou=None, top_k=100)[0]
        return self._cache[i]

    def _redraw(self, change=None) -> None:
        i = self.scene.value
        raw = self._raw(i)
        above = raw["scores"] >= self.score.value
        self.raw = {k: v[above] for k, v in raw.items()}
        kept = batched_nms(self.raw["boxes"], self.raw["scores"], self.raw["labels"],
                           self.nms_iou.value)
        self.kept = {k: v[kept] for k, v in self.raw.items()}
        self.matches = match_boxes(self.kept, self.targets[i])
        left, right = self.plot.axes
        for ax in (left, right):
            ax.clear()
        draw_detections(left, self.scenes[i].image, self.raw, labels=False,
                        title=f"raw: {len(self.raw['boxes'])} boxes with score ≥ "
                              f"{self.score.value:.2f}")
        draw_detections(right, self.scenes[i].image, None, targets=self.targets[i],
                        title=f"after NMS: {len(kept)} kept")
        for n, (box, row) in enumerate(zip(self.kept["boxes"].numpy(), self.matches,
                                           strict=True)):
            colour = SHAPE_COLOURS[row["label"]] if row["verdict"] == "TP" else "#ff3030"
            draw_box(right, box, label=f"{n}: {row['iou']:.2f}", colour=colour)
        self._status(i)
        self.plot.render()

    def _status(self, i: int) -> None:
        tp = sum(r["verdict"] == "TP" for r in self.matches)
        n_gt = len(self.targets[i]["boxes"])
        self.status.value = (f"{n_gt} objects · {len(self.raw['boxes'])} raw boxes → "
                             f"<b>{len(self.matches)}</b> after NMS: <b>{tp}</b> true positives "
                             f"(IoU ≥ 0.5 with an unmatched object of their class), "
                             f"<b>{len(self.matches) - tp}</b> false positives, "
                             f"{n_gt - tp} objects missed")
        cells = "".join(
            f"<tr><td>{n}</td><td style='color:{SHAPE_COLOURS[r['label']]}'>"
            f"{html.escape(class_name(r['label']))}</td><td>{r['score']:.2f}</td>"
            f"<td>{'-' if r['gt'] is None else r['gt']}</td><td>{r['iou']:.2f}</td>"
            f"<td>{r['verdict']}</td></tr>" for n, r in enumerate(self.matches))
        self.table.value = ("<table><thead><tr><th>box</th><th>class</th><th>score</th>"
                            "<th>matched object</th><th>IoU</th><th>at IoU 0.5</th></tr></thead>"
                            f"<tbody>{cells}</tbody></table>") if self.matches else ""
