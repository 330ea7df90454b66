"""Running a chapter in a fresh kernel, as the book build and JupyterLab's *Restart and Run All* do.

The tools (``tools/run_chapters.py``, ``tools/record_full_scale.py``) share this: the
kernel starts in ``chapters/`` so that every relative path a chapter uses means what it
means in JupyterLab and in the book build.
"""
from __future__ import annotations

import time
from pathlib import Path

import nbformat

from .settings import CHAPTERS_DIR, chapter_names


def notebook_path(chapter: str) -> Path:
    """The chapter's ``.ipynb``, or a clear error naming the chapters there are."""
    path = CHAPTERS_DIR / f"{chapter}.ipynb"
    if not path.is_file():
        raise ValueError(f"no chapter {chapter!r}; the chapters are {', '.join(map(repr, chapter_names()))}")
    return path


def execute(nb, *, timeout_s: int, on_cell_executed=None) -> float:
    """Execute ``nb`` in place in a fresh ``python3`` kernel started in ``chapters/``; return the seconds taken."""
    from nbclient import NotebookClient
    started = time.perf_counter()
    hooks = {} if on_cell_executed is None else {"on_cell_executed": on_cell_executed}
    NotebookClient(nb, timeout=timeout_s, kernel_name="python3",
                   resources={"metadata": {"path": str(CHAPTERS_DIR)}}, **hooks).execute()
    return time.perf_counter() - started


def read(chapter: str):
    return nbformat.read(notebook_path(chapter), as_version=4)
