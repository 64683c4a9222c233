"""One row per public callable of course_utils's math modules: how to call it well and which
arguments are arrays (see ``tests/bad_input_engine.py`` for what each row is fed, and
``tests/test_bad_inputs.py`` for the test). Keys are ``module.name`` where it is defined.

Inputs are small and seeded; training functions run one or two steps; heavy builders get a
validation-only row. ``accept`` and ``refuse`` entries carry a one-line reason each.
"""

from __future__ import annotations

import numpy as np
import torch

from tests.bad_input_engine import Row

ROWS: dict[str, Row] = {}

ELEMENTWISE = {"rank+1": "elementwise: any shape is legitimate",
               "rank-1": "elementwise: any shape is legitimate"}
ANY_SHAPE = {"rank+1": "any shape is legitimate (all entries count alike)",
             "rank-1": "any shape is legitimate (all entries count alike)"}


def R(*shape, lo=-1.0, hi=1.0, seed=0) -> np.ndarray:
    """Seeded uniform floats of ``shape``."""
    return np.random.default_rng(seed).uniform(lo, hi, shape)


def T(*shape, lo=-1.0, hi=1.0, seed=0) -> torch.Tensor:
    """Seeded uniform float32 tensor of ``shape``."""
    return torch.from_numpy(R(*shape, lo=lo, hi=hi, seed=seed)).float()


def record(**fields) -> Row:
    """A result record (NamedTuple / dataclass): built from what it is given, validates
    nothing by design; the row checks it builds."""
    return Row(lambda: dict(fields), note="result record: holds what it is given")


# ------------------------------------------------------------------------------ activations
from course_utils import activations  # noqa: E402

ROWS["activations.Activation"] = record(name="x", f=np.abs, df=np.sign)
ROWS["activations.get_activation"] = Row(lambda: dict(name="tanh"), bad={"name": "tanhh"})
ROWS["activations.activate"] = Row(lambda: dict(name="elu", z=R(3, 4)), ("z",),
                                   accept=ELEMENTWISE)
ROWS["activations.derivative"] = Row(lambda: dict(name="elu", z=R(3, 4)), ("z",),
                                     accept=ELEMENTWISE)
ROWS["activations.maxout"] = Row(lambda: dict(z=R(3, 4), k=2), ("z",),
                                 accept={"rank+1": "groups the last axis; leading axes are "
                                                   "any batch shape",
                                         "rank-1": "groups the last axis; leading axes are "
                                                   "any batch shape"})
ROWS["activations.maxout_backward"] = Row(lambda: dict(dout=R(3, 2, seed=1), z=R(3, 4), k=2),
                                          ("dout", "z"))
ROWS["activations.vanishing_ranges"] = Row(lambda: dict(name="tanh", n=101),
                                           bad={"name": "tahn", "n": 0})

# ------------------------------------------------------------------------------ arithmetic
from course_utils import arithmetic  # noqa: E402

ROWS["arithmetic.conv_output_size"] = Row(lambda: dict(size=7, kernel=3, stride=2),
                                          bad={"size": 7.5, "stride": 0, "kernel": 9})
ROWS["arithmetic.pool_output_size"] = Row(lambda: dict(size=8, kernel=2),
                                          bad={"size": 0, "padding": 2, "kernel": -1})
ROWS["arithmetic.conv_transpose_output_size"] = Row(
    lambda: dict(size=4, kernel=3, stride=2, output_padding=1),
    bad={"output_padding": 2, "size": 0, "padding": 5})
ROWS["arithmetic.window_indices"] = Row(lambda: dict(index=2, kernel=3, stride=2),
                                        bad={"kernel": 0, "index": 1.5, "stride": -1})
ROWS["arithmetic.pool2d_windows"] = Row(lambda: dict(x=R(4, 6), kernel=2), ("x",),
                                        bad={"kind": "min", "kernel": 4})
ROWS["arithmetic.layer_output_size"] = Row(
    lambda: dict(kind="convolution", size=7, kernel=3), bad={"kind": "conv", "size": -1})
ROWS["arithmetic.same_padding"] = Row(lambda: dict(kernel=5), bad={"kernel": 4})
ROWS["arithmetic.conv_params"] = Row(lambda: dict(c_in=3, c_out=8, kernel=3),
                                     bad={"kernel": 5.0, "c_in": -3, "groups": 2})
