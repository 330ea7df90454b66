"""In-place ``W ← W + α · aᵀ b``: the weight step of plain SGD in one BLAS call.

A Linear layer's weight gradient is the product ``xᵀ δ`` of its input ``x``
(N, n_in) and upstream gradient ``δ`` (N, n_out).  Plain SGD needs only
``W − lr · xᵀ δ``.  BLAS does that in place — ``gemm`` with ``β = 1``, or
``ger`` (a rank-1 update) for a single example — so the gradient is never
built and ``W`` is read and written once.  NumPy has no such call, so this
module reaches the BLAS library that NumPy itself links (the
``scipy-openblas64`` build shipped in NumPy's wheels) through ``ctypes``.

Why NumPy's own copy and not ``scipy.linalg.blas``: SciPy bundles a second
OpenBLAS with its own thread pool.  Alternating between the two pools on a
small machine makes each wait for the other's spinning threads; measured on
two cores, a forward ``matmul`` followed by SciPy's ``gemm`` took 9.8 ms
instead of 0.8 ms.

When NumPy's BLAS cannot be found (another NumPy build, e.g. conda's MKL or
macOS Accelerate), :func:`add_product` declines and the caller builds the
gradient and updates with NumPy: the same result up to rounding, two more
passes over ``W``.
"""
from __future__ import annotations

import contextlib
import ctypes
import glob
import os

import numpy as np
from threadpoolctl import threadpool_limits

from .config import numpy_blas_allowed

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112


def _numpy_openblas():
    """The OpenBLAS library NumPy's wheels bundle (ILP64, ``scipy_`` prefixed), or None."""
    root = os.path.dirname(os.path.abspath(np.__file__))
    patterns = [os.path.join(root, os.pardir, "numpy.libs", "libscipy_openblas64_*"),   # Linux, Windows
                os.path.join(root, ".dylibs", "libscipy_openblas64_*")]                 # macOS
    paths = [p for pattern in patterns for p in glob.glob(pattern)]
    try:
        return ctypes.CDLL(paths[0]) if paths else None
    except OSError:
        return None


def _routines(lib) -> dict:
    """``{dtype: (gemm, ger)}`` from NumPy's OpenBLAS, or ``{}``."""
    if lib is None or not numpy_blas_allowed():
        return {}
    try:
        routines = {}
        for dtype, letter, scalar in ((np.float32, "s", ctypes.c_float), (np.float64, "d", ctypes.c_double)):
            gemm = getattr(lib, f"scipy_cblas_{letter}gemm64_")
            ger = getattr(lib, f"scipy_cblas_{letter}ger64_")
            i64, ptr, enum = ctypes.c_int64, ctypes.c_void_p, ctypes.c_int
            gemm.argtypes = [enum, enum, enum, i64, i64, i64, scalar, ptr, i64, ptr, i64, scalar, ptr, i64]
            ger.argtypes = [enum, i64, i64, scalar, ptr, i64, ptr, i64, ptr, i64]
            gemm.restype = ger.restype = None
            routines[np.dtype(dtype)] = (gemm, ger)
        return routines
    except AttributeError:
        return {}


#: After a product, OpenBLAS's threads spin for about 2²⁸ cycles (a tenth of a second)
#: waiting for the next one.  mlcore runs its element-wise passes on all cores between
#: products (:mod:`mlcore._blockwise`), and a spinning BLAS thread holds a core they
#: need: on two cores, Adam's step for the Sapienza chapter's 7.5 million weights took
#: 17.7 ms right after a product instead of 11.0 ms.  The shortest timeout OpenBLAS
#: allows (2⁴ cycles) lets them sleep at once; waking them costs no measurable time
#: (200 back-to-back 128 × 128 products: 30 µs each either way).  A timeout the user
#: set in ``OPENBLAS_THREAD_TIMEOUT`` stands.
SHORT_THREAD_TIMEOUT = "4"


def _let_idle_threads_sleep(lib) -> bool:
    """Give NumPy's OpenBLAS the shortest thread timeout; ``True`` if it was set here."""
    if lib is None or "OPENBLAS_THREAD_TIMEOUT" in os.environ:
        return False
    try:
        read_env, shutdown = lib.openblas_read_env, lib.blas_thread_shutdown_
    except AttributeError:
        return False
    # OpenBLAS reads the timeout from the environment into its settings, and its thread
    # server applies it when it starts: stop the server (the next threaded product starts
    # it again, as after a fork), and take the variable out again so that child processes
    # inherit the user's environment unchanged.
    os.environ["OPENBLAS_THREAD_TIMEOUT"] = SHORT_THREAD_TIMEOUT
    try:
        read_env()
    finally:
        del os.environ["OPENBLAS_THREAD_TIMEOUT"]
    shutdown()
    return True


_LIB = _numpy_openblas()
_ROUTINES = _routines(_LIB)
_let_idle_threads_sleep(_LIB)


def add_product(W: np.ndarray, alpha: float, a: np.ndarray, b: np.ndarray) -> bool:
    """``W += alpha * a.T @ b`` in place with one BLAS call; ``True`` if done.

    ``W``: (n_in, n_out); ``a``: (N, n_in); ``b``: (N, n_out).  Returns
    ``False`` (and leaves ``W`` alone) unless NumPy's BLAS was found and ``W``,
    ``a`` and ``b`` are C-contiguous arrays of one float32/float64 dtype; the
    caller then builds the gradient and updates with NumPy.
    """
    routines = _ROUTINES.get(W.dtype)
    if (routines is None or a.dtype != W.dtype or b.dtype != W.dtype
            or not (W.flags.c_contiguous and a.flags.c_contiguous and b.flags.c_contiguous)):
        return False
    gemm, ger = routines
    n, n_in = a.shape
    n_out = b.shape[1]
    if n == 1:
        ger(_ROW_MAJOR, n_in, n_out, alpha, a.ctypes.data, 1, b.ctypes.data, 1, W.ctypes.data, n_out)
    else:
        gemm(_ROW_MAJOR, _TRANS, _NO_TRANS, n_in, n_out, n, alpha, a.ctypes.data, n_in,
             b.ctypes.data, n_out, 1.0, W.ctypes.data, n_out)
    return True


#: Below this many rows per batch, training runs BLAS on one thread: waking a
#: second thread for products this small costs more than it saves (measured on
#: two cores with the 784-300-10 network: batch 1, 430 → 250 µs per step;
#: batch 10, 700 → 570 µs; from about 20 rows on, two threads win).
SINGLE_THREAD_BELOW = 20


def threads_for(batch_size: int) -> int | None:
    """BLAS threads to use for batches of ``batch_size`` rows: 1, or ``None`` (leave as is)."""
    return 1 if batch_size < SINGLE_THREAD_BELOW else None


@contextlib.contextmanager
def threads_limited_for(batch_size: int):
    """Inside the block, BLAS runs with :func:`threads_for` ``(batch_size)`` threads; restored after."""
    with threadpool_limits(limits=threads_for(batch_size), user_api="blas"):
        yield
