"""The book's first table: each report's numbers and claims beside their recorded full-scale reproduction.

Rows come from each chapter's stored reported-vs-reproduced table (the report's column) and
values from the chapter's full-scale record (:mod:`textbook.records`): a changed record
changes the scoreboard at the next build, and a stale or missing record says so.
"""
from __future__ import annotations

from pathlib import Path

import nbformat

from . import claims, records
from .settings import CHAPTERS_DIR
from .tables import REASON as REASON_KEY, REPORTED_VS_REPRODUCED, VERDICT as VERDICT_KEY

#: The chapters with a report, in the book's order.
CHAPTERS = tuple(claims.REPORT_OF)


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


#: The scoreboard's columns after chapter and quantity.
REPORT, RECORDED, VERDICT, WHY = "report", "full scale (recorded)", "verdict (recorded run)", "why (recorded run)"


def rows(chapters=CHAPTERS) -> list[dict]:
    """One row per number a report prints or claim it makes: chapter, quantity, the report's value, the recorded
    full-scale value, the recorded run's verdict and its reason (both worded by the chapter's code)."""
    table = []
    for chapter in chapters:
        notebook = CHAPTERS_DIR / f"{chapter}.ipynb"
        record = records.read(chapter)
        stale = None if record is None else records.staleness(record, notebook)
        numbers = {} if record is None else record["numbers"]
        for label, reported in _report_rows(notebook):
            key = f"{REPORTED_VS_REPRODUCED} / {label}"
            if record is None or stale:
                recorded, judged = "—", "—"
                why = "no recorded run" if record is None else "the record is stale: the code changed after the run"
            elif key not in numbers:
                recorded, judged, why = "—", "—", "not in the recorded run"
            else:
                recorded = numbers[key]["text"]
                judged = numbers.get(f"{key} / {VERDICT_KEY}", {}).get("text", "— (no verdict recorded)")
                why = numbers.get(f"{key} / {REASON_KEY}", {}).get("text", "—")
            table.append({"chapter": chapter, "quantity": label, REPORT: reported, RECORDED: recorded,
                          VERDICT: judged, WHY: why})
    return table


def show(chapters=CHAPTERS):
    """The scoreboard as a table for the intro page (pandas, one block per chapter)."""
    import pandas as pd
    from IPython.display import display
    frame = pd.DataFrame(rows(chapters)).set_index(["chapter", "quantity"])
    display(frame.style)