ROWS["arithmetic.RF"] = record(size=3, jump=1)
ROWS["arithmetic.receptive_field"] = Row(lambda: dict(layers=[(3, 1), (3, 2), (3, 1, 2)]),
                                         bad={"layers": [3, 3]})
ROWS["arithmetic.LayerRow"] = record(name="conv", kind="Conv2d", output_shape=(1, 2, 3, 3),
                                     params=10, macs=90, activation_bytes=72,
                                     receptive_field=3)
ROWS["arithmetic.Summary"] = record(rows=[], input_shape=(1, 3, 8, 8))


def _tiny_cnn():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                               torch.nn.Linear(4 * 6 * 6, 2))


ROWS["arithmetic.summary"] = Row(lambda: dict(model=_tiny_cnn(), input_shape=(1, 3, 8, 8)),
                                 bad={"input_shape": (1, 3, 0, 8)})
ROWS["arithmetic.measured_receptive_field"] = Row(
    lambda: dict(layers=[(3, 1), (3, 2)], size=16), bad={"layers": [(3,)], "size": 0})
ROWS["arithmetic.compare_with_deck_table"] = Row(
    lambda: dict(model=_tiny_cnn(), input_shape=(1, 3, 8, 8),
                 deck_rows=(("Input", "8x8x3", None, "0.2"), ("Conv", "6x6x4", "0.1", "0.1"),
                            ("FC", "2", "0.3", "0"))),
    bad={"deck_rows": ()})

# ------------------------------------------------------------------------------ boxes
from course_utils import boxes  # noqa: E402


def _boxes(n=4, seed=0) -> torch.Tensor:
    xy = T(n, 2, lo=0, hi=20, seed=seed)
    return torch.cat([xy, xy + T(n, 2, lo=1, hi=10, seed=seed + 1)], 1)


ROWS["boxes.box_convert"] = Row(lambda: dict(boxes=_boxes(), in_fmt="xyxy", out_fmt="cxcywh"),
                                ("boxes",), bad={"in_fmt": "xywhh"})
ROWS["boxes.box_area"] = Row(lambda: dict(boxes=_boxes()), ("boxes",), bad={"fmt": "xy"})
ROWS["boxes.box_iou"] = Row(lambda: dict(boxes1=_boxes(), boxes2=_boxes(3, seed=5)),
                            ("boxes1", "boxes2"))
ROWS["boxes.nms"] = Row(lambda: dict(boxes=_boxes(6), scores=T(6, lo=0, hi=1),
                                     iou_threshold=0.3), ("boxes", "scores"),
                        bad={"iou_threshold": 1.5})
ROWS["boxes.batched_nms"] = Row(
    lambda: dict(boxes=_boxes(6), scores=T(6, lo=0, hi=1),
                 idxs=torch.tensor([0, 1, 0, 1, 2, 0]), iou_threshold=0.3),
    ("boxes", "scores", "idxs"), bad={"iou_threshold": float("nan")})

# ------------------------------------------------------------------------------ contrast
ROWS["contrast.local_contrast_normalise"] = Row(lambda: dict(image=R(8, 10, lo=0)),
                                                ("image",), bad={"sigma": 0})

# ------------------------------------------------------------------------------ conv
from course_utils import conv  # noqa: E402


def _conv_args(**extra):
    return dict(x=R(2, 3, 5, 7), weight=R(4, 3, 3, 3, seed=1), bias=R(4, seed=2), **extra)


ROWS["conv.conv2d_loops"] = Row(lambda: _conv_args(padding=1), ("x", "weight", "bias"),
                                bad={"stride": 0})
ROWS["conv.conv2d"] = Row(lambda: _conv_args(stride=(1, 2)), ("x", "weight", "bias"),
                          bad={"stride": 1.5, "dilation": 0})
ROWS["conv.conv2d_forward"] = Row(lambda: _conv_args(), ("x", "weight", "bias"),
                                  bad={"padding": -1})
ROWS["conv.ConvCache"] = record(x_shape=(1, 1, 3, 3), cols=np.zeros((1, 9)),
                                weight=np.zeros((1, 1, 3, 3)), stride=(1, 1), padding=(0, 0),
                                dilation=(1, 1))
ROWS["conv.im2col"] = Row(lambda: dict(x=R(2, 3, 5, 6), kh=3, kw=2, stride=1), ("x",),
                          bad={"kh": 0})
