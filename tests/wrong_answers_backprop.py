"""Wrong answers to notebook 03's exercises (more are in wrong_answers_mlp.py): each must fail
with a hint."""

import numpy as np


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _onehot(y, c):
    return np.eye(c)[y]


def _in_place_sigmoid(dout, z):
    dout *= _sigmoid(z) * (1 - _sigmoid(z))
    return dout


def _naive_softmax_ce(logits, y):
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(logits)  # no max shift: overflows (inf / inf = NaN) for large logits
        return (e / e.sum(axis=1, keepdims=True) - _onehot(y, logits.shape[1])) / len(y)


def _mlp(x, y, w1, b1, w2, b2, *, mean=True, mask=True, transpose_dw1=False,
         pre_activation=False, db_axis=0):
    z1 = x @ w1 + b1
    h = np.maximum(z1, 0)
    dscores = _softmax(h @ w2 + b2) - _onehot(y, w2.shape[1])
    dscores = dscores / len(x) if mean else dscores
    dh = dscores @ w2.T
    dz1 = dh * (z1 > 0) if mask else dh
    dw1 = dz1.T @ x if transpose_dw1 else x.T @ dz1
    dw2 = (z1 if pre_activation else h).T @ dscores
    return dw1, dz1.sum(axis=db_axis), dw2, dscores.sum(axis=db_axis)


WRONG = {
    "03.sigmoid_backward": [
        _in_place_sigmoid,  # overwrites dout and hands it back
        lambda dout, z: -dout * _sigmoid(z) * (1 - _sigmoid(z)),  # sign flipped
        lambda dout, z: dout,  # the upstream gradient handed back
        lambda dout, z: np.full_like(z, np.nan),  # NaN
    ],
    "03.linear_backward": [
        lambda dout, x, w: (dout @ w.T, x.T @ dout, dout),  # db not summed over the batch
        lambda dout, x, w: (dout @ w.T, x.T @ dout),  # only two gradients
    ],
    "03.softmax_ce_backward": [
        lambda logits, y: _softmax(logits) - _onehot(y, logits.shape[1]),  # missing 1/N (sum)
        lambda logits, y: (_onehot(y, logits.shape[1]) - _softmax(logits)) / len(y),  # sign
        lambda logits, y: logits,  # the input handed back
        lambda logits, y: _softmax(logits) / len(y),  # the one-hot forgotten
        lambda logits, y: ((_softmax(logits) - _onehot(y, logits.shape[1])) / len(y)).T,
        lambda logits, y: (_softmax(logits) - _onehot(y, logits.shape[1])) / logits.shape[1],
        _naive_softmax_ce,  # NaN for large logits
        lambda logits, y: np.full(logits.shape, np.nan),
    ],
    "03.mlp_backward": [
        lambda *a: _mlp(*a, mean=False),  # sum instead of mean: missing 1/N
        lambda *a: _mlp(*a, mask=False),  # the ReLU's mask forgotten
        lambda *a: _mlp(*a, transpose_dw1=True),  # dW1 transposed
        lambda *a: _mlp(*a, pre_activation=True),  # dW2 from z1 instead of relu(z1)
        lambda *a: _mlp(*a, db_axis=1),  # biases summed over the wrong axis
        lambda *a: _mlp(*a)[:3],  # three gradients, not four
        lambda x, y, w1, b1, w2, b2: (w1, b1, w2, b2),  # the parameters handed back
        lambda *a: tuple(np.full_like(g, np.nan) for g in _mlp(*a)),
    ],
}
