"""Wrong answers for every exercise, keyed by exercise id: each must be rejected.

Each topic keeps its own ``tests/wrong_answers_<topic>.py`` with a dict ``WRONG``; they are
all collected here, so a new topic's file needs no registration.
"""

from __future__ import annotations

import importlib
from pathlib import Path


def _collect() -> dict[str, list]:
    found: dict[str, list] = {}
    for path in sorted(Path(__file__).parent.glob("wrong_answers_*.py")):
        module = importlib.import_module(f"tests.{path.stem}")
        for exercise_id, answers in module.WRONG.items():
            found.setdefault(exercise_id, []).extend(answers)
    return found


WRONG_ANSWERS = _collect()
