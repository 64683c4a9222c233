"""course_utils.tour (notebook 00's tour of vision tasks), its figures and its widget.

Oracles: hand-labelled boxes and torchvision.ops.box_iou, an independent Otsu
segmentation, k-means' own fixed-point property, brute-force nearest colours, rewards
recounted from the run, and hand-built tiny images.
"""

import json
import shutil
from pathlib import Path

import matplotlib
import numpy as np
import pytest
import torch
from torchvision.ops import box_iou

matplotlib.use("Agg")

from course_utils import tour  # noqa: E402
from course_utils.data import assets, digits, photo  # noqa: E402
from course_utils.tour import (  # noqa: E402
    COURSE_MAP,
    cluster_digits,
    count_colours,
    course_map_markdown,
    detect_faces,
    epsilon_greedy_bandit,
    fit_digit_generator,
    photo_boxes,
    quantize_colors,
    sample_digits,
    segment_objects,
    train_digit_classifier,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def data():
    return digits()


# -- course map -----------------------------------------------------------------------------


def test_course_map_lists_the_fifteen_notebooks_in_order():
    assert [nb.number for nb in COURSE_MAP] == [f"{i:02d}" for i in range(15)]
    assert len({nb.notebook for nb in COURSE_MAP}) == 15
    assert COURSE_MAP[0].notebook == "welcome" and COURSE_MAP[14].notebook == "rnn_captioning"
    table = course_map_markdown().splitlines()
    assert len(table) == 2 + 15 and table[2].startswith("| 00 | `00_welcome` |")
    for nb, row in zip(COURSE_MAP, table[2:], strict=True):  # ready = the notebook exists
        exists = (ROOT / "notebooks" / f"{nb.number}_{nb.notebook}.ipynb").exists()
        assert row.endswith("| ready |" if exists else "| coming |"), row


def test_readme_and_notebook_00_show_the_current_course_map():
    table = course_map_markdown()
    fix = "paste the output of `python -m course_utils map` into it"
    assert table in (ROOT / "README.md").read_text(), f"README's course map is stale: {fix}"
    welcome = (ROOT / "notebooks" / "00_welcome.ipynb").read_text()
    cells = [("".join(c["source"])) for c in json.loads(welcome)["cells"]]
    assert any(table in c for c in cells), f"notebook 00's course map is stale: {fix}"


def test_course_map_names_the_notebooks_that_exist():
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        number, name = path.stem.split("_", 1)
        assert COURSE_MAP[int(number)].notebook == name, path.name


# -- hand-labelled boxes --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["astronaut", "chelsea", "coffee", "rocket"])
def test_hand_boxes_lie_inside_their_photo(name):
    labelled = photo_boxes(name)
    height, width = photo(name).shape[:2]
    raw = json.loads((ROOT / "data" / tour.BOXES_ASSET).read_text())["photos"][name]
    assert raw["size"] == [height, width]
    assert labelled.boxes.dtype == torch.float32
    assert labelled.boxes.shape == (len(raw["objects"]), 4)
    x1, y1, x2, y2 = labelled.boxes.T
    assert torch.all((0 <= x1) & (x1 < x2) & (x2 <= width) & (0 <= y1) & (y1 < y2) & (y2 <= height))
    assert labelled.labels == [o["label"] for o in raw["objects"]]


def test_box_by_label_and_unknown_names():
    truth = photo_boxes("astronaut")
    assert truth.box("face").tolist() == [180, 80, 272, 190]
    with pytest.raises(ValueError, match="no box labelled 'nose'.*'face'"):
        truth.box("nose")
    with pytest.raises(ValueError, match="no hand-labelled boxes for 'camera'.*astronaut"):
        photo_boxes("camera")


def test_hand_boxes_are_read_through_the_checksum(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "data", tmp_path / "data")
    changed = tmp_path / "data" / tour.BOXES_ASSET
    changed.write_text(changed.read_text().replace("180, 80", "181, 80"))
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(assets, "_VERIFIED", {})
    tour._box_table.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="corrupted or changed.*regenerate"):
            photo_boxes("astronaut")
    finally:
        tour._box_table.cache_clear()


# -- detection ------------------------------------------------------------------------------


def test_the_face_cascade_ships_with_scikit_image():
    import skimage
    from skimage.data import lbp_frontal_face_cascade_filename

    cascade = Path(lbp_frontal_face_cascade_filename())
    assert cascade.is_file() and Path(skimage.__file__).parent in cascade.parents


