"""What a saved chapter carries for JupyterLab readers: the numbers of its prose, and its appendix.

**The numbers of the prose.**  Like jupyterlab-myst after a run,
:func:`store_user_expressions` stores in each markdown cell's ``user_expressions``
metadata the value of every ``{eval}`name``` in that cell — the text that
:func:`textbook.glue` published under ``name`` — so a reader who opens the saved
notebook sees the numbers before running anything.

**The appendix** (the last cell).  The book resolves ``{eq}`` references to other chapters and ``{cite}`` keys against
``references.bib``.  JupyterLab (jupyterlab-myst) renders each notebook alone, so it
cannot.  This cell repeats, under their own labels, the equations of other chapters
that the chapter refers to, so its ``{eq}`` references resolve and link in JupyterLab
too, and lists each cited work in full under its key.  The cell is tagged
``remove-cell``: the book, which has the originals, never shows it.
``tools/run_chapters.py`` rewrites it whenever it stores a chapter; ``tests/test_book.py``
checks that it is current.
"""
from __future__ import annotations

import codecs
import re
from pathlib import Path

import latexcodec  # noqa: F401  (registers the "ulatex" codec; a dependency of pybtex)
import nbformat

from .settings import BIBLIOGRAPHY, CHAPTERS_DIR

MARKER = "jupyterlab-appendix"            # metadata.textbook of the cell
EVAL = re.compile(r"\{eval\}`([^`]+)`")
GLUE_TEXT = "application/papermill.record/text/plain"
LABELLED_EQUATION = re.compile(r"\$\$\n((?:(?!\$\$).)*?)\n\$\$ *\(([\w-]+)\)", re.S)
EQ_REF = re.compile(r"\{eq\}`([\w-]+)`")
CITE = re.compile(r"\{cite(?::\w+)?\}`([^`]+)`")


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


# -- the appendix ------------------------------------------------------------------------
def prose(nb) -> str:
    """The markdown of a chapter, without its appendix."""
    return "\n".join(c.source for c in nb.cells
                     if c.cell_type == "markdown" and c.metadata.get("textbook") != MARKER)


def equations_by_label(chapters: dict[str, object]) -> dict[str, tuple[str, str]]:
    """``label → (LaTeX, chapter)`` for every labelled display equation of the chapters."""
    return {label: (latex, name) for name, nb in chapters.items()
            for latex, label in LABELLED_EQUATION.findall(prose(nb))}


def _plain(latex_text: str) -> str:
    return codecs.decode(latex_text, "ulatex").replace("{", "").replace("}", "")


def reference(entry) -> str:
    """One bibliography entry as a line of Markdown: authors (year). *Title.* Where."""
    people = entry.persons.get("author", [])
    authors = ", ".join(_plain(" ".join(p.last_names)) for p in people[:3]) + (" et al." if len(people) > 3 else "")
    fields = entry.fields
    where = next((fields[k] for k in ("journal", "booktitle", "institution", "publisher", "howpublished", "url")
                  if k in fields), "")
    return " ".join(part for part in (f"{authors} ({fields.get('year', 'n.d.')}).",
                                      f"*{_plain(fields['title'])}.*", _plain(where)) if part.strip("(). "))


def appendix_source(nb, chapters: dict[str, object], bibliography) -> str | None:
    """The appendix cell's Markdown for ``nb``, or None when it borrows and cites nothing."""
    text = prose(nb)
    own = {label for _, label in LABELLED_EQUATION.findall(text)}
    equations = equations_by_label(chapters)
    borrowed = [label for label in dict.fromkeys(EQ_REF.findall(text)) if label not in own]
    cited = list(dict.fromkeys(key.strip() for keys in CITE.findall(text) for key in keys.split(",")))
    if not borrowed and not cited:
        return None
    what = " and ".join(kind for kind, present in (("borrowed equations", borrowed), ("works cited", cited)) if present)
    parts = [f"## For JupyterLab readers: {what}",
             "The book shows these where the text refers to them. JupyterLab renders each notebook on its own, "
             "so they are repeated here" + ("; equation numbers in this notebook therefore differ from the book's."
                                             if borrowed else ".")]
    if borrowed:
        parts.append("**Equations from other chapters**")
        for label in borrowed:
            latex, chapter = equations[label]
            parts.append(f"From `{chapter}.ipynb`:\n\n$$\n{latex}\n$$ ({label})")
    if cited:
        parts.append("**Works cited**")
        parts.append("\n".join(f"- `{key}`: {reference(bibliography.entries[key])}" for key in cited))
    return "\n\n".join(parts)


def load_bibliography():
    from pybtex.database import parse_file
    return parse_file(str(BIBLIOGRAPHY))


def update(nb, chapters: dict[str, object], bibliography) -> None:
    """Replace (or add, or drop) the appendix cell at the end of ``nb``."""
    nb.cells = [c for c in nb.cells if c.metadata.get("textbook") != MARKER]
    source = appendix_source(nb, chapters, bibliography)
    if source is not None:
        cell = nbformat.v4.new_markdown_cell(source, metadata={"tags": ["remove-cell"], "textbook": MARKER})
        cell.id = MARKER
        nb.cells.append(cell)


def all_chapters() -> dict[str, object]:
    return {p.stem: nbformat.read(p, as_version=4) for p in sorted(CHAPTERS_DIR.glob("*.ipynb"))}
