"""course_utils.captioning: vocabulary, the captioner's two code paths, decoding against
brute force, and a tiny training run that must memorise its captions."""

import itertools
import math

import pytest
import torch

from course_utils.captioning import (
    Captioner,
    Vocabulary,
    beam_search,
    beam_step,
    caption_images,
    caption_log_probability,
    caption_loss,
    detokenize,
    encode_captions,
    greedy_decode,
    step_probabilities,
    tokenize,
    train_captioner,
)
from course_utils.data.scenes import make_scenes, scenes_to_tensors

SCENES = make_scenes(40, size=16, seed=3)
CAPTIONS = [s.caption for s in SCENES]


def test_tokenize_round_trips_every_scene_caption():
    for caption in CAPTIONS:
        words = tokenize(caption)
        assert detokenize(words) == caption and all(" " not in w for w in words)
    assert tokenize("a red circle, a blue square") == ["a", "red", "circle", ",", "a", "blue",
                                                       "square"]


def test_vocabulary_encodes_and_decodes():
    vocab = Vocabulary.from_captions(CAPTIONS)
    assert vocab.words[:3] == ("<pad>", "<start>", "<end>")
    assert set(vocab.words[3:]) == {w for c in CAPTIONS for w in tokenize(c)}
    ids = vocab.encode(tokenize(CAPTIONS[0]))
    assert detokenize(vocab.decode(ids)) == CAPTIONS[0]
    assert vocab.decode([vocab.start, *ids, vocab.end, vocab.pad, ids[0]]) == tokenize(CAPTIONS[0])
    assert len(vocab.decode([*ids, vocab.end], strip=False)) == len(ids) + 1
    tokens = encode_captions(CAPTIONS[:5], vocab)
    lengths = [len(tokenize(c)) + 2 for c in CAPTIONS[:5]]
    assert tokens.shape == (5, max(lengths))
    for row, length in zip(tokens, lengths, strict=True):
        assert row[0] == vocab.start and row[length - 1] == vocab.end
        assert (row[length:] == vocab.pad).all()


def test_vocabulary_errors_are_clear():
    with pytest.raises(ValueError, match="the vocabulary is empty"):
        Vocabulary.from_captions([])
    with pytest.raises(ValueError, match="the vocabulary is empty"):
        Vocabulary.from_captions(["", "  "])
    with pytest.raises(TypeError, match=r"wrap it: \[caption\]"):
        Vocabulary.from_captions("a red circle")
    vocab = Vocabulary.from_captions(["a red circle"])
    with pytest.raises(KeyError, match="unknown word 'purple'.*knows: a circle red"):
        vocab.encode(["a", "purple", "circle"])
    with pytest.raises(KeyError, match="unknown word 'blue'"):
        encode_captions(["a blue circle"], vocab)
    with pytest.raises(ValueError, match="word id 9 is out of range"):
        vocab.decode([9])
    with pytest.raises(ValueError, match="other than"):
        Vocabulary(["<end>"])


def _model(seed=0, **kwargs):
    torch.manual_seed(seed)
    return Captioner(Vocabulary.from_captions(CAPTIONS), image_size=16, **kwargs).eval()


def test_teacher_forcing_equals_stepping_one_word_at_a_time():
    model = _model()
    images = scenes_to_tensors(SCENES[:3])[0]
    tokens = encode_captions(CAPTIONS[:3], model.vocab)
    with torch.no_grad():
        logits = model(images, tokens)
        state = model.init_state(images)
        for t in range(tokens.shape[1]):
            log_probs, state = model.step(tokens[:, t], state)
            torch.testing.assert_close(log_probs, torch.log_softmax(logits[:, t], -1))


def test_caption_loss_skips_padding():
    torch.manual_seed(0)
    logits, targets = torch.randn(2, 4, 6), torch.tensor([[3, 4, 2, 0], [5, 2, 0, 0]])
    real = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]
    expected = -sum(torch.log_softmax(logits[i, t], -1)[targets[i, t]] for i, t in real) / 5
    torch.testing.assert_close(caption_loss(logits, targets, pad=0), expected)


def test_greedy_picks_the_most_probable_word_at_every_step():
    model = _model(seed=1)
    images = scenes_to_tensors(SCENES[:4])[0]
    for image, ids in zip(images, greedy_decode(model, images, max_len=6), strict=True):
        probs = step_probabilities(model, image, ids)  # the other code path: teacher forcing
        chosen = ids + ([model.vocab.end] if len(ids) < 6 else [])
        assert probs[:len(chosen)].argmax(-1).tolist() == chosen


def _brute_force_beam_step(scores, log_probs, width):
    options = [(float(scores[i] + log_probs[i, w]), i, w)
               for i in range(len(scores)) for w in range(log_probs.shape[1])]
    options.sort(key=lambda o: -o[0])
    return options[:width]


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("width", [1, 3, 7])
def test_beam_step_matches_brute_force(seed, width):
    g = torch.Generator().manual_seed(seed)
    scores = -torch.rand(3, generator=g, dtype=torch.float64) * 4
    log_probs = torch.log_softmax(torch.randn(3, 5, generator=g, dtype=torch.float64), -1)
    beam, word, score = beam_step(scores, log_probs, width)
    expected = _brute_force_beam_step(scores, log_probs, width)
    assert [(b, w) for _, b, w in expected] == list(zip(beam.tolist(), word.tolist(),
                                                        strict=True))
    torch.testing.assert_close(score, torch.tensor([s for s, _, _ in expected],
                                                   dtype=torch.float64))


