"""Widget interactions of notebook 07 for ``make bench``."""

from course_utils.widgets import ConvArithmetic, NetworkDesigner


def interactions():
    ca = ConvArithmetic()
    yield "ConvArithmetic: next step", lambda: setattr(
        ca.step, "value", (ca.step.value + 1) % (ca.step.max + 1))
    yield "ConvArithmetic: change stride", lambda: setattr(
        ca.stride, "value", 2 if ca.stride.value != 2 else 1)
    yield "ConvArithmetic: change mode", lambda: setattr(
        ca.mode, "value", "max pooling" if ca.mode.value != "max pooling" else "convolution")
    nd = NetworkDesigner()
    yield "NetworkDesigner: change channels of layer 3", lambda: setattr(
        nd.layers[2]["out"], "value", 32 if nd.layers[2]["out"].value != 32 else 16)
