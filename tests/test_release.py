"""The student release: solutions out, stubs and checks in, nothing later needs an answer."""

import json

import pytest

from course_utils.release import answer_uses, student_copy, write_student_release
from tests.notebook_cells import NOTEBOOKS

ALL = sorted(NOTEBOOKS.glob("*.ipynb"))


def _cell(source, tags=()):
    return {"cell_type": "code", "source": source, "metadata": {"tags": list(tags)},
            "outputs": [], "execution_count": None}


def _nb(*cells):
    return {"cells": list(cells), "metadata": {"kernelspec": {"name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5}


EXERCISE = _nb(_cell("def area(r):\n    raise NotImplementedError", ["exercise"]),
               _cell('check("09.area", area)'),
               _cell("def area(r):\n    return 3.14 * r * r\ncheck(\"09.area\", area, strict=True)",
                     ["solution"]),
               _cell("x = 2"))


def test_student_copy_drops_only_the_solution_cells():
    copy = student_copy(EXERCISE)
    assert [c["source"] for c in copy["cells"]] == [
        EXERCISE["cells"][i]["source"] for i in (0, 1, 3)]
    assert copy["metadata"]["course_release"] == "student"
    assert len(EXERCISE["cells"]) == 4  # the original is untouched


def test_a_cell_using_the_answer_after_its_exercise_is_found():
    assert answer_uses(EXERCISE) == []
    used = _nb(*EXERCISE["cells"], _cell("print(area(2))"), _cell("areas = 1"))
    (problem,) = answer_uses(used)
    assert problem.startswith("cell 4 uses 'area'")  # a word match: 'areas' is not 'area'


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_no_notebook_cell_uses_a_students_answer(path):
    assert answer_uses(json.loads(path.read_text())) == []


def test_release_writes_every_notebook_with_stubs_and_checks_but_no_solution(tmp_path):
    written = write_student_release(NOTEBOOKS, tmp_path)
    assert [p.name for p in written] == [p.name for p in ALL]
    for original, copy in zip(ALL, written, strict=True):
        cells = json.loads(original.read_text())["cells"]
        kept = json.loads(copy.read_text())["cells"]
        tags = [c["metadata"].get("tags", []) for c in kept]
        assert not any("solution" in t for t in tags)
        assert sum("exercise" in t for t in tags) == sum(
            "exercise" in c["metadata"].get("tags", []) for c in cells) >= 2
        assert len(kept) == len(cells) - sum("solution" in c["metadata"].get("tags", [])
                                              for c in cells)


def test_release_removes_stale_student_copies_but_nothing_else(tmp_path):
    (tmp_path / "99_gone.ipynb").write_text(json.dumps(student_copy(EXERCISE)))
    (tmp_path / "mine.ipynb").write_text(json.dumps(EXERCISE))
    write_student_release(NOTEBOOKS, tmp_path)
    assert not (tmp_path / "99_gone.ipynb").exists()
    assert (tmp_path / "mine.ipynb").exists()


def test_bad_input_gets_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no notebooks"):
        write_student_release(tmp_path, tmp_path / "out")
    with pytest.raises(ValueError, match="another folder"):
        write_student_release(NOTEBOOKS, NOTEBOOKS)
    with pytest.raises(TypeError, match="'cells' list"):
        student_copy(["not", "a", "notebook"])
