"""Widget presets and shareable state: save, reload into a fresh widget, same state."""

import inspect
import json

import matplotlib
import pytest

matplotlib.use("Agg")

from course_utils import widgets as course_widgets  # noqa: E402
from course_utils.widgets import PerceptronPlayground, PerceptronStepper  # noqa: E402
from course_utils.widgets.base import Widget  # noqa: E402

WIDGET_CLASSES = sorted(
    (cls for _, cls in inspect.getmembers(course_widgets, inspect.isclass)
     if issubclass(cls, Widget) and cls is not Widget), key=lambda cls: cls.__name__)
PRESETS = [(cls, name) for cls in WIDGET_CLASSES for name in cls.PRESETS]


def test_stepper_xor_preset_round_trip_reproduces_state(tmp_path):
    shown = PerceptronStepper(dataset="AND")
    shown.load_preset("XOR never converges")
    assert shown.dataset.value == "XOR" and shown.epochs.value == 50
    assert not shown.run.converged and "not converged" in shown.status.value
    shown.step.value = 7
    text = shown.save_state()
    assert len(text) < 200 and json.loads(text)["widget"] == "PerceptronStepper"
    path = tmp_path / "xor.json"
    shown.save_state_file(path)

    for restore in (lambda w: w.load_state(text), lambda w: w.load_state_file(path)):
        fresh = PerceptronStepper(dataset="OR", lr=0.1, epochs=3)
        assert fresh.state() != shown.state()
        restore(fresh)
        assert fresh.state() == shown.state()
        assert fresh.step.value == 7 and fresh.errors == shown.errors
        assert (fresh.run.weights == shown.run.weights).all()
        assert fresh.plot.image.value == shown.plot.image.value


def test_state_holds_settings_not_outputs():
    pg = PerceptronPlayground()
    assert set(pg.state()) == {"dataset", "w1", "w2", "b"}


@pytest.mark.parametrize(("cls", "name"), PRESETS,
                         ids=[f"{cls.__name__}-{name}" for cls, name in PRESETS])
def test_every_preset_loads_and_round_trips(cls, name):
    shown = cls()
    shown.load_preset(name)
    for control, value in cls.PRESETS[name].items():
        assert shown.controls()[control].value == pytest.approx(value)
    fresh = cls()
    fresh.load_state(shown.save_state())
    assert fresh.state() == shown.state()


def test_bad_states_say_what_is_wrong():
    pg = PerceptronPlayground()
    with pytest.raises(ValueError, match="no control.*'w3'"):
        pg.set_state({"w3": 1.0})
    with pytest.raises(ValueError, match="out of its range"):
        pg.set_state({"w1": 99.0})
    with pytest.raises(ValueError, match="cannot take"):
        pg.set_state({"dataset": "no such set"})
    with pytest.raises(ValueError, match="saved from PerceptronStepper"):
        pg.load_state(PerceptronStepper().save_state())
    with pytest.raises(ValueError, match="invalid JSON"):
        pg.load_state("{not json")
    with pytest.raises(TypeError, match="JSON string"):
        pg.load_state({"w1": 1.0})
    with pytest.raises(ValueError, match="no preset 'nope'.*AND, all correct"):
        pg.load_preset("nope")
