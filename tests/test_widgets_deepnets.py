"""The deep-network lab of notebook 05: controls rebuild, retrain and redraw."""

import matplotlib

matplotlib.use("Agg")

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
