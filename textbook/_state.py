"""The state of the chapter being run in this kernel: its name, its start, and the record of its numbers."""
from __future__ import annotations

#: The chapter named by :func:`textbook.setup` and when it started (``time.perf_counter``).
RUN: dict = {"chapter": None, "started": 0.0}
#: ``key → {"text": …, "tol": …}`` for every reproduced value of this run (glue and tables).
RECORD: dict[str, dict] = {}


def remember(key: str, text: str, tol) -> None:
    """Add one value to this run's record (``tol``: a Tolerance, or None for shown-never-compared)."""
    RECORD[key] = {"text": text, "tol": None if tol is None else vars(tol)}
