"""The regression record: every reproduced number of a run, its tolerance, and the comparison with the stored run.

A chapter hands every reproduced number to the book (through :func:`~textbook.glue` for
numbers in the prose and :func:`~textbook.table` for tables) and ends with
:func:`record_run`.  ``record_run`` shows the record of this run and stores it in the
notebook's output.  When ``pytest`` re-executes the chapter (nbval), ``conftest.py``
sets ``TEXTBOOK_COMPARE_STORED=1`` and ``record_run`` compares the new record with the one
stored in the ``.ipynb`` on disk, number by number, each within its
:class:`Tolerance`; any drift fails the cell with a message that names the
chapter, the quantity, both values and the tolerance.

Tolerances (what a change of BLAS kernel or thread count may move, and no more):

* a percentage (``89.2%``): within ``points`` percentage points — by default
  0.5, i.e. 5 of 1 000 validation images; :func:`accuracy` sizes it in images;
* any other decimal (``0.075``): within ``rel`` (1 %) of the stored value, and
  never tighter than one unit in the last printed digit (or than ``abs``: a
  difference of two accuracies in points uses :func:`points`, 0.5 like them);
* an integer (``345``, ``30,000``): exact unless the tolerance says otherwise;
* the words around the numbers (``falls monotonically``): exact.

Timings and other machine-dependent values are glued with ``tol=None``: shown,
never compared.

At full scale (``MLCORE_FULL_DATA=1``) ``record_run`` also writes the chapter's record
of the run (:mod:`textbook.records`).
"""
from __future__ import annotations

import json
import math
import re
import time
from dataclasses import dataclass
from pathlib import Path

from mlcore.config import full_data

from . import records, settings
from ._state import RECORD, RUN

#: The key of a notebook output's metadata that holds the run's record.
RECORD_KEY = "textbook-regression-record"


@dataclass(frozen=True)
class Tolerance:
    """How far a re-run may move each number of a glued text (see the module docstring)."""
    points: float = 0.5              # percentage points, for numbers followed by %
    rel: float = 0.01                # relative, for other decimals
    integers_exact: bool = True
    integer_rel: float = 0.0         # relative band for integers when not exact
    abs: float = 0.0                 # absolute band for other decimals (e.g. a difference in points)

    def allows(self, stored: float, new: float, *, percent: bool, integer: bool, last_digit: float) -> bool:
        return abs(new - stored) <= self.band(stored, percent=percent, integer=integer, last_digit=last_digit)

    def band(self, stored: float, *, percent: bool, integer: bool, last_digit: float) -> float:
        if percent:
            return max(self.points, last_digit) + 1e-9
        if integer:
            return 0.0 if self.integers_exact else self.integer_rel * abs(stored)
        return max(self.rel * abs(stored), self.abs, last_digit) + 1e-12

    def describe(self, *, percent: bool, integer: bool) -> str:
        if percent:
            return f"±{self.points:g} percentage points"
        if integer:
            return "exact" if self.integers_exact else f"±{self.integer_rel:.0%}"
        floor = f"{self.abs:g}" if self.abs else "one unit in the last digit"
        return f"±{self.rel:.1%} (at least {floor})"


DEFAULT = Tolerance()


def accuracy(n: int, images: int = 3) -> Tolerance:
    """A percentage over ``n`` examples may move by ``images`` of them (and decimals by 1 %)."""
    return Tolerance(points=100.0 * images / n)


def points(n: float = 0.5) -> Tolerance:
    """For a difference of percentages printed without a % sign: within ``n`` points, like the percentages."""
    return Tolerance(abs=n)


