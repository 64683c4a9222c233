"""Exercises of notebook 08 (a CNN classifier), checked against scikit-learn and torch."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.metrics import balanced_accuracy_score

from course_utils.exercises import CheckFailed, answer_number, exercise


@exercise("08.balanced_error_rate", title="the balanced error rate (deck 002)")
def _ber(answer) -> None:
    rng = np.random.default_rng(11)
    cases = [(np.array([0, 0, 0, 0, 0, 0, 0, 0, 1, 1]), np.zeros(10, dtype=int)),
             (np.array([1, 3, 3, 7, 7, 7, 7, 1, 3, 7]), np.array([1, 3, 7, 7, 7, 1, 7, 3, 3, 7]))]
    for _ in range(3):
        y = rng.integers(0, 4, size=40)
        cases.append((y, np.where(rng.random(40) < 0.6, y, rng.integers(0, 4, size=40))))
    for y, pred in cases:
        got = answer_number(answer(y.copy(), pred.copy()), "balanced_error_rate(y, pred)")
        expected = 1 - balanced_accuracy_score(y, pred)
        if np.isclose(got, np.mean(y != pred)) and not np.isclose(got, expected):
            raise CheckFailed("that is the plain error rate; average the error rate of each "
                              "class instead, so that a rare class counts as much")
        if not np.isclose(got, expected):
            raise CheckFailed(f"for y = {y[:10].tolist()}... expected {expected:.4f}, got "
                              f"{got:.4f}")


@exercise("08.fc_inputs", title="the input size of deck 004's fully connected layer")
def _fc_inputs(answer) -> None:
    from course_utils.cnn import ClassificationModel

    # Multiples of 8 (where every pooling halves exactly) and sizes that do not halve
    # evenly (odd, 100 -> 50 -> 25 -> 12), plus random sizes from a fixed seed.
    sizes = [224, 64, 100, 37, 50, 75, 8, 15]
    sizes += [int(v) for v in np.random.default_rng(14).integers(8, 300, size=6)]
    model = ClassificationModel(10)
    for size in sizes:
        got = answer_number(answer(size), f"fc_inputs({size})", integer=True)
        with torch.no_grad():
            flat = model.layer3(model.layer2(model.layer1(torch.zeros(1, 3, size, size))))
        expected = flat.numel()
        if got != expected:
            raise CheckFailed(f"for a {size}x{size} input the three CCP blocks give "
                              f"{tuple(flat.shape[1:])} = {expected} numbers, you said {got}: "
                              "each block halves the size (MaxPool2d(2) rounds down: 25 -> "
                              "12); the last has 8 channels")
