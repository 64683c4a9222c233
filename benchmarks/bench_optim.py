"""Widget interactions of notebook 04 for ``make bench``."""

from course_utils.widgets import OptimizerRace


def interactions():
    race = OptimizerRace()
    yield "OptimizerRace: move lr", lambda: setattr(
        race.lr_sgd, "value", 0.05 if race.lr_sgd.value != 0.05 else 0.03)
    yield "OptimizerRace: move Adam's lr", lambda: setattr(
        race.lr_adam, "value", 0.2 if race.lr_adam.value != 0.2 else 0.1)
    yield "OptimizerRace: move momentum", lambda: setattr(
        race.momentum, "value", 0.5 if race.momentum.value != 0.5 else 0.9)
    yield "OptimizerRace: switch surface", lambda: setattr(
        race.surface, "value", "rosenbrock" if race.surface.value != "rosenbrock" else "saddle")
    yield "OptimizerRace: load a preset", lambda: race.load_preset(
        "Adam wins on the badly scaled bowl" if race.surface.value != "badly scaled bowl"
        else "momentum wins in the narrow valley")
