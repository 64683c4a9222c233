"""Image captioning on the synthetic scenes: vocabulary, CNN encoder + GRU decoder, decoding.

Notebook 14. The decks' recipe (deck 000, Karpathy & Li 2015): a CNN turns the image into a
feature vector, and a recurrent network started from it emits the caption one word at a
time, each step reading the previous word.

- ``tokenize`` / ``detokenize`` and ``Vocabulary``: words <-> integer ids, with ``<pad>``,
  ``<start>`` and ``<end>``; an unknown word is an error, never silently mapped.
- ``Captioner``: a small CNN encoder whose feature map, flattened (so positions are kept:
  captions say what is left of what), starts a GRU decoder.
- ``train_captioner``: teacher forcing (the decoder reads the true previous word) for a fixed
  number of steps.
- ``greedy_decode``, ``beam_search`` (built on ``beam_step``) and ``caption_images``;
  ``step_probabilities`` (the word distribution at every step of a given caption) and
  ``caption_log_probability``, for testing, comparing decodings and the widget.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import torch
from torch import nn

from course_utils.progress import progress as progress_bar
from course_utils.validate import as_array, as_labels, as_number, as_tensor, check_shape

__all__ = [
    "tokenize", "detokenize", "Vocabulary", "encode_captions", "Captioner", "caption_loss",
    "TrainingRun", "train_captioner", "greedy_decode", "beam_step", "Beam", "beam_search",
    "step_probabilities", "caption_log_probability", "caption_images", "Shape", "compose_scene",
]

PAD, START, END = "<pad>", "<start>", "<end>"
SPECIALS = (PAD, START, END)


def tokenize(caption: str) -> list[str]:
    """Lower-case words of ``caption``; a comma is a word of its own.

    ``tokenize("a red circle, a blue square")`` is
    ``["a", "red", "circle", ",", "a", "blue", "square"]``.
    """
    if not isinstance(caption, str):
        raise TypeError(f"caption must be a str, got {type(caption).__name__} ({caption!r:.40})")
    return caption.lower().replace(",", " , ").split()


def detokenize(words: Iterable[str]) -> str:
    """The caption ``words`` spell, with commas attached to the word before them."""
    if isinstance(words, str):
        raise TypeError(f"words must be a list of words, got one str ({words!r:.40}): "
                        "detokenize(tokenize(caption)) is the caption")
    words = list(words)
    bad = [w for w in words if not isinstance(w, str)]
    if bad:
        raise TypeError(f"words must be strings, got {bad[0]!r:.40}")
    return " ".join(words).replace(" ,", ",")


class Vocabulary:
    """Words <-> ids. Ids 0, 1, 2 are ``<pad>``, ``<start>``, ``<end>``; then the words, sorted.

    Build it from the training captions with ``Vocabulary.from_captions``. ``encode`` refuses
    a word it has not seen, naming it (no silent ``<unk>``).
    """

    def __init__(self, words: Iterable[str]):
        if isinstance(words, str):
            raise TypeError(
                f"words must be a list of words, e.g. {words.split()!r:.60}, not one str "
                f"({words!r:.40} would become a vocabulary of its letters); to build it from "
                "captions use Vocabulary.from_captions([caption, ...])")
        words = list(words)
        bad = [w for w in words if not isinstance(w, str) or not w or w in SPECIALS
               or len(w.split()) != 1]
        if bad:
            raise ValueError(f"vocabulary words must be non-empty strings without spaces, other "
                             f"than {SPECIALS}, got {bad[0]!r}")
        if not words:
            raise ValueError("the vocabulary is empty: build it from at least one caption "
                             "with at least one word")
        self.words = tuple(SPECIALS) + tuple(sorted(set(words)))
        self.index = {w: i for i, w in enumerate(self.words)}

    @classmethod
    def from_captions(cls, captions: Iterable[str]) -> Vocabulary:
        """Every word of ``captions`` (after ``tokenize``)."""
        if isinstance(captions, str):
            raise TypeError("from_captions takes a list of captions, got one str; wrap it: "
                            "[caption]")
        counts = Counter(w for c in captions for w in tokenize(c))
        if not counts:
            raise ValueError("the vocabulary is empty: from_captions got no captions, or only "
                             "empty ones; give it the training captions")
        return cls(counts)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word) -> bool:
        return word in self.index

    def __repr__(self) -> str:
        return f"Vocabulary({len(self)} words: {' '.join(self.words)})"

    @property
    def pad(self) -> int:
        return self.index[PAD]

    @property
    def start(self) -> int:
        return self.index[START]

    @property
    def end(self) -> int:
        return self.index[END]

    def encode(self, words: Sequence[str]) -> list[int]:
        """The id of every word; ``KeyError`` naming the first unknown word."""
        if isinstance(words, str):
            raise TypeError("encode takes a list of words; use encode(tokenize(caption))")
        for position, word in enumerate(words):
            if word not in self.index:
                known = " ".join(self.words[len(SPECIALS):])
                raise KeyError(f"unknown word {word!r} (word {position} of {list(words)}): it "
                               f"is not in this vocabulary of {len(self)} words, which knows: "
                               f"{known}")
        return [self.index[w] for w in words]

    def decode(self, ids: Iterable[int], *, strip: bool = True) -> list[str]:
        """Words of ``ids``; with ``strip``, stop at ``<end>`` and drop ``<start>``/``<pad>``."""
        out = []
        for i in ids:
            i = int(i)
            if not 0 <= i < len(self):
                raise ValueError(f"word id {i} is out of range: this vocabulary has ids "
                                 f"0..{len(self) - 1}")
            if strip and i == self.end:
                break
            if not (strip and i in (self.pad, self.start)):
                out.append(self.words[i])
        return out


def encode_captions(captions: Sequence[str], vocab: Vocabulary) -> torch.Tensor:
    """int64 [N, T]: ``<start>`` words ``<end>``, padded with ``<pad>`` to the longest."""
    if isinstance(captions, str):
        raise TypeError(f"captions must be a list of captions, not one str (each of its letters "
                        f"would be read as a caption); wrap it: [{captions!r:.40}]")
    if isinstance(vocab, str) or not isinstance(vocab, Vocabulary):
        raise TypeError(f"vocab must be a Vocabulary (e.g. Vocabulary.from_captions(captions)), "
                        f"got a {type(vocab).__name__}: encode_captions(captions, vocab)")
    rows = [[vocab.start, *vocab.encode(tokenize(c)), vocab.end] for c in captions]
    if not rows:
        raise ValueError("encode_captions got no captions")
    out = torch.full((len(rows), max(map(len, rows))), vocab.pad, dtype=torch.int64)
    for i, row in enumerate(rows):
        out[i, :len(row)] = torch.tensor(row)
    return out


class Captioner(nn.Module):
    """CNN encoder + GRU decoder: the image sets the decoder's first state; words are inputs.

    The encoder's last feature map is flattened, not averaged, so the feature vector keeps
    where things are: the captions say what is left of what.

    Args:
        vocab: the words it can say (``Vocabulary``), kept as ``model.vocab`` for decoding.
        image_size: side of the square input images (divisible by 8: three 2x2 poolings).
        hidden: GRU state size; embed: word embedding size; channels: the three conv widths.
    """

    def __init__(self, vocab: Vocabulary, *, image_size: int = 32, hidden: int = 128,
                 embed: int = 32, channels: tuple[int, int, int] = (16, 32, 32)):
        super().__init__()
        if not isinstance(vocab, Vocabulary):
            raise TypeError(f"Captioner needs a Vocabulary (Vocabulary.from_captions), got "
                            f"{type(vocab).__name__}")
        self.vocab, vocab_size = vocab, len(vocab)
        image_size = as_number(image_size, "image_size", minimum=8, integer=True)
        if image_size % 8:
            raise ValueError(f"image_size must be divisible by 8 (three 2x2 poolings), got "
                             f"{image_size}")
        layers, c_in = [], 3
        for c in channels:  # batch norm: without it the decoder learned to ignore the image
            layers += [nn.Conv2d(c_in, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU(),
                       nn.MaxPool2d(2)]
            c_in = c
        self.encoder = nn.Sequential(*layers, nn.Flatten(),
                                     nn.Linear(c_in * (image_size // 8) ** 2, hidden))
        self.embed = nn.Embedding(vocab_size, embed)
        self.rnn = nn.GRU(embed, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab_size)
        self.image_size = image_size

    def check_images(self, images, name: str = "images") -> torch.Tensor:
        """images [N, 3, S, S] (S = image_size) in the weights' dtype, or a clear error."""
        size = self.image_size
        return as_tensor(images, name, shape=("N", 3, size, size), nonempty=True,
                         dtype=self.head.weight.dtype,
                         why=f"colour images of image_size {size}, like the weights")

    def check_tokens(self, tokens, name: str = "tokens", shape=("N", "T"),
                     why: str = "one row of word ids per image") -> torch.Tensor:
        """Word ids (an integer tensor of ``shape``) of this vocabulary, or a clear error."""
        if not isinstance(tokens, torch.Tensor) or tokens.is_floating_point() or \
                tokens.is_complex() or tokens.dtype == torch.bool:
            kind = tokens.dtype if isinstance(tokens, torch.Tensor) else type(tokens).__name__
            raise TypeError(f"{name} must be an integer tensor of word ids (encode_captions), "
                            f"got {kind}")
        if tokens.ndim != len(shape) or any(isinstance(want, int) and got != want
                                            for got, want in zip(tokens.shape, shape,
                                                                 strict=False)):
            raise ValueError(f"{name} must have shape ({', '.join(map(str, shape))}) ({why}), "
                             f"got {tuple(tokens.shape)}")
        if tokens.numel() and (int(tokens.min()) < 0 or int(tokens.max()) >= len(self.vocab)):
            raise ValueError(f"{name} must be word ids 0..{len(self.vocab) - 1} of this "
                             f"vocabulary, got values from {int(tokens.min())} to "
                             f"{int(tokens.max())}")
        return tokens

    def init_state(self, images: torch.Tensor) -> torch.Tensor:
        """The decoder's first state [1, N, hidden] from images [N, 3, H, W]."""
        return self.encoder(self.check_images(images)).unsqueeze(0)

    def forward(self, images: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """Teacher forcing: logits [N, T, V] of the word after each of ``tokens`` [N, T]."""
        state = self.init_state(images)
        tokens = self.check_tokens(tokens, shape=(state.shape[1], "T"))
        out, _ = self.rnn(self.embed(tokens), state)
        return self.head(out)

    def step(self, tokens: torch.Tensor, state: torch.Tensor):
        """One step: log-probabilities [N, V] of the next word after ``tokens`` [N], new state."""
        state = as_tensor(state, "state", shape=(1, "N", self.rnn.hidden_size),
                          dtype=self.head.weight.dtype, finite=False)
        tokens = self.check_tokens(tokens, shape=(state.shape[1],), why="one word per state")
        out, state = self.rnn(self.embed(tokens[:, None]), state)
        return torch.log_softmax(self.head(out[:, 0]), dim=-1), state


def caption_loss(logits: torch.Tensor, targets: torch.Tensor, *, pad: int) -> torch.Tensor:
    """Mean cross-entropy over the real words of ``targets`` [N, T] (``pad`` positions skipped)."""
    logits = as_tensor(logits, "logits", shape=("N", "T", "V"), nonempty=True,
                       finite=False)  # a diverged model's NaN: train_captioner reports it
    n, t, v = logits.shape
    if isinstance(targets, torch.Tensor) and targets.shape != (n, t):
        raise ValueError(f"targets must have shape ({n}, {t}) (word ids [N, T], like logits), "
                         f"got {tuple(targets.shape)}")
    flat = as_labels(targets.reshape(-1) if isinstance(targets, torch.Tensor) else targets,
                     "targets", classes=v, why="word ids")
    pad = as_number(pad, "pad", minimum=0, maximum=v - 1, integer=True)
    return nn.functional.cross_entropy(logits.reshape(-1, v), flat, ignore_index=pad)


class TrainingRun(NamedTuple):
    losses: list[float]  # the loss of every step
    cpu_seconds: float  # time.process_time() spent training
    seconds: float  # wall-clock time spent training


def train_captioner(model: Captioner, images: torch.Tensor, tokens: torch.Tensor, *,
                    steps: int, batch_size: int = 64, lr: float = 3e-3,
                    seed: int = 0, progress: bool = False) -> TrainingRun:
    """Train with teacher forcing for ``steps`` mini-batches; return each step's loss and time.

    The decoder reads ``tokens[:, :-1]`` (``<start>`` and the true words) and is scored on
    predicting ``tokens[:, 1:]`` (the words and ``<end>``). Adam with a one-cycle learning
    rate schedule peaking at ``lr``; batches drawn with replacement from a generator seeded
    with ``seed``, so a run is reproducible. Stops with ``FloatingPointError`` on a NaN loss.
    ``progress``: a progress bar (off under CI).

    Args:
        images: [N, 3, H, W]; tokens: int64 [N, T] from ``encode_captions``.
    """
    steps = as_number(steps, "steps", minimum=1, integer=True)
    batch_size = as_number(batch_size, "batch_size", minimum=1, integer=True)
    lr = as_number(lr, "lr", minimum=0.0)
    images = model.check_images(images)
    tokens = model.check_tokens(tokens, shape=(len(images), "T"), why="one caption per image")
    if tokens.shape[1] < 2:
        raise ValueError(f"tokens must hold <start>, the words and <end> (T >= 2), got shape "
                         f"{tuple(tokens.shape)}")
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    generator = torch.Generator().manual_seed(as_number(seed, "seed", minimum=0, integer=True))
    model.train()
    losses, cpu, wall = [], time.process_time(), time.perf_counter()
    for step in progress_bar(range(steps), desc="training steps", leave=False,
                             disable=None if progress else True):
        idx = torch.randint(len(images), (batch_size,), generator=generator)
        x, t = images[idx], tokens[idx]
        loss = caption_loss(model(x, t[:, :-1]), t[:, 1:], pad=model.vocab.pad)  # teacher forcing
        if not torch.isfinite(loss):
            raise FloatingPointError(f"loss became {loss.item()} at step {step}: lower lr")
        opt.zero_grad()
        loss.backward()
        opt.step()
        schedule.step()
        losses.append(loss.item())
    model.eval()
    return TrainingRun(losses, time.process_time() - cpu, time.perf_counter() - wall)


@torch.no_grad()
def greedy_decode(model: Captioner, images: torch.Tensor, *,
                  max_len: int = 20) -> list[list[int]]:
    """The most probable word at every step, fed back in, for a batch; ids without <end>."""
    max_len = as_number(max_len, "max_len", minimum=1, integer=True)
    _check_model(model)
    model.eval()
    state = model.init_state(images)
    token = torch.full((len(images),), model.vocab.start, dtype=torch.int64)
    out = torch.full((len(images), max_len), model.vocab.end, dtype=torch.int64)
    for t in range(max_len):
        log_probs, state = model.step(token, state)
        token = out[:, t] = log_probs.argmax(dim=-1)
        if (out[:, :t + 1] == model.vocab.end).any(dim=1).all():
            break  # every caption has ended
    return [_until(row.tolist(), model.vocab.end) for row in out]


def _check_model(model) -> None:
    if not isinstance(model, Captioner):
        raise TypeError(f"model must be a Captioner, got {type(model).__name__}")


def _image(model: Captioner, image) -> torch.Tensor:
    """One image [3, S, S] for the model, or a clear error."""
    _check_model(model)
    size = model.image_size
    return as_tensor(image, "image", shape=(3, size, size), dtype=model.head.weight.dtype,
                     why=f"one colour image of image_size {size}: for a batch, pass images[i]")


def _ids(model: Captioner, ids) -> list[int]:
    """A caption's word ids (no <start>), or a clear error."""
    ids = as_array(ids, "ids", shape=(None,), dtype="int")
    if ids.size and (ids.min() < 0 or ids.max() >= len(model.vocab)):
        raise ValueError(f"ids must be word ids 0..{len(model.vocab) - 1}, got values from "
                         f"{ids.min()} to {ids.max()}")
    return ids.tolist()


def _until(ids: list[int], end: int) -> list[int]:
    return ids[:ids.index(end)] if end in ids else ids


def beam_step(scores, log_probs, width: int):
    """One step of beam search: the ``width`` best extensions of the live beams.

    Every beam ``i`` (total log-probability ``scores[i]``) extended by word ``w`` scores
    ``scores[i] + log_probs[i, w]``; keep the ``width`` best of all ``B x V`` extensions.

    Args:
        scores: [B] log-probabilities of the live beams; log_probs: [B, V] of the next word.
        width: how many extensions to keep (at most ``B * V``).

    Returns:
        ``(beam, word, score)``, each [width], best first: extension ``k`` is beam
        ``beam[k]`` followed by word ``word[k]``, with total log-probability ``score[k]``.
    """
    scores = torch.as_tensor(as_array(scores, "scores", shape=(None,), nonempty=True))
    log_probs = as_array(log_probs, "log_probs", finite=False)
    check_shape(log_probs, "log_probs", (len(scores), None), why="one row per beam of scores")
    log_probs = torch.as_tensor(log_probs)
    if torch.isnan(log_probs).any() or (log_probs == math.inf).any():
        raise ValueError("log_probs must be log-probabilities: no NaN or +inf (-inf is a word "
                         "of probability 0)")
    width = as_number(width, "width", minimum=1, maximum=log_probs.numel(), integer=True)
    total = (scores[:, None] + log_probs).reshape(-1)  # log p(beam) + log p(word | beam)
    best, flat = torch.topk(total, width)  # ties: torch.topk's order
    return flat // log_probs.shape[1], flat % log_probs.shape[1], best


class Beam(NamedTuple):
    ids: list[int]  # the caption's word ids (no <start>, no <end>)
    score: float  # its total log-probability (including the <end> step if it ended)
    finished: bool = False  # it ended with <end> (else it was cut at max_len)


@torch.no_grad()
def beam_search(model: Captioner, image: torch.Tensor, *, width: int = 3,
                max_len: int = 20) -> tuple[Beam, list[list[Beam]]]:
    """Beam search for one image [3, H, W]: keep the ``width`` most probable partial captions.

    Each step ranks the extensions of the live beams (``beam_step``, 2 x ``width`` of them);
    one ending in ``<end>`` is a finished caption, set aside; the best others, up to
    ``width``, live on. The search stops when the best live beam can no longer beat the best
    finished caption (log-probabilities only fall), or after ``max_len`` words. Width 1 is
    greedy decoding. Scores are total log-probabilities, not divided by the length.

    Returns:
        The best caption, and for every step the live beams after it (for the widget).
    """
    width = as_number(width, "width", minimum=1, maximum=50, integer=True)
    max_len = as_number(max_len, "max_len", minimum=1, integer=True)
    image = _image(model, image)
    vocab = model.vocab
    model.eval()
    state = model.init_state(image[None])
    beams, finished, history = [Beam([], 0.0)], [], []
    for _ in range(max_len):
        tokens = torch.tensor([b.ids[-1] if b.ids else vocab.start for b in beams])
        log_probs, new_state = model.step(tokens, state)
        rows, words, totals = beam_step(torch.tensor([b.score for b in beams]), log_probs,
                                        min(2 * width, log_probs.numel()))
        live, keep = [], []
        for r, w, s in zip(rows.tolist(), words.tolist(), totals.tolist(), strict=True):
            if w == vocab.end:
                finished.append(Beam(beams[r].ids, s, True))
            elif len(live) < width:
                live.append(Beam(beams[r].ids + [w], s))
                keep.append(r)
        history.append(live)
        best_done = max((b.score for b in finished), default=-math.inf)
        if not live or live[0].score <= best_done:
            break
        beams, state = live, new_state[:, keep]
    return max(finished or beams, key=lambda b: b.score), history


@torch.no_grad()
def step_probabilities(model: Captioner, image: torch.Tensor,
                       ids: Sequence[int]) -> torch.Tensor:
    """Probabilities [len(ids) + 1, V] of the next word after ``<start>`` + each prefix of ids.

    Row ``t`` is the distribution from which word ``t`` was chosen (the last row: the word
    after the caption, ``<end>`` for a finished one).
    """
    image, ids = _image(model, image), _ids(model, ids)
    model.eval()
    tokens = torch.tensor([[model.vocab.start, *ids]])
    return torch.softmax(model(image[None], tokens)[0], dim=-1)


def caption_log_probability(model: Captioner, image: torch.Tensor, ids: Sequence[int], *,
                            finished: bool = True) -> float:
    """``log p(caption | image)``: the sum over its words (and ``<end>`` if ``finished``)."""
    probs = step_probabilities(model, image, ids)
    ids = _ids(model, ids)
    words = [*ids, model.vocab.end] if finished else ids
    return float(torch.log(probs[torch.arange(len(words)), words]).sum())


def caption_images(model: Captioner, images: torch.Tensor, *, width: int | None = None,
                   max_len: int = 20) -> list[str]:
    """Captions of images [N, 3, H, W]: greedy (``width=None``) or beam search of ``width``."""
    _check_model(model)
    images = model.check_images(images)
    if width is None:
        ids = greedy_decode(model, images, max_len=max_len)
    else:
        ids = [beam_search(model, image, width=width, max_len=max_len)[0].ids
               for image in images]
    return [detokenize(model.vocab.decode(row)) for row in ids]


# --- scenes a student composes (the widget's editor) ---------------------------------------

class Shape(NamedTuple):
    """One object of a composed scene: its kind, colour name, centre (pixels) and half-size."""

    kind: str  # one of course_utils.data.scenes.SHAPES
    colour: str  # a key of course_utils.data.scenes.COLOURS
    x: float
    y: float
    half: float


def compose_scene(shapes: Sequence[Shape], *, size: int = 32, seed: int = 0,
                  noise: float = 0.03):
    """A ``Scene`` painted from given shapes, in order (later ones cover earlier ones).

    The same drawing rules as ``make_scenes`` (grey background, pixel noise, boxes around
    the visible pixels, the caption naming the visible shapes from left to right), so a
    captioner trained on those scenes can be asked about a scene the student built.
    An object covered completely is left out of the boxes and the caption.
    """
    import numpy as np

    from course_utils.data.scenes import COLOURS, SHAPES, Scene, _caption, _shape_mask

    size = as_number(size, "size", minimum=16, maximum=1024, integer=True)
    rng = np.random.default_rng(as_number(seed, "seed", minimum=0, integer=True))
    image = np.full((size, size, 3), 0.35, np.float32)
    owner = np.full((size, size), -1, np.int64)
    if isinstance(shapes, str) or not isinstance(shapes, list | tuple):
        raise TypeError(f"shapes must be a list of Shape(kind, colour, x, y, half), got "
                        f"{type(shapes).__name__}")
    for k, s in enumerate(shapes):
        if not isinstance(s, Shape):
            raise TypeError(f"shapes[{k}] must be a Shape(kind, colour, x, y, half), got "
                            f"{s!r:.60}")
        if s.kind not in SHAPES or s.colour not in COLOURS:
            raise ValueError(f"shapes[{k}] must have kind in {SHAPES} and colour in "
                             f"{tuple(COLOURS)}, got {s.kind!r}, {s.colour!r}")
        owner[_shape_mask(s.kind, float(s.x), float(s.y), float(s.half), size)] = k
    visible = [k for k in range(len(shapes)) if (owner == k).any()]
    masks = np.stack([owner == k for k in visible]) if visible else np.zeros((0, size, size),
                                                                             bool)
    for k, mask in zip(visible, masks, strict=True):
        image[mask] = COLOURS[shapes[k].colour]
    image = np.clip(image + rng.normal(0.0, noise, image.shape).astype(np.float32), 0.0, 1.0)
    boxes = np.zeros((len(visible), 4), np.float32)
    for j, mask in enumerate(masks):
        rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
        boxes[j] = (cols[0], rows[0], cols[-1] + 1, rows[-1] + 1)
    labels = np.array([SHAPES.index(shapes[k].kind) + 1 for k in visible], np.int64)
    colours = tuple(shapes[k].colour for k in visible)
    caption = _caption(labels, colours, boxes) if visible else "nothing"
    return Scene(image, boxes, labels, masks, colours, caption)
