"""Widgets of notebooks 06 and 07: set a control, the state and the display change."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from course_utils.widgets import ConvArithmetic, NetworkDesigner  # noqa: E402


def test_animator_steps_and_shows_invalid_settings_as_errors():
    w = ConvArithmetic(size=5, kernel=3, stride=1, padding=1)
    image = w.plot.image.value
    assert w.out == 5 and w.step.max == 24
    w.step.value = 7
    assert w.plot.image.value != image and "step 7" in w.status.value
    w.size.value, w.padding.value, w.stride.value = 7, 0, 3
    assert w.error and "2.33" in w.status.value  # drawn as an error, nothing raised
    w.stride.value = 2
    assert w.out == 3 and not w.error
    w.mode.value = "transposed convolution"
    assert w.out == 15 and "transposed" in w.status.value and w.step.max == 48


@pytest.mark.parametrize(("mode", "settings", "layer"), [
    ("convolution", (7, 3, 2, 1, 2), lambda: nn.Conv2d(1, 1, 3, 2, 1, 2)),
    ("max pooling", (7, 3, 2, 1, 2), lambda: nn.MaxPool2d(3, 2, 1, 2)),
    ("max pooling", (12, 2, 2, 0, 1), lambda: nn.MaxPool2d(2)),
    ("average pooling", (10, 3, 3, 1, 1), lambda: nn.AvgPool2d(3, 3, 1)),
    ("transposed convolution", (4, 3, 2, 1, 1), lambda: nn.ConvTranspose2d(1, 1, 3, 2, 1)),
    ("transposed convolution", (3, 2, 3, 0, 2),
     lambda: nn.ConvTranspose2d(1, 1, 2, 3, 0, dilation=2))])
def test_every_mode_gives_its_torch_layers_output_shape(mode, settings, layer):
    """The widget's size, formula and steps for each mode against the torch layer it names."""
    w = ConvArithmetic(mode=mode)
    n = settings[0]
    w.set_state(dict(zip(("size", "kernel", "stride", "padding", "dilation"), settings,
                         strict=True)))
    shape = layer()(torch.zeros(1, 1, n, n)).shape[-1]
    assert not w.error and w.out == shape and f"= {shape}" in w.status.value
    assert w.step.max == (n * n if mode == "transposed convolution" else shape * shape) - 1
    assert type(layer()).__name__ in w.status.value
    w.step.value = w.step.max  # the last window is drawn inside the grids
    assert f"step {w.step.max}" in w.status.value


def test_pooling_mode_writes_the_pooled_numbers():
    w = ConvArithmetic()
    w.load_preset("max pooling 2x2, stride 2 (decks 003, 004)")
    assert w.pooled.tolist() == [[6, 8], [3, 4]] and "nn.MaxPool2d(2, 2, 0" in w.status.value
    image = w.plot.image.value
    w.mode.value = "average pooling"
    assert w.pooled.tolist() == [[3.25, 5.25], [2, 2]] and w.plot.image.value != image
    shown = [t.get_text() for t in w.panels[1].texts if t.get_visible()]
    assert shown == ["3.25", "5.25", "2", "2"]
    w.dilation.value = 2
    assert w.error and "no dilation" in w.status.value


def test_designer_tabulates_and_reports_impossible_stacks():
    d = NetworkDesigner(size=32, channels=3)
    assert d.summary.total_params == (6 * 3 * 25 + 6) + (16 * 6 * 25 + 16)
    assert d.summary.rows[-1].output_shape == (1, 16, 5, 5)
    table = d.table.value
    d.layers[2]["out"].value = 32
    assert d.summary.total_params == (6 * 3 * 25 + 6) + (32 * 6 * 25 + 32)
    assert d.table.value != table
    d.size.value = 9
    assert d.summary is None and "invalid" in d.status.value
