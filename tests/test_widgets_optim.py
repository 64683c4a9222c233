"""The optimizer race of notebook 04: controls change the paths and the image."""

import matplotlib

matplotlib.use("Agg")

from course_utils.widgets import OptimizerRace  # noqa: E402


def test_race_reruns_on_every_control_and_marks_divergence():
    race = OptimizerRace(lr=0.03)
    image = race.plot.image.value
    assert set(race.paths) == {"sgd", "momentum", "adam"}
    assert not any(p.diverged for p in race.paths.values())
    race.lr.value = 0.1  # above 2/25 for plain SGD on the quadratic
    assert race.paths["sgd"].diverged and "diverged" in race.status.value
    assert race.plot.image.value != image


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
