"""The tour of computer vision tasks and learning paradigms, on real bundled data (notebook 00).

Deck 001 lists what vision extracts from images: classification, detection, segmentation,
generative models; and three ways to learn: supervised, unsupervised, reinforcement. Each
gets one small, fast function here, built on scikit-learn / scikit-image (the classifier,
a real pretrained CNN, lives in ``course_utils.transfer``). No plotting: see
``course_utils.plotting``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch

from course_utils.data.assets import asset_path
from course_utils.validate import as_array


class CourseNotebook(NamedTuple):
    """One row of the course map."""

    number: str
    notebook: str
    teaches: str


COURSE_MAP: tuple[CourseNotebook, ...] = tuple(
    CourseNotebook(*row)
    for row in (
        ("00", "welcome", "what vision extracts from images; supervised, unsupervised and "
                          "reinforcement learning; widgets, checks and the doctor"),
        ("01", "perceptron", "the neuron as weighted sum + bias + sign; logic gates; the "
                             "perceptron learning rule; why XOR cannot be learned"),
        ("02", "mlp_xor", "multi-layer perceptrons; XOR by hand; activation functions; "
                          "why depth and nonlinearity matter"),
        ("03", "backprop_by_hand", "computational graphs and the chain rule; a tiny autograd "
                                   "engine; gradient checking against torch"),
        ("04", "losses_and_optimizers", "L2, L1 and cross-entropy; stable softmax; gradient "
                                        "descent, mini-batches, momentum, Adam"),
        ("05", "training_deep_networks", "vanishing gradients; initialisation; dropout and "
                                         "ensembles; a PyTorch training loop"),
        ("06", "convolution_and_kernels", "blur, sharpen, Sobel on real photos and a kernel "
                                          "editor (your own photo too); convolution from loops "
                                          "to a visible im2col, checked against torch; "
                                          "max-pool backward exercise; equivariance vs "
                                          "invariance"),
        ("07", "cnn_layer_arithmetic", "output sizes, padding, stride, pooling, receptive "
                                       "fields; parameters, memory and FLOPs per layer"),
        ("08", "cnn_classifier", "conv -> ReLU -> pool -> FC; LeNet-5; training on real "
                                 "digits; feature maps; ROC and confusion matrix"),
        ("09", "modern_architectures", "AlexNet, VGG, Inception, ResNet, NiN, DenseNet; "
                                       "shortcut gradients; batch norm; parameters vs FLOPs "
                                       "vs accuracy (architecture explorer)"),
        ("10", "transfer_learning", "a real ImageNet-pretrained network offline; feature "
                                    "extraction vs fine-tuning vs from scratch"),
        ("11", "object_detection", "IoU; mAP; non-maximum suppression; sliding windows and "
                                   "region proposals; R-CNN, Fast R-CNN and Faster R-CNN "
                                   "trained and compared (its region proposal network's "
                                   "anchors and proposals before and after training; "
                                   "two-stage explorer)"),
        ("12", "single_shot_detection", "SSD (default boxes, hard negative mining) and YOLO "
                                        "v1 trained; a single-shot detector of our own; the "
                                        "three compared; a real pretrained face detector "
                                        "(MTCNN) on real photos"),
        ("13", "segmentation", "semantic vs instance; fully convolutional networks; "
                               "upsampling; pixel accuracy and mean IoU; Mask R-CNN"),
        ("14", "rnn_captioning", "recurrent networks; image captioning with CNN features "
                                 "feeding an RNN"),
    )
)


def course_map_markdown(notebooks_dir: str | Path | None = None) -> str:
    """``COURSE_MAP`` as a markdown table, marking which notebooks exist yet.

    The README and notebook 00 carry this table verbatim (a test checks it); after adding
    a notebook, paste the output of ``python -m course_utils map`` into both.
    """
    folder = Path(notebooks_dir) if notebooks_dir else Path(__file__).parents[1] / "notebooks"
    lines = ["| # | notebook | what it teaches | status |", "|---|---|---|---|"]
    for nb in COURSE_MAP:
        ready = (folder / f"{nb.number}_{nb.notebook}.ipynb").exists()
        status = "ready" if ready else "coming"
        lines.append(f"| {nb.number} | `{nb.number}_{nb.notebook}` | {nb.teaches} | {status} |")
    return "\n".join(lines)


# -- detection ------------------------------------------------------------------------------


class LabelledBoxes(NamedTuple):
    """Hand-drawn boxes on one photo.

    Attributes:
        labels: one name per box, e.g. ``["face", "helmet"]``.
        boxes: ``Tensor[N, 4]`` float32 ``(x1, y1, x2, y2)`` in pixels: x is the column,
            y the row, (x1, y1) the top-left corner, x2 - x1 the width (torchvision's
            format, so ``torchvision.ops.box_iou`` takes them as they are).
    """

    labels: list[str]
    boxes: torch.Tensor

    def box(self, label: str) -> torch.Tensor:
        """The ``Tensor[4]`` box called ``label``; a clear error lists the labels."""
        if label not in self.labels:
            raise ValueError(f"no box labelled {label!r}; this photo has {self.labels}")
        return self.boxes[self.labels.index(label)]


BOXES_ASSET = "annotations/photo_boxes.json"


@lru_cache(maxsize=1)
def _box_table() -> dict[str, Any]:
    return json.loads(asset_path(BOXES_ASSET).read_text(encoding="utf-8"))["photos"]


def photo_boxes(name: str) -> LabelledBoxes:
    """The hand-labelled boxes of photo ``name`` from ``data/annotations/photo_boxes.json``.

    Used by notebook 00 (a detector's box beside a human's) and the IoU lessons of 11.

    Raises:
        ValueError: no boxes for ``name`` (the message lists the photos that have some).
    """
    table = _box_table()
    if name not in table:
        raise ValueError(f"no hand-labelled boxes for {name!r}; photos with boxes: "
                         f"{', '.join(sorted(table))}")
    objects = table[name]["objects"]
    boxes = torch.tensor([o["box"] for o in objects], dtype=torch.float32).reshape(-1, 4)
    return LabelledBoxes([o["label"] for o in objects], boxes)


@lru_cache(maxsize=1)
def _face_cascade():
    """scikit-image's LBP frontal-face cascade (an OpenCV file inside the skimage wheel)."""
    from skimage.data import lbp_frontal_face_cascade_filename
    from skimage.feature import Cascade

    return Cascade(lbp_frontal_face_cascade_filename())


