"""Recorded full-scale runs: what a chapter reproduced at its report's scale, and on what.

A chapter executed with ``MLCORE_FULL_DATA=1`` ends (:func:`textbook.record_run`) by
writing ``results/full-scale/<chapter>.json``: every reproduced value of the run
(the same record nbval compares) and its provenance — the data read and how they
were verified, the mlcore version, the SHA-256 of each mlcore module that computes
numbers and of the chapter's code, the date, the machine and the run time.

The default (offline) build reads that file and puts its values beside the live
ones, in a column "full scale (recorded run …)" of the chapter's reported-vs-
reproduced table.  The column says so in words where there is no record, and where
the chapter's code or a number-computing mlcore module has changed since the run
(the values would no longer be what this code computes).

``TEXTBOOK_RECORDS_DIR`` points reading and writing elsewhere (tests use it so that
they never overwrite the committed records; :mod:`textbook.settings`).
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from pathlib import Path

import mlcore

from ._state import RUN
from .settings import CHAPTERS_DIR, records_dir

MLCORE_DIR = Path(mlcore.__file__).resolve().parent
#: The book's own code that words or formats a recorded value: how a report's printed number
#: and ours compare (printed.py), lists in prose (prose.py), table cells as text (tables.py).
#: A change there can change a record's text, so these are fingerprinted too.
BOOK_WORDING = tuple(Path(__file__).resolve().parent / name for name in ("printed.py", "prose.py", "tables.py"))


def record_path(chapter: str) -> Path:
    return records_dir() / f"{chapter}.json"


# -- fingerprints -------------------------------------------------------------------
def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def library_fingerprint() -> dict[str, str]:
    """SHA-256 of each mlcore module, and of each file of :data:`BOOK_WORDING`, by its path in the project.

    Every mlcore module counts: even the plotting module computes numbers a chapter
    reads (the grid of :func:`mlcore.plots.region_grid`).
    """
    sources = {f"mlcore/{path.name}": path for path in sorted(MLCORE_DIR.glob("*.py"))}
    sources.update({f"textbook/{path.name}": path for path in BOOK_WORDING})
    return {name: _sha256(path.read_bytes()) for name, path in sources.items()}


def chapter_code_fingerprint(notebook: Path) -> str:
    """SHA-256 of the chapter's code cells, in order (prose and outputs do not count)."""
    cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    code = "\0".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
    return _sha256(code.encode("utf-8"))


def code_in_force(notebook: Path) -> dict:
    """The fingerprints a record carries, of the code on disk now: the chapter's code cells and every file of
    :func:`library_fingerprint` (the two provenance entries of a record, by their names there)."""
    return {"library sources (sha256)": library_fingerprint(),
            "chapter code (sha256)": chapter_code_fingerprint(notebook)}


def _changes(then: dict, now: dict) -> list[str]:
    """What differs between two sets of fingerprints (:func:`code_in_force`'s, or a record's provenance), in words."""
    changes = []
    if then["chapter code (sha256)"] != now["chapter code (sha256)"]:
        changes.append("a change to this chapter's code")
    old, new = then.get("library sources (sha256)", {}), now["library sources (sha256)"]
    changed = sorted(name for name in old.keys() | new.keys() if old.get(name) != new.get(name))
    if changed:
        changes.append("a change to " + ", ".join(changed))
    return changes


def machine() -> dict:
    """The facts about this machine that bear on speed and rounding (no paths, no names)."""
    import numpy as np
    from threadpoolctl import threadpool_info
    # The kernel family OpenBLAS chose for this processor (Haswell, SkylakeX, ...) sets the rounding of every
    # product, so a chaotic run (a large step) can end elsewhere on another kind of machine.
    blas = [f"{lib.get('internal_api')} {lib.get('version')}"
            + (f" {lib['architecture']} kernels" if lib.get("architecture") else "")
            + f" ({lib.get('num_threads')} threads)"
            for lib in sorted(threadpool_info(), key=lambda lib: lib.get("filepath", ""))
            if lib.get("user_api") == "blas"]
    return {"cpus": os.cpu_count(), "processor": _processor(), "system": f"{platform.system()} {platform.machine()}",
            "python": platform.python_version(), "numpy": np.__version__, "blas": ", ".join(blas) or "unknown"}


