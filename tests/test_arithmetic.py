"""course_utils.arithmetic against torch layers (sizes, parameters) and FlopCounterMode (MACs)."""

import itertools

import numpy as np
import pytest
import torch
import torchvision
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from course_utils.arithmetic import (
    conv_output_size,
    conv_params,
    conv_transpose_output_size,
    pool_output_size,
    receptive_field,
    same_padding,
    summary,
)

GRID = list(itertools.product(range(1, 12), range(1, 5), range(1, 4), range(0, 3), range(1, 3)))


def test_conv_output_size_matches_torch_or_refuses_what_it_floors():
    checked = 0
    for size, k, s, p, d in GRID:
        eff = d * (k - 1) + 1
        if size + 2 * p < eff:
            with pytest.raises(ValueError, match="spans"):
                conv_output_size(size, k, s, p, d)
            continue
        torch_out = nn.Conv1d(1, 1, k, s, p, d)(torch.zeros(1, 1, size)).shape[-1]
        if (size + 2 * p - eff) % s:
            with pytest.raises(ValueError, match=f"PyTorch would silently use {torch_out}"):
                conv_output_size(size, k, s, p, d)
        else:
            assert conv_output_size(size, k, s, p, d) == torch_out
            checked += 1
    assert checked > 300


def test_pool_and_transposed_sizes_match_torch():
    for size, k, s, p in itertools.product(range(2, 10), range(1, 4), range(1, 4), range(0, 2)):
        if p > k // 2 or size + 2 * p < k or (size + 2 * p - k) % s:
            continue
        assert pool_output_size(size, k, s, p) == nn.MaxPool1d(k, s, p)(
            torch.zeros(1, 1, size)).shape[-1]
    for size, k, s, p, op, d in itertools.product(range(1, 6), range(1, 4), range(1, 4),
                                                  range(0, 2), range(0, 2), range(1, 3)):
        if op >= max(s, d):
            continue
        layer = nn.ConvTranspose1d(1, 1, k, s, p, op, dilation=d)
        try:
            expected = layer(torch.zeros(1, 1, size)).shape[-1]
        except RuntimeError:
            with pytest.raises(ValueError):
                conv_transpose_output_size(size, k, s, p, op, d)
            continue
        assert conv_transpose_output_size(size, k, s, p, op, d) == expected


def test_same_padding_keeps_the_size():
    for k, d in itertools.product((1, 3, 5, 7), (1, 2, 3)):
        p = same_padding(k, d)
        assert nn.Conv2d(1, 1, k, padding=p, dilation=d)(torch.zeros(1, 1, 9, 9)).shape[-1] == 9
    with pytest.raises(ValueError, match="use an odd kernel"):
        same_padding(4)


def test_conv_params_match_torch():
    for c_in, c_out, k, bias in itertools.product((1, 3), (2, 10), (1, 3, 5), (True, False)):
        layer = nn.Conv2d(c_in, c_out, k, bias=bias)
        assert conv_params(c_in, c_out, k, bias=bias) == sum(p.numel() for p in layer.parameters())


def test_receptive_field_formula_and_strides():
    for k, layers in itertools.product((3, 5), range(1, 6)):
        assert receptive_field([(k, 1)] * layers)[-1].size == 1 + layers * (k - 1)
    rf = receptive_field([(3, 1), (2, 2), (3, 1), (2, 2), (3, 1, 2)])
    assert [r.size for r in rf] == [3, 4, 8, 10, 26] and rf[-1].jump == 4


def _check_summary(model, shape):
    table = summary(model, shape)
    assert table.total_params == sum(p.numel() for p in model.parameters())
    with FlopCounterMode(display=False) as counter:
        model.eval()
        with torch.no_grad():
            model(torch.zeros(shape))
    assert table.total_flops == counter.get_total_flops()
    return table


def test_summary_on_torchvision_models_against_flop_counter():
    for model in (torchvision.models.alexnet(), torchvision.models.resnet18(),
                  torchvision.models.vgg11()):
        _check_summary(model, (1, 3, 224, 224))


