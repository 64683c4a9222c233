"""course_utils.data.assets: the table in data/README.md, checksums, and the errors."""

import hashlib
from pathlib import Path

import pytest

from course_utils.data import assets
from course_utils.data.assets import (
    asset_files,
    asset_path,
    data_dir,
    parse_table,
    verify_assets,
)

HEADER = "| file | sha256 | bytes | origin | how to regenerate |\n|---|---|---|---|---|\n"
GOOD = b'{"boxes": [[1, 2, 3, 4]]}\n'
GOOD_SHA = hashlib.sha256(GOOD).hexdigest()  # the oracle: hashlib on the bytes we wrote
REGEN = "python make_boxes.py > annotations/boxes.json"
REPO_DATA = Path(__file__).resolve().parents[1] / "data"


def _write_readme(folder: Path, rows: str = "") -> None:
    (folder / "README.md").write_text("# data\n\nIntro.\n\n" + HEADER + rows + "\nAfter.\n")


@pytest.fixture
def data(tmp_path, monkeypatch):
    """A data dir with one listed asset, annotations/boxes.json, used via COURSE_DATA_DIR."""
    (tmp_path / "annotations").mkdir()
    (tmp_path / "annotations" / "boxes.json").write_bytes(GOOD)
    row = f"| `annotations/boxes.json` | `{GOOD_SHA}` | {len(GOOD)} | drawn by hand | `{REGEN}` |\n"
    _write_readme(tmp_path, row)
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(assets, "_VERIFIED", {})
    return tmp_path


def test_data_dir_defaults_to_the_repo_and_obeys_the_env(monkeypatch, tmp_path):
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    assert data_dir() == REPO_DATA
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    assert data_dir() == tmp_path


def test_an_installed_package_reads_the_copy_it_carries(monkeypatch, tmp_path):
    """A wheel carries data/ as course_utils/_data (setup.py); found through the package.

    tests/test_wheel.py proves it on a real wheel installed outside the checkout."""
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    package = tmp_path / "site-packages" / "course_utils"
    monkeypatch.setattr(assets.importlib.resources, "files", lambda name: package)
    assert data_dir() == REPO_DATA  # no copy inside the package: a checkout
    (package / "_data").mkdir(parents=True)
    assert data_dir() == package / "_data"
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    assert data_dir() == tmp_path  # the env still wins


def test_setup_py_ships_data_as_the_folder_data_dir_reads():
    setup_py = (REPO_DATA.parent / "setup.py").read_text()
    assert f'package_dir={{"course_utils.{assets.INSTALLED}": "data"}}' in setup_py
    assert f'package_data={{"course_utils.{assets.INSTALLED}": ["**/*"]}}' in setup_py


def test_good_asset_returns_its_path(data):
    path = asset_path("annotations/boxes.json")
    assert path == data / "annotations" / "boxes.json" and path.read_bytes() == GOOD
    assert verify_assets() == {"annotations/boxes.json": "ok"}


def test_corrupted_asset_names_both_checksums_and_the_fix(data):
    (data / "annotations" / "boxes.json").write_bytes(GOOD.replace(b"4", b"5"))
    bad_sha = hashlib.sha256(GOOD.replace(b"4", b"5")).hexdigest()
    with pytest.raises(RuntimeError) as info:
        asset_path("annotations/boxes.json")
    message = str(info.value)
    assert message.startswith("annotations/boxes.json is corrupted or changed")
    assert f"sha256 expected {GOOD_SHA}, got {bad_sha}" in message
    assert message.endswith(f"To regenerate it: {REGEN}")
    assert verify_assets()["annotations/boxes.json"].startswith("annotations/boxes.json is corr")


def test_a_file_changed_after_verification_is_caught(data):
    asset_path("annotations/boxes.json")
    (data / "annotations" / "boxes.json").write_bytes(GOOD + b" ")
    with pytest.raises(RuntimeError, match="corrupted or changed"):
        asset_path("annotations/boxes.json")


