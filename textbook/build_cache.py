"""The build's executed chapters, kept once and shared by the book and by nbval.

The book is built in MyST-NB's ``cache`` mode: jupyter-cache keeps each executed
notebook in ``_build/.jupyter_cache``, keyed by the notebook's code cells, and a
rebuild executes only the chapters whose code changed — a prose-only change
rebuilds in seconds.

A chapter's outputs depend on more than its code cells: on ``mlcore`` and
``textbook`` (the numbers, tables and wording), on the committed full-scale records
(the tables' recorded column), on the data scale (``MLCORE_*``), the pinned
packages and the Python and NumPy versions.  :func:`stamp` fingerprints all of
these; :func:`prepare`, called by the build before it executes anything, clears the
cache when the stamp differs from the one the cache was made with.  A cached
chapter therefore always shows what executing it now would show.

The introduction also shows what the chapters store: its scoreboard reads each chapter's
stored table and whether the chapter's code still matches its record.  The stamp therefore
carries a digest of the scoreboard (:func:`scoreboard_digest`); when only that changed,
:func:`prepare` drops the introduction's execution alone, so a chapter's code change or
re-run reaches the first page without executing every chapter again.

``pytest`` compares these very executions instead of running each chapter a second
time (:mod:`textbook.replay`): :func:`executed` hands back the build's executed
notebook when it was made from the chapter's current code under the current stamp,
and ``None`` otherwise (then nbval executes the chapter itself).
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
from pathlib import Path

import nbformat

from .settings import COMPARE_ENV, ROOT

#: Where ``jupyter-book build .`` keeps its execution cache (MyST-NB's default: next to ``_build/html``).
CACHE_DIR = ROOT / "_build" / ".jupyter_cache"
STAMP_FILE = "textbook-stamp.json"
#: Files whose content changes what a chapter prints, besides its own code cells.
STAMPED = ("mlcore/**/*", "textbook/**/*.py", "results/full-scale/*.json", "requirements.txt", "constraints.txt",
           "pyproject.toml")
#: The page whose outputs also depend on the chapters' stored tables and code (its scoreboard).
INTRO = ROOT / "intro.ipynb"
SCOREBOARD = "scoreboard (sha256)"


def scoreboard_digest() -> str:
    """A digest of every row the introduction's scoreboard shows (:func:`textbook.scoreboard.rows`)."""
    from . import scoreboard
    return hashlib.sha256(json.dumps(scoreboard.rows(), sort_keys=True).encode()).hexdigest()


def stamp() -> dict:
    """Everything besides a chapter's code cells that its outputs depend on (see the module docstring)."""
    import numpy as np
    digest = hashlib.sha256()
    for pattern in STAMPED:
        for path in sorted(ROOT.glob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    # TEXTBOOK_COMPARE_STORED only decides whether record_run compares; the replay does that itself.
    environment = {name: value for name, value in sorted(os.environ.items())
                   if name.startswith(("MLCORE_", "TEXTBOOK_")) and name != COMPARE_ENV}
    return {"sources (sha256)": digest.hexdigest(), "environment": environment,
            "python": platform.python_version(), "numpy": np.__version__, SCOREBOARD: scoreboard_digest()}


def _but_scoreboard(stamp_: dict | None) -> dict | None:
    return None if stamp_ is None else {key: value for key, value in stamp_.items() if key != SCOREBOARD}


def _stored_stamp(cache_dir: Path) -> dict | None:
    path = cache_dir / STAMP_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def prepare(cache_dir: Path = CACHE_DIR) -> bool:
    """Clear ``cache_dir`` if it was made under another :func:`stamp`; return whether it was cleared.

    When only the scoreboard changed, drop the introduction's executions alone (and return False).
    """
    cache_dir = Path(cache_dir)
    now, then = stamp(), _stored_stamp(cache_dir)
    if then == now:
        return False
    from jupyter_cache import get_cache
    cleared, existed = _but_scoreboard(then) != _but_scoreboard(now), cache_dir.exists()
    if existed:
        cache = get_cache(str(cache_dir))
        if cleared:
            cache.clear_cache()
        else:
            for record in _records_of(cache, INTRO):
                cache.remove_cache(record.pk)
    cache_dir.mkdir(parents=True, exist_ok=True)
    (cache_dir / STAMP_FILE).write_text(json.dumps(now, indent=1) + "\n", encoding="utf-8")
    return cleared and existed


def executed(notebook: Path, cache_dir: Path = CACHE_DIR):
    """The build's execution of ``notebook`` (an ``nbformat`` node), or None.

    None unless the cache was made under the current :func:`stamp` (for a chapter, leaving out
    the scoreboard, which only the introduction shows) and holds an execution of this file
    whose code cells are, in order, the file's code cells now.
    """
    cache_dir, notebook = Path(cache_dir), Path(notebook).resolve()
    then, now = _stored_stamp(cache_dir), stamp()
    if notebook != INTRO.resolve():
        then, now = _but_scoreboard(then), _but_scoreboard(now)
    if then is None or then != now:
        return None
    from jupyter_cache import get_cache
    cache = get_cache(str(cache_dir))
    code = _code_cells(nbformat.read(notebook, as_version=4))
    for record in _records_of(cache, notebook):
        candidate = cache.get_cache_bundle(record.pk).nb
        if _code_cells(candidate) == code:
            return candidate
    return None


def _records_of(cache, notebook: Path) -> list:
    """The cache's executions of ``notebook``, newest first."""
    notebook = Path(notebook).resolve()
    return [record for record in sorted(cache.list_cache_records(), key=lambda r: r.created, reverse=True)
            if record.uri and Path(record.uri).resolve() == notebook]


def _code_cells(nb) -> list[str]:
    return [cell.source for cell in nb.cells if cell.cell_type == "code"]