def _rgb_uint8(image: np.ndarray, who: str) -> np.ndarray:
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"{who} expects an RGB photo as uint8 [H, W, 3] (e.g. photo('astronaut')"
                         f"), got {image.dtype} {list(image.shape)}")
    return image


def detect_faces(
    image: np.ndarray, *, min_size: int = 60, max_size: int = 200, scale_factor: float = 1.2
) -> np.ndarray:
    """Find frontal faces with a classic (pre-deep-learning) detector: an LBP cascade.

    Used by notebook 00 (detection on a real photo). Windows of ``min_size`` to
    ``max_size`` pixels slide over the image; each passes a cascade of weak classifiers.

    Args:
        image: uint8 ``[H, W, 3]`` RGB.
        min_size, max_size: smallest and largest square window side, in pixels.
        scale_factor: growth of the window from one scale to the next (> 1).

    Returns:
        ``Tensor[N, 4]`` float32 boxes ``(x1, y1, x2, y2)`` (torchvision's format);
        ``N = 0`` if no face is found.
    """
    image = _rgb_uint8(image, "detect_faces")
    if not (0 < min_size <= max_size) or scale_factor <= 1:
        raise ValueError(f"need 0 < min_size <= max_size and scale_factor > 1, got "
                         f"{min_size}, {max_size}, {scale_factor}")
    found = _face_cascade().detect_multi_scale(
        img=image, scale_factor=scale_factor, step_ratio=1,
        min_size=(min_size, min_size), max_size=(max_size, max_size))
    boxes = [(f["c"], f["r"], f["c"] + f["width"], f["r"] + f["height"]) for f in found]
    return torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4)


