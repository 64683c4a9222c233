"""course_utils.metrics.captioning: BLEU against the BLEU paper's examples (values as in
nltk's documented doctests, nltk itself is not installed) and against hand-worked captions."""

import math

import pytest

from course_utils.metrics.captioning import (
    brevity_penalty,
    closest_reference_length,
    corpus_bleu,
    exact_match,
    modified_precision,
    ngrams,
    sentence_bleu,
)

# Papineni et al. 2002, examples 1 and 2
REF1 = "It is a guide to action that ensures that the military will forever heed Party commands"
REF2 = ("It is the guiding principle which guarantees the military forces always being under "
        "the command of the Party")
REF3 = "It is the practical guide for the army always to heed the directions of the party"
HYP1 = ("It is a guide to action which ensures that the military always obeys the commands of "
        "the party")
HYP2 = "It is to insure the troops forever hearing the activity guidebook that party direct"
REFS = [REF1.split(), REF2.split(), REF3.split()]


def _p(refs, cand, n):
    hit, total = modified_precision(refs, cand, n)
    return hit / total


def test_modified_precision_paper_examples():
    cat = ["the cat is on the mat".split(), "there is a cat on the mat".split()]
    assert modified_precision(cat, ["the"] * 7, 1) == (2, 7)  # "the" at most twice in a ref
    assert modified_precision(cat, ["the"] * 7, 2) == (0, 6)
    assert modified_precision(REFS, ["of", "the"], 1) == (2, 2)
    assert modified_precision(REFS, ["of", "the"], 2) == (1, 1)
    assert modified_precision(REFS, HYP1.split(), 1) == (17, 18)  # 0.9444
    assert modified_precision(REFS, HYP2.split(), 1) == (8, 14)  # 0.5714
    assert modified_precision(REFS, HYP1.split(), 2) == (10, 17)  # 0.5882
    assert modified_precision(REFS, HYP2.split(), 2) == (1, 13)  # 0.0769


def _digits(value, places=4):
    """The doctests print 0.5045...: compare the first ``places`` decimals, truncated."""
    return math.floor(value * 10**places) / 10**places


def test_sentence_and_corpus_bleu_documented_values():
    assert _digits(sentence_bleu(REFS, HYP1.split()).bleu) == 0.5045
    hyp2 = "he read the book because he was interested in world history".split()
    ref2 = "he was interested in world history because he read the book".split()
    corpus = corpus_bleu([REFS, [ref2]], [HYP1.split(), hyp2])
    assert _digits(corpus.bleu) == 0.5920
    mean = (sentence_bleu(REFS, HYP1.split()).bleu + sentence_bleu([ref2], hyp2).bleu) / 2
    assert _digits(mean) == 0.6223  # corpus BLEU is not the mean of sentence BLEUs


def test_brevity_penalty_documented_values():
    assert brevity_penalty(12, closest_reference_length([["a"] * 28] * 2, 12)) == pytest.approx(
        0.2635971381157267)
    assert closest_reference_length([["a"] * 13, ["a"] * 2], 12) == 13
    assert brevity_penalty(12, 13) == pytest.approx(math.exp(1 - 13 / 12))
    assert closest_reference_length([["a"] * 13, ["a"] * 11], 12) == 11  # tie: the shorter
    assert brevity_penalty(12, 11) == 1.0 and brevity_penalty(12, 12) == 1.0
    assert brevity_penalty(0, 5) == 0.0


def test_hand_worked_caption():
    # one word wrong at the end of 8: p1..p4 = 7/8, 6/7, 5/6, 4/5, product 1/2
    ref = "a red circle left of a blue triangle".split()
    cand = "a red circle left of a blue square".split()
    score = sentence_bleu([ref], cand)
    assert score.precisions == pytest.approx((7 / 8, 6 / 7, 5 / 6, 4 / 5))
    assert score.bleu == pytest.approx(0.5**0.25)
    # a caption too short: "a red circle" for "a red circle left of a blue square"
    short = sentence_bleu([cand], "a red circle".split())
    assert short.precisions == (1.0, 1.0, 1.0, 0.0) and short.bleu == 0.0
    assert short.brevity_penalty == pytest.approx(math.exp(1 - 8 / 3))
    assert sentence_bleu([cand], "a red circle".split(), max_n=3).bleu == pytest.approx(
        math.exp(1 - 8 / 3))
    assert sentence_bleu([ref], ref).bleu == 1.0


def test_ngrams_and_exact_match():
    assert ngrams("a b a b".split(), 2) == {("a", "b"): 2, ("b", "a"): 1}
    assert ngrams(["a"], 2) == {}
    assert exact_match(["a red circle", "a blue square "], ["a red circle", "a red square"]) == 0.5


def test_bad_inputs_say_what_is_wrong():
    with pytest.raises(TypeError, match="list of words.*count letters"):
        sentence_bleu([["a", "b"]], "a b")
    with pytest.raises(ValueError, match="empty: every candidate needs at least one reference"):
        sentence_bleu([], ["a"])
    with pytest.raises(ValueError,
                       match="candidates has 2 captions but list_of_references 1 lists"):
        corpus_bleu([[["a"]]], [["a"], ["b"]])
    with pytest.raises(ValueError, match="n must be >= 1"):
        ngrams(["a"], 0)
    with pytest.raises(TypeError, match=r"must hold words \(str\), got 3"):
        modified_precision([["a"]], ["a", 3], 1)
    with pytest.raises(ValueError, match="same length"):
        exact_match(["a"], ["a", "b"])
