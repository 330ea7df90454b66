"""Pure, vectorised activation and probability functions.

All functions accept arrays of any shape unless stated and never overflow: the
softmax family subtracts the row maximum (log-sum-exp) and the sigmoid is
written through ``tanh``, which saturates instead of overflowing.
"""
from __future__ import annotations

import numpy as np

from ._validation import as_float_array, as_labels, require_float_dtype, require_integer


def sigmoid(x):
    """Logistic function ``1 / (1 + exp(-x))``, elementwise, for any finite ``x``.

    Uses the identity ``sigmoid(x) = (1 + tanh(x / 2)) / 2``: ``tanh`` saturates
    at ±1, so ``sigmoid(±1e4)`` is exactly 1 or 0 with no overflow warning.
    """
    return _sigmoid(_validated(x))


def _sigmoid(x):
    """:func:`sigmoid` of a float array already checked (the layers' hot path)."""
    out = np.multiply(x, 0.5, out=np.empty_like(x))
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def _validated(x, name: str = "x", *, at_least_1d: bool = False):
    """A finite float array (lists converted, integers cast to float64), or a clear error.

    ``at_least_1d``: the softmax family needs an axis with at least one entry.
    """
    if not at_least_1d:
        return as_float_array(x, name, allow_empty=True)
    x = as_float_array(x, name, ndim=tuple(range(1, 33)))
    return x


def log_sigmoid(x):
    """``log(sigmoid(x))`` computed as ``-log(1 + exp(-x))`` without overflow."""
    x = _validated(x)
    return -np.logaddexp(0.0, -x)


def tanh(x):
    """Hyperbolic tangent, elementwise (NumPy's, re-exported for symmetry)."""
    return np.tanh(_validated(x))


def relu(x):
    """``max(x, 0)``, elementwise."""
    return np.maximum(_validated(x), 0)


def log_softmax(z, axis: int = -1):
    """Log-probabilities of a softmax over ``axis``, stable for any finite logits.

    ``s = z - max(z)`` makes the largest entry 0, so ``exp(s) <= 1`` and the
    log-sum-exp never overflows; at least one term equals 1, so it never
    underflows to ``log 0`` either.
    """
    z = _validated(z, "z", at_least_1d=True)
    return _log_softmax(z, _axis(z, axis))


def _log_softmax(z, axis: int = -1):
    """:func:`log_softmax` of a float array already checked (the losses' hot path)."""
    # ufunc.reduce directly: the ndarray methods add a Python layer that costs more
    # than the arithmetic on the small arrays of a training step.
    shifted = z - np.maximum.reduce(z, axis=axis, keepdims=True)
    return shifted - np.log(np.add.reduce(np.exp(shifted), axis=axis, keepdims=True))


def _axis(z, axis) -> int:
    ndim = np.ndim(z)
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)) or not -max(ndim, 1) <= axis < max(ndim, 1):
        raise ValueError(f"axis must be an integer in [-{max(ndim, 1)}, {max(ndim, 1)}) for an array of "
                         f"{ndim} dimension(s); received {axis!r}")
    return int(axis)


def softmax(z, axis: int = -1):
    """Softmax over ``axis``: ``exp(z_i) / sum_j exp(z_j)``; rows sum to 1."""
    z = _validated(z, "z", at_least_1d=True)
    axis = _axis(z, axis)
    e = np.exp(z - np.maximum.reduce(z, axis=axis, keepdims=True))
    e /= np.add.reduce(e, axis=axis, keepdims=True)
    return e


#: A guard against a typo'd ``n_classes`` allocating all memory.
MAX_ONE_HOT_ENTRIES = 1 << 31


def one_hot(labels, n_classes: int, dtype=np.float32):
    """One-hot encode integer ``labels`` of shape ``(N,)`` into ``(N, n_classes)``."""
    require_integer(n_classes, "n_classes")
    dtype = require_float_dtype(dtype, "dtype")
    labels = as_labels(labels, "labels", n_classes=n_classes)
    if labels.shape[0] * n_classes > MAX_ONE_HOT_ENTRIES:
        raise ValueError(f"n_classes={n_classes} for {labels.shape[0]} labels would need "
                         f"{labels.shape[0] * n_classes} entries, more than {MAX_ONE_HOT_ENTRIES}")
    encoded = np.zeros((labels.shape[0], n_classes), dtype=dtype)
    encoded[np.arange(labels.shape[0]), labels] = 1
    return encoded
