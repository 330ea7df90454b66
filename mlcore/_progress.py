"""Whether to show a progress bar: the one rule for every long loop in mlcore."""
from __future__ import annotations

import os
import sys

from ._checks import check_flag


def wanted(progress) -> bool:
    """``True``/``False`` as given; ``"auto"``: only when a person is watching.

    A kernel started by a Jupyter server (a reader at the keyboard) has
    ``JPY_SESSION_NAME``; nbclient, nbval and jupyter-book executions do not, so
    stored outputs stay free of progress bars.  A terminal counts as a person too.
    """
    if isinstance(progress, str) and progress == "auto":
        return "JPY_SESSION_NAME" in os.environ or sys.stderr.isatty()
    return check_flag(progress, "progress")
