"""Grading a class: every submitted notebook run headless, every exercise checked by id.

``make grade SUBMISSIONS=dir OUT=dir`` (``python -m course_utils grade SUBMISSIONS OUT``)
writes ``OUT/grades.csv`` (one row per student, one column per exercise: pass / fail /
not attempted, then the total) and ``OUT/feedback/<student>.md`` (each exercise's verdict
and hint, and what went wrong while the notebook ran).

Layouts read (any mix of them in one folder):

- one folder per student, notebooks anywhere inside it: nbgrader's
  ``submitted/<student>/<assignment>/<notebook>.ipynb`` (pass ``submitted``), a Moodle bulk
  download (``<Full Name>_<id>_assignsubmission_file_/<notebook>.ipynb``), or plain
  ``<student>/<notebook>.ipynb``; the student is the folder's name;
- one file per student at the top: ``<student>.ipynb``, or a Canvas bulk download's
  ``<student>_<id>_<submission id>_<notebook>.ipynb`` (also ``<student>_LATE_...``).

The notebook a file is (its exercises) comes from its name (``01_perceptron.ipynb`` ->
notebook 01), else from the exercise ids its ``check`` calls name, else from the answer
functions it defines; ``--notebook NN`` says it outright.

How a verdict is reached, so that it cannot be faked: the student's notebook runs on a fresh
kernel (one thread, a time limit per cell and per notebook, errors allowed: a failing cell
does not stop it); then each exercise's answer function, found by the name the exercise asks
for (the last definition the notebook ran wins, wherever its cell was), is serialised with
``cloudpickle`` and checked by the course's own checker in a separate fresh Python process
that never ran the notebook. The notebook's own ``check`` calls and what they printed are
ignored, so editing them, redefining ``check``, printing a pass line or monkeypatching
``course_utils`` in the notebook changes nothing. (A student who ships code that runs when
the answer is unpickled is beyond this; grade such a class with a sandbox.)
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

NOT_ATTEMPTED = "not attempted"
_CANVAS = re.compile(r"^(?P<student>[^_]+)_(?:LATE_)?\d+_\d+_(?P<rest>.+)$")
_NUMBER = re.compile(r"^(\d\d)[_\-. ]")
_CHECK_ID = re.compile(r"""check\(\s*["'](\d\d)\.\w+["']""")


@dataclass(frozen=True)
class Submission:
    """One notebook handed in by one student."""

    student: str
    path: Path


@dataclass
class NotebookGrade:
    """The verdicts for one submitted notebook.

    Attributes:
        verdicts: exercise id -> (status, message), status "pass", "fail" or "not attempted".
        problems: what went wrong while running it (a cell's error, a time-out, a bad file).
    """

    submission: Submission
    notebook: str | None
    verdicts: dict[str, tuple[str, str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


def find_submissions(folder: str | Path) -> list[Submission]:
    """Every submitted notebook under ``folder``, with its student (layouts: module doc)."""
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"no folder of submissions at {str(root)!r}")
    found = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            notebooks = sorted(p for p in entry.rglob("*.ipynb")
                               if ".ipynb_checkpoints" not in p.parts)
            found += [Submission(_student_of_folder(entry.name), p) for p in notebooks]
        elif entry.suffix == ".ipynb":
            match = _CANVAS.match(entry.stem)
            found.append(Submission(match["student"] if match else entry.stem, entry))
    return found


def _student_of_folder(name: str) -> str:
    # Moodle: "Ada Lovelace_12345_assignsubmission_file_" -> "Ada Lovelace"
    return re.sub(r"_\d+_assignsubmission_\w*$", "", name)


def notebook_number(path: Path, text: str, *, answer_names: dict[str, set[str]]) -> str | None:
    """The course notebook ("01") a submitted file is, from its name, checks or definitions."""
    name = path.name
    match = _CANVAS.match(path.stem)
    if match:
        name = match["rest"]
    if (number := _NUMBER.match(name)) and number[1] in answer_names:
        return number[1]
    ids = [n for n in _CHECK_ID.findall(text) if n in answer_names]
    if ids:
        return max(set(ids), key=ids.count)
    defined = set(re.findall(r"def\s+(\w+)\s*\(", text))
    best = max(answer_names, key=lambda n: len(answer_names[n] & defined), default=None)
    return best if best is not None and answer_names[best] & defined else None


def _answer_names() -> dict[str, dict[str, str]]:
    """Notebook number -> {exercise id: answer name}, from the exercise registry."""
    from course_utils.checks import all_exercises

    names: dict[str, dict[str, str]] = {}
    for ex in all_exercises().values():
        names.setdefault(ex.id.split(".")[0], {})[ex.id] = ex.answer_name
    return names


_EXTRACT = """
import cloudpickle as _grader_cp
_grader_out = {{}}
for _grader_name in {names!r}:
    _grader_obj = globals().get(_grader_name)
    if _grader_obj is None:
        continue
    try:
        _grader_out[_grader_name] = _grader_cp.dumps(_grader_obj)
    except Exception as _grader_error:
        _grader_out[_grader_name] = f"{{type(_grader_error).__name__}}: {{_grader_error}}"
with open({path!r}, "wb") as _grader_file:
    _grader_file.write(_grader_cp.dumps(_grader_out))
"""


def _kernel_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MPLBACKEND="Agg", PYDEVD_DISABLE_FILE_VALIDATION="1")
    return env


def run_notebook(nb, workdir: Path, answers_path: Path, names: list[str], *,
                 cell_timeout: float, notebook_timeout: float) -> list[str]:
    """Run ``nb``'s code cells on a fresh kernel, then pickle the answers to ``answers_path``.

    Returns the problems met: cells that raised, ran past ``cell_timeout`` (interrupted, the
    run goes on), or did not run because ``notebook_timeout`` was spent, or a dead kernel.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    client = NotebookClient(nb, timeout=int(cell_timeout), kernel_name="python3",
                            allow_errors=True, interrupt_on_timeout=True,
                            resources={"metadata": {"path": str(workdir)}})
    problems: list[str] = []
    started = time.monotonic()
    with client.setup_kernel(env=_kernel_env()):
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            if time.monotonic() - started > notebook_timeout:
                problems.append(f"stopped at cell {index}: the notebook ran past its "
                                f"{notebook_timeout:g} s limit; later cells did not run")
                break
            cell_started = time.monotonic()
            try:
                client.execute_cell(cell, index)
            except DeadKernelError:
                problems.append(f"the kernel died in cell {index} (out of memory, or the "
                                f"cell ended Python); nothing defined could be graded")
                return problems
            if time.monotonic() - cell_started >= cell_timeout:
                problems.append(f"cell {index} ran past {cell_timeout:g} s and was "
                                f"interrupted (an endless loop?)")
            else:
                problems += [f"cell {index} raised {out.get('ename')}: {out.get('evalue')}"[:300]
                             for out in cell.get("outputs", []) if out.output_type == "error"]
        nb.cells.append(nbformat.v4.new_code_cell(
            _EXTRACT.format(names=names, path=str(answers_path))))
        try:
            client.execute_cell(nb.cells[-1], len(nb.cells) - 1)
        except DeadKernelError:
            problems.append("the kernel died before the answers could be collected")
    return problems


def judge(answers_path: Path, ids: dict[str, str], *, timeout: float) -> dict[str, list[str]]:
    """Check the pickled answers in a fresh process that never ran the student's notebook."""
    command = [sys.executable, "-m", "course_utils.grading", "judge", str(answers_path),
               json.dumps(ids)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              env=_kernel_env())
    except subprocess.TimeoutExpired:
        return {id: ["fail", f"checking took longer than {timeout:g} s"] for id in ids}
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1][:200]
        return {id: ["fail", f"the answers could not be checked: {reason}"] for id in ids}


def _judge_main(answers_path: str, ids_json: str) -> int:
    """The judge process: load each answer and run the course's checker on it."""
    import pickle

    from course_utils.checks import check

    ids: dict[str, str] = json.loads(ids_json)
    blobs = pickle.loads(Path(answers_path).read_bytes()) if Path(answers_path).exists() else {}
    verdicts = {}
    for id, name in ids.items():
        blob = blobs.get(name)
        if blob is None:
            verdicts[id] = [NOT_ATTEMPTED, f"no function called {name} in the notebook"]
            continue
        if isinstance(blob, str):
            verdicts[id] = ["fail", f"{name} could not be taken out of the notebook: {blob}"]
            continue
        try:
            answer = pickle.loads(blob)
        except Exception as error:
            verdicts[id] = ["fail", f"{name} could not be loaded: {type(error).__name__}: "
                                    f"{error}"]
            continue
        result = check(id, answer)
        verdicts[id] = [result.status, result.message]
    print(json.dumps(verdicts))
    return 0


def grade_notebook(submission: Submission, *, notebook: str | None = None,
                   cell_timeout: float = 120, notebook_timeout: float = 600) -> NotebookGrade:
    """Run one submitted notebook and check every exercise of its course notebook."""
    import nbformat

    started = time.monotonic()
    all_names = _answer_names()
    text = submission.path.read_bytes().decode("utf-8", errors="replace")
    number = notebook or notebook_number(
        submission.path, text, answer_names={n: set(a.values()) for n, a in all_names.items()})
    grade = NotebookGrade(submission, number)
    ids = all_names.get(number, {})
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as error:
        grade.problems.append(f"not a readable notebook ({type(error).__name__}: "
                              f"{str(error)[:120]}); nothing ran")
        grade.verdicts = {id: (NOT_ATTEMPTED, "the file could not be read") for id in ids}
        return grade
    if not ids:
        grade.problems.append("could not tell which course notebook this is (name it like "
                              "'01_perceptron.ipynb', or pass --notebook NN)")
        return grade
    with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
        answers = Path(tmp) / "answers.pkl"
        grade.problems += run_notebook(nb, Path(tmp), answers, sorted(set(ids.values())),
                                       cell_timeout=cell_timeout,
                                       notebook_timeout=notebook_timeout)
        limit = 60 + sum(_time_limit(id) for id in ids)
        grade.verdicts = {id: tuple(v) for id, v in judge(answers, ids, timeout=limit).items()}
    grade.seconds = time.monotonic() - started
    return grade


def _time_limit(id: str) -> float:
    from course_utils.checks import get_exercise

    return get_exercise(id).time_limit


def grade_class(folder: str | Path, out: str | Path, *, notebook: str | None = None,
                workers: int = 2, cell_timeout: float = 120, notebook_timeout: float = 600,
                progress: bool = True) -> list[NotebookGrade]:
    """Grade every submission under ``folder``; write ``grades.csv`` and feedback to ``out``."""
    from tqdm.auto import tqdm

    submissions = find_submissions(folder)
    if not submissions:
        raise ValueError(f"no notebooks (.ipynb) under {str(folder)!r}; layouts read: one "
                         f"folder per student, or one file per student (see "
                         f"course_utils.grading)")
    if not (isinstance(workers, int) and workers >= 1):
        raise ValueError(f"workers must be a whole number >= 1, got {workers!r}")
    grades = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(grade_notebook, s, notebook=notebook, cell_timeout=cell_timeout,
                               notebook_timeout=notebook_timeout) for s in submissions]
        for future in tqdm(as_completed(futures), total=len(futures), desc="grading",
                           unit="notebook", disable=not progress):
            grades.append(future.result())
    grades.sort(key=lambda g: (g.submission.student, str(g.submission.path)))
    write_grades(grades, out)
    return grades


