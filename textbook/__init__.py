"""textbook — the book's machinery, beside the network library ``mlcore``.

mlcore computes; this package presents, records and checks what the chapters compute:

* :mod:`~textbook.chapter`: a chapter's setup, its data note, its figures;
* :mod:`~textbook.prose`: numbers in the prose, for both readers (the built book and
  JupyterLab; the module says where the other pieces of that support live);
* :mod:`~textbook.tables`: tables of reproduced numbers, with the recorded full-scale column;
* :mod:`~textbook.printed`: a report's printed numbers set against ours (rounded or cut at its digits);
* :mod:`~textbook.regression`: tolerances, and the record of a run compared with the stored one;
* :mod:`~textbook.records`: full-scale runs recorded with their provenance;
* :mod:`~textbook.jupyterlab`: what a saved notebook carries for JupyterLab readers;
* :mod:`~textbook.execute`: running chapters in fresh kernels (the tools' shared code);
* :mod:`~textbook.browser`: headless Chromium and a local server, for the browser tests and PDFs;
* :mod:`~textbook.sphinx`: the book build's Sphinx extensions;
* :mod:`~textbook.settings`: where the book's files are and the variables it reads.

A chapter uses it as ``import textbook as book`` and ``from textbook import glue``.
"""
from mlcore import config as _mlcore_config

from .chapter import data_note, figure, setup
from .prose import glue, listed, spaced
from .regression import DEFAULT, Tolerance, accuracy, points, record_run
from .tables import REPORTED_VS_REPRODUCED, table
from . import printed, settings
from .records import recorded_text

# Data the chapters and tools read or download go to the project's data/ cache, unless
# MLCORE_DATA_DIR names another folder.
_mlcore_config.use_default_data_dir(settings.DATA_DIR, "the project's data cache (data/)")

__all__ = ["DEFAULT", "REPORTED_VS_REPRODUCED", "Tolerance", "accuracy", "data_note", "figure", "glue", "listed",
           "points", "printed", "record_run", "recorded_text", "setup", "spaced", "table"]
