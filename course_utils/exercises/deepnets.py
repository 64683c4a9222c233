"""Exercises of notebook 05 (training deep networks), checked against PyTorch."""

from __future__ import annotations

import math

import numpy as np
import torch

from course_utils.exercises import CheckFailed, answer_array, answer_number, exercise


@exercise("05.xavier_std", title="the standard deviation of Xavier (Glorot) initialisation")
def _xavier_std(answer) -> None:
    rng = np.random.default_rng(5)
    random_fans = [tuple(int(v) for v in rng.integers(1, 2000, size=2)) for _ in range(3)]
    for fan_in, fan_out in [(64, 64), (784, 100), (3, 500), (1, 1), *random_fans]:
        got = answer_number(answer(fan_in, fan_out), f"xavier_std({fan_in}, {fan_out})")
        expected = math.sqrt(2.0 / (fan_in + fan_out))
        if not math.isclose(got, expected, rel_tol=1e-9):
            he = math.isclose(got, math.sqrt(2 / fan_in))
            hint = ("that is He's sqrt(2 / fan_in)" if he else
                    "keep the variance of activations and of gradients: 2 / (fan_in + fan_out)")
            raise CheckFailed(f"for fan_in={fan_in}, fan_out={fan_out} expected "
                              f"{expected:.5f}, got {got:.5f}: {hint}")
    big = torch.empty(400, 600)
    torch.nn.init.xavier_normal_(big)
    if not math.isclose(float(big.std()), answer(600, 400), rel_tol=0.02):
        raise CheckFailed("does not match the spread of torch.nn.init.xavier_normal_")


@exercise("05.inverted_dropout", title="inverted dropout, as nn.Dropout in training mode")
def _inverted_dropout(answer) -> None:
    for seed, (shape, p) in enumerate([((6, 5), 0.5), ((7, 3), 0.2), ((4, 9), 0.9),
                                       ((11,), 0.35), ((2, 3, 5), 0.5), ((3, 4), 0.0)]):
        # the oracle: torch's own dropout; its zeros are the mask handed to the answer
        torch.manual_seed(seed)
        x = torch.randn(shape, dtype=torch.float64)
        expected = torch.nn.functional.dropout(x, p, training=True).numpy()
        keep = expected != 0
        x_given = x.numpy().copy()
        got = answer_array(answer(x_given, keep.copy(), p), "inverted_dropout(x, keep, p)",
                           shape=shape)
        if not np.array_equal(x_given, x.numpy()):
            raise CheckFailed("the x handed in was changed: return a new array "
                              "(x * keep / (1 - p)), do not scale x in place")
        if p > 0 and np.allclose(got, x.numpy() * keep):
            raise CheckFailed("the kept units must be scaled by 1 / (1 - p), so that the "
                              "expected output equals the input and eval mode needs no change")
        if not np.allclose(got, expected, atol=1e-12):
            raise CheckFailed(f"for p = {p} (shape {shape}) expected what "
                              "torch.nn.functional.dropout gives: x * keep / (1 - p)")


# --- 05.train_loop: a PyTorch training loop the student writes --------------------------

_EPOCHS_TARGET = 0.90  # held-out accuracy the prompt states


class _Watch:
    """Counts what the student's loop does: optimizer steps, the model's mode per batch,
    whether gradients were left over from the previous step, whether the weights moved
    while the validation data was being read."""

    def __init__(self, model, optimizer):
        self.model, self.steps, self.stale_grad = model, 0, False
        self.train_modes: list[bool] = []
        self.val_modes: list[bool] = []
        self.val_passes, self.moved_during_val = 0, False
        step = optimizer.step

        def counted_step(*args, **kwargs):
            self.steps += 1
            return step(*args, **kwargs)

        optimizer.step = counted_step
        for p in model.parameters():
            p.register_hook(self._hook(p))

    def _hook(self, p):
        def hook(grad):
            if p.grad is not None and bool(p.grad.abs().sum() > 0):
                self.stale_grad = True  # a gradient from an earlier batch is still there
            return grad
        return hook

    def fingerprint(self) -> float:
        return float(sum(p.detach().double().sum() for p in self.model.parameters()))

    def train(self, batches):
        for xb, yb in batches:
            self.train_modes.append(self.model.training)
            yield xb, yb

    def val(self, batches):
        self.val_passes += 1
        start = self.fingerprint()
        for xb, yb in batches:
            self.val_modes.append(self.model.training)
            yield xb, yb
            self.moved_during_val |= self.fingerprint() != start


