"""The course in a real browser: JupyterLab driven by Debian's Chromium through Playwright.

Every notebook in ``notebooks/`` (globbed at collection, so new or renamed notebooks are
covered without editing this file) runs in Chromium: "Run All Cells", no error output, every
widget rendered (no "Error displaying widget", no "Model not found"), and for each widget
one control (a slider, else a dropdown, else a button; the next one when a control leaves
the picture alone) changes what the widget shows. A notebook without a widget fails unless
``NO_WIDGET`` gives the reason.

The notebooks run as students get them: the student copies (``make student``: solution cells
removed, exercise stubs and checks kept), so a copy that breaks without its solutions fails
here; the solutions themselves run under nbval from the wheel (``tests/test_wheel.py``).
One JupyterLab per pytest worker (loopback, a free port, a random token, the classroom
settings of ``lab/settings``) on those copies, and one Chromium; each notebook is
its own test class, so ``--dist loadscope`` hands them to both workers, and each notebook's
kernel is shut down after its test. ``COURSE_BROWSER_NB`` (``make browser NB=...``) picks
notebooks by name, prefix or glob. Screenshots: ``build/screenshots/<notebook>-before.png``
and ``-after.png`` (around the first widget's change; ``-failed.png`` when the test fails).
Where Chromium is missing the tests skip with one loud line (``apt-get install chromium``).
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from course_utils.release import student_copy

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = ROOT / "build" / "screenshots"
# Notebooks that legitimately have no widget, with the reason (every notebook has one today).
NO_WIDGET: dict[str, str] = {}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
RUN_TIMEOUT_MS = 900_000  # "Run All" of one notebook: 10-100 s alone, far more under load
CONTROL_TIMEOUT_S = 180  # the kernel handling one control's change (a widget may train first)
DRAW_S = 5.0  # then the page decoding and drawing the new image


def _selected(names: list[str], pattern: str) -> list[str]:
    """The notebooks matching ``pattern``: a name, a stem, a prefix or a glob; all if empty."""
    if not pattern.strip():
        return names
    return [n for n in names if any(fnmatch.fnmatch(n, p) or fnmatch.fnmatch(n, p + "*")
                                    for p in pattern.split())]


ALL_NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
NOTEBOOKS = _selected(ALL_NOTEBOOKS, os.environ.get("COURSE_BROWSER_NB", ""))

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
    def __init__(self, url: str, token: str, process: subprocess.Popen, log: Path, root: Path):
        self.url, self.token, self.process, self.log = url, token, process, log
        self.root = root  # the folder it serves

    def api(self, path: str, method: str = "GET"):
        request = urllib.request.Request(f"{self.url}/api/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shut_down_kernels_of(self, name: str) -> None:
        """End the sessions (and so the kernels) of one notebook: they hold 1-2 GB each."""
        for session in self.api("sessions"):
            if Path(session["path"]).name == name:
                self.api(f"sessions/{session['id']}", method="DELETE")



@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """A JupyterLab server on loopback with a token (one per pytest worker), shut down even
    when a test fails."""
    home = tmp_path_factory.mktemp("lab")
    notebooks = home / "notebooks"
    notebooks.mkdir()
    for name in NOTEBOOKS:  # the student copy: what a student opens; the repo stays untouched
        solved = json.loads((ROOT / "notebooks" / name).read_text(encoding="utf-8"))
        (notebooks / name).write_text(json.dumps(student_copy(solved)), encoding="utf-8")
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"))
    env.pop("MPLBACKEND", None)  # as in a student's lab: the inline backend
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
               f"--port={port}", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={notebooks}",
               f"--LabApp.app_settings_dir={ROOT / 'lab' / 'settings'}",
               f"--LabApp.user_settings_dir={home / 'user-settings'}",
               f"--LabApp.workspaces_dir={home / 'workspaces'}",
               # window.jupyterapp: the test follows the kernel's messages (_follow_kernel)
               "--LabApp.expose_app_in_browser=True"]
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
        yield Lab(url, token, process, log, notebooks)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
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
    with urllib.request.urlopen(f"{lab.url}/lab/api/settings/@jupyterlab/apputils-extension:"
                                f"notification?token={lab.token}", timeout=10) as response:
        schema = json.load(response)["schema"]["properties"]
    assert schema["fetchNews"]["default"] == "false"
    assert schema["checkForUpdates"]["default"] is False


def test_notebook_selection_takes_names_prefixes_and_globs():
    names = ["00_welcome.ipynb", "01_perceptron.ipynb", "11_object_detection.ipynb"]
    assert _selected(names, "") == names
    assert _selected(names, "01_perceptron") == ["01_perceptron.ipynb"]
    assert _selected(names, "01_perceptron.ipynb") == ["01_perceptron.ipynb"]
    assert _selected(names, "0") == names[:2]
    assert _selected(names, "*detection*") == ["11_object_detection.ipynb"]
    assert _selected(names, "00 11") == [names[0], names[2]]
    assert _selected(names, "99") == []


def test_the_selection_names_at_least_one_notebook():
    assert NOTEBOOKS, (f"COURSE_BROWSER_NB={os.environ.get('COURSE_BROWSER_NB')!r} matches no "
                       f"notebook; there are {ALL_NOTEBOOKS}")


# --- Running a notebook -----------------------------------------------------------------

KERNEL_IDLE = "() => /\\|\\s*Idle/.test(document.querySelector('#jp-main-statusbar').textContent)"
ERRORS = "[data-mime-type='application/vnd.jupyter.error']"
STDERR = "[data-mime-type='application/vnd.jupyter.stderr']"
# A widget displayed by a cell (not the outputs nested inside a widget's own Output area).
WIDGET_OUTPUTS = (".jp-Cell-outputArea > .jp-OutputArea-child > "
                  ".jp-OutputArea-output:has(> .jupyter-widgets)")


def _open(page, url: str) -> None:
    page.goto(url, timeout=60_000)
    page.locator(".jp-Notebook").first.wait_for(timeout=60_000)
    # The kernel is connected once the status bar says "Python 3 (ipykernel) | Idle";
    # "Run All Cells" before that runs nothing.
    page.wait_for_function(KERNEL_IDLE, timeout=120_000)


def _run_all_cells(page) -> None:
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
    assert not not_run, (f"code cells {not_run} did not run; the error before them:\n"
                         + _error_text(page))


def _outputs(page, selector: str) -> list[str]:
    """The text of every output matching ``selector``, with the cell it came from.

    ``textContent``, not ``innerText``: a cell scrolled out of view is not rendered
    (content-visibility) and its ``innerText`` is empty.
    """
    return page.evaluate(
        """selector => [...document.querySelectorAll(selector)].map(o => {
            const cell = o.closest('.jp-Cell');
            const index = [...document.querySelectorAll('.jp-Notebook .jp-Cell')].indexOf(cell);
            const code = cell ? [...cell.querySelectorAll('.jp-InputArea-editor .cm-line')]
                                .map(line => line.textContent).join('\\n') : '';
            return `--- cell ${index}:\\n${code.slice(0, 600)}\\n--- its output:\\n`
                   + o.textContent.slice(-2500);
        })""", selector)


def _error_text(page) -> str:
    return "\n".join(_outputs(page, ERRORS) + _outputs(page, STDERR))[-6000:]


def _assert_no_error_output(page, when: str) -> None:
    """No error output, and no traceback on stderr. Warnings on stderr are allowed (the
    segmentation notebook shows torch's on purpose: max_unpool2d is not deterministic);
    they are printed."""
    errors = _outputs(page, ERRORS)
    stderr = _outputs(page, STDERR)
    tracebacks = [text for text in stderr if "Traceback" in text]
    assert not errors and not tracebacks, (f"error output {when}:\n"
                                           + "\n".join(errors + tracebacks)[-6000:])
    for text in stderr:
        print(f"stderr {when} (a warning, allowed):\n{text[-500:]}")


# --- Moving a widget's controls ---------------------------------------------------------

# What a widget shows, as a string that changes when it redraws: each image's decoded pixels
# hashed (null while one is still loading), or, for a widget without an image (a table), the
# HTML it shows. Readouts and labels of the controls are not part of it.
SHOWN = """out => {
    const images = [...out.querySelectorAll('img.widget-image')];
    if (!images.length) {
        return [...out.querySelectorAll('.widget-html-content')].map(e => e.innerHTML).join('|');
    }
    const parts = [];
    for (const img of images) {
        if (!img.complete || !img.naturalWidth) return null;
        const canvas = document.createElement('canvas');
        canvas.width = img.naturalWidth;
        canvas.height = img.naturalHeight;
        const context = canvas.getContext('2d');
        context.drawImage(img, 0, 0);
        const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
        let hash = 2166136261;
        for (let i = 0; i < data.length; i++) hash = Math.imul(hash ^ data[i], 16777619);
        parts.push(`${canvas.width}x${canvas.height}:${hash >>> 0}`);
    }
    return parts.join(' ');
}"""

# Controls in the order they are tried: sliders, then choices (dropdown, list, toggle
# buttons, checkbox), then buttons (not the Play widget's nor a file upload's). Hidden ones
# (a panel the widget is not showing) and disabled ones are skipped. Each is marked with a
# number (data-course-control) to find it again.
CONTROLS = """out => {
    const visible = e => e.offsetParent !== null && !e.disabled
                         && !e.closest('.mod-disabled, [disabled]');
    const kinds = [
        ['slider', '.widget-slider .noUi-handle'],
        ['select', '.widget-dropdown select, .widget-select select'],
        ['toggle', '.widget-toggle-buttons button:not(.mod-active)'],
        ['checkbox', '.widget-checkbox input'],
        ['button', 'button.jupyter-button:not(.widget-toggle-button):not(.widget-upload)'],
    ];
    const found = [];
    for (const [kind, selector] of kinds) {
        out.querySelectorAll(selector).forEach(e => {
            if (!visible(e) || e.closest('.widget-play')) return;
            const owner = e.closest('.jupyter-widgets:not(button):not(select):not(input)');
            const label = ['toggle', 'button'].includes(kind) ? e
                          : owner && owner.querySelector('.widget-label');
            const mark = String(document.querySelectorAll('[data-course-control]').length);
            e.dataset.courseControl = mark;
            found.push({kind, mark, label: (label && label.textContent) || e.title || ''});
        });
    }
    return found;
}"""


def _shown(output):
    return output.evaluate(SHOWN)


def _act(page, control) -> bool:
    """Move one control; False when it cannot move (a slider with a single value)."""
    if control.kind == "slider":
        # aria-valuetext, not aria-valuenow: ipywidgets' slider leaves valuenow at the
        # first value
        before = control.element.get_attribute("aria-valuetext")
        control.element.focus()
        for key in ("ArrowRight", "ArrowLeft"):  # left when the slider is at its maximum
            for _ in range(3):
                page.keyboard.press(key)
            if control.element.get_attribute("aria-valuetext") != before:
                return True
        return False
    if control.kind == "select":
        options = control.element.locator("option").count()
        if options < 2:
            return False
        current = control.element.evaluate("s => s.selectedIndex")
        control.element.select_option(index=(max(current, 0) + 1) % options)
        return True
    control.element.click()
    return True


# Every message the page sends the kernel, and the ones the kernel has finished (it
# reports "idle" with the message as parent): when none is open after a control moved, the
# kernel has sent every redraw that change causes. No timing guess, so a loaded machine
# only makes it slower.
FOLLOW_KERNEL = """() => {
    const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
    const follow = window.courseKernel = {sent: [], done: new Set()};
    kernel.anyMessage.connect((_, {msg, direction}) => {
        if (direction === 'send' && msg.channel === 'shell') {
            follow.sent.push(msg.header.msg_id);
        } else if (direction === 'recv' && msg.header.msg_type === 'status'
                   && msg.content.execution_state === 'idle') {
            follow.done.add(msg.parent_header.msg_id);
        }
    });
}"""
OPEN_MESSAGES = """() => {
    const follow = window.courseKernel;
    return [follow.sent.length, follow.sent.filter(id => !follow.done.has(id)).length];
}"""


def _redraws(page, output, control) -> bool:
    """Whether moving ``control`` changes what the widget shows."""
    before = None
    deadline = time.monotonic() + 30
    while before is None:  # an image still loading from an earlier change
        before = _shown(output)
        assert before is not None or time.monotonic() < deadline, "the widget's image never loads"
        page.wait_for_timeout(100)
    control.element.scroll_into_view_if_needed()
    sent_before, _ = page.evaluate(OPEN_MESSAGES)
    if not _act(page, control):
        return False
    start, closed = time.monotonic(), 0
    while closed < 2:  # no message open on two looks in a row: the kernel is done
        sent, open_ = page.evaluate(OPEN_MESSAGES)
        if sent == sent_before and time.monotonic() - start > DRAW_S:
            return False  # the control told the kernel nothing
        assert time.monotonic() - start < CONTROL_TIMEOUT_S, (
            f"the kernel did not finish handling the {control} in {CONTROL_TIMEOUT_S} s")
        closed = closed + 1 if sent > sent_before and open_ == 0 else 0
        page.wait_for_timeout(100)
    drawn = time.monotonic()
    while time.monotonic() - drawn < DRAW_S:
        shown = _shown(output)
        if shown is not None and shown != before:
            return True
        page.wait_for_timeout(100)
    return False


class Control:
    def __init__(self, output, found: dict):
        self.kind, self.label = found["kind"], found["label"].strip()
        self.element = output.locator(f"[data-course-control='{found['mark']}']")

    def __repr__(self) -> str:
        return f"{self.kind} {self.label!r}"


def _check_widgets(page, shots: Path) -> int:
    """Every widget rendered, and one control of each changes what it shows.

    A widget without controls (a live training plot) only has to show something. Returns
    the number of widgets with controls.
    """
    text = page.locator(".jp-Notebook").text_content()
    assert "Error displaying widget" not in text
    assert "model not found" not in text.lower()
    outputs = page.locator(WIDGET_OUTPUTS)
    interactive = 0
    for i in range(outputs.count()):
        output = outputs.nth(i)
        output.scroll_into_view_if_needed()
        cell = output.evaluate("o => [...document.querySelectorAll('.jp-Notebook .jp-Cell')]"
                               ".indexOf(o.closest('.jp-Cell'))")
        deadline = time.monotonic() + 60
        while not _shown(output):  # null: an image still loading; "": nothing to show
            assert time.monotonic() < deadline, (
                f"the widget of cell {cell} shows no image and no text")
            page.wait_for_timeout(200)
        controls = [Control(output, found) for found in output.evaluate(CONTROLS)]
        if not controls:
            print(f"cell {cell}: a widget without controls (a display), rendered")
            continue
        interactive += 1
        first = interactive == 1  # the before/after screenshots: the first widget's change
        if first:
            page.screenshot(path=f"{shots}-before.png")
        for tried, control in enumerate(controls, 1):
            if _redraws(page, output, control):
                print(f"cell {cell}: the {control} redraws the widget (controls tried: "
                      f"{tried})")
                if first:
                    output.scroll_into_view_if_needed()
                    page.screenshot(path=f"{shots}-after.png")
                break
        else:
            raise AssertionError(f"no control of the widget in cell {cell} changes what it "
                                 f"shows; tried {controls}")
    return interactive


def _assert_no_callback_error(page) -> None:
    """A widget callback that raises shows its traceback in JupyterLab's log console, not in
    the notebook: the status bar's log item appears; open it and read the entries."""
    status = page.locator(".jp-LogConsoleStatusItem:not(.lm-mod-hidden)")
    if status.count() == 0:
        return
    status.click()
    entries = page.locator(".jp-LogConsolePanel .jp-OutputArea-child")
    entries.first.wait_for(timeout=30_000)
    texts = entries.evaluate_all("children => children.map(c => c.textContent)")
    errors = [text for text in texts if "Traceback" in text]
    assert not errors, "a widget callback raised:\n" + "\n".join(errors)[-6000:]
    for text in texts:
        print(f"log console entry (no traceback, allowed):\n{text[-500:]}")


def _check_notebook(lab, browser, name: str, screenshots: Path = SCREENSHOTS) -> None:
    screenshots.mkdir(parents=True, exist_ok=True)
    stem = Path(name).stem
    for old in screenshots.glob(f"{stem}-*.png"):
        old.unlink()
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        start = time.monotonic()
        # A workspace of its own, so that no tab of an earlier notebook is restored.
        _open(page, f"{lab.url}/lab/workspaces/{stem}/tree/{name}?reset&token={lab.token}")
        page.evaluate(FOLLOW_KERNEL)
        opened = time.monotonic()
        _run_all_cells(page)
        _assert_no_error_output(page, "after Run All")
        ran = time.monotonic()
        widgets = _check_widgets(page, screenshots / stem)
        print(f"seconds: {opened - start:.1f} to open with its kernel ready, {ran - opened:.1f} "
              f"to run all cells, {time.monotonic() - ran:.1f} for the widgets")
        if name in NO_WIDGET:
            assert widgets == 0, f"{name} has a widget now: remove it from NO_WIDGET"
        else:
            assert widgets > 0, (f"{name} shows no widget with controls; every notebook has "
                                 "one (or give the reason in NO_WIDGET)")
        _assert_no_error_output(page, "after moving the widgets")
        _assert_no_callback_error(page)
    except Exception:
        page.screenshot(path=str(screenshots / f"{stem}-failed.png"))
        raise
    finally:
        page.close()
        lab.shut_down_kernels_of(name)


class _NotebookInChromium:
    """One class per notebook (below): ``--dist loadscope`` groups a module's functions on
    one worker but each class apart, so the notebooks spread over the workers."""

    notebook: str

    def test_runs_all_with_every_widget_rendered_and_redrawing(self, lab, browser):
        _check_notebook(lab, browser, self.notebook)
        running = [Path(session["path"]).name for session in lab.api("sessions")]
        assert self.notebook not in running, "its kernel was not shut down"


# Last notebook first: the later ones train bigger models and take longest (about a minute
# each alone against 10-30 s for the first ones, benchmarks/results.md), so starting with
# them keeps the two workers from waiting on one long notebook at the end (loadscope keeps
# this order for one-test classes).
for _name in reversed(NOTEBOOKS):
    _class = "TestNotebook_" + re.sub(r"\W", "_", Path(_name).stem)
    globals()[_class] = type(_class, (_NotebookInChromium,), {"notebook": _name})


# --- The check itself fails where it should ---------------------------------------------

# A picture drawn by PIL (lighter than matplotlib: these kernels start fast).
PICTURE = """\
import io
import ipywidgets as widgets
from PIL import Image
def picture(red):
    buffer = io.BytesIO()
    Image.new("RGB", (60, 30), (red, 0, 0)).save(buffer, format="png")
    return buffer.getvalue()
"""
BROKEN_WIDGETS = {
    # a callback that raises (its traceback goes to the log console), and a second slider
    # that redraws, so only the log console can tell
    "raises": ("a widget callback raised", PICTURE + """\
a, b = widgets.IntSlider(description="a"), widgets.IntSlider(description="b")
image = widgets.Image(value=picture(0))
def broken(change): raise ValueError("a callback that raises")
def draw(change): image.value = picture(10 * b.value)
a.observe(broken, names="value"); b.observe(draw, names="value")
widgets.VBox([a, b, image])"""),
    # controls wired to nothing: the picture never changes
    "dead": ("no control of the widget in cell 0 changes what it shows", PICTURE + """\
widgets.VBox([widgets.IntSlider(description="a"), widgets.Dropdown(options=[1, 2]),
              widgets.Button(description="go"), widgets.Image(value=picture(0))])"""),
    # an exception in a cell: Run All stops there
    "error": ("(?s)did not run.*a cell that fails", "raise ValueError('a cell that fails')"),
}


@pytest.mark.parametrize("case", list(BROKEN_WIDGETS))
def test_the_check_fails_on_a_broken_notebook(lab, browser, case, tmp_path):
    import nbformat

    message, code = BROKEN_WIDGETS[case]
    cells = [nbformat.v4.new_code_cell(code)]
    if case == "error":
        cells.append(nbformat.v4.new_code_cell("1 + 1"))
    notebook = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}})
    name = f"broken_{case}.ipynb"
    nbformat.write(notebook, lab.root / name)
    with pytest.raises(AssertionError, match=message):
        _check_notebook(lab, browser, name, screenshots=tmp_path)
    assert (tmp_path / f"broken_{case}-failed.png").exists()
