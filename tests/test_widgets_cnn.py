"""Widgets of notebook 08, on an untrained LeNet (what is tested is the wiring)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from course_utils.cnn import LeNet5, digits_32  # noqa: E402
from course_utils.widgets import DigitPainter, FeatureMapViewer, RocExplorer  # noqa: E402

torch.manual_seed(0)
MODEL = LeNet5()
DATA = digits_32()


def test_painter_reads_cells_set_programmatically_and_by_clicks():
    painter = DigitPainter(MODEL, DATA.x_test[:5, 0, ::4, ::4].numpy())
    blank = painter.probabilities.copy()
    image = painter.plot.image.value
    one = np.zeros((8, 8))
    one[1:7, 4] = 1.0
    painter.set_cells(one)
    assert not np.allclose(painter.probabilities, blank) and painter.plot.image.value != image
    painter.level.value = 0.5
    painter.buttons[0][0].click()
    assert painter.cells[0, 0] == 0.5
    assert painter.buttons[0][0].style.button_color == "rgb(127,127,127)"
    painter.clear.click()
    assert painter.cells.sum() == 0 and np.allclose(painter.probabilities, blank)
    painter.load_index.value = 3
    painter.load.click()
    assert painter.cells.max() > 0


def test_feature_map_viewer_follows_its_controls():
    viewer = FeatureMapViewer(MODEL, DATA.x_test[:10], DATA.y_test[:10].numpy())
    first = viewer.current.copy()
    viewer.layer.value = "pool2"
    assert viewer.current.shape == (5, 5) and viewer.channel.max == 15
    viewer.layer.value = "conv1"
    before = viewer.current.copy()
    viewer.index.value = 4
    assert viewer.current.shape == (28, 28) and not np.array_equal(viewer.current, before)
    assert first.shape == (28, 28)


def test_roc_explorer_threshold_changes_the_confusion_matrix():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, size=60)
    probs = rng.dirichlet(np.ones(3), size=60)
    roc = RocExplorer(probs, labels, digit=1)
    low = roc.counts.copy()
    roc.threshold.value = 0.9
    assert roc.counts[:, 1].sum() < low[:, 1].sum() and roc.counts.sum() == 60


def test_roc_explorer_redraws_in_place_for_a_new_class():
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 3, size=60)
    probs = rng.dirichlet(np.ones(3), size=60)
    roc = RocExplorer(probs, labels, digit=0)
    image, curve = roc.plot.image.value, roc.roc_line.get_xydata().copy()
    roc.digit.value = 2
    assert roc.plot.image.value != image and roc.roc_line.get_xydata().shape != (2, 2)
    assert not np.array_equal(roc.roc_line.get_xydata(), curve)
    assert roc.plot.axes[0].get_title() == "ROC, class 2 vs rest"
    assert roc.counts.sum() == 60 and roc.cells[1][1].get_text() == str(roc.counts[1, 1])
