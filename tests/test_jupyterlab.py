"""The chapters as a JupyterLab user sees them: figures, rendered MyST, and the numbers of the prose.

A JupyterLab server from this environment (with jupyterlab-myst, as the README installs
it) is started on 127.0.0.1 with throw-away settings, and each stored chapter is opened
in headless Chromium — without running it, as a reader who has just cloned the book
would.  For each chapter: at least as many images as the book has figures; every
number the prose evaluates shown with the value the chapter glued; every equation
reference resolved (to another chapter's equations too, through the chapter's appendix
for JupyterLab readers); no MyST source left raw and no directive or role the renderer
does not know.  A screenshot of each,
scrolled to its first figure, goes to ``_build/screenshots/jupyterlab__<chapter>.png``.

Needs Debian's ``chromium`` and ``chromium-driver``; without them it skips (in CI it fails).
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from textbook.jupyterlab import EQ_REF, EVAL

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb"))
SHOTS = ROOT / "_build" / "screenshots"
RAW_MYST = ("{glue", ":::{", "```{", "{eq}", "{cite}", "{numref}", "{eval}", "{ref}", "Unknown Directive",
            "Unknown Role")
TOKEN = "mlcore-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _lab_settings(folder: Path) -> None:
    """Render every cell (no windowing), no news pop-up over the page, and never save."""
    for plugin, values in {"@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
                           "@jupyterlab/apputils-extension/notification": {"fetchNews": "false"},
                           "@jupyterlab/docmanager-extension/plugin": {"autosave": False}}.items():
        path = folder / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


@pytest.fixture(scope="module")
def lab():
    work = Path(tempfile.mkdtemp())
    _lab_settings(work / "settings")
    shutil.copytree(ROOT / "chapters", work / "chapters")      # what a run changes never reaches the stored chapters
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(work / "config"), JUPYTER_RUNTIME_DIR=str(work / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(work / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(work / "workspaces"))
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--allow-root",
         f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={work / 'chapters'}", "--expose-app-in-browser",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        stdout=open(work / "server.log", "w"), stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not start:\n" + (work / "server.log").read_text()[-3000:])
                time.sleep(0.5)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


def _book_figures(chapter: str, nb) -> int:
    """The figures the built book shows for the chapter (its caption cells when the book is not built)."""
    page = ROOT / "_build" / "html" / "chapters" / f"{chapter}.html"
    if page.is_file():
        from bs4 import BeautifulSoup
        return len(BeautifulSoup(page.read_text(), "html.parser").select("figure, div.figure"))
    from textbook.sphinx.jupyter_reader import CAPTION_LABEL
    return sum(c.cell_type == "markdown" and bool(CAPTION_LABEL.match(c.source)) for c in nb.cells)


def _evaluated_texts(nb) -> list[str]:
    values = []
    for cell in nb.cells:
        for entry in cell.metadata.get("user_expressions", []) if cell.cell_type == "markdown" else []:
            text = entry["result"]["data"]["text/plain"]
            values.append(" ".join(text[1:-1].split()) if text[:1] in "'\"" else text)
    return values


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_reads_in_jupyterlab(lab, browser, chapter):
    from selenium.webdriver.support.ui import WebDriverWait
    nb = nbformat.read(ROOT / "chapters" / f"{chapter}.ipynb", as_version=4)
    figures = _book_figures(chapter, nb)
    browser.get(f"{lab}/lab/tree/{chapter}.ipynb?token={TOKEN}")
    count_cells = "return document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell').length"
    WebDriverWait(browser, 90).until(lambda d: d.execute_script(count_cells) == len(nb.cells))
    count_images = ("return [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea img')]"
                    ".filter(i => i.complete && i.naturalWidth > 0).length")
    try:
        WebDriverWait(browser, 60).until(lambda d: d.execute_script(count_images) >= figures)
    except Exception:
        pass                              # reported by the assertion below, with the count
    expected = _evaluated_texts(nb)
    notebook_text = ("return document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook')"
                     ".innerText")

    def shown(driver) -> str:
        return " ".join(driver.execute_script(notebook_text).split())

    try:                                  # the markdown renderer finishes its last cells (slower on a busy machine)
        WebDriverWait(browser, 30).until(lambda d: all(value in shown(d) for value in expected))
    except Exception:
        pass                              # reported by the assertion below, with the values missing
    images = browser.execute_script(count_images)
    text = shown(browser)
    browser.execute_script("const i = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) "
                           ".jp-OutputArea img'); if (i) i.scrollIntoView({block: 'start'});")
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SHOTS / f"jupyterlab__{chapter}.png"))

    assert images >= figures, f"{images} images shown, the book has {figures} figures"
    raw = [pattern for pattern in RAW_MYST if pattern in text]
    assert raw == [], f"MyST source shown raw or not understood: {raw}"
    missing = [value for value in expected if value not in text]
    assert missing == [], f"numbers of the prose not shown: {missing[:5]}"
    prose = browser.execute_script("return [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) "
                                   ".jp-MarkdownCell')].map(c => c.innerText).join(' ')")
    labels = {label for c in nb.cells if c.cell_type == "markdown" for label in EQ_REF.findall(c.source)}
    unresolved = sorted(label for label in labels if label in prose)
    assert unresolved == [], f"equation references shown as bare labels (not resolved): {unresolved}"
    # What jupyterlab-myst writes for a reference it cannot number ({numref} to a caption paragraph).
    assert "(Paragraph)" not in prose and "??" not in prose, "a reference JupyterLab cannot number"


#: Run in JupyterLab by the test below: a chapter with numbers in its prose that runs in well under a minute.
RUN_IN_LAB = "ntnu-tdt4265"
EXPRESSIONS_AFTER_RUN = """
const panel = window.jupyterapp.shell.currentWidget;
return panel.content.widgets.filter(c => c.model.type === 'markdown')
  .flatMap(c => (c.model.getMetadata('user_expressions') || []).map(e => [e.expression, e.result.status,
                 (e.result.data || {})['text/plain'] || e.result.evalue || '']));
