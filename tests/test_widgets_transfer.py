"""The freezing widget of notebook 10: the slider retrains once per setting, then reuses."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from course_utils.finetune import trainable_parameters  # noqa: E402
from course_utils.transfer import pretrained_efficientnet_lite0  # noqa: E402
from course_utils.widgets import FreezeLab  # noqa: E402


@pytest.fixture(scope="module")
def model():
    return pretrained_efficientnet_lite0()


def test_freezing_slider_trains_each_setting_once(model):
    lab = FreezeLab(model, task="digits", frozen=7, epochs=5)
    first, image = lab.current, lab.plot.image.value
    assert lab.trained == 1 and first.trainable_params == 424_970
    assert "424,970</b> trainable" in lab.status.value and "pixels + probe" in lab.status.value
    lab.frozen.value = 6
    assert lab.trained == 2 and lab.plot.image.value != image
    assert lab.current.trainable_params == trainable_parameters(model, frozen_stages=6,
                                                                classes=10) == 1_030_410
    assert 0 < lab.current.accuracy <= 1 and lab.current.seconds_per_epoch > 0
    lab.frozen.value = 7  # back: from the cache, no training
    assert lab.trained == 2 and lab.current is first
    assert lab.params == sorted(lab.params, reverse=True) and len(lab.params) == 8
    lab.task.value = "faces"
    assert lab.trained == 3 and lab.current.trainable_params == 424_970 - 8 * 1280 - 8
    assert set(lab.results) == {("digits", 7), ("digits", 6), ("faces", 7)}