class _Loader:
    """Iterable like a DataLoader (len = number of batches), each pass through ``wrap``."""

    def __init__(self, inner, wrap):
        self.inner, self.wrap, self.dataset = inner, wrap, inner.dataset

    def __iter__(self):
        return self.wrap(iter(self.inner))

    def __len__(self):
        return len(self.inner)


def _train_loop_case(answer, seed: int, epochs: int, batch_size: int) -> None:
    from course_utils.data import digits
    from course_utils.deepnets import loader
    from course_utils.training import evaluate

    d = digits(test_size=0.3, seed=100 + seed)  # a split the notebook never shows
    train = loader(d.x_train, d.y_train, batch_size=batch_size, shuffle=True, seed=seed)
    val = loader(d.x_test, d.y_test, batch_size=128)
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 96), torch.nn.ReLU(),
                                torch.nn.Dropout(0.5), torch.nn.Linear(96, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    watch = _Watch(model, optimizer)
    where = f"(seed {seed}, {epochs} epochs, batch size {batch_size})"
    result = answer(model, _Loader(train, watch.train), _Loader(val, watch.val), optimizer,
                    epochs)
    accs = answer_array(result, f"train_loop(...) {where}", shape=(epochs,))
    if (accs < 0).any() or (accs > 1).any():
        raise CheckFailed(f"accuracies are fractions between 0 and 1, got {np.round(accs, 3)}")
    expected_steps = epochs * len(train)
    if watch.steps == 0:
        raise CheckFailed("the weights never changed: call optimizer.step() after "
                          "loss.backward(), once per mini-batch")
    if watch.stale_grad:
        raise CheckFailed("gradients pile up from batch to batch: call optimizer.zero_grad() "
                          "before loss.backward() (backward adds to .grad, it does not replace)")
    if watch.moved_during_val:
        raise CheckFailed("the weights changed while the validation data was read: never "
                          "train on validation (or test) data, only measure on it")
    if watch.steps != expected_steps:
        raise CheckFailed(f"{watch.steps} optimizer steps {where}, expected one per training "
                          f"mini-batch: {epochs} x {len(train)} = {expected_steps}")
    if not all(watch.train_modes):
        raise CheckFailed("some training batches ran in eval mode, so dropout was off: call "
                          "model.train() at the start of every epoch (evaluating set eval mode)")
    if watch.val_passes != epochs:
        raise CheckFailed(f"read the validation data {watch.val_passes} times in {epochs} "
                          "epochs: measure once after every epoch")
    if any(watch.val_modes):
        raise CheckFailed("evaluated in train mode, so dropout was still dropping units: "
                          "call model.eval() before measuring")
    _, true_acc = evaluate(model, val, device="cpu")
    if abs(accs[-1] - true_acc) > 1e-6:
        raise CheckFailed(f"the last accuracy returned, {accs[-1]:.4f}, is not the trained "
                          f"model's accuracy on the validation data ({true_acc:.4f}): count "
                          "correct argmax predictions over every validation example")
    if true_acc < _EPOCHS_TARGET:
        raise CheckFailed(f"validation accuracy {true_acc:.1%} after {epochs} epochs {where}; "
                          f"a working loop reaches {_EPOCHS_TARGET:.0%}")


@exercise("05.train_loop", title="a PyTorch training loop that reaches 90% on held-out digits")
def _train_loop(answer) -> None:
    for seed, epochs, batch_size in [(0, 4, 32), (1, 3, 50)]:
        _train_loop_case(answer, seed, epochs, batch_size)