# -- segmentation ---------------------------------------------------------------------------


class Segmentation(NamedTuple):
    """Semantic and instance segmentation of one image.

    Attributes:
        semantic: bool ``[H, W]``, True on objects (one class: "object" vs "background").
        instances: int32 ``[H, W]``, 0 on background, 1..count one id per object.
        count: how many objects.
    """

    semantic: np.ndarray
    instances: np.ndarray
    count: int

    def boxes(self) -> np.ndarray:
        """``[count, 4]`` boxes ``(x1, y1, x2, y2)`` around each instance, in pixel edges
        (x2 - x1 is the width in pixels), row ``i`` for instance ``i + 1``: scikit-image's
        ``regionprops`` bounding boxes, whose max corner is already exclusive."""
        from skimage.measure import regionprops

        props = sorted(regionprops(self.instances), key=lambda p: p.label)
        return np.array([(c1, r1, c2, r2) for r1, c1, r2, c2 in (p.bbox for p in props)],
                        dtype=np.int64).reshape(-1, 4)


def segment_objects(
    gray: np.ndarray, *, background_below: float = 0.12, object_above: float = 0.6,
    min_area: int = 50,
) -> Segmentation:
    """Split bright objects from a dark background, then into separate objects.

    Used by notebook 00 on ``photo("coins", gray=True)``. scikit-image's region-based
    recipe: pixels surely background (< ``background_below``) or surely object
    (> ``object_above``) seed a watershed on the Sobel edge map, which settles the rest.

    Args:
        gray: float ``[H, W]`` in [0, 1] (``photo(name, gray=True)``).
        background_below, object_above: the two sure-seed thresholds, 0 < b < o < 1.
        min_area: objects with fewer pixels are dropped as specks.

    Returns:
        ``Segmentation(semantic, instances, count)``.
    """
    from scipy import ndimage as ndi
    from skimage import filters, measure, segmentation

    gray = as_array(gray, "gray", dtype=None)
    if gray.ndim != 2 or not np.issubdtype(gray.dtype, np.floating) or gray.min() < 0 \
            or gray.max() > 1:
        raise ValueError(f"expected a grayscale float image [H, W] in [0, 1] "
                         f"(photo(name, gray=True)), got {gray.dtype} {list(gray.shape)}")
    if not 0 < background_below < object_above < 1:
        raise ValueError("need 0 < background_below < object_above < 1, got "
                         f"{background_below}, {object_above}")
    seeds = np.zeros(gray.shape, dtype=np.int32)
    seeds[gray < background_below], seeds[gray > object_above] = 1, 2
    regions = segmentation.watershed(filters.sobel(gray), seeds)
    filled = measure.label(ndi.binary_fill_holes(regions == 2))  # one id per connected object
    big = np.bincount(filled.ravel()) >= min_area  # drop specks (and id 0, the background)
    big[0] = False
    semantic = big[filled]
    instances = measure.label(semantic).astype(np.int32)
    return Segmentation(semantic, instances, int(instances.max()))


# -- generative model -----------------------------------------------------------------------


class DigitGenerator(NamedTuple):
    """A generative model of 8x8 digits: a Gaussian mixture in PCA space."""

    pca: Any  # sklearn.decomposition.PCA: 64 pixels <-> n_pca numbers
    mixture: Any  # sklearn.mixture.GaussianMixture over the PCA numbers


def _flat_images(images: np.ndarray, side: int = 8) -> np.ndarray:
    images = as_array(images, "images")
    if images.ndim < 2 or images.shape[-2:] != (side, side) or images.size == 0:
        raise ValueError(f"expected images [N, {side}, {side}] or [N, 1, {side}, {side}] "
                         f"(e.g. digits().x_train), got shape {list(images.shape)}")
    return images.reshape(-1, side * side)


