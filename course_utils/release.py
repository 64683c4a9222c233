"""The student release: every notebook without its solution cells, for an instructor to hand out.

``make student`` (``python -m course_utils student OUT_DIR``) writes a copy of each notebook
with the cells tagged ``solution`` removed; the exercise stubs (tagged ``exercise``) and the
``check(...)`` cells stay, so the checker answers "not attempted yet" until the student writes
an answer. For the copy to run top to bottom, no cell after an exercise may use the student's
answer: ``answer_uses`` finds the cells that do (a hygiene test keeps the list empty), and
``make test`` runs every student copy under nbval.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from course_utils.hygiene import _source

SOLUTION_TAG = "solution"
EXERCISE_TAG = "exercise"
_CHECK = re.compile(r"""check\(\s*["'](\d+)\.(\w+)["']""")


def _tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def student_copy(nb: dict) -> dict:
    """The notebook ``nb`` (nbformat JSON as a dict) without its solution cells."""
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise TypeError("student_copy takes a notebook as a dict with a 'cells' list "
                        "(json.load of an .ipynb)")
    copy = dict(nb)
    copy["cells"] = [cell for cell in nb["cells"] if SOLUTION_TAG not in _tags(cell)]
    copy["metadata"] = {**nb.get("metadata", {}), "course_release": "student"}
    return copy


def answer_uses(nb: dict) -> list[str]:
    """Cells after an exercise that use its answer (and so fail in the student copy).

    An exercise's answer is the name its ``check("NN.name", name)`` cell checks. Any later
    code cell that mentions the name, other than check and solution cells, is listed.
    """
    problems, answers = [], {}
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        src = _source(cell)
        if SOLUTION_TAG in _tags(cell) or EXERCISE_TAG in _tags(cell):
            continue
        checked = {name for _, name in _CHECK.findall(src)}
        answers.update(dict.fromkeys(checked, i))
        for name, first in answers.items():
            if name not in checked and re.search(rf"\b{name}\b", src):
                problems.append(f"cell {i} uses '{name}', the answer to the exercise checked "
                                f"in cell {first}: the student copy has no solution there")
    return problems


def _is_student_copy(path: Path) -> bool:
    try:
        return json.loads(path.read_text(encoding="utf-8"))["metadata"].get(
            "course_release") == "student"
    except (ValueError, KeyError, AttributeError):
        return False


def write_student_release(notebooks: str | Path, out_dir: str | Path) -> list[Path]:
    """Write the student copy of every ``*.ipynb`` in ``notebooks`` into ``out_dir``."""
    notebooks, out_dir = Path(notebooks), Path(out_dir)
    sources = sorted(notebooks.glob("*.ipynb"))
    if not sources:
        raise FileNotFoundError(f"no notebooks (*.ipynb) in {notebooks}")
    if out_dir.resolve() == notebooks.resolve():
        raise ValueError("the student release must go to another folder than the notebooks "
                         "it is made from")
    out_dir.mkdir(parents=True, exist_ok=True)
    names = {path.name for path in sources}
    for old in out_dir.glob("*.ipynb"):  # a student copy of a notebook since removed
        if old.name not in names and _is_student_copy(old):
            old.unlink()
    written = []
    for path in sources:
        nb = student_copy(json.loads(path.read_text(encoding="utf-8")))
        target = out_dir / path.name
        target.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(target)
    return written
