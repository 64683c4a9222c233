"""course_utils.grading on a synthetic class: right, wrong, stubs, a hang, edited cells, a
corrupted file, and each way of faking a pass. Notebook 00's two exercises are the
assignment (its solutions need only numpy), so a student's notebook runs in seconds."""

import csv
import time

import nbformat
import pytest

from course_utils.grading import (
    find_submissions,
    grade_class,
    notebook_number,
)

IMPORTS = "import numpy as np\nfrom course_utils.checks import check"
GRAY = ("def to_grayscale(image):\n"
        "    return np.asarray(image, dtype=np.float64) / 255 @ "
        "np.array([0.2125, 0.7154, 0.0721])")
BOX = ("def box_from_mask(mask):\n    rows, cols = np.nonzero(mask)\n"
       "    return cols.min(), rows.min(), cols.max() + 1, rows.max() + 1")
WRONG_GRAY = "def to_grayscale(image):\n    return np.asarray(image).mean(axis=-1) / 255"
WRONG_BOX = ("def box_from_mask(mask):\n    rows, cols = np.nonzero(mask)\n"
             "    return cols.min(), rows.min(), cols.max(), rows.max()")
STUB_GRAY = "def to_grayscale(image):\n    raise NotImplementedError"
STUB_BOX = "def box_from_mask(mask):\n    raise NotImplementedError"
CHECKS = ['check("00.to_grayscale", to_grayscale)', 'check("00.box_from_mask", box_from_mask)']
PASS_LINE = 'print("✅ 00.to_grayscale (convert a photo to grayscale): correct, well done")'

CLASS = {
    "right": [IMPORTS, GRAY, CHECKS[0], BOX, CHECKS[1]],
    "wrong": [IMPORTS, WRONG_GRAY, CHECKS[0], WRONG_BOX, CHECKS[1]],
    "stubs": [IMPORTS, STUB_GRAY, CHECKS[0], STUB_BOX, CHECKS[1]],
    # an endless top-level cell is interrupted; the answers after it are still graded
    "hangs": [IMPORTS, "while True:\n    pass", GRAY, BOX],
    # cells moved, duplicated and deleted: the last definition that ran counts
    "edited": [IMPORTS, BOX, WRONG_GRAY, "x = 1 / 0", GRAY, WRONG_GRAY + "  # old",
               GRAY + "  # fixed", CHECKS[0]],
    # tricks: none of them may turn a wrong answer into a pass
    "edits_check": [IMPORTS, WRONG_GRAY, WRONG_BOX,
                    'check("00.to_grayscale", lambda im: np.asarray(im, dtype=float) / 255 @ '
                    'np.array([0.2125, 0.7154, 0.0721]))'],
    "redefines_check": [IMPORTS, "def check(*args, **kwargs):\n    return 'correct, well done'",
                        WRONG_GRAY, WRONG_BOX, *CHECKS],
    "prints_pass": [IMPORTS, WRONG_GRAY, WRONG_BOX, PASS_LINE],
    "monkeypatches": [IMPORTS, "import course_utils.checks as c\n"
                      "c._run = lambda ex, answer: ('pass', 'correct, well done')\n"
                      "import course_utils.exercises as e\n"
                      "for ex in e._REGISTRY.values():\n"
                      "    object.__setattr__(ex, 'test', lambda answer: None)",
                      WRONG_GRAY, WRONG_BOX, *CHECKS],
}
EXPECTED = {
    "right": ("pass", "pass"), "wrong": ("fail", "fail"),
    "stubs": ("not attempted", "not attempted"), "hangs": ("pass", "pass"),
    "edited": ("pass", "pass"), "edits_check": ("fail", "fail"),
    "redefines_check": ("fail", "fail"), "prints_pass": ("fail", "fail"),
    "monkeypatches": ("fail", "fail"), "corrupted": ("not attempted", "not attempted"),
}


def _write_class(root):
    for student, cells in CLASS.items():
        folder = root / student / "week0"  # nbgrader's <student>/<assignment>/ layout
        folder.mkdir(parents=True)
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
        nbformat.write(nb, folder / "00_welcome.ipynb")
    (root / "corrupted.ipynb").write_text('{"cells": [ this is not json')  # a file per student


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    _write_class(root / "in")
    started = time.monotonic()
    grades = grade_class(root / "in", root / "out", workers=2, cell_timeout=20, progress=False)
    return root / "out", grades, time.monotonic() - started


def test_every_student_gets_the_true_verdict_whatever_the_notebook_claims(graded):
    out, grades, took = graded
    with open(out / "grades.csv", newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert set(rows) == set(EXPECTED)
    for student, (gray, box) in EXPECTED.items():
        got = (rows[student]["00.to_grayscale"], rows[student]["00.box_from_mask"])
        assert got == (gray, box), f"{student}: {got}, expected {(gray, box)}"
    assert rows["right"]["total"] == "2" and rows["wrong"]["total"] == "0"
    assert int(rows["right"]["out_of"]) >= 2
    print(f"graded {len(grades)} notebooks in {took:.1f} s")


def test_problems_are_recorded_not_crashed(graded):
    out, grades, _ = graded
    problems = {g.submission.student: " ".join(g.problems) for g in grades}
    assert "ran past 20 s and was interrupted" in problems["hangs"]
    assert "raised ZeroDivisionError" in problems["edited"]
    assert "not a readable notebook" in problems["corrupted"]
    with open(out / "grades.csv", newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert "not a readable notebook" in rows["corrupted"]["problems"]


def test_feedback_file_gives_each_verdict_and_hint(graded):
    out, _, _ = graded
    text = (out / "feedback" / "wrong.md").read_text()
    assert "# Feedback for wrong" in text and "**00.to_grayscale**: fail" in text
    assert "Hint:" in text
    assert "0 of" in text
    assert "**00.to_grayscale**: pass" in (out / "feedback" / "right.md").read_text()


def test_layouts_and_notebook_numbers(tmp_path):
    (tmp_path / "ada_1234_5678_01_perceptron.ipynb").write_text("{}")  # Canvas
    (tmp_path / "Grace Hopper_42_assignsubmission_file_").mkdir()  # Moodle
    (tmp_path / "Grace Hopper_42_assignsubmission_file_" / "nb.ipynb").write_text("{}")
    (tmp_path / "alan.ipynb").write_text("{}")
    found = {s.student: s.path.name for s in find_submissions(tmp_path)}
    assert found == {"ada": "ada_1234_5678_01_perceptron.ipynb", "Grace Hopper": "nb.ipynb",
                     "alan": "alan.ipynb"}
    names = {"00": {"to_grayscale"}, "01": {"nand_weights", "perceptron_update"}}
    assert notebook_number(tmp_path / "ada_1_2_01_perceptron.ipynb", "", answer_names=names) \
        == "01"
    assert notebook_number(tmp_path / "x.ipynb", 'check("00.to_grayscale", f)',
                           answer_names=names) == "00"
    assert notebook_number(tmp_path / "x.ipynb", "def nand_weights():", answer_names=names) \
        == "01"
    assert notebook_number(tmp_path / "x.ipynb", "print(1)", answer_names=names) is None


def test_bad_input_gets_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no folder of submissions"):
        find_submissions(tmp_path / "missing")
    with pytest.raises(ValueError, match="no notebooks"):
        grade_class(tmp_path, tmp_path / "out")
