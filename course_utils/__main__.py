"""``python -m course_utils doctor`` checks this machine; ``assets`` prints the rows of the
data/README.md checksum table; ``map`` prints the course map; ``strip NB...`` cleans notebooks;
``student OUT_DIR`` writes the student release (every notebook without its solution cells);
``grade SUBMISSIONS OUT`` grades a class's notebooks (see ``course_utils.grading``)."""

from __future__ import annotations

import sys
from pathlib import Path

USAGE = ("usage: python -m course_utils doctor | assets | map | strip NOTEBOOK.ipynb [...] | "
         "student OUT_DIR | grade SUBMISSIONS OUT [--notebook NN] [--workers N]")


def _checkout_notebooks(command: str) -> Path | None:
    """The repository's notebooks/, or None (and why, on stderr) in an installed package."""
    notebooks = Path(__file__).resolve().parents[1] / "notebooks"
    if notebooks.is_dir():
        return notebooks
    print(f"{command} needs the repository's notebooks/ (none beside {notebooks.parent}): "
          "run it in a clone of the course repository", file=sys.stderr)
    return None


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["doctor"]:
        from course_utils.doctor import main as doctor_main

        return doctor_main(args[1:])
    if args[:1] == ["assets"]:
        from course_utils.data.assets import main as assets_main

        return assets_main(args[1:])
    if args[:1] == ["map"]:
        from course_utils.tour import course_map_markdown

        notebooks = _checkout_notebooks("map")  # its status column reads notebooks/
        if notebooks is None:
            return 2
        print(course_map_markdown(notebooks))
        return 0
    if args[:1] == ["strip"] and len(args) > 1:
        from course_utils.hygiene import strip_notebook

        for path in args[1:]:
            if strip_notebook(path):
                print(f"stripped {path}")
        return 0
    if args[:1] == ["student"] and len(args) == 2:
        from course_utils.release import write_student_release

        notebooks = _checkout_notebooks("student")  # an installed package carries none
        if notebooks is None:
            return 2
        written = write_student_release(notebooks, args[1])
        print(f"wrote {len(written)} student notebooks (solutions removed) to {args[1]}")
        return 0
    if args[:1] == ["grade"]:
        from course_utils.grading import main as grade_main

        return grade_main(args[1:])
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
