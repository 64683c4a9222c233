"""The optimizer race of notebook 04: controls change the paths and the image."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from course_utils.optim import make_optimizer, run_optimizer  # noqa: E402
from course_utils.widgets import OptimizerRace  # noqa: E402

WINNERS = {"momentum wins in the narrow valley": "momentum",
           "Adam wins on the badly scaled bowl": "adam"}


def test_race_reruns_on_every_control_and_marks_divergence():
    race = OptimizerRace(lrs={"sgd": 0.03})
    image = race.plot.image.value
    assert set(race.paths) == {"sgd", "momentum", "adam"}
    assert not any(p.diverged for p in race.paths.values())
    race.lr_sgd.value = 0.1  # above 2/25 for plain SGD on the quadratic
    assert race.paths["sgd"].diverged and "diverged" in race.status.value
    assert not race.paths["adam"].diverged  # the other rates did not move
    assert race.plot.image.value != image


def test_each_optimizer_runs_at_its_own_learning_rate():
    race = OptimizerRace(optimizers=("sgd", "adam"), lrs={"sgd": 0.01, "adam": 0.2})
    for name, lr in (("sgd", 0.01), ("adam", 0.2)):
        alone = run_optimizer(make_optimizer(name, lr=lr, momentum=0.9),
                              "ill-conditioned quadratic", steps=100)
        np.testing.assert_array_equal(race.paths[name].points, alone.points)
    adam_before = race.paths["adam"].points
    race.lr_sgd.value = 0.02
    np.testing.assert_array_equal(race.paths["adam"].points, adam_before)
    with pytest.raises(ValueError, match="unknown optimizers.*'adma'"):
        OptimizerRace(lrs={"adma": 0.1})


@pytest.mark.parametrize("preset", list(WINNERS))
def test_named_optimizer_wins_its_preset(preset):
    race = OptimizerRace()
    race.load_preset(preset)
    final = {name: np.inf if p.diverged else p.losses[-1] for name, p in race.paths.items()}
    assert set(final) == {"sgd", "momentum", "adam"}
    winner = min(final, key=final.get)
    assert winner == WINNERS[preset], final
    runner_up = sorted(final.values())[1]
    assert final[winner] < runner_up / 10, final  # by an order of magnitude, not a photo finish


@pytest.mark.parametrize("preset", list(WINNERS))
def test_the_losers_run_at_their_best_rate(preset):
    """A fair race: every optimizer that loses a preset gets (within 2x in final loss) the
    best result any rate on the slider's grid gives it on that surface."""
    race = OptimizerRace()
    race.load_preset(preset)
    grid = 10 ** np.arange(-4, 0.001, 0.05)
    for name in set(race.optimizers.value) - {WINNERS[preset]}:

        def final(rate, name=name):
            p = run_optimizer(make_optimizer(name, lr=rate, momentum=race.momentum.value),
                              race.surface.value, steps=race.steps.value)
            return np.inf if p.diverged else p.losses[-1]

        best = min(final(rate) for rate in grid)
        assert race.paths[name].losses[-1] <= 2 * best, (name, race.paths[name].losses[-1], best)


def test_loading_a_preset_races_once():
    race = OptimizerRace()
    calls = []
    original = race._draw
    race._draw = lambda start: calls.append(start) or original(start)
    race.load_preset("Adam wins on the badly scaled bowl")
    assert len(calls) == 1


def test_surface_start_and_selection():
    race = OptimizerRace()
    race.surface.value = "rosenbrock"
    assert (race.start_x.value, race.start_y.value) == (-1.5, 2.0)
    race.optimizers.value = ("nesterov",)
    assert set(race.paths) == {"nesterov"}
    race.start_x.value = 0.0
    assert race.paths["nesterov"].points[0].tolist() == [0.0, 2.0]
    race.optimizers.value = ()
    assert "choose at least one" in race.status.value
    assert race.plot.axes[0].get_legend() is None


def test_switching_back_reuses_the_contours():
    race = OptimizerRace()
    race.surface.value = "saddle"
    first = race._contours["saddle"]
    race.surface.value = "rosenbrock"
    race.surface.value = "saddle"
    assert race._contours["saddle"] is first
    assert all(a.get_visible() for a in first)
    assert not any(a.get_visible() for a in race._contours["rosenbrock"])