def test_summary_counts_parameters_held_beside_children():
    """timm's BatchNormAct2d keeps a batch norm's weight and bias next to an activation child:
    the summary counts them too, so its total is every parameter of the model."""
    import timm

    model = timm.create_model("tf_efficientnet_lite0", pretrained=False)
    table = _check_summary(model, (1, 3, 64, 64))
    assert table.total_params == sum(p.numel() for p in model.parameters()) == 4_652_008
    assert any(r.kind == "BatchNormAct2d" and r.params == 64 for r in table.rows)


def test_summary_shapes_and_receptive_field_on_a_chain():
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(8, 16, 3), nn.Flatten(), nn.Linear(16 * 14 * 14, 10),
                          nn.ConvTranspose2d(1, 1, 1) if False else nn.Identity())
    table = _check_summary(model, (2, 3, 32, 32))
    shapes = [r.output_shape for r in table.rows]
    assert shapes[0] == (2, 8, 32, 32) and shapes[2] == (2, 8, 16, 16)
    assert shapes[3] == (2, 16, 14, 14) and shapes[5] == (2, 10)
    assert [r.receptive_field for r in table.rows[:4]] == [3, 3, 4, 8]
    assert table.rows[5].receptive_field is None
    assert table.rows[0].activation_bytes == 2 * 8 * 32 * 32 * 4
    assert "<table>" in table._repr_html_()


def test_bad_inputs_get_clear_errors():
    with pytest.raises(ValueError, match="size must be >= 1"):
        conv_output_size(0, 3)
    with pytest.raises(ValueError, match="kernel must be a whole number"):
        conv_output_size(7, 2.5)
    with pytest.raises(ValueError, match="output_padding must be smaller"):
        conv_transpose_output_size(4, 3, stride=2, output_padding=2)
    with pytest.raises(ValueError, match="more than half the pooling window"):
        pool_output_size(8, 2, 2, padding=2)
    with pytest.raises(ValueError, match="must be \\(kernel, stride\\)"):
        receptive_field([(3,)])


@pytest.mark.parametrize(("shape", "k", "s", "p", "d"), [
    ((4, 4), 2, 2, 0, 1), ((7, 7), 3, 2, 0, 1), ((5, 7), 3, 1, 1, 1), ((9, 5), 2, 1, 1, 2),
    ((10, 7), 3, 3, 1, 1), ((6, 10), 1, 1, 0, 1)])
@pytest.mark.parametrize("kind", ["max", "average"])
def test_pool2d_windows_match_torch(shape, k, s, p, d, kind):
    from course_utils.arithmetic import pool2d_windows

    x = torch.randn(shape, generator=torch.Generator().manual_seed(sum(shape) + k),
                    dtype=torch.float64)
    if kind == "average" and d > 1:
        with pytest.raises(ValueError, match="no dilation"):
            pool2d_windows(x.numpy(), k, s, p, d, kind=kind)
        return
    ours = pool2d_windows(x.numpy(), k, s, p, d, kind=kind)
    theirs = (torch.nn.functional.max_pool2d(x[None, None], k, s, p, d) if kind == "max"
              else torch.nn.functional.avg_pool2d(x[None, None], k, s, p))[0, 0]
    assert ours.shape == tuple(theirs.shape)
    assert ours == pytest.approx(theirs.numpy(), abs=1e-12)  # float64: exact up to rounding


def test_pool2d_windows_on_the_decks_input_and_bad_arguments():
    from course_utils.arithmetic import DECK_POOLING_INPUT, pool2d_windows

    x = np.array(DECK_POOLING_INPUT, dtype=float)
    assert pool2d_windows(x, 2).tolist() == [[6, 8], [3, 4]]  # decks 003, 004
    assert pool2d_windows(x, 2, kind="average").tolist() == [[3.25, 5.25], [2, 2]]
    with pytest.raises(ValueError, match="kind must be"):
        pool2d_windows(x, 2, kind="median")
    with pytest.raises(ValueError, match="2D array"):
        pool2d_windows(x[None], 2)
    with pytest.raises(ValueError, match="not a whole number"):
        pool2d_windows(np.zeros((5, 5)), 2)


