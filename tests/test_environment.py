"""pyproject.toml, environment.yml and the CI constraints name the same dependencies."""

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
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


def _constraint_pins() -> dict[str, Version]:
    pins = {}
    for line in (ROOT / "requirements" / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.strip().lower().replace("_", "-")] = Version(version.strip())
    return pins


def test_constraints_pin_every_dependency_within_its_bounds():
    pins = _constraint_pins()
    for name, req in _pyproject().items():
        assert name in pins, f"requirements/constraints.txt does not pin {name}"
        assert req.specifier.contains(pins[name], prereleases=True), (name, pins[name])


# -- Binder (repo2docker reads binder/ and then ignores environment.yml) ---------------------

CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def _binder() -> tuple[dict[str, list[str]], dict[str, Requirement], list[str]]:
    """binder/requirements.txt as pip reads it: options, requirements by name, local paths."""
    options: dict[str, list[str]] = {}
    reqs: dict[str, Requirement] = {}
    local: list[str] = []
    for raw in (ROOT / "binder" / "requirements.txt").read_text().splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):
            flag, _, value = line.partition(" ")
            options.setdefault(flag, []).append(value.strip())
        elif line.startswith((".", "/")):
            local.append(line)
        else:
            req = Requirement(line)
            assert req.name.lower() not in reqs, f"binder/requirements.txt lists {req.name} twice"
            reqs[req.name.lower()] = req
    return options, reqs, local


def test_binder_installs_every_runtime_dependency_with_pyprojects_bounds():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {Requirement(r).name.lower(): Requirement(r) for r in project["dependencies"]}
    _, binder, local = _binder()
    assert sorted(binder) == sorted(runtime), "binder/requirements.txt != pyproject's dependencies"
    pins = _constraint_pins()
    for name, req in binder.items():
        if name in {"torch", "torchvision"}:
            continue  # pinned to CPU builds: the next test
        assert str(req.specifier) == str(runtime[name].specifier), name
        assert req.specifier.contains(pins[name], prereleases=True), (name, pins[name])
    assert local == ["."], "Binder must install the course package itself (its data/)"


def test_binder_takes_the_cpu_builds_of_torch_pinned_to_the_constraints():
    options, binder, _ = _binder()
    assert options.get("--extra-index-url") == [CPU_INDEX]
    assert "--index-url" not in options, "keep PyPI as the index for everything else"
    (constraints,) = options["-c"]  # pip reads it relative to the requirements file
    assert (ROOT / "binder" / constraints).resolve() == ROOT / "requirements" / "constraints.txt"
    pins = _constraint_pins()
    for name in ("torch", "torchvision"):
        (spec,) = binder[name].specifier
        version = Version(spec.version)
        assert spec.operator == "==" and version.local == "cpu", (
            f"{name}: pin the CPU build, e.g. {name}=={pins[name]}+cpu (PyPI has no +cpu, so "
            "pip must take it from the CPU index)")
        assert version.public == str(pins[name]), (name, version, pins[name])
        assert SpecifierSet(f"=={pins[name]}").contains(version), "the constraint admits it"
    text = (ROOT / "binder" / "requirements.txt").read_text().lower()
    assert "nvidia" not in text and "+cu" not in text


def test_binder_python_is_the_one_ci_ran():
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert runtime == "python-" + project["requires-python"].removeprefix(">=")
    header = (ROOT / "requirements" / "constraints.txt").read_text().splitlines()[0]
    assert f"Python {runtime.removeprefix('python-')})" in header
