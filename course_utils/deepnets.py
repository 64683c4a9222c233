"""Training deep networks in PyTorch (notebook 05): depth, initialisation, dropout, ensembles.

Small fully connected networks on the real 8x8 digits, so that each experiment runs in
seconds on one CPU thread: gradient norms layer by layer (vanishing gradients), activation
statistics per layer (initialisation), dropout's train / eval behaviour, and ensembles.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from course_utils.errors import unknown_name
from course_utils.validate import as_array, as_number, check_shape

__all__ = [
    "make_mlp", "linear_layers", "layer_gradient_norms", "activation_stds", "Curves",
    "train_full_batch", "accuracy", "probabilities", "EnsembleResult", "ensemble_experiment",
    "expected_initial_loss", "initial_loss", "layer_activations", "saturated_fraction",
    "update_ratios", "split_train_val", "loader",
]

ACTIVATIONS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}
INITS = ("default", "small", "large", "xavier", "he")


def make_mlp(depth: int, *, width: int = 64, activation: str = "relu", init: str = "default",
             dropout: float = 0.0, in_features: int = 64, classes: int = 10,
             seed: int = 0) -> nn.Sequential:
    """Flatten, then ``depth`` hidden layers (Linear, activation[, Dropout]), then a Linear head.

    init: ``"default"`` (PyTorch's: uniform with bound 1/sqrt(fan_in)), ``"small"`` (normal,
    std 0.01), ``"large"`` (std 1), ``"xavier"`` (Glorot normal, std sqrt(2/(fan_in+fan_out))),
    ``"he"`` (Kaiming normal, std sqrt(2/fan_in)). Biases start at 0 except for default.
    """
    depth = as_number(depth, "depth", minimum=1, maximum=100, integer=True)
    width, in_features, classes = (as_number(v, k, minimum=1, integer=True) for k, v in (
        ("width", width), ("in_features", in_features), ("classes", classes)))
    dropout = as_number(dropout, "dropout", minimum=0.0, maximum=0.95)
    if activation not in ACTIVATIONS:
        raise unknown_name("activation", activation, ACTIVATIONS)
    if init not in INITS:
        raise unknown_name("initialisation", init, INITS)
    torch.manual_seed(seed)
    layers: list[nn.Module] = [nn.Flatten()]
    sizes = [in_features] + [width] * depth
    for d_in, d_out in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [_init(nn.Linear(d_in, d_out), init), ACTIVATIONS[activation]()]
        if dropout:
            layers.append(nn.Dropout(dropout))
    layers.append(_init(nn.Linear(width, classes), init))
    return nn.Sequential(*layers).double()


def _init(layer: nn.Linear, init: str) -> nn.Linear:
    if init == "default":
        return layer
    with torch.no_grad():
        if init == "small":
            layer.weight.normal_(0, 0.01)
        elif init == "large":
            layer.weight.normal_(0, 1.0)
        elif init == "xavier":
            nn.init.xavier_normal_(layer.weight)
        else:
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
        layer.bias.zero_()
    return layer


def linear_layers(model: nn.Module) -> list[nn.Linear]:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch nn.Module, got {type(model).__name__}")
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def _inputs(model: nn.Module, x, name: str = "x") -> torch.Tensor:
    """x [N, ...] as a float64 tensor whose rows fit the model's first Linear layer."""
    x = as_array(x, name, nonempty=True)
    first = linear_layers(model)[:1]
    if first and (x.ndim < 2 or x[0].size != first[0].in_features):
        raise ValueError(f"{name} must be N rows of {first[0].in_features} features (the "
                         f"model's in_features), got shape {x.shape}")
    return torch.from_numpy(x)


def _tensors(model: nn.Module, x, y, names=("x", "y")) -> tuple[torch.Tensor, torch.Tensor]:
    """(x, y) as float64 inputs for ``model`` and int64 class labels, one per row of x."""
    x = _inputs(model, x, names[0])
    y = as_array(y, names[1], dtype="int")
    check_shape(y, names[1], (len(x),), why=f"one label per row of {names[0]}")
    classes = linear_layers(model)[-1].out_features if linear_layers(model) else None
    if y.min() < 0 or (classes is not None and y.max() >= classes):
        raise ValueError(f"{names[1]} must hold class labels 0..{(classes or 1) - 1} (the "
                         f"model's outputs), got values from {y.min()} to {y.max()}")
    return x, torch.from_numpy(y)


def layer_gradient_norms(model: nn.Module, x, y) -> np.ndarray:
    """The norm of d loss / d W for every Linear layer, input side first (one full batch)."""
    x, y = _tensors(model, x, y)
    model.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    return np.array([float(layer.weight.grad.norm()) for layer in linear_layers(model)])


