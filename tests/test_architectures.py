"""course_utils.architectures: shapes and parameters against formulas and torchvision."""

import torch
from torchvision.models.googlenet import Inception

from course_utils.architectures import InceptionModule
from course_utils.arithmetic import conv_params, summary


def test_naive_inception_shapes_params_and_deck_000_operations():
    module = InceptionModule(256, 128, 192, 96)
    out = module(torch.zeros(1, 256, 28, 28))
    assert out.shape == (1, 128 + 192 + 96 + 256, 28, 28)
    expected = conv_params(256, 128, 1) + conv_params(256, 192, 3) + conv_params(256, 96, 5)
    assert sum(p.numel() for p in module.parameters()) == expected
    assert summary(module, (1, 256, 28, 28)).total_macs == 28 * 28 * 256 * (128 + 192 * 9 + 96 * 25)


def test_bottleneck_inception_matches_torchvision_block_in_shape_and_size():
    ours = InceptionModule(192, 64, 128, 32, bottleneck=(96, 16, 32))
    theirs = Inception(192, 64, 96, 128, 16, 32, 32)  # GoogLeNet's inception (3a)
    x = torch.zeros(1, 192, 28, 28)
    assert ours(x).shape == theirs(x).shape == (1, 256, 28, 28)
    convs = [m for m in theirs.modules() if isinstance(m, torch.nn.Conv2d)]
    weights = sum(m.weight.numel() for m in convs)  # torchvision's convs have no bias (BN)
    ours_weights = sum(m.weight.numel() for m in ours.modules() if isinstance(m, torch.nn.Conv2d))
    # torchvision's "5x5" branch uses a 3x3 kernel (a known quirk kept for its weights)
    assert ours_weights == weights + 32 * 16 * (25 - 9)


def test_deck_alexnet_and_our_vgg16():
    import torchvision

    from course_utils.architectures import alexnet_deck, vgg16

    table = summary(alexnet_deck(), (1, 3, 227, 227))
    convs = [r for r in table.rows if r.kind in ("Conv2d", "Linear")]
    assert [r.params for r in convs] == [34_944, 307_456, 885_120, 663_936, 442_624,
                                         37_752_832, 16_781_312, 4_097_000]
    assert convs[0].output_shape == (1, 96, 55, 55)
    ours = sum(p.numel() for p in vgg16().parameters())
    assert ours == sum(p.numel() for p in torchvision.models.vgg16().parameters())


# -- ILSVRC table, pre-activation gradients, NiN head, dense block, cost profiles -----------

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from torchvision.models.densenet import _DenseBlock  # noqa: E402

from course_utils.architectures import (  # noqa: E402
    ILSVRC_RESULTS,
    DenseBlock,
    PreActResidualBlock,
    ResidualBlock,
    cost_profile,
    fc_head,
    ilsvrc_entry,
    input_gradient,
    nin_head,
)


def test_ilsvrc_table_names_each_winner_once_and_refuses_unknown_entries():
    assert ilsvrc_entry(2014, "classification").network == "GoogLeNet"
    assert ilsvrc_entry(2014, "classification", 2).network == "VGG"
    assert ilsvrc_entry(2014, "localisation").network == "VGG"
    assert ilsvrc_entry(2012, "classification").network == "AlexNet"
    keys = [(e.year, e.task, e.place) for e in ILSVRC_RESULTS]
    assert len(keys) == len(set(keys))
    for (year, task), entries in _by_task().items():  # a lower place has a higher error
        errors = [e.error for e in sorted(entries, key=lambda e: e.place)]
        assert errors == sorted(errors), (year, task)
    with pytest.raises(ValueError, match="no ILSVRC entry for year=2016"):
        ilsvrc_entry(2016, "classification")


def _by_task():
    out = {}
    for e in ILSVRC_RESULTS:
        out.setdefault((e.year, e.task), []).append(e)
    return out


