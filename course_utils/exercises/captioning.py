"""Exercises of notebook 14 (RNNs and captioning), checked against torch and brute force.

- ``14.rnn_step``: one step of deck 000's recurrent network, against ``nn.RNNCell``.
- ``14.clipped_precision``: BLEU's modified n-gram precision, against the paper's examples
  and ``course_utils.metrics.captioning`` (itself tested against them).
- ``14.beam_step``: one step of beam search, against an enumeration of every extension.
"""

from __future__ import annotations

import numpy as np
import torch

from course_utils.exercises import CheckFailed, answer_array, answer_number, exercise
from course_utils.metrics.captioning import modified_precision


@exercise("14.rnn_step", title="one step of a recurrent network (deck 000)")
def _rnn_step(answer) -> None:
    rng = np.random.default_rng(13)
    for n, d, h in ((1, 2, 3), (4, 3, 5), (2, 6, 4), (5, 3, 5), (3, 3, 3)):  # N = H, D = H too
        x, s_prev = rng.normal(size=(n, d)), rng.normal(size=(n, h))
        U, W, b = rng.normal(size=(h, d)), rng.normal(size=(h, h)), rng.normal(size=h)
        given = [v.copy() for v in (x, s_prev, U, W, b)]
        out = answer(*given)
        if any(out is v for v in given) or not all(
                np.array_equal(g, v) for g, v in zip(given, (x, s_prev, U, W, b), strict=True)):
            raise CheckFailed("return the new states as a new array: your function changed "
                              "(or returned) an input, and the caller still needs s_prev")
        got = answer_array(out, "rnn_step(x, s_prev, U, W, b)", shape=(n, h))
        cell = torch.nn.RNNCell(d, h).double()
        with torch.no_grad():
            for p, v in ((cell.weight_ih, U), (cell.weight_hh, W), (cell.bias_ih, b)):
                p.copy_(torch.tensor(v))
            cell.bias_hh.zero_()
            expected = cell(torch.tensor(x), torch.tensor(s_prev)).numpy()
        if np.allclose(got, expected, atol=1e-8):
            continue
        z = x @ U.T + s_prev @ W.T + b
        if np.allclose(got, z):
            raise CheckFailed("that is U x + W s + b before the nonlinearity: apply tanh")
        if np.allclose(got, 1 / (1 + np.exp(-z))):
            raise CheckFailed("the deck's (and nn.RNN's) nonlinearity is tanh, not the logistic")
        if np.allclose(got, np.tanh(x @ U.T + b)):
            raise CheckFailed("the previous state is missing: it enters through W s_{t-1}")
        raise CheckFailed(f"for x of shape {x.shape} and H = {h}, expected row 0 = "
                          f"{np.round(expected[0], 4)}, got {np.round(got[0], 4)}; rows are "
                          "examples, so U x becomes x @ U.T")


_CAT = [["the", "cat", "is", "on", "the", "mat"], ["there", "is", "a", "cat", "on", "the", "mat"]]
_CASES = [
    (_CAT, ["the"] * 7, 1),  # Papineni et al.: 2/7, not 7/7
    (_CAT, ["the", "cat", "the", "cat", "on", "the", "mat"], 2),
    ([["a", "red", "circle", "left", "of", "a", "red", "square"]],
     ["a", "red", "circle", "left", "of", "a", "blue", "square"], 1),
    ([["a", "red", "circle"], ["a", "red", "circle", "left", "of", "a", "red", "circle"]],
     ["a", "red", "circle", "left", "of", "a", "red", "circle", "and", "a", "red", "circle"], 3),
    ([["a", "blue", "square", "left", "of", "a", "blue", "square"]],
     ["a", "blue", "square", "left", "of", "a", "red", "square"], 2),
]


def _unclipped(refs, cand, n):
    grams = [tuple(cand[i:i + n]) for i in range(len(cand) - n + 1)]
    seen = {tuple(r[i:i + n]) for r in refs for i in range(len(r) - n + 1)}
    return sum(g in seen for g in grams) / len(grams)


def _clipped_to_sum(refs, cand, n):
    from collections import Counter

    grams = Counter(tuple(cand[i:i + n]) for i in range(len(cand) - n + 1))
    total = Counter()
    for r in refs:
        total += Counter(tuple(r[i:i + n]) for i in range(len(r) - n + 1))
    return sum(min(c, total[g]) for g, c in grams.items()) / sum(grams.values())


def _random_cases(seed: int = 13):
    """Sentences over a small vocabulary (so n-grams repeat), 1..3 references, n = 1..4."""
    rng = np.random.default_rng(seed)
    words = ["a", "red", "blue", "circle", "square", "left", "of"]
    for _ in range(12):
        n = int(rng.integers(1, 5))
        refs = [list(rng.choice(words, int(rng.integers(n, 12)))) for _ in range(
            int(rng.integers(1, 4)))]
        yield refs, list(rng.choice(words, int(rng.integers(n, 12)))), n


