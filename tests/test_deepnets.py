"""course_utils.deepnets: initialisations, per-layer measurements, training and ensembles."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from course_utils.data import digits
from course_utils.deepnets import (
    accuracy,
    activation_stds,
    ensemble_experiment,
    layer_gradient_norms,
    linear_layers,
    make_mlp,
    probabilities,
    train_full_batch,
)

DATA = digits()
X = DATA.x_train.reshape(len(DATA.x_train), -1).astype(np.float64)
Y = DATA.y_train


@pytest.mark.parametrize(("init", "std"), [("small", lambda i, o: 0.01),
                                           ("large", lambda i, o: 1.0),
                                           ("xavier", lambda i, o: math.sqrt(2 / (i + o))),
                                           ("he", lambda i, o: math.sqrt(2 / i))])
def test_initialisations_have_their_formula_spread(init, std):
    model = make_mlp(3, width=400, init=init, in_features=300, seed=1)
    hidden = linear_layers(model)[1]  # 400 -> 400
    assert float(hidden.weight.std()) == pytest.approx(std(400, 400), rel=0.02)
    assert float(hidden.bias.abs().max()) == 0.0


def test_gradient_norms_match_a_manual_backward():
    model = make_mlp(4, width=16, activation="tanh", init="xavier", seed=2)
    norms = layer_gradient_norms(model, X[:50], Y[:50])
    clone = make_mlp(4, width=16, activation="tanh", init="xavier", seed=2)
    out = torch.tensor(X[:50])
    for layer in clone:
        out = layer(out)
    nn.functional.cross_entropy(out, torch.tensor(Y[:50])).backward()
    expected = [float(m.weight.grad.norm()) for m in clone if isinstance(m, nn.Linear)]
    np.testing.assert_allclose(norms, expected, rtol=1e-12)
    assert len(norms) == 5


def test_activation_stds_match_hooks():
    model = make_mlp(3, width=8, activation="relu", init="he", seed=3)
    seen = []
    hooks = [m.register_forward_hook(lambda m, i, o: seen.append(float(o.std())))
             for m in model if isinstance(m, nn.ReLU)]
    with torch.no_grad():
        model(torch.tensor(X[:40]))
    for h in hooks:
        h.remove()
    np.testing.assert_allclose(activation_stds(model, X[:40]), seen, rtol=1e-12)


def test_sigmoid_gradients_vanish_and_he_relu_keeps_them():
    sig = layer_gradient_norms(make_mlp(10, activation="sigmoid", init="xavier"), X, Y)
    relu = layer_gradient_norms(make_mlp(10, activation="relu", init="he"), X, Y)
    assert sig[0] / sig[-2] < 1e-4 and 0.1 < relu[0] / relu[-2] < 10


def test_training_learns_and_dropout_is_off_in_eval_mode():
    model = make_mlp(2, width=64, dropout=0.3, init="he", seed=0)
    curves = train_full_batch(model, X, Y, steps=60, lr=1e-2, optimizer="adam",
                              x_test=X[:100], y_test=Y[:100], record_every=20)
    assert curves.train_loss[-1] < curves.train_loss[0] / 3 and accuracy(model, X, Y) > 0.9
    assert np.array_equal(probabilities(model, X[:5]), probabilities(model, X[:5]))
    assert not np.array_equal(probabilities(model, X[:5], train_mode=True),
                              probabilities(model, X[:5], train_mode=True))


def test_ensemble_accuracy_is_computed_from_averaged_probabilities():
    result = ensemble_experiment(X[:300], Y[:300], X[300:500], Y[300:500], n=3, repeats=1,
                                 steps=30)
    assert result.members.shape == (1, 3) and result.ensemble.shape == (1,)
    assert result.gain[0] == pytest.approx(result.ensemble[0] - result.members[0].mean())


def test_bad_inputs_get_clear_errors():
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        make_mlp(2, activation="gelu")
    with pytest.raises(ValueError, match="unknown initialisation 'kaiming'"):
        make_mlp(2, init="kaiming")
    with pytest.raises(ValueError, match="x has 10 rows but y has 9 labels"):
        layer_gradient_norms(make_mlp(1), X[:10], Y[:9])
    with pytest.raises(ValueError, match=r"x must be finite.*x\[0, 0\] is nan"):
        layer_gradient_norms(make_mlp(1), np.full((2, 64), np.nan), [0, 1])
    with pytest.raises(FloatingPointError, match="lower the learning rate"):
        train_full_batch(make_mlp(3, init="large"), X * 1e3, Y, steps=30, lr=1e3)
    with pytest.raises(ValueError, match="lr must be >= 0.0"):
        train_full_batch(make_mlp(1), X, Y, steps=1, lr=-1)
