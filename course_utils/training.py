"""A PyTorch training loop for every notebook from 05 on: ``fit``, ``evaluate``, ``predict``.

``fit`` trains for some epochs with a progress bar (``course_utils.progress``, off in CI),
draws a live loss / accuracy figure in a notebook (one image updated in place, nothing in
a terminal or under ``live=False``), stops early with a clear message when the loss
becomes NaN or inf, and returns a ``History`` of per-epoch numbers.
"""

from __future__ import annotations

import math
import time
import warnings
from typing import NamedTuple

import torch
from torch import nn

from course_utils.progress import progress as progress_bar
from course_utils.repro import device as default_device
from course_utils.validate import as_number

__all__ = [
    "History", "evaluate", "predict", "LivePlot", "fit",
]


class History(NamedTuple):
    """Per-epoch numbers of a ``fit`` run (accuracies are nan when not classifying)."""

    epoch: list[int]
    train_loss: list[float]
    train_acc: list[float]
    val_loss: list[float]
    val_acc: list[float]
    seconds: list[float]  # cumulative training time at the end of each epoch
    stopped: str | None  # None, or why training stopped early


def _accuracy_count(out: torch.Tensor, y: torch.Tensor) -> int | None:
    if out.ndim == 2 and y.ndim == 1 and not torch.is_floating_point(y):
        return int((out.argmax(dim=1) == y).sum())
    return None


_LOADER_HINT = ("a DataLoader of (x, y) tensor batches, e.g. "
                "DataLoader(TensorDataset(torch.as_tensor(X), torch.as_tensor(y)), batch_size=32)")


def _check_loader(loader, name: str) -> None:
    """Refuse what is not a loader (a tuple (X, y), an array, a tensor) before training starts."""
    if isinstance(loader, (tuple, dict, str, torch.Tensor)) or hasattr(loader, "__array__") or \
            not hasattr(loader, "__iter__"):
        raise TypeError(f"{name} must be {_LOADER_HINT}; got a {type(loader).__name__}")


def _check_batch(batch, name: str):
    """One batch as (x, y) tensors, or a TypeError saying what a batch must be."""
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        raise TypeError(f"{name} must yield (x, y) pairs, {_LOADER_HINT}; got a batch of type "
                        f"{type(batch).__name__}")
    for part, value in zip("xy", batch, strict=True):
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"{name} must yield torch tensors, {_LOADER_HINT}; got {part} of type "
                            f"{type(value).__module__}.{type(value).__name__}")
    x, y = batch
    if x.ndim == 0 or y.ndim == 0 or len(x) != len(y):
        raise ValueError(f"{name} must yield batches of x and y with one target per item, got "
                         f"x {tuple(x.shape)} and y {tuple(y.shape)}")
    if x.is_complex() or (x.is_floating_point() and not bool(torch.isfinite(x).all())):
        raise ValueError(f"{name} yielded x holding "
                         f"{'complex numbers' if x.is_complex() else 'NaN or inf'}: the inputs "
                         "must be finite real numbers (check the data)")
    return batch


def _run(model: nn.Module, loss_fn, x: torch.Tensor, y: torch.Tensor, name: str):
    """model(x) and its loss, with the batch named when the model or the loss refuses it."""
    try:
        out = model(x)
    except (RuntimeError, IndexError) as error:  # torch's shape and dtype complaints
        raise ValueError(f"model(x) failed on a batch from {name} (x {x.dtype} "
                         f"{tuple(x.shape)}): {error}") from error
    if loss_fn is None:
        return out, None
    try:
        return out, loss_fn(out, y)
    except (RuntimeError, IndexError) as error:
        raise ValueError(f"the loss failed on a batch from {name}: outputs {out.dtype} "
                         f"{tuple(out.shape)}, targets y {y.dtype} {tuple(y.shape)}: "
                         f"{error}") from error


@torch.no_grad()
def evaluate(model: nn.Module, loader, *, loss_fn=None, device=None) -> tuple[float, float]:
    """Mean loss and accuracy (nan if not classification) of ``model`` over ``loader``."""
    loss_fn = nn.CrossEntropyLoss() if loss_fn is None else loss_fn
    device = default_device() if device is None else device
    _check_loader(loader, "loader")
    was_training = model.training
    model.eval()
    total, correct, n, counted = 0.0, 0, 0, True
    for batch in loader:
        x, y = _check_batch(batch, "loader")
        x, y = x.to(device), y.to(device)
        out, loss = _run(model, loss_fn, x, y, "loader")
        total += float(loss) * len(x)
        hits = _accuracy_count(out, y)
        counted = counted and hits is not None
        correct += hits or 0
        n += len(x)
    model.train(was_training)
    if n == 0:
        raise ValueError("the loader yielded no batches")
    return total / n, (correct / n if counted else math.nan)


