"""Committed notebooks: stripped, python3 kernel, course structure (STYLE.md, "A notebook")."""

import json
from pathlib import Path

import pytest

from course_utils.hygiene import notebook_problems, strip_notebook
from tests.notebook_cells import NOTEBOOKS, cells

ALL = sorted(NOTEBOOKS.glob("*.ipynb"))


def test_there_are_notebooks():
    assert [p.name[:2] for p in ALL][:2] == ["00", "01"]


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_notebook_is_clean(path):
    assert notebook_problems(path) == []


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_notebook_structure(path):
    cs = cells(path)
    assert cs[0]["cell_type"] == "markdown" and cs[0]["text"].startswith("# ")
    assert "learn" in cs[0]["text"].lower()
    imports = cs[1]["text"]
    assert cs[1]["cell_type"] == "code" and "seed_everything(0)" in imports
    assert "import *" not in imports
    later = [c["text"] for c in cs[2:] if c["cell_type"] == "code"]
    assert not any(line.startswith(("import ", "from ")) for t in later for line in t.splitlines())
    assert "summary" in cs[-1]["text"].lower()
    assert len([c for c in cs if "exercise" in c.get("metadata", {}).get("tags", [])]) >= 2


def test_problems_are_found_and_strip_fixes_them(tmp_path):
    nb = {"cells": [{"cell_type": "code", "source": "x = 1;", "metadata": {},
                     "execution_count": 3, "outputs": [{"output_type": "stream",
                                                        "name": "stdout", "text": "1"}]}],
          "metadata": {"kernelspec": {"name": "conda-env"}}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "dirty.ipynb"
    path.write_text(json.dumps(nb))
    found = " | ".join(notebook_problems(path))
    for words in ("kernelspec is 'conda-env'", "stored outputs", "execution count", "ends in ';'"):
        assert words in found
    assert strip_notebook(path) and not strip_notebook(path)
    assert len(notebook_problems(path)) == 2  # kernelspec and ';' need a person


def test_strip_keeps_sources(tmp_path):
    src = Path(ALL[0])
    copy = tmp_path / src.name
    copy.write_text(src.read_text())
    strip_notebook(copy)
    assert [c["text"] for c in cells(copy)] == [c["text"] for c in cells(src)]
