"""Readers for the binary formats of MNIST (IDX) and CIFAR-10 (binary version).

Both readers trust nothing in a file: a wrong magic number, a header whose sizes
disagree with the payload, or a truncated file raises ``ValueError`` naming the
file, before any large allocation.  Neither ever unpickles anything.
"""
from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path

import numpy as np

_IDX_DTYPES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"),
               0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
# No file in these data sets comes near this; a header claiming more is lying.
MAX_IDX_BYTES = 1 << 31


def _open(path: Path):
    with open(path, "rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def read_idx(path) -> np.ndarray:
    """Read an IDX file (raw or gzip-compressed) into an array of its own dtype/shape.

    MNIST images come back as ``uint8`` of shape ``(N, 28, 28)``, labels as
    ``uint8`` of shape ``(N,)``.
    """
    path = _as_path(path, "path")
    if not path.is_file():
        raise FileNotFoundError(f"IDX file not found: {path}")
    try:
        with _open(path) as f:
            magic = f.read(4)
            if len(magic) < 4 or magic[0] != 0 or magic[1] != 0 or magic[2] not in _IDX_DTYPES:
                raise ValueError(f"{path.name}: not an IDX file (magic bytes {magic.hex() or 'missing'}; "
                                 "expected 00 00 <type code> <ndim>)")
            dtype, ndim = _IDX_DTYPES[magic[2]], magic[3]
            if ndim == 0:
                raise ValueError(f"{path.name}: IDX header declares 0 dimensions")
            dims_raw = f.read(4 * ndim)
            if len(dims_raw) < 4 * ndim:
                raise ValueError(f"{path.name}: truncated IDX header ({len(dims_raw)} of {4 * ndim} dimension bytes)")
            dims = tuple(int(d) for d in np.frombuffer(dims_raw, dtype=">u4"))
            expected = math.prod(dims) * dtype.itemsize          # Python ints: no overflow
            if expected > MAX_IDX_BYTES:
                raise ValueError(f"{path.name}: IDX header declares shape {dims} ({expected} bytes), "
                                 "more than any supported data set; the header is corrupt")
            payload = f.read(expected + 1)
    except (OSError, EOFError, zlib.error) as err:  # gzip.BadGzipFile is an OSError
        raise ValueError(f"{path.name}: cannot be read as IDX ({err})") from err
    if len(payload) != expected:
        what = "truncated" if len(payload) < expected else "longer than its header says"
        raise ValueError(f"{path.name}: payload is {what}: header shape {dims} needs {expected} bytes, "
                         f"found {'at least ' if len(payload) > expected else ''}{len(payload)}")
    return np.frombuffer(payload, dtype=dtype).reshape(dims).astype(dtype.newbyteorder("="))


CIFAR_RECORD = 1 + 3 * 32 * 32


def read_cifar10_batch(path) -> tuple[np.ndarray, np.ndarray]:
    """Read one file of CIFAR-10's *binary* version (``data_batch_k.bin``, ``test_batch.bin``).

    Each record is one label byte (0–9) and 3 072 pixel bytes (1 024 red, then
    green, then blue, rows of 32).  Returns images ``uint8 (N, 3072)`` in that
    channel-major order and labels ``int64 (N,)``.
    """
    path = _as_path(path, "path")
    if not path.is_file():
        raise FileNotFoundError(f"CIFAR-10 batch not found: {path}")
    size = os.path.getsize(path)
    if size == 0 or size % CIFAR_RECORD:
        raise ValueError(f"{path.name}: size {size} bytes is not a whole number of {CIFAR_RECORD}-byte "
                         "CIFAR-10 records; the file is truncated or not the binary version")
    records = np.fromfile(path, dtype=np.uint8).reshape(-1, CIFAR_RECORD)
    labels = records[:, 0].astype(np.int64)
    if labels.max() > 9:
        bad = int(np.argmax(labels > 9))
        raise ValueError(f"{path.name}: record {bad} has label {labels[bad]}, outside 0–9; "
                         "not a CIFAR-10 binary batch")
    return records[:, 1:].copy(), labels


def _as_path(value, name: str) -> Path:
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a file path (str or pathlib.Path); received {type(value).__name__}")
    return Path(value)