@torch.no_grad()
def predict(model: nn.Module, loader, *, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """Outputs (logits [N, C]) and targets [N] of ``model`` over ``loader``, in eval mode."""
    device = default_device() if device is None else device
    _check_loader(loader, "loader")
    was_training = model.training
    model.eval()
    outs, targets = [], []
    for batch in loader:
        x, y = _check_batch(batch, "loader")
        outs.append(_run(model, None, x.to(device), y, "loader")[0].cpu())
        targets.append(y)
    model.train(was_training)
    if not outs:
        raise ValueError("loader yielded no batches")
    return torch.cat(outs), torch.cat(targets)


class LivePlot:
    """Loss and accuracy curves in one figure, redrawn in place once per epoch."""

    def __init__(self):
        from IPython.display import display

        from course_utils.widgets.base import FigureImage

        self.plot = FigureImage((8.2, 2.8), ncols=2)
        display(self.plot.image)

    def update(self, history: History) -> None:
        if not isinstance(history, History):
            raise TypeError(f"history must be the History fit returns, got "
                            f"{type(history).__name__}")
        left, right = self.plot.axes
        for ax in (left, right):
            ax.clear()
        left.plot(history.epoch, history.train_loss, "o-", label="train")
        right.plot(history.epoch, history.train_acc, "o-", label="train")
        if not all(math.isnan(v) for v in history.val_loss):
            left.plot(history.epoch, history.val_loss, "s--", label="validation")
            right.plot(history.epoch, history.val_acc, "s--", label="validation")
        left.set(xlabel="epoch", ylabel="loss")
        right.set(xlabel="epoch", ylabel="accuracy")
        left.legend(fontsize=8)
        self.plot.render()


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def fit(model: nn.Module, train_loader, *, epochs: int, optimizer=None, lr: float = 1e-3,
        loss_fn=None, val_loader=None, device=None, live: bool = True, progress: bool = True,
        max_seconds: float | None = None, scheduler=None) -> History:
    """Train ``model`` for ``epochs`` on ``train_loader``; return the per-epoch ``History``.

    Args:
        optimizer: a torch optimizer (default: Adam over ``model.parameters()`` with ``lr``).
        loss_fn: default ``nn.CrossEntropyLoss()``.
        val_loader: evaluated after every epoch when given.
        live: a live figure in a notebook (ignored outside one).
        progress: a tqdm bar over the batches (off in CI).
        max_seconds: stop after the epoch during which training time passed this.
        scheduler: stepped once per epoch.

    A NaN or inf loss stops training at once: ``History.stopped`` says where, and a
    ``RuntimeWarning`` says so in the notebook.
    """
    epochs = as_number(epochs, "epochs", minimum=1, integer=True)
    _check_loader(train_loader, "train_loader")
    if val_loader is not None:
        _check_loader(val_loader, "val_loader")
    if max_seconds is not None:
        max_seconds = as_number(max_seconds, "max_seconds", minimum=0.0)
    device = default_device() if device is None else device
    model.to(device)
    loss_fn = nn.CrossEntropyLoss() if loss_fn is None else loss_fn
    optimizer = torch.optim.Adam(model.parameters(), lr=lr) if optimizer is None else optimizer
    history = History([], [], [], [], [], [], None)
    plot = LivePlot() if live and _in_notebook() else None
    elapsed = 0.0
    for epoch in range(1, epochs + 1):
        model.train()
        start, total, correct, n, counted = time.perf_counter(), 0.0, 0, 0, True
        batches = progress_bar(train_loader, desc=f"epoch {epoch}/{epochs}", leave=False,
                               disable=None if progress else True)
        for step, batch in enumerate(batches, 1):
            x, y = _check_batch(batch, "train_loader")
            x, y = x.to(device), y.to(device)
            out, loss = _run(model, loss_fn, x, y, "train_loader")
            if not torch.isfinite(loss):
                message = (f"loss became {loss.item()} at epoch {epoch}, step {step}: lower "
                           "the learning rate, or check the inputs for NaN")
                warnings.warn(f"training stopped: {message}", RuntimeWarning, stacklevel=2)
                return history._replace(stopped=message)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(x)
            hits = _accuracy_count(out.detach(), y)
            counted = counted and hits is not None
            correct += hits or 0
            n += len(x)
        if n == 0:
            raise ValueError("train_loader yields no batches (the training loader is empty): "
                             "give it at least one (x, y) batch, e.g. check that its dataset "
                             "is not empty and drop_last is off for a small dataset")
        if scheduler is not None:
            scheduler.step()
        elapsed += time.perf_counter() - start
        val = evaluate(model, val_loader, loss_fn=loss_fn, device=device) if val_loader \
            else (math.nan, math.nan)
        for key, value in zip(History._fields[:6], (epoch, total / max(n, 1),
                              correct / n if counted and n else math.nan, *val, elapsed),
                              strict=True):
            getattr(history, key).append(value)
        if plot is not None:
            plot.update(history)
        if max_seconds is not None and elapsed >= max_seconds:
            return history._replace(stopped=f"time budget of {max_seconds:g} s reached after "
                                            f"epoch {epoch}")
    return history
