"""Project-wide pytest setup.

The chapters are checked by nbval.  When ``_build`` holds the book's execution of a
chapter's current code (``jupyter-book build .`` ran first, as the README's commands
and CI do), nbval compares those very outputs through a replaying kernel
(:mod:`textbook.replay`), so each chapter is executed once per check;
``--execute-chapters`` makes nbval execute every chapter afresh instead.  Live kernels
are separate processes: putting ``tests/offline`` on their PYTHONPATH loads a socket
guard in each (see ``tests/offline/sitecustomize.py``; the build's kernels get the same
guard), so a chapter that tried to download anything in the default mode fails.

``pytest -m quick`` is the quick tier: mlcore's unit tests and the whole nbval check of
one chapter (``QUICK_CHAPTER``), without the browser, the book build or the tools.
"""
import os
from pathlib import Path

import pytest

#: The test modules outside the quick tier: they drive the browser, JupyterLab, the book's
#: build or the command-line tools, or read every chapter.
SLOW_MODULES = {"test_browser.py", "test_jupyterlab.py", "test_offline_and_build.py", "test_tools_cli.py",
                "test_book.py", "test_claims.py", "test_records.py", "test_reported_values.py"}
#: The chapter whose nbval check (every cell, and its regression record) belongs to the quick tier.
QUICK_CHAPTER = "ntnu-tdt4265.ipynb"


def pytest_addoption(parser):
    parser.addoption("--execute-chapters", action="store_true", default=False,
                     help="nbval executes every chapter in a fresh kernel, even where the book build's "
                          "execution of the same code is at hand")


def pytest_configure(config):
    from mlcore.config import full_data
    from textbook.execute import guard_offline_kernels
    from textbook.settings import COMPARE_ENV

    config.addinivalue_line("markers", "quick: the quick tier (mlcore's unit tests and one chapter's nbval check)")
    config.stash[_HOW] = {}
    if not config.getoption("execute_chapters"):
        _replay_the_build(config)

    # The chapters' last cell compares every reproduced number with the stored run
    # (textbook.record_run); kernels started by nbval inherit this variable.
    os.environ[COMPARE_ENV] = "1"
    if not full_data():                  # full-scale runs are allowed to download
        guard_offline_kernels()


_HOW = pytest.StashKey[dict]()


def _replay_the_build(config):
    """Give nbval the build's execution of a chapter where it matches (see the module docstring)."""
    from nbval.plugin import IPyNbFile

    from textbook import build_cache
    from textbook.replay import ReplayKernel

    live_setup = IPyNbFile.setup

    def setup(self):
        path = Path(str(self.fspath))
        executed = build_cache.executed(path)
        config.stash[_HOW][path.name] = "live kernel" if executed is None else "the build's execution"
        if executed is None:
            return live_setup(self)
        self.kernel = ReplayKernel(executed, path)
        self.setup_sanitize_files()

    IPyNbFile.setup = setup


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(str(item.fspath))
        if (path.suffix == ".py" and path.parent.name == "tests" and path.name not in SLOW_MODULES) \
                or path.name == QUICK_CHAPTER:
            item.add_marker(pytest.mark.quick)


def pytest_terminal_summary(terminalreporter, config):
    how = config.stash.get(_HOW, {})
    if how:
        terminalreporter.write_line("nbval compared: " + "; ".join(f"{name} ({way})" for name, way in sorted(how.items())))
