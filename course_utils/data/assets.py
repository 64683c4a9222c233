"""The small files committed in ``data/``, each checked against ``data/README.md``.

``data/README.md`` holds one markdown table, the single list of assets::

    | file | sha256 | bytes | origin | how to regenerate |

``asset_path(name)`` checks a file's SHA-256 against its row before handing out its path;
``verify_assets()`` checks them all (the doctor, ``python -m course_utils doctor``, uses it).
Whoever adds a file prints its row with ``python -m course_utils assets``.

``data/`` is found through the package: an installed course (a wheel, ``pip install .``)
carries it as ``course_utils/_data`` (setup.py), a checkout reads ``<repo>/data``; set
``COURSE_DATA_DIR`` to use another folder. Used by the notebooks that read a committed
asset (e.g. the detection notebook's hand-drawn boxes on real photos).
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import re
import sys
from pathlib import Path
from typing import NamedTuple

from course_utils.errors import unknown_name

__all__ = [
    "Asset", "data_dir", "parse_table", "load_table", "sha256_of", "asset_path", "asset_files",
    "verify_assets", "table_row", "main",
]

COLUMNS = ("file", "sha256", "bytes", "origin", "how to regenerate")
README = "README.md"
_CELL_SPLIT = re.compile(r"(?<!\\)\|")  # a cell boundary: a pipe not escaped as \|
_SHA256 = re.compile(r"[0-9a-f]{64}")


class Asset(NamedTuple):
    """One row of the table in ``data/README.md``; ``file`` is relative to ``data/``."""

    file: str
    sha256: str
    bytes: int
    origin: str
    regenerate: str


INSTALLED = "_data"  # data/'s name inside an installed package (setup.py puts it there)


def data_dir() -> Path:
    """The folder of committed assets.

    ``$COURSE_DATA_DIR`` if set; else the copy an installed package carries
    (``course_utils/_data``, located through ``importlib.resources``, so a wheel works
    without the repository); else, in a checkout or an editable install, ``<repo>/data``.
    """
    override = os.environ.get("COURSE_DATA_DIR")
    if override:
        return Path(override)
    installed = importlib.resources.files("course_utils").joinpath(INSTALLED)
    if installed.is_dir():
        return Path(str(installed))
    return Path(__file__).resolve().parents[2] / "data"


def _cells(line: str) -> list[str]:
    """``| a | b\\|c |`` -> ``["a", "b|c"]``, with surrounding backticks removed."""
    inner = line.strip().removeprefix("|").removesuffix("|")
    return [c.strip().strip("`").replace("\\|", "|") for c in _CELL_SPLIT.split(inner)]


def _row(cells: list[str], where: str) -> Asset:
    """Validate one table row's cells and build its ``Asset``."""
    if len(cells) != len(COLUMNS):
        raise ValueError(f"{where}: expected {len(COLUMNS)} columns {COLUMNS}, got {cells}")
    file, sha, size, origin, regenerate = cells
    if not _SHA256.fullmatch(sha):
        raise ValueError(
            f"{where}: sha256 of {file!r} must be 64 lowercase hex digits, got {sha!r}"
        )
    if not size.isdigit():
        raise ValueError(f"{where}: bytes of {file!r} must be a whole number, got {size!r}")
    return Asset(file, sha, int(size), origin, regenerate)


def parse_table(text: str, *, source: str = README) -> dict[str, Asset]:
    """The asset table in a README's markdown ``text``, by file name (it may have no rows).

    Raises:
        ValueError: no table with the columns ``COLUMNS``, a malformed row, or a file
            listed twice; the message names the line.
    """
    lines = text.splitlines()
    header = [i for i, line in enumerate(lines) if tuple(_cells(line)) == COLUMNS]
    if not header:
        raise ValueError(f"{source}: no table with the header | {' | '.join(COLUMNS)} |")
    assets: dict[str, Asset] = {}
    for number, line in enumerate(lines[header[0] + 1 :], start=header[0] + 2):
        if not line.strip().startswith("|"):
            break  # the table ends at the first line that is not a row
        cells = _cells(line)
        if all(set(c) <= set(":-") for c in cells):
            continue  # the |---|---| separator
        asset = _row(cells, f"{source}, line {number}")
        if asset.file in assets:
            raise ValueError(f"{source}, line {number}: {asset.file!r} is listed twice")
        assets[asset.file] = asset
    return assets


