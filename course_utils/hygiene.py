"""Notebook hygiene: what a committed notebook must look like, and how to strip one.

Committed notebooks carry no outputs and no execution counts (nbval's "unrun cell has
outputs" trap), use the ``python3`` kernelspec, and end no code cell in ``;`` (nbval does
not honour it). ``python -m course_utils strip notebooks/*.ipynb`` fixes the first two.
"""

from __future__ import annotations

import json
from pathlib import Path

MAX_CELL_LINES = 15


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def notebook_problems(path: str | Path) -> list[str]:
    """Every hygiene problem in the notebook at ``path``, one readable line each."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    problems = []
    kernel = nb.get("metadata", {}).get("kernelspec", {}).get("name")
    if kernel != "python3":
        problems.append(f"kernelspec is {kernel!r}, must be 'python3'")
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        src = _source(cell)
        if cell.get("outputs"):
            problems.append(f"cell {i} has stored outputs (run `make strip`)")
        if cell.get("execution_count") is not None:
            problems.append(f"cell {i} has an execution count (run `make strip`)")
        if src.rstrip().endswith(";"):
            problems.append(f"cell {i} ends in ';', which nbval ignores: use `_ = ...`")
        if src.lstrip().startswith(("!pip", "%pip")):
            problems.append(f"cell {i} installs packages: setup belongs in `make lab`")
        if len(src.strip().splitlines()) > MAX_CELL_LINES:
            problems.append(f"cell {i} has over {MAX_CELL_LINES} lines: move code to course_utils")
    return problems


def strip_notebook(path: str | Path) -> bool:
    """Remove outputs and execution counts in place; return True if the file changed."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    nb = json.loads(text)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cell.get("metadata", {}).pop("execution", None)
    new = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text
