"""CNN layer arithmetic: output sizes, padding, parameters, MACs, memory, receptive fields.

Used by notebooks 06-12. Sizes follow PyTorch: ``out = (W + 2P - D(K - 1) - 1) / S + 1``.
Where PyTorch floors a size that does not fit, these functions refuse it with a
``ValueError`` that names the fractional result and the strides and paddings that would
fit (deck 002's 7x7 input, 3x3 filter, stride 3 = 2.33).

Counting convention: one multiply-accumulate (MAC) = 2 FLOPs; only convolutions and
linear layers are counted (biases, activations, pooling and normalisation are a few
percent more), as ``torch.utils.flop_counter`` counts them.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from course_utils.validate import as_array, as_number

__all__ = [
    "conv_output_size", "pool_output_size", "conv_transpose_output_size", "window_indices",
    "pool2d_windows", "layer_output_size", "same_padding", "conv_params", "RF",
    "receptive_field", "LayerRow", "Summary", "summary", "measured_receptive_field",
    "compare_with_deck_table",
]


def _int(value, name: str, minimum: int) -> int:
    return as_number(value, name, minimum=minimum, integer=True)


def _fits(size: int, padding: int, effective: int, stride: int, what: str) -> int:
    span = size + 2 * padding - effective
    if span < 0:
        raise ValueError(f"the {what} spans {effective} pixels but the padded input has only "
                         f"{size + 2 * padding} ({size} + 2*{padding}): use a smaller kernel "
                         f"or at least {-(-(effective - size) // 2)} padding")
    if span % stride:
        exact = span / stride + 1
        strides = [s for s in range(1, span + 1) if span % s == 0]
        paddings = [p for p in range(max(padding - stride, 0), padding + stride + 1)
                    if (size + 2 * p - effective) >= 0 and (size + 2 * p - effective) % stride == 0]
        raise ValueError(
            f"output size ({size} + 2*{padding} - {effective}) / {stride} + 1 = {exact:.2f} is "
            f"not a whole number: the {what} does not fit (PyTorch would silently use "
            f"{span // stride + 1}). Strides that fit: {strides}; paddings that fit with "
            f"stride {stride}: {paddings or 'none nearby'}")
    return span // stride + 1


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0,
                     dilation: int = 1) -> int:
    """Output length of a convolution along one axis; refuses sizes that do not fit."""
    size, kernel = _int(size, "size", 1), _int(kernel, "kernel", 1)
    stride, padding = _int(stride, "stride", 1), _int(padding, "padding", 0)
    dilation = _int(dilation, "dilation", 1)
    return _fits(size, padding, dilation * (kernel - 1) + 1, stride, "kernel")


def pool_output_size(size: int, kernel: int, stride: int | None = None, padding: int = 0,
                     dilation: int = 1) -> int:
    """Output length of max / average pooling (stride defaults to the kernel, as in torch)."""
    kernel = _int(kernel, "kernel", 1)
    stride = kernel if stride is None else stride
    padding = _int(padding, "padding", 0)
    if padding > kernel // 2:
        raise ValueError(f"padding {padding} is more than half the pooling window {kernel} "
                         "(PyTorch refuses it too)")
    size, kernel = _int(size, "size", 1), _int(kernel, "kernel", 1)
    stride, dilation = _int(stride, "stride", 1), _int(dilation, "dilation", 1)
    return _fits(size, padding, dilation * (kernel - 1) + 1, stride, "pooling window (kernel)")


def conv_transpose_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0,
                               output_padding: int = 0, dilation: int = 1) -> int:
    """Output length of a transposed convolution: (W - 1) S - 2P + D(K - 1) + OP + 1."""
    size, kernel = _int(size, "size", 1), _int(kernel, "kernel", 1)
    stride, padding = _int(stride, "stride", 1), _int(padding, "padding", 0)
    dilation = _int(dilation, "dilation", 1)
    output_padding = _int(output_padding, "output_padding", 0)
    if output_padding >= max(stride, dilation):
        raise ValueError(f"output_padding must be smaller than the stride or the dilation "
                         f"(here < {max(stride, dilation)}), got {output_padding}")
    out = (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1
    if out < 1:
        raise ValueError(f"padding {padding} removes the whole output ({out}); use less")
    return out


# The 4x4 "single depth slice" of CS231n that decks 003 and 004 pool with 2x2 windows,
# stride 2 (a picture in the decks; their text keeps only the outputs).
DECK_POOLING_INPUT = ((1, 1, 2, 4), (5, 6, 7, 8), (3, 2, 1, 0), (1, 2, 3, 4))


def window_indices(index: int, *, kernel: int, stride: int = 1, dilation: int = 1,
                   offset: int = 0) -> np.ndarray:
    """The positions along one axis that kernel tap 0..K-1 of window ``index`` touches.

    A convolution or pooling window of output ``index`` reads the padded input at
    ``index * S + D * k`` (``offset`` 0); a transposed convolution's input ``index`` writes
    the output at ``index * S - P + D * k`` (``offset`` = -P). Positions may fall outside
    the grid; the caller clips them.
    """
    index, offset = as_number(index, "index", integer=True), as_number(offset, "offset",
                                                                       integer=True)
    kernel, stride = _int(kernel, "kernel", 1), _int(stride, "stride", 1)
    return index * stride + offset + _int(dilation, "dilation", 1) * np.arange(kernel)


def pool2d_windows(x, kernel: int, stride: int | None = None, padding: int = 0,
                   dilation: int = 1, *, kind: str = "max") -> np.ndarray:
    """Max or average pooling of one 2D array [H, W], one window at a time (notebook 07).

    Padding counts as -inf for max and as 0 for the average (torch's defaults,
    ``count_include_pad=True``); sizes that do not fit are refused (``pool_output_size``).
    """
    x = as_array(x, "x", nonempty=True)
    if x.ndim != 2:
        raise ValueError(f"x must be a 2D array [H, W], got shape {x.shape}")
    if kind not in ("max", "average"):
        raise ValueError(f"kind must be 'max' or 'average', got {kind!r}")
    if kind == "average" and dilation != 1:
        raise ValueError(f"average pooling has no dilation (nn.AvgPool2d takes none), got "
                         f"dilation {dilation}: use 1")
    stride = kernel if stride is None else stride
    oh = pool_output_size(x.shape[0], kernel, stride, padding, dilation)
    ow = pool_output_size(x.shape[1], kernel, stride, padding, dilation)
    padded = np.pad(x, padding, constant_values=-np.inf if kind == "max" else 0.0)
    reduce = np.max if kind == "max" else np.mean
    out = np.empty((oh, ow))
    for i in range(oh):
        rows = window_indices(i, kernel=kernel, stride=stride, dilation=dilation)
        for j in range(ow):
            cols = window_indices(j, kernel=kernel, stride=stride, dilation=dilation)
            out[i, j] = reduce(padded[np.ix_(rows, cols)])
    return out


LAYER_KINDS = ("convolution", "max pooling", "average pooling", "transposed convolution")


def layer_output_size(kind: str, size: int, kernel: int, stride: int = 1, padding: int = 0,
                      dilation: int = 1) -> int:
    """Output length of one layer of ``kind`` (one of ``LAYER_KINDS``), as its torch layer."""
    if kind not in LAYER_KINDS:
        raise ValueError(f"kind must be one of {LAYER_KINDS}, got {kind!r}")
    if kind == "convolution":
        return conv_output_size(size, kernel, stride, padding, dilation)
    if kind == "transposed convolution":
        return conv_transpose_output_size(size, kernel, stride, padding, dilation=dilation)
    if kind == "average pooling" and dilation != 1:
        raise ValueError(f"average pooling has no dilation (nn.AvgPool2d takes none), got "
                         f"dilation {dilation}: use 1")
    return pool_output_size(size, kernel, stride, padding, dilation)


def same_padding(kernel: int, dilation: int = 1) -> int:
    """P = D(K - 1) / 2, the padding that keeps the size at stride 1 (needs an odd K)."""
    kernel, dilation = _int(kernel, "kernel", 1), _int(dilation, "dilation", 1)
    total = dilation * (kernel - 1)
    if total % 2:
        raise ValueError(f"no symmetric 'same' padding for kernel {kernel} (dilation "
                         f"{dilation}): D(K - 1) = {total} is odd; use an odd kernel")
    return total // 2


def conv_params(c_in: int, c_out: int, kernel: int | tuple[int, int], *, bias: bool = True,
                groups: int = 1) -> int:
    """Weights C_out x C_in/groups x K_H x K_W, plus C_out biases."""
    kh, kw = _kernel_hw(kernel)
    c_in, c_out = _int(c_in, "c_in", 1), _int(c_out, "c_out", 1)
    groups = _int(groups, "groups", 1)
    if c_in % groups or c_out % groups:
        divisors = [g for g in range(1, min(c_in, c_out) + 1)
                    if c_in % g == 0 and c_out % g == 0]
        raise ValueError(f"c_in ({c_in}) and c_out ({c_out}) must both be divisible by groups "
                         f"({groups}), as nn.Conv2d requires: use groups that divides both "
                         f"(here one of {divisors})")
    return c_out * (c_in // groups) * kh * kw + (c_out if bias else 0)


def _kernel_hw(kernel) -> tuple[int, int]:
    """``kernel`` as (K_H, K_W): one positive whole number, or a pair of them."""
    if isinstance(kernel, Sequence) and not isinstance(kernel, str):
        if len(kernel) != 2:
            raise ValueError(f"kernel must be one positive whole number K or a pair (K_H, K_W), "
                             f"got {kernel!r}")
        return _int(kernel[0], "kernel height", 1), _int(kernel[1], "kernel width", 1)
    return (_int(kernel, "kernel", 1),) * 2


def _layer_list(layers) -> list[tuple[int, int, int]]:
    """``layers`` as (kernel, stride, dilation) triples, or a ``ValueError`` naming the bad one."""
    if not isinstance(layers, Sequence) or isinstance(layers, str):
        raise ValueError(f"layers must be a list of (kernel, stride) or (kernel, stride, "
                         f"dilation) tuples, e.g. [(3, 1), (3, 1)], got {layers!r:.60}")
    out = []
    for i, layer in enumerate(layers):
        if (not isinstance(layer, Sequence) or isinstance(layer, str)
                or not 2 <= len(layer) <= 3):
            raise ValueError(f"layers[{i}] must be (kernel, stride) or (kernel, stride, "
                             f"dilation), a tuple such as (3, 1), got {layer!r}")
        kernel = _int(layer[0], f"layers[{i}] kernel", 1)
        stride = _int(layer[1], f"layers[{i}] stride", 1)
        dilation = _int(layer[2], f"layers[{i}] dilation", 1) if len(layer) == 3 else 1
        out.append((kernel, stride, dilation))
    return out


class RF(NamedTuple):
    """Receptive field of one output unit, and the jump (input pixels per output step)."""

    size: int
    jump: int


def receptive_field(layers: Sequence[tuple[int, ...]]) -> list[RF]:
    """Receptive field after each layer of ``(kernel, stride[, dilation])``, input first.

    ``rf_l = rf_{l-1} + D(K - 1) * jump_{l-1}`` and ``jump_l = jump_{l-1} * S``; with stride 1
    and no dilation, L layers of K x K see ``1 + L(K - 1)`` pixels (deck 003).
    """
    rf, jump, out = 1, 1, []
    for kernel, stride, dilation in _layer_list(layers):
        rf += dilation * (kernel - 1) * jump
        jump *= stride
        out.append(RF(rf, jump))
    return out


# -- a per-layer table of any PyTorch model ---------------------------------------------------

class LayerRow(NamedTuple):
    name: str
    kind: str
    output_shape: tuple[int, ...]
    params: int
    macs: int
    activation_bytes: int
    receptive_field: int | None


class Summary(NamedTuple):
    """Per-layer rows and totals; shows as an HTML table in a notebook."""

    rows: list[LayerRow]
    input_shape: tuple[int, ...]

    @property
    def total_params(self) -> int:
        return sum(r.params for r in self.rows)

    @property
    def total_macs(self) -> int:
        return sum(r.macs for r in self.rows)

    @property
    def total_flops(self) -> int:
        return 2 * self.total_macs

    @property
    def activation_bytes(self) -> int:
        """Every recorded layer's output, in bytes (in-place ReLUs and Dropout included, so
        a tensor they overwrite counts twice: an upper bound, not what torch allocates)."""
        return sum(r.activation_bytes for r in self.rows)

    def memory(self, kinds: Sequence[str] = ("Conv2d", "Linear")) -> int:
        """Bytes of the outputs of the layers whose type is in ``kinds`` (default: conv and
        fully connected layers, the convention of deck 003's 1.9 MB / 48.6 MB)."""
        return sum(r.activation_bytes for r in self.rows if r.kind in kinds)

    def table(self) -> list[dict]:
        return [{"layer": r.name, "type": r.kind, "output": "x".join(map(str, r.output_shape)),
                 "parameters": f"{r.params:,}", "MACs": f"{r.macs:,}",
                 "activations (KB)": f"{r.activation_bytes / 1024:,.1f}",
                 "receptive field": "" if r.receptive_field is None else r.receptive_field}
                for r in self.rows]

    def _repr_html_(self) -> str:
        rows = self.table()
        head = "".join(f"<th>{html.escape(k)}</th>" for k in rows[0])
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r.values())
                       + "</tr>" for r in rows)
        total = (f"<tr><td><b>total</b></td><td></td><td></td><td><b>{self.total_params:,}"
                 f"</b></td><td><b>{self.total_macs:,}</b></td><td><b>"
                 f"{self.activation_bytes / 1024:,.1f}</b></td><td></td></tr>")
        return (f"<table><caption>input {'x'.join(map(str, self.input_shape))}; 1 MAC = 2 "
                f"FLOPs</caption><thead><tr>{head}</tr></thead><tbody>{body}{total}</tbody>"
                "</table>")


