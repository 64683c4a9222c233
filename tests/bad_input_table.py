"""One row per public callable of course_utils's math modules: how to call it well and which
arguments are arrays (see ``tests/bad_input_engine.py`` for what each row is fed, and
``tests/test_bad_inputs.py`` for the test). Keys are ``module.name`` where it is defined.

Inputs are small and seeded; training functions run one or two steps; heavy builders get a
validation-only row. ``accept`` and ``refuse`` entries carry a one-line reason each.
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from course_utils import (
    conv,
    layers,
    perceptron,
    upsampling,
)
from tests.bad_input_engine import Row

ROWS: dict[str, Row] = {}

ELEMENTWISE = {"rank+1": "elementwise: any shape is legitimate",
               "rank-1": "elementwise: any shape is legitimate"}
ANY_SHAPE = {"rank+1": "any shape is legitimate (all entries count alike)",
             "rank-1": "any shape is legitimate (all entries count alike)"}


def R(*shape, lo=-1.0, hi=1.0, seed=0) -> np.ndarray:
    """Seeded uniform floats of ``shape`` (a fresh copy of a cached draw)."""
    return _draw(shape, lo, hi, seed).copy()


@functools.cache
def _draw(shape, lo, hi, seed) -> np.ndarray:
    return np.random.default_rng(seed).uniform(lo, hi, shape)


def T(*shape, lo=-1.0, hi=1.0, seed=0) -> torch.Tensor:
    """Seeded uniform float32 tensor of ``shape``."""
    return torch.from_numpy(R(*shape, lo=lo, hi=hi, seed=seed)).float()


def record(**fields) -> Row:
    """A result record (NamedTuple / dataclass): built from what it is given, validates
    nothing by design; the row checks it builds."""
    return Row(lambda: dict(fields), note="result record: holds what it is given")


# ------------------------------------------------------------------------------ activations
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
    torch.random.default_generator.manual_seed(0)
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

# ------------------------------------------------------------------------------ metrics
Y_TRUE = np.array([0, 1, 2, 2, 1, 0, 2, 1])
Y_PRED = np.array([0, 2, 2, 1, 1, 0, 2, 0])
POSITIVE = np.array([True, False, True, True, False, False, True, False])
for _name in ("accuracy", "error_rate", "balanced_error_rate", "confusion_matrix",
              "tp_fp_rates"):
    ROWS[f"metrics.classification.{_name}"] = Row(
        lambda: dict(y_true=Y_TRUE.copy(), y_pred=Y_PRED.copy()), ("y_true", "y_pred"))
ROWS["metrics.classification.tp_fp_rates"].nonfinite = (
    "the rate of a class with nothing to count is undefined: NaN, as documented (bool labels "
    "leave class 2 without true examples)")
ROWS["metrics.classification.confusion_matrix"].bad = {"classes": 2}
ROWS["metrics.classification.Rates"] = record(tpr=np.ones(2), fpr=np.zeros(2))
ROWS["metrics.classification.ROC"] = record(fpr=np.zeros(2), tpr=np.ones(2),
                                            thresholds=np.array([0.9, 0.5]))
ROWS["metrics.classification.roc_curve"] = Row(
    lambda: dict(positive=POSITIVE.copy(), scores=R(8, lo=0)), ("positive", "scores"),
    varying="one point per distinct score: rounded scores give fewer points",
    nonfinite="the first threshold is +inf by definition (nothing predicted positive)")
ROWS["metrics.classification.auc"] = Row(
    lambda: dict(fpr=np.array([0, 0.25, 0.5, 1.0]), tpr=np.array([0, 0.5, 0.75, 1.0])),
    ("fpr", "tpr"))
ROWS["metrics.classification.confusion_at_threshold"] = Row(
    lambda: dict(positive=POSITIVE.copy(), scores=R(8, lo=0), threshold=0.5),
    ("positive", "scores"), bad={"threshold": float("nan")})

TARGET_MAP = np.random.default_rng(0).integers(0, 3, (2, 5, 6))
PRED_MAP = np.random.default_rng(1).integers(0, 3, (2, 5, 6))
for _name in ("pixel_confusion", "pixel_accuracy", "per_class_iou", "mean_iou"):
    ROWS[f"metrics.segmentation.{_name}"] = Row(
        lambda: dict(target=TARGET_MAP.copy(), pred=PRED_MAP.copy(), num_classes=3),
        ("target", "pred"), bad={"num_classes": 0})
ROWS["metrics.segmentation.iou_from_confusion"] = Row(
    lambda: dict(counts=np.array([[5, 1, 0], [2, 7, 1], [0, 3, 4]])), ("counts",))

REFS = [["a", "red", "circle", "on", "the", "left"], ["a", "red", "disc", "left"]]
CAND = ["a", "red", "circle", "left"]
ROWS["metrics.captioning.ngrams"] = Row(lambda: dict(words=list(CAND), n=2),
                                        bad={"words": "a red circle", "n": 0})
ROWS["metrics.captioning.modified_precision"] = Row(
    lambda: dict(references=[list(r) for r in REFS], candidate=list(CAND), n=2),
    bad={"candidate": "a red circle", "references": ["a red circle"], "n": 0})
ROWS["metrics.captioning.closest_reference_length"] = Row(
    lambda: dict(references=[list(r) for r in REFS], length=5),
    bad={"length": -1, "references": []})
ROWS["metrics.captioning.brevity_penalty"] = Row(
    lambda: dict(candidate_length=4, reference_length=6),
    bad={"candidate_length": -1, "reference_length": 2.5})
ROWS["metrics.captioning.Bleu"] = record(bleu=0.5, precisions=(1.0, 0.5),
                                         brevity_penalty=1.0, candidate_length=4,
                                         reference_length=4)
ROWS["metrics.captioning.corpus_bleu"] = Row(
    lambda: dict(list_of_references=[[list(r) for r in REFS]], candidates=[list(CAND)],
                 max_n=2),
    bad={"candidates": ["a red circle"], "max_n": 0, "list_of_references": []})
ROWS["metrics.captioning.sentence_bleu"] = Row(
    lambda: dict(references=[list(r) for r in REFS], candidate=list(CAND), max_n=2),
    bad={"candidate": "a red circle", "max_n": 0})
ROWS["metrics.captioning.exact_match"] = Row(
    lambda: dict(predicted=["a red circle", "a blue square"],
                 truth=["a red circle", "a green square"]),
    bad={"predicted": "a red circle", "truth": ["one"]})

# ------------------------------------------------------------------------------ perceptron
P_X = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 0.5], [-1.0, -1.0], [0.5, -2.0]])
P_Y = np.array([1, 1, 1, -1, -1])
P_W = np.array([0.5, 1.0, -0.25])
ROWS["perceptron.augment"] = Row(lambda: dict(x=P_X.copy()), ("x",))
ROWS["perceptron.sign"] = Row(lambda: dict(z=R(5)), ("z",), accept=ELEMENTWISE)
ROWS["perceptron.predict"] = Row(lambda: dict(w_tilde=P_W.copy(), x=P_X.copy()),
                                 ("w_tilde", "x"))
ROWS["perceptron.margins"] = Row(lambda: dict(w_tilde=P_W.copy(), x=P_X.copy(), y=P_Y.copy()),
                                 ("w_tilde", "x", "y"))
ROWS["perceptron.n_errors"] = Row(lambda: dict(w_tilde=P_W.copy(), x=P_X.copy(),
                                               y=P_Y.copy()), ("w_tilde", "x", "y"))
ROWS["perceptron.perceptron_step"] = Row(
    lambda: dict(w_tilde=P_W.copy(), x_tilde=np.array([0.5, -2.0, 1.0]), y=1, lr=0.5),
    ("w_tilde", "x_tilde"), bad={"y": 0, "lr": -1.0})
ROWS["perceptron.PerceptronRun"] = record(
    weights=np.zeros((1, 3)), visited=np.zeros(1, int), updated=np.zeros(1, bool),
    epoch_weights=np.zeros((1, 3)), epoch_updates=np.zeros(1, int),
    epoch_errors=np.zeros(1, int), converged=True)
ROWS["perceptron.perceptron_train"] = Row(
    lambda: dict(x=P_X.copy(), y=P_Y.copy(), epochs=5, w0=np.zeros(3)), ("x", "y", "w0"),
    varying="one row per visit: other data converge after another number of visits",
    bad={"epochs": 0, "shuffle_seed": -1})
ROWS["perceptron.linearly_separable"] = Row(lambda: dict(x=P_X.copy(), y=P_Y.copy()),
                                            ("x", "y"))


def _perceptron_run():
    return dict(run=perceptron.perceptron_train(np.array([[0.0, 0], [0, 1], [1, 0], [1, 1]]),
                                                np.array([-1, 1, 1, -1]), epochs=12))


ROWS["perceptron.find_cycle"] = Row(_perceptron_run, bad={"run": (1, 2)})
ROWS["perceptron.boundary_segment"] = Row(
    lambda: dict(w_tilde=P_W.copy(), extent=np.array([-2.0, 2.0, -2.0, 2.0])),
    ("w_tilde", "extent"))
ROWS["perceptron.decision_grid"] = Row(
    lambda: dict(w_tilde=P_W.copy(), extent=np.array([-2.0, 2.0, -2.0, 2.0]), resolution=8),
    ("w_tilde", "extent"), bad={"resolution": 0})
ROWS["perceptron.gate_inputs"] = Row(lambda: dict(encoding="binary"),
                                     bad={"encoding": "unipolar"})
ROWS["perceptron.truth_column"] = Row(lambda: dict(w_tilde=np.array([1.0, 1.0, -0.5])),
                                      ("w_tilde",), bad={"encoding": "bipolarr"})
ROWS["perceptron.identify_gate"] = Row(lambda: dict(w_tilde=np.array([1.0, 1.0, -0.5])),
                                       ("w_tilde",))
ROWS["perceptron.learnable"] = Row(lambda: dict(bits="0111", epochs=20),
                                   bad={"bits": "012", "epochs": 0})

# ------------------------------------------------------------------------------ upsampling

def _transpose_args(**extra):
    return dict(x=R(2, 3, 3, 4), weight=R(3, 2, 3, 3, seed=1), bias=R(2, seed=2), **extra)


for _name in ("conv_transpose2d_loops", "conv_transpose2d", "conv_transpose2d_forward"):
    ROWS[f"upsampling.{_name}"] = Row(lambda: _transpose_args(stride=2, padding=1,
                                                              output_padding=1),
                                      ("x", "weight", "bias"), bad={"stride": 0})
ROWS["upsampling.TransposeCache"] = record(
    x=np.zeros((1, 1, 2, 2)), weight=np.zeros((1, 1, 2, 2)), stride=(1, 1), padding=(0, 0),
    output_padding=(0, 0), dilation=(1, 1), full_shape=(1, 1, 3, 3))


def _transpose_backward_args():
    out, cache = upsampling.conv_transpose2d_forward(**_transpose_args(stride=2, padding=1))
    return dict(dout=R(*out.shape, seed=3), cache=cache)


ROWS["upsampling.conv_transpose2d_backward"] = Row(_transpose_backward_args, ("dout",))
ROWS["upsampling.overlap_counts"] = Row(lambda: dict(size=3, kernel=3, stride=2),
                                        bad={"size": 0, "stride": 1.5})
ROWS["upsampling.bilinear_kernel"] = Row(lambda: dict(factor=2), bad={"factor": 0})
ROWS["upsampling.max_pool2d_with_indices"] = Row(
    lambda: dict(x=R(2, 3, 4, 6), kernel_size=2), ("x",), bad={"kernel_size": 0})


def _unpool_args():
    x = R(2, 3, 4, 6)
    out, idx = upsampling.max_pool2d_with_indices(x, 2)
    return dict(x=out, indices=idx, kernel_size=2)


ROWS["upsampling.max_unpool2d"] = Row(_unpool_args, ("x", "indices"), bad={"kernel_size": 0})


def _unpool_backward_args():
    x = R(2, 3, 4, 6)
    _, idx = upsampling.max_pool2d_with_indices(x, 2)
    return dict(dout=R(2, 3, 4, 6, seed=4), indices=idx)


ROWS["upsampling.max_unpool2d_backward"] = Row(_unpool_backward_args, ("dout", "indices"))
ROWS["upsampling.difference_from_torch"] = Row(
    lambda: dict(x=R(1, 2, 3, 3), weight=R(2, 2, 3, 3, seed=1), bias=R(2, seed=2), stride=2),
    ("x", "weight", "bias"))

# ------------------------------------------------------------------------------ validate
ROWS["validate.describe_shape"] = Row(lambda: dict(shape=(None, 2)))
ROWS["validate.check_shape"] = Row(lambda: dict(array=R(3, 2), name="array", shape=(None, 2)),
                                   ("array",), accept={"nan": "checks only the shape",
                                                       "complex": "checks only the shape"})
ROWS["validate.first_bad_value"] = Row(
    lambda: dict(array=R(3, 2)), ("array",), nonfinite="reports the NaN it finds",
    accept={"nan": "finding the NaN is its purpose", **ANY_SHAPE,
            "complex": "a complex NaN is found alike"})
ROWS["validate.require_finite"] = Row(lambda: dict(value=R(3, 2), name="value"), ("value",),
                                      accept={**ANY_SHAPE, "complex": "complex values can be "
                                                                      "finite too"})
ROWS["validate.require_non_decreasing"] = Row(
    lambda: dict(values=np.array([0.0, 0.5, 0.5, 1.0]), name="values", why="a curve's axis",
                 fix="sort it"), ("values",))
ROWS["validate.as_array"] = Row(lambda: dict(value=R(3, 2), name="value"), ("value",),
                                accept=ANY_SHAPE)
ROWS["validate.as_number"] = Row(lambda: dict(value=0.5, name="value", minimum=0),
                                 bad={"value": "0.5"})

# ------------------------------------------------------------------------------ repro, data.toy
ROWS["repro.seed_everything"] = Row(lambda: dict(seed=3), bad={"seed": -1},
                                    mutates="seeds the global generators: its purpose")
ROWS["repro.device"] = Row()
ROWS["repro.numpy_rng"] = Row(lambda: dict(seed=3), bad={"seed": 1.5})
ROWS["data.toy.to_bipolar"] = Row(lambda: dict(y=np.array([0, 1, 1, 0])), ("y",),
                                  accept=ELEMENTWISE)
ROWS["data.toy.logic_gate"] = Row(lambda: dict(name="xor"), bad={"name": "xnor2",
                                                                  "encoding": "ternary"})
ROWS["data.toy.toy_2d"] = Row(lambda: dict(name="moons", n=20), bad={"name": "moon", "n": 0,
                                                                      "noise": -1.0})

# ------------------------------------------------------------------------------ autograd
from course_utils import autograd  # noqa: E402


def _value_ops(data):
    v = autograd.Value(data)
    out = ((v * 2 + 1).tanh() + v.sigmoid() + v.relu() + (v**2 + 1).log() + v.exp()) / 3 - 1
    out.backward()
    return out.data, v.grad


ROWS["autograd.Value"] = Row(lambda: dict(data=0.5), call=_value_ops,
                             bad={"data": float("nan")})


def _count_paths_args():
    a = autograd.Value(2.0)
    return dict(output=a * a + a, node=a)


ROWS["autograd.count_paths"] = Row(_count_paths_args, bad={"output": 1.0})
ROWS["autograd.sigmoid_neuron"] = Row(
    lambda: dict(w=np.array([2.0, -3.0, -3.0]), x=np.array([-1.0, -2.0])), ("w", "x"),
    call=lambda w, x: {k: (v.data, v.grad) for k, v in autograd.sigmoid_neuron(w, x).items()})
ROWS["autograd.Module"] = Row(call=lambda: (autograd.Module().parameters(),
                                            autograd.Module().zero_grad()))


def _neuron_call(x, nin=3, kind="Neuron"):
    rng = np.random.default_rng(0)
    module = {"Neuron": lambda: autograd.Neuron(nin, rng=rng),
              "Layer": lambda: autograd.Layer(nin, 2, rng=rng),
              "MLP": lambda: autograd.MLP(nin, [4, 1], seed=0)}[kind]()
    out = module(x)
    outs = out if isinstance(out, list) else [out]
    sum(outs, autograd.Value(0.0)).backward()
    return [o.data for o in outs], [p.grad for p in module.parameters()]


for _kind in ("Neuron", "Layer", "MLP"):
    ROWS[f"autograd.{_kind}"] = Row(lambda: dict(x=R(3)), ("x",),
                                    call=lambda x, kind=_kind: _neuron_call(x, kind=kind))
ROWS["autograd.max_margin_loss"] = Row(
    lambda: dict(model=autograd.MLP(2, [4, 1], seed=0), x=P_X.copy(), y=P_Y.copy()),
    ("x", "y"), call=lambda **kw: (lambda out: (out[0].data, out[1]))(
        autograd.max_margin_loss(**kw)), bad={"alpha": -1.0})

# ------------------------------------------------------------------------------ mlp
from course_utils import mlp  # noqa: E402

ROWS["mlp.Layer"] = record(w=np.zeros((2, 3)), b=np.zeros(3))
ROWS["mlp.init_layers"] = Row(lambda: dict(sizes=[2, 4, 3]),
                              bad={"sizes": [2], "activation": "relu6", "seed": -1})


def _mlp_methods(x, y, sizes=(2, 5, 3)):
    net = mlp.MLP(list(sizes), lr=0.1, seed=0)
    scores, caches = net.forward(x)
    loss, grads = net.loss_and_grads(x, y)
    back = net.backward(np.ones_like(scores) / scores.size, caches)
    return (scores, loss, grads, back, net.predict_proba(x), net.predict(x), net.accuracy(x, y),
            net.loss(x, y), net.step(x, y), net.n_parameters())


ROWS["mlp.MLP"] = Row(lambda: dict(x=P_X.copy(), y=np.array([0, 1, 2, 1, 0])), ("x", "y"),
                      call=_mlp_methods, bad={"sizes": [2, 0, 3]})
ROWS["mlp.xor_network"] = Row(lambda: dict(x=np.array([[0.0, 0], [0, 1], [1, 0], [1, 1]])),
                              ("x",))
ROWS["mlp.collapse_linear"] = Row(
    lambda: dict(layers=[mlp.Layer(R(2, 3), R(3, seed=1)), mlp.Layer(R(3, 2, seed=2),
                                                                      R(2, seed=3))]),
    (("layers", 0, "w"), ("layers", 0, "b"), ("layers", 1, "w")))
ROWS["mlp.forward_stack"] = Row(
    lambda: dict(layers=[mlp.Layer(R(2, 3), R(3, seed=1)), mlp.Layer(R(3, 2, seed=2),
                                                                      R(2, seed=3))],
                 x=R(4, 2, seed=4), activation="relu"),
    ("x", ("layers", 0, "w"), ("layers", 1, "b")),
    accept={"x:rank+1": "x [..., D_in]: the layers act on the last axis of any batch shape",
            "x:rank-1": "x [..., D_in]: one point is a legitimate input"})
ROWS["mlp.Fit1D"] = record(hidden=2, x=np.zeros(3), y=np.zeros(3), prediction=np.zeros(3),
                           max_error=0.0, rms_error=0.0)
ROWS["mlp.fit_1d"] = Row(lambda: dict(target=np.sin, hidden=3, n=20, steps=5),
                         bad={"hidden": 0, "target": lambda x: x[:3], "steps": -1})
ROWS["mlp.tent"] = Row(lambda: dict(x=R(7, lo=0)), ("x",), accept=ELEMENTWISE)
ROWS["mlp.sawtooth"] = Row(lambda: dict(x=R(7, lo=0), depth=2), ("x",), accept=ELEMENTWISE,
                           bad={"depth": 0})
ROWS["mlp.count_linear_pieces"] = Row(
    lambda: dict(y=mlp.sawtooth(np.linspace(0, 1, 65), 2), x=np.linspace(0, 1, 65)),
    ("y", "x"))


def _playground(**kw):
    run = mlp.PlaygroundRun(n=20, units=4, **kw)
    run.advance(2)
    return run.history, run.train_accuracy, run.test_accuracy, run.diverged


ROWS["mlp.PlaygroundRun"] = Row(lambda: dict(dataset="xor"), call=_playground,
                                bad={"dataset": "moon", "layers": 0, "lr": -1.0})

# ------------------------------------------------------------------------------ optim
from course_utils import optim  # noqa: E402


def _optimizer_step(cls, **settings):
    def call(params, grads):
        opt = cls(**settings)
        first = opt.step(params, grads)
        return first, opt.step(first, grads)
    return call


ROWS["optim.SGD"] = Row(lambda: dict(params=[R(3, 2), R(2, seed=1)],
                                     grads=[R(3, 2, seed=2), R(2, seed=3)]),
                        (("params", 0), ("grads", 0), ("grads", 1)),
                        call=_optimizer_step(optim.SGD, lr=0.1, momentum=0.9, nesterov=True))
ROWS["optim.Adam"] = Row(lambda: dict(params=[R(3, 2), R(2, seed=1)],
                                      grads=[R(3, 2, seed=2), R(2, seed=3)]),
                         (("params", 0), ("grads", 0), ("grads", 1)),
                         call=_optimizer_step(optim.Adam, lr=0.1))
ROWS["optim.make_optimizer"] = Row(lambda: dict(name="nesterov", lr=0.1),
                                   bad={"name": "adma", "lr": -1.0, "betas": 0.9})
ROWS["optim.Surface"] = record(name="s", f=np.add, grad=np.add, start=(0.0, 0.0),
                               extent=(0, 1, 0, 1), minimum=None)
ROWS["optim.Path"] = record(points=np.zeros((1, 2)), losses=np.zeros(1), diverged=False)
ROWS["optim.run_optimizer"] = Row(
    lambda: dict(optimizer=optim.SGD(lr=0.01, momentum=0.9), surface="rosenbrock",
                 start=np.array([-1.0, 1.5]), steps=5), ("start",),
    varying="a run stops where it diverges: another start, another length",
    bad={"surface": "rosenbrok", "steps": 0, "optimizer": "sgd"})
ROWS["optim.hessian"] = Row(lambda: dict(surface="rosenbrock", point=np.array([0.5, 0.5])),
                            ("point",), bad={"surface": "bowl", "h": 0.0})
ROWS["optim.stable_lr"] = Row(lambda: dict(surface="ill-conditioned quadratic",
                                           point=np.array([0.5, 0.5])), ("point",),
                              bad={"surface": "bowl"})
SR_X, SR_Y = R(6, 3), np.array([0, 1, 2, 1, 0, 2])
ROWS["optim.softmax_regression"] = Row(lambda: dict(w=R(4, 3, seed=1), x=SR_X.copy(),
                                                    y=SR_Y.copy()), ("w", "x", "y"))
ROWS["optim.softmax_regression_loss"] = Row(lambda: dict(w=R(4, 3, seed=1), x=SR_X.copy(),
                                                         y=SR_Y.copy()), ("w", "x", "y"))
ROWS["optim.seconds_per_call"] = Row(lambda: dict(fn=lambda: None, calls=2, rounds=2),
                                     bad={"calls": 0, "fn": 3})
ROWS["optim.SearchRun"] = record(evaluations=np.arange(1, 3), best_loss=np.zeros(2))
ROWS["optim.random_search"] = Row(
    lambda: dict(loss=lambda w: float(np.sum(w**2)), shape=(4, 3), evaluations=5),
    bad={"evaluations": 0, "shape": (4, -3), "scale": -1.0})
ROWS["optim.random_local_search"] = Row(
    lambda: dict(loss=lambda w: float(np.sum(np.asarray(w)**2)), w0=R(4, 3), evaluations=5),
    ("w0",), bad={"evaluations": 0, "step": -1.0},
    accept=ANY_SHAPE)
ROWS["optim.gradient_descent"] = Row(
    lambda: dict(loss_and_grad=lambda w: (float(np.sum(w**2)), 2 * w), w0=R(4, 3), steps=3,
                 lr=0.1), ("w0",), bad={"lr": float("nan"), "steps": -1}, accept=ANY_SHAPE)
ROWS["optim.BatchRun"] = record(batch_size=2, examples=np.zeros(2), seconds=np.zeros(2),
                                loss=np.zeros(2))
ROWS["optim.minibatch_descent"] = Row(
    lambda: dict(x=SR_X.copy(), y=SR_Y.copy(), batch_size=2, lr=0.1, examples=8,
                 checkpoints=3), ("x", "y"),
    bad={"batch_size": 0, "lr": -0.1, "examples": -1, "checkpoints": 0},
    same=lambda run: (run.batch_size, run.examples, run.loss))
ROWS["optim.torch_trajectory"] = Row(
    lambda: dict(name="adam", surface="rosenbrock", lr=0.01, steps=3,
                 start=np.array([-1.0, 1.5])), ("start",),
    bad={"name": "adma", "surface": "rosenbrok", "steps": -1, "lr": float("nan")})

# ------------------------------------------------------------------------------ rnn
from course_utils import rnn  # noqa: E402

ROWS["rnn.rnn_step"] = Row(
    lambda: dict(x=T(4, 3), s_prev=T(4, 5, seed=1), U=T(5, 3, seed=2), W=T(5, 5, seed=3),
                 b=T(5, seed=4)), ("x", "s_prev", "U", "W", "b"))


def _vanilla_rnn(x, s0):
    torch.random.default_generator.manual_seed(0)
    return rnn.VanillaRNN(3, 5, 2)(x, s0)


ROWS["rnn.VanillaRNN"] = Row(lambda: dict(x=T(4, 6, 3), s0=T(4, 5, seed=1)), ("x", "s0"),
                             call=_vanilla_rnn)
ROWS["rnn.RNNCache"] = record(x=np.zeros((1, 1, 1)), s0=np.zeros((1, 1)),
                              s=np.zeros((1, 1, 1)), U=np.zeros((1, 1)), W=np.zeros((1, 1)))
ROWS["rnn.rnn_forward"] = Row(
    lambda: dict(x=R(4, 6, 3), s0=R(4, 5, seed=1), U=R(5, 3, seed=2), W=R(5, 5, seed=3),
                 b=R(5, seed=4)), ("x", "s0", "U", "W", "b"))


def _rnn_backward_args():
    s, cache = rnn.rnn_forward(R(4, 6, 3), R(4, 5, seed=1), R(5, 3, seed=2), R(5, 5, seed=3),
                               R(5, seed=4))
    return dict(ds=R(*s.shape, seed=5), cache=cache)


ROWS["rnn.rnn_backward"] = Row(_rnn_backward_args, ("ds",))
ROWS["rnn.gradient_through_time"] = Row(lambda: dict(W=R(5, 5), s=R(4, 6, 5, seed=1)),
                                        ("W", "s"))
_GATES = {"gru": 3, "lstm": 4}


def _cell_args(kind):
    g = _GATES[kind]
    args = dict(x=T(4, 3), h=T(4, 5, seed=1), weight_ih=T(g * 5, 3, seed=2),
                weight_hh=T(g * 5, 5, seed=3), bias_ih=T(g * 5, seed=4),
                bias_hh=T(g * 5, seed=5))
    if kind == "lstm":
        args["c"] = T(4, 5, seed=6)
    return args


ROWS["rnn.gru_step"] = Row(lambda: _cell_args("gru"),
                           ("x", "h", "weight_ih", "weight_hh", "bias_ih", "bias_hh"))
ROWS["rnn.lstm_step"] = Row(lambda: _cell_args("lstm"),
                            ("x", "h", "c", "weight_ih", "weight_hh", "bias_ih", "bias_hh"))


def _seeded(factory):
    torch.random.default_generator.manual_seed(0)
    return factory()


ROWS["rnn.gru_forward"] = Row(
    lambda: dict(gru=_seeded(lambda: torch.nn.GRU(3, 5, batch_first=True)), x=T(4, 6, 3),
                 h0=T(4, 5, seed=1)), ("x", "h0"), bad={"gru": torch.nn.RNN(3, 5)})
ROWS["rnn.lstm_forward"] = Row(
    lambda: dict(lstm=_seeded(lambda: torch.nn.LSTM(3, 5, batch_first=True)), x=T(4, 6, 3),
                 h0=T(4, 5, seed=1), c0=T(4, 5, seed=2)), ("x", "h0", "c0"),
    bad={"lstm": torch.nn.GRU(3, 5)})

# ------------------------------------------------------------------------------ cnn
from course_utils import cnn  # noqa: E402

BLOCK_NAN = ("a building block inside a network: NaN activations of a diverged run flow on to "
             "the loss, where training reports the divergence")


_MODELS: dict = {}


def _fresh_model(build, **kw):
    """A new model from seed 0, in eval mode: for rows that train it."""
    torch.random.default_generator.manual_seed(0)
    return build(**kw).eval()


def _seeded_model(build, **kw):
    """One model from seed 0 per (builder, settings), shared by the rows that only read it
    (eval mode, no training): building a network for each of thousands of calls would
    dominate the test's time."""
    key = (build, tuple(sorted(kw.items())))
    if key not in _MODELS:
        _MODELS[key] = _fresh_model(build, **kw)
    return _MODELS[key]


