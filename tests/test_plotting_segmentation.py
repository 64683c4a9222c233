"""course_utils.plotting.segmentation: the drawn images hold the maps they were given."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402

from course_utils.data import make_scene, semantic_map  # noqa: E402
from course_utils.plotting import (  # noqa: E402
    CLASS_PALETTE,
    colourise,
    overlay,
    plot_instance_masks,
    plot_label_maps,
    plot_losses,
    plot_mask_targets,
    plot_overlaps,
    plot_predictions,
    plot_semantic_vs_instance,
)
from course_utils.segmentation import instance_map  # noqa: E402
from course_utils.upsampling import overlap_counts  # noqa: E402

SCENE = make_scene(seed=8, n_objects=3, size=32)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_semantic_vs_instance_draws_both_maps():
    semantic, instances = semantic_map(SCENE), instance_map(SCENE)
    fig = plot_semantic_vs_instance(SCENE.image, semantic, instances, SCENE.boxes)
    np.testing.assert_allclose(fig.axes[1].images[0].get_array(), colourise(semantic))
    drawn = fig.axes[2].images[0].get_array()
    assert len({tuple(drawn[m][0]) for m in SCENE.masks}) == 3  # one colour per object
    assert "3 objects" in fig.axes[2].get_title() and len(fig.axes[2].patches) == 3


def test_overlay_tints_objects_and_paints_errors():
    labels = semantic_map(SCENE)
    tinted = overlay(SCENE.image, labels)
    np.testing.assert_allclose(tinted[labels == 0], SCENE.image[labels == 0])
    assert not np.allclose(tinted[labels > 0], SCENE.image[labels > 0])
    errors = np.zeros_like(labels, bool)
    errors[0, :5] = True
    shown = overlay(SCENE.image, labels, errors=errors)
    np.testing.assert_allclose(shown[0, :5], [to_rgb("#ff1744")] * 5)
    np.testing.assert_allclose(colourise(np.array([[2]]))[0, 0], to_rgb(CLASS_PALETTE[2]))


def test_label_maps_predictions_and_losses():
    labels = semantic_map(SCENE)
    fig = plot_label_maps(SCENE.image, {"a": labels, "b": np.zeros_like(labels)})
    assert [ax.get_title() for ax in fig.axes] == ["scene", "a", "b"]
    pred = labels.copy()
    pred[:3] = 1
    fig = plot_predictions(SCENE.image[None], labels[None], {"model": pred[None]}, ["x"])
    wrong = fig.axes[2].images[1].get_array()
    assert (~wrong.mask).sum() == (pred != labels).sum()
    fig = plot_losses({"run": list(np.linspace(2, 1, 50))}, smooth=10)
    assert len(fig.axes[0].lines[0].get_xdata()) == 41


def test_overlaps_write_the_counts():
    counts = overlap_counts(3, kernel=3, stride=2)
    fig = plot_overlaps({"K=3": counts})
    assert sorted(float(t.get_text()) for t in fig.axes[0].texts) == sorted(counts.ravel())


def test_mask_targets_figure_has_a_row_per_object():
    n = len(SCENE.boxes)
    crops, targets = np.zeros((n, 28, 28, 3)), np.zeros((n, 28, 28))
    fig = plot_mask_targets(SCENE.image, SCENE.boxes, crops, targets, SCENE.masks, SCENE.masks)
    assert len(fig.axes) == 4 * n
    both = fig.axes[3].images[0].get_array()
    assert (both[..., 1] == SCENE.masks[0]).all() and both[..., 0].sum() == 0


def test_instance_masks_tint_true_and_predicted_masks():
    labels = np.asarray(SCENE.labels)
    masks = SCENE.masks[:, None].astype(np.float32)  # [K, 1, H, W] probabilities
    low = masks[:1] * 0.9  # a fourth detection scoring below min_score: not drawn
    det = {"boxes": np.concatenate([SCENE.boxes, SCENE.boxes[:1]]),
           "labels": np.concatenate([labels, [labels[0] % 3 + 1]]),
           "scores": np.array([0.9, 0.8, 0.7, 0.2]), "masks": np.concatenate([masks, low])}
    fig = plot_instance_masks([SCENE], [det], titles=["t"])
    truth, predicted = (fig.axes[k].images[0].get_array() for k in (0, 1))
    np.testing.assert_allclose(truth, overlay(SCENE.image, semantic_map(SCENE)))
    np.testing.assert_allclose(predicted, truth)  # the same masks and classes
    assert len(fig.axes[0].patches) == 3 and len(fig.axes[1].patches) == 3
    assert fig.axes[0].get_title() == "t"
    det["masks"] = masks[[0, 0, 0, 0]] * 0.4  # below mask_threshold: nothing tinted
    det["scores"] = np.array([0.9, 0.8, 0.7, 0.6])
    fig = plot_instance_masks([SCENE], [det])
    np.testing.assert_allclose(fig.axes[1].images[0].get_array(), SCENE.image)
    assert len(fig.axes[1].patches) == 4
    with pytest.raises(ValueError, match="one per scene"):
        plot_instance_masks([SCENE, SCENE], [det])
