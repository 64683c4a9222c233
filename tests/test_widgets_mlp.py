"""Widgets of notebooks 02 and 03: set a control, the state and the image change."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils.mlp import PlaygroundRun  # noqa: E402
from course_utils.widgets import ActivationExplorer, GraphStepper, MLPPlayground  # noqa: E402


def test_activation_explorer_redraws_and_marks_vanishing_regions():
    ae = ActivationExplorer(name="logistic")
    before = ae.plot.image.value
    assert len(ae.ranges) == 2 and ae.alpha.disabled
    ae.name.value = "relu"
    assert ae.ranges == [(-5.0, 0.0)] and ae.plot.image.value != before
    ae.name.value = "elu"
    assert not ae.alpha.disabled and ae.alpha.value == 1.0
    image = ae.plot.image.value
    ae.alpha.value = 0.001  # a tiny alpha makes ELU's left side vanish
    assert ae.ranges and ae.plot.image.value != image
    assert "elu" in ae.status.value


def test_playground_run_is_steppable_without_the_widget():
    run = PlaygroundRun()  # the defaults: XOR, one hidden layer of 8 tanh units
    for _ in range(30):
        run.advance(10)
    assert run.train_accuracy == 1.0
    assert run.history["train_loss"][-1] < run.history["train_loss"][0] / 5
    assert len(run.history["step"]) == 31 and run.net.steps == 300


def test_playground_trains_on_ticks_and_restarts_on_a_new_setting():
    pg = MLPPlayground()
    before = pg.plot.image.value
    pg.play.value = 1  # what the Play control does on each tick
    pg.step_button.click()
    assert pg.run.net.steps == 2 * pg.steps_per_tick and pg.plot.image.value != before
    pg.units.value = 3
    assert pg.run.net.steps == 0 and pg.run.net.sizes == [2, 3, 2]
    pg.dataset.value = "circles"
    assert pg.run.x_train.shape == (200, 2)
    # a new run moves the same artists to the new data instead of rebuilding the axes
    assert np.array_equal(pg.train_points.get_offsets(), pg.run.x_train)
    assert np.array_equal(pg.test_points.get_offsets(), pg.run.x_test)
    red = pg.train_points.get_facecolors()[:, 0] > 0.5  # CLASS_COLOURS[1] is red
    assert np.array_equal(red, pg.run.y_train == 1)
    assert tuple(pg.surface.get_extent()) == tuple(pg.extent)
    assert pg.plot.axes[0].get_xlim() == tuple(pg.extent[:2])
    assert len(pg.plot.axes[0].collections) == 2 and len(pg.plot.axes[1].lines) == 2


def test_playground_shows_divergence_without_crashing():
    pg = MLPPlayground(dataset="moons", activation="identity", lr=19.9)
    for _ in range(10):
        pg.step_button.click()
    assert "too large" in pg.run.diverged and "diverged" in pg.status.value
    steps = pg.run.net.steps
    pg.step_button.click()  # a diverged run stays put instead of raising
    assert pg.run.net.steps == steps


def test_graph_stepper_fills_values_then_gradients():
    gs = GraphStepper()
    image = gs.plot.image.value
    gs.step.value = 1
    assert "forward" in gs.status.value and gs.plot.image.value != image
    gs.step.value = gs.step.max
    assert "backward" in gs.status.value
    assert gs.nodes["f"].data == pytest.approx(0.7311, abs=1e-4)
    gs.x0.value = 0.0  # a new input rebuilds the graph
    assert gs.nodes["w0"].grad == 0.0