@torch.no_grad()
def activation_stds(model: nn.Module, x) -> np.ndarray:
    """Standard deviation of each hidden layer's output (after its activation)."""
    a = _inputs(model, x)
    if len(a) < 2:
        raise ValueError(f"x must hold at least 2 rows to measure a standard deviation, got "
                         f"{len(a)}")
    stds = []
    modules = list(model)
    for m in modules[:-1]:
        a = m(a)
        if isinstance(m, tuple(ACTIVATIONS.values())):
            stds.append(float(a.std()))
    return np.array(stds)


class Curves(NamedTuple):
    train_loss: list[float]
    train_acc: list[float]
    test_acc: list[float]


def train_full_batch(model: nn.Module, x, y, *, steps: int, lr: float = 0.05,
                     optimizer: str | torch.optim.Optimizer = "sgd", x_test=None, y_test=None,
                     record_every: int = 1, track_accuracy: bool = True) -> Curves:
    """Full-batch training (SGD with momentum 0.9, or Adam); accuracy recorded in eval mode.

    ``optimizer`` may also be a torch optimizer over ``model``'s parameters, to continue a
    run in several calls with its state (momentum) kept; ``lr`` is then its own.
    ``track_accuracy=False`` records the loss only (accuracies nan): a cheaper step.
    """
    x, y = _tensors(model, x, y)
    steps = as_number(steps, "steps", minimum=1, integer=True)
    lr = as_number(lr, "lr", minimum=0.0)
    record_every = as_number(record_every, "record_every", minimum=1, integer=True)
    if isinstance(optimizer, torch.optim.Optimizer):
        opt, lr = optimizer, optimizer.param_groups[0]["lr"]
    else:
        opt = _optimizer(model, optimizer, lr)
    test = _tensors(model, x_test, y_test, ("x_test", "y_test")) if x_test is not None else None
    curves = Curves([], [], [])
    for step in range(1, steps + 1):
        model.train()
        loss = nn.functional.cross_entropy(model(x), y)
        if not torch.isfinite(loss) or loss.item() > 1e6:  # it starts near log(10) = 2.3
            raise FloatingPointError(f"the loss reached {loss.item():.3g} at step {step}: "
                                     f"lower the learning rate ({lr:g})")
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % record_every == 0 or step == steps:
            curves.train_loss.append(loss.item())
            curves.train_acc.append(accuracy(model, x, y) if track_accuracy else math.nan)
            curves.test_acc.append(accuracy(model, *test) if test and track_accuracy
                                   else math.nan)
    return curves


def _optimizer(model: nn.Module, name: str, lr: float) -> torch.optim.Optimizer:
    if name not in ("sgd", "adam"):
        raise unknown_name("optimizer", name, ("sgd", "adam"))
    return (torch.optim.Adam(model.parameters(), lr=lr) if name == "adam" else
            torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9))


@torch.no_grad()
def accuracy(model: nn.Module, x, y) -> float:
    x, y = _tensors(model, x, y)
    was = model.training
    model.eval()
    out = float((model(x).argmax(1) == y).double().mean())
    model.train(was)
    return out


@torch.no_grad()
def probabilities(model: nn.Module, x, *, train_mode: bool = False) -> np.ndarray:
    """Softmax outputs [N, C]; ``train_mode`` keeps dropout on (a random sub-network)."""
    x = _inputs(model, x)
    was = model.training
    model.train(train_mode)
    p = torch.softmax(model(x), dim=1).numpy()
    model.train(was)
    return p


class EnsembleResult(NamedTuple):
    members: np.ndarray  # [repeats, n] test accuracy of each member
    ensemble: np.ndarray  # [repeats] test accuracy of the averaged probabilities

    @property
    def gain(self) -> np.ndarray:
        """Ensemble accuracy minus the mean member's, per repeat (in accuracy points)."""
        return self.ensemble - self.members.mean(axis=1)


def ensemble_experiment(x, y, x_test, y_test, *, n: int = 5, repeats: int = 3,
                        steps: int = 150, depth: int = 1, width: int = 32,
                        lr: float = 0.05) -> EnsembleResult:
    """Train ``n`` networks from different seeds, average their probabilities; ``repeats`` times."""
    n = as_number(n, "n", minimum=1, integer=True)
    repeats = as_number(repeats, "repeats", minimum=1, integer=True)
    _tensors(make_mlp(depth, width=width), x_test, y_test, ("x_test", "y_test"))
    y_test = np.asarray(y_test)
    members, ensemble = [], []
    for r in range(repeats):
        probs, accs = [], []
        for k in range(n):
            model = make_mlp(depth, width=width, activation="relu", init="he",
                             seed=1000 * r + k)
            train_full_batch(model, x, y, steps=steps, lr=lr, record_every=steps)
            probs.append(probabilities(model, x_test))
            accs.append(accuracy(model, x_test, y_test))
        members.append(accs)
        ensemble.append(float((np.mean(probs, axis=0).argmax(1) == np.asarray(y_test)).mean()))
    return EnsembleResult(np.array(members), np.array(ensemble))


