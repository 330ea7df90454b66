"""Pure, vectorised activation and probability functions.

All functions accept arrays of any shape unless stated and never overflow: the
softmax family subtracts the row maximum (log-sum-exp) and the sigmoid is
written through ``tanh``, which saturates instead of overflowing.
"""
from __future__ import annotations

import numpy as np

from ._checks import as_labels, check_positive


def sigmoid(x, out=None):
    """Logistic function ``1 / (1 + exp(-x))``, elementwise, for any finite ``x``.

    Uses the identity ``sigmoid(x) = (1 + tanh(x / 2)) / 2``: ``tanh`` saturates
    at ±1, so ``sigmoid(±1e4)`` is exactly 1 or 0 with no overflow warning.
    ``out`` may be given to write the result in place (same shape, float dtype).
    """
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    out = np.multiply(x, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def log_sigmoid(x):
    """``log(sigmoid(x))`` computed as ``-log(1 + exp(-x))`` without overflow."""
    x = np.asarray(x, dtype=np.result_type(x, np.float32))
    return -np.logaddexp(0.0, -x)


def tanh(x):
    """Hyperbolic tangent, elementwise (NumPy's, re-exported for symmetry)."""
    return np.tanh(x)


def relu(x):
    """``max(x, 0)``, elementwise."""
    return np.maximum(x, 0)


def log_softmax(z, axis: int = -1):
    """Log-probabilities of a softmax over ``axis``, stable for any finite logits.

    ``s = z - max(z)`` makes the largest entry 0, so ``exp(s) <= 1`` and the
    log-sum-exp never overflows; at least one term equals 1, so it never
    underflows to ``log 0`` either.
    """
    z = np.asarray(z)
    if z.dtype.kind != "f":
        z = z.astype(np.float64)
    # ufunc.reduce directly: the ndarray methods add a Python layer that costs more
    # than the arithmetic on the small arrays of a training step.
    shifted = z - np.maximum.reduce(z, axis=axis, keepdims=True)
    return shifted - np.log(np.add.reduce(np.exp(shifted), axis=axis, keepdims=True))


def softmax(z, axis: int = -1):
    """Softmax over ``axis``: ``exp(z_i) / sum_j exp(z_j)``; rows sum to 1."""
    z = np.asarray(z)
    if z.dtype.kind != "f":
        z = z.astype(np.float64)
    e = np.exp(z - np.maximum.reduce(z, axis=axis, keepdims=True))
    e /= np.add.reduce(e, axis=axis, keepdims=True)
    return e


def one_hot(labels, n_classes: int, dtype=np.float32):
    """One-hot encode integer ``labels`` of shape ``(N,)`` into ``(N, n_classes)``."""
    check_positive(n_classes, "n_classes", integer=True)
    labels = as_labels(labels, "labels", n_classes=n_classes)
    encoded = np.zeros((labels.shape[0], n_classes), dtype=dtype)
    encoded[np.arange(labels.shape[0]), labels] = 1
    return encoded
