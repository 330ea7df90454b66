"""Execute chapters in place and store them as JupyterLab would: outputs, and the numbers of the prose.

    python tools/run_chapters.py                    # every chapter
    python tools/run_chapters.py ntnu-tdt4265       # one chapter

This is *Restart kernel and run all*, then *Save*, without opening JupyterLab: each
notebook runs in a fresh kernel from ``chapters/`` on the offline data, and its
outputs are stored.  Like jupyterlab-myst after a run, it also stores in each
markdown cell's ``user_expressions`` metadata the value of every ``{eval}`name```
in that cell — the text that ``mlcore.book.glue`` published under ``name`` — so a
reader who opens the saved notebook sees the numbers before running anything.  It
also rewrites the chapter's last cell for JupyterLab readers (``jupyterlab_appendix.py``:
the equations it borrows from other chapters and the works it cites).
"""
from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import jupyterlab_appendix  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"
EVAL = re.compile(r"\{eval\}`([^`]+)`")
GLUE_TEXT = "application/papermill.record/text/plain"
CELL_TIMEOUT_S = 1800


def glued_texts(nb) -> dict[str, str]:
    """``name → text/plain`` of every value a code cell glued (as the kernel would print it)."""
    texts = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name and GLUE_TEXT in output.get("data", {}):
                texts[name] = output["data"][GLUE_TEXT]
    return texts


def store_user_expressions(nb) -> list[str]:
    """Fill each markdown cell's ``user_expressions`` from the glued values; return names with no value."""
    texts, missing = glued_texts(nb), []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        names = list(dict.fromkeys(EVAL.findall(cell.source)))
        if not names:
            cell.metadata.pop("user_expressions", None)
            continue
        missing += [name for name in names if name not in texts]
        cell.metadata["user_expressions"] = [
            {"expression": name, "result": {"status": "ok", "data": {"text/plain": texts[name]}, "metadata": {}}}
            for name in names if name in texts]
    return missing


def run(chapter: str) -> float:
    from nbclient import NotebookClient
    path = CHAPTERS / f"{chapter}.ipynb"
    nb = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                   resources={"metadata": {"path": str(CHAPTERS)}}).execute()
    jupyterlab_appendix.update(nb, {**jupyterlab_appendix.all_chapters(), chapter: nb},
                               jupyterlab_appendix.load_bibliography())
    missing = store_user_expressions(nb)
    if missing:
        raise SystemExit(f"{chapter}: the prose evaluates names that no cell glued: {', '.join(missing)}")
    nbformat.write(nb, path)
    return time.perf_counter() - started


def parse_args(argv: list[str]):
    import argparse
    names = sorted(p.stem for p in CHAPTERS.glob("*.ipynb"))
    parser = argparse.ArgumentParser(
        prog="python tools/run_chapters.py",
        description="Execute chapters in a fresh kernel on the offline data and store their outputs and the "
                    "numbers of their prose, as JupyterLab's Restart and Run All, then Save, would.")
    parser.add_argument("chapters", nargs="*", metavar="CHAPTER",
                        help=f"chapters to run (default: all): {', '.join(names)}")
    args = parser.parse_args(argv)
    known = names
    for name in getattr(args, "chapters"):
        if name not in known:
            parser.error(f"unknown chapter {name!r}; choose from {', '.join(map(repr, known))}")
    return args


def main(argv: list[str]) -> None:
    chapters = parse_args(argv).chapters or sorted(p.stem for p in CHAPTERS.glob("*.ipynb"))
    for chapter in chapters:
        print(f"{chapter}: {run(chapter):.0f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