def test_missing_asset_says_how_to_regenerate(data):
    (data / "annotations" / "boxes.json").unlink()
    with pytest.raises(FileNotFoundError, match=r"annotations/boxes\.json is missing \(expected"):
        asset_path("annotations/boxes.json")
    with pytest.raises(FileNotFoundError, match=f"To regenerate it: {REGEN}"):
        asset_path("annotations/boxes.json")
    assert "is missing" in verify_assets()["annotations/boxes.json"]


def test_unknown_asset_lists_the_assets(data):
    with pytest.raises(
        ValueError,
        match=r"unknown asset 'annotations/box.json'\. Did you mean 'annotations/boxes\.json'\? "
        r"Listed in data/README\.md: annotations/boxes\.json",
    ):
        asset_path("annotations/box.json")


def test_unlisted_file_is_flagged(data):
    (data / "extra.csv").write_text("a,b\n")
    (data / ".gitkeep").write_text("")
    status = verify_assets()
    assert status["annotations/boxes.json"] == "ok"
    assert status["extra.csv"].startswith("extra.csv is not listed in data/README.md")
    assert ".gitkeep" not in status and "README.md" not in status


def test_a_table_with_no_rows(tmp_path, monkeypatch):
    _write_readme(tmp_path)
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    assert verify_assets() == {}
    with pytest.raises(ValueError, match=r"unknown asset 'x'\. Listed in data/README\.md: none"):
        asset_path("x")


def test_missing_readme(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"README\.md is missing: it lists the data"):
        verify_assets()


def test_parse_table_reads_rows_and_escaped_pipes():
    rows = (
        f"| a.txt | {GOOD_SHA} | 12 | me | `cat a \\| sort` |\n| b.txt | {'0' * 64} | 0 | x | y |"
    )
    text = HEADER + rows
    table = parse_table(text)
    assert list(table) == ["a.txt", "b.txt"]
    assert table["a.txt"] == assets.Asset("a.txt", GOOD_SHA, 12, "me", "cat a | sort")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("# no table here\n", r"README\.md: no table with the header \| file \| sha256"),
        (HEADER + "| a.txt | abc | 1 | o | r |\n", r"line 3: sha256 of 'a\.txt' must be 64 lower"),
        (HEADER + f"| a.txt | {'A' * 64} | 1 | o | r |\n", r"must be 64 lowercase hex"),
        (HEADER + f"| a.txt | {GOOD_SHA} | 1kB | o | r |\n", r"bytes of 'a\.txt' must be a whole"),
        (HEADER + f"| a.txt | {GOOD_SHA} | 1 | o |\n", r"line 3: expected 5 columns"),
        (
            HEADER + f"| a | {GOOD_SHA} | 1 | o | r |\n| a | {GOOD_SHA} | 1 | o | r |\n",
            r"line 4: 'a' is listed twice",
        ),
    ],
)
def test_parse_table_errors_name_the_line(text, match):
    with pytest.raises(ValueError, match=match):
        parse_table(text)


def test_main_prints_rows_that_parse_back(data, capsys):
    (data / "new.bin").write_bytes(b"\x00\x01" * 10)
    assert assets.main([]) == 0
    table = parse_table(capsys.readouterr().out)
    assert table["annotations/boxes.json"] == assets.Asset(
        "annotations/boxes.json", GOOD_SHA, len(GOOD), "drawn by hand", REGEN
    )  # keeps the known origin and regeneration text
    new = table["new.bin"]
    assert (new.sha256, new.bytes, new.origin) == (
        hashlib.sha256(b"\x00\x01" * 10).hexdigest(),
        20,
        "TODO",
    )
    assert asset_files() == ["annotations/boxes.json", "new.bin"]


def test_main_rejects_arguments(data, capsys):
    assert assets.main(["--oops"]) == 2
    assert "usage: python -m course_utils assets" in capsys.readouterr().out


def test_committed_assets_match_the_table(monkeypatch):
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    problems = {name: s for name, s in verify_assets().items() if s != "ok"}
    assert not problems, problems
