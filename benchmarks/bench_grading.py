"""make bench: grading a class of submissions of one notebook (``course_utils.grading``).

The class is notebook 00 as a student hands it in: the whole notebook (the student copy, so
solutions removed) with both answers written in, one copy per student, half of them right.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "00_welcome.ipynb"
ANSWERS = {  # exercise stub's first line -> a student's answer (right, or wrong)
    "def to_grayscale(image):": (
        "def to_grayscale(image):\n    return np.asarray(image, dtype=np.float64) / 255 @ "
        "np.array([0.2125, 0.7154, 0.0721])",
        "def to_grayscale(image):\n    return np.asarray(image).mean(axis=-1) / 255"),
    "def box_from_mask(mask):": (
        "def box_from_mask(mask):\n    rows, cols = np.nonzero(mask)\n"
        "    return cols.min(), rows.min(), cols.max() + 1, rows.max() + 1",
        "def box_from_mask(mask):\n    rows, cols = np.nonzero(mask)\n"
        "    return cols.min(), rows.min(), cols.max(), rows.max()"),
}


def _submission(right: bool) -> dict:
    from course_utils.release import student_copy

    nb = student_copy(json.loads(NOTEBOOK.read_text()))
    for cell in nb["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for stub, (good, bad) in ANSWERS.items():
            if cell["cell_type"] == "code" and source.startswith(stub):
                cell["source"] = good if right else bad
    return nb


def grading(students: int = 100) -> dict:
    """Grade ``students`` submissions of notebook 00 on two workers; seconds in all and each."""
    from course_utils.grading import grade_class

    with tempfile.TemporaryDirectory() as tmp:
        for i in range(students):
            folder = Path(tmp) / "in" / f"student{i:03d}"
            folder.mkdir(parents=True)
            (folder / NOTEBOOK.name).write_text(json.dumps(_submission(i % 2 == 0)))
        start = time.perf_counter()
        grades = grade_class(Path(tmp) / "in", Path(tmp) / "out", workers=2)
        took = time.perf_counter() - start
    passed = sum(v[0] == "pass" for g in grades for v in g.verdicts.values())
    return {"students": students, "seconds": took, "per_student": took / students,
            "passes": passed, "expected_passes": 2 * ((students + 1) // 2)}


if __name__ == "__main__":
    import sys

    print(grading(int(sys.argv[1]) if len(sys.argv) > 1 else 100))
