"""course_utils.cnn: LeNet-5 and the decks' models, digits at 32x32, shifts."""

import numpy as np
import pytest
import torch

from course_utils.cnn import (
    ClassificationModel,
    DeckCNN,
    LeNet5,
    digits_32,
    feature_maps,
    random_shifts,
    shift_images,
    upsample_digits,
)


def test_lenet_has_the_published_sizes_and_parameters():
    model = LeNet5()
    maps = feature_maps(model, torch.zeros(2, 1, 32, 32))
    assert [tuple(m.shape[1:]) for m in maps.values()] == [
        (6, 28, 28), (6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 10, 10), (16, 5, 5)]
    # conv1 156 + conv2 2,416 + 48,120 + 10,164 + 850 = 61,706 (LeCun et al. 1998, C1-F6)
    assert sum(p.numel() for p in model.parameters()) == 61_706
    with pytest.raises(ValueError, match=r"x must have shape \(N, 1, 32, 32\) \(LeNet5 takes "
                                         r"images N x 1 x 32 x 32"):
        model(torch.zeros(1, 1, 8, 8))


def test_deck_models():
    assert DeckCNN()(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    with pytest.raises(RuntimeError, match="shapes cannot be multiplied"):
        ClassificationModel(10)(torch.zeros(1, 3, 224, 224))
    assert ClassificationModel(10, fc_inputs=8 * 6 * 6)(torch.zeros(1, 3, 48, 48)).shape == (1, 10)


def test_digits_are_upsampled_without_changing_their_split():
    from course_utils.data import digits

    d, d32 = digits(), digits_32()
    assert d32.x_train.shape == (len(d.x_train), 1, 32, 32)
    np.testing.assert_array_equal(d32.y_test.numpy(), d.y_test)
    small = torch.nn.functional.avg_pool2d(d32.x_train[:20], 4)[:, 0].numpy()
    assert np.corrcoef(small.ravel(), d.x_train[:20].ravel())[0, 1] > 0.97
    with pytest.raises(ValueError, match="images must be N x 8 x 8"):
        upsample_digits(np.zeros((2, 3, 8, 8)))


def test_shifts_move_pixels_and_fill_with_zero():
    x = torch.arange(16.0).reshape(1, 1, 4, 4)
    right = shift_images(x, 1)
    assert right[0, 0, :, 0].tolist() == [0, 0, 0, 0]
    assert torch.equal(right[0, 0, :, 1:], x[0, 0, :, :3])
    down_left = shift_images(x, -1, 2)
    assert torch.equal(down_left[0, 0, 2:, :3], x[0, 0, :2, 1:])
    assert shift_images(x, 9).abs().sum() == 0
    moved = random_shifts(x.repeat(10, 1, 1, 1), max_shift=1, seed=0)
    assert torch.equal(moved, random_shifts(x.repeat(10, 1, 1, 1), max_shift=1, seed=0))
    assert not all(torch.equal(m, x[0]) for m in moved)