ROWS["conv.im2col_loops"] = Row(lambda: dict(image=R(5, 6), kh=3, kw=2), ("image",),
                                bad={"kh": 7})


def _conv_backward_args():
    args = _conv_args(stride=2, padding=1)
    out, cache = conv.conv2d_forward(**args)
    return dict(dout=R(*out.shape, seed=3), cache=cache)


ROWS["conv.conv2d_backward"] = Row(_conv_backward_args, ("dout",))
ROWS["conv.PoolCache"] = record(x_shape=(1, 1, 2, 2), index=np.zeros((1, 1), int),
                                kernel=(2, 2), stride=(2, 2), padding=(0, 0))
for _name in ("max_pool2d", "avg_pool2d", "max_pool2d_forward", "avg_pool2d_forward"):
    ROWS[f"conv.{_name}"] = Row(lambda: dict(x=R(2, 3, 6, 6), kernel_size=3, stride=1,
                                             padding=1), ("x",), bad={"kernel_size": 0})


def _pool_backward_args(forward):
    def make():
        out, cache = forward(R(2, 3, 6, 6), 3, 1, 1)
        return dict(dout=R(*out.shape, seed=3), cache=cache)
    return make


ROWS["conv.max_pool2d_backward"] = Row(_pool_backward_args(conv.max_pool2d_forward),
                                       ("dout",))
ROWS["conv.avg_pool2d_backward"] = Row(_pool_backward_args(conv.avg_pool2d_forward),
                                       ("dout",))
ROWS["conv.convolve2d"] = Row(lambda: dict(image=R(5, 6), kernel=R(3, 3, seed=1), padding=1),
                              ("image", "kernel"), bad={"padding": -1})
ROWS["conv.correlate2d"] = Row(lambda: dict(image=R(5, 7), kernel=R(3, 3, seed=1), stride=2),
                               ("image", "kernel"), bad={"stride": 0})
ROWS["conv.conv2d_backward_loops"] = Row(
    lambda: dict(dout=R(2, 4, 3, 4, seed=3), x=R(2, 3, 5, 7), weight=R(4, 3, 3, 3, seed=1),
                 stride=2, padding=1), ("dout", "x", "weight"))
ROWS["conv.pool2d_loops"] = Row(lambda: dict(x=R(2, 3, 6, 6), kernel_size=2, mode="avg"),
                                ("x",), bad={"mode": "mean"})

# ------------------------------------------------------------------------------ errors
ROWS["errors.unknown_name"] = Row(lambda: dict(kind="photo", name="chelsae",
                                               known=["chelsea", "astronaut"]))

# ------------------------------------------------------------------------------ gradcheck
ROWS["gradcheck.numerical_gradient"] = Row(
    lambda: dict(f=lambda x: np.sin(x) * 2, x=R(3, 2), dout=R(3, 2, seed=1)), ("x", "dout"),
    refuse={"x:readonly": "the probes x +- h are written into x itself (f may read x from a "
                          "closure), so a read-only x cannot be probed"},
    bad={"h": 0.0})
ROWS["gradcheck.relative_error"] = Row(lambda: dict(a=R(3, 2), b=R(3, 2, seed=1)), ("a", "b"))
ROWS["gradcheck.verdict"] = Row(lambda: dict(rel_error=1e-5), bad={"rel_error": float("nan")})
ROWS["gradcheck.GradReport"] = record(name="w", exact=False, approximate=True, max_diff=1e-9,
                                      rel_error=1e-8)
ROWS["gradcheck.compare"] = Row(
    lambda: dict(name="dw", analytic=R(3, 2), reference=R(3, 2) + 1e-10),
    ("analytic", "reference"))
# values 0/1, so int / bool / float16 copies hold the same numbers (when they differ the
# assertion failing is the function's purpose)
ROWS["gradcheck.assert_grad_close"] = Row(
    lambda: dict(name="dw", analytic=np.array([[0.0, 1.0], [1.0, 1.0], [0.0, 0.0]]),
                 reference=np.array([[0.0, 1.0], [1.0, 1.0], [0.0, 0.0]])),
    ("analytic", "reference"))

