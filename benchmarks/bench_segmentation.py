"""Widget interactions of notebook 13 for ``make bench`` (an untrained FCN: same cost)."""

from course_utils.widgets import SegmentationViewer


def interactions():
    viewer = SegmentationViewer()
    yield "SegmentationViewer: next scene", lambda: setattr(
        viewer.scene, "value", (viewer.scene.value + 1) % (viewer.scene.max + 1))
    overlays = iter(range(10**6))
    yield "SegmentationViewer: switch overlay", lambda: setattr(
        viewer.overlay, "value", ("ground truth", "prediction", "errors")[next(overlays) % 3])
    classes = iter(range(10**6))
    yield "SegmentationViewer: pick a class", lambda: setattr(
        viewer.klass, "value", ("background", "circle", "square", "triangle")[next(classes) % 4])
    variants = iter(range(10**6))
    yield "SegmentationViewer: FCN skips and upsampling (recomputed)", lambda: _variant(
        viewer, next(variants))


def _variant(viewer, n: int) -> None:
    """Each call another variant, recombined from the FCN's score maps for every scene."""
    if n % 2:
        viewer.skips.value = (viewer.skips.value + 1) % 3
    else:
        options = viewer.upsample.options
        viewer.upsample.value = options[(options.index(viewer.upsample.value) + 1) % 3]


def time_to_accuracy():
    """Notebook 13's FCN and U-Net on the same scenes, at growing fixed step budgets (each a
    fresh run: the one-cycle schedule depends on the budget); the notebook trains 600."""
    import torch

    from course_utils.data import make_scenes, scenes_to_tensors
    from course_utils.metrics import mean_iou
    from course_utils.segmentation import (
        FCN,
        UNet,
        class_weights,
        predict_probabilities,
        train_steps,
    )

    train_x, train_y, _, _ = scenes_to_tensors(make_scenes(1500, size=48, seed=0))
    test_x, test_y, _, _ = scenes_to_tensors(make_scenes(200, size=48, seed=1))
    weight = class_weights(train_y)
    for name, make in (("FCN", FCN), ("U-Net", UNet)):
        curve, reached = [], None
        for steps in (150, 300, 600):
            torch.manual_seed(0)
            run = train_steps(make(width=8), train_x, train_y, steps=steps, batch_size=16, lr=5e-3,
                              weight=weight)
            iou = mean_iou(test_y, predict_probabilities(run.model, test_x).argmax(1),
                           num_classes=4)
            curve.append(f"{steps} steps: {iou:.3f} in {run.seconds:.0f} s")
            if reached is None and iou >= 0.8:
                reached = run.seconds
        yield {"model": f"13 {name}, scenes 48x48", "target": "held-out mean IoU 0.8",
               "seconds": reached, "final": "; ".join(curve)}
