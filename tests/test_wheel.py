"""The course installed from its wheel, without the repository (what a hub or Colab user has).

Once per test session (one xdist worker builds under a file lock, the other waits and reuses
it): the wheel is built from a copy of the checkout, installed with pip into a new virtual
environment in a temporary folder outside the checkout, and only the notebooks
(``notebooks/``, solutions in) are copied to a folder beside it. The new environment gets the
course's dependencies from the test's own environment through a ``.pth`` line (torch is not
installed a second time);
that line adds a folder to ``sys.path`` without running the ``.pth`` files in it, so an
editable install of the checkout there stays out of sight. Every command runs with
``PYTHONPATH`` and ``COURSE_DATA_DIR`` unset and from a folder outside the checkout: the
only ``course_utils`` it can import is the installed wheel, and the tests check that.

Then: the wheel's contents; the installed package, its data and the doctor; and every
notebook under nbval in that environment, one test class per notebook so that
``pytest -n 2 --dist loadscope`` spreads them over both workers. This is ``make test``'s one
nbval run of the notebooks (not a second one from the checkout); the student copies run in
the browser test (``tests/test_browser.py``), each notebook once more.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import pytest
from filelock import FileLock

from course_utils.data.assets import INSTALLED, asset_files, load_table
from tests.notebook_cells import NOTEBOOKS

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = "share/jupyter/lab/settings/overrides.d/course_utils.json"
MAX_WHEEL_BYTES = 5_000_000  # data/ is meant to stay small (data/README.md); the wheel too
NOTEBOOK_TIMEOUT = 1800  # seconds for one notebook under nbval on a loaded 2-core machine
COURSE_NOTEBOOKS = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
# Not copied into the source the wheel is built from: made files and other environments.
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__",
                                    ".pytest_cache", ".ruff_cache", ".ipynb_checkpoints")
PYTEST_INI = """[pytest]
addopts = -ra --nbval-lax --nbval-current-env -p no:cacheprovider
filterwarnings = ignore::DeprecationWarning:jupyter_client.*
"""


def _run(args: list[str | Path], cwd: Path, env: dict | None = None, timeout: int = 600,
         check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    if check and done.returncode:
        raise AssertionError(f"{' '.join(map(str, args))} failed ({done.returncode}):\n"
                             f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _build(root: Path) -> dict:
    """Wheel, new environment with it installed, a copy of the notebooks: all under ``root``."""
    source, dist, venv = root / "source", root / "dist", root / "venv"
    for old in (source, dist, venv, root / "work"):
        shutil.rmtree(old, ignore_errors=True)
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    started = time.perf_counter()
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
          "--no-index", "--quiet", "-w", dist, source], cwd=root)
    (wheel,) = dist.glob("course_utils-*.whl")
    built = time.perf_counter() - started
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=root)
    python = _venv_python(venv)
    # The wheel goes in before the dependencies' .pth: pip then sees no other course_utils
    # (the test environment's editable one) and has nothing to replace.
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
          "--no-index", "--quiet", wheel], cwd=root)
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     cwd=root).stdout.strip())
    deps = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site / "zz_course_dependencies.pth").write_text("\n".join(deps) + "\n")
    work = root / "work"
    (work / "notebooks").mkdir(parents=True)
    for name in COURSE_NOTEBOOKS:
        shutil.copy(NOTEBOOKS / name, work / "notebooks" / name)
    (work / "pytest.ini").write_text(PYTEST_INI)
    return {"wheel": str(wheel), "python": str(python), "venv": str(venv), "site": str(site),
            "work": str(work), "build_seconds": built}


@pytest.fixture(scope="session")
def installed(tmp_path_factory, worker_id) -> dict:
    """The built wheel and its environment, shared by the xdist workers of this session."""
    base = tmp_path_factory.getbasetemp()
    root = (base if worker_id == "master" else base.parent) / "wheel_install"
    root.mkdir(exist_ok=True)
    with FileLock(str(root) + ".lock"):
        info = root / "installed.json"
        if not info.is_file():
            info.write_text(json.dumps(_build(root)))
        found = json.loads(info.read_text())
    assert not Path(found["work"]).resolve().is_relative_to(ROOT), "must run outside the checkout"
    return found


def _env(installed: dict) -> dict:
    """The environment a user of the wheel has: no checkout on the path, no data override.

    JUPYTER_PATH stands in for the dependencies' data files (the widgets' JupyterLab
    extension) the way the .pth stands in for their code."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "COURSE_DATA_DIR"}}
    env.update(PYTHONNOUSERSITE="1", MPLBACKEND=env.get("MPLBACKEND", "Agg"),
               JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"))
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env.setdefault(name, "1")
    return env


# What the tests below ask the wheel's environment, in one process (each start imports torch).
PROBE = """
import json
import course_utils, course_utils.data.assets as assets, course_utils.doctor as doctor
from course_utils.faces import mtcnn_nets
from jupyterlab.commands import get_app_dir
from jupyterlab_server.settings_utils import _get_overrides

checks = doctor.run_checks()
print(json.dumps({
    "module": course_utils.__file__,
    "data_dir": str(assets.data_dir()),
    "pnet": str(assets.asset_path("mtcnn/pnet.pt")),
    "assets": assets.verify_assets(),
    "in_checkout": doctor.in_checkout(),
    "mtcnn_abs_sum": sum(float(t.double().abs().sum()) for net in mtcnn_nets()
                         for t in net.state_dict().values()),
    "lab_overrides": _get_overrides(get_app_dir() + "/settings")[0],
    "doctor_ok": all(c.ok for c in checks),
    "doctor": doctor.report(checks),
}))
"""


@pytest.fixture(scope="session")
def probe(installed) -> dict:
    """The answers of ``PROBE``, run by the wheel's Python outside the checkout."""
    done = _run([installed["python"], "-c", PROBE], cwd=Path(installed["work"]),
                env=_env(installed))
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the wheel ------------------------------------------------------------------------------


def test_wheel_carries_every_data_file_byte_for_byte_and_the_lab_settings(installed):
    repo_data = ROOT / "data"
    with zipfile.ZipFile(installed["wheel"]) as wheel:
        names = set(wheel.namelist())
        for name in [*asset_files(repo_data), "README.md"]:
            inside = f"course_utils/{INSTALLED}/{name}"
            assert inside in names, f"the wheel lacks {inside} (setup.py's package_data)"
            assert wheel.read(inside) == (repo_data / name).read_bytes(), name
        (settings,) = [n for n in names if n.endswith(SETTINGS)]
        assert settings.startswith("course_utils-") and ".data/data/" in settings
        shipped = json.loads(wheel.read(settings))
    repo_settings = ROOT / "lab" / "settings" / "overrides.d" / "course_utils.json"
    assert shipped == json.loads(repo_settings.read_text())
    assert not any(n.startswith(("notebooks/", "tests/", "data/")) for n in names)
    size = Path(installed["wheel"]).stat().st_size
    assert size < MAX_WHEEL_BYTES, f"the wheel is {size / 1e6:.1f} MB: is a large file in data/?"


# -- the installed package --------------------------------------------------------------------


def test_the_installed_wheel_not_the_checkout_is_imported_and_reads_its_own_data(
        installed, probe):
    site = Path(installed["site"])
    assert Path(probe["module"]) == site / "course_utils" / "__init__.py"
    assert Path(probe["data_dir"]) == site / "course_utils" / INSTALLED
    assert not probe["in_checkout"]
    pnet = Path(probe["pnet"])
    assert pnet.parent == site / "course_utils" / INSTALLED / "mtcnn"
    assert hashlib.sha256(pnet.read_bytes()).hexdigest() == load_table()["mtcnn/pnet.pt"].sha256
    assert probe["assets"] == dict.fromkeys(load_table(), "ok")  # every row of data/README.md


def test_the_faces_weights_load_from_the_installed_package(probe):
    import torch  # the oracle: the checkout's weight files, read directly

    expected = sum(float(t.double().abs().sum()) for name in ("pnet", "rnet", "onet")
                   for t in torch.load(ROOT / "data" / "mtcnn" / f"{name}.pt",
                                       weights_only=True).values())
    assert probe["mtcnn_abs_sum"] == pytest.approx(expected, rel=1e-12)


def test_jupyterlab_in_that_environment_reads_the_classroom_settings(installed, probe):
    repo = ROOT / "lab" / "settings" / "overrides.d" / "course_utils.json"
    assert probe["lab_overrides"] == json.loads(repo.read_text())
    assert (Path(installed["venv"]) / SETTINGS).is_file()


def test_the_doctor_passes_there(installed, probe):
    assert probe["doctor_ok"], probe["doctor"]
    (assets,) = [line for line in probe["doctor"].splitlines() if "data/ assets" in line]
    assert str(Path(installed["site"]) / "course_utils" / INSTALLED) in assets


@pytest.mark.parametrize("command", [["student", "out"], ["map"]])
def test_commands_that_read_notebooks_say_they_need_a_checkout(installed, command):
    work = Path(installed["work"])
    done = _run([installed["python"], "-m", "course_utils", *command], cwd=work,
                env=_env(installed), check=False)
    assert done.returncode == 2 and done.stdout == "", done.stdout + done.stderr
    assert f"{command[0]} needs the repository's notebooks/" in done.stderr
    assert "run it in a clone of the course repository" in done.stderr
    assert not (work / "out").exists()


# -- every notebook, run with only the wheel ------------------------------------------------


def _notebook(*sources: str) -> str:
    cells = [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "outputs": [],
              "execution_count": None, "source": src} for i, src in enumerate(sources)]
    return json.dumps({"cells": cells, "metadata": {"kernelspec": {"name": "python3"}},
                       "nbformat": 4, "nbformat_minor": 5})