def test_detector_finds_the_astronauts_face():
    faces = detect_faces(photo("astronaut"))
    assert faces.dtype == torch.float32 and faces.shape == (1, 4)
    iou = box_iou(faces, photo_boxes("astronaut").boxes)  # [1 face, 3 hand boxes]
    assert iou[0, 0] >= 0.5  # the hand-labelled face: a hit by the >= 0.5 rule
    assert torch.all(iou[0, 1:] == 0)  # and nowhere near the helmet or the shuttle


def test_no_faces_is_an_empty_box_tensor():
    faces = detect_faces(photo("coffee"))
    assert faces.shape == (0, 4) and faces.dtype == torch.float32
    assert box_iou(faces, photo_boxes("coffee").boxes).shape == (0, 3)


@pytest.mark.parametrize(
    ("image", "kwargs", "words"),
    [
        (photo("astronaut", gray=True), {}, "detect_faces expects an RGB photo"),
        (photo("astronaut").astype(float), {}, "got float64"),
        (photo("astronaut"), {"min_size": 100, "max_size": 50}, "min_size <= max_size"),
        (photo("astronaut"), {"scale_factor": 1.0}, "scale_factor > 1"),
    ],
)
def test_detector_bad_inputs(image, kwargs, words):
    with pytest.raises(ValueError, match=words):
        detect_faces(image, **kwargs)


# -- segmentation ---------------------------------------------------------------------------


def _otsu_coins(gray):
    """An independent recipe: one global Otsu threshold, holes filled, coin-sized blobs.

    Global Otsu also keeps a bright patch of background at the top (and a coin touching
    it), so only blobs of a coin's size (200 to 4,000 pixels) are kept as references.
    """
    from scipy import ndimage as ndi
    from skimage import filters, measure, morphology

    mask = ndi.binary_fill_holes(morphology.opening(gray > filters.threshold_otsu(gray),
                                                    morphology.disk(2)))
    labels = measure.label(mask)
    return [labels == r.label for r in measure.regionprops(labels) if 200 <= r.area <= 4000]


def test_coins_are_24_in_four_rows_of_six():
    seg = segment_objects(photo("coins", gray=True))
    assert seg.count == 24  # counted by eye: four rows of six coins
    rows = np.sort([np.nonzero(seg.instances == i)[0].mean() for i in range(1, 25)])
    assert np.all(np.diff(rows)[[5, 11, 17]] > 40)  # three big gaps between rows ...
    assert np.all(np.delete(np.diff(rows), [5, 11, 17]) < 20)  # ... and none inside a row
    assert seg.semantic.dtype == bool and seg.instances.dtype == np.int32
    assert set(np.unique(seg.instances)) == set(range(25))
    assert np.array_equal(seg.instances > 0, seg.semantic)


def test_each_otsu_coin_matches_its_own_instance():
    gray = photo("coins", gray=True)
    seg = segment_objects(gray)
    references = _otsu_coins(gray)
    assert len(references) >= 20
    matched = set()
    for coin in references:
        ids, overlap = np.unique(seg.instances[coin], return_counts=True)
        best = ids[np.argmax(np.where(ids > 0, overlap, 0))]
        ours = seg.instances == best
        assert (coin & ours).sum() / (coin | ours).sum() > 0.7  # IoU of the two masks
        matched.add(int(best))
    assert len(matched) == len(references)  # one instance per coin, never two coins in one


def test_two_squares_are_two_instances():
    gray = np.zeros((20, 30))
    gray[2:8, 3:9] = 0.9  # 36 pixels
    gray[10:18, 15:25] = 0.8  # 80 pixels
    gray[1, 28] = 0.9  # a 1-pixel speck, dropped by min_area
    seg = segment_objects(gray, min_area=10)
    assert seg.count == 2
    assert sorted(np.bincount(seg.instances.ravel())[1:]) == [36, 80]


@pytest.mark.parametrize(
    ("image", "kwargs", "words"),
    [
        (photo("coins"), {}, "grayscale float image"),
        ((photo("coins", gray=True) * 255).astype(np.uint8), {}, "grayscale float image"),
        (photo("coins", gray=True) * 2, {}, r"in \[0, 1\]"),
        (photo("coins", gray=True), {"background_below": 0.7}, "background_below < object_above"),
    ],
)
def test_segmentation_bad_inputs(image, kwargs, words):
    with pytest.raises(ValueError, match=words):
        segment_objects(image, **kwargs)


# -- generative model -----------------------------------------------------------------------


