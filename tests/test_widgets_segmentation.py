"""The segmentation widget on an untrained FCN (what is tested is the wiring)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from course_utils.metrics import per_class_iou  # noqa: E402
from course_utils.plotting import CLASS_PALETTE, colourise  # noqa: E402
from course_utils.segmentation import FCN, UNet, fcn_scores  # noqa: E402
from course_utils.widgets import SegmentationViewer  # noqa: E402


def test_viewer_follows_its_controls():
    viewer = SegmentationViewer()
    image = viewer.plot.image.value
    first, probs = viewer.prediction.copy(), viewer.current.copy()
    assert first.shape == (48, 48) and viewer.overlay.value == "prediction"
    np.testing.assert_allclose(viewer.scene_iou, per_class_iou(
        viewer.targets[0], first, num_classes=4), equal_nan=True)
    viewer.scene.value = 3
    assert not np.allclose(viewer.current, probs) and viewer.plot.image.value != image
    np.testing.assert_allclose(viewer.scene_iou, per_class_iou(
        viewer.targets[3], viewer.prediction, num_classes=4), equal_nan=True)
    viewer.overlay.value = "ground truth"
    truth = viewer.shown.copy()
    objects = viewer.targets[3] > 0
    np.testing.assert_allclose(truth[~objects], viewer.images[3][~objects])  # bg untouched
    viewer.overlay.value = "errors"
    wrong = viewer.prediction != viewer.targets[3]
    assert np.allclose(viewer.shown[wrong], matplotlib.colors.to_rgb("#ff1744"))
    assert f"{wrong.sum()} wrong pixels" in viewer.plot.axes[0].get_title()
    before = viewer.plot.image.value
    viewer.klass.value = "circle"
    expected = viewer.probabilities["untrained FCN"][3, 1]
    np.testing.assert_allclose(viewer._prob.get_array(), expected)
    assert viewer.plot.image.value != before and "P(circle)" in viewer.plot.axes[1].get_title()
    assert "mean IoU" in viewer.status.value and "all 12 scenes" in viewer.status.value


def test_viewer_switches_models_and_takes_given_scenes():
    torch.manual_seed(1)
    images, targets = torch.rand(3, 3, 32, 32), torch.randint(0, 4, (3, 32, 32))
    viewer = SegmentationViewer({"a": FCN(width=4), "b": UNet(width=4)}, images, targets)
    assert viewer.scene.max == 2
    a = viewer.current.copy()
    viewer.model.value = "b"
    assert not np.allclose(viewer.current, a)
    assert set(viewer.dataset_iou) == {"a", "b"}


def test_fcn_controls_run_the_chosen_variant():
    torch.manual_seed(2)
    images, targets = torch.rand(3, 3, 32, 32), torch.randint(0, 4, (3, 32, 32))
    fcn = FCN(width=4)
    viewer = SegmentationViewer({"fcn": fcn, "unet": UNet(width=4)}, images, targets)
    full, drawn = viewer.current.copy(), viewer.plot.image.value
    viewer.scene.value = 1
    viewer.skips.value = 0
    viewer.upsample.value = "nearest"
    with torch.no_grad():
        expected = fcn_scores(fcn.eval(), images[1:2], skips=0, upsample="nearest").softmax(1)[0]
    np.testing.assert_allclose(viewer.current, expected.numpy(), rtol=1e-5, atol=1e-6)
    assert not np.allclose(viewer.current, full) and viewer.plot.image.value != drawn
    assert "1/8 scores only, nearest upsampling" in viewer.status.value
    key = ("fcn", 0, "nearest")
    np.testing.assert_allclose(viewer.dataset_iou[key], per_class_iou(
        targets.numpy(), viewer.probabilities[key].argmax(1), num_classes=4), equal_nan=True)
    viewer.model.value = "unet"
    assert viewer.skips.disabled and viewer.upsample.disabled


def test_colourise_paints_class_ids():
    rgb = colourise(np.array([[0, 3]]))
    np.testing.assert_allclose(rgb[0, 1], matplotlib.colors.to_rgb(CLASS_PALETTE[3]))
    try:
        colourise(np.array([[4]]))
    except ValueError as error:
        assert "0..3" in str(error)
    else:
        raise AssertionError("class 4 was accepted")
