"""Widgets of notebooks 06 and 07: set a control, the state and the display change."""

import matplotlib

matplotlib.use("Agg")

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
    w.transposed.value = True
    assert w.out == 15 and "transposed" in w.status.value and w.step.max == 48


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