def test_generated_digits_shape_range_and_seed(data):
    generator = fit_digit_generator(data.x_train, seed=0)
    first = sample_digits(generator, 16, seed=3)
    assert first.shape == (16, 8, 8) and first.dtype == np.float32
    assert first.min() >= 0 and first.max() <= 1
    assert np.array_equal(first, sample_digits(generator, 16, seed=3))
    assert not np.array_equal(first, sample_digits(generator, 16, seed=4))


def test_generated_digits_are_new_but_look_like_digits(data):
    generator = fit_digit_generator(data.x_train, seed=0)
    fake = sample_digits(generator, 500, seed=0).reshape(500, -1)
    real = data.x_train.reshape(len(data.x_train), -1)
    nearest = np.min(((fake[:, None] - real[None]) ** 2).sum(-1), axis=1)
    assert nearest.min() > 1e-3  # no sample is a copy of a training digit
    mean_corr = np.corrcoef(fake.mean(0), real.mean(0))[0, 1]
    assert mean_corr > 0.95  # but on average they look like the real ones


def test_generator_bad_inputs(data):
    with pytest.raises(ValueError, match=r"images \[N, 8, 8\]"):
        fit_digit_generator(np.zeros((10, 64)))
    generator = fit_digit_generator(data.x_train[:200], n_components=2)
    for n in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="n must be a positive int"):
            sample_digits(generator, n)


# -- learning paradigms ---------------------------------------------------------------------


def test_supervised_accuracy_is_recounted_and_high(data):
    from sklearn.neighbors import KNeighborsClassifier

    result = train_digit_classifier(data)
    assert result.predictions.shape == data.y_test.shape
    assert result.accuracy == np.mean(result.predictions == data.y_test)
    knn = KNeighborsClassifier(3).fit(data.x_train.reshape(len(data.x_train), -1), data.y_train)
    knn_accuracy = knn.score(data.x_test.reshape(len(data.x_test), -1), data.y_test)
    assert result.accuracy > 0.94 and abs(result.accuracy - knn_accuracy) < 0.05


def test_kmeans_centres_are_the_means_of_their_clusters(data):
    from sklearn.metrics import adjusted_rand_score

    clusters = cluster_digits(data.x_train, k=10, seed=0)
    flat = data.x_train.reshape(len(data.x_train), -1)
    assert clusters.centres.shape == (10, 8, 8) and set(clusters.labels) == set(range(10))
    for j in range(10):  # k-means' fixed point: each centre is the mean of its members
        members = flat[clusters.labels == j]
        assert np.allclose(clusters.centres[j].ravel(), members.mean(0), atol=1e-6)
    assert adjusted_rand_score(data.y_train, clusters.labels) > 0.5  # found the digits
    again = cluster_digits(data.x_train, k=10, seed=0)
    assert np.array_equal(again.labels, clusters.labels)


@pytest.mark.parametrize("k", [0, -3, 2.0, True, 10_000])
def test_cluster_bad_k(data, k):
    with pytest.raises(ValueError, match="k must be an int"):
        cluster_digits(data.x_train, k=k)


@pytest.mark.parametrize("k", [2, 4, 8, 16])
def test_quantized_photo_has_exactly_k_colours(k):
    image = photo("chelsea")[::2, ::2]
    q = quantize_colors(image, k=k, seed=0)
    colours = np.unique(q.image.reshape(-1, 3), axis=0)
    assert len(colours) == k and q.image.shape == image.shape and q.image.dtype == np.uint8
    assert np.array_equal(colours, np.unique(q.palette, axis=0))
    assert np.array_equal(q.image, q.palette[q.labels])
    distances = ((image.reshape(-1, 1, 3).astype(float) - q.palette[None].astype(float)) ** 2)
    nearest = distances.sum(-1).argmin(1)  # brute force: the nearest palette colour
    assert np.array_equal(nearest, q.labels.ravel())


def test_count_colours_matches_unique_rows():
    for name in ("chelsea", "coins", "horse"):
        image = photo(name)
        assert count_colours(image) == len(np.unique(image.reshape(-1, 3), axis=0))
    rng = np.random.default_rng(3)  # the extremes 0 and 255 in every channel, packed apart
    image = rng.choice(np.array([0, 1, 254, 255], dtype=np.uint8), size=(7, 5, 3))
    assert count_colours(image) == len(np.unique(image.reshape(-1, 3), axis=0))
    with pytest.raises(ValueError, match="expects an RGB photo as uint8"):
        count_colours(np.zeros((4, 4)))


def test_more_colours_mean_a_closer_picture():
    image = photo("coffee")[::2, ::2]
    errors = [np.abs(quantize_colors(image, k=k).image.astype(float) - image).mean()
              for k in (2, 4, 16)]
    assert errors[0] > errors[1] > errors[2]