def _model_call(build, **settings):
    """Call a model from seed 0 (eval mode, no gradient) on x."""
    def call(x):
        with torch.no_grad():
            return _seeded_model(build, **settings)(x)
    return call


ROWS["cnn.LeNet5"] = Row(lambda: dict(x=T(2, 1, 32, 32)), ("x",), call=_model_call(cnn.LeNet5))
ROWS["cnn.DeckCNN"] = Row(lambda: dict(x=T(2, 3, 32, 32)), ("x",), call=_model_call(cnn.DeckCNN))
ROWS["cnn.CCP"] = Row(lambda: dict(x=T(2, 3, 8, 8)), ("x",),
                      call=_model_call(cnn.CCP, in_channels=3, out_channels1=4, out_channels2=5),
                      nan_passes=BLOCK_NAN)
ROWS["cnn.ClassificationModel"] = Row(
    lambda: dict(x=T(2, 3, 16, 16)), ("x",),
    call=_model_call(cnn.ClassificationModel, num_classes=3, fc_inputs=8 * 2 * 2))
ROWS["cnn.MLPClassifier"] = Row(lambda: dict(x=T(2, 1, 8, 8)), ("x",),
                                call=_model_call(cnn.MLPClassifier, hidden=5, side=8),
                                accept={"rank-1": "it flattens each item: [N, 8, 8] is a "
                                                  "batch of N one-channel images too"})
