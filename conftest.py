"""Project-wide pytest setup.

The chapters are checked by nbval in Jupyter kernels that are separate
processes. Putting ``tests/offline`` on their PYTHONPATH loads a socket guard in
each kernel (see ``tests/offline/sitecustomize.py``), so a chapter that tried to
download anything in the default mode would fail the test run.
"""
import os
from pathlib import Path

OFFLINE_GUARD = Path(__file__).resolve().parent / "tests" / "offline"


def pytest_configure(config):
    from mlcore.config import full_data
    from textbook.settings import COMPARE_ENV

    # The chapters' last cell compares every reproduced number with the stored run
    # (textbook.record_run); kernels started by nbval inherit this variable.
    os.environ[COMPARE_ENV] = "1"
    if full_data():
        return          # full-scale runs are allowed to download
    paths = [str(OFFLINE_GUARD)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    os.environ["PYTHONPATH"] = os.pathsep.join(paths)