@pytest.mark.parametrize("seed", range(3))
def test_preact_shortcut_carries_the_gradient_unchanged_against_finite_differences(seed):
    torch.manual_seed(seed)
    block = PreActResidualBlock(3).double().eval()
    x = torch.randn(2, 3, 5, 4, dtype=torch.float64)
    g = torch.randn_like(x)
    total = input_gradient(block, x, g)
    branch = input_gradient(block.branch, x, g)
    torch.testing.assert_close(total - branch, g)
    # input_gradient itself against a centred finite difference of sum(g * block(x))
    i = (1, 2, 3, 1)
    h = 1e-6
    xp, xm = x.clone(), x.clone()
    xp[i] += h
    xm[i] -= h
    with torch.no_grad():
        numeric = ((g * block(xp)).sum() - (g * block(xm)).sum()) / (2 * h)
    assert abs(float(numeric) - float(total[i])) < 1e-6  # float64, h = 1e-6: error ~1e-9


def test_post_activation_block_with_zero_branch_masks_the_gradient():
    block = ResidualBlock(4, 4).eval()
    with torch.no_grad():
        block.bn2.weight.zero_()
    x = torch.randn(3, 4, 5, 5)
    g = torch.randn_like(x)
    assert torch.equal(input_gradient(block, x, g), g * (x > 0))


def test_nin_head_is_a_global_mean_of_a_1x1_conv_and_takes_any_size():
    head = nin_head(6, 4)
    x = torch.randn(2, 6, 5, 7)
    expected = torch.nn.functional.conv2d(x, head[0].weight, head[0].bias).mean(dim=(2, 3))
    torch.testing.assert_close(head(x), expected)
    assert head(torch.randn(1, 6, 3, 9)).shape == (1, 4)
    assert sum(p.numel() for p in head.parameters()) == conv_params(6, 4, 1)
    fc = fc_head(6, 5, 7, 4)
    assert sum(p.numel() for p in fc.parameters()) == 6 * 5 * 7 * 4 + 4
    with pytest.raises(RuntimeError):
        fc(torch.randn(1, 6, 3, 9))


@pytest.mark.parametrize(("layers", "c_in", "growth"), [(1, 3, 2), (3, 5, 4), (4, 64, 32)])
def test_dense_block_equals_torchvisions_with_the_same_weights(layers, c_in, growth):
    torch.manual_seed(layers)
    ours = DenseBlock(layers, c_in, growth).double().eval()
    theirs = _DenseBlock(layers, c_in, bn_size=4, growth_rate=growth, drop_rate=0).double().eval()
    for p in theirs.parameters():  # not the init: random weights, so a mix-up shows
        torch.nn.init.normal_(p)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(2, c_in, 7, 5, dtype=torch.float64)
    torch.testing.assert_close(ours(x), theirs(x))
    assert ours(x).shape == (2, c_in + layers * growth, 7, 5)
    torch.testing.assert_close(ours(x)[:, :c_in], x)  # the input passes through, concatenated


def test_cost_profile_by_hand_on_a_small_net():
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                              torch.nn.Linear(2 * 4 * 4, 3))
    profile = cost_profile(summary(net, (1, 1, 6, 6)))
    params = np.array([1 * 2 * 9 + 2, 32 * 3 + 3])
    macs = np.array([2 * 4 * 4 * 9, 3 * 32])
    acts = np.array([3 * 2 * 4 * 4 * 4, 3 * 4])  # conv, relu, flatten outputs (float32); linear
    np.testing.assert_allclose(profile["parameters (M)"], np.cumsum(params) / params.sum())
    np.testing.assert_allclose(profile["G-MACs"], np.cumsum(macs) / macs.sum())
    np.testing.assert_allclose(profile["activations (MB)"], np.cumsum(acts) / acts.sum())
    with pytest.raises(ValueError, match="at least one Conv2d or Linear"):
        cost_profile(summary(torch.nn.Sequential(torch.nn.ReLU()), (1, 1, 4, 4)))
