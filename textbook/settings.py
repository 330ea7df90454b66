"""Where the book's files are, and every environment variable the book's machinery reads.

mlcore's own variables (``MLCORE_FULL_DATA``, ``MLCORE_DATA_DIR``, …) belong to
:mod:`mlcore.config`; the book reads them through it.  The book adds two:

* ``TEXTBOOK_COMPARE_STORED=1``: a chapter's last cell compares this run's numbers
  with the ones stored in its ``.ipynb`` (``conftest.py`` sets it for nbval);
* ``TEXTBOOK_RECORDS_DIR``: read and write full-scale records there instead of
  ``results/full-scale/`` (tests use it so that they never overwrite the committed ones).

The browser tests and the PDF export also read ``CHROMIUM``, the path of a Chromium to use instead of the one on
``PATH`` (:mod:`textbook.browser`), and the tests read ``CI``: where it is set, a missing browser or built book fails
the tests instead of skipping them (``.ci/run`` sets it).
"""
from __future__ import annotations

import os
from pathlib import Path

#: The repository: the book is built from a checkout (``pip install -e .``).
ROOT = Path(__file__).resolve().parent.parent
CHAPTERS_DIR = ROOT / "chapters"
BIBLIOGRAPHY = ROOT / "references.bib"
#: The project's data cache (git-ignored; see data/README.md).
DATA_DIR = ROOT / "data"
#: A folder whose ``sitecustomize`` refuses network connections; offline kernels start with it on PYTHONPATH.
OFFLINE_GUARD = ROOT / "tests" / "offline"

COMPARE_ENV = "TEXTBOOK_COMPARE_STORED"
RECORDS_DIR_ENV = "TEXTBOOK_RECORDS_DIR"


def comparing() -> bool:
    """Whether this run compares its numbers with the stored ones (under pytest)."""
    return os.environ.get(COMPARE_ENV) == "1"


def records_dir() -> Path:
    """``$TEXTBOOK_RECORDS_DIR``, else the project's ``results/full-scale/``."""
    override = os.environ.get(RECORDS_DIR_ENV)
    return Path(override) if override else ROOT / "results" / "full-scale"


def records_dir_moved() -> bool:
    """Whether ``TEXTBOOK_RECORDS_DIR`` sends records away from the committed ones."""
    return bool(os.environ.get(RECORDS_DIR_ENV))


def chapter_names() -> list[str]:
    """Every chapter, by its notebook's name without ``.ipynb``."""
    return sorted(path.stem for path in CHAPTERS_DIR.glob("*.ipynb"))
