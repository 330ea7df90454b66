"""Execute chapters in place and store them as JupyterLab would: outputs, and the numbers of the prose.

    python tools/run_chapters.py                    # every chapter
    python tools/run_chapters.py ntnu-tdt4265       # one chapter

This is *Restart kernel and run all*, then *Save*, without opening JupyterLab: each
notebook runs in a fresh kernel from ``chapters/`` on the offline data (the kernel cannot reach the
network, as in the offline build; with ``MLCORE_FULL_DATA`` set the tool refuses to run), and its
outputs are stored.  Like jupyterlab-myst after a run, it also stores in each
markdown cell's ``user_expressions`` metadata the value of every ``{eval}`name```
in that cell — the text that ``textbook.glue`` published under ``name`` — so a
reader who opens the saved notebook sees the numbers before running anything.  It
also rewrites the chapter's last cell for JupyterLab readers (:mod:`textbook.jupyterlab`:
the equations it borrows from other chapters and the works it cites).
"""
from __future__ import annotations

import sys

import nbformat

from mlcore.config import full_data
from textbook import jupyterlab
from textbook.execute import execute, guard_offline_kernels, notebook_path, read
from textbook.settings import chapter_names

CELL_TIMEOUT_S = 1800


def run(chapter: str) -> float:
    nb = read(chapter)
    seconds = execute(nb, timeout_s=CELL_TIMEOUT_S)
    jupyterlab.update(nb, {**jupyterlab.all_chapters(), chapter: nb}, jupyterlab.load_bibliography())
    missing = jupyterlab.store_user_expressions(nb)
    if missing:
        raise SystemExit(f"{chapter}: the prose evaluates names that no cell glued: {', '.join(missing)}")
    nbformat.write(nb, notebook_path(chapter))
    return seconds


def parse_args(argv: list[str]):
    import argparse
    names = chapter_names()
    parser = argparse.ArgumentParser(
        prog="python tools/run_chapters.py",
        description="Execute chapters in a fresh kernel on the offline data and store their outputs and the "
                    "numbers of their prose, as JupyterLab's Restart and Run All, then Save, would.")
    parser.add_argument("chapters", nargs="*", metavar="CHAPTER",
                        help=f"chapters to run (default: all): {', '.join(names)}")
    args = parser.parse_args(argv)
    for name in args.chapters:
        if name not in names:
            parser.error(f"unknown chapter {name!r}; choose from {', '.join(map(repr, names))}")
    return args


def main(argv: list[str]) -> None:
    chapters = parse_args(argv).chapters or chapter_names()
    if full_data():
        raise SystemExit("run_chapters.py stores the offline outputs, but MLCORE_FULL_DATA is set: unset it "
                         "(full-scale runs: tools/record_full_scale.py)")
    guard_offline_kernels()
    for chapter in chapters:
        print(f"{chapter}: {run(chapter):.0f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
