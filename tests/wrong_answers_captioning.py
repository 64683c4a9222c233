"""Wrong answers to notebook 14's exercises: each must fail with a hint."""

from collections import Counter

import numpy as np


def _grams(words, n):
    return Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))


def _rnn_step_in_place(x, s, U, W, b):
    """The right new states, but written into s_prev (the caller's array) and returned."""
    s[:] = np.tanh(x @ U.T + s @ W.T + b)
    return s


WRONG = {
    "14.rnn_step": [
        lambda x, s, U, W, b: x @ U.T + s @ W.T + b,  # no tanh
        lambda x, s, U, W, b: 1 / (1 + np.exp(-(x @ U.T + s @ W.T + b))),  # logistic
        lambda x, s, U, W, b: np.tanh(x @ U.T + b),  # forgets the state
        lambda x, s, U, W, b: np.tanh(x @ U + s @ W + b),  # untransposed: shapes fail
        lambda x, s, U, W, b: np.tanh(x @ U.T + s @ W + b),  # W s read as s W
        _rnn_step_in_place,  # right numbers, written over the caller's s_prev
    ],
    "14.clipped_precision": [
        # unclipped: every n-gram found in some reference counts
        lambda refs, cand, n: sum(
            g in set().union(*(_grams(r, n) for r in refs)) for g in _grams(cand, n).elements()
        ) / sum(_grams(cand, n).values()),
        # clipped by the count summed over all references
        lambda refs, cand, n: sum(min(c, sum(_grams(r, n)[g] for r in refs))
                                  for g, c in _grams(cand, n).items())
        / sum(_grams(cand, n).values()),
        # the clipped count, not divided
        lambda refs, cand, n: sum(min(c, max(_grams(r, n)[g] for r in refs))
                                  for g, c in _grams(cand, n).items()),
        lambda refs, cand, n: 1.0,
        # clipped by the first reference only, not the best one
        lambda refs, cand, n: sum(min(c, _grams(refs[0], n)[g]) for g, c in _grams(cand, n).items())
        / sum(_grams(cand, n).values()),
    ],
    "14.beam_step": [
        # the words alone, without the beams' own scores
        lambda s, lp, k: (np.argsort(-lp.ravel(), kind="stable")[:k] // lp.shape[1],
                          np.argsort(-lp.ravel(), kind="stable")[:k] % lp.shape[1],
                          np.sort(lp.ravel())[::-1][:k]),
        # best first is wrong: worst first
        lambda s, lp, k: tuple(a[::-1] for a in (
            np.argsort(-(s[:, None] + lp).ravel(), kind="stable")[:k] // lp.shape[1],
            np.argsort(-(s[:, None] + lp).ravel(), kind="stable")[:k] % lp.shape[1],
            np.sort((s[:, None] + lp).ravel())[::-1][:k])),
        # scores multiplied instead of added (log-probabilities add)
        lambda s, lp, k: (np.argsort(-(s[:, None] * lp).ravel(), kind="stable")[:k] // lp.shape[1],
                          np.argsort(-(s[:, None] * lp).ravel(), kind="stable")[:k] % lp.shape[1],
                          np.sort((s[:, None] * lp).ravel())[::-1][:k]),
        # the flat index split by the number of beams B instead of the vocabulary size V
        lambda s, lp, k: (np.argsort(-(s[:, None] + lp).ravel(), kind="stable")[:k] % lp.shape[0],
                          np.argsort(-(s[:, None] + lp).ravel(), kind="stable")[:k] // lp.shape[0],
                          np.sort((s[:, None] + lp).ravel())[::-1][:k]),
    ],
}
