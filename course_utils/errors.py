"""Clear errors shared by every module: say what was wrong and what would be right."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "unknown_name",
]


def unknown_name(
    kind: str, name: object, known: Iterable[str], *, listed: str = "Available"
) -> ValueError:
    """A ValueError for a name that is not one of ``known``: lists them, suggests the closest.

    Example: ``unknown photo 'chelsae'. Did you mean 'chelsea'? Available: astronaut, ...``
    """
    known = list(known)
    close = difflib.get_close_matches(str(name), known, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return ValueError(f"unknown {kind} {name!r}.{hint} {listed}: {', '.join(known) or 'none'}")