# ------------------------------------------------------------------------------ kernels
ROWS["kernels.get_kernel"] = Row(lambda: dict(name="sobel x"), bad={"name": "sobel"})
ROWS["kernels.apply_kernel"] = Row(lambda: dict(gray=R(6, 7, lo=0), name_or_kernel=R(3, 3)),
                                   ("gray", "name_or_kernel"))
ROWS["kernels.gradient_magnitude"] = Row(lambda: dict(gray=R(6, 7, lo=0)), ("gray",))
ROWS["kernels.filter_image"] = Row(lambda: dict(gray=R(6, 7, lo=0), kernel=R(3, 5),
                                                normalise=True), ("gray", "kernel"))
ROWS["kernels.shrink"] = Row(lambda: dict(gray=R(20, 30, lo=0), max_side=10), ("gray",),
                             bad={"max_side": 0})

# ------------------------------------------------------------------------------ layers
from course_utils import layers  # noqa: E402

ROWS["layers.LinearCache"] = record(x=np.zeros((1, 2)), w=np.zeros((2, 3)))
ROWS["layers.linear_forward"] = Row(lambda: dict(x=R(4, 3), w=R(3, 2, seed=1), b=R(2, seed=2)),
                                    ("x", "w", "b"))


def _linear_backward_args():
    out, cache = layers.linear_forward(R(4, 3), R(3, 2, seed=1), R(2, seed=2))
    return dict(dout=R(*out.shape, seed=3), cache=cache)


ROWS["layers.linear_backward"] = Row(_linear_backward_args, ("dout",))
ROWS["layers.ActivationCache"] = record(name="relu", z=np.zeros(3), alpha=0.0)
ROWS["layers.activation_forward"] = Row(lambda: dict(z=R(3, 4), name="leaky_relu"), ("z",),
                                        accept=ELEMENTWISE, bad={"name": "relu6"})
for _name, _act in (("sigmoid", "logistic"), ("tanh", "tanh"), ("relu", "relu")):
    ROWS[f"layers.{_name}_forward"] = Row(lambda: dict(z=R(3, 4)), ("z",), accept=ELEMENTWISE)

    def _backward_args(act=_act):
        _, cache = layers.activation_forward(R(3, 4), act)
        return dict(dout=R(3, 4, seed=1), cache=cache)

    ROWS[f"layers.{_name}_backward"] = Row(_backward_args, ("dout",))


def _activation_backward_args():
    _, cache = layers.activation_forward(R(3, 4), "elu", alpha=0.5)
    return dict(dout=R(3, 4, seed=1), cache=cache)


ROWS["layers.activation_backward"] = Row(_activation_backward_args, ("dout",))
ROWS["layers.softmax"] = Row(lambda: dict(z=R(3, 4)), ("z",),
                             accept={"rank+1": "softmax over the last axis of any batch shape",
                                     "rank-1": "softmax over the last axis of any batch shape"},
                             bad={"axis": 2})
ROWS["layers.softmax_cross_entropy"] = Row(lambda: dict(scores=R(4, 3),
                                                        y=np.array([0, 2, 1, 2])),
                                           ("scores", "y"))
ROWS["layers.mse"] = Row(lambda: dict(pred=R(4, 3), target=R(4, 3, seed=1)),
                         ("pred", "target"))
ROWS["layers.half_squared_error"] = Row(lambda: dict(pred=R(4, 3), target=R(4, 3, seed=1)),
                                        ("pred", "target"))
ROWS["layers.softmax_backward"] = Row(lambda: dict(dout=R(4, 3), p=layers.softmax(R(4, 3, seed=1))),
                                      ("dout", "p"))

# ------------------------------------------------------------------------------ losses
ROWS["losses.l1_loss"] = Row(lambda: dict(pred=R(4, 3), target=R(4, 3, seed=1)),
                             ("pred", "target"))
ROWS["losses.binary_cross_entropy"] = Row(lambda: dict(p=R(5, lo=0.01, hi=0.99),
                                                       y=np.array([0, 1, 1, 0, 1.0])),
                                          ("p", "y"))
ROWS["losses.softmax_naive"] = Row(lambda: dict(z=R(3, 4)), ("z",),
                                   accept={"rank+1": "softmax over the last axis",
                                           "rank-1": "softmax over the last axis"})
ROWS["losses.log_softmax"] = Row(lambda: dict(z=R(3, 4)), ("z",),
                                 accept={"rank+1": "softmax over the last axis",
                                         "rank-1": "softmax over the last axis"})
