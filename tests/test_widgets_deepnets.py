"""The deep-network lab of notebook 05: controls rebuild, retrain and redraw."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from course_utils.widgets import DeepNetLab  # noqa: E402


def test_lab_measures_gradients_per_layer_and_redraws():
    lab = DeepNetLab(depth=6, activation="sigmoid", init="xavier", steps=10, n_train=200)
    image, before = lab.plot.image.value, lab.norms_init.copy()
    assert len(before) == 7 and before[0] < before[-2] / 10
    lab.activation.value = "relu"
    lab.init.value = "he"
    assert 0.1 < lab.norms_init[0] / lab.norms_init[-2] < 10
    assert lab.plot.image.value != image and "test accuracy" in lab.status.value
    lab.depth.value = 3
    assert len(lab.norms_init) == 4


def test_lab_reports_divergence():
    lab = DeepNetLab(depth=4, activation="relu", init="large", lr=3.0, steps=30, n_train=200)
    assert lab.diverged and "diverged" in lab.status.value


def _preset(name):
    lab = DeepNetLab()
    lab.load_preset(name)
    return lab


def test_each_preset_shows_the_difference_it_is_named_for():
    sigmoid, he, default = (_preset(n) for n in ("sigmoid vanishes", "ReLU with He init",
                                                  "ReLU, default init hides it"))
    first_over_last = {k: lab.norms_init[0] / lab.norms_init[-2]
                       for k, lab in [("sigmoid", sigmoid), ("he", he), ("default", default)]}
    # at once: the gradient per layer
    assert first_over_last["sigmoid"] < 1e-4 and first_over_last["default"] < 0.2
    assert 0.3 < first_over_last["he"] < 3
    # after enough steps: the accuracy
    assert sigmoid.trained == he.trained == default.trained == 200
    assert sigmoid.test_acc < 0.2 and default.test_acc < 0.2 and he.test_acc > 0.7
    assert "200</b> steps" in he.status.value
    high = _preset("learning rate too high")
    assert high.diverged and "diverged" in high.status.value


def test_a_change_draws_at_once_and_training_streams_in_chunks():
    lab = DeepNetLab(depth=3, activation="relu", init="he", steps=40, chunk=20)
    assert lab.trained == 40 and len(lab.losses) == 40
    image = lab.plot.image.value
    lab.train()
    assert lab.trained == 60 and lab.steps.value == 60 and len(lab.losses) == 60
    assert lab.plot.image.value != image
    losses = list(lab.losses)
    lab.width.value = 64  # a new network: drawn untrained, steps back to 0
    assert lab.trained == 0 and lab.steps.value == 0 and lab.losses == []
    assert "press" in lab.status.value and len(lab.norms_init) == 4
    lab.width.value = 32
    lab.steps.value = 60  # the same run again, step for step
    np.testing.assert_allclose(lab.losses, losses, rtol=1e-12)
    lab.steps.value = 20  # back: retrained from the start
    np.testing.assert_allclose(lab.losses, losses[:20], rtol=1e-12)
    assert "play" not in lab.state()
