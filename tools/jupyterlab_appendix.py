"""Rewrite the last cell of every stored chapter for JupyterLab readers (nothing is executed).

    python tools/jupyterlab_appendix.py

The cell repeats the equations a chapter borrows from other chapters and lists the
works it cites (:mod:`textbook.jupyterlab`).  ``tools/run_chapters.py`` does this too
whenever it stores a chapter; after editing only prose, this is enough.
"""
from __future__ import annotations

import argparse
import sys

import nbformat

from textbook import jupyterlab
from textbook.execute import notebook_path


def main(argv: list[str]) -> None:
    argparse.ArgumentParser(
        prog="python tools/jupyterlab_appendix.py",
        description="Rewrite the last cell of every stored chapter, for JupyterLab readers: the equations it borrows "
                    "from other chapters and the works it cites. Nothing is executed.",
    ).parse_args(argv)
    chapters, bibliography = jupyterlab.all_chapters(), jupyterlab.load_bibliography()
    for name, nb in chapters.items():
        jupyterlab.update(nb, chapters, bibliography)
        nbformat.write(nb, notebook_path(name))
        written = nb.cells[-1].metadata.get("textbook") == jupyterlab.MARKER
        print(f"{name}: {'appendix written' if written else 'nothing borrowed or cited'}")


if __name__ == "__main__":
    main(sys.argv[1:])