def test_layer_output_size_of_every_kind_matches_its_torch_layer():
    from course_utils.arithmetic import LAYER_KINDS, layer_output_size

    layers = {"convolution": lambda k, s, p, d: nn.Conv1d(1, 1, k, s, p, d),
              "max pooling": lambda k, s, p, d: nn.MaxPool1d(k, s, p, d),
              "average pooling": lambda k, s, p, d: nn.AvgPool1d(k, s, p),
              "transposed convolution": lambda k, s, p, d: nn.ConvTranspose1d(1, 1, k, s, p,
                                                                              dilation=d)}
    checked = dict.fromkeys(LAYER_KINDS, 0)
    for kind, (n, k, s, p, d) in itertools.product(LAYER_KINDS, GRID):
        try:
            ours = layer_output_size(kind, n, k, s, p, d)
        except ValueError:
            ours = None
        if kind == "average pooling" and d > 1:
            assert ours is None  # nn.AvgPool1d has no dilation
            continue
        try:
            theirs = layers[kind](k, s, p, d)(torch.zeros(1, 1, n)).shape[-1]
        except RuntimeError:
            theirs = None
        if ours is None:  # refused: torch refuses too, or floors a size that does not fit
            eff = d * (k - 1) + 1
            assert theirs is None or (kind != "transposed convolution"
                                      and (n + 2 * p - eff) % s), (kind, n, k, s, p, d)
        else:
            assert ours == theirs, (kind, n, k, s, p, d)
            checked[kind] += 1
    assert min(checked.values()) > 100
    with pytest.raises(ValueError, match="kind must be one of"):
        layer_output_size("conv", 7, 3)


def test_summary_on_the_meta_device_equals_the_cpu_summary_and_memory_convention():
    from course_utils.architectures import alexnet_deck

    cpu = summary(alexnet_deck(), (1, 3, 227, 227))
    with torch.device("meta"):
        model = alexnet_deck()
    meta = summary(model, (1, 3, 227, 227))
    assert meta.rows == cpu.rows and meta.total_macs == cpu.total_macs
    # Conv and FC outputs, float32 (deck 003's convention), by hand: 55x55x96, 27x27x256,
    # 13x13x384 twice, 13x13x256, then 4096, 4096, 1000 values of 4 bytes.
    by_hand = 4 * (55 * 55 * 96 + 27 * 27 * 256 + 2 * 13 * 13 * 384 + 13 * 13 * 256 + 9192)
    assert cpu.memory() == by_hand
    assert cpu.memory(("MaxPool2d",)) == 4 * (27 * 27 * 96 + 13 * 13 * 256 + 6 * 6 * 256)
    assert cpu.activation_bytes > cpu.memory()  # every layer, ReLUs included


@pytest.mark.parametrize("layers", [[(3, 1)] * 4, [(5, 1)] * 2, [(3, 2), (3, 1), (2, 2), (3, 1)],
                                    [(3, 1, 2), (3, 1, 3)], [(7, 2), (3, 2, 2)]])
def test_measured_receptive_field_agrees_with_the_recursion(layers):
    from course_utils.arithmetic import measured_receptive_field

    assert measured_receptive_field(layers) == receptive_field(layers)[-1].size


def test_measured_receptive_field_refuses_an_input_too_small():
    from course_utils.arithmetic import measured_receptive_field

    with pytest.raises((ValueError, RuntimeError)):
        measured_receptive_field([(5, 1)] * 4, size=8)