def fit_digit_generator(
    images: np.ndarray, *, n_pca: int = 20, n_components: int = 10, seed: int = 0
) -> DigitGenerator:
    """Learn the distribution of digit images, so new ones can be sampled.

    Used by notebook 00 (generative models). PCA keeps ``n_pca`` directions of the
    64-pixel space; a ``n_components``-Gaussian mixture models the data there.

    Args:
        images: float ``[N, 8, 8]`` or ``[N, 1, 8, 8]`` in [0, 1].
        seed: random state of PCA and the mixture's initialisation.
    """
    from sklearn.decomposition import PCA
    from sklearn.mixture import GaussianMixture

    x = _flat_images(images)
    pca = PCA(n_components=n_pca, random_state=seed).fit(x)
    mixture = GaussianMixture(n_components, covariance_type="full", random_state=seed)
    return DigitGenerator(pca, mixture.fit(pca.transform(x)))


def sample_digits(generator: DigitGenerator, n: int, *, seed: int = 0) -> np.ndarray:
    """``n`` brand-new digit images drawn from a fitted ``DigitGenerator``.

    Used by notebook 00. The same ``seed`` gives the same images.

    Returns:
        float32 ``[n, 8, 8]`` in [0, 1].
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    mixture = generator.mixture.set_params(random_state=seed)
    z, _ = mixture.sample(int(n))  # sorted by mixture component: shuffle below
    z = z[np.random.default_rng(seed).permutation(len(z))]
    images = np.clip(generator.pca.inverse_transform(z), 0, 1)
    return images.reshape(-1, 8, 8).astype(np.float32)


# -- learning paradigms ---------------------------------------------------------------------


class Supervised(NamedTuple):
    """A trained classifier and how it does on the held-out test images."""

    model: Any  # sklearn.linear_model.LogisticRegression
    predictions: np.ndarray  # int64 [N_test]
    accuracy: float


def train_digit_classifier(data) -> Supervised:
    """Supervised learning: fit logistic regression on labelled digits, test on new ones.

    Used by notebook 00. Args: ``data``, a ``Digits`` split (``digits()``), NumPy arrays.
    """
    from sklearn.linear_model import LogisticRegression

    x_train, x_test = _flat_images(data.x_train), _flat_images(data.x_test)
    model = LogisticRegression(max_iter=2000).fit(x_train, np.asarray(data.y_train))
    predictions = model.predict(x_test).astype(np.int64)
    return Supervised(model, predictions, float(np.mean(predictions == np.asarray(data.y_test))))


class Clusters(NamedTuple):
    """k-means clusters: one id per sample and the centre of each cluster."""

    labels: np.ndarray  # int [N] in 0..k-1
    centres: np.ndarray  # float [k, ...] shaped like one sample


def cluster_digits(images: np.ndarray, *, k: int = 10, seed: int = 0) -> Clusters:
    """Unsupervised learning: group digit images into ``k`` clusters, never seeing a label.

    Used by notebook 00. Returns ``Clusters(labels [N], centres float [k, 8, 8])``.
    """
    from sklearn.cluster import KMeans

    x = _flat_images(images)
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= len(x):
        raise ValueError(f"k must be an int from 1 to the number of images ({len(x)}), got {k!r}")
    kmeans = KMeans(n_clusters=int(k), n_init=4, random_state=seed).fit(x)
    return Clusters(kmeans.labels_, kmeans.cluster_centers_.reshape(-1, 8, 8))


def count_colours(image: np.ndarray) -> int:
    """How many distinct RGB colours a uint8 ``[H, W, 3]`` photo has (notebook 00)."""
    image = _rgb_uint8(image, "count_colours")
    rgb = image.reshape(-1, 3).astype(np.int32)
    packed = (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]  # one int per colour
    seen = np.zeros(1 << 24, dtype=bool)  # a flag per possible colour: no sort needed
    seen[packed] = True  # (20x faster than np.unique on a photo; the widget calls it live)
    return int(np.count_nonzero(seen))


class Quantized(NamedTuple):
    """A photo redrawn with only ``k`` colours."""

    image: np.ndarray  # uint8 [H, W, 3], every pixel one of the palette's colours
    palette: np.ndarray  # uint8 [k, 3], the k-means centres
    labels: np.ndarray  # int [H, W], the palette index of each pixel


def quantize_colors(
    image: np.ndarray, *, k: int, seed: int = 0, sample: int = 3000
) -> Quantized:
    """Unsupervised learning on pixels: k-means finds the ``k`` colours that best summarise.

    Used by notebook 00 (and its colour-quantisation widget). k-means is fitted on
    ``sample`` random pixels (fast); its centres, rounded to bytes, are the palette, and
    every pixel takes the nearest palette colour.

    Args:
        image: uint8 ``[H, W, 3]`` RGB.
        k: number of colours, at least 1 and at most the photo's distinct colours.
        seed: which pixels are sampled and how k-means starts.
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import pairwise_distances_argmin

    image = _rgb_uint8(image, "quantize_colors")
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be a positive int, got {k!r}")
    pixels = image.reshape(-1, 3).astype(np.float64)
    rng = np.random.default_rng(seed)
    fit_on = pixels[rng.choice(len(pixels), min(sample, len(pixels)), replace=False)]
    if len(np.unique(fit_on, axis=0)) < k:  # too few colours in the sample: use them all
        fit_on = pixels
        if count_colours(image) < k:
            raise ValueError(f"k={k} but the photo has only {count_colours(image)} "
                             "distinct colours")
    kmeans = KMeans(n_clusters=int(k), n_init=1, random_state=seed).fit(fit_on)
    palette = np.round(kmeans.cluster_centers_).astype(np.uint8)
    nearest = pairwise_distances_argmin(pixels, palette.astype(np.float64))  # each pixel's colour
    labels = nearest.reshape(image.shape[:2])
    return Quantized(palette[labels], palette, labels)


