"""Argument checks shared by the public functions of mlcore.

Every check raises ``TypeError`` or ``ValueError`` whose message names the
argument, says what was expected and shows what was received, so that a reader
who pastes their own arrays learns at once what is wrong.
"""
from __future__ import annotations

import numbers

import numpy as np


def _describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def as_float_array(value, name: str, *, ndim: int | tuple[int, ...] | None = None,
                   finite: bool = True, dtype=None, allow_empty: bool = False) -> np.ndarray:
    """Return ``value`` as a floating-point array, or raise a clear error.

    Integer arrays are converted (to ``dtype`` or float64); booleans, strings and
    objects are refused.
    """
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be an array of numbers; received {_describe(value)}")
    array = np.asarray(value)
    if array.dtype.kind not in "fiu":
        raise TypeError(f"{name} must hold real numbers; received {_describe(array)}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if array.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {want}; received {_describe(array)}")
    if not allow_empty and array.size == 0:
        raise ValueError(f"{name} must not be empty; received {_describe(array)}")
    target = dtype if dtype is not None else (array.dtype if array.dtype.kind == "f" else np.float64)
    array = array.astype(target, copy=False)
    if finite and not _all_finite(array):
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"{name} must be finite; received {bad} NaN or infinite value(s) "
                         f"in {_describe(array)}")
    return array


def _all_finite(array: np.ndarray) -> bool:
    """True when no entry is NaN or ±inf.

    A sum is finite only if every term is (NaN and ±inf propagate), and it reads
    the data once without a boolean temporary; only a sum that overflows needs
    the entrywise test.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.add.reduce(array, axis=None)):
            return True
    return bool(np.isfinite(array).all())


def as_labels(value, name: str, *, n_classes: int | None = None) -> np.ndarray:
    """Return integer class labels as an int64 vector, or raise a clear error.

    Floats that are whole numbers (``2.0``) are accepted; ``2.5``, negatives and
    labels ``>= n_classes`` are not.
    """
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be an array of integer labels; received {_describe(value)}")
    array = np.asarray(value)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of integer labels; received {_describe(array)}")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty; received {_describe(array)}")
    if array.dtype.kind == "f":
        if not np.isfinite(array).all() or not np.all(array == np.round(array)):
            raise ValueError(f"{name} must hold whole-number labels; received non-integer values "
                             f"such as {array[array != np.round(array)][:3].tolist()}")
    elif array.dtype.kind not in "iub":
        raise TypeError(f"{name} must hold integer labels; received {_describe(array)}")
    labels = array.astype(np.int64, copy=False)
    # ufunc.reduce directly: called on every training batch, where the ndarray
    # methods' Python layer costs more than the work.
    low, high = np.minimum.reduce(labels), np.maximum.reduce(labels)
    if low < 0:
        raise ValueError(f"{name} must be non-negative; received minimum label {low}")
    if n_classes is not None and high >= n_classes:
        raise ValueError(f"{name} must be < n_classes={n_classes}; received label {high}")
    return labels


def check_positive(value, name: str, *, integer: bool = False, allow_zero: bool = False):
    """Check that ``value`` is a (positive) real or integer scalar and return it."""
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        what = "an integer" if integer else "a real number"
        raise TypeError(f"{name} must be {what}; received {_describe(value)}")
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {bound}; received {value!r}")
    return value


def check_probability(value, name: str, *, allow_one: bool = False) -> float:
    """Check ``0 <= value < 1`` (or ``<= 1``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; received {_describe(value)}")
    upper_ok = value <= 1 if allow_one else value < 1
    if not (0 <= value and upper_ok):
        bound = "[0, 1]" if allow_one else "[0, 1)"
        raise ValueError(f"{name} must lie in {bound}; received {value!r}")
    return float(value)


def check_choice(value, name: str, choices) -> str:
    """Check that ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}; received {value!r}")
    return value


def check_same_rows(X: np.ndarray, y: np.ndarray, x_name: str = "X", y_name: str = "y") -> None:
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"{x_name} and {y_name} must have the same number of rows; "
                         f"received {X.shape[0]} and {y.shape[0]}")
