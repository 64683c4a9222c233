"""The course in a real browser: JupyterLab driven by Debian's Chromium through Playwright.

Starts JupyterLab on 127.0.0.1 (a free port, a random token, the classroom settings of
``lab/settings``) on a copy of three widget notebooks, runs every cell in Chromium, waits for
the widgets to render, moves a slider with the keyboard and asserts the widget's figure
changed and no output is an error. Screenshots go to ``build/screenshots/``. Where Chromium
is missing the tests skip with one loud line (install it: ``apt-get install chromium``).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = ROOT / "build" / "screenshots"
# Notebook 01 and two other widget notebooks, with the label of the slider to move.
NOTEBOOKS = {
    "01_perceptron.ipynb": "w1",
    "02_mlp_xor.ipynb": "units",
    "04_losses_and_optimizers.ipynb": "lr",
}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
RUN_TIMEOUT_MS = 240_000

if not CHROMIUM.exists():
    print(f"\n*** BROWSER TEST SKIPPED: no Chromium at {CHROMIUM}; install it with "
          "'apt-get install chromium' (Debian/Ubuntu) ***", file=sys.stderr)
    pytest.skip(f"no Chromium at {CHROMIUM} (Debian/Ubuntu: apt-get install chromium)",
                allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except urllib.error.URLError:  # not listening (yet)
        return 0


class Lab:
    def __init__(self, url: str, token: str, process: subprocess.Popen, log: Path):
        self.url, self.token, self.process, self.log = url, token, process, log


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on loopback with a token, shut down even when a test fails."""
    home = tmp_path_factory.mktemp("lab")
    notebooks = home / "notebooks"
    notebooks.mkdir()
    for name in NOTEBOOKS:  # a copy: running cells in the browser must not touch the repo
        shutil.copy(ROOT / "notebooks" / name, notebooks / name)
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"))
    env.pop("MPLBACKEND", None)  # as in a student's lab: the inline backend
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
               f"--port={port}", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={notebooks}",
               f"--LabApp.app_settings_dir={ROOT / 'lab' / 'settings'}",
               f"--LabApp.user_settings_dir={home / 'user-settings'}",
               f"--LabApp.workspaces_dir={home / 'workspaces'}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = home / "server.log"
    with open(log, "w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while _status(f"{url}/api/status?token={token}") != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"JupyterLab did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield Lab(url, token, process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def test_server_listens_on_loopback_and_refuses_requests_without_the_token(lab):
    assert lab.url.startswith("http://127.0.0.1:")
    assert _status(f"{lab.url}/api/contents") == 403
    assert _status(f"{lab.url}/api/contents?token=wrong") == 403
    assert _status(f"{lab.url}/api/contents?token={lab.token}") == 200


def test_classroom_settings_silence_announcements(lab):
    import json

    with urllib.request.urlopen(f"{lab.url}/lab/api/settings/@jupyterlab/apputils-extension:"
                                f"notification?token={lab.token}", timeout=10) as response:
        schema = json.load(response)["schema"]["properties"]
    assert schema["fetchNews"]["default"] == "false"
    assert schema["checkForUpdates"]["default"] is False


def _image(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(BytesIO(png)).convert("RGB"), dtype=np.int16)


def _run_all_cells(page) -> None:
    page.locator(".jp-Notebook").first.wait_for(timeout=60_000)
    # The kernel is connected once the status bar says "Python 3 (ipykernel) | Idle";
    # "Run All Cells" before that runs nothing.
    page.wait_for_function(
        "() => /\\|\\s*Idle/.test(document.querySelector('#jp-main-statusbar').textContent)",
        timeout=60_000)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    # Done when no cell is queued or running ([*]) and the kernel is idle again; an error
    # stops "Run All" and leaves later cells unnumbered, which the assert below reports.
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
            const status = document.querySelector('#jp-main-statusbar').textContent;
            return prompts.some(p => /\\[\\d+\\]/.test(p.textContent))
                && !prompts.some(p => p.textContent.includes('[*]'))
                && /\\|\\s*Idle/.test(status);
        }""", timeout=RUN_TIMEOUT_MS)
    # Solution cells are shown collapsed (a placeholder instead of the input and its prompt).
    prompts = page.locator(".jp-CodeCell").evaluate_all(
        """cells => cells.filter(c => !c.querySelector('.jp-InputPlaceholder'))
                         .map(c => c.querySelector('.jp-InputPrompt').textContent)""")
    not_run = [i for i, text in enumerate(prompts) if not any(c.isdigit() for c in text)]
    errors = page.locator("[data-mime-type='application/vnd.jupyter.stderr'], "
                          "[data-mime-type='application/vnd.jupyter.error']").all_inner_texts()
    assert not not_run, (f"code cells {not_run} did not run; the error before them:\n"
                         + "\n".join(errors)[-3000:])


@pytest.mark.parametrize("name", list(NOTEBOOKS))
def test_notebook_runs_and_its_widget_redraws_in_chromium(lab, browser, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    stem = Path(name).stem
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        # A workspace of its own, so that no tab of an earlier notebook is restored.
        page.goto(f"{lab.url}/lab/workspaces/{stem}/tree/{name}?reset&token={lab.token}",
                  timeout=60_000)
        _run_all_cells(page)
        sliders = page.locator(".widget-slider", has_text=NOTEBOOKS[name])
        slider = sliders.first
        slider.wait_for(state="attached", timeout=60_000)
        slider.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        text = page.locator(".jp-Notebook").inner_text()
        assert "Error displaying widget" not in text
        assert "Model not found" not in text
        errors = page.locator("[data-mime-type='application/vnd.jupyter.error']")
        assert errors.count() == 0, errors.first.inner_text()

        output = page.locator(".jp-OutputArea-output", has=sliders).first
        figure = output.locator(".widget-image").first
        figure.wait_for(timeout=30_000)
        before = figure.screenshot()
        page.screenshot(path=str(SCREENSHOTS / f"{stem}-before.png"))
        slider.locator(".noUi-handle").first.focus()
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        # The kernel recomputes and sends a new PNG: wait for the image to differ.
        deadline = time.monotonic() + 30
        while True:
            after = figure.screenshot()
            changed = (_image(before) != _image(after)).any(axis=-1).mean() if (
                _image(before).shape == _image(after).shape) else 1.0
            if changed > 0.001 or time.monotonic() > deadline:
                break
            page.wait_for_timeout(250)
        page.screenshot(path=str(SCREENSHOTS / f"{stem}-after.png"))
        assert changed > 0.001, "moving the slider did not change the widget's figure"
        assert page.locator("[data-mime-type='application/vnd.jupyter.error']").count() == 0
    except Exception:
        page.screenshot(path=str(SCREENSHOTS / f"{stem}-failed.png"))
        raise
    finally:
        page.close()