def record_run(notebook: str | None = None) -> None:
    """Show this run's record; under pytest, compare it with the stored one.

    ``notebook`` is the chapter's file name (the kernel runs in its folder); by default
    the chapter named in :func:`~textbook.chapter.setup`.  The stored record is the one in
    the ``.ipynb`` on disk (an offline run); a full-scale run outside pytest writes the
    chapter's record instead (:mod:`textbook.records`).
    """
    from IPython.display import display
    if notebook is None and RUN["chapter"] is None:
        raise ValueError("record_run() needs the chapter's notebook name, or setup(chapter) first; "
                         "received neither")
    notebook = notebook or f"{RUN['chapter']}.ipynb"
    scale = "full" if full_data() else "offline"
    record = {"scale": scale, "numbers": dict(RECORD)}
    summary = "\n".join(f"{key} = {entry['text']}" for key, entry in record["numbers"].items())
    display({"text/plain": f"{len(RECORD)} reproduced values recorded ({scale} data):\n{summary}"},
            raw=True, metadata={RECORD_KEY: record})
    comparing = settings.comparing()
    if scale == "full" and (not comparing or settings.records_dir_moved()):
        chapter = RUN["chapter"] or Path(notebook).stem
        path = records.write(chapter, Path(notebook), record["numbers"], time.perf_counter() - RUN["started"],
                             code_at_start=RUN["code_at_start"])
        print(f"full-scale record written: {path.parent.name}/{path.name}")
    if comparing:
        print(check_against_stored(Path(notebook), record))


def check_against_stored(notebook: Path, record: dict) -> str:
    """Compare a run's ``record`` with the one stored in ``notebook``: a one-line verdict, or AssertionError.

    The error names the chapter and, for each drifted quantity, both values and the tolerance.
    """
    stored = stored_record(notebook)
    if stored is None or stored["scale"] != record["scale"]:
        return f"no stored record at {record['scale']} scale for {notebook.name}: nothing to compare"
    drifts = compare(stored["numbers"], record["numbers"])
    if drifts:
        raise AssertionError(f"{notebook.name}: {len(drifts)} reproduced value(s) drifted from the stored run:\n  "
                             + "\n  ".join(drifts))
    return f"all {len(stored['numbers'])} stored values reproduced within their tolerances"


def stored_record(path: Path) -> dict | None:
    """The record kept in the outputs of the ``.ipynb`` at ``path``, if any."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get(RECORD_KEY)
            if record is not None:
                return record
    return None


_NUMBER = re.compile(r"(?<![\w.])[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:e[-+]?\d+)?(?:\s?%)?")


def parse(text: str) -> tuple[str, list[tuple[float, bool, bool, float]]]:
    """``text`` as (words with numbers replaced by #, [(value, is_percent, is_integer, last_digit)])."""
    numbers = []

    def take(match):
        token = match.group(0)
        percent = token.rstrip().endswith("%")
        digits = token.rstrip("% ").replace(",", "").replace("−", "-")
        mantissa = digits.split("e")[0]
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        exponent = int(digits.split("e")[1]) if "e" in digits else 0
        numbers.append((float(digits), percent, "." not in digits and "e" not in digits,
                        10.0 ** (exponent - decimals) if decimals or exponent else 0.0))
        return "#"
    return _NUMBER.sub(take, text), numbers


def compare(stored: dict, new: dict) -> list[str]:
    """One readable line per stored value that the new run does not reproduce."""
    drifts = []
    for key, entry in stored.items():
        if entry["tol"] is None:          # shown, never compared
            continue
        if key not in new:
            drifts.append(f"{key!r}: stored {entry['text']!r}, not produced by this run")
            continue
        tol = Tolerance(**entry["tol"])
        old_words, old_numbers = parse(entry["text"])
        new_words, new_numbers = parse(new[key]["text"])
        if old_words != new_words or len(old_numbers) != len(new_numbers):
            drifts.append(f"{key!r}: stored {entry['text']!r}, now {new[key]['text']!r} (words must match exactly)")
            continue
        for (old, percent, integer, last), (value, *_rest) in zip(old_numbers, new_numbers):
            if not (math.isfinite(value) and tol.allows(old, value, percent=percent, integer=integer,
                                                        last_digit=last)):
                drifts.append(f"{key!r}: stored {entry['text']!r}, now {new[key]['text']!r} "
                              f"(tolerance {tol.describe(percent=percent, integer=integer)})")
                break
    return drifts
