"""The last cell of each chapter, for JupyterLab only: the equations it borrows and the works it cites.

The book resolves ``{eq}`` references to other chapters and ``{cite}`` keys against
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

ROOT = Path(__file__).resolve().parent.parent
MARKER = "jupyterlab-appendix"            # metadata.mlcore of the cell
LABELLED_EQUATION = re.compile(r"\$\$\n((?:(?!\$\$).)*?)\n\$\$ *\(([\w-]+)\)", re.S)
EQ_REF = re.compile(r"\{eq\}`([\w-]+)`")
CITE = re.compile(r"\{cite(?::\w+)?\}`([^`]+)`")


def prose(nb) -> str:
    """The markdown of a chapter, without its appendix."""
    return "\n".join(c.source for c in nb.cells
                     if c.cell_type == "markdown" and c.metadata.get("mlcore") != MARKER)


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
    parts = ["## For JupyterLab readers: borrowed equations and works cited",
             "The book shows these where the text refers to them. JupyterLab renders each notebook on its own, "
             "so they are repeated here; equation numbers in this notebook therefore differ from the book's."]
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
    return parse_file(str(ROOT / "references.bib"))


def update(nb, chapters: dict[str, object], bibliography) -> None:
    """Replace (or add, or drop) the appendix cell at the end of ``nb``."""
    nb.cells = [c for c in nb.cells if c.metadata.get("mlcore") != MARKER]
    source = appendix_source(nb, chapters, bibliography)
    if source is not None:
        cell = nbformat.v4.new_markdown_cell(source, metadata={"tags": ["remove-cell"], "mlcore": MARKER})
        cell.id = MARKER
        nb.cells.append(cell)


def all_chapters() -> dict[str, object]:
    return {p.stem: nbformat.read(p, as_version=4) for p in sorted((ROOT / "chapters").glob("*.ipynb"))}


def main(argv=None) -> None:
    """Rewrite the appendix of every stored chapter (no execution): ``python tools/jupyterlab_appendix.py``."""
    import argparse
    import sys
    argparse.ArgumentParser(
        prog="python tools/jupyterlab_appendix.py",
        description="Rewrite the last cell of every stored chapter, for JupyterLab readers: the equations it borrows "
                    "from other chapters and the works it cites. Nothing is executed.",
    ).parse_args(sys.argv[1:] if argv is None else argv)
    chapters, bibliography = all_chapters(), load_bibliography()
    for name, nb in chapters.items():
        update(nb, chapters, bibliography)
        nbformat.write(nb, ROOT / "chapters" / f"{name}.ipynb")
        print(f"{name}: {'appendix written' if nb.cells[-1].metadata.get('mlcore') == MARKER else 'nothing borrowed or cited'}")


if __name__ == "__main__":
    main()
