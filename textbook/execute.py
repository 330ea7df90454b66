"""Running a chapter in a fresh kernel, as the book build and JupyterLab's *Restart and Run All* do.

The tools (``tools/run_chapters.py``, ``tools/record_full_scale.py``) share this: the
kernel starts in ``chapters/`` so that every relative path a chapter uses means what it
means in JupyterLab and in the book build.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat

from .settings import CHAPTERS_DIR, OFFLINE_GUARD, chapter_names


def guard_offline_kernels() -> None:
    """Every kernel started from now on refuses network connections (``tests/offline`` on its PYTHONPATH).

    The offline build, nbval, ``tools/run_chapters.py`` and ``benchmarks/bench_budgets.py`` run
    chapters this way: a chapter that tried to download anything offline fails.
    """
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if str(OFFLINE_GUARD) not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([str(OFFLINE_GUARD)] + paths)


def notebook_path(chapter: str) -> Path:
    """The chapter's ``.ipynb``, or a clear error naming the chapters there are."""
    path = CHAPTERS_DIR / f"{chapter}.ipynb"
    if not path.is_file():
        raise ValueError(f"no chapter {chapter!r}; the chapters are {', '.join(map(repr, chapter_names()))}")
    return path


def execute(nb, *, timeout_s: int, on_cell_executed=None, cwd: Path = CHAPTERS_DIR) -> float:
    """Execute ``nb`` in place in a fresh ``python3`` kernel started in ``cwd`` (a chapter's: ``chapters/``);
    return the seconds taken."""
    from nbclient import NotebookClient
    started = time.perf_counter()
    hooks = {} if on_cell_executed is None else {"on_cell_executed": on_cell_executed}
    NotebookClient(nb, timeout=timeout_s, kernel_name="python3",
                   resources={"metadata": {"path": str(cwd)}}, **hooks).execute()
    return time.perf_counter() - started


def read(chapter: str):
    return nbformat.read(notebook_path(chapter), as_version=4)
