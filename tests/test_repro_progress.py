"""course_utils.repro and course_utils.progress."""

import random

import numpy as np
import pytest
import torch

from course_utils.progress import progress, progress_disabled
from course_utils.repro import device, numpy_rng, seed_everything


def _draws():
    return random.random(), np.random.rand(), torch.rand(1).item()


def test_seed_everything_repeats_every_generator():
    seed_everything(7)
    first = _draws()
    seed_everything(7)
    assert _draws() == first
    seed_everything(8)
    assert _draws() != first
    assert torch.are_deterministic_algorithms_enabled()
    assert torch.is_deterministic_algorithms_warn_only_enabled()


@pytest.mark.parametrize(("seed", "error"), [(-1, ValueError), (2**32, ValueError),
                                             (1.5, TypeError), ("0", TypeError), (True, TypeError)])
def test_seed_everything_bad_seed(seed, error):
    with pytest.raises(error, match="seed must be"):
        seed_everything(seed)


def test_device_prefers_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert device().type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert device().type == "mps"
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert device().type == "cpu"


def test_numpy_rng_is_independent_of_global_state():
    assert numpy_rng(3).random() == numpy_rng(3).random()
    with pytest.raises(ValueError, match="non-negative int"):
        numpy_rng(-2)


def test_progress_counts_and_respects_ci(monkeypatch):
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    monkeypatch.setenv("CI", "true")
    assert progress_disabled()
    bar = progress(range(5), desc="x")
    assert list(bar) == [0, 1, 2, 3, 4] and bar.disable
    monkeypatch.setenv("CI", "")
    assert not progress_disabled()
    assert not progress(range(2), disable=False).disable
    with pytest.raises(ValueError, match="total must be a non-negative int"):
        progress(total=-1)
