"""Tables of reproduced numbers, and the reported-vs-reproduced table with its recorded full-scale column."""
from __future__ import annotations

from pathlib import Path

from mlcore.config import full_data

from . import records
from ._state import RUN, remember
from .regression import DEFAULT, Tolerance

#: The table of each chapter that sets the report's numbers beside the reproduced ones.
REPORTED_VS_REPRODUCED = "reported-vs-reproduced"


def table(name: str, frame, *, column=None, reasons=None, verdicts: dict | None = None,
          tol: Tolerance | None = DEFAULT, row_tol: dict | None = None):
    """Record every cell of one column of ``frame`` (by default the one headed "this build …").

    ``row_tol`` maps a row label to its own tolerance (``None``: recorded, so that the
    full-scale column can show it, but never compared).  ``reasons`` names the column
    that explains each row's difference for *this* build's scale; its cells are
    recorded too (shown beside a recorded run, never compared: they restate numbers
    that are compared). ``verdicts`` maps a row label to a short verdict on that row for
    this build's scale (agrees, within or beyond a stated tolerance, not comparable …),
    worded by the chapter from the same comparisons as its reason; it is recorded, never
    compared, and shown by the book's scoreboard (:mod:`textbook.scoreboard`), not here.
    Returns the frame to display: ``frame`` itself, except that the chapter's
    reported-vs-reproduced table, built offline, gains the column of the chapter's
    recorded full-scale run (see :mod:`textbook.records`) after ``column`` — or, with
    ``reasons``, after the reasons, followed by the recorded run's own reasons.
    """
    column = column if column is not None else next(c for c in frame.columns if str(c).startswith("this build"))
    row_tol = row_tol or {}
    verdicts = verdicts or {}
    unknown = [label for label in verdicts if label not in frame.index]
    if unknown:
        raise ValueError(f"verdicts must name rows of the table {name!r}; received rows it lacks: {unknown}")
    if not all(isinstance(text, str) and text.strip() for text in verdicts.values()):
        raise TypeError(f"verdicts must map each row to a non-empty str; received {verdicts!r}")
    for label, value in frame[column].items():
        remember(f"{name} / {label}", _as_text(value), row_tol.get(label, tol))
    if reasons is not None:
        for label, text in frame[reasons].items():
            remember(f"{name} / {label} / {REASON}", str(text), None)
    for label, text in verdicts.items():
        remember(f"{name} / {label} / {VERDICT}", text, None)
    if name == REPORTED_VS_REPRODUCED and RUN["chapter"] and not full_data():
        frame = _with_recorded_run(frame, name, column, reasons)
    return frame


#: The suffixes of a row's key under which :func:`table` records the row's reason and its verdict.
REASON = "reason"
VERDICT = "verdict"


def _with_recorded_run(frame, name: str, after, reasons=None):
    """``frame`` with the recorded full-scale values (and reasons) of its rows inserted."""
    chapter = RUN["chapter"]
    record = records.read(chapter)
    notebook = Path(f"{chapter}.ipynb")
    keys = [f"{name} / {label}" for label in frame.index]
    frame = frame.copy()
    position = list(frame.columns).index(reasons if reasons is not None else after) + 1
    frame.insert(position, records.column_header(record), records.column(record, notebook, keys))
    if reasons is not None:
        usable = record is not None and records.staleness(record, notebook) is None
        recorded_reasons = (records.column(record, notebook, [f"{key} / {REASON}" for key in keys]) if usable
                            else ["—"] * len(keys))
        frame.insert(position + 1, "why they differ (recorded run)", recorded_reasons)
    return frame


def _as_text(value) -> str:
    if isinstance(value, float):
        return repr(value)
    return str(value)

