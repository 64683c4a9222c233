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

from course_utils.validate import as_number


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
    stride = kernel if stride is None else stride
    padding = _int(padding, "padding", 0)
    if padding > kernel // 2:
        raise ValueError(f"padding {padding} is more than half the pooling window {kernel} "
                         "(PyTorch refuses it too)")
    size, kernel = _int(size, "size", 1), _int(kernel, "kernel", 1)
    stride, dilation = _int(stride, "stride", 1), _int(dilation, "dilation", 1)
    return _fits(size, padding, dilation * (kernel - 1) + 1, stride, "pooling window")


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
    return index * stride + offset + dilation * np.arange(kernel)


def pool2d_windows(x, kernel: int, stride: int | None = None, padding: int = 0,
                   dilation: int = 1, *, kind: str = "max") -> np.ndarray:
    """Max or average pooling of one 2D array [H, W], one window at a time (notebook 07).

    Padding counts as -inf for max and as 0 for the average (torch's defaults,
    ``count_include_pad=True``); sizes that do not fit are refused (``pool_output_size``).
    """
    x = np.asarray(x, dtype=float)
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
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    c_in, c_out = _int(c_in, "c_in", 1), _int(c_out, "c_out", 1)
    return c_out * (c_in // groups) * kh * kw + (c_out if bias else 0)


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
    for i, layer in enumerate(layers):
        if not 2 <= len(layer) <= 3:
            raise ValueError(f"layer {i} must be (kernel, stride) or (kernel, stride, "
                             f"dilation), got {layer!r}")
        kernel, stride = _int(layer[0], "kernel", 1), _int(layer[1], "stride", 1)
        dilation = _int(layer[2], "dilation", 1) if len(layer) == 3 else 1
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
        return sum(r.activation_bytes for r in self.rows)

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
        dtype = next((p.dtype for p in model.parameters()), torch.float32)
        with torch.no_grad():
            model(torch.zeros(shape, dtype=dtype))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return Summary(rows, shape)