def expected_initial_loss(classes: int) -> float:
    """Cross-entropy of a network that starts out unsure: -log(1 / C) = log C."""
    classes = as_number(classes, "classes", minimum=2, integer=True)
    return math.log(classes)


@torch.no_grad()
def initial_loss(model: nn.Module, x, y) -> float:
    """Mean cross-entropy of ``model`` on (x, y) in eval mode, before any training."""
    x, y = _tensors(model, x, y)
    was = model.training
    model.eval()
    loss = float(nn.functional.cross_entropy(model(x), y))
    model.train(was)
    return loss


# Where each activation's derivative has fallen below ~6% of its peak (CS231n's rule for tanh:
# |t| > 0.97 means 1 - t^2 < 0.06); ReLU units are "saturated" when they output exactly 0.
_SATURATED = {"tanh": lambda a: a.abs() > 0.97,
              "sigmoid": lambda a: (a < 0.03) | (a > 0.97),
              "relu": lambda a: a == 0}


@torch.no_grad()
def layer_activations(model: nn.Module, x) -> list[np.ndarray]:
    """Every hidden layer's output (after its activation), input side first: [N, width] each."""
    a = _inputs(model, x)
    out = []
    for m in list(model)[:-1]:
        a = m(a)
        if isinstance(m, tuple(ACTIVATIONS.values())):
            out.append(a.numpy().copy())
    return out


def saturated_fraction(activations: np.ndarray, activation: str) -> float:
    """Share of unit outputs where the activation's derivative is (nearly) zero.

    tanh: |a| > 0.97 (derivative 1 - a^2 < 0.06); sigmoid: a < 0.03 or a > 0.97
    (derivative a(1 - a) < 0.03, an eighth of its peak 0.25); ReLU: a == 0 (derivative 0).
    """
    if activation not in _SATURATED:
        raise unknown_name("activation", activation, _SATURATED)
    a = torch.from_numpy(as_array(activations, "activations", nonempty=True))
    return float(_SATURATED[activation](a).double().mean())


def update_ratios(model: nn.Module, x, y, *, steps: int, lr: float = 0.05,
                  optimizer: str = "sgd") -> np.ndarray:
    """Train full-batch like ``train_full_batch`` and return the update-to-data ratio.

    Returns [steps, layers]: for every Linear layer's weight W and every step,
    std(W_after - W_before) / std(W_before), the size of the step relative to the weights
    (Karpathy's rule of thumb: around 1e-3; far below, the layer barely learns).
    """
    x, y = _tensors(model, x, y)
    steps = as_number(steps, "steps", minimum=1, integer=True)
    lr = as_number(lr, "lr", minimum=0.0)
    weights = [layer.weight for layer in linear_layers(model)]
    opt = _optimizer(model, optimizer, lr)
    ratios = np.empty((steps, len(weights)))
    model.train()
    for step in range(steps):
        before = [w.detach().clone() for w in weights]
        loss = nn.functional.cross_entropy(model(x), y)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"the loss became {loss.item()} at step {step + 1}: "
                                     f"lower the learning rate ({lr:g})")
        opt.zero_grad()
        loss.backward()
        opt.step()
        ratios[step] = [float((w.detach() - b).std() / b.std()) for w, b in zip(weights, before,
                                                                                strict=True)]
    return ratios


def split_train_val(x, y, *, val_size: float = 0.2, seed: int = 0):
    """Split (x, y) into a training part and a validation part, stratified by class.

    The test set stays untouched: choose hyperparameters on the validation part, then
    report the test accuracy once. Returns ``(x_train, x_val, y_train, y_val)``.
    """
    from sklearn.model_selection import train_test_split

    val_size = as_number(val_size, "val_size", minimum=0.0, maximum=1.0)
    if not 0 < val_size < 1:
        raise ValueError(f"val_size must be strictly between 0 and 1, got {val_size}")
    x = as_array(x, "x", nonempty=True)
    y = as_array(y, "y", dtype="int")
    check_shape(y, "y", (len(x),), why="one label per row of x")
    seed = as_number(seed, "seed", minimum=0, integer=True)
    return train_test_split(x, y, test_size=val_size, random_state=seed, stratify=y)


def loader(x, y, *, batch_size: int = 64, shuffle: bool = False, seed: int = 0):
    """A DataLoader over arrays x [N, ...] (float32) and y [N] (int64)."""
    from torch.utils.data import DataLoader, TensorDataset

    x = as_array(x, "x", nonempty=True)
    y = as_array(y, "y", dtype="int")
    check_shape(y, "y", (len(x),), why="one label per row of x")
    batch_size = as_number(batch_size, "batch_size", minimum=1, integer=True)
    data = TensorDataset(torch.from_numpy(x.astype(np.float32)), torch.from_numpy(y))
    generator = torch.Generator().manual_seed(int(seed)) if shuffle else None
    return DataLoader(data, batch_size=batch_size, shuffle=shuffle, generator=generator)