"""


STDERR_AFTER_RUN = """
const panel = window.jupyterapp.shell.currentWidget;
return panel.content.widgets.filter(c => c.model.type === 'code')
    .flatMap(c => c.model.outputs.toJSON())
    .filter(o => o.output_type === 'stream' && o.name === 'stderr')
    .map(o => Array.isArray(o.text) ? o.text.join('') : o.text);
"""


def test_running_a_chapter_in_jupyterlab_recomputes_the_numbers_of_its_prose(lab, browser):
    """Run All in a live kernel: jupyterlab-myst evaluates every {eval} name against the variables
    that book.glue defined, and shows each result in the prose."""
    from selenium.common.exceptions import (ElementNotInteractableException, StaleElementReferenceException,
                                            TimeoutException)
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    nb = nbformat.read(ROOT / "chapters" / f"{RUN_IN_LAB}.ipynb", as_version=4)
    expected = {name for c in nb.cells if c.cell_type == "markdown" for name in EVAL.findall(c.source)}
    assert expected, "the chapter has no numbers in its prose"
    browser.get(f"{lab}/lab/tree/{RUN_IN_LAB}.ipynb?token={TOKEN}")
    # Click into the notebook, as a person would: JupyterLab's current widget follows focus, which a headless page
    # does not always have before a click (Debian's chromium 150 did not).
    first_cell = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell"

    def click_first_cell(driver) -> bool:
        try:                                   # the notebook re-renders while it loads: retry until a click lands
            cells = [e for e in driver.find_elements(By.CSS_SELECTOR, first_cell) if e.size["height"] > 0]
            if cells:
                cells[0].click()
            return bool(cells)
        except (StaleElementReferenceException, ElementNotInteractableException):
            return False

    WebDriverWait(browser, 90).until(click_first_cell)
    WebDriverWait(browser, 90).until(lambda d: d.execute_script(
        "const p = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
        "return !!(p && p.sessionContext && p.sessionContext.session && p.sessionContext.session.kernel"
        " && p.sessionContext.session.kernel.status === 'idle');"))
    browser.execute_script("""
        const panel = window.jupyterapp.shell.currentWidget;
        panel.content.widgets.forEach(c => { if (c.model.type === 'markdown') c.model.deleteMetadata('user_expressions'); });
        window.jupyterapp.commands.execute('notebook:run-all-cells');""")
    done = ("const p = window.jupyterapp.shell.currentWidget;"
            "return p.sessionContext.session.kernel.status === 'idle' && "
            "p.content.widgets.filter(c => c.model.type === 'code' && c.model.executionCount === null).length === 0;")
    time.sleep(3)
    WebDriverWait(browser, 600, poll_frequency=2).until(lambda d: d.execute_script(done))
    WebDriverWait(browser, 60).until(lambda d: {e[0] for e in d.execute_script(EXPRESSIONS_AFTER_RUN)} >= expected)
    results = browser.execute_script(EXPRESSIONS_AFTER_RUN)
    stderr = browser.execute_script(STDERR_AFTER_RUN)
    # Progress bars close to blank lines; nothing may warn.  (Whether a bar showed at all is not
    # asserted: locally JupyterLab kept 10 emptied stderr outputs, in one CI run none.  That a
    # kernel started by a Jupyter server shows bars is tested in tests/test_train.py.)
    assert [s for s in stderr if s.strip()] == [], "a bar was left behind, or something warned"
    failed = [r for r in results if r[1] != "ok"]
    assert failed == [], f"expressions that failed in the kernel: {failed[:5]}"
    shown = [value.strip("'\"") for _, _, value in results]

    def not_shown():
        text = " ".join(browser.execute_script(
            "return document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook').innerText").split())
        return [v for v in shown if " ".join(v.split()) not in text]

    # A markdown cell re-renders after its expressions arrive; on a loaded machine that can lag the
    # metadata, so wait for the prose (a value that never shows still fails below).
    try:
        WebDriverWait(browser, 60, poll_frequency=2).until(lambda d: not not_shown())
    except TimeoutException:
        pass
    assert not_shown() == []
