"""Whether to show a progress bar: the one rule for every long loop in mlcore."""
from __future__ import annotations

import os
import sys

from ._validation import require_flag


def wanted(progress) -> bool:
    """``True``/``False`` as given; ``"auto"``: only when a person is watching.

    A kernel started by a Jupyter server (a reader at the keyboard) has
    ``JPY_SESSION_NAME``; nbclient, nbval and jupyter-book executions do not, so
    stored outputs stay free of progress bars.  A terminal counts as a person too.
    """
    if isinstance(progress, str) and progress == "auto":
        return "JPY_SESSION_NAME" in os.environ or sys.stderr.isatty()
    return require_flag(progress, "progress")


def bar(total: int, show: bool, *, unit: str, desc: str | None = None):
    """A tqdm text bar over ``total`` units when ``show``, else an object whose ``update`` and ``close`` do nothing.

    The text bar, not tqdm's notebook widget: JupyterLab redraws a text bar in place,
    while the widget needs ipywidgets (without it tqdm prints a warning instead) and
    leaves a red bar behind whenever a loop stops before its planned end.
    """
    if not show:
        return _NoBar()
    from tqdm import tqdm
    return tqdm(total=total, unit=unit, desc=desc, leave=False, file=sys.stderr)


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass
