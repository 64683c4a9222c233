"""Widgets of notebooks 06 and 07: set a control, the state and the display change."""

import matplotlib
import pytest

matplotlib.use("Agg")

import torch  # noqa: E402
from torch import nn  # noqa: E402

from course_utils.widgets import ConvArithmetic, NetworkDesigner  # noqa: E402


def test_animator_steps_and_shows_invalid_settings_as_errors():
    w = ConvArithmetic(size=5, kernel=3, stride=1, padding=1)
    image = w.plot.image.value
    assert w.out == 5 and w.step.max == 24
    w.step.value = 7
    assert w.plot.image.value != image and "step 7" in w.status.value
    w.size.value, w.padding.value, w.stride.value = 7, 0, 3
    assert w.error and "2.33" in w.status.value  # drawn as an error, nothing raised
    w.stride.value = 2
    assert w.out == 3 and not w.error
    w.mode.value = "transposed convolution"
    assert w.out == 15 and "transposed" in w.status.value and w.step.max == 48


@pytest.mark.parametrize(("mode", "settings", "layer"), [
    ("convolution", (7, 3, 2, 1, 2), lambda: nn.Conv2d(1, 1, 3, 2, 1, 2)),
    ("max pooling", (7, 3, 2, 1, 2), lambda: nn.MaxPool2d(3, 2, 1, 2)),
    ("max pooling", (12, 2, 2, 0, 1), lambda: nn.MaxPool2d(2)),
    ("average pooling", (10, 3, 3, 1, 1), lambda: nn.AvgPool2d(3, 3, 1)),
    ("transposed convolution", (4, 3, 2, 1, 1), lambda: nn.ConvTranspose2d(1, 1, 3, 2, 1)),
    ("transposed convolution", (3, 2, 3, 0, 2),
     lambda: nn.ConvTranspose2d(1, 1, 2, 3, 0, dilation=2))])
def test_every_mode_gives_its_torch_layers_output_shape(mode, settings, layer):
    """The widget's size, formula and steps for each mode against the torch layer it names."""
    w = ConvArithmetic(mode=mode)
    n = settings[0]
    w.set_state(dict(zip(("size", "kernel", "stride", "padding", "dilation"), settings,
                         strict=True)))
    shape = layer()(torch.zeros(1, 1, n, n)).shape[-1]
    assert not w.error and w.out == shape and f"= {shape}" in w.status.value
    assert w.step.max == (n * n if mode == "transposed convolution" else shape * shape) - 1
    assert type(layer()).__name__ in w.status.value
    w.step.value = w.step.max  # the last window is drawn inside the grids
    assert f"step {w.step.max}" in w.status.value


def test_pooling_mode_writes_the_pooled_numbers():
    w = ConvArithmetic()
    w.load_preset("max pooling 2x2, stride 2 (decks 003, 004)")
    assert w.pooled.tolist() == [[6, 8], [3, 4]] and "nn.MaxPool2d(2, 2, 0" in w.status.value
    image = w.plot.image.value
    w.mode.value = "average pooling"
    assert w.pooled.tolist() == [[3.25, 5.25], [2, 2]] and w.plot.image.value != image
    shown = [t.get_text() for t in w.panels[1].texts if t.get_visible()]
    assert shown == ["3.25", "5.25", "2", "2"]
    w.dilation.value = 2
    assert w.error and "no dilation" in w.status.value


def test_designer_tabulates_and_reports_impossible_stacks():
    d = NetworkDesigner(size=32, channels=3)
    assert d.summary.total_params == (6 * 3 * 25 + 6) + (16 * 6 * 25 + 16)
    assert d.summary.rows[-1].output_shape == (1, 16, 5, 5)
    table = d.table.value
    d.layers[2]["out"].value = 32
    assert d.summary.total_params == (6 * 3 * 25 + 6) + (32 * 6 * 25 + 32)
    assert d.table.value != table
    d.size.value = 9
    assert d.summary is None and "invalid" in d.status.value


# --- notebook 06: the kernel editor ---

def _image_bytes(fmt: str, size=(90, 140)) -> bytes:
    import io

    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (*size, 3), dtype=np.uint8)).save(buffer, fmt)
    return buffer.getvalue()


def _upload(editor, content: bytes, name: str) -> None:
    """What the browser sends: ipywidgets 8's FileUpload value, one file."""
    from datetime import UTC, datetime

    editor.upload.value = ({"name": name, "type": "", "size": len(content),
                            "content": memoryview(content),
                            "last_modified": datetime.now(UTC)},)


def test_kernel_editor_weights_presets_and_switches_change_the_output():
    import numpy as np
    from scipy import ndimage

    from course_utils.kernels import EDITOR_KERNELS
    from course_utils.widgets import KernelEditor

    w = KernelEditor(kernel="identity", image="camera")
    np.testing.assert_allclose(w.output, w.gray)  # the identity kernel changes nothing
    image, before = w.plot.image.value, w.output.copy()
    w.w22.value = 2.0  # the centre weight
    assert w.kernel.value == "custom" and "sum to <b>2</b>" in w.status.value
    np.testing.assert_allclose(w.output, 2 * before)
    assert w.plot.image.value != image
    w.normalise.value = True  # divided by the sum: the identity again
    np.testing.assert_allclose(w.output, before)
    w.w12.value = -1.0  # an independent oracle: scipy's correlate with zero padding
    kernel = w.weights()
    np.testing.assert_allclose(w.output, ndimage.correlate(w.gray, kernel / kernel.sum(),
                                                           mode="constant"), atol=1e-12)
    w.normalise.value = False
    w.kernel.value = "sobel x"
    np.testing.assert_array_equal(w.weights(), EDITOR_KERNELS["sobel x"])
    assert w.output.min() < 0
    w.absolute.value = True
    assert w.output.min() >= 0 and "|output|" in w.plot.axes[1].get_title()
    w.kernel.value = "gaussian 5x5"  # a 5x5 preset switches the size and fills the ring
    assert w.size.value == 5 and w.weights().shape == (5, 5) and w.w00.value > 0
    w.size.value = 3  # back to 3x3: the ring is zeroed, hidden, and the kernel is custom
    assert w.weights().shape == (3, 3) and w.w00.value == 0 and w.w00.disabled
    assert w.kernel.value == "custom"
    image = w.plot.image.value
    w.image.value = "coins"
    assert w.plot.image.value != image and max(w.gray.shape) <= KernelEditor.MAX_SIDE


def test_kernel_editor_reports_a_non_finite_weight_and_recovers():
    from course_utils.widgets import KernelEditor

    w = KernelEditor(kernel="sharpen")
    image = w.plot.image.value
    w.w22.value = float("inf")
    assert "must be a finite number" in w.status.value and w.plot.image.value == image
    w.w22.value = 4.0
    assert "sum to <b>0</b>" in w.status.value and w.plot.image.value != image


def test_kernel_editor_normalise_leaves_a_zero_sum_kernel_alone():
    from course_utils.widgets import KernelEditor

    w = KernelEditor(kernel="laplacian")
    out = w.output.copy()
    w.normalise.value = True
    assert (w.output == out).all() and "nothing to divide by" in w.status.value


def test_kernel_editor_uploads_png_and_jpeg_and_refuses_garbage():
    from course_utils.widgets import KernelEditor

    w = KernelEditor()
    for fmt, size in (("PNG", (90, 140)), ("JPEG", (600, 300))):
        _upload(w, _image_bytes(fmt, size), f"mine.{fmt.lower()}")
        assert w.image.value == "your photo" and "was not used" not in w.message.value
        assert max(w.gray.shape) == min(max(size), KernelEditor.MAX_SIDE)
        assert w.gray.shape[0] / w.gray.shape[1] == pytest.approx(size[0] / size[1], rel=0.02)
        assert 0 <= w.gray.min() and w.gray.max() <= 1
    shown, image = w.gray.copy(), w.plot.image.value
    _upload(w, b"this is not a picture at all", "notes.txt")
    assert "notes.txt was not used" in w.message.value and "not an image" in w.message.value
    assert (w.gray == shown).all() and w.plot.image.value == image  # the widget keeps going
    w.w11.value = 3.0  # and still redraws
    assert w.plot.image.value != image
    assert "upload" not in w.state()  # a file's bytes are not a saved setting


def test_kernel_editor_refuses_bad_arguments():
    from course_utils.widgets import KernelEditor

    with pytest.raises(ValueError, match="kernel must be one of"):
        KernelEditor(kernel="blurry")
    with pytest.raises(ValueError, match="image must be one of"):
        KernelEditor(image="eagle")  # a pooch download: deliberately not offered
