"""Caption metrics: exact match and BLEU (Papineni et al. 2002), in plain Python (nb 13).

A caption is a list of words (``course_utils.captioning.tokenize``); each candidate has
one or more reference captions.

- ``modified_precision``: n-grams of the candidate that appear in a reference, each n-gram
  counted at most as often as it appears in any single reference ("clipped"), so "the the
  the" does not score on a reference with one "the".
- ``brevity_penalty``: ``exp(1 - r / c)`` when the candidate length ``c`` is shorter than the
  reference length ``r``, else 1: precision alone would reward saying little.
- ``corpus_bleu``: ``BP * exp(mean_n log p_n)`` for n = 1..4, with clipped counts and lengths
  summed over the whole corpus before dividing (as in the paper and ``nltk``'s
  ``corpus_bleu``), ``r`` the sum of each candidate's closest reference length. No smoothing:
  if some ``p_n`` is 0, BLEU is 0.

Tested against hand-worked examples (the paper's, and ones worked in the test file).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

from course_utils.validate import as_number

__all__ = [
    "ngrams", "modified_precision", "closest_reference_length", "brevity_penalty", "Bleu",
    "corpus_bleu", "sentence_bleu", "exact_match",
]


def _words(value, name: str) -> list[str]:
    if isinstance(value, str):
        raise TypeError(f"{name} must be a list of words, got the string {value!r:.50}: split "
                        "it into words first (tokenize), or BLEU would count letters")
    words = list(value)
    bad = [w for w in words if not isinstance(w, str)]
    if bad:
        raise TypeError(f"{name} must hold words (str), got {bad[0]!r} "
                        f"({type(bad[0]).__name__})")
    return words


def _references(value, name: str) -> list[list[str]]:
    if isinstance(value, str):
        raise TypeError(f"{name} must be a list of reference captions (each a list of words), "
                        f"got the string {value!r:.50}")
    refs = [_words(r, f"{name}[{i}]") for i, r in enumerate(value)]
    if not refs:
        raise ValueError(f"{name} is empty: every candidate needs at least one reference")
    return refs


def ngrams(words: Sequence[str], n: int) -> Counter:
    """How often each n-gram (a tuple of ``n`` words) occurs in ``words``."""
    n = as_number(n, "n", minimum=1, integer=True)
    words = _words(words, "words")
    return Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))


def modified_precision(references, candidate, n: int) -> tuple[int, int]:
    """Clipped n-gram matches and the number of the candidate's n-grams.

    Returns:
        ``(clipped, total)``: ``sum over n-grams g of min(count(g), max_ref count(g))`` and the
        candidate's n-gram count; the precision is ``clipped / total`` (0 / 0 when the
        candidate is shorter than ``n``).
    """
    refs = _references(references, "references")
    counts = ngrams(_words(candidate, "candidate"), n)
    most = Counter()
    for ref in refs:
        most |= ngrams(ref, n)  # | keeps the larger count of each n-gram
    clipped = sum(min(c, most[g]) for g, c in counts.items())
    return clipped, sum(counts.values())


def closest_reference_length(references, length: int) -> int:
    """The length of the reference closest to ``length`` (the shorter one on a tie)."""
    refs = _references(references, "references")
    length = as_number(length, "length", minimum=0, integer=True)
    return min((abs(len(r) - length), len(r)) for r in refs)[1]


def brevity_penalty(candidate_length: int, reference_length: int) -> float:
    """``1`` if ``c > r`` else ``exp(1 - r / c)`` (0 for an empty candidate)."""
    c = as_number(candidate_length, "candidate_length", minimum=0, integer=True)
    r = as_number(reference_length, "reference_length", minimum=0, integer=True)
    if c > r:
        return 1.0
    return 0.0 if c == 0 else math.exp(1 - r / c)


class Bleu(NamedTuple):
    bleu: float
    precisions: tuple[float, ...]  # p_1 .. p_N
    brevity_penalty: float
    candidate_length: int  # c, summed over the corpus
    reference_length: int  # r, summed over the corpus


def corpus_bleu(list_of_references, candidates, *, max_n: int = 4) -> Bleu:
    """BLEU-``max_n`` of a corpus with uniform weights ``1 / max_n``.

    Args:
        list_of_references: for each candidate, a list of reference captions (lists of words).
        candidates: the candidate captions (lists of words), same length.
        max_n: the longest n-gram (4 for the usual BLEU).
    """
    max_n = as_number(max_n, "max_n", minimum=1, integer=True)
    if isinstance(candidates, str) or isinstance(list_of_references, str):
        raise TypeError("corpus_bleu takes lists of captions, each a list of words")
    candidates, list_of_references = list(candidates), list(list_of_references)
    if len(candidates) != len(list_of_references):
        raise ValueError(f"candidates has {len(candidates)} captions but list_of_references "
                         f"{len(list_of_references)} lists of references: one list per "
                         "candidate")
    if not candidates:
        raise ValueError("corpus_bleu needs at least one candidate")
    clipped, totals = [0] * max_n, [0] * max_n
    c = r = 0
    for i, (refs, cand) in enumerate(zip(list_of_references, candidates, strict=True)):
        refs, cand = _references(refs, f"list_of_references[{i}]"), _words(
            cand, f"candidates[{i}]")
        for n in range(1, max_n + 1):
            hit, total = modified_precision(refs, cand, n)
            clipped[n - 1] += hit
            totals[n - 1] += total
        c += len(cand)
        r += closest_reference_length(refs, len(cand))
    precisions = tuple(h / t if t else 0.0 for h, t in zip(clipped, totals, strict=True))
    bp = brevity_penalty(c, r)
    if min(precisions) == 0:
        return Bleu(0.0, precisions, bp, c, r)
    return Bleu(bp * math.exp(sum(math.log(p) for p in precisions) / max_n), precisions, bp,
                c, r)


def sentence_bleu(references, candidate, *, max_n: int = 4) -> Bleu:
    """BLEU of one candidate against its references (``corpus_bleu`` of a corpus of one)."""
    return corpus_bleu([references], [candidate], max_n=max_n)


def exact_match(predicted: Sequence[str], truth: Sequence[str]) -> float:
    """The fraction of captions predicted word for word (strings compared after strip)."""
    if isinstance(predicted, str) or isinstance(truth, str):
        raise TypeError("predicted and truth must be lists of captions (strings), got "
                        f"{type(predicted).__name__} and {type(truth).__name__}")
    predicted, truth = list(predicted), list(truth)
    if len(predicted) != len(truth) or not truth:
        raise ValueError(f"predicted and truth must be non-empty lists of the same length, got "
                         f"{len(predicted)} predicted and {len(truth)} true captions")
    return sum(p.strip() == t.strip() for p, t in zip(predicted, truth, strict=True)) / len(truth)
