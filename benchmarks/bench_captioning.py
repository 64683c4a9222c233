"""Widget interactions of notebook 14 for ``make bench`` (an untrained captioner: same cost)."""

from course_utils.widgets import CaptionExplorer


def interactions():
    w = CaptionExplorer()
    yield "CaptionExplorer: next scene (greedy)", lambda: setattr(
        w.scene, "value", (w.scene.value + 1) % (w.scene.max + 1))
    w.decoding.value = "beam"
    yield "CaptionExplorer: next scene (beam of 3)", lambda: setattr(
        w.scene, "value", (w.scene.value + 1) % (w.scene.max + 1))
    yield "CaptionExplorer: next word", lambda: setattr(
        w.step, "value", w.step.value % w.step.max + 1)
    w.decoding.value = "greedy"
    yield "CaptionExplorer: move a shape of your scene", lambda: setattr(
        w.x, "value", (w.x.value + 3) % w.x.max)
    yield "CaptionExplorer: recolour a shape of your scene", lambda: setattr(
        w.colour, "value", w.colour.options[(w.colour.options.index(w.colour.value) + 1)
                                            % len(w.colour.options)])


def time_to_accuracy():
    """Notebook 14's captioner, trained as the notebook trains it (1500 steps of 64)."""
    import torch

    from course_utils.captioning import (
        Captioner,
        Vocabulary,
        caption_images,
        encode_captions,
        train_captioner,
    )
    from course_utils.data.scenes import make_scenes, scenes_to_tensors
    from course_utils.metrics.captioning import exact_match

    train, test = make_scenes(16000, size=32, seed=1), make_scenes(500, size=32, seed=2)
    vocab = Vocabulary.from_captions([s.caption for s in train])
    tokens = encode_captions([s.caption for s in train], vocab)
    torch.manual_seed(0)
    model = Captioner(vocab)
    run = train_captioner(model, scenes_to_tensors(train)[0], tokens, steps=1500, seed=0)
    exact = exact_match(caption_images(model, scenes_to_tensors(test)[0]),
                        [s.caption for s in test])
    yield {"model": "14 CNN + GRU captioner, scenes 32x32", "target": "exact greedy captions 0.7",
           "seconds": run.seconds if exact >= 0.7 else None,
           "final": f"{exact:.3f} after {run.seconds:.0f} s ({run.cpu_seconds:.0f} CPU s), "
                    "1500 steps"}