class BanditRun(NamedTuple):
    """What an epsilon-greedy agent did on a multi-armed bandit."""

    choices: np.ndarray  # int [steps]: the arm pulled at each step
    rewards: np.ndarray  # float [steps]: 1.0 if that pull paid out, else 0.0
    estimates: np.ndarray  # float [arms]: the agent's final estimate of each arm's payout
    counts: np.ndarray  # int [arms]: how often each arm was pulled


def epsilon_greedy_bandit(
    payout: list[float] | np.ndarray, *, steps: int = 1000, epsilon: float = 0.1, seed: int = 0
) -> BanditRun:
    """Reinforcement learning in one line of maths: learn which slot machine pays best.

    Used by notebook 00. Arm ``a`` pays 1 with probability ``payout[a]``. At each step the
    agent explores (a random arm) with probability ``epsilon``, else exploits its best
    estimate so far; estimates are running means of the rewards each arm gave.

    Args:
        payout: ``[arms]`` probabilities in [0, 1], unknown to the agent.
        steps: number of pulls. epsilon: exploration rate in [0, 1]. seed: fixes the run.
    """
    payout = as_array(payout, "payout")
    if payout.ndim != 1 or payout.size == 0 or payout.min() < 0 or payout.max() > 1:
        raise ValueError(f"payout must be a non-empty list of probabilities, got {payout}")
    if not 0 <= epsilon <= 1 or isinstance(steps, bool) or not isinstance(steps, int | np.integer) \
            or steps < 1:
        raise ValueError(f"need epsilon in [0, 1] and an int steps >= 1, got {epsilon}, {steps}")
    rng = np.random.default_rng(seed)
    estimates, counts = np.zeros(payout.size), np.zeros(payout.size, dtype=np.int64)
    choices, rewards = np.zeros(steps, dtype=np.int64), np.zeros(steps)
    for t in range(steps):
        best = np.flatnonzero(estimates == estimates.max())  # ties: pick among them at random
        arm = rng.integers(payout.size) if rng.random() < epsilon else rng.choice(best)
        reward = float(rng.random() < payout[arm])
        counts[arm] += 1
        estimates[arm] += (reward - estimates[arm]) / counts[arm]  # running mean
        choices[t], rewards[t] = arm, reward
    return BanditRun(choices, rewards, estimates, counts)
