"""Numbers in the prose, for both readers of a chapter: the built book and JupyterLab.

One notebook, two readers — the pieces, all in this package:

* :func:`glue` (here) publishes a computed text under a name, for MyST-NB and as a
  variable of the kernel;
* :mod:`textbook.sphinx.jupyter_reader` makes the book paste it where the prose says
  ``{eval}`name```, and turns caption cells into numbered figures;
* :mod:`textbook.jupyterlab` stores the same texts in each markdown cell's
  ``user_expressions`` (what jupyterlab-myst shows before a run) and writes the
  appendix of equations and works cited that JupyterLab cannot resolve by itself.
"""
from __future__ import annotations

import math
import numbers

from ._state import remember
from .regression import DEFAULT, Tolerance

#: MyST-NB's glue format: a display output with every MIME type under this prefix (so that no
#: front end shows it) and ``metadata["scrapbook"]`` naming it.  Written here rather than
#: imported, because importing ``myst_nb.glue`` pulls in nbformat's JSON-schema validation and
#: costs a kernel about 1.5 s; ``tests/test_book.py`` checks the two stay the same.
GLUE_PREFIX = "application/papermill.record/"

#: Names glue() has defined in the kernel, for the life of the kernel: running the chapter
#: again (Run All twice, without a restart) redefines them, which is not shadowing.
_PUBLISHED: set[str] = set()


def glue(name: str, text, *, tol: Tolerance | None = DEFAULT) -> None:
    """Publish ``text`` (a formatted number or sentence) under ``name`` and record it for regression checks.

    The prose shows it with ``{eval}`name```: the book build pastes the glued text
    (:mod:`textbook.sphinx.jupyter_reader`), and JupyterLab (jupyterlab-myst) evaluates ``name``
    in the kernel, where this function also defines it as a variable.
    ``tol=None`` shows it without recording it (timings, machine-dependent values).
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be a Python identifier (the prose evaluates it); received {name!r}")
    text = str(text)
    _publish(name, text)
    _define_in_kernel(name, text)
    if tol is not None:
        remember(name, text, tol)


def listed(items) -> str:
    """``items`` as prose: "a", "a and b", "a, b and c"."""
    words = [str(item) for item in items]
    if not words:
        raise ValueError("items must name at least one thing; received none")
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def spaced(number, decimals: int = 0) -> str:
    """``number`` as the book prints it, its thousands set apart by a space: 18 000, 1 063 939, 2 450.5.

    ``decimals``: digits after the point (0 by default, for counts)."""
    if isinstance(number, bool) or not isinstance(number, numbers.Real):
        raise TypeError(f"number must be a real number; received {type(number).__name__} {number!r}")
    if not math.isfinite(number):
        raise ValueError(f"number must be finite; received {number!r}")
    if isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0:
        raise ValueError(f"decimals must be an int ≥ 0; received {decimals!r}")
    return f"{number:,.{decimals}f}".replace(",", " ")


def _publish(name: str, text: str) -> None:
    """What ``myst_nb.glue(name, text, display=False)`` does (see :data:`GLUE_PREFIX`)."""
    from IPython.core.formatters import format_display_data
    from IPython.display import display
    bundle, metadata = format_display_data(text)
    metadata["scrapbook"] = {"name": name, "mime_prefix": GLUE_PREFIX}
    display({GLUE_PREFIX + mime: value for mime, value in bundle.items()}, raw=True, metadata=metadata)


def _define_in_kernel(name: str, text: str) -> None:
    """Make ``name`` a variable of the notebook's namespace, refusing to replace one the chapter defined."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    if name in shell.user_ns and name not in _PUBLISHED:
        raise ValueError(f"glue name {name!r} is already a variable of this notebook; choose another name")
    shell.user_ns[name] = text
    _PUBLISHED.add(name)
