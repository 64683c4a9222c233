"""Notebook 09's ArchitectureExplorer: controls change the computed state and the drawn artists."""

import matplotlib
import numpy as np
import pytest
import torch

matplotlib.use("Agg")

from course_utils.architectures import cost_profile  # noqa: E402
from course_utils.arithmetic import summary  # noqa: E402
from course_utils.widgets import ArchitectureExplorer  # noqa: E402


@pytest.fixture(scope="module")
def small_zoo():
    """Two tiny networks instead of the five ImageNet ones (seconds -> milliseconds)."""
    wide = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                               torch.nn.Linear(8 * 6 * 6, 10))
    deep = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.Conv2d(4, 4, 3),
                               torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
                               torch.nn.Linear(4, 10))
    tables = {"wide": summary(wide, (1, 3, 8, 8)), "deep": summary(deep, (1, 3, 8, 8))}
    return tables, {"wide": 60.0, "deep": 70.0}


def test_controls_move_the_dots_and_the_profile(small_zoo):
    tables, top1 = small_zoo
    w = ArchitectureExplorer(tables, top1, network="wide", cost="parameters (M)")
    dots = w._artists["dots"]
    np.testing.assert_allclose(dots.get_offsets()[:, 0],
                               [tables[n].total_params / 1e6 for n in ("wide", "deep")])
    w.cost.value = "G-MACs"
    np.testing.assert_allclose(dots.get_offsets()[:, 0],
                               [tables[n].total_macs / 1e9 for n in ("wide", "deep")])
    assert "G-MACs" in w.plot.axes[0].get_xlabel()
    before = w.plot.image.value
    w.network.value = "deep"
    line = w._artists["lines"]["G-MACs"]
    np.testing.assert_allclose(line.get_ydata(), cost_profile(tables["deep"])["G-MACs"])
    assert len(line.get_xdata()) == 3  # deep has three weighted layers
    ring = w._artists["ring"]
    assert ring.get_xdata()[0] == pytest.approx(tables["deep"].total_macs / 1e9)
    assert w.plot.image.value != before and "deep" in w.status.value


def test_half_layer_is_where_the_cumulative_share_reaches_one_half(small_zoo):
    tables, top1 = small_zoo
    w = ArchitectureExplorer(tables, top1, network="wide", cost="parameters (M)")
    share = cost_profile(tables["wide"])["parameters (M)"]
    assert share[w.half_layer - 1] >= 0.5 and (w.half_layer == 1 or share[w.half_layer - 2] < 0.5)
    assert w.half_layer == 2  # the linear layer holds most of "wide"'s parameters


def test_missing_accuracy_is_refused_with_a_clear_error(small_zoo):
    tables, _ = small_zoo
    with pytest.raises(ValueError, match=r"top1 has no accuracy for \['deep'\]"):
        ArchitectureExplorer(tables, {"wide": 60.0})


def test_default_explorer_shows_the_five_imagenet_networks():
    w = ArchitectureExplorer()
    assert list(w.network.options) == ["AlexNet", "VGG-16", "GoogLeNet", "ResNet-18", "ResNet-50"]
    w.load_preset("VGG-16: parameters sit in the head")
    assert w.half_layer > len(w.profile["parameters (M)"]) - 3