def test_nbval_there_runs_the_wheels_kernel_and_can_fail(installed):
    """The harness below: its kernel imports the installed package, and a failing cell fails."""
    site = Path(installed["site"]) / "course_utils"
    folder = Path(installed["work"]) / "harness"
    folder.mkdir(exist_ok=True)
    (folder / "good.ipynb").write_text(_notebook(
        "import course_utils, pathlib",
        f"assert pathlib.Path(course_utils.__file__).parent == pathlib.Path({str(site)!r})"))
    (folder / "bad.ipynb").write_text(_notebook("x = 1", "assert x == 2, 'a failing cell'"))
    done = _run([installed["python"], "-m", "pytest", "-q", "harness"],
                cwd=Path(installed["work"]), env=_env(installed), check=False)
    summary = done.stdout.strip().splitlines()[-1]
    assert done.returncode == 1 and "1 failed, 3 passed" in summary, done.stdout[-3000:]
    assert "a failing cell" in done.stdout


class _WheelNotebook:
    """One notebook under nbval in the wheel's environment (set ``notebook``)."""

    notebook = ""

    def test_passes_nbval_with_only_the_wheel_installed(self, installed):
        work = Path(installed["work"])
        started = time.perf_counter()
        done = _run([installed["python"], "-m", "pytest", "-q", f"notebooks/{self.notebook}"],
                    cwd=work, env=_env(installed), timeout=NOTEBOOK_TIMEOUT, check=False)
        seconds = time.perf_counter() - started
        summary = done.stdout.strip().splitlines()[-1:] or ["(no output)"]
        print(f"{self.notebook}: {summary[0]} (wall {seconds:.0f} s, wheel environment)")
        assert done.returncode == 0, (f"{self.notebook} (wheel only) failed under "
                                      f"nbval:\n{done.stdout[-6000:]}\n{done.stderr[-2000:]}")
        assert " passed" in summary[0] and "failed" not in summary[0], summary


# One class per notebook: --dist loadscope sends each class to a worker as a whole.
for _name in COURSE_NOTEBOOKS:
    _class = f"TestNotebookFromWheel_{Path(_name).stem}"
    globals()[_class] = type(_class, (_WheelNotebook,), {"notebook": _name})
