"""pyproject.toml, environment.yml and the CI constraints name the same dependencies."""

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
CONDA_TO_PIP = {"pytorch-cpu": "torch"}  # conda-forge names that differ from PyPI's
CONDA_ONLY = {"python", "pip"}


def _pyproject() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + project["optional-dependencies"]["test"]
    return {Requirement(r).name.lower(): Requirement(r) for r in reqs}


def _conda() -> dict[str, Requirement]:
    deps = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    found = {}
    for dep in deps:
        if isinstance(dep, dict):  # the pip section
            reqs = [Requirement(r) for r in dep["pip"] if not r.startswith("-e")]
        else:
            reqs = [Requirement(re.sub(r"^([\w.-]+)", r"\1 ", dep).replace(" ", ""))]
        for req in reqs:
            name = CONDA_TO_PIP.get(req.name.lower(), req.name.lower())
            if name not in CONDA_ONLY:
                found[name] = req
    return found


def test_same_packages_and_lower_bounds():
    pip, conda = _pyproject(), _conda()
    assert sorted(pip) == sorted(conda)
    for name, req in pip.items():
        assert str(req.specifier) == str(conda[name].specifier), name


def test_package_has_lower_bounds_only():
    for name, req in _pyproject().items():
        ops = {spec.operator for spec in req.specifier}
        assert ops == {">="}, f"{name}: use a lower bound, pins belong in the constraints file"


def test_doctor_checks_every_runtime_dependency_and_the_python_version():
    from course_utils.doctor import MIN_PYTHON, PACKAGES

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {Requirement(r).name.lower() for r in project["dependencies"]}
    assert runtime <= {p.dist for p in PACKAGES}
    assert project["requires-python"] == ">=" + ".".join(map(str, MIN_PYTHON))


def test_environment_installs_the_package_itself():
    deps = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict))
    assert "-e ." in pip_section


def test_constraints_pin_every_dependency_within_its_bounds():
    pins = {}
    for line in (ROOT / "requirements" / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.strip().lower().replace("_", "-")] = Version(version.strip())
    for name, req in _pyproject().items():
        assert name in pins, f"requirements/constraints.txt does not pin {name}"
        assert req.specifier.contains(pins[name], prereleases=True), (name, pins[name])
