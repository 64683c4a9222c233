"""Widget of notebook 13: a caption written word by word, with each step's word probabilities."""

from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np
import torch

from course_utils.captioning import (
    Captioner,
    Vocabulary,
    beam_search,
    detokenize,
    greedy_decode,
    step_probabilities,
    tokenize,
)
from course_utils.metrics.captioning import sentence_bleu
from course_utils.plotting.captioning import draw_word_probabilities, update_word_probabilities
from course_utils.widgets.base import FigureImage, Widget

MAX_LEN = 20  # words; the longest scene caption has 16


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

    Args:
        model: a trained ``Captioner`` (None: an untrained one on 12 scenes, for a demo).
        images: [N, 3, H, W] held-out images; captions: their true captions.
        top_k: how many words to show at each step.

    ``self.caption`` is the decoded caption (a str), ``self.probabilities`` the next-word
    distribution [V] at the current step, ``self.live`` the beams alive after that step.
    """

    PRESETS = {
        "greedy, first word": {"scene": 0, "decoding": "greedy", "step": 1},
        "beam of 3, first word": {"scene": 0, "decoding": "beam", "width": 3, "step": 1},
    }

    def __init__(self, model: Captioner | None = None, images=None, captions=None, *,
                 top_k: int = 5):
        if model is None:
            model, images, captions = _default_scenes()
        if images is None or captions is None or len(images) != len(captions) or not len(
                captions):
            raise ValueError("CaptionExplorer needs images [N, 3, H, W] and their N captions")
        self.model, self.images, self.truth = model.eval(), images, list(captions)
        self.top_k, self._cache, self._quiet = top_k, {}, False
        cont = dict(continuous_update=False)
        self.scene = widgets.IntSlider(value=0, min=0, max=len(captions) - 1,
                                       description="scene", **cont)
        self.decoding = widgets.ToggleButtons(options=["greedy", "beam"], value="greedy",
                                              description="decoding")
        self.width = widgets.IntSlider(value=3, min=2, max=6, description="beam width",
                                       disabled=True, **cont)
        self.step = widgets.IntSlider(value=1, min=1, max=2, description="word", **cont)
        self.status = widgets.HTML()
        self.plot = FigureImage((8.6, 3.2), ncols=2)
        left, right = self.plot.axes
        self._image = left.imshow(images[0].permute(1, 2, 0).numpy(), interpolation="nearest")
        left.set(xticks=[], yticks=[])
        self._bars = draw_word_probabilities(right, top_k)
        self.box = widgets.VBox([widgets.HBox([self.scene, self.decoding]),
                                 widgets.HBox([self.width, self.step]), self.status,
                                 self.plot.image])
        for control in (self.scene, self.decoding, self.width):
            control.observe(self._decode, names="value")
        self.step.observe(self._redraw, names="value")
        self._decode()

    def _decoded(self):
        """(ids, live beams per step) of the current scene and decoding, cached."""
        key = (self.scene.value, self.decoding.value, self.width.value)
        if key not in self._cache:
            image = self.images[self.scene.value]
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
        vocab, image = self.model.vocab, self.images[self.scene.value]
        self.probabilities = self.all_probs[t]
        top = np.argsort(-self.probabilities)[:self.top_k]
        self._image.set_data(image.permute(1, 2, 0).numpy())
        self.plot.axes[0].set_title(f"scene {self.scene.value}")
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
        truth = self.truth[self.scene.value]
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