def test_three_colour_image_is_reproduced_exactly():
    image = np.zeros((6, 6, 3), dtype=np.uint8)
    image[:2], image[2:4] = (255, 0, 0), (0, 0, 255)
    assert np.array_equal(quantize_colors(image, k=3).image, image)
    with pytest.raises(ValueError, match="only 3 distinct colours"):
        quantize_colors(image, k=4)


@pytest.mark.parametrize(
    ("image", "k", "words"),
    [
        (photo("chelsea"), 0, "k must be a positive int"),
        (photo("chelsea"), True, "k must be a positive int"),
        (photo("chelsea", gray=True), 4, "quantize_colors expects an RGB photo"),
    ],
)
def test_quantize_bad_inputs(image, k, words):
    with pytest.raises(ValueError, match=words):
        quantize_colors(image, k=k)


PAYOUT = [0.2, 0.5, 0.8, 0.4, 0.3]


def test_bandit_learns_the_best_arm():
    run = epsilon_greedy_bandit(PAYOUT, steps=2000, epsilon=0.1, seed=0)
    assert np.argmax(run.counts) == 2 and run.counts[2] > 0.8 * 2000
    assert run.rewards.mean() > np.mean(PAYOUT) + 0.2  # far better than random pulls
    assert abs(run.estimates[2] - 0.8) < 0.05


def test_bandit_bookkeeping_recounted_from_the_run():
    run = epsilon_greedy_bandit(PAYOUT, steps=500, epsilon=0.3, seed=1)
    assert np.array_equal(run.counts, np.bincount(run.choices, minlength=5))
    for arm in range(5):
        pulled = run.rewards[run.choices == arm]
        assert np.isclose(run.estimates[arm], pulled.mean() if len(pulled) else 0.0)
    again = epsilon_greedy_bandit(PAYOUT, steps=500, epsilon=0.3, seed=1)
    assert np.array_equal(again.choices, run.choices)


def test_pure_exploration_is_random_pulling():
    run = epsilon_greedy_bandit(PAYOUT, steps=5000, epsilon=1.0, seed=0)
    sd = np.sqrt(0.25 / 5000)  # Bernoulli rewards: standard error at most 0.5 / sqrt(n)
    assert abs(run.rewards.mean() - np.mean(PAYOUT)) < 4 * sd
    assert run.counts.min() > 0.15 * 5000  # every arm about a fifth of the time


@pytest.mark.parametrize(
    ("payout", "kwargs"),
    [([], {}), ([0.5, 1.2], {}), ([[0.5]], {}), (PAYOUT, {"epsilon": 1.5}),
     (PAYOUT, {"steps": 0}), (PAYOUT, {"steps": 10.0})],
)
def test_bandit_bad_inputs(payout, kwargs):
    with pytest.raises(ValueError, match="payout must be|epsilon in"):
        epsilon_greedy_bandit(payout, **kwargs)


# -- figures and the widget -----------------------------------------------------------------


def test_tour_figures_draw(data):
    import matplotlib.pyplot as plt

    from course_utils import plotting as pt

    seg = segment_objects(photo("coins", gray=True))
    run = epsilon_greedy_bandit(PAYOUT, steps=50)
    figures = [
        pt.plot_top_k({"coffee": photo("coffee")}, {"coffee": [("espresso", 0.9), ("cup", 0.1)]}),
        pt.plot_boxes(photo("astronaut"), {"face": photo_boxes("astronaut").box("face")},
                      dashed=["face"]),
        pt.plot_segmentation(photo("coins", gray=True), seg),
        pt.plot_digit_grid({"a": data.x_train[:5], "b": data.x_test[:3]},
                           captions={"a": list("abcde")}, highlight={"a": [1, 0, 0, 0, 0]}),
        pt.plot_bandit(run, PAYOUT),
    ]
    assert len(figures[1].axes[0].patches) == 1
    assert "24 found" in figures[2].axes[2].get_title()
    for fig in figures:
        fig.canvas.draw()
    plt.close("all")


def test_instance_boxes_are_the_pixel_edges_of_each_mask():
    seg = segment_objects(photo("coins", gray=True))
    boxes = seg.boxes()
    assert boxes.shape == (seg.count, 4)
    for i, (x1, y1, x2, y2) in enumerate(boxes, start=1):
        rows, cols = np.nonzero(seg.instances == i)  # an independent reference
        assert (x1, y1, x2, y2) == (cols.min(), rows.min(), cols.max() + 1, rows.max() + 1)