ROWS["cnn.upsample_digits"] = Row(lambda: dict(images=R(3, 8, 8, lo=0), factor=2),
                                  ("images",), bad={"factor": 0})
ROWS["cnn.Digits32"] = record(x_train=torch.zeros(1, 1, 32, 32), y_train=torch.zeros(1),
                              x_test=torch.zeros(1, 1, 32, 32), y_test=torch.zeros(1))
ROWS["cnn.digits_32"] = Row(only="validation only: upsamples the 1797 digits (a second)",
                            bad={"seed": -1})
ROWS["cnn.loaders"] = Row(lambda: dict(x=T(6, 1, 4, 4), y=torch.tensor([0, 1, 2, 0, 1, 2]),
                                       batch_size=4, shuffle=False),
                          ("x", "y"), call=lambda **kw: [b for b in cnn.loaders(**kw)],
                          bad={"batch_size": 0})
ROWS["cnn.shift_images"] = Row(lambda: dict(x=T(2, 1, 5, 6), dx=2, dy=-1), ("x",),
                               bad={"dx": 1.5})
ROWS["cnn.random_shifts"] = Row(lambda: dict(x=T(3, 1, 5, 6), max_shift=2), ("x",),
                                bad={"max_shift": -1})


def _lenet():
    torch.random.default_generator.manual_seed(0)
    return cnn.LeNet5().eval()


ROWS["cnn.feature_maps"] = Row(lambda: dict(model=_lenet(), x=T(2, 1, 32, 32)), ("x",),
                               bad={"model": torch.nn.Linear(2, 2)})
ROWS["cnn.class_probabilities"] = Row(lambda: dict(model=_lenet(), x=T(2, 1, 32, 32)), ("x",))
ROWS["cnn.Trained"] = record(model=None, history=None, normalise=None)


def _tiny_digits():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(8, 1, 32, 32, generator=g)
    y = torch.tensor([0, 1, 2, 3, 0, 1, 2, 3])
    return cnn.Digits32(x, y, x[:4].clone(), y[:4].clone())


ROWS["cnn.train_classifier"] = Row(
    lambda: dict(make_model=lambda: cnn.MLPClassifier(hidden=4, classes=4), data=_tiny_digits(),
                 epochs=1, batch_size=8),
    (("data", "x_train"), ("data", "y_train")),
    call=lambda **kw: cnn.train_classifier(**kw).history[:2],
    bad={"epochs": 0, "make_model": 3})

# ------------------------------------------------------------------------------ normalisation
from course_utils import normalisation  # noqa: E402


def _batch_norm(x, training=True):
    bn = normalisation.BatchNorm2d(3).train(training)
    return bn(x), bn.running_mean.clone(), bn.running_var.clone()


ROWS["normalisation.BatchNorm2d"] = Row(lambda: dict(x=T(4, 3, 2, 2)), ("x",),
                                        call=_batch_norm, bad={"x": torch.zeros(1, 3, 1, 1)})

# ------------------------------------------------------------------------------ architectures
from course_utils import architectures  # noqa: E402

ROWS["architectures.InceptionModule"] = Row(
    lambda: dict(x=T(2, 3, 6, 6)), ("x",), nan_passes=BLOCK_NAN,
    call=_model_call(architectures.InceptionModule, c_in=3, c1=2, c3=2, c5=2,
                     bottleneck=(2, 2, 2)))
ROWS["architectures.ResidualBlock"] = Row(
    lambda: dict(x=T(2, 3, 6, 6)), ("x",), nan_passes=BLOCK_NAN,
    call=_model_call(architectures.ResidualBlock, c_in=3, c_out=4, stride=2))
ROWS["architectures.BottleneckBlock"] = Row(
    lambda: dict(x=T(2, 4, 6, 6)), ("x",), nan_passes=BLOCK_NAN,
    call=_model_call(architectures.BottleneckBlock, c_in=4, width=2, stride=1))
ROWS["architectures.PlainPair"] = Row(
    lambda: dict(x=T(2, 3, 6, 6)), ("x",), nan_passes=BLOCK_NAN,
    call=_model_call(architectures.PlainPair, channels=3, residual=True))
ROWS["architectures.depth_net"] = Row(lambda: dict(depth=6, residual=True, channels=4),
                                      bad={"depth": 5, "channels": 0, "classes": 0})
ROWS["architectures.training_error"] = Row(
    lambda: dict(model=architectures.depth_net(4, residual=True, channels=2, classes=3),
                 x=T(6, 1, 8, 8), y=torch.tensor([0, 1, 2, 0, 1, 2]), steps=1, batch_size=4),
    ("x", "y"), bad={"steps": 0, "batch_size": 0, "lr": -1.0})
ROWS["architectures.alexnet_deck"] = Row(only="validation only: 62 M parameters to build",
                                         bad={"classes": 0})
ROWS["architectures.vgg16"] = Row(only="validation only: 138 M parameters to build",
                                  bad={"classes": -1})
ROWS["architectures.ILSVRCEntry"] = record(year=2012, task="classification", place=1,
                                           team="x", network="y", error=15.3)
ROWS["architectures.ilsvrc_entry"] = Row(lambda: dict(year=2014, task="classification"),
                                         bad={"year": 1999, "task": "detection"})
ROWS["architectures.PreActResidualBlock"] = Row(
    lambda: dict(x=T(2, 3, 6, 6)), ("x",), nan_passes=BLOCK_NAN,
    call=_model_call(architectures.PreActResidualBlock, channels=3))
ROWS["architectures.input_gradient"] = Row(
    lambda: dict(fn=torch.tanh, x=T(3, 4), upstream=T(3, 4, seed=1)), ("x", "upstream"))
ROWS["architectures.nin_head"] = Row(lambda: dict(c_in=4, classes=3),
                                     bad={"c_in": 0, "classes": -1})
ROWS["architectures.fc_head"] = Row(lambda: dict(c_in=4, height=2, width=3, classes=3),
                                    bad={"height": 0, "classes": 1.5})
ROWS["architectures.DenseLayer"] = Row(
    lambda: dict(x=T(2, 3, 5, 5)), ("x",), nan_passes=BLOCK_NAN,
    call=_model_call(architectures.DenseLayer, c_in=3, growth=2, bn_size=2))
ROWS["architectures.DenseBlock"] = Row(
    lambda: dict(x=T(2, 3, 5, 5)), ("x",), nan_passes=BLOCK_NAN,
    call=_model_call(architectures.DenseBlock, layers=2, c_in=3, growth=2, bn_size=2))


def _small_summary():
    from course_utils.arithmetic import summary
    return summary(_tiny_cnn(), (1, 3, 8, 8))


ROWS["architectures.cost_profile"] = Row(lambda: dict(table=_small_summary()),
                                         bad={"table": [1, 2]})
ROWS["architectures.zoo_models"] = Row()
ROWS["architectures.zoo_summaries"] = Row(
    only="validation only: builds and runs five ImageNet networks (seconds)",
    bad={"size": 8})

# ------------------------------------------------------------------------------ deepnets
from course_utils import deepnets  # noqa: E402

DN_X = R(6, 8)
DN_Y = np.array([0, 1, 2, 0, 1, 2])


def _dn_model(**kw):
    return deepnets.make_mlp(2, width=5, in_features=8, classes=3, **kw)


ROWS["deepnets.make_mlp"] = Row(lambda: dict(depth=2, width=5, in_features=8, classes=3),
                                bad={"depth": 0, "activation": "gelu", "init": "glorot",
                                     "width": 0})
ROWS["deepnets.linear_layers"] = Row(lambda: dict(model=_dn_model()), bad={"model": 3})
for _name in ("layer_gradient_norms", "initial_loss", "accuracy", "update_ratios"):
    ROWS[f"deepnets.{_name}"] = Row(lambda: dict(model=_dn_model(), x=DN_X.copy(),
                                                 y=DN_Y.copy()), ("x", "y"))
ROWS["deepnets.update_ratios"].make = lambda: dict(model=_dn_model(), x=DN_X.copy(),
                                                   y=DN_Y.copy(), steps=2)