@exercise("14.clipped_precision", title="BLEU's modified (clipped) n-gram precision")
def _clipped_precision(answer) -> None:
    for refs, cand, n in [*_CASES, *_random_cases()]:
        given_refs, given_cand = [list(r) for r in refs], list(cand)
        got = answer_number(answer(given_refs, given_cand, n),
                            f"clipped_precision(references, candidate, n={n})")
        if given_refs != [list(r) for r in refs] or given_cand != list(cand):
            raise CheckFailed("your function changed the word lists it was given (sorted or "
                              "removed words?): count on copies")
        hit, total = modified_precision(refs, cand, n)
        expected = hit / total
        if np.isclose(got, expected):
            continue
        if np.isclose(got, hit):
            raise CheckFailed(f"you returned the clipped count {hit}; divide by the number of "
                              f"the candidate's {n}-grams ({total})")
        if np.isclose(got, _unclipped(refs, cand, n)):
            raise CheckFailed(f"for {' '.join(cand)!r} you counted every {n}-gram that appears "
                              "in a reference; clip: count each n-gram at most as often as it "
                              "appears in one reference")
        if np.isclose(got, _clipped_to_sum(refs, cand, n)):
            raise CheckFailed("clip each n-gram's count by its largest count in any ONE "
                              "reference, not by its count summed over the references")
        raise CheckFailed(f"for candidate {' '.join(cand)!r} and n = {n} expected "
                          f"{hit}/{total} = {expected:.4f}, got {got:.4f}")


def _all_extensions(scores, log_probs):
    return sorted(((scores[i] + log_probs[i, w], i, w) for i in range(log_probs.shape[0])
                   for w in range(log_probs.shape[1])), key=lambda e: -e[0])


@exercise("14.beam_step", title="one step of beam search")
def _beam_step(answer) -> None:
    rng = np.random.default_rng(7)
    for b, v, width in ((1, 4, 2), (3, 5, 3), (2, 6, 4), (4, 3, 5), (3, 3, 4), (5, 2, 6)):
        scores = np.sort(-rng.exponential(2.0, size=b))[::-1]
        logits = rng.normal(size=(b, v)) * 2
        log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        out = answer(scores.copy(), log_probs.copy(), width)
        if not isinstance(out, tuple | list) or len(out) != 3:
            raise CheckFailed("return three arrays: (beam, word, score)")
        beam = answer_array(out[0], "beam", shape=(width,), dtype="int")
        word = answer_array(out[1], "word", shape=(width,), dtype="int")
        score = answer_array(out[2], "score", shape=(width,))
        best = _all_extensions(scores, log_probs)[:width]
        expected, pairs = [(i, w) for _, i, w in best], list(zip(beam.tolist(), word.tolist(),
                                                                   strict=True))
        if pairs == expected and np.allclose(score, [t for t, _, _ in best]):
            continue
        _beam_hint(scores, log_probs, width, expected, pairs, score)


def _beam_hint(scores, log_probs, width, expected, pairs, score) -> None:
    if pairs == expected:
        if np.allclose(score, [log_probs[i, w] for i, w in pairs]):
            raise CheckFailed("the right extensions, but score must be each one's total: "
                              "scores[beam] + log_probs[beam, word]")
        raise CheckFailed(f"the right extensions, but their scores should be "
                          f"{[round(scores[i] + log_probs[i, w], 3) for i, w in expected]}")
    if sorted(pairs) == sorted(expected):
        raise CheckFailed("the right extensions in the wrong order: best (highest total "
                          "log-probability) first")
    v = log_probs.shape[1]
    flat = np.argsort(-log_probs.reshape(-1), kind="stable")[:width]
    if pairs == list(zip((flat // v).tolist(), (flat % v).tolist(), strict=True)):
        raise CheckFailed("you ranked the words alone: add each beam's own score, "
                          "scores[i] + log_probs[i, w]")
    b = log_probs.shape[0]
    total = np.argsort(-(scores[:, None] + log_probs).reshape(-1), kind="stable")[:width]
    if pairs == list(zip((total % b).tolist(), (total // b).tolist(), strict=True)):
        raise CheckFailed("flat index k of a [B, V] array is beam k // V and word k % V "
                          "(rows are beams): split by V, not by B")
    if len({i for i, _ in pairs}) == len(pairs) and len({i for i, _ in expected}) < width:
        raise CheckFailed("you kept one word per beam; the best extensions may all come "
                          "from the same beam: rank all B x V of them together")
    raise CheckFailed(f"with scores {np.round(scores, 3).tolist()} and width {width}, the "
                      f"best (beam, word) pairs are {expected}, best first; got {pairs} with "
                      f"scores {np.round(score, 3).tolist()}")
