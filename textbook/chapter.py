"""What every chapter starts with and how it shows things: its setup, its data note, its figures."""
from __future__ import annotations

import time
from pathlib import Path

from mlcore.config import full_data

from . import records
from ._state import RECORD, RUN


def setup(chapter: str | None = None) -> bool:
    """Settings every chapter starts with; returns whether full-scale data are in use.

    ``chapter`` is the notebook's name without ``.ipynb`` (the kernel runs in its
    folder): it names the chapter's full-scale record, and the fingerprints of its code
    are taken now, so that the record is written only if they still hold at the end.
    """
    import matplotlib.pyplot as plt
    import pandas as pd
    plt.rcParams["figure.dpi"] = 96
    pd.set_option("display.max_colwidth", None)     # tables show every cell whole, never "…"
    RECORD.clear()
    notebook = Path(f"{chapter}.ipynb") if chapter else None
    RUN.update(chapter=chapter, started=time.perf_counter(),
               code_at_start=records.code_in_force(notebook) if notebook and notebook.is_file() else None)
    return full_data()


def data_note(text: str, *, kind: str = "note") -> None:
    """The admonition at the top of a chapter that says which data produced its numbers."""
    from IPython.display import Markdown, display
    display(Markdown(f":::{{admonition}} Which data produced these numbers\n:class: {kind}\n{text}\n:::"))


def figure(name: str, fig) -> None:
    """Show a finished figure as the output of the cell that made it, and close it.

    ``name`` is the figure's label.  The markdown cell right after the figure's cell
    is its caption and begins with the line ``(name)=``; the book build
    (:mod:`textbook.sphinx.jupyter_reader`) turns the pair into one numbered, captioned figure,
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