ROWS["deepnets.update_ratios"].bad = {"steps": 0, "lr": -1.0, "optimizer": "adamw"}
for _name in ("activation_stds", "probabilities", "layer_activations"):
    ROWS[f"deepnets.{_name}"] = Row(lambda: dict(model=_dn_model(), x=DN_X.copy()), ("x",))
ROWS["deepnets.Curves"] = record(train_loss=[1.0], train_acc=[0.5], test_acc=[0.5])
ROWS["deepnets.train_full_batch"] = Row(
    lambda: dict(model=_dn_model(), x=DN_X.copy(), y=DN_Y.copy(), steps=2,
                 x_test=DN_X[:3].copy(), y_test=DN_Y[:3].copy()),
    ("x", "y", "x_test", "y_test"),
    bad={"steps": 0, "lr": float("nan"), "optimizer": "adamw", "record_every": 0})
ROWS["deepnets.EnsembleResult"] = record(members=np.zeros((1, 2)), ensemble=np.zeros(1))
ROWS["deepnets.ensemble_experiment"] = Row(
    lambda: dict(x=R(6, 64), y=DN_Y.copy(), x_test=R(3, 64, seed=1), y_test=DN_Y[:3].copy(),
                 n=2, repeats=1, steps=1, width=4),
    ("x", "y", "x_test", "y_test"), bad={"n": 0, "repeats": 0})
ROWS["deepnets.expected_initial_loss"] = Row(lambda: dict(classes=10), bad={"classes": 1})
ROWS["deepnets.saturated_fraction"] = Row(lambda: dict(activations=R(4, 5), activation="tanh"),
                                          ("activations",), accept=ANY_SHAPE,
                                          bad={"activation": "gelu"})
ROWS["deepnets.split_train_val"] = Row(
    lambda: dict(x=R(10, 3), y=np.array([0, 1] * 5), val_size=0.4), ("x", "y"),
    bad={"val_size": 1.0, "seed": -1})
ROWS["deepnets.loader"] = Row(lambda: dict(x=DN_X.copy(), y=DN_Y.copy(), batch_size=4),
                              ("x", "y"), call=lambda **kw: list(deepnets.loader(**kw)),
                              bad={"batch_size": 0})

# ------------------------------------------------------------------------------ training
from course_utils import training  # noqa: E402

ROWS["training.History"] = record(epoch=[1], train_loss=[1.0], train_acc=[0.5],
                                  val_loss=[1.0], val_acc=[0.5], seconds=[0.1], stopped=None)


def _tiny_classifier():
    torch.random.default_generator.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 3))


def _batches(x, y, size=4):
    """A loader's batches of (x, y) (y kept whole when it is not an array of labels)."""
    def take(v, i):
        return v[i:i + size] if getattr(v, "ndim", 0) else v

    n = len(x) if getattr(x, "ndim", 1) else 1
    return [(take(x, i), take(y, i)) for i in range(0, n, size)]


LOADER = {"x": {"loader", "train_loader"}, "y": {"loader", "train_loader"}}


TR_X, TR_Y = T(6, 4), torch.tensor([0, 1, 2, 0, 1, 2])
ROWS["training.evaluate"] = Row(
    lambda: dict(x=TR_X.clone(), y=TR_Y.clone()), ("x", "y"),
    call=lambda x, y: training.evaluate(_tiny_classifier(), _batches(x, y)), aliases=LOADER)
ROWS["training.predict"] = Row(
    lambda: dict(x=TR_X.clone(), y=TR_Y.clone()), ("x", "y"),
    call=lambda x, y: training.predict(_tiny_classifier(), _batches(x, y)), aliases=LOADER,
    accept={"y:nan": "predict hands the loader's targets back untouched (it never reads them)",
            "y:complex": "predict hands the loader's targets back untouched"})
ROWS["training.LivePlot"] = Row(
    only="validation only: a figure displayed in a notebook (tests/test_training.py draws it)",
    call=lambda history: training.LivePlot().update(history), bad={"history": "epoch 1"})


def _fit(x, y, epochs=1, **kw):
    history = training.fit(_tiny_classifier(), _batches(x, y), epochs=epochs, live=False,
                           progress=False, val_loader=_batches(x, y), **kw)
    return history._replace(seconds=[])


ROWS["training.fit"] = Row(lambda: dict(x=TR_X.clone(), y=TR_Y.clone()), ("x", "y"), call=_fit,
                           aliases=LOADER,
                           bad={"epochs": 0, "max_seconds": -1.0})

# ------------------------------------------------------------------------------ data
from course_utils.data import assets, real, scenes  # noqa: E402

ROWS["data.assets.Asset"] = record(file="a.txt", sha256="0" * 64, bytes=1, origin="o",
                                   regenerate="r")
ROWS["data.assets.data_dir"] = Row()
ROWS["data.assets.parse_table"] = Row(
    lambda: dict(text="| file | sha256 | bytes | origin | how to regenerate |\n"
                      f"|---|---|---|---|---|\n| `a.txt` | `{'0' * 64}` | 3 | made | by hand |\n"),
    bad={"text": "no table here"},
    aliases={"text": {"README.md"}})  # "README.md: no table ...": the text's source by name
ROWS["data.assets.load_table"] = Row()
ROWS["data.assets.sha256_of"] = Row(lambda: dict(path=str(assets.data_dir() / "README.md")),
                                    bad={"path": 3})
ROWS["data.assets.asset_path"] = Row(lambda: dict(name="annotations/photo_boxes.json"),
                                     bad={"name": "annotations/photo_box.json"})
ROWS["data.assets.asset_files"] = Row(bad={"folder": 3})
ROWS["data.assets.verify_assets"] = Row()
ROWS["data.assets.table_row"] = Row(lambda: dict(name="README.md"), bad={"name": 3})
ROWS["data.assets.main"] = Row(lambda: dict(argv=["--bogus"]),
                               note="command line: prints usage and returns 2 for arguments")
ROWS["data.real.list_photos"] = Row()
ROWS["data.real.photo"] = Row(lambda: dict(name="camera", gray=True), bad={"name": "camra"})
ROWS["data.real.Digits"] = record(x_train=np.zeros((1, 8, 8)), x_test=np.zeros((1, 8, 8)),
                                  y_train=np.zeros(1), y_test=np.zeros(1))