def write_grades(grades: list[NotebookGrade], out: str | Path) -> Path:
    """``out/grades.csv``, a row per student, and ``out/feedback/<student>.md``."""
    out = Path(out)
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    ids = sorted({id for g in grades for id in g.verdicts})
    students: dict[str, list[NotebookGrade]] = {}
    for g in grades:
        students.setdefault(g.submission.student, []).append(g)
    path = out / "grades.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student", *ids, "total", "out_of", "problems"])
        for student, theirs in students.items():
            verdicts = {id: v[0] for g in theirs for id, v in g.verdicts.items()}
            passed = sum(verdicts.get(id) == "pass" for id in ids)
            problems = "; ".join(p for g in theirs for p in g.problems)
            writer.writerow([student, *(verdicts.get(id, NOT_ATTEMPTED) for id in ids),
                             passed, len(ids), problems])
            (out / "feedback" / f"{_safe(student)}.md").write_text(_feedback(student, theirs))
    return path


def _safe(name: str) -> str:
    return re.sub(r"[^\w.\- ]", "_", name).strip() or "student"


def _feedback(student: str, grades: list[NotebookGrade]) -> str:
    lines = [f"# Feedback for {student}", ""]
    for g in grades:
        passed = sum(v[0] == "pass" for v in g.verdicts.values())
        lines += [f"## {g.submission.path.name} (notebook {g.notebook or '?'}): "
                  f"{passed} of {len(g.verdicts)} exercises passed", ""]
        lines += [f"- **{id}**: {status}. {message}" for id, (status, message)
                  in sorted(g.verdicts.items())]
        if g.problems:
            lines += ["", "While your notebook ran:", *(f"- {p}" for p in g.problems)]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """``grade SUBMISSIONS OUT [--notebook NN] [--workers N] [--cell-timeout S]``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m course_utils grade")
    parser.add_argument("submissions")
    parser.add_argument("out")
    parser.add_argument("--notebook", help="the course notebook's number, e.g. 01")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cell-timeout", type=float, default=120)
    parser.add_argument("--notebook-timeout", type=float, default=600)
    args = parser.parse_args(argv)
    started = time.monotonic()
    grades = grade_class(args.submissions, args.out, notebook=args.notebook,
                         workers=args.workers, cell_timeout=args.cell_timeout,
                         notebook_timeout=args.notebook_timeout)
    took = time.monotonic() - started
    print(f"graded {len(grades)} notebooks in {took:.0f} s "
          f"({took / len(grades):.1f} s each); wrote {Path(args.out) / 'grades.csv'} and "
          f"{Path(args.out) / 'feedback'}/")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["judge"] and len(sys.argv) == 4:
        sys.exit(_judge_main(sys.argv[2], sys.argv[3]))
    sys.exit(main(sys.argv[1:]))
