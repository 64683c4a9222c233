"""CaptionExplorer of notebook 14, on a captioner that has memorised a few scenes."""

import html

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from course_utils.captioning import (  # noqa: E402
    Captioner,
    Shape,
    Vocabulary,
    beam_search,
    compose_scene,
    encode_captions,
    greedy_decode,
    tokenize,
    train_captioner,
)
from course_utils.data.scenes import make_scenes, scenes_to_tensors  # noqa: E402
from course_utils.widgets import CaptionExplorer  # noqa: E402


@pytest.fixture(scope="module")
def memorised():
    scenes = make_scenes(6, size=16, seed=5)
    captions = [s.caption for s in scenes]
    vocab = Vocabulary.from_captions(captions)
    images = scenes_to_tensors(scenes)[0]
    torch.manual_seed(0)
    model = Captioner(vocab, image_size=16, hidden=64)
    train_captioner(model, images, encode_captions(captions, vocab), steps=150, batch_size=6,
                    lr=1e-2)
    return model, images, captions


def test_explorer_steps_through_the_caption_word_by_word(memorised):
    model, images, captions = memorised
    w = CaptionExplorer(model, images, captions, top_k=4)
    assert w.caption == captions[0] and "✅ exact" in w.status.value
    words = tokenize(captions[0]) + ["<end>"]
    assert w.step.max == len(words)
    first = w.plot.image.value
    for step in (2, len(words)):
        w.step.value = step
        assert w.probabilities.argmax() == model.vocab.index[words[step - 1]]  # memorised
        assert f"<b style='color:#d62728'>{html.escape(words[step - 1])}</b>" in w.status.value
        np.testing.assert_allclose(w.probabilities.sum(), 1.0, rtol=1e-5)
    assert w.plot.image.value != first
    w.scene.value = 3
    assert w.caption == captions[3] and w.step.max == len(tokenize(captions[3])) + 1
    assert w.step.value <= w.step.max


def test_explorer_switches_to_beam_search_and_shows_the_live_beams(memorised):
    model, images, captions = memorised
    w = CaptionExplorer(model, images, captions)
    assert w.width.disabled and w.live == []
    w.decoding.value = "beam"
    assert not w.width.disabled
    w.width.value = 4
    w.step.value = 2
    best, history = beam_search(model, images[0], width=4)
    assert w.caption == captions[0] and w.live == history[1] and len(w.live) == 4
    assert "beams alive" in w.status.value


def test_untrained_default_runs_and_refuses_bad_data():
    w = CaptionExplorer()
    w.scene.value = 5
    w.decoding.value = "beam"
    assert w.step.max >= 1 and w.probabilities.shape == (len(w.model.vocab),)
    with pytest.raises(ValueError, match="needs images"):
        CaptionExplorer(w.model, w.images[:3], ["a red circle"])


def test_editing_your_scene_repaints_and_recaptions_it(memorised):
    model, images, captions = memorised
    w = CaptionExplorer(model, images, captions)
    held_out_image = w.image.clone()
    w.colour.value = "green"  # recolour shape 1: switches to your scene
    assert w.source.value == "your scene" and w.shapes[0].colour == "green"
    assert w.true_caption.startswith("a green circle") and not torch.equal(w.image, held_out_image)
    drawn = w.plot.image.value
    expected = compose_scene(w.shapes, size=16)
    assert torch.equal(w.image, torch.from_numpy(expected.image).permute(2, 0, 1))
    assert w.true_caption == expected.caption
    ids = greedy_decode(model, w.image[None], max_len=20)[0]
    assert w.caption == " ".join(model.vocab.decode(ids)).replace(" ,", ",")  # re-captioned
    w.which.value = 2
    w.x.value = 1.0  # move the square to the far left
    assert w.true_caption.startswith("a blue square left of")
    assert w.plot.image.value != drawn
    w.add_shape()
    assert w.which.options == (1, 2, 3) and w.which.value == 3 and w.kind.value == "triangle"
    assert len(compose_scene(w.shapes, size=16).labels) == 3 and "triangle" in w.true_caption
    w.remove_shape()
    assert len(w.shapes) == 2 and "triangle" not in w.true_caption
    w.source.value = "held-out scene"
    assert torch.equal(w.image, images[w.scene.value]) and w.true_caption == captions[0]


def test_compose_scene_paints_in_order_and_refuses_unknown_shapes():
    front = Shape("square", "red", 8, 8, 4)
    hidden = compose_scene([Shape("circle", "blue", 8, 8, 2), front], size=16)
    assert hidden.caption == "a red square" and len(hidden.masks) == 1  # covered: not named
    assert compose_scene([front], size=16, seed=3).image.shape == (16, 16, 3)
    with pytest.raises(ValueError, match="kind in"):
        compose_scene([Shape("hexagon", "red", 8, 8, 4)], size=16)