def test_beam_step_errors():
    with pytest.raises(ValueError, match="width must be <= 6"):
        beam_step([0.0, -1.0], torch.zeros(2, 3), 7)
    with pytest.raises(ValueError, match="log_probs must have shape"):
        beam_step([0.0, -1.0], torch.zeros(3, 3), 1)
    with pytest.raises(ValueError, match="no NaN"):
        beam_step([0.0], torch.tensor([[0.0, math.nan]]), 1)
    beam_step([0.0], torch.tensor([[0.0, -math.inf]]), 1)  # probability 0 is allowed


def _caption_log_prob(model, image, ids, finished=True):
    """Slow reference: one ``step`` at a time, its log-probabilities summed."""
    with torch.no_grad():
        state, total = model.init_state(image[None]), 0.0
        for prev, word in zip([model.vocab.start, *ids],
                              [*ids, model.vocab.end] if finished else ids, strict=False):
            log_probs, state = model.step(torch.tensor([prev]), state)
            total += float(log_probs[0, word])
    return total


def test_caption_log_probability_matches_stepping():
    model = _model(seed=4)
    image = scenes_to_tensors(SCENES[:1])[0][0]
    ids = model.vocab.encode(tokenize(CAPTIONS[0]))
    for finished in (True, False):
        assert caption_log_probability(model, image, ids, finished=finished) == pytest.approx(
            _caption_log_prob(model, image, ids, finished), abs=1e-4)


def test_wide_beam_search_finds_the_most_probable_caption():
    """Exhaustive search over every caption of at most 2 words (a 5-word model)."""
    torch.manual_seed(2)
    model = Captioner(Vocabulary(["x", "y"]), image_size=8).eval()
    image = torch.rand(3, 8, 8)
    words = [w for w in range(len(model.vocab)) if w != model.vocab.end]
    every = [list(c) for k in range(3) for c in itertools.product(words, repeat=k)]
    best = max(every, key=lambda ids: _caption_log_prob(model, image, ids))
    found, history = beam_search(model, image, width=50, max_len=3)
    assert found.ids == best
    assert found.score == pytest.approx(_caption_log_prob(model, image, best), abs=1e-5)
    assert all(len(live) <= 50 for live in history)


@pytest.mark.parametrize("max_len", [3, 8])
def test_beam_of_width_one_is_greedy_and_scores_are_log_probabilities(max_len):
    images = scenes_to_tensors(SCENES[:4])[0]
    finished = cut = 0
    for end_bias in (0.0, 2.5):  # an untrained model rarely ends; a bias on <end> makes it
        model = _model(seed=3)
        with torch.no_grad():
            model.head.bias[model.vocab.end] += end_bias
        greedy = greedy_decode(model, images, max_len=max_len)
        for image, ids in zip(images, greedy, strict=True):
            assert beam_search(model, image, width=1, max_len=max_len)[0].ids == ids
            for width in (2, 4):
                beam, history = beam_search(model, image, width=width, max_len=max_len)
                finished, cut = finished + beam.finished, cut + (not beam.finished)
                assert not beam.finished or len(beam.ids) < max_len
                assert beam.score == pytest.approx(
                    _caption_log_prob(model, image, beam.ids, beam.finished), abs=1e-4)
                assert all(len(live) <= width for live in history) and len(history) <= max_len
    assert finished > 0 and cut > 0  # the checks above ran on both kinds


def test_training_memorises_a_few_scenes_reproducibly():
    vocab = Vocabulary.from_captions(CAPTIONS)
    images, tokens = scenes_to_tensors(SCENES[:6])[0], encode_captions(CAPTIONS[:6], vocab)
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = Captioner(vocab, image_size=16, hidden=64)
        runs.append(train_captioner(model, images, tokens, steps=150, batch_size=6,
                                    lr=1e-2).losses)
    assert runs[0] == runs[1]  # same seed, same numbers
    assert runs[0][-1] < 0.05 < 1.0 < runs[0][0]
    assert caption_images(model, images) == CAPTIONS[:6]
    assert caption_images(model, images, width=3) == CAPTIONS[:6]


def test_captioner_errors():
    with pytest.raises(TypeError, match="needs a Vocabulary"):
        Captioner(20)
    with pytest.raises(ValueError, match="divisible by 8"):
        Captioner(Vocabulary(["a"]), image_size=20)
    with pytest.raises(ValueError, match=r"images must have shape \(N, 3, 16, 16\)"):
        caption_images(_model(), torch.zeros(2, 3, 32, 32))
    with pytest.raises(ValueError, match="one caption per image"):
        train_captioner(_model(), torch.zeros(2, 3, 16, 16), torch.zeros(3, 4).long(), steps=1)


def test_one_string_where_a_list_belongs_is_a_type_error_not_a_vocabulary_of_letters():
    with pytest.raises(TypeError, match=r"words must be a list of words, e.g. \['a', 'red', "
                                        r"'circle'\], not one str .*vocabulary of its letters.*"
                                        r"Vocabulary.from_captions\(\[caption, ...\]\)"):
        Vocabulary("a red circle")
    with pytest.raises(ValueError, match=r"non-empty strings without spaces.*got 'a red circle'"):
        Vocabulary(["a red circle"])
    vocab = Vocabulary(["a", "red", "circle"])  # the good input: words, sorted after specials
    assert vocab.words[3:] == ("a", "circle", "red")
    with pytest.raises(TypeError, match=r"captions must be a list of captions, not one str .*"
                                        r"wrap it: \['a red circle'\]"):
        encode_captions("a red circle", vocab)
    with pytest.raises(TypeError, match=r"vocab must be a Vocabulary .*got a list"):
        encode_captions(["a red circle"], ["a", "red", "circle"])
    tokens = encode_captions(["a red circle", "a circle"], vocab)
    ids = [vocab.index[w] for w in ("a", "red", "circle")]
    assert tokens.tolist() == [[vocab.start, *ids, vocab.end],
                               [vocab.start, ids[0], ids[2], vocab.end, vocab.pad]]
