"""Wrong answers to notebook 05's exercises: each must fail with a hint."""

import math

import torch
from torch import nn


def _val_accuracy(model, val_loader):
    correct = total = 0
    with torch.no_grad():
        for x, y in val_loader:
            correct += int((model(x).argmax(1) == y).sum())
            total += len(y)
    return correct / total


def _loop(*, zero_grad=True, step=True, train_mode=True, eval_mode=True, on_val=False,
          result="val"):
    """A training loop with one of its lines left out or wrong."""

    def train_loop(model, train_loader, val_loader, optimizer, epochs):
        accs = []
        for _ in range(epochs):
            if train_mode or not accs:
                model.train()
            for loaders in ([train_loader, val_loader] if on_val else [train_loader]):
                for x, y in loaders:
                    loss = nn.functional.cross_entropy(model(x), y)
                    if zero_grad:
                        optimizer.zero_grad()
                    loss.backward()
                    if step:
                        optimizer.step()
            if eval_mode:
                model.eval()
            acc = _val_accuracy(model, val_loader)
            accs.append({"val": acc, "nan": math.nan, "percent": 100 * acc,
                         "train": _val_accuracy(model, train_loader)}[result])
        return accs if result != "one number" else accs[-1]

    return train_loop


def _loop_on_train_data_only(model, train_loader, val_loader, optimizer, epochs):
    """Trains right, but reports the accuracy on the training data."""
    accs = _loop()(model, train_loader, val_loader, optimizer, epochs)
    model.eval()
    return accs[:-1] + [_val_accuracy(model, train_loader)]


def _dropout_in_place(x, keep, p):
    x *= keep  # overwrites the caller's activations
    x /= 1 - p
    return x


WRONG = {
    "05.xavier_std": [
        lambda fan_in, fan_out: math.sqrt(2 / fan_in),  # He
        lambda fan_in, fan_out: 2 / (fan_in + fan_out),  # the variance, not the std
        lambda fan_in, fan_out: 0.01,
        lambda fan_in, fan_out: [0.1],
        lambda fan_in, fan_out: math.sqrt(1 / fan_in),  # LeCun: Xavier when fan_in == fan_out
        lambda fan_in, fan_out: math.sqrt(6 / (fan_in + fan_out)),  # xavier_uniform's bound
    ],
    "05.inverted_dropout": [
        lambda x, keep, p: x * keep,  # not rescaled
        lambda x, keep, p: x * keep * (1 - p),
        lambda x, keep, p: x * ~keep / (1 - p),  # dropped the wrong units
        _dropout_in_place,  # right numbers, but the caller's x is overwritten
        lambda x, keep, p: x * keep / 0.5,  # p = 0.5 hard-coded
    ],
    "05.train_loop": [
        _loop(zero_grad=False),  # gradients accumulate over batches
        _loop(step=False),  # never updates the weights
        _loop(eval_mode=False),  # measures with dropout still on
        _loop(train_mode=False),  # after the first evaluation, trains in eval mode
        _loop(on_val=True),  # trains on the validation data too
        _loop(result="nan"),
        _loop(result="percent"),  # 0..100 instead of a fraction
        _loop(result="one number"),  # only the last accuracy, not one per epoch
        _loop_on_train_data_only,  # reports training accuracy as validation accuracy
    ],
}
