"""Widget interactions of notebooks 06 and 07 for ``make bench``."""

from course_utils.widgets import ConvArithmetic, KernelEditor, NetworkDesigner


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
    ke = KernelEditor()
    yield "KernelEditor: edit a weight", lambda: setattr(
        ke.w22, "value", 1.0 if ke.w22.value != 1.0 else -1.0)
    yield "KernelEditor: switch preset", lambda: setattr(
        ke.kernel, "value", "gaussian 5x5" if ke.kernel.value != "gaussian 5x5" else "sharpen")
