"""Widget of notebook 11: Faster R-CNN's two stages on a held-out scene, untrained or trained."""

from __future__ import annotations

from functools import lru_cache

import ipywidgets as widgets

from course_utils.data.scenes import make_scenes, scenes_to_tensors
from course_utils.plotting.rcnn import StagePanels
from course_utils.rcnn import covered, train_rcnn, two_stages, untrained_faster_rcnn
from course_utils.widgets.base import FigureImage, Widget, new_control

MODELS = ("untrained", "trained")
QUICK_STEPS = 80  # the stand-in model's training when none is passed (a few CPU seconds)


@lru_cache(maxsize=1)
def quick_models():
    """(untrained, trained) stand-ins for ``TwoStageExplorer()`` without models: the seed-0
    model and the same model trained ``QUICK_STEPS`` steps on 600 scenes (built once)."""
    run = train_rcnn(make_scenes(600, seed=1, max_objects=4), steps=QUICK_STEPS, seed=0)
    return untrained_faster_rcnn(seed=0), run.model


class TwoStageExplorer(Widget):
    """Pick a held-out scene and a model (an untrained or a trained copy of the same Faster
    R-CNN); move how many of the RPN's proposals to show (the top k by objectness) and the
    final score threshold. Left: the proposals (first stage); right: the box head's refined,
    classified detections (second stage); ground truth dashed.

    Both stages of each (model, scene) are computed once and kept: a redraw only draws.
    Without models it trains a quick stand-in (``quick_models``).
    """

    PRESETS = {
        "trained: a few proposals cover every object": {"scene": 0, "model": "trained",
                                                        "top_k": 10, "score": 0.5},
        "untrained: proposals anywhere, no detections": {"scene": 0, "model": "untrained",
                                                         "top_k": 10, "score": 0.5},
        "every proposal, every detection": {"scene": 0, "model": "trained", "top_k": 100,
                                            "score": 0.05},
    }

    def __init__(self, trained=None, untrained=None, scenes=None, *, scene: int = 0,
                 model: str = "trained", top_k: int = 10, score: float = 0.5):
        if (trained is None) != (untrained is None):
            raise ValueError("pass both trained and untrained models (copies of one model, "
                             "e.g. train_rcnn(...).model and untrained_faster_rcnn()), or "
                             "neither")
        if trained is None:
            untrained, trained = quick_models()
        self.models = {"untrained": untrained.eval(), "trained": trained.eval()}
        self.scenes = list(scenes) if scenes is not None else make_scenes(12, seed=2,
                                                                          max_objects=4)
        if not self.scenes:
            raise ValueError("scenes must hold at least one scene")
        self.images = scenes_to_tensors(self.scenes)[0]
        self._cache: dict[tuple[str, int], dict] = {}
        cont = dict(continuous_update=False)
        self.scene = new_control(widgets.IntSlider, "scene", value=scene, min=0,
                                 max=len(self.scenes) - 1, description="scene", **cont)
        self.model = new_control(widgets.ToggleButtons, "model", options=MODELS, value=model,
                                 description="model")
        self.top_k = new_control(widgets.IntSlider, "top_k", value=top_k, min=1, max=100,
                                 description="proposals", **cont)
        self.score = new_control(widgets.FloatSlider, "score", value=score, min=0.05,
                                 max=0.95, step=0.05, description="score ≥", **cont)
        self.status = widgets.HTML()
        self.plot = FigureImage((8.4, 4.4), ncols=2)
        self.panels = StagePanels(self.plot.axes, self.scenes[0].image)
        self.box = widgets.VBox([widgets.HBox([self.scene, self.model]),
                                 widgets.HBox([self.top_k, self.score]), self.status,
                                 self.plot.image])
        for control in (self.scene, self.model, self.top_k, self.score):
            control.observe(self._redraw, names="value")
        self._redraw()

    def stages(self, model: str, i: int) -> dict:
        """``two_stages`` of scene ``i`` through the ``model`` copy (cached)."""
        if (model, i) not in self._cache:
            self._cache[model, i] = two_stages(self.models[model], self.images[i])
        return self._cache[model, i]

    def _redraw(self, change=None) -> None:
        i, name, k = self.scene.value, self.model.value, self.top_k.value
        scene, stages = self.scenes[i], self.stages(name, i)
        self.top = stages["proposals"][:k]
        self.covered = covered(self.top, scene.boxes)
        self.detections = self.panels.update(
            scene.image, stages, scene.boxes, top=k, min_score=self.score.value,
            titles=(f"{name} RPN: top {len(self.top)} proposals",
                    f"{name} box head: score ≥ {self.score.value:.2f}"))
        found = covered(self.detections["boxes"], scene.boxes)
        self.status.value = (
            f"scene {i}: {len(scene.boxes)} objects · the top {len(self.top)} proposals cover "
            f"<b>{self.covered.sum()}</b> of them at IoU ≥ 0.5 · "
            f"<b>{len(self.detections['boxes'])}</b> detections with score ≥ "
            f"{self.score.value:.2f}, on <b>{found.sum()}</b> of the objects")
        self.plot.render()
