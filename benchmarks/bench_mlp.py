"""Widget interactions of notebooks 02 and 03 for ``make bench``."""

from course_utils.widgets import ActivationExplorer, GraphStepper, MLPPlayground


def interactions():
    ae = ActivationExplorer()
    names = iter(["tanh", "elu", "relu", "logistic", "softplus"] * 10**5)
    yield "ActivationExplorer: switch function", lambda: setattr(ae.name, "value", next(names))
    yield "ActivationExplorer: move alpha", lambda: setattr(
        ae.alpha, "value", 0.5 if ae.alpha.value != 0.5 else 1.0)
    pg = MLPPlayground()
    yield "MLPPlayground: one Play tick (10 steps + redraw)", pg.step_button.click
    yield "MLPPlayground: change units (new run)", lambda: setattr(
        pg.units, "value", 6 if pg.units.value != 6 else 8)
    gs = GraphStepper()
    yield "GraphStepper: next step", lambda: setattr(
        gs.step, "value", (gs.step.value + 1) % (gs.step.max + 1))
    yield "GraphStepper: edit an input", lambda: setattr(
        gs.w0, "value", 1.0 if gs.w0.value != 1.0 else 2.0)
