"""Widget interactions of notebook 10 for ``make bench``. A first visit of a setting trains
(seconds, once); what a student repeats is moving between settings already trained, and
the redraw of a picture not yet drawn (after a new setting was trained)."""

from course_utils.widgets import FreezeLab


def _redraw(lab):
    lab._images.clear()  # force the figure to be drawn and rendered again
    lab._update()


def interactions():
    lab = FreezeLab(frozen=7)
    lab.frozen.value = 6  # trained once here, cached from now on
    lab.frozen.value = 7
    yield "FreezeLab: move between cached settings", lambda: setattr(
        lab.frozen, "value", 7 if lab.frozen.value != 7 else 6)
    yield "FreezeLab: redraw (figure not cached)", lambda: _redraw(lab)


def time_to_accuracy():
    """Notebook 10's probe on frozen ImageNet features of lfw_subset at 2 labels per class:
    the time is loading the network, extracting all features once and fitting the probe."""
    import time

    import numpy as np

    from course_utils.finetune import (
        lfw_faces,
        pooled_features,
        probe_accuracy,
        sample_per_class,
        to_network_input,
    )
    from course_utils.transfer import pretrained_efficientnet_lite0

    start = time.perf_counter()
    faces, y = lfw_faces()
    features = pooled_features(pretrained_efficientnet_lite0(), to_network_input(faces, size=96))
    train = sample_per_class(y, 2, seed=0)
    test = np.setdiff1d(np.arange(len(y)), train)
    acc = probe_accuracy(features[train], y[train], features[test], y[test])
    seconds = time.perf_counter() - start
    yield {"model": "10 EfficientNet-Lite0 features + probe, faces 96 px",
           "target": "accuracy 0.95 at 2 labels per class",
           "seconds": seconds if acc >= 0.95 else None,
           "final": f"{acc:.3f} after {seconds:.1f} s"}
