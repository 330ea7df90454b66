"""How long does a reader or a contributor wait? Every chapter's offline *Run All* and the test tiers, against their budgets.

Run from the project's environment, on an otherwise idle machine:

    python benchmarks/bench_budgets.py                 # chapters, then both test tiers
    python benchmarks/bench_budgets.py --chapters      # only the chapters
    python benchmarks/bench_budgets.py --tests         # only the test tiers

* **Chapters.**  The introduction and each chapter are executed offline in a fresh kernel, one
  after the other, exactly as JupyterLab's *Restart and Run All* does (nothing is stored).
  Budgets: 45 s per page, 120 s for the whole book.
* **Tests.**  ``pytest -m quick`` (mlcore's unit tests and one chapter's nbval check;
  budget 90 s) and ``pytest`` (everything; budget 6 minutes).  The full run compares the
  chapters through the book's own executions (``conftest.py``), so build the book first
  (``jupyter-book build .``); without ``_build`` nbval executes every chapter itself and
  this script says so.

Each line prints the time, the budget and their ratio (≤ 1: within budget).  Timings are
never asserted by a test: they depend on the machine and what else runs on it.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
CHAPTER_BUDGET_S, BOOK_BUDGET_S = 45.0, 120.0
QUICK_BUDGET_S, TESTS_BUDGET_S = 90.0, 360.0


def line(what: str, seconds: float, budget: float) -> str:
    verdict = "within budget" if seconds <= budget else "OVER budget"
    return f"  {what:<34} {seconds:7.1f} s   budget {budget:5.0f} s   ratio {seconds / budget:4.2f}   {verdict}"


def time_chapters() -> list[str]:
    from textbook.execute import execute, guard_offline_kernels, read
    from textbook.settings import chapter_names

    os.environ.pop("MLCORE_FULL_DATA", None)
    guard_offline_kernels()
    lines, total = ["the introduction and the chapters, offline Run All in a fresh kernel (one at a time):"], 0.0
    pages = [("introduction", lambda: execute(nbformat.read(ROOT / "intro.ipynb", as_version=4), timeout_s=600,
                                              cwd=ROOT))]
    pages += [(chapter, lambda chapter=chapter: execute(read(chapter), timeout_s=600)) for chapter in chapter_names()]
    for name, run in pages:
        seconds = run()
        total += seconds
        lines.append(line(name, seconds, CHAPTER_BUDGET_S))
        print(lines[-1], flush=True)
    lines.append(line("the whole book", total, BOOK_BUDGET_S))
    print(lines[-1], flush=True)
    return lines


def time_pytest(label: str, args: list[str], budget: float) -> str:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                            cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    summary = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
    compared = [ln for ln in result.stdout.splitlines() if ln.startswith("nbval compared:")]
    text = line(label, seconds, budget) + f"\n      {summary}"
    if compared:
        text += "\n      " + compared[0]
    print(text, flush=True)
    return text


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chapters", action="store_true", help="time only the chapters")
    parser.add_argument("--tests", action="store_true", help="time only the test tiers")
    args = parser.parse_args(argv)
    both = not (args.chapters or args.tests)
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores")
    if both or args.chapters:
        time_chapters()
    if both or args.tests:
        print("test tiers:")
        if not (ROOT / "_build" / ".jupyter_cache").is_dir():
            print("  (no _build/.jupyter_cache: nbval will execute every chapter itself; build the book first)")
        time_pytest("pytest -m quick", ["-m", "quick"], QUICK_BUDGET_S)
        time_pytest("pytest (everything)", [], TESTS_BUDGET_S)


if __name__ == "__main__":
    main()