def test_deck_tables_compare_row_by_row_and_flag_the_decks_slips():
    from course_utils.architectures import alexnet_deck, vgg16
    from course_utils.arithmetic import DECK000_ALEXNET, DECK000_VGG16, compare_with_deck_table

    with torch.device("meta"):
        alex, vgg = alexnet_deck(), vgg16()
    rows = compare_with_deck_table(alex, (1, 3, 227, 227), DECK000_ALEXNET)
    assert [r["layer"] for r in rows if r["verdict"] != "agrees"] == [
        "Input", "Norm1", "Norm2", "Conv5"]
    conv5 = rows[9]
    assert conv5["ours: feature map"] == "13x13x128x2" and conv5["ours: memory (K)"] == "21.6"
    assert rows[1]["ours: parameters (K)"] == "34.8"  # 11*11*3*96 weights, no biases
    vgg_rows = compare_with_deck_table(vgg, (1, 3, 224, 224), DECK000_VGG16)
    assert [r["layer"] for r in vgg_rows if r["verdict"] != "agrees"] == ["Input"]
    # a deck cell changed by more than its last digit is flagged
    wrong = list(DECK000_VGG16)
    wrong[1] = ("Conv 1-1", "224x224x64", "1.9", "3,211")
    assert compare_with_deck_table(vgg, (1, 3, 224, 224), wrong)[1]["verdict"] == (
        "differs: parameters")
    assert rows[9]["verdict"] == "differs: feature map, memory"  # conv5
    with pytest.raises(ValueError, match="rows to compare"):
        compare_with_deck_table(vgg, (1, 3, 224, 224), DECK000_ALEXNET)


def test_conv_params_refuses_bad_kernels_and_groups_and_matches_torch():
    for c_in, c_out, kernel, groups in [(3, 10, 5, 1), (4, 10, (3, 5), 2), (6, 6, 3, 6)]:
        conv = nn.Conv2d(c_in, c_out, kernel, groups=groups)
        assert conv_params(c_in, c_out, kernel, groups=groups) == sum(
            p.numel() for p in conv.parameters())
    with pytest.raises(ValueError, match=r"kernel must be >= 1, got -5"):
        conv_params(3, 10, -5)  # used to return 760
    with pytest.raises(ValueError, match=r"kernel must be a whole number, got 5.0 \(float\)"):
        conv_params(3, 10, 5.0)  # used to fail with "cannot unpack non-iterable float"
    with pytest.raises(ValueError, match=r"kernel width must be >= 1, got 0"):
        conv_params(3, 10, (3, 0))
    with pytest.raises(ValueError, match=r"kernel must be one positive whole number K or a "
                                         r"pair \(K_H, K_W\), got \(3, 3, 3\)"):
        conv_params(3, 10, (3, 3, 3))
    with pytest.raises(ValueError, match=r"c_in \(3\) and c_out \(10\) must both be divisible "
                                         r"by groups \(2\).*one of \[1\]"):
        conv_params(3, 10, 5, groups=2)  # used to return 260; torch refuses it:
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 10, 5, groups=2)
    with pytest.raises(ValueError, match=r"groups must be >= 1, got 0"):
        conv_params(4, 4, 3, groups=0)


def test_receptive_field_refuses_bare_kernels_with_the_form_it_wants():
    from course_utils.arithmetic import measured_receptive_field

    with pytest.raises(ValueError, match=r"layers\[0\] must be \(kernel, stride\) or \(kernel, "
                                         r"stride, dilation\), a tuple such as \(3, 1\), got 3"):
        receptive_field([3, 3])  # used to fail with "object of type 'int' has no len()"
    with pytest.raises(ValueError, match=r"layers\[0\] must be"):
        measured_receptive_field([3, 3])
    with pytest.raises(ValueError, match=r"layers must be a list of \(kernel, stride\)"):
        receptive_field(3)
    with pytest.raises(ValueError, match=r"layers\[1\] stride must be >= 1, got 0"):
        receptive_field([(3, 1), (3, 0)])
    with pytest.raises(ValueError, match=r"layers\[0\] kernel must be a whole number"):
        receptive_field([(2.5, 1)])
    layers = [(3, 1), (3, 2), (3, 1, 2)]
    assert receptive_field(layers)[-1].size == measured_receptive_field(layers) == 13  # 1+2+2+2*2*2


def test_pool_output_size_refuses_a_negative_kernel_before_comparing_padding():
    with pytest.raises(ValueError, match=r"kernel must be >= 1, got -2"):
        pool_output_size(8, -2)
    assert pool_output_size(8, 2) == torch.nn.MaxPool2d(2)(torch.zeros(1, 8, 8)).shape[-1]
