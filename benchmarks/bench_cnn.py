"""Widget interactions of notebook 08 for ``make bench`` (an untrained LeNet: same cost)."""

import numpy as np
import torch

from course_utils.cnn import LeNet5, digits_32
from course_utils.widgets import DigitPainter, FeatureMapViewer, RocExplorer


def interactions():
    torch.manual_seed(0)
    model, data = LeNet5(), digits_32()
    painter = DigitPainter(model)
    cells = iter(range(10**6))
    yield "DigitPainter: paint a cell", lambda: painter.paint(*divmod(next(cells) % 64, 8))
    viewer = FeatureMapViewer(model, data.x_test[:50], data.y_test[:50].numpy())
    yield "FeatureMapViewer: next digit", lambda: setattr(
        viewer.index, "value", (viewer.index.value + 1) % 50)
    rng = np.random.default_rng(0)
    roc = RocExplorer(rng.dirichlet(np.ones(10), size=450), rng.integers(0, 10, size=450))
    yield "RocExplorer: move threshold", lambda: setattr(
        roc.threshold, "value", 0.3 if roc.threshold.value != 0.3 else 0.6)


def time_to_accuracy():
    """Notebook 08's LeNet-5 on 32x32 digits, as the notebook trains it (30 epochs)."""
    from course_utils.cnn import train_classifier

    trained = train_classifier(LeNet5, digits_32(), epochs=30)
    history = trained.history
    reached = [s for s, acc in zip(history.seconds, history.val_acc, strict=True) if acc >= 0.98]
    yield {"model": "08 LeNet-5, digits 32x32", "target": "held-out accuracy 0.98",
           "seconds": reached[0] if reached else None,
           "final": f"{history.val_acc[-1]:.3f} after {history.seconds[-1]:.1f} s"}