def _processor() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


# -- writing --------------------------------------------------------------------------
def write(chapter: str, notebook: Path, numbers: dict, run_time_s: float, *, code_at_start: dict | None) -> Path:
    """Write the record of a full-scale run of ``chapter`` and return its path.

    ``code_at_start`` is :func:`code_in_force` as the run began (:func:`textbook.setup` takes it).  If the code on
    disk has changed since, a record would vouch for code that did not produce it: none is written (the previous
    record stays) and RuntimeError says what changed.
    """
    from mlcore.datasets import full_scale_sources
    if code_at_start is None:
        raise ValueError("code_at_start: expected the fingerprints taken as the run began (textbook.setup(chapter), "
                         f"run in the folder of {Path(notebook).name}); received None")
    code_now = code_in_force(notebook)
    changes = _changes(code_at_start, code_now)
    if changes:
        raise RuntimeError(f"no record of {chapter} written: its run began before " + " and ".join(changes)
                           + "; run the chapter again from the top")
    record = {
        "chapter": chapter,
        "numbers": numbers,
        "provenance": {
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "run time (s)": round(run_time_s, 1),
            "data": full_scale_sources(),
            "mlcore version": mlcore.__version__,
            **code_now,
            "machine": machine(),
        },
    }
    path = record_path(chapter)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


# -- reading ----------------------------------------------------------------------------
def read(chapter: str) -> dict | None:
    """The record of ``chapter``, or None when there is none."""
    path = record_path(chapter)
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def staleness(record: dict, notebook: Path) -> str | None:
    """Why ``record`` no longer describes this code (None when it still does)."""
    changes = _changes(record["provenance"], code_in_force(notebook))
    return "stale: recorded before " + " and ".join(changes) if changes else None


def column_header(record: dict | None) -> str:
    """The heading of the recorded-run column: the run's date, data and time."""
    if record is None:
        return "full scale (recorded run)"
    provenance = record["provenance"]
    data = "; ".join(entry["source"] for entry in provenance["data"].values()) or "no data set loaded"
    seconds = provenance["run time (s)"]
    took = f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"
    # The data named are the files read; which images each run of the chapter uses, the chapter says.
    return (f"full scale (recorded run: {provenance['date'][:10]}, from {data}; the chapter says which of these "
            f"images each part uses; {took} on {provenance['machine']['cpus']} cores)")


def column(record: dict | None, notebook: Path, keys: list[str]) -> list[str]:
    """The recorded value for each key, or words that say why there is none."""
    if record is None:
        return ["no recorded run"] * len(keys)
    stale = staleness(record, notebook)
    if stale:
        return [stale] * len(keys)
    numbers = record["numbers"]
    return [numbers[key]["text"] if key in numbers else "not in the recorded run" for key in keys]


def recorded_text(key: str, chapter: str | None = None) -> str | None:
    """The text a chapter's full-scale record holds for ``key``: for prose that speaks for the recorded run.
    ``chapter``: a chapter's name (its notebook in ``chapters/``); by default the running chapter, whose kernel runs
    beside its notebook. None when there is no record, it is stale, or it lacks the key."""
    if not isinstance(key, str):
        raise TypeError(f"key must be a str naming a recorded value; received {type(key).__name__}")
    if chapter is None:
        chapter = RUN["chapter"]
        if chapter is None:
            raise ValueError("recorded_text needs a chapter: call textbook.setup(...) first or pass chapter=")
        notebook = Path(f"{chapter}.ipynb")
    elif not isinstance(chapter, str):
        raise TypeError(f"chapter must be a str naming a chapter; received {type(chapter).__name__}")
    else:
        notebook = CHAPTERS_DIR / f"{chapter}.ipynb"
        if not notebook.is_file():
            raise ValueError(f"chapter must name a notebook in {CHAPTERS_DIR.name}/; received {chapter!r}")
    record = read(chapter)
    if record is None or staleness(record, notebook) is not None:
        return None
    return record["numbers"].get(key, {}).get("text")

