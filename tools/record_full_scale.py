"""Run chapters at full scale and record what they reproduce (``results/full-scale/<chapter>.json``).

    MLCORE_DATA_DIR=../shared/data python tools/record_full_scale.py                 # every chapter with data
    MLCORE_DATA_DIR=/path/to/data python tools/record_full_scale.py sapienza-aml-2021  # one chapter

Each chapter is executed with ``MLCORE_FULL_DATA=1`` in a fresh kernel, from the
chapters folder, exactly as the book build would run it; its last cell
(``textbook.record_run``) writes the record with its provenance.  The stored
``.ipynb`` is left alone (it keeps the offline outputs that nbval checks); the
executed copy goes to ``_build/full-scale/<chapter>.ipynb``.  Progress is printed
cell by cell, and a summary of per-chapter run times at the end.  Commit the
records; the offline book then shows them beside its live numbers.

Without ``MLCORE_DATA_DIR`` the data are downloaded once into ``data/`` (verified by
SHA-256).  CIFAR-10 (the Sapienza chapter) may be given under that directory as the
official archive, as an extracted ``cifar10/cifar-10-batches-bin/`` folder, or as class
folders of images ``cifar10/train/<class>/`` and ``cifar10/test/<class>/`` (for example a
clone of a public JPEG copy); the record says which.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient.exceptions import CellExecutionError

from mlcore import config
from mlcore.datasets import CIFAR10_FILES, CIFAR10_IMAGE_SPLITS, CIFAR10_URL
from textbook import settings
from textbook.claims import REPORT_OF
from textbook.execute import execute, notebook_path, read

#: Chapters whose numbers depend on the data scale (foundations uses none).
SCALED_CHAPTERS = tuple(REPORT_OF)
CELL_TIMEOUT_S = 4 * 3600


def run(chapter: str) -> float:
    """Execute one chapter at full scale; return its wall time in seconds.

    The record is written by the chapter's last cell, and only if the chapter's code and the library are as they
    were when its first cell ran (:func:`textbook.records.write`): edits made while it runs fail the run, and the
    previous record stays in place."""
    nb = read(chapter)
    code_cells = sum(cell.cell_type == "code" for cell in nb.cells)
    done = [0]
    started = time.perf_counter()
    last = [started]

    def on_cell_executed(cell, cell_index, execute_reply):
        if cell.cell_type != "code":
            return
        done[0] += 1
        now = time.perf_counter()
        if now - last[0] > 5 or done[0] == code_cells:
            print(f"  {chapter}: code cell {done[0]}/{code_cells} done, "
                  f"{now - last[0]:.0f} s for this cell, {now - started:.0f} s so far", flush=True)
        last[0] = now

    elapsed = execute(nb, timeout_s=CELL_TIMEOUT_S, on_cell_executed=on_cell_executed)
    out = settings.ROOT / "_build" / "full-scale" / f"{chapter}.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    return elapsed


def parse_args(argv: list[str]):
    import argparse
    parser = argparse.ArgumentParser(
        prog="python tools/record_full_scale.py",
        description="Run chapters at full scale (MLCORE_FULL_DATA=1) in fresh kernels and write their records to "
                    "results/full-scale/<chapter>.json (TEXTBOOK_RECORDS_DIR moves them). The stored notebooks are "
                    "left alone.",
        epilog="MLCORE_DATA_DIR names the folder that holds mnist/ and cifar10/ (without it, data are downloaded "
               "once into data/). How long each chapter takes on these machines: docs/full-scale.md.")
    parser.add_argument("chapters", nargs="*", metavar="CHAPTER",
                        help=f"chapters to record (default: every one whose data are present): "
                             f"{', '.join(SCALED_CHAPTERS)}")
    args = parser.parse_args(argv)
    known = list(SCALED_CHAPTERS)
    for name in getattr(args, "chapters"):
        if name not in known:
            parser.error(f"unknown chapter {name!r}; choose from {', '.join(map(repr, known))}")
    return args


def main(argv: list[str]) -> None:
    argv = parse_args(argv).chapters
    chapters = argv or list(SCALED_CHAPTERS)
    for variable in (config.DATA_DIR_ENV, settings.RECORDS_DIR_ENV):   # the kernels run in chapters/: absolute paths
        if os.environ.get(variable):
            os.environ[variable] = str(Path(os.environ[variable]).resolve())
    if not argv and not _cifar10_available():
        print("CIFAR-10 is not under the data directory: sapienza-aml-2021 is skipped "
              "(name it to download it, or set MLCORE_DATA_DIR to a folder holding cifar10/)")
        chapters.remove("sapienza-aml-2021")
    os.environ[config.FULL_DATA_ENV] = "1"
    os.environ.pop(settings.COMPARE_ENV, None)    # a recording run writes, it does not compare
    times = {}
    for chapter in chapters:
        print(f"{chapter}: running at full scale", flush=True)
        try:
            times[chapter] = run(chapter)
        except CellExecutionError as error:       # e.g. the record guard: say why in one line, not a traceback
            sys.exit(f"{chapter}: stopped, no record written: {error.ename}: {error.evalue}")
        record = settings.records_dir() / f"{chapter}.json"
        where = record.relative_to(settings.ROOT) if record.is_relative_to(settings.ROOT) else record
        print(f"{chapter}: {times[chapter]:.0f} s; record in {where}", flush=True)
    print("\nfull-scale run times")
    for chapter, seconds in times.items():
        print(f"  {chapter:<20} {seconds:7.0f} s  ({seconds / 60:.1f} min)")
    print(f"  {'total':<20} {sum(times.values()):7.0f} s  ({sum(times.values()) / 60:.1f} min)")


def _cifar10_available() -> bool:
    """Whether ``load_cifar10`` would find the archive, an extracted copy or image folders without downloading."""
    folder = config.data_dir() / "cifar10"
    return ((folder / CIFAR10_URL.rsplit("/", 1)[-1]).is_file()
            or all((folder / "cifar-10-batches-bin" / name).is_file() for name in CIFAR10_FILES)
            or all((folder / split).is_dir() for split in CIFAR10_IMAGE_SPLITS))


if __name__ == "__main__":
    main(sys.argv[1:])
