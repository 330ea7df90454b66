"""Every ``MLCORE_*`` environment variable, and what it means (this module is their one reader).

mlcore also looks at two variables of other programs: ``OPENBLAS_THREAD_TIMEOUT``, OpenBLAS's own,
which it leaves as the user set it (:mod:`mlcore._blas`), and ``JPY_SESSION_NAME``, which Jupyter
sets (progress bars are drawn in a notebook or a terminal: :mod:`mlcore._progress`).

* ``MLCORE_FULL_DATA=1`` (before starting Jupyter or ``jupyter-book build``): every
  chapter uses the official data sets at their original sizes, downloading them once
  into ``data/``.  Unset (the default), no chapter touches the network.
* ``MLCORE_DATA_DIR``: where data are read and downloaded (:func:`data_dir`).
* ``MLCORE_THREADS``: threads for element-wise work (:func:`threads`).
* ``MLCORE_NUMPY_BLAS=0``: never call NumPy's OpenBLAS directly (:func:`numpy_blas_allowed`).
"""
from __future__ import annotations

import os
from pathlib import Path

FULL_DATA_ENV = "MLCORE_FULL_DATA"
DATA_DIR_ENV = "MLCORE_DATA_DIR"
THREADS_ENV = "MLCORE_THREADS"
NUMPY_BLAS_ENV = "MLCORE_NUMPY_BLAS"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def full_data() -> bool:
    """True when ``MLCORE_FULL_DATA`` asks for full-scale data."""
    value = os.environ.get(FULL_DATA_ENV, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{FULL_DATA_ENV} must be one of 1/0, true/false, yes/no, on/off; received {value!r}")


#: The folder an application names for data when ``MLCORE_DATA_DIR`` is unset, and how to
#: describe it in provenance (the book names its ``data/`` cache; see :func:`use_default_data_dir`).
_default_data_dir: dict = {}


def use_default_data_dir(folder: Path, description: str) -> None:
    """Read and download data under ``folder`` when ``MLCORE_DATA_DIR`` is unset.

    ``description`` names it in a full-scale run's provenance without a machine path
    (e.g. "the project's data cache (data/)").  Without this, data go to pooch's cache.
    """
    _default_data_dir.update(folder=Path(folder), description=str(description))


def data_dir() -> Path:
    """Where data are read and downloads cached: ``$MLCORE_DATA_DIR``, else the default folder, else pooch's cache.

    ``$MLCORE_DATA_DIR`` must be absolute: chapters run in kernels whose working
    folder is ``chapters/``, so a relative path would silently name another folder.
    """
    if os.environ.get(DATA_DIR_ENV):
        folder = Path(os.environ[DATA_DIR_ENV])
        if not folder.is_absolute():
            raise ValueError(f"{DATA_DIR_ENV} must be an absolute path (chapters run from chapters/, so a "
                             f"relative one would be read from there); received {str(folder)!r}")
        return folder
    if _default_data_dir:
        return _default_data_dir["folder"]
    import pooch
    return Path(pooch.os_cache("mlcore"))


def data_dir_description() -> str:
    """:func:`data_dir` in words, without machine paths (for provenance)."""
    if os.environ.get(DATA_DIR_ENV):
        return f"the folder named by {DATA_DIR_ENV}"
    return _default_data_dir.get("description", "pooch's cache folder for mlcore")


def threads() -> int:
    """Threads for element-wise work: ``MLCORE_THREADS`` if set, else the cores this process may use."""
    setting = os.environ.get(THREADS_ENV)
    if setting:
        if not setting.isdigit() or int(setting) < 1:
            raise ValueError(f"{THREADS_ENV} must be a positive integer; received {setting!r}")
        return int(setting)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def numpy_blas_allowed() -> bool:
    """False when ``MLCORE_NUMPY_BLAS=0`` forbids calling NumPy's OpenBLAS through ``ctypes``."""
    return os.environ.get(NUMPY_BLAS_ENV, "1") != "0"
