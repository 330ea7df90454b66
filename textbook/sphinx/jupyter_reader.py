"""One notebook source for two readers: the built book and JupyterLab (with jupyterlab-myst).

The chapters are written so that JupyterLab renders them as they are, and this
extension gives the book build the same meaning:

* **Numbers in the prose** are written ``{eval}`name```.  In JupyterLab,
  jupyterlab-myst evaluates ``name`` in the kernel (``textbook.glue`` defines it
  there) and stores the result in the markdown cell's ``user_expressions``
  metadata, so a saved notebook shows its numbers when opened.  The book does not
  run a kernel per expression: here ``{eval}`` pastes the text that the same
  ``book.glue`` call glued, exactly like ``{glue:text}``.  An expression that is
  not a glued name therefore fails the build.

* **Figures.**  A markdown cell that begins with the line ``(fig-…)=`` is the
  caption of the figure shown by the code cell just before it.  JupyterLab shows it
  as a paragraph under the figure.  Before the book parses a notebook, this
  extension moves that text into the figure cell's MyST-NB metadata
  (``mystnb.figure``: name and caption; ``mystnb.image.alt``: the caption as plain
  text), so the book shows one numbered, captioned figure that ``{numref}`` can
  reach.  A caption cell that does not follow its figure's cell stops the build.
"""
from __future__ import annotations

import json
import re

from sphinx.errors import ExtensionError

CAPTION_LABEL = re.compile(r"\A\((fig-[A-Za-z0-9_-]+)\)=[ \t]*\n")
ROLE = re.compile(r"\{(\w+(?::\w+)?)\}`([^`]*)`")
MATH = re.compile(r"\$([^$]+)\$")
EXPLICIT_TITLE = re.compile(r"\A(.*?)\s*<[^<>]+>\Z", re.S)      # {ref}`words <label>` → words


def plain_text(myst: str) -> str:
    """A caption as alt text: roles reduced to their content, math to its source, one line."""
    text = ROLE.sub(lambda m: "(a number computed by the build)" if m.group(1) == "eval"
                    else EXPLICIT_TITLE.sub(r"\1", m.group(2)), myst)
    text = MATH.sub(lambda m: m.group(1), text)
    text = re.sub(r"[*_`]", "", text)
    return " ".join(text.split())


def captions_to_figures(notebook: dict, docname: str) -> dict:
    """Move each caption cell into the metadata of the figure cell before it (see the module docstring)."""
    cells, kept = notebook["cells"], []
    for index, cell in enumerate(cells):
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        match = CAPTION_LABEL.match(source) if cell["cell_type"] == "markdown" else None
        if not match:
            kept.append(cell)
            continue
        name, caption = match.group(1), source[match.end():].strip()
        figure_cell = kept[-1] if kept else None
        if figure_cell is None or figure_cell["cell_type"] != "code" or f'"{name}"' not in "".join(
                figure_cell["source"]):
            raise ExtensionError(f"{docname}: the caption cell ({name})= (cell {index}) must follow the code "
                                 f"cell that shows that figure with book.figure({name!r}, …)")
        mystnb = figure_cell.setdefault("metadata", {}).setdefault("mystnb", {})
        mystnb["figure"] = {"name": name, "caption": caption}
        mystnb["image"] = {"alt": plain_text(caption)}
    notebook["cells"] = kept
    return notebook


def _on_source_read(app, docname: str, source: list[str]) -> None:
    if not str(app.env.doc2path(docname)).endswith(".ipynb"):
        return
    notebook = json.loads(source[0])
    source[0] = json.dumps(captions_to_figures(notebook, docname))


def setup(app):
    from myst_nb.ext.glue.roles import PasteTextRole

    def register_eval_role(app_):
        # myst-nb registers its own {eval} (which needs a kernel per document); ours replaces it.
        app_.add_role("eval", PasteTextRole(), override=True)

    app.connect("builder-inited", register_eval_role)
    app.connect("source-read", _on_source_read)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
