"""The book's first table: each report's numbers and claims beside their recorded full-scale reproduction.

Rows come from each chapter's stored reported-vs-reproduced table (the report's column) and
values from the chapter's full-scale record (:mod:`textbook.records`): a changed record
changes the scoreboard at the next build, and a stale or missing record says so.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat

from . import claims, records
from .settings import CHAPTERS_DIR
from .tables import REPORTED_VS_REPRODUCED

#: The chapters with a report, in the book's order.
CHAPTERS = tuple(claims.REPORT_OF)
_PERCENT = re.compile(r"^\s*[≈~]?\s*(\d+(?:\.\d+)?)\s*%\s*$")


#: What a chapter's table puts in the report's column when the report printed nothing to compare.
_NOTHING_PRINTED = ("—", "not printed", "not run", "figure only")


def _report_rows(notebook: Path) -> list[tuple[str, str]]:
    """``(row, the report's value)`` of the chapter's stored reported-vs-reproduced table, for every row
    in which the report prints a number or makes a claim."""
    nb = nbformat.read(notebook, as_version=4)
    for table in claims.stored_tables(nb):
        header = table[0] if table else []
        if any(name.startswith("full scale") for name in header):
            column = next(i for i, name in enumerate(header) if name.startswith("report"))
            return [(row[0], row[column]) for row in table[1:]
                    if len(row) > column and row[0] != "quantity" and row[column].strip()
                    and not row[column].strip().startswith(_NOTHING_PRINTED)]
    return []


def _percent(text: str) -> float | None:
    match = _PERCENT.match(text)
    return float(match.group(1)) if match else None


def verdict(reported: str, recorded: str, reason: str | None) -> str:
    """The recorded run's own reason, led by the gap in points where both values are single percentages
    and the reason does not already begin with a gap of its own."""
    a, b = _percent(reported), _percent(recorded)
    reason = None if reason in (None, "", "—") else reason
    if a is None or b is None or (reason and re.match(r"[-+−]\d", reason)):
        return reason or "—"
    return f"{b - a:+.1f} points" + (f"; {reason}" if reason else "")


def rows(chapters=CHAPTERS) -> list[dict]:
    """One row per number a report prints: chapter, quantity, report, full scale (recorded), verdict."""
    table = []
    for chapter in chapters:
        notebook = CHAPTERS_DIR / f"{chapter}.ipynb"
        record = records.read(chapter)
        stale = None if record is None else records.staleness(record, notebook)
        numbers = {} if record is None else record["numbers"]
        for label, reported in _report_rows(notebook):
            key = f"{REPORTED_VS_REPRODUCED} / {label}"
            if record is None or stale:
                recorded = "—"
                why = "no recorded run" if record is None else "the record is stale: the code changed after the run"
            elif key not in numbers:
                recorded, why = "—", "not in the recorded run"
            else:
                recorded = numbers[key]["text"]
                why = verdict(reported, recorded, numbers.get(f"{key} / reason", {}).get("text"))
            table.append({"chapter": chapter, "quantity": label, "report": reported,
                          "full scale (recorded)": recorded, "how they compare (recorded run)": why})
    return table


def show(chapters=CHAPTERS):
    """The scoreboard as a table for the intro page (pandas, one block per chapter)."""
    import pandas as pd
    from IPython.display import display
    frame = pd.DataFrame(rows(chapters)).set_index(["chapter", "quantity"])
    display(frame.style)