def _png_bytes():
    import io

    from PIL import Image
    buffer = io.BytesIO()
    Image.fromarray((R(20, 30, 3, lo=0) * 255).astype(np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


ROWS["data.real.photo_from_bytes"] = Row(lambda: dict(content=_png_bytes(), max_side=16),
                                         bad={"content": "photo.png", "max_side": 8})
ROWS["data.real.digits"] = Row(lambda: dict(test_size=0.5),
                               bad={"test_size": 1.5, "seed": -1})
ROWS["data.real.digits_loaders"] = Row(lambda: dict(batch_size=512),
                                       call=lambda **kw: [len(loader.dataset) for loader in
                                                          real.digits_loaders(**kw)],
                                       bad={"batch_size": 0, "num_workers": -1})
ROWS["data.scenes.Scene"] = record(image=np.zeros((4, 4, 3)), boxes=np.zeros((0, 4)),
                                   labels=np.zeros(0, int), masks=np.zeros((0, 4, 4), bool),
                                   colours=(), caption="")
ROWS["data.scenes.make_scene"] = Row(lambda: dict(size=32, n_objects=2, seed=1),
                                     bad={"size": 4, "n_objects": -1, "noise": -0.1})
ROWS["data.scenes.make_scenes"] = Row(lambda: dict(n=2, size=32),
                                      bad={"n": -1, "size": 2.5})
SCENE = scenes.make_scene(size=32, n_objects=2, seed=1)
SCENE_FIELDS = ("image", "boxes", "labels", "masks")
ROWS["data.scenes.semantic_map"] = Row(
    lambda: dict(scene=SCENE), tuple(("scene", f) for f in SCENE_FIELDS),
    bad={"scene": np.zeros((32, 32, 3))})
ROWS["data.scenes.check_scene"] = Row(
    lambda: dict(scene=SCENE), tuple(("scene", f) for f in SCENE_FIELDS),
    bad={"scene": (1, 2)})
ROWS["data.scenes.scenes_to_tensors"] = Row(
    lambda: dict(scenes=[SCENE, scenes.make_scene(size=32, n_objects=1, seed=2)]),
    tuple(("scenes", 0, f) for f in SCENE_FIELDS), bad={"scenes": []})
ROWS["data.scenes.scene_images"] = Row(
    lambda: dict(scenes=[SCENE, scenes.make_scene(size=32, n_objects=1, seed=2)]),
    tuple(("scenes", 0, f) for f in SCENE_FIELDS), bad={"scenes": []})

# ------------------------------------------------------------------------------ checks
from course_utils import checks  # noqa: E402

ROWS["exercises.CheckFailed"] = Row(lambda: dict(hint="try again"),
                                 call=lambda hint: str(checks.CheckFailed(hint)))
ROWS["checks.Claim"] = record(sentence="it holds", numbers={"x": 1.0})
ROWS["exercises.Exercise"] = record(id="99.x", title="t", answer_name="x", test=lambda a: None)
ROWS["checks.all_exercises"] = Row(call=lambda: sorted(checks.all_exercises()))
ROWS["checks.check"] = Row(lambda: dict(exercise_id="01.perceptron_update", answer=None),
                           call=lambda **kw: checks.check(**kw).status,
                           bad={"exercise_id": "01.perceptron_updat"})
ROWS["checks.claim"] = Row(lambda: dict(sentence="one is more than zero", condition=True),
                           bad={"condition": float("nan"), "sentence": ""})
ROWS["exercises.exercise"] = Row(lambda: dict(id="99.bad_input_row", title="t"),
                              call=lambda **kw: callable(checks.exercise(**kw)),
                              bad={"id": "no-number", "time_limit": -1.0})
ROWS["checks.expect_error"] = Row(lambda: dict(fn=int, error_type=ValueError),
                                  call=lambda fn, error_type: str(
                                      checks.expect_error(fn, error_type, "x")),
                                  bad={"error_type": "ValueError"})
ROWS["checks.get_exercise"] = Row(lambda: dict(id="01.perceptron_update"),
                                  call=lambda id: checks.get_exercise(id).title,
                                  bad={"id": "1.perceptron_update"})
# its message, "show_source needs a Python function, class or module, got 3", names the
# call, not the argument (checks.py is main's: reported, not edited here)
ROWS["checks.show_source"] = Row(lambda: dict(obj=checks.claim), bad={"obj": 3},
                                 aliases={"obj": {"show_source"}})
ROWS["checks.slide_check"] = Row(
    lambda: dict(deck="000", claim="two", deck_says=2.0, computed=2.0, expect="agree"),
    bad={"computed": float("nan"), "expect": "agrees"})

# ------------------------------------------------------------------------------ captioning
from course_utils import captioning  # noqa: E402

CAPTIONS = ["a red circle left of a blue square", "a green triangle", "a blue circle"]
VOCAB = captioning.Vocabulary.from_captions(CAPTIONS)
ROWS["captioning.tokenize"] = Row(lambda: dict(caption="A red circle, a blue square"),
                                  bad={"caption": ["a", "red"]})
ROWS["captioning.detokenize"] = Row(lambda: dict(words=["a", "circle", ",", "a", "square"]),
                                    bad={"words": "a circle"})


def _vocabulary(words):
    vocab = captioning.Vocabulary(words)
    ids = vocab.encode(["red", "circle"])
    return (len(vocab), ids, vocab.decode(ids + [vocab.end]), vocab.pad, vocab.start,
            vocab.end, "red" in vocab, repr(vocab),
            len(captioning.Vocabulary.from_captions(["a red circle"])))


ROWS["captioning.Vocabulary"] = Row(lambda: dict(words=["a", "red", "circle"]),
                                    call=_vocabulary, bad={"words": "a red circle"})
ROWS["captioning.encode_captions"] = Row(lambda: dict(captions=list(CAPTIONS), vocab=VOCAB),
                                         bad={"captions": "a red circle", "vocab": ["a"]})
CAP_IMAGES = T(3, 3, 8, 8, lo=0)
CAP_TOKENS = captioning.encode_captions(CAPTIONS, VOCAB)


def _captioner():
    torch.random.default_generator.manual_seed(0)
    return captioning.Captioner(VOCAB, image_size=8, hidden=6, embed=4, channels=(2, 2, 2)).eval()


def _captioner_methods(images, tokens):
    model = _captioner()
    with torch.no_grad():
        logits = model(images, tokens)
        state = model.init_state(images)
        step = model.step(tokens[:, 0], state)
    return logits, state, step


ROWS["captioning.Captioner"] = Row(lambda: dict(images=CAP_IMAGES.clone(),
                                                tokens=CAP_TOKENS.clone()),
                                   ("images", "tokens"), call=_captioner_methods)
ROWS["captioning.caption_loss"] = Row(
    lambda: dict(logits=T(3, CAP_TOKENS.shape[1], len(VOCAB)), targets=CAP_TOKENS.clone(),
                 pad=VOCAB.pad), ("logits", "targets"), bad={"pad": -1},
    accept={"logits:nan": "a diverged model's NaN logits give a NaN loss, which "
                          "train_captioner turns into its FloatingPointError (documented)"})
ROWS["captioning.TrainingRun"] = record(losses=[1.0], cpu_seconds=0.1, seconds=0.1)
ROWS["captioning.train_captioner"] = Row(
    lambda: dict(images=CAP_IMAGES.clone(), tokens=CAP_TOKENS.clone()), ("images", "tokens"),
    call=lambda images, tokens: captioning.train_captioner(
        _captioner(), images, tokens, steps=1, batch_size=2).losses)
ROWS["captioning.greedy_decode"] = Row(lambda: dict(model=_captioner(), images=CAP_IMAGES.clone(),
                                                    max_len=4), ("images",),
                                       bad={"max_len": 0, "model": 3})
ROWS["captioning.beam_step"] = Row(
    lambda: dict(scores=np.array([-0.5, -1.0]), log_probs=np.log(R(2, 5, lo=0.05, hi=1)),
                 width=3), ("scores", "log_probs"), bad={"width": 11})
ROWS["captioning.Beam"] = record(ids=[3, 4], score=-1.5)
ROWS["captioning.beam_search"] = Row(lambda: dict(model=_captioner(), image=CAP_IMAGES[0].clone(),
                                                  width=2, max_len=3), ("image",),
                                     bad={"width": 0})
ROWS["captioning.step_probabilities"] = Row(
    lambda: dict(model=_captioner(), image=CAP_IMAGES[0].clone(), ids=np.array([3, 4])),
    ("image", "ids"))
ROWS["captioning.caption_log_probability"] = Row(
    lambda: dict(model=_captioner(), image=CAP_IMAGES[0].clone(), ids=np.array([3, 4])),
    ("image", "ids"))
ROWS["captioning.caption_images"] = Row(
    lambda: dict(model=_captioner(), images=CAP_IMAGES.clone(), width=2, max_len=3),
    ("images",), bad={"width": 0})
ROWS["captioning.Shape"] = record(kind="circle", colour="red", x=8.0, y=8.0, half=4.0)
ROWS["captioning.compose_scene"] = Row(
    lambda: dict(shapes=[captioning.Shape("circle", "red", 8.0, 10.0, 4.0),
                         captioning.Shape("square", "blue", 22.0, 20.0, 5.0)], size=32),
    bad={"shapes": [("circle", "red", 8.0, 10.0, 4.0, 1)], "size": 4})

# ------------------------------------------------------------------------------ detection
from course_utils import detection  # noqa: E402

ROWS["detection.default_boxes"] = Row(
    lambda: dict(feature_size=(2, 3), image_size=(32, 48), scales=np.array([8.0, 16.0]),
                 ratios=np.array([0.5, 1.0, 2.0])), ("scales", "ratios"), bad={"offset": 1.5})
ROWS["detection.multi_scale_boxes"] = Row(
    lambda: dict(feature_sizes=[4, 2], image_size=32, scales=[[6.0, 9.0], [16.0]],
                 ratios=np.array([1.0, 2.0])), ("ratios",),
    bad={"scales": [[6.0]], "feature_sizes": 4})
ROWS["detection.match_anchors"] = Row(lambda: dict(anchors=_boxes(6), gt_boxes=_boxes(2, seed=3)),
                                      ("anchors", "gt_boxes"), bad={"high": 1.5, "low": 0.9})
ROWS["detection.encode_boxes"] = Row(lambda: dict(boxes=_boxes(4), anchors=_boxes(4, seed=3)),
                                     ("boxes", "anchors"), bad={"weights": (1.0, 1.0)})
ROWS["detection.decode_boxes"] = Row(lambda: dict(deltas=T(4, 4), anchors=_boxes(4, seed=3)),
                                     ("deltas", "anchors"), bad={"weights": (1, 1, 1, 0)})
FEATURES = T(2, 3, 8, 8)
ROIS = torch.tensor([[0, 1.0, 1.0, 6.0, 5.0], [1, 0.0, 2.0, 7.5, 7.5], [1, 2.0, 2.0, 4.0, 4.0]])
ROWS["detection.roi_pool"] = Row(lambda: dict(input=FEATURES.clone(), boxes=ROIS.clone(),
                                              output_size=2), ("input", "boxes"),
                                 nan_passes="a layer inside Fast R-CNN: NaN features of a "
                                            "diverged run flow on to the loss",
                                 bad={"output_size": 0, "spatial_scale": 0.0})
ROWS["detection.crop_and_resize"] = Row(lambda: dict(images=FEATURES.clone(), boxes=ROIS.clone(),
                                                     size=3), ("images", "boxes"),
                                        bad={"size": 0})
ROWS["detection.match_detections"] = Row(
    lambda: dict(boxes=_boxes(5), scores=T(5, lo=0), gt_boxes=_boxes(3, seed=3),
                 iou_thresholds=np.array([0.3, 0.5])),
    ("boxes", "scores", "gt_boxes", "iou_thresholds"))
ROWS["detection.PRCurve"] = record(recall=np.zeros(1), precision=np.ones(1), scores=np.ones(1),
                                   n_ground_truth=1)
ROWS["detection.MAPResult"] = record(map=0.5, map50=0.6, ap=np.zeros((1, 1)), classes=(1,),
                                     iou_thresholds=(0.5,), curves={})
PR_RECALL = np.array([0.0, 0.25, 0.5, 0.5, 0.75])
PR_PRECISION = np.array([1.0, 1.0, 0.67, 0.5, 0.6])
for _name in ("interpolated_ap", "voc_ap"):
    ROWS[f"detection.{_name}"] = Row(lambda: dict(recall=PR_RECALL.copy(),
                                                  precision=PR_PRECISION.copy()),
                                     ("recall", "precision"))
ROWS["detection.interpolated_ap"].bad = {"points": 0}


def _map_args():
    targets = [{"boxes": _boxes(3), "labels": torch.tensor([1, 2, 1])},
               {"boxes": _boxes(2, seed=4), "labels": torch.tensor([2, 3])}]
    return dict(predictions=detection.noisy_detections(targets, seed=1), targets=targets)


DET_PATHS = (("predictions", 0, "boxes"), ("predictions", 0, "scores"),
             ("predictions", 0, "labels"), ("targets", 1, "boxes"), ("targets", 1, "labels"))
ROWS["detection.mean_average_precision"] = Row(
    lambda: dict(**_map_args(), iou_thresholds=(0.5, 0.75)), DET_PATHS,
    same=lambda r: (r.map, r.map50, r.ap, r.classes),
    varying="one row of ap per class found in the targets: bool labels merge classes",
    bad={"iou_thresholds": (0.5, 1.5), "predictions": {"boxes": None}},
    nonfinite="ap is NaN for a class without ground truth, as documented")
ROWS["detection.scene_targets"] = Row(lambda: dict(scenes=[SCENE]),
                                      (("scenes", 0, "boxes"), ("scenes", 0, "labels")),
                                      bad={"scenes": SCENE})
ROWS["detection.detection_dict"] = Row(
    lambda: dict(boxes=_boxes(6), scores=T(6, lo=0), labels=torch.tensor([1, 2, 1, 2, 3, 1]),
                 nms_iou=0.3, limit=4), ("boxes", "scores", "labels"),
    bad={"limit": -1, "nms_iou": 2.0})
ROWS["detection.noisy_detections"] = Row(
    lambda: dict(targets=[{"boxes": _boxes(3), "labels": torch.tensor([1, 2, 1])}]),
    (("targets", 0, "boxes"), ("targets", 0, "labels")),
    bad={"miss": 1.5, "num_classes": 0, "targets": {"boxes": None}})

# ------------------------------------------------------------------------------ detectors
from course_utils import detectors  # noqa: E402

ONE_OBJECT = scenes.make_scenes(2, size=32, n_objects=1, seed=3)
TWO_SCENES = scenes.make_scenes(2, size=32, seed=4)
LOSS_NAN = "a loss inside training: a diverged model's NaN output gives a NaN loss"
TRAINING = "one step on two 32 px scenes; the scenes' arrays vary through scenes[0].image"


ROWS["detectors.paired_iou"] = Row(lambda: dict(a=_boxes(4), b=_boxes(4, seed=3)), ("a", "b"),
                                   accept={"nan": LOSS_NAN})
ROWS["detectors.TrainLog"] = record(steps=[1], cpu_seconds=[0.1], wall_seconds=[0.1],
                                    loss=[1.0])
ROWS["detectors.LocalisationNet"] = Row(
    lambda: dict(x=T(2, 3, 32, 32, lo=0)), ("x",),
    call=_model_call(detectors.LocalisationNet, image_size=32))
ROWS["detectors.train_localiser"] = Row(
    lambda: dict(scenes=list(ONE_OBJECT), steps=1, batch_size=2), (("scenes", 0, "image"),),
    call=lambda **kw: detectors.train_localiser(**kw)[1].loss, note=TRAINING,
    bad={"scenes": TWO_SCENES, "steps": 0})
ROWS["detectors.localise"] = Row(
    lambda: dict(model=_seeded_model(detectors.LocalisationNet, image_size=32),
                 scenes=list(ONE_OBJECT)), (("scenes", 0, "image"),), bad={"model": "net"})
ROWS["detectors.RegionSamples"] = record(image=torch.zeros(1), boxes=torch.zeros(1, 4),
                                         labels=torch.zeros(1), targets=torch.zeros(1, 4))
ROWS["detectors.region_samples"] = Row(
    lambda: dict(scenes=list(TWO_SCENES), positives=2, negatives=2),
    tuple(("scenes", 0, f) for f in SCENE_FIELDS), bad={"seed": -1, "scenes": []},
    varying="regions are drawn around the boxes: other boxes, other counts")
ROWS["detectors.CropClassifier"] = Row(lambda: dict(crops=T(2, 3, 32, 32, lo=0)), ("crops",),
                                       call=lambda crops: _model_call(
                                           detectors.CropClassifier)(crops))
ROWS["detectors.train_crop_classifier"] = Row(
    lambda: dict(scenes=list(TWO_SCENES), steps=1, batch_size=2), (("scenes", 0, "image"),),
    call=lambda **kw: detectors.train_crop_classifier(**kw)[1].loss, note=TRAINING,
    bad={"batch_size": 0})
REGIONS = torch.tensor([[2.0, 3.0, 20.0, 18.0], [10.0, 10.0, 30.0, 30.0], [0.0, 0.0, 8.0, 8.0]])
ROWS["detectors.rcnn_detect"] = Row(
    lambda: dict(model=_seeded_model(detectors.CropClassifier), image=T(3, 32, 32, lo=0),
                 regions=REGIONS.clone(), score_threshold=0.0), ("image", "regions"),
    bad={"model": "crop classifier", "nms_iou": 1.5})
ROWS["detectors.FastRCNN"] = Row(
    lambda: dict(images=T(2, 3, 32, 32, lo=0), rois=ROIS * torch.tensor([1.0, 4, 4, 4, 4])),
    ("images", "rois"),
    call=lambda images, rois: _seeded_model(detectors.FastRCNN)(images, rois))
ROWS["detectors.train_fast_rcnn"] = Row(
    lambda: dict(scenes=list(TWO_SCENES), steps=1, images_per_batch=1, regions_per_image=2),
    (("scenes", 0, "image"),), call=lambda **kw: detectors.train_fast_rcnn(**kw)[1].loss,
    note=TRAINING, bad={"images_per_batch": 0})
ROWS["detectors.fast_rcnn_detect"] = Row(
    lambda: dict(model=_seeded_model(detectors.FastRCNN), image=T(3, 32, 32, lo=0),
                 regions=REGIONS.clone(), score_threshold=0.0), ("image", "regions"),
    bad={"model": "fast r-cnn"})
ROWS["detectors.GridDetector"] = Row(lambda: dict(x=T(2, 3, 32, 32, lo=0)), ("x",),
                                     call=_model_call(detectors.GridDetector, width=8))


def _grid_truth():
    _, _, boxes, labels = scenes.scenes_to_tensors(TWO_SCENES)
    return boxes, labels


ROWS["detectors.padded_truth"] = Row(
    lambda: dict(boxes=_grid_truth()[0], labels=_grid_truth()[1]), ("boxes", "labels"),
    bad={"num_classes": 1})
ROWS["detectors.grid_targets"] = Row(
    lambda: dict(boxes=_grid_truth()[0], labels=_grid_truth()[1], grid=8),
    ("boxes", "labels"), bad={"grid": 0, "num_classes": 0})
ROWS["detectors.focal_loss"] = Row(
    lambda: dict(logits=T(2, 3, 8, 8), heat=detectors.grid_targets(*_grid_truth(), grid=8)[0]),
    ("logits", "heat"), accept={"logits:nan": LOSS_NAN})
ROWS["detectors.edge_iou_loss"] = Row(
    lambda: dict(pred=T(2, 4, 8, 8, lo=0.1, hi=2), target=T(2, 4, 8, 8, lo=0.1, hi=2, seed=1),
                 weight=T(2, 8, 8, lo=0, seed=2)),
    ("pred", "target", "weight"), accept={"pred:nan": LOSS_NAN})
ROWS["detectors.decode_grid"] = Row(
    lambda: dict(heat_logits=T(2, 3, 8, 8), edges=T(2, 4, 8, 8, lo=0.1, hi=2, seed=1),
                 score_threshold=0.4), ("heat_logits", "edges"),
    varying="one detection per cell above the threshold: other scores, other counts",
    bad={"top_k": 0, "nms_iou": -0.1})
ROWS["detectors.detect"] = Row(
    lambda: dict(model=_seeded_model(detectors.GridDetector, width=8),
                 images=T(2, 3, 32, 32, lo=0)), ("images",), bad={"model": 3},
    varying="one detection per confident cell: other images, other counts")
ROWS["detectors.DetectorRun"] = record(model=None, log=None, checkpoints=[])
ROWS["detectors.train_detector"] = Row(
    lambda: dict(train_scenes=list(TWO_SCENES), val_scenes=list(TWO_SCENES[:1]), steps=1,
                 batch_size=2), (("train_scenes", 0, "image"), ("val_scenes", 0, "image")),
    call=lambda **kw: detectors.train_detector(**kw).log.loss, note=TRAINING,
    bad={"eval_every": 0})

# ------------------------------------------------------------------ detector_runs, detector_table
from course_utils import detector_runs  # noqa: E402

ROWS["detector_runs.check_images"] = Row(lambda: dict(images=T(2, 3, 8, 8, lo=0)), ("images",))
ROWS["detector_runs.check_labels"] = Row(lambda: dict(labels=torch.tensor([1, 3, 2])),
                                         ("labels",), bad={"num_classes": 0})
ROWS["detector_runs.Checkpoint"] = record(step=1, cpu_seconds=0.1, wall_seconds=0.1, map50=0.5,
                                          map=0.3)
ROWS["detector_runs.Run"] = record(model=None, log=None, checkpoints=[])


def _grid_predict():
    model = _seeded_model(detectors.GridDetector, width=8)
    return lambda x: detectors.detect(model, x)


def _evaluator(val_scenes, predict=None, every=1):
    evaluator = detector_runs.Evaluator(predict or _grid_predict(), val_scenes, every=every,
                                        last=2)

    class Clock:
        cpu = wall = 0.5
    evaluator(1, Clock())
    return [c._replace(cpu_seconds=0, wall_seconds=0) for c in evaluator.checkpoints]


ROWS["detector_runs.Evaluator"] = Row(lambda: dict(val_scenes=list(TWO_SCENES)),
                                      (("val_scenes", 0, "image"),), call=_evaluator,
                                      bad={"every": 0, "predict": 3})
ROWS["detector_runs.evaluate"] = Row(
    lambda: dict(predict=_grid_predict(), images=T(2, 3, 32, 32, lo=0),
                 targets=detection.scene_targets(TWO_SCENES), batch=1),
    ("images", ("targets", 0, "boxes")), same=lambda r: (r.map, r.map50),
    bad={"batch": 0, "targets": []},
    nonfinite="ap is NaN for a class without ground truth, as documented")
ROWS["detector_runs.inference_ms"] = Row(
    lambda: dict(predict=_grid_predict(), images=T(2, 3, 32, 32, lo=0)), ("images",),
    same=lambda r: None, bad={"batch": 0},
    note="a timing: the same inputs give another number, so only errors and finiteness count")
ROWS["detector_runs.n_parameters"] = Row(lambda: dict(model=_tiny_cnn()), bad={"model": 3})
CHECKPOINTS = [detector_runs.Checkpoint(10, 1.0, 1.1, 0.2, 0.1),
               detector_runs.Checkpoint(20, 2.0, 2.2, 0.6, 0.3)]
ROWS["detector_runs.first_reaching"] = Row(
    lambda: dict(checkpoints=list(CHECKPOINTS), key="map50", goal=0.5),
    bad={"key": "map5", "goal": float("nan"), "checkpoints": "map50"})
ROWS["detector_runs.as_scene_list"] = Row(lambda: dict(scenes=list(TWO_SCENES)),
                                          (("scenes", 0, "boxes"),), bad={"scenes": "scenes"})
ROWS["detector_table.compare_detectors"] = Row(
    lambda: dict(train_scenes=list(TWO_SCENES), val_scenes=list(TWO_SCENES)),
    only="validation only: trains detectors (a fast run is notebook 11's business)",
    bad={"detectors": ("yolo9",), "steps": {"grid": 0}, "train_scenes": []})

# ------------------------------------------------------------------------------ faces
from course_utils import faces  # noqa: E402

ROWS["faces.PNet"] = Row(lambda: dict(x=T(1, 3, 20, 24)), ("x",),
                         call=lambda x: faces.mtcnn_nets()[0](x))
ROWS["faces.RNet"] = Row(lambda: dict(x=T(2, 3, 24, 24)), ("x",),
                         call=lambda x: faces.mtcnn_nets()[1](x))
ROWS["faces.ONet"] = Row(lambda: dict(x=T(2, 3, 48, 48)), ("x",),
                         call=lambda x: faces.mtcnn_nets()[2](x))
ROWS["faces.mtcnn_nets"] = Row(call=lambda: [type(n).__name__ for n in faces.mtcnn_nets()])
ROWS["faces.Stage"] = record(name="P-Net", boxes=np.zeros((0, 4)), scores=np.zeros(0),
                             seconds=0.1)
ROWS["faces.Faces"] = record(boxes=np.zeros((0, 4)), scores=np.zeros(0),
                             landmarks=np.zeros((0, 5, 2)), scales=[1.0], stages=[])
ROWS["faces.pyramid_scales"] = Row(lambda: dict(height=60, width=80, min_face_size=24),
                                   bad={"height": 0, "factor": 1.5, "min_face_size": 0})
ROWS["faces.detect_faces"] = Row(
    lambda: dict(image=R(36, 40, 3, lo=0), min_face_size=24), ("image",),
    same=lambda r: (r.boxes, r.scores, r.landmarks, r.scales),
    accept={"rank-1": "a grayscale image (H, W) is converted to RGB, as documented"},
    bad={"thresholds": (0.6, 0.7), "cache": "yes"})

# ------------------------------------------------------------------------------ proposals

ROWS["proposals.sliding_windows"] = Row(
    lambda: dict(image_size=(24, 32), sizes=np.array([8.0, 12.0]), ratios=np.array([1.0, 2.0]),
                 stride=4), ("sizes", "ratios"), bad={"stride": 0, "image_size": 0},
    varying="every window that fits: other sizes, other counts")
REGION = {"size": 10.0, "hist": np.full(6, 1 / 6), "box": (0, 0, 4, 5)}
ROWS["proposals.region_similarity"] = Row(
    lambda: dict(r1=dict(REGION), r2={"size": 6.0, "hist": np.full(6, 1 / 6), "box": (3, 1, 6, 4)},
                 area=100.0), (("r1", "hist"), ("r2", "hist")),
    bad={"area": 0.0, "r1": {"size": 1.0}})
ROWS["proposals.selective_search"] = Row(lambda: dict(image=R(16, 20, 3, lo=0), scales=[30.0]),
                                         ("image",),
                                         accept={"rank-1": "a grayscale image [H, W] is "
                                                           "searched too, as documented"},
                                         varying="one box per region found: other pixels, "
                                                 "other regions",
                                         bad={"bins": 0, "min_side": -1})
ROWS["proposals.proposal_recall"] = Row(
    lambda: dict(proposals=[_boxes(6), _boxes(4, seed=2)], gt_boxes=[_boxes(2, seed=3),
                                                                      _boxes(1, seed=5)]),
    (("proposals", 0), ("gt_boxes", 1)), bad={"proposals": [_boxes(2)]})

# ------------------------------------------------------------------------------ ssd
from course_utils import rcnn, ssd, yolo  # noqa: E402

ANCHORS32 = ssd.ssd_default_boxes(32)
ROWS["ssd.ssd_default_boxes"] = Row(lambda: dict(image_size=32), bad={"image_size": 40})
ROWS["ssd.SSD"] = Row(lambda: dict(x=T(2, 3, 32, 32, lo=0)), ("x",),
                      call=_model_call(ssd.SSD, width=8))
ROWS["ssd.ssd_targets"] = Row(
    lambda: dict(anchors=ANCHORS32.clone(), boxes=_grid_truth()[0], labels=_grid_truth()[1]),
    ("anchors", "boxes", "labels"), bad={"iou": 1.5})
ROWS["ssd.hard_negatives"] = Row(
    lambda: dict(loss=T(2, 10, lo=0), positive=torch.tensor([[True] + [False] * 9] * 2),
                 ratio=3.0), ("loss", "positive"), bad={"ratio": -1.0},
    accept={"loss:nan": LOSS_NAN})


def _ssd_loss_args():
    classes, target = ssd.ssd_targets(ANCHORS32, *_grid_truth())
    a = len(ANCHORS32)
    return dict(logits=T(2, a, 4), offsets=T(2, a, 4, seed=1), classes=classes,
                target_offsets=target)


ROWS["ssd.ssd_loss"] = Row(_ssd_loss_args, ("logits", "offsets", "classes", "target_offsets"),
                           accept={"logits:nan": LOSS_NAN, "offsets:nan": LOSS_NAN},
                           bad={"neg_ratio": -1.0})
ROWS["ssd.decode_ssd"] = Row(
    lambda: dict(logits=T(2, len(ANCHORS32), 4, hi=3), offsets=T(2, len(ANCHORS32), 4, seed=1),
                 anchors=ANCHORS32.clone(), image_size=32, score_threshold=0.3),
    ("logits", "offsets", "anchors"), bad={"top_k": 0, "max_detections": -1},
    varying="one detection per confident (box, class): other scores, other counts")
ROWS["ssd.ssd_detect"] = Row(
    lambda: dict(model=_seeded_model(ssd.SSD, width=8), images=T(2, 3, 32, 32, lo=0)),
    ("images",), bad={"model": 3}, varying="one detection per confident (box, class)")
ROWS["ssd.train_ssd"] = Row(
    lambda: dict(train_scenes=list(TWO_SCENES), val_scenes=list(TWO_SCENES[:1]), steps=1,
                 batch_size=2, eval_every=1), (("train_scenes", 0, "image"),),
    call=lambda **kw: ssd.train_ssd(**kw).log.loss, note=TRAINING,
    bad={"eval_every": 0, "val_scenes": "val"})

# ------------------------------------------------------------------------------ yolo


def _yolo_targets():
    boxes, labels = _grid_truth()
    return yolo.yolo_targets(boxes, labels, grid=4, image_size=32)


ROWS["yolo.YOLOv1"] = Row(lambda: dict(x=T(2, 3, 32, 32, lo=0)), ("x",),
                          call=_model_call(yolo.YOLOv1, width=8))
ROWS["yolo.yolo_targets"] = Row(
    lambda: dict(boxes=_grid_truth()[0], labels=_grid_truth()[1], grid=4, image_size=32),
    ("boxes", "labels"), bad={"grid": 0})
ROWS["yolo.yolo_to_xyxy"] = Row(lambda: dict(box=T(2, 4, 4, 2, 4, lo=0), image_size=32),
                                ("box",), bad={"image_size": 0},
                                accept={"box:nan": "a diverged model's boxes, for the loss"})
ROWS["yolo.yolo_loss"] = Row(
    lambda: dict(pred_boxes=T(2, 4, 4, 2, 5, lo=0), pred_cls=T(2, 4, 4, 3, lo=0, seed=1),
                 obj=_yolo_targets()[0], box=_yolo_targets()[1], cls=_yolo_targets()[2],
                 image_size=32),
    ("pred_boxes", "pred_cls", "obj", "box", "cls"),
    accept={"pred_boxes:nan": LOSS_NAN, "pred_cls:nan": LOSS_NAN})
ROWS["yolo.decode_yolo"] = Row(
    lambda: dict(pred_boxes=T(2, 4, 4, 2, 5, lo=0), pred_cls=T(2, 4, 4, 3, lo=0, seed=1),
                 image_size=32, score_threshold=0.2), ("pred_boxes", "pred_cls"),
    bad={"top_k": 0}, varying="one detection per confident (box, class)")
ROWS["yolo.yolo_detect"] = Row(
    lambda: dict(model=_seeded_model(yolo.YOLOv1, width=8), images=T(2, 3, 32, 32, lo=0)),
    ("images",), bad={"model": 3}, varying="one detection per confident (box, class)")
ROWS["yolo.train_yolo"] = Row(
    lambda: dict(train_scenes=list(TWO_SCENES), steps=1, batch_size=2),
    (("train_scenes", 0, "image"),), call=lambda **kw: yolo.train_yolo(**kw).log.loss,
    note=TRAINING, bad={"steps": 0})

# ------------------------------------------------------------------------------ rcnn
RCNN_NOTE = "validation only: torchvision's R-CNN on a whole image (tests/test_rcnn.py runs it)"


def _tiny_rcnn(masks=False):
    torch.random.default_generator.manual_seed(0)
    build = rcnn.tiny_mask_rcnn if masks else rcnn.tiny_faster_rcnn
    return build(width=8, image_size=32).eval()


ROWS["rcnn.TinyBackbone"] = Row(lambda: dict(x=T(2, 3, 32, 32, lo=0)), ("x",),
                                call=_model_call(rcnn.TinyBackbone, width=8, stride=8))
ROWS["rcnn.tiny_faster_rcnn"] = Row(lambda: dict(width=8, image_size=32),
                                    call=lambda **kw: type(rcnn.tiny_faster_rcnn(**kw)).__name__,
                                    bad={"stride": 5, "width": 0, "image_size": 8})
ROWS["rcnn.tiny_mask_rcnn"] = Row(lambda: dict(width=8, image_size=32),
                                  call=lambda **kw: type(rcnn.tiny_mask_rcnn(**kw)).__name__,
                                  bad={"stride": 2, "image_size": 0})
ROWS["rcnn.rcnn_detect"] = Row(
    lambda: dict(model=_tiny_rcnn(), images=T(1, 3, 32, 32, lo=0)), ("images",),
    bad={"model": _tiny_cnn(), "images": T(3, 32, 32, lo=0)},
    varying="one detection per confident region: other pixels, other counts")
ROWS["rcnn.rpn_proposals"] = Row(
    lambda: dict(model=_tiny_rcnn(), image=T(3, 32, 32, lo=0)), ("image",),
    bad={"model": "rcnn"}, varying="one proposal per surviving anchor: other pixels, "
                                   "other counts")
ROWS["rcnn.two_stages"] = Row(lambda: dict(model=_tiny_rcnn(), image=T(3, 32, 32, lo=0)),
                              ("image",), bad={"model": 3},
                              varying="proposals and detections follow the pixels")
ROWS["rcnn.torchvision_targets"] = Row(lambda: dict(scenes=list(TWO_SCENES), masks=True),
                                       (("scenes", 0, "masks"), ("scenes", 1, "labels")),
                                       bad={"masks": "yes"})
ROWS["rcnn.MaskQuality"] = record(mask_iou=0.5, recall=0.5, matched=1, objects=2)


def _mask_detections():
    out = []
    for s in TWO_SCENES:
        k = len(s.labels)
        out.append({"boxes": torch.as_tensor(s.boxes), "scores": torch.linspace(0.9, 0.6, k),
                    "labels": torch.as_tensor(s.labels),
                    "masks": torch.as_tensor(s.masks, dtype=torch.float32)[:, None] * 0.8})
    return out


ROWS["rcnn.mask_quality"] = Row(
    lambda: dict(detections=_mask_detections(), scenes=list(TWO_SCENES)),
    (("detections", 0, "boxes"), ("detections", 0, "scores"), ("detections", 0, "labels"),
     ("detections", 0, "masks"), ("scenes", 0, "masks")),
    bad={"box_iou": 1.5, "detections": [{}]})
ROWS["rcnn.MaskCheckpoint"] = record(step=1, cpu_seconds=0.1, wall_seconds=0.1, map50=0.5,
                                     map=0.3, mask_iou=0.5, mask_recall=0.5)
ROWS["rcnn.untrained_faster_rcnn"] = Row(lambda: dict(seed=0, image_size=32),
                                         call=lambda **kw: sum(
                                             p.numel() for p in
                                             rcnn.untrained_faster_rcnn(**kw).parameters()),
                                         bad={"seed": -1, "image_size": 0})
ROWS["rcnn.settings_table"] = Row(lambda: dict(model=_tiny_rcnn()),
                                  call=lambda **kw: len(rcnn.settings_table(**kw)),
                                  bad={"model": "faster rcnn"})
ROWS["rcnn.covered"] = Row(lambda: dict(boxes=R(3, 4, lo=0) * 10 + np.array([0, 0, 10, 10]),
                                        truth=R(2, 4, lo=0) * 10 + np.array([0, 0, 10, 10])),
                           ("boxes", "truth"), bad={"iou_threshold": 1.5})
ROWS["rcnn.train_rcnn"] = Row(
    lambda: dict(train_scenes=list(TWO_SCENES)), only=RCNN_NOTE + " and trains it",
    bad={"steps": 0, "stride": 3, "train_scenes": [], "eval_every": 0})

# ------------------------------------------------------------------------------ segmentation
from course_utils import segmentation as seg  # noqa: E402

SEG_IMAGES = T(2, 3, 8, 8, lo=0)
SEG_TARGETS = torch.from_numpy(np.random.default_rng(0).integers(0, 4, (2, 8, 8)))
ROWS["segmentation.instance_map"] = Row(lambda: dict(scene=SCENE),
                                        tuple(("scene", f) for f in SCENE_FIELDS),
                                        bad={"scene": np.zeros((4, 4))})
ROWS["segmentation.PatchClassifier"] = Row(lambda: dict(x=T(2, 3, 18, 18, lo=0)), ("x",),
                                           call=_model_call(seg.PatchClassifier, width=4))
ROWS["segmentation.pad_for_windows"] = Row(lambda: dict(images=SEG_IMAGES.clone(), patch=6),
                                           ("images",), bad={"patch": 0})
ROWS["segmentation.centre_patches"] = Row(
    lambda: dict(images=SEG_IMAGES.clone(), targets=SEG_TARGETS.clone(), per_image=3, patch=6),
    ("images", "targets"), bad={"per_image": 0, "patch": 100})


def _patch_classifier():
    return _seeded_model(seg.PatchClassifier, width=4)


ROWS["segmentation.sliding_window_scores"] = Row(
    lambda: dict(classifier=_patch_classifier(), image=T(3, 10, 11, lo=0), stride=2),
    ("image",), bad={"stride": 0, "chunk": 0, "classifier": 3})
ROWS["segmentation.linear_to_conv"] = Row(
    lambda: dict(linear=torch.nn.Linear(12, 5), in_shape=(3, 2, 2)),
    call=lambda **kw: seg.linear_to_conv(**kw).weight.shape,
    bad={"in_shape": (3, 2, 3), "linear": torch.nn.Conv2d(1, 1, 1)})


def _convolutionalise(**kw):
    net = seg.convolutionalise(**kw)
    return [type(layer).__name__ for layer in net]


ROWS["segmentation.convolutionalise"] = Row(
    lambda: dict(features=_patch_classifier().features, head=_patch_classifier().head,
                 feature_shape=(8, 3, 3)), call=_convolutionalise,
    bad={"feature_shape": (8, 3, 4), "head": "head"})


def _fcn_of_patches():
    net = _patch_classifier()
    return seg.convolutionalise(net.features, net.head, (8, 3, 3))


ROWS["segmentation.shift_and_stitch"] = Row(
    lambda: dict(fcn=_fcn_of_patches(), padded=seg.pad_for_windows(T(1, 3, 12, 12, lo=0)),
                 step=4, size=(12, 12)), ("padded",), bad={"step": 0, "size": (8,)})
ROWS["segmentation.bilinear_upsampler"] = Row(lambda: dict(channels=2, factor=2),
                                              call=lambda **kw: seg.bilinear_upsampler(**kw).weight,
                                              bad={"channels": 0, "factor": 0})
ROWS["segmentation.FCN"] = Row(lambda: dict(x=SEG_IMAGES.clone()), ("x",),
                               call=_model_call(seg.FCN, width=2))
ROWS["segmentation.FCNParts"] = record(score8=torch.zeros(1), score4=torch.zeros(1),
                                       score2=torch.zeros(1))


def _fcn():
    return _seeded_model(seg.FCN, width=2)


ROWS["segmentation.fcn_parts"] = Row(lambda: dict(model=_fcn(), x=SEG_IMAGES.clone()), ("x",),
                                     bad={"model": 3})
ROWS["segmentation.fcn_combine"] = Row(
    lambda: dict(model=_fcn(), parts=seg.fcn_parts(_fcn(), SEG_IMAGES), skips=1,
                 upsample="bilinear"), (("parts", "score8"), ("parts", "score2")),
    bad={"skips": 3, "upsample": "cubic", "parts": (1, 2)})
ROWS["segmentation.fcn_scores"] = Row(lambda: dict(model=_fcn(), x=SEG_IMAGES.clone(),
                                                   upsample="nearest"), ("x",),
                                      bad={"upsample": "linear"})
ROWS["segmentation.UNet"] = Row(lambda: dict(x=SEG_IMAGES.clone()), ("x",),
                                call=_model_call(seg.UNet, width=2))
ROWS["segmentation.class_weights"] = Row(lambda: dict(targets=SEG_TARGETS.clone()),
                                         ("targets",), accept=ANY_SHAPE,
                                         bad={"num_classes": 0, "power": float("nan")})
ROWS["segmentation.TrainRun"] = record(model=None, losses=[1.0], seconds=0.1, cpu_seconds=0.1)


def _train_steps(x, y, weight):
    run = seg.train_steps(_fresh_model(seg.UNet, width=2), x, y, steps=1, batch_size=2,
                          weight=weight)
    return run.losses


ROWS["segmentation.train_steps"] = Row(
    lambda: dict(x=SEG_IMAGES.clone(), y=SEG_TARGETS.clone(), weight=torch.ones(4)),
    ("x", "y", "weight"), call=_train_steps)
ROWS["segmentation.predict_probabilities"] = Row(
    lambda: dict(model=_fcn(), images=SEG_IMAGES.clone(), chunk=1), ("images",),
    bad={"chunk": 0, "model": "fcn"})
ROWS["segmentation.mask_rcnn"] = Row(
    only="validation only: torchvision's Mask R-CNN with a ResNet-50 (44 M parameters)",
    bad={"num_classes": 0, "size": 8})
ROWS["segmentation.scene_target"] = Row(lambda: dict(scene=SCENE),
                                        tuple(("scene", f) for f in SCENE_FIELDS),
                                        bad={"scene": {"boxes": []}})
ROWS["segmentation.MaskBranch"] = record(image_size=(8, 8), boxes=torch.zeros(0, 4), features={},
                                         roi_features=torch.zeros(0), head=torch.zeros(0),
                                         mask_logits=torch.zeros(0))
ROWS["segmentation.mask_branch"] = Row(
    lambda: dict(model=None, image=T(3, 32, 32, lo=0), boxes=_boxes(2)),
    only="validation only: runs a ResNet-50 Mask R-CNN (tests/test_segmentation.py does)",
    bad={"model": 3})
ROWS["segmentation.mask_targets"] = Row(
    lambda: dict(masks=SCENE.masks.copy(), boxes=SCENE.boxes.copy(), size=7),
    ("masks", "boxes"), bad={"size": 0})
ROWS["segmentation.paste_masks"] = Row(
    lambda: dict(masks=R(2, 7, 7, lo=0), boxes=SCENE.boxes.copy(), image_size=(32, 32)),
    ("masks", "boxes"), bad={"image_size": (32,)})
ROWS["segmentation.roi_align_loops"] = Row(
    lambda: dict(features=R(2, 6, 7), box=np.array([1.0, 0.5, 5.0, 4.5]), output_size=2,
                 sampling_ratio=2), ("features", "box"),
    bad={"output_size": 0, "sampling_ratio": 1.5, "spatial_scale": -1.0})

# ------------------------------------------------------------------------------ transfer
from course_utils import transfer  # noqa: E402


@functools.lru_cache(maxsize=1)
def _lite0():
    """One random EfficientNet-Lite0 for every row (0.2 s to build); rows never train it."""
    return transfer.random_efficientnet_lite0(seed=0)


PHOTO = (R(40, 52, 3, lo=0) * 255).astype(np.uint8)
ROWS["transfer.weights_file"] = Row()
STATE = {"a.weight": torch.zeros(2, 3), "a.bias": torch.zeros(2)}
ROWS["transfer.map_by_position"] = Row(
    lambda: dict(source={"x.w": T(2, 3), "x.b": T(2)}, target=dict(STATE)),
    (("source", "x.w"), ("source", "x.b")),
    accept={"nan": "weights are copied as they are (a checkpoint is not data to check)",
            "complex": "weights are copied as they are: load_state_dict refuses a complex "
                       "tensor for a float parameter"},
    nonfinite="copies the NaN it was given", bad={"source": {"x.w": T(2, 3)}})
ROWS["transfer.verify_weights"] = Row(
    bad={"path": "/nonexistent/weights.pth"}, aliases={"path": {"weights"}},
    raises=(FileNotFoundError,),
    note="a missing file is a FileNotFoundError, as documented (notebook 10 expects it)")
def _corrupted_copy(byte):
    with transfer.corrupted_weights_copy(byte) as path:
        return path.endswith(".pth")


ROWS["transfer.corrupted_weights_copy"] = Row(lambda: dict(byte=10), call=_corrupted_copy,
                                              bad={"byte": -1})
ROWS["transfer.pretrained_efficientnet_lite0"] = Row(
    call=lambda: sum(p.numel() for p in transfer.pretrained_efficientnet_lite0().parameters()))
ROWS["transfer.imagenet_categories"] = Row()
ROWS["transfer.preprocess"] = Row(lambda: dict(model=_lite0(), image=PHOTO.copy()), ("image",),
                                  bad={"crop_mode": "centre", "model": 3})
ROWS["transfer.imagenet_top_k"] = Row(lambda: dict(model=_lite0(), image=PHOTO.copy(), k=3),
                                      ("image",), bad={"k": 0})
ROWS["transfer.cached_torchvision_weights"] = Row(bad={"name": "resnet50"})
ROWS["transfer.torchvision_download_hint"] = Row(bad={"name": "resnet50"})
ROWS["transfer.backbone"] = Row(lambda: dict(name="efficientnet_lite0", pretrained=False),
                                call=lambda **kw: type(transfer.backbone(**kw)).__name__,
                                bad={"name": "resnet50", "pretrained": "yes"})
ROWS["transfer.random_efficientnet_lite0"] = Row(
    lambda: dict(seed=1), call=lambda seed: float(
        transfer.random_efficientnet_lite0(seed=seed).conv_stem.weight.sum()),
    bad={"seed": -1})
LITE_X = T(2, 3, 32, 32)
ROWS["transfer.early_and_late_maps"] = Row(lambda: dict(model=_lite0(), x=LITE_X.clone()),
                                           ("x",), bad={"model": _tiny_cnn()})
LATE = T(2, 1280, 2, 2)
ROWS["transfer.class_activation_map"] = Row(
    lambda: dict(model=_lite0(), late=LATE.clone(), index="tiger cat"), ("late",),
    bad={"index": 1000, "model": 3})
ROWS["transfer.profile_similarity"] = Row(lambda: dict(maps=T(3, 4, 2, 2)), ("maps",))
ROWS["transfer.training_flop_rate"] = Row(
    lambda: dict(model=torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.AdaptiveAvgPool2d(1),
                                           torch.nn.Flatten(), torch.nn.Linear(4, 2)),
                 batch=1, size=32, steps=1), same=lambda r: None,
    note="a timing: the same inputs give another number, so only errors and finiteness count",
    bad={"batch": 0, "model": "net"})

# ------------------------------------------------------------------------------ finetune
from course_utils import finetune as ft  # noqa: E402

GRAY = R(4, 10, 12, lo=0)
NET_X = T(4, 3, 32, 32)
FT_Y = np.array([0, 1, 0, 1])


def _stages():
    return len(_lite0().blocks)


@functools.lru_cache(maxsize=2)
def _features_below(stage: int) -> torch.Tensor:
    return ft.split_features(_lite0(), NET_X, frozen_stages=stage)


def _top_features():
    return _features_below(_stages()).clone()


ROWS["finetune.lfw_faces"] = Row(call=lambda: [a.shape for a in ft.lfw_faces()])
ROWS["finetune.digits_8x8"] = Row(call=lambda: [a.shape for a in ft.digits_8x8()])
ROWS["finetune.to_network_input"] = Row(lambda: dict(gray=GRAY.copy(), size=32), ("gray",),
                                        bad={"size": 8})
ROWS["finetune.check_network_input"] = Row(lambda: dict(x=NET_X.clone()), ("x",))
ROWS["finetune.split_features"] = Row(
    lambda: dict(model=_lite0(), x=NET_X.clone(), frozen_stages=1, batch_size=2), ("x",),
    bad={"frozen_stages": 99, "batch_size": 0, "model": _tiny_cnn()})
ROWS["finetune.pooled_features"] = Row(lambda: dict(model=_lite0(), x=NET_X.clone()), ("x",),
                                       bad={"batch_size": 0, "model": 3})
ROWS["finetune.trainable_top"] = Row(
    lambda: dict(model=_lite0(), frozen_stages=_stages(), classes=2),
    call=lambda **kw: sum(p.numel() for p in ft.trainable_top(**kw).parameters()),
    bad={"classes": 0, "frozen_stages": -1, "model": 3})
ROWS["finetune.sample_per_class"] = Row(lambda: dict(y=np.array([0, 1, 0, 1, 2, 2]),
                                                     per_class=2), ("y",),
                                        bad={"per_class": 3, "seed": -1},
    varying="per_class indices of every class: bool labels hold fewer classes")
ROWS["finetune.probe_accuracy"] = Row(
    lambda: dict(train_x=R(6, 5), train_y=np.array([0, 1, 0, 1, 0, 1]), test_x=R(4, 5, seed=1),
                 test_y=FT_Y.copy()), ("train_x", "train_y", "test_x", "test_y"))
ROWS["finetune.FineTune"] = record(accuracy=0.5, trainable_params=10, seconds_per_epoch=0.1,
                                   cpu_seconds_per_epoch=0.1)


def _train_top(x_train, y_train, x_test, y_test):
    top = ft.trainable_top(_lite0(), frozen_stages=_stages(), classes=2)
    return ft.train_top(top, x_train, y_train, x_test, y_test, epochs=1)[:2]


ROWS["finetune.train_top"] = Row(
    lambda: dict(x_train=_top_features(), y_train=FT_Y.copy(), x_test=_top_features(),
                 y_test=FT_Y.copy()), ("x_train", "y_train", "x_test", "y_test"),
    call=_train_top)
ROWS["finetune.SmallCNN"] = Row(lambda: dict(x=T(2, 1, 8, 8)), ("x",),
                                call=_model_call(ft.SmallCNN, classes=3, channels=2))


def _train_small_cnn(x_train, y_train, x_test, y_test):
    model = _fresh_model(ft.SmallCNN, classes=2, channels=2)
    return ft.train_small_cnn(model, x_train, y_train, x_test, y_test, epochs=1)


ROWS["finetune.train_small_cnn"] = Row(
    lambda: dict(x_train=GRAY.copy(), y_train=FT_Y.copy(), x_test=GRAY.copy(),
                 y_test=FT_Y.copy()), ("x_train", "y_train", "x_test", "y_test"),
    call=_train_small_cnn)


def _face_methods(**kw):
    """The methods face_methods builds, after checking its inputs (running them is the rows
    of probe_accuracy and train_top: fine-tuning EfficientNet's last stage for every case
    would take seconds)."""
    return {name: callable(f) for name, f in ft.face_methods(_lite0(), **kw).items()}


ROWS["finetune.face_methods"] = Row(
    lambda: dict(faces=GRAY.copy(), y=FT_Y.copy(), features=R(4, 6),
                 below_last=_features_below(_stages() - 1).clone(),
                 epochs=1), ("faces", "y", "features", "below_last"), call=_face_methods)
ROWS["finetune.project_2d"] = Row(lambda: dict(features=R(5, 4)), ("features",),
                                  bad={"method": "umap"})
ROWS["finetune.Curve"] = record(budgets=[1], scores={"m": np.zeros((1, 1))})
ROWS["finetune.learning_curve"] = Row(
    lambda: dict(y=np.array([0, 1, 0, 1, 0, 1]), budgets=[1, 2], seeds=[0],
                 methods={"mean": lambda tr, te, seed: float(len(tr)) / 10}), ("y",),
    same=lambda r: (r.budgets, r.scores), bad={"budgets": [4], "methods": [print]})
ROWS["finetune.place_on_canvas"] = Row(lambda: dict(images=GRAY.copy(), canvas=14),
                                       ("images",), bad={"canvas": 8})
ROWS["finetune.DigitSplit"] = record(x_source=np.zeros((1, 8, 8)), y_source=np.zeros(1),
                                     x_target=np.zeros((1, 8, 8)), y_target=np.zeros(1))
ROWS["finetune.digit_transfer_split"] = Row(lambda: dict(canvas=8),
                                            call=lambda **kw: [a.shape for a in
                                                               ft.digit_transfer_split(**kw)],
                                            bad={"canvas": 4})
ROWS["finetune.cnn_features"] = Row(
    lambda: dict(model=_seeded_model(ft.SmallCNN, classes=2, channels=2), images=GRAY.copy()),
    ("images",), bad={"model": 3})
ROWS["finetune.with_new_head"] = Row(
    lambda: dict(model=_seeded_model(ft.SmallCNN, classes=2, channels=2), classes=3),
    call=lambda **kw: ft.with_new_head(**kw).head.weight, bad={"classes": 1, "model": 3})


def _small_split():
    return ft.DigitSplit(R(6, 8, 8, lo=0), np.array([0, 1, 2, 0, 1, 2]), R(4, 8, 8, lo=0),
                         FT_Y.copy())


ROWS["finetune.pretrain_on_source"] = Row(
    lambda: dict(split=_small_split(), epochs=1, held_out=0.5),
    (("split", "x_source"), ("split", "y_source")),
    call=lambda **kw: ft.pretrain_on_source(**kw)[1], bad={"epochs": 0, "split": (1, 2)})


def _within(split, **kw):
    """The methods within_domain_methods builds; the two probes run (the two trainings are
    train_small_cnn's row)."""
    source = _seeded_model(ft.SmallCNN, classes=2, channels=2)
    methods = ft.within_domain_methods(split, source, epochs=1)
    return {name: float(f(np.array([0, 1]), np.array([2, 3]), 0)) if "probe" in name
            else callable(f) for name, f in methods.items()}


ROWS["finetune.within_domain_methods"] = Row(
    lambda: dict(split=_small_split()), (("split", "x_target"), ("split", "y_target")),
    call=_within)
ROWS["finetune.FreezeTask"] = record(name="faces", x_train=torch.zeros(1), y_train=np.zeros(1),
                                     x_test=torch.zeros(1), y_test=np.zeros(1),
                                     pixel_accuracy=0.5)
ROWS["finetune.freeze_task"] = Row(lambda: dict(name="faces", size=32, per_class=2, test_size=4),
                                   call=lambda **kw: ft.freeze_task(**kw).pixel_accuracy,
                                   bad={"name": "cats", "per_class": 0, "size": 8})


def _task():
    return ft.FreezeTask("t", NET_X.clone(), FT_Y.copy(), NET_X[:2].clone(), FT_Y[:2].copy(),
                         0.5)


ROWS["finetune.trainable_parameters"] = Row(
    lambda: dict(model=_lite0(), frozen_stages=_stages(), classes=2),
    bad={"classes": 0, "frozen_stages": 99})
ROWS["finetune.fine_tune_frozen"] = Row(
    lambda: dict(model=_lite0(), task=_task(), frozen_stages=_stages(), epochs=1),
    (("task", "x_train"), ("task", "y_train")), call=lambda **kw: ft.fine_tune_frozen(**kw)[:2],
    bad={"task": (1, 2), "epochs": 0})


class _TinyNet(torch.nn.Module):
    """Enough of a timm network for full_network / train_full: features and a classifier."""

    num_features = 4

    def __init__(self):
        super().__init__()
        self.features = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4),
                                            torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())
        self.classifier = torch.nn.Linear(4, 2)

    def forward(self, x):
        return self.classifier(self.features(x))


