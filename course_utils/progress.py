"""A progress bar for training loops (tqdm.auto: a widget in Jupyter, text in a terminal).

Used by the training notebooks (05 onwards): ``for epoch in progress(range(n), desc="epochs")``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from tqdm.auto import tqdm

_TRUE = {"1", "true", "yes", "on"}


def progress_disabled() -> bool:
    """True under CI or with ``TQDM_DISABLE`` set: tqdm's notebook bar ignores that variable."""
    return any(os.environ.get(name, "").strip().lower() in _TRUE for name in ("CI", "TQDM_DISABLE"))


def progress(
    iterable: Iterable[Any] | None = None,
    *,
    total: int | None = None,
    desc: str | None = None,
    leave: bool = True,
    disable: bool | None = None,
) -> tqdm:
    """Wrap ``iterable`` in a tqdm bar; ``disable=None`` means "off under CI / TQDM_DISABLE"."""
    if total is not None and (not isinstance(total, int) or total < 0):
        raise ValueError(f"total must be a non-negative int or None, got {total!r}")
    if disable is None:
        disable = progress_disabled()
    return tqdm(iterable, total=total, desc=desc, leave=leave, disable=disable)
