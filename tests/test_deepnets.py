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
    with pytest.raises(ValueError,
                       match=r"y must have shape \(10,\) \(one label per row of x\), got \(9,\)"):
        layer_gradient_norms(make_mlp(1), X[:10], Y[:9])
    with pytest.raises(ValueError, match=r"x must be finite.*x\[0, 0\] is nan"):
        layer_gradient_norms(make_mlp(1), np.full((2, 64), np.nan), [0, 1])
    with pytest.raises(FloatingPointError, match="lower the learning rate"):
        train_full_batch(make_mlp(3, init="large"), X * 1e3, Y, steps=30, lr=1e3)
    with pytest.raises(ValueError, match="lr must be >= 0.0"):
        train_full_batch(make_mlp(1), X, Y, steps=1, lr=-1)


def test_expected_initial_loss_is_log_c_and_a_uniform_network_gets_it():
    from course_utils.deepnets import expected_initial_loss, initial_loss

    assert expected_initial_loss(10) == pytest.approx(-math.log(1 / 10), rel=1e-15)
    model = make_mlp(1, width=8, seed=0)
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()  # every logit 0: softmax exactly uniform
    assert initial_loss(model, X[:30], Y[:30]) == pytest.approx(math.log(10), rel=1e-12)
    big = make_mlp(1, width=128, init="large", seed=0)
    assert initial_loss(big, X[:100], Y[:100]) > 10 * math.log(10)
    with pytest.raises(ValueError, match="classes"):
        expected_initial_loss(1)


def test_layer_activations_match_hooks_and_saturation_counts_by_hand():
    from course_utils.deepnets import layer_activations, saturated_fraction

    model = make_mlp(3, width=8, activation="tanh", init="large", seed=4)
    seen = []
    hooks = [m.register_forward_hook(lambda m, i, o: seen.append(o.detach().numpy().copy()))
             for m in model if isinstance(m, nn.Tanh)]
    with torch.no_grad():
        model(torch.tensor(X[:40]))
    for h in hooks:
        h.remove()
    acts = layer_activations(model, X[:40])
    assert len(acts) == 3 and all(a.shape == (40, 8) for a in acts)
    for a, b in zip(acts, seen, strict=True):
        np.testing.assert_array_equal(a, b)
    a = np.array([[0.0, 0.5, 0.98, -0.99], [0.969, -0.2, 1.0, 0.1]])
    assert saturated_fraction(a, "tanh") == pytest.approx(3 / 8)
    assert saturated_fraction(np.array([0.01, 0.5, 0.98, 0.2]), "sigmoid") == pytest.approx(0.5)
    assert saturated_fraction(np.array([0.0, 0.0, 0.3]), "relu") == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="activation"):
        saturated_fraction(a, "softsign")


def test_update_ratios_equal_the_weight_change_of_the_same_training():
    from course_utils.deepnets import update_ratios

    a, b = make_mlp(2, width=16, seed=5), make_mlp(2, width=16, seed=5)
    before = [w.weight.detach().clone() for w in linear_layers(b)]
    ratios = update_ratios(a, X[:64], Y[:64], steps=1, lr=0.1)
    opt = torch.optim.SGD(b.parameters(), lr=0.1, momentum=0.9)
    nn.functional.cross_entropy(b(torch.tensor(X[:64])), torch.tensor(Y[:64])).backward()
    opt.step()  # one SGD step: W - lr * dL/dW
    expected = [float((w.weight - w0).std() / w0.std()) for w, w0 in zip(linear_layers(b), before,
                                                                           strict=True)]
    np.testing.assert_allclose(ratios[0], expected, rtol=1e-10)
    many = update_ratios(make_mlp(4, width=16, activation="sigmoid", seed=0), X[:100], Y[:100],
                         steps=20, lr=0.01)
    assert many.shape == (20, 5) and many[-1, 0] < many[-1, -1] / 100  # sigmoid: first layer lags
    with pytest.raises(ValueError, match="steps"):
        update_ratios(make_mlp(1), X[:5], Y[:5], steps=0)


def test_split_train_val_is_a_stratified_partition():
    from course_utils.deepnets import loader, split_train_val

    x_tr, x_val, y_tr, y_val = split_train_val(X, Y, val_size=0.25, seed=3)
    assert len(x_tr) + len(x_val) == len(X) and len(x_val) == math.ceil(0.25 * len(X))
    rows = {r.tobytes() for r in X}
    assert {r.tobytes() for r in x_tr} | {r.tobytes() for r in x_val} == rows
    assert not {r.tobytes() for r in x_tr} & {r.tobytes() for r in x_val}
    np.testing.assert_allclose(np.bincount(y_val) / len(y_val), np.bincount(Y) / len(Y), atol=0.01)
    batches = list(loader(x_val, y_val, batch_size=50))
    assert batches[0][0].dtype == torch.float32 and batches[0][1].dtype == torch.long
    assert sum(len(b[1]) for b in batches) == len(y_val)
    with pytest.raises(ValueError, match="val_size"):
        split_train_val(X, Y, val_size=1.0)


def test_training_in_chunks_with_one_optimizer_equals_one_run():
    a, b = make_mlp(3, width=16, seed=6), make_mlp(3, width=16, seed=6)
    whole = train_full_batch(a, X[:80], Y[:80], steps=30, lr=0.05)
    opt = torch.optim.SGD(b.parameters(), lr=0.05, momentum=0.9)
    parts = [train_full_batch(b, X[:80], Y[:80], steps=n, optimizer=opt) for n in (10, 20)]
    np.testing.assert_allclose(parts[0].train_loss + parts[1].train_loss, whole.train_loss,
                               rtol=1e-12)


def test_loss_only_training_is_the_same_run_without_accuracies():
    a, b = make_mlp(2, width=16, seed=7), make_mlp(2, width=16, seed=7)
    full = train_full_batch(a, X[:60], Y[:60], steps=12, lr=0.05)
    lean = train_full_batch(b, X[:60], Y[:60], steps=12, lr=0.05, track_accuracy=False)
    np.testing.assert_allclose(lean.train_loss, full.train_loss, rtol=1e-12)
    assert all(math.isnan(v) for v in lean.train_acc + lean.test_acc)