ROWS["finetune.full_network"] = Row(
    lambda: dict(model=_seeded_model(_TinyNet), classes=3),
    call=lambda **kw: ft.full_network(**kw).classifier.weight, bad={"classes": 1, "model": 3})
ROWS["finetune.augment_batch"] = Row(
    lambda: dict(x=T(2, 3, 8, 8), generator=torch.Generator().manual_seed(0), shift=2), ("x",),
    bad={"shift": -1, "generator": 0})


def _train_full(x_train, y_train, x_test, y_test):
    net = _fresh_model(_TinyNet)
    return ft.train_full(net, x_train, y_train, x_test, y_test, epochs=1, augment=True)[:2]


ROWS["finetune.train_full"] = Row(
    lambda: dict(x_train=T(4, 3, 32, 32), y_train=FT_Y.copy(), x_test=T(2, 3, 32, 32, seed=1),
                 y_test=FT_Y[:2].copy()), ("x_train", "y_train", "x_test", "y_test"),
    call=_train_full, note="a four-parameter-group stand-in network: one full-batch step")
ROWS["finetune.full_fine_tune_methods"] = Row(
    lambda: dict(model=_lite0(), task=_task(), epochs=1),
    call=lambda **kw: sorted(ft.full_fine_tune_methods(**kw)),
    bad={"task": "faces", "epochs": 0})

# ------------------------------------------------------------------------------ validate (torch)
ROWS["validate.as_tensor"] = Row(lambda: dict(value=T(3, 2), name="value", shape=("N", 2)),
                                 ("value",), bad={"value": [1.0, 2.0]})
ROWS["validate.as_labels"] = Row(lambda: dict(value=torch.tensor([0, 2, 1]), name="value",
                                              classes=3), ("value",), bad={"classes": 2})
