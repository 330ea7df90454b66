"""What the chapters share: setup, figures, glued numbers, and the regression record.

A chapter hands every reproduced number to this module (through :func:`glue` for
numbers in the prose and :func:`table` for tables) and ends with :func:`check`.
``check`` shows the record of this run and stores it in the notebook's output.
When ``pytest`` re-executes the chapter (nbval), ``conftest.py`` sets
``MLCORE_COMPARE_STORED=1`` and ``check`` compares the new record with the one
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

At full scale (``MLCORE_FULL_DATA=1``) ``check`` also writes the chapter's record
of the run (:mod:`mlcore.records`); offline, the chapter's reported-vs-reproduced
table gains a column with that recorded run.
"""
from __future__ import annotations

import json
import math
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from . import records
from .config import full_data

COMPARE_ENV = "MLCORE_COMPARE_STORED"
RECORD_KEY = "mlcore-regression-record"
#: The table of each chapter that sets the report's numbers beside the reproduced ones.
REPORTED_VS_REPRODUCED = "reported-vs-reproduced"


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


_RECORD: dict[str, dict] = {}
_RUN = {"chapter": None, "started": 0.0}
#: Names glue() has defined in the kernel, for the life of the kernel: running the chapter
#: again (Run All twice, without a restart) redefines them, which is not shadowing.
_PUBLISHED: set[str] = set()


# -- setup ---------------------------------------------------------------------------
def setup(chapter: str | None = None) -> bool:
    """Settings every chapter starts with; returns whether full-scale data are in use.

    ``chapter`` is the notebook's name without ``.ipynb`` (the kernel runs in its
    folder): it names the chapter's full-scale record.
    """
    import matplotlib.pyplot as plt
    import pandas as pd
    plt.rcParams["figure.dpi"] = 96
    pd.set_option("display.max_colwidth", None)     # tables show every cell whole, never "…"
    _RECORD.clear()
    _RUN.update(chapter=chapter, started=time.perf_counter())
    return full_data()


def data_note(text: str, *, kind: str = "note") -> None:
    """The admonition at the top of a chapter that says which data produced its numbers."""
    from IPython.display import Markdown, display
    display(Markdown(f":::{{admonition}} Which data produced these numbers\n:class: {kind}\n{text}\n:::"))


def figure(name: str, fig) -> None:
    """Show a finished figure as the output of the cell that made it, and close it.

    ``name`` is the figure's label.  The markdown cell right after the figure's cell
    is its caption and begins with the line ``(name)=``; the book build
    (``_ext/jupyter_reader.py``) turns the pair into one numbered, captioned figure,
    and JupyterLab shows the caption as a paragraph under the figure.  So a figure
    cell shows exactly one figure.
    """
    import matplotlib.pyplot as plt
    from IPython.display import display
    if not isinstance(name, str) or not name.startswith("fig-"):
        raise ValueError(f"name must be a figure label starting with 'fig-'; received {name!r}")
    fig.tight_layout()
    display(fig)
    plt.close(fig)


# -- numbers --------------------------------------------------------------------------
def glue(name: str, text, *, tol: Tolerance | None = DEFAULT) -> None:
    """Publish ``text`` (a formatted number or sentence) under ``name`` and record it for regression checks.

    The prose shows it with ``{eval}`name```: the book build pastes the glued text
    (``_ext/jupyter_reader.py``), and JupyterLab (jupyterlab-myst) evaluates ``name``
    in the kernel, where this function also defines it as a variable.
    ``tol=None`` shows it without recording it (timings, machine-dependent values).
    """
    from myst_nb import glue as myst_glue
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be a Python identifier (the prose evaluates it); received {name!r}")
    text = str(text)
    myst_glue(name, text, display=False)
    _define_in_kernel(name, text)
    if tol is not None:
        _record(name, text, tol)