def _macs(module, inputs, output) -> int:
    import torch.nn as nn

    if isinstance(module, nn.Conv1d | nn.Conv2d | nn.Conv3d):
        kernel = 1
        for k in module.kernel_size:
            kernel *= k
        return output.numel() * (module.in_channels // module.groups) * kernel
    if isinstance(module, nn.ConvTranspose1d | nn.ConvTranspose2d | nn.ConvTranspose3d):
        kernel = 1
        for k in module.kernel_size:
            kernel *= k
        return inputs[0].numel() * (module.out_channels // module.groups) * kernel
    if isinstance(module, nn.Linear):
        return output.numel() * module.in_features
    return 0


def _window(module) -> tuple[int, int, int] | None:
    """(kernel, stride, dilation) of a conv or pooling layer along its first spatial axis."""
    def first(v):
        return v[0] if isinstance(v, tuple) else v

    if hasattr(module, "kernel_size") and hasattr(module, "stride"):
        stride = module.stride if module.stride is not None else module.kernel_size
        return first(module.kernel_size), first(stride), first(getattr(module, "dilation", 1))
    return None


def summary(model, input_shape: tuple[int, ...]) -> Summary:
    """Run one zero input of ``input_shape`` (with the batch axis) and tabulate each leaf layer.

    The input goes on the model's device: build the model under ``torch.device("meta")``
    and nothing is allocated (shapes, parameters and MACs need no weights).

    Parameters count each leaf module's own tensors (and those of a module that holds
    parameters beside its children, so the total is every parameter); MACs as above;
    activation memory is the layer's output size in bytes; the receptive field follows conv
    and pooling layers in the order they run (it is only meaningful for a chain, and stops
    at the first Linear layer).
    """
    import torch

    shape = tuple(_int(s, "input_shape entry", 1) for s in input_shape)
    rows: list[LayerRow] = []
    state = {"rf": 1, "jump": 1, "alive": True}

    def hook(name):
        def record(module, inputs, output):
            if not isinstance(output, torch.Tensor):
                return
            window = _window(module)
            if isinstance(module, torch.nn.Linear):
                state["alive"] = False
            if window is not None and state["alive"]:
                k, s, d = window
                state["rf"] += d * (k - 1) * state["jump"]
                state["jump"] *= s
            params = sum(p.numel() for p in module.parameters(recurse=False))
            rows.append(LayerRow(name, type(module).__name__, tuple(output.shape), params,
                                 _macs(module, inputs, output),
                                 output.numel() * output.element_size(),
                                 state["rf"] if state["alive"] else None))
        return record

    # Leaves, and any module holding parameters of its own beside its children (timm's
    # BatchNormAct2d: a batch norm's weight and bias around an activation child).
    layers = [(n, m) for n, m in model.named_modules()
              if not list(m.children()) or next(m.parameters(recurse=False), None) is not None]
    handles = [m.register_forward_hook(hook(n)) for n, m in layers]
    was_training = model.training
    model.eval()
    try:
        first = next(model.parameters(), None)  # a model built on the "meta" device runs
        dtype = first.dtype if first is not None else torch.float32  # there without weights
        device = first.device if first is not None else torch.device("cpu")
        with torch.no_grad():
            model(torch.zeros(shape, dtype=dtype, device=device))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return Summary(rows, shape)


def measured_receptive_field(layers: Sequence[tuple[int, ...]], size: int = 64) -> int:
    """Receptive field of the centre output of a stack of ``(kernel, stride[, dilation])``
    convolutions, measured with autograd: how many input columns its gradient reaches.

    An independent check of ``receptive_field`` and of deck 003's ``1 + L(K - 1)`` (all
    weights 1, so no gradient cancels).
    """
    import torch

    size = _int(size, "size", 1)
    convs = []
    for kernel, stride, dilation in _layer_list(layers):
        conv = torch.nn.Conv2d(1, 1, kernel, stride, dilation=dilation, bias=False)
        torch.nn.init.ones_(conv.weight)
        convs.append(conv)
    x = torch.zeros(1, 1, size, size, requires_grad=True)
    out = torch.nn.Sequential(*convs)(x)
    h, w = out.shape[-2:]
    if min(h, w) < 1:
        raise ValueError(f"size {size} is too small for these layers: use a larger input")
    out[0, 0, h // 2, w // 2].backward()
    columns = torch.nonzero(x.grad[0, 0].abs().sum(0))
    return int(columns.max() - columns.min() + 1)


# -- deck 000's per-layer tables, as printed -----------------------------------------------
# (row, feature map, #parameters, memory): parameters and memory in thousands ("K"), memory
# per GPU half on the rows written "x2"; None where the deck leaves the cell empty.

DECK000_ALEXNET = (
    ("Input", "227x227x3", None, "150"), ("Conv1", "55x55x48x2", "35", "145"),
    ("Norm1", "27x27x48x2", None, "35"), ("MaxPool1", "27x27x48x2", None, "35"),
    ("Conv2", "27x27x128x2", "307", "93"), ("Norm2", "13x13x128x2", None, "22"),
    ("MaxPool2", "13x13x128x2", None, "22"), ("Conv3", "13x13x192x2", "885", "32"),
    ("Conv4", "13x13x192x2", "664", "32"), ("Conv5", "13x13x192x2", "442", "32"),
    ("MaxPool3", "6x6x128x2", None, "5"), ("FC6", "4096", "37,749", "4"),
    ("FC7", "4096", "16,777", "4"), ("FC8", "1000", "4,096", "1"))

DECK000_VGG16 = (
    ("Input", "227x227x3", None, "150"),
    ("Conv 1-1", "224x224x64", "1.7", "3,211"), ("Conv 1-2", "224x224x64", "37", "3,211"),
    ("Pool 1", "112x112x64", None, "803"),
    ("Conv 2-1", "112x112x128", "74", "1,606"), ("Conv 2-2", "112x112x128", "147", "1,606"),
    ("Pool 2", "56x56x128", None, "401"),
    ("Conv 3-1", "56x56x256", "295", "803"), ("Conv 3-2", "56x56x256", "590", "803"),
    ("Conv 3-3", "56x56x256", "590", "803"), ("Pool 3", "28x28x256", None, "200"),
    ("Conv 4-1", "28x28x512", "1,180", "401"), ("Conv 4-2", "28x28x512", "2,359", "401"),
    ("Conv 4-3", "28x28x512", "2,359", "401"), ("Pool 4", "14x14x512", None, "100"),
    ("Conv 5-1", "14x14x512", "2,359", "100"), ("Conv 5-2", "14x14x512", "2,359", "100"),
    ("Conv 5-3", "14x14x512", "2,359", "100"), ("Pool 5", "7x7x512", None, "25"),
    ("FC 6", "4096", "102,760", "4"), ("FC 7", "4096", "16,777", "4"),
    ("FC 8", "1000", "4,096", "1"))

_NOT_IN_DECK_TABLES = ("ReLU", "Flatten", "Dropout")


def _within_last_digit(printed: str | None, value: float) -> bool:
    """Whether ``value`` (in K) is within one unit of the printed number's last digit."""
    if printed is None:
        return value == 0
    digits = printed.replace(",", "")
    unit = 10.0 ** -len(digits.split(".")[1]) if "." in digits else 1.0
    return abs(float(digits) - value) < unit


def compare_with_deck_table(model, input_shape: tuple[int, ...], deck_rows) -> list[dict]:
    """Deck 000's per-layer table (``DECK000_ALEXNET`` / ``DECK000_VGG16``) beside ours (07).

    Our rows: the input, then every layer but activations, flattening and dropout, in the
    order they run. Parameters are weights only (the deck counts no biases) and memory the
    number of output values, both in thousands, memory per GPU half on "x2" rows. A deck
    number agrees when it is within one unit of its last printed digit (the deck rounds
    loosely: "150K" for 150,528); the verdict names the columns that differ. Build ``model``
    on the meta device: no weights needed.
    """
    table = summary(model, input_shape)
    modules = dict(model.named_modules())
    ours = [("input", tuple(input_shape), 0)] + [
        (r.name, r.output_shape, getattr(modules[r.name], "weight", None))
        for r in table.rows if r.kind not in _NOT_IN_DECK_TABLES]
    if len(ours) != len(deck_rows):
        raise ValueError(f"the model has {len(ours)} rows to compare (input included), "
                         f"deck_rows {len(deck_rows)}: pass the deck's table for this model")
    rows = []
    for (deck_name, fmap, params, memory), (_, shape, weight) in zip(deck_rows, ours,
                                                                     strict=True):
        halves = 2 if fmap.endswith("x2") else 1
        dims = shape[1:] if len(shape) == 2 else (*shape[2:], shape[1] // halves)
        our_fmap = "x".join(map(str, dims)) + ("x2" if halves == 2 else "")
        weights = 0 if weight is None or isinstance(weight, int) else weight.numel()
        values = 1
        for d in shape[1:]:
            values *= d
        wrong = [what for what, ok in (
            ("feature map", fmap == our_fmap),
            ("parameters", _within_last_digit(params, weights / 1e3)),
            ("memory", _within_last_digit(memory, values / halves / 1e3))) if not ok]
        rows.append({"layer": deck_name, "deck: feature map": fmap, "ours: feature map": our_fmap,
                     "deck: parameters (K)": params or "",
                     "ours: parameters (K)": f"{weights / 1e3:,.1f}" if weights else "",
                     "deck: memory (K)": memory,
                     "ours: memory (K)": f"{values / halves / 1e3:,.1f}",
                     "verdict": "differs: " + ", ".join(wrong) if wrong else "agrees"})
    return rows
