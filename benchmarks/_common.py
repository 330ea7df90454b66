"""What both benchmarks measure the same way: wall time, the machine's GEMM rate, PyTorch if present."""
from __future__ import annotations

import os
import time

import numpy as np


def timed(fn) -> float:
    """Seconds one call of ``fn`` takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def gemm_rate(n: int = 2048, repeats: int = 5) -> float:
    """float32 FLOP/s of NumPy's matrix product on this machine, now."""
    rng = np.random.default_rng(0)
    a, b = rng.random((n, n), dtype=np.float32), rng.random((n, n), dtype=np.float32)
    a @ b
    return 2 * n ** 3 / min(timed(lambda: a @ b) for _ in range(repeats))


def torch_version() -> str | None:
    """PyTorch's version with its threads set to this machine's cores, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(len(os.sched_getaffinity(0)))
    return torch.__version__