def _define_in_kernel(name: str, text: str) -> None:
    """Make ``name`` a variable of the notebook's namespace, refusing to replace one the chapter defined."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    if name in shell.user_ns and name not in _PUBLISHED:
        raise ValueError(f"glue name {name!r} is already a variable of this notebook; choose another name")
    shell.user_ns[name] = text
    _PUBLISHED.add(name)


def table(name: str, frame, *, column=None, reasons=None, tol: Tolerance | None = DEFAULT,
          row_tol: dict | None = None):
    """Record every cell of one column of ``frame`` (by default the one headed "this build …").

    ``row_tol`` maps a row label to its own tolerance (``None``: recorded, so that the
    full-scale column can show it, but never compared).  ``reasons`` names the column
    that explains each row's difference for *this* build's scale; its cells are
    recorded too (shown beside a recorded run, never compared: they restate numbers
    that are compared).
    Returns the frame to display: ``frame`` itself, except that the chapter's
    reported-vs-reproduced table, built offline, gains the column of the chapter's
    recorded full-scale run (see :mod:`mlcore.records`) after ``column`` — or, with
    ``reasons``, after the reasons, followed by the recorded run's own reasons.
    """
    column = column if column is not None else next(c for c in frame.columns if str(c).startswith("this build"))
    row_tol = row_tol or {}
    for label, value in frame[column].items():
        _record(f"{name} / {label}", _as_text(value), row_tol.get(label, tol))
    if reasons is not None:
        for label, text in frame[reasons].items():
            _record(f"{name} / {label} / {REASON}", str(text), None)
    if name == REPORTED_VS_REPRODUCED and _RUN["chapter"] and not full_data():
        frame = _with_recorded_run(frame, name, column, reasons)
    return frame


#: The suffix of a row's key under which :func:`table` records the row's reason.
REASON = "reason"


def _with_recorded_run(frame, name: str, after, reasons=None):
    """``frame`` with the recorded full-scale values (and reasons) of its rows inserted."""
    chapter = _RUN["chapter"]
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


def _record(key: str, text: str, tol: Tolerance | None) -> None:
    _RECORD[key] = {"text": text, "tol": None if tol is None else vars(tol)}


def check(notebook: str | None = None) -> None:
    """Show this run's record; under pytest, compare it with the stored one.

    ``notebook`` is the chapter's file name (the kernel runs in its folder); by default
    the chapter named in :func:`setup`.  The stored record is the one in the ``.ipynb``
    on disk (an offline run); a full-scale run outside pytest writes the chapter's
    record instead (:mod:`mlcore.records`).
    """
    from IPython.display import display
    if notebook is None and _RUN["chapter"] is None:
        raise ValueError("check() needs the chapter's notebook name, or book.setup(chapter) first; "
                         "received neither")
    notebook = notebook or f"{_RUN['chapter']}.ipynb"
    scale = "full" if full_data() else "offline"
    record = {"scale": scale, "numbers": dict(_RECORD)}
    summary = "\n".join(f"{key} = {entry['text']}" for key, entry in record["numbers"].items())
    display({"text/plain": f"{len(_RECORD)} reproduced values recorded ({scale} data):\n{summary}"},
            raw=True, metadata={RECORD_KEY: record})
    comparing = os.environ.get(COMPARE_ENV) == "1"
    if scale == "full" and (not comparing or os.environ.get(records.RECORDS_DIR_ENV)):
        chapter = _RUN["chapter"] or Path(notebook).stem
        path = records.write(chapter, Path(notebook), record["numbers"], time.perf_counter() - _RUN["started"])
        print(f"full-scale record written: {path.parent.name}/{path.name}")
    if comparing:
        stored = stored_record(Path(notebook))
        if stored is None or stored["scale"] != scale:
            print(f"no stored record at {scale} scale for {notebook}: nothing to compare")
            return
        drifts = compare(stored["numbers"], record["numbers"])
        if drifts:
            raise AssertionError(f"{notebook}: {len(drifts)} reproduced value(s) drifted from the stored run:\n  "
                                 + "\n  ".join(drifts))
        print(f"all {len(stored['numbers'])} stored values reproduced within their tolerances")


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
