"""Exercises of notebook 02 (MLPs and XOR); each test computes its answer independently."""

from __future__ import annotations

import numpy as np

from course_utils.data.toy import logic_gate
from course_utils.exercises import CheckFailed, answer_array, exercise


def _weights(answer) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    got = answer()
    if not isinstance(got, tuple | list) or len(got) != 4:
        raise CheckFailed("return four things: (W1 [2, 2], b1 [2], w2 [2], b2), got "
                          f"{type(got).__name__}")
    w1 = answer_array(got[0], "W1", shape=(2, 2))
    b1 = answer_array(got[1], "b1", shape=(2,))
    w2 = answer_array(got[2], "w2", shape=(2,))
    b2 = answer_array(got[3], "b2", shape=())
    return w1, b1, w2, float(b2)


@exercise("02.xor_net", title="XOR from three step units")
def _xor_net(answer) -> None:
    w1, b1, w2, b2 = _weights(answer)
    x, y = logic_gate("XOR")  # inputs in {0, 1}
    z1 = x @ w1 + b1  # column j of W1 feeds hidden unit j
    if np.any(np.abs(z1) < 1e-9):
        raise CheckFailed("a hidden unit sits exactly on its threshold (z = 0) for some "
                          "input: move its bias by 0.5")
    h = (z1 > 0).astype(float)
    z2 = h @ w2 + b2
    if np.any(np.abs(z2) < 1e-9):
        raise CheckFailed("the output unit sits exactly on its threshold for some input")
    out = (z2 > 0).astype(int)
    if not np.array_equal(out, y):
        rows = [f"{tuple(int(v) for v in xi)} -> {o} (want {t})"
                for xi, o, t in zip(x, out, y, strict=True) if o != t]
        raise CheckFailed(f"wrong on {'; '.join(rows)}. Try h1 = OR, h2 = AND, "
                          "output = h1 AND NOT h2")


@exercise("02.collapse", title="two linear layers are one")
def _collapse(answer) -> None:
    rng = np.random.default_rng(2)
    for d, h, m in [(2, 3, 1), (4, 5, 3), (3, 3, 3)]:
        w1, b1 = rng.normal(size=(d, h)), rng.normal(size=h)
        w2, b2 = rng.normal(size=(h, m)), rng.normal(size=m)
        got = answer(w1.copy(), b1.copy(), w2.copy(), b2.copy())
        if not isinstance(got, tuple | list) or len(got) != 2:
            raise CheckFailed("return a pair (W, b)")
        w = answer_array(got[0], "W", shape=(d, m))
        b = answer_array(got[1], "b", shape=(m,))
        x = rng.normal(size=(20, d))
        expected = (x @ w1 + b1) @ w2 + b2
        if not np.allclose(x @ w, x @ w1 @ w2):
            raise CheckFailed("x W must equal (x W1) W2 for every x: W = W1 @ W2")
        if not np.allclose(x @ w + b, expected, atol=1e-9):
            raise CheckFailed("the weights are right but the bias is not: expand "
                              "(x W1 + b1) W2 + b2 and collect what does not multiply x")
