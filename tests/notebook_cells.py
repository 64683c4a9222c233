"""Read notebooks' cells for tests: the imports cell, exercise stubs and solution cells.

Conventions (see README, "Writing a notebook"): cell 2 (index 1) is the only imports cell;
an exercise stub cell carries the tag ``exercise`` and defines ``<answer_name>``; its hidden
solution cell carries the tag ``solution``, redefines ``<answer_name>`` and calls
``check("NN.<answer_name>", <answer_name>, strict=True)``.
"""

from __future__ import annotations

import json
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def notebook_for(exercise_id: str) -> Path:
    """The notebook ``notebooks/NN_*.ipynb`` that exercise ``NN.name`` belongs to."""
    number = exercise_id.split(".")[0]
    matches = sorted(NOTEBOOKS.glob(f"{number}_*.ipynb"))
    assert len(matches) == 1, f"expected one notebook {number}_*.ipynb, found {matches}"
    return matches[0]


def cells(path: Path) -> list[dict]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        src = cell["source"]
        cell["text"] = "".join(src) if isinstance(src, list) else src
    return nb["cells"]


def tagged(path: Path, tag: str, answer_name: str) -> dict:
    """The one cell tagged ``tag`` that defines ``def <answer_name>(``."""
    found = [
        c
        for c in cells(path)
        if tag in c.get("metadata", {}).get("tags", []) and f"def {answer_name}(" in c["text"]
    ]
    assert len(found) == 1, f"{path.name}: expected one '{tag}' cell defining {answer_name}"
    return found[0]


def run_cells(path: Path, *extra: dict) -> dict:
    """Execute the imports cell, then ``extra`` cells, in a fresh namespace; return it."""
    namespace: dict = {"__name__": "__notebook__"}
    for cell in (cells(path)[1], *extra):
        exec(compile(cell["text"], f"{path.name}", "exec"), namespace)  # noqa: S102
    return namespace
