"""The presenter setting: bigger, high-contrast figures and widgets, and an exact undo."""

import matplotlib as mpl
import pytest

import course_utils
from course_utils.presenter import HIGH_CONTRAST, PRESENTER_RC, present, presenting
from course_utils.widgets import PerceptronPlayground


@pytest.fixture(autouse=True)
def _always_off():
    yield
    present(False)


def _contrast(hex_colour: str) -> float:
    """WCAG contrast ratio of a colour against white."""
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    luminance = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return 1.05 / (luminance + 0.05)


def test_off_by_default_and_one_call_switches_it_on_for_the_package():
    assert not presenting()
    before = mpl.rcParams["font.size"]
    html = course_utils.present()
    assert presenting()
    assert mpl.rcParams["font.size"] == PRESENTER_RC["font.size"] > before
    assert mpl.rcParams["lines.linewidth"] >= 1.5 * mpl.rcParamsDefault["lines.linewidth"]
    assert "--jp-widgets-font-size" in html.data


def test_off_restores_the_exact_previous_settings_even_after_two_calls():
    mpl.rcParams["font.size"] = 11.5
    snapshot = {key: mpl.rcParams[key] for key in PRESENTER_RC}
    present()
    present()
    present(False)
    assert {key: mpl.rcParams[key] for key in PRESENTER_RC} == snapshot
    mpl.rcParams["font.size"] = mpl.rcParamsDefault["font.size"]


def test_widgets_made_after_it_draw_larger_text():
    def tick_size(widget):
        return widget.plot.figure.axes[0].xaxis.get_ticklabels()[0].get_fontsize()

    plain = PerceptronPlayground()
    present()
    big = PerceptronPlayground()
    assert tick_size(big) > tick_size(plain)


def test_colour_cycle_reads_on_white_and_the_rest_is_black():
    present()
    cycle = mpl.rcParams["axes.prop_cycle"].by_key()["color"]
    assert tuple(cycle) == HIGH_CONTRAST
    assert all(_contrast(c) >= 3 for c in cycle)  # WCAG 3:1 for graphics
    assert mpl.rcParams["axes.edgecolor"] == "black"


def test_refuses_anything_but_a_bool():
    with pytest.raises(TypeError, match="True or False"):
        present("yes")
