"""Widget interactions of notebook 04 for ``make bench``."""

from course_utils.widgets import OptimizerRace


def interactions():
    race = OptimizerRace()
    yield "OptimizerRace: move lr", lambda: setattr(
        race.lr, "value", 0.05 if race.lr.value != 0.05 else 0.03)
    yield "OptimizerRace: switch surface", lambda: setattr(
        race.surface, "value", "rosenbrock" if race.surface.value != "rosenbrock" else "saddle")
