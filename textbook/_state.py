"""The state of the chapter being run in this kernel: its name, its start, and the record of its numbers."""
from __future__ import annotations

#: The chapter named by :func:`textbook.setup`, when it started (``time.perf_counter``) and the fingerprints of its
#: code then (:func:`textbook.records.code_in_force`; None without a chapter notebook in the working folder).
RUN: dict = {"chapter": None, "started": 0.0, "code_at_start": None}
#: ``key → {"text": …, "tol": …}`` for every reproduced value of this run (glue and tables).
RECORD: dict[str, dict] = {}


def remember(key: str, text: str, tol) -> None:
    """Add one value to this run's record (``tol``: a Tolerance, or None for shown-never-compared)."""
    RECORD[key] = {"text": text, "tol": None if tol is None else vars(tol)}
