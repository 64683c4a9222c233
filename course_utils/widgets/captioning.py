"""Widget of notebook 14: a caption written word by word, with each step's word probabilities."""

from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np
import torch

from course_utils.captioning import (
    Captioner,
    Shape,
    Vocabulary,
    beam_search,
    compose_scene,
    detokenize,
    greedy_decode,
    step_probabilities,
    tokenize,
)
from course_utils.data.scenes import COLOURS, SHAPES
from course_utils.metrics.captioning import sentence_bleu
from course_utils.plotting.captioning import draw_word_probabilities, update_word_probabilities
from course_utils.widgets.base import FigureImage, Widget

MAX_LEN = 20  # words; the longest scene caption has 16
HELD_OUT, YOURS = "held-out scene", "your scene"


def _default_scenes():
    """Without a model: an untrained captioner on a few scenes (same controls, same cost)."""
    from course_utils.data.scenes import make_scenes, scenes_to_tensors

    scenes = make_scenes(12, size=32, seed=2)
    captions = [s.caption for s in scenes]
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(0)
    model = Captioner(Vocabulary.from_captions(captions)).eval()
    torch.random.set_rng_state(generator_state)  # leave the caller's random stream alone
    return model, scenes_to_tensors(scenes)[0], captions


class CaptionExplorer(Widget):
    """Pick a scene; step through its caption word by word, with the top-k next-word
    probabilities at each step; decode greedily or with a beam of some width.

    Or build your own scene: pick one of its shapes (or add one) and change its kind,
    colour, position and size; the scene is repainted (``compose_scene``, the rules of the
    training scenes) and captioned again, and its true caption follows the edit.

    Args:
        model: a trained ``Captioner`` (None: an untrained one on 12 scenes, for a demo).
        images: [N, 3, H, W] held-out images; captions: their true captions.
        top_k: how many words to show at each step.

    ``self.caption`` is the decoded caption (a str), ``self.probabilities`` the next-word
    distribution [V] at the current step, ``self.live`` the beams alive after that step,
    ``self.shapes`` the shapes of your scene and ``self.image`` the image being captioned.
    """

    PRESETS = {
        "greedy, first word": {"scene": 0, "decoding": "greedy", "step": 1},
        "beam of 3, first word": {"scene": 0, "decoding": "beam", "width": 3, "step": 1},
        "your scene: the circle turned green": {"source": YOURS, "which": 1,
                                                "colour": "green"},
    }

    def __init__(self, model: Captioner | None = None, images=None, captions=None, *,
                 top_k: int = 5):
        if model is None:
            model, images, captions = _default_scenes()
        if images is None or captions is None or len(images) != len(captions) or not len(
                captions):
            raise ValueError("CaptionExplorer needs images [N, 3, H, W] and their N captions")
        self.model, self.images, self.truth = model.eval(), images, list(captions)
        self.top_k, self._cache, self._quiet, self._loading = top_k, {}, False, False
        side = model.image_size
        self.shapes = [Shape("circle", "red", 0.3 * side, 0.5 * side, 0.16 * side),
                       Shape("square", "blue", 0.72 * side, 0.45 * side, 0.15 * side)]
        cont = dict(continuous_update=False)
        self.source = widgets.ToggleButtons(options=[HELD_OUT, YOURS], value=HELD_OUT,
                                            description="caption")
        self.scene = widgets.IntSlider(value=0, min=0, max=len(captions) - 1,
                                       description="scene", **cont)
        self.decoding = widgets.ToggleButtons(options=["greedy", "beam"], value="greedy",
                                              description="decoding")
        self.width = widgets.IntSlider(value=3, min=2, max=6, description="beam width",
                                       disabled=True, **cont)
        self.step = widgets.IntSlider(value=1, min=1, max=2, description="word", **cont)
        self.which = widgets.Dropdown(options=[1, 2], value=1, description="shape no.")
        self.kind = widgets.Dropdown(options=list(SHAPES), description="kind")
        self.colour = widgets.Dropdown(options=list(COLOURS), description="colour")
        self.x = widgets.FloatSlider(min=0, max=side, step=0.5, description="x", **cont)
        self.y = widgets.FloatSlider(min=0, max=side, step=0.5, description="y", **cont)
        self.half = widgets.FloatSlider(min=0.08 * side, max=0.2 * side, step=0.25,
                                        description="half-size", **cont)
        self.add = widgets.Button(description="add a shape")
        self.remove = widgets.Button(description="remove this shape")
        self.status = widgets.HTML()
        self.plot = FigureImage((8.6, 3.2), ncols=2)
        left, right = self.plot.axes
        self._image = left.imshow(images[0].permute(1, 2, 0).numpy(), interpolation="nearest")
        left.set(xticks=[], yticks=[])
        self._bars = draw_word_probabilities(right, top_k)
        editor = widgets.VBox([widgets.HBox([self.which, self.kind, self.colour]),
                               widgets.HBox([self.x, self.y, self.half]),
                               widgets.HBox([self.add, self.remove])])
        self.box = widgets.VBox([self.source, widgets.HBox([self.scene, self.decoding]),
                                 widgets.HBox([self.width, self.step]), editor, self.status,
                                 self.plot.image])
        for control in (self.source, self.scene, self.decoding, self.width):
            control.observe(self._decode, names="value")
        self.step.observe(self._redraw, names="value")
        self.which.observe(self._load_shape, names="value")
        for control in (self.kind, self.colour, self.x, self.y, self.half):
            control.observe(self._edit, names="value")
        self.add.on_click(lambda _: self.add_shape())
        self.remove.on_click(lambda _: self.remove_shape())
        self._load_shape()
        self._decode()

    # --- your scene ----------------------------------------------------------------------
    def _load_shape(self, change=None) -> None:
        """Show the selected shape's settings in the editor (without counting as an edit)."""
        s = self.shapes[self.which.value - 1]
        self._loading = True
        try:
            self.kind.value, self.colour.value = s.kind, s.colour
            self.x.value, self.y.value, self.half.value = s.x, s.y, s.half
        finally:
            self._loading = False

    def _edit(self, change=None) -> None:
        if self._loading:
            return
        self.shapes[self.which.value - 1] = Shape(self.kind.value, self.colour.value,
                                                  self.x.value, self.y.value, self.half.value)
        self._show_yours()

    def _show_yours(self) -> None:
        if self.source.value == YOURS:
            self._decode()
        else:
            self.source.value = YOURS  # decodes once, through its observer

    def add_shape(self) -> None:
        """Add a shape in the middle (a yellow triangle) and select it for editing."""
        side = self.model.image_size
        self.shapes.append(Shape("triangle", "yellow", side / 2, side / 2, 0.15 * side))
        self._renumber(len(self.shapes))

    def remove_shape(self) -> None:
        """Remove the selected shape (one always stays)."""
        if len(self.shapes) > 1:
            del self.shapes[self.which.value - 1]
            self._renumber(min(self.which.value, len(self.shapes)))

    def _renumber(self, selected: int) -> None:
        self._loading = True
        try:
            self.which.options = list(range(1, len(self.shapes) + 1))
            self.which.value = selected
        finally:
            self._loading = False
        self._load_shape()
        self._show_yours()

    def _current(self):
        """(cache key, image [3, H, W], true caption) of what is being captioned."""
        if self.source.value == YOURS:
            scene = compose_scene(self.shapes, size=self.model.image_size)
            image = torch.from_numpy(scene.image).permute(2, 0, 1).contiguous()
            return tuple(self.shapes), image, scene.caption
        i = self.scene.value
        return i, self.images[i], self.truth[i]

    def _decoded(self):
        """(ids, live beams per step) of the current scene and decoding, cached."""
        key = (self._key, self.decoding.value, self.width.value)
        if key not in self._cache:
            image = self.image
            if self.decoding.value == "greedy":
                ids, history = greedy_decode(self.model, image[None], max_len=MAX_LEN)[0], None
            else:
                best, history = beam_search(self.model, image, width=self.width.value,
                                            max_len=MAX_LEN)
                ids = best.ids
            probs = step_probabilities(self.model, image, ids).numpy()
            self._cache[key] = (ids, history, probs)
        return self._cache[key]

    def _decode(self, change=None) -> None:
        self.width.disabled = self.decoding.value == "greedy"
        self._key, self.image, self.true_caption = self._current()
        self.ids, self.history, self.all_probs = self._decoded()
        cut = len(self.ids) == MAX_LEN  # no <end> within MAX_LEN words
        self.words = self.model.vocab.decode(self.ids, strip=False) + ([] if cut else ["<end>"])
        self.caption = detokenize(self.model.vocab.decode(self.ids))
        self._quiet = True  # one redraw below, not one more per step-slider change
        try:
            self.step.max = len(self.words)  # clamps the value too
        finally:
            self._quiet = False
        self._redraw()

    def _redraw(self, change=None) -> None:
        if self._quiet:
            return
        t = self.step.value - 1
        vocab, image = self.model.vocab, self.image
        self.probabilities = self.all_probs[t]
        top = np.argsort(-self.probabilities)[:self.top_k]
        self._image.set_data(image.permute(1, 2, 0).numpy())
        self.plot.axes[0].set_title(f"scene {self.scene.value}" if self.source.value == HELD_OUT
                                    else "your scene")
        prefix = " ".join(["<start>", *self.words[:t]])
        update_word_probabilities(self._bars, [vocab.words[i] for i in top],
                                  self.probabilities[top], chosen=self.words[t],
                                  title=f"word {t + 1} after '{prefix[-40:]}'")
        self.live = self.history[t] if self.history and t < len(self.history) else []
        self._status(t)
        self.plot.render()

    def _status(self, t: int) -> None:
        shown = " ".join(html.escape(w) if i != t else f"<b style='color:#d62728'>"
                         f"{html.escape(w)}</b>" for i, w in enumerate(self.words[:t + 1]))
        truth = self.true_caption
        ok = self.caption == truth
        bleu = sentence_bleu([tokenize(truth)], tokenize(self.caption)).bleu if self.ids else 0.0
        lines = [f"{shown}", f"{'✅ exact' if ok else '❌ truth: ' + html.escape(truth)} · "
                 f"sentence BLEU {bleu:.2f}"]
        if self.live:
            beams = "; ".join(f"{html.escape(detokenize(self.model.vocab.decode(b.ids)))} "
                              f"({b.score:.2f})" for b in self.live)
            lines.append(f"<small>beams alive after this word (log-probability): "
                         f"{beams}</small>")
        self.status.value = "<br>".join(lines)