def load_table() -> dict[str, Asset]:
    """The assets listed in ``data_dir() / "README.md"``, by file name."""
    readme = data_dir() / README
    if not readme.is_file():
        raise FileNotFoundError(f"{readme} is missing: it lists the data assets and checksums")
    return parse_table(readme.read_text(encoding="utf-8"), source=str(readme))


def sha256_of(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, as 64 lowercase hex digits."""
    if not isinstance(path, str | Path):  # open(3) would read file descriptor 3
        raise TypeError(f"path must be a file path (str or Path), got {type(path).__name__}")
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _problem(asset: Asset, path: Path) -> str | None:
    """What is wrong with ``path`` compared with its row, or None if it matches."""
    if not path.is_file():
        return f"{asset.file} is missing (expected at {path})"
    actual = sha256_of(path)
    if actual != asset.sha256:
        return (
            f"{asset.file} is corrupted or changed: sha256 expected {asset.sha256}, "
            f"got {actual} ({path.stat().st_size} bytes, expected {asset.bytes})"
        )
    return None


# path -> (size, mtime_ns) of the version already verified, so a file is hashed once.
_VERIFIED: dict[Path, tuple[int, int]] = {}


def asset_path(name: str) -> Path:
    """The path of committed asset ``name`` (relative to ``data/``), checksum verified.

    Used by notebooks that read a committed file, e.g.
    ``json.loads(asset_path("annotations/photo_boxes.json").read_text())``.

    Raises:
        ValueError: ``name`` is not in the table of ``data/README.md`` (lists the assets).
        FileNotFoundError: the file is missing; says how to regenerate it.
        RuntimeError: the file's SHA-256 differs from the table; gives both checksums
            and how to regenerate it.
    """
    table = load_table()
    if name not in table:
        raise unknown_name("asset", name, sorted(table), listed="Listed in data/README.md")
    asset, path = table[name], data_dir() / name
    stamp = (path.stat().st_size, path.stat().st_mtime_ns) if path.is_file() else None
    if stamp is not None and _VERIFIED.get(path) == stamp:
        return path
    problem = _problem(asset, path)
    if problem:
        error = FileNotFoundError if stamp is None else RuntimeError
        raise error(f"{problem}. To regenerate it: {asset.regenerate}")
    _VERIFIED[path] = stamp
    return path


def asset_files(folder: str | Path | None = None) -> list[str]:
    """Every file under ``folder`` (default ``data_dir()``) except the README and dotfiles."""
    if folder is not None and not isinstance(folder, str | Path):
        raise TypeError(f"folder must be a path (str or Path), got {type(folder).__name__}")
    root = Path(folder) if folder is not None else data_dir()
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file()
        and p.relative_to(root).as_posix() != README
        and not any(part.startswith(".") or part == "__pycache__" for part in p.parts)
    )


def verify_assets() -> dict[str, str]:
    """Check every asset: ``{file: "ok" or what is wrong}``.

    Covers rows whose file is missing or changed, and files in ``data/`` that the table
    does not list. Used by the doctor (``python -m course_utils doctor``, notebook 00).
    """
    table, root = load_table(), data_dir()
    status = {name: _problem(asset, root / name) or "ok" for name, asset in sorted(table.items())}
    for name in asset_files(root):
        if name not in table:
            status[name] = (
                f"{name} is not listed in data/README.md: "
                "add its row (python -m course_utils assets prints it)"
            )
    return status


def table_row(name: str, *, origin: str = "TODO", regenerate: str = "TODO") -> str:
    """The markdown row for file ``name`` in ``data_dir()``: its sha256 and size now."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a file name under data/ (a str), got "
                        f"{type(name).__name__}")
    path = data_dir() / name
    cells = [f"`{name}`", f"`{sha256_of(path)}`", str(path.stat().st_size), origin, regenerate]
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def main(argv: list[str] | None = None) -> int:
    """Print the asset table for every file now in ``data/`` (keeps known origins)."""
    if argv is None:
        argv = sys.argv[1:]
    if argv:
        print("usage: python -m course_utils assets  (prints data/README.md's table)")
        return 2
    known = load_table() if (data_dir() / README).is_file() else {}
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    for name in asset_files():
        row = known.get(name)
        texts = {"origin": row.origin, "regenerate": row.regenerate} if row else {}
        print(table_row(name, **texts))
    return 0
