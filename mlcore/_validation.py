"""Argument validation shared by the public functions of mlcore.

Every validator raises ``TypeError`` or ``ValueError`` whose message names the
argument, says what was expected and shows what was received, so that a reader
who pastes their own arrays learns at once what is wrong.

Inside :func:`mlcore.fit` the data have been validated once, whole, before the first
step, and every other input a layer receives is another layer's output; there
(:func:`batches_validated_upstream`) layers and losses do not re-scan their float inputs
on every batch.  Divergence is still caught where it shows: non-finite logits give a
non-finite loss, which the loss refuses, and fit's guard restores the last good state.
"""
from __future__ import annotations

import contextlib
import math
import numbers
import threading

import numpy as np

_upstream = threading.local()


@contextlib.contextmanager
def batches_validated_upstream():
    """Within this block (one thread), :func:`as_batch` passes float arrays through unscanned."""
    previous = getattr(_upstream, "validated", False)
    _upstream.validated = True
    try:
        yield
    finally:
        _upstream.validated = previous


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
    array = _asarray(value, name)
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
    original = array
    with np.errstate(over="ignore", invalid="ignore"):
        array = array.astype(target, copy=False)
    if finite and not _all_finite(array):
        if _all_finite(original):
            raise ValueError(f"{name} holds values too large for {np.dtype(target)} "
                             f"(largest magnitude {np.abs(original).max():g})")
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"{name} must be finite; received {bad} NaN or infinite value(s) "
                         f"in {_describe(array)}")
    return array


def _asarray(value, name: str) -> np.ndarray:
    """``np.asarray`` with NumPy's own complaints (ragged lists, odd objects) turned into ours."""
    try:
        return np.asarray(value)
    except (ValueError, TypeError, OverflowError) as err:
        raise TypeError(f"{name} must be a rectangular array of numbers; received {_describe(value)} "
                        f"that NumPy cannot turn into one ({err})") from None


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


def as_labels(value, name: str, *, n_classes: int | None = None, n_classes_name: str = "n_classes") -> np.ndarray:
    """Return integer class labels as an int64 vector, or raise a clear error.

    Floats that are whole numbers (``2.0``) are accepted; ``2.5``, negatives and
    labels ``>= n_classes`` are not.
    """
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be an array of integer labels; received {_describe(value)}")
    array = _asarray(value, name)
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
        raise ValueError(f"{name} must be < {n_classes_name}={n_classes}; received label {high}")
    return labels


def require_positive(value, name: str, *, integer: bool = False, allow_zero: bool = False):
    """Check that ``value`` is a (positive) real or integer scalar and return it."""
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, kind):
        what = "an integer" if integer else "a real number"
        raise TypeError(f"{name} must be {what}; received {_describe(value)}")
    if not _finite_number(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {bound}; received {value!r}")
    return value


def _finite_number(value) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:            # an integer too large for a float
        return False


def require_probability(value, name: str, *, allow_one: bool = False) -> float:
    """Check ``0 <= value < 1`` (or ``<= 1``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; received {_describe(value)}")
    upper_ok = value <= 1 if allow_one else value < 1
    if not (0 <= value and upper_ok):
        bound = "[0, 1]" if allow_one else "[0, 1)"
        raise ValueError(f"{name} must lie in {bound}; received {value!r}")
    return float(value)


def require_choice(value, name: str, choices) -> str:
    """Check that ``value`` is one of ``choices``."""
    try:
        known = value in choices
    except TypeError:                       # unhashable, e.g. a list
        known = False
    if not known or isinstance(value, (bool, np.bool_)):
        shown = repr(value) if isinstance(value, (str, int, float)) else _describe(value)
        raise ValueError(f"{name} must be one of {sorted(choices)}; received {shown}")
    return value


def require_same_rows(X: np.ndarray, y: np.ndarray, x_name: str = "X", y_name: str = "y") -> None:
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"{x_name} and {y_name} must have the same number of rows; "
                         f"received {X.shape[0]} and {y.shape[0]}")


def as_batch(value, name: str) -> np.ndarray:
    """A layer's (or a loss's) input: float arrays pass untouched (the hot path); anything else
    goes through :func:`as_float_array` (lists converted, strings refused).

    Float arrays are scanned for NaN and infinity, except inside
    :func:`batches_validated_upstream`.
    """
    if type(value) is np.ndarray and value.dtype.kind == "f" and getattr(_upstream, "validated", False):
        return value
    if not (type(value) is np.ndarray and value.dtype.kind == "f"):
        value = as_float_array(value, name, finite=False, allow_empty=True)
    if not _all_finite(value):
        # FloatingPointError, not ValueError: inside training this is how divergence
        # shows, and fit's guard takes it as such.
        raise FloatingPointError(f"{name} must be finite; received NaN or infinite values in {_describe(value)}")
    return value


def require_flag(value, name: str) -> bool:
    """A true/false switch: ``True``/``False`` (or NumPy's bool), never a truthy string or number."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; received {_describe(value)}")
    return bool(value)


def require_seed(value, name: str = "seed", *, allow_none: bool = True, legacy: bool = False):
    """A seed for ``numpy.random.default_rng``: a non-negative integer (or ``None`` where allowed).

    ``legacy``: a seed for NumPy's ``RandomState`` (and scikit-learn), below 2**32.
    """
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        what = "a non-negative integer" + (" or None" if allow_none else "")
        raise TypeError(f"{name} must be {what}; received {_describe(value)}")
    if value < 0 or (legacy and value >= 2 ** 32):
        raise ValueError(f"{name} must be >= 0{' and < 2**32' if legacy else ''}; received {value!r}")
    return int(value)


def require_float_dtype(value, name: str = "dtype") -> np.dtype:
    """A real floating-point dtype (float16/32/64); integers, complex and objects are refused."""
    try:
        dtype = np.dtype(value)
    except TypeError:
        raise TypeError(f"{name} must be a NumPy floating-point dtype such as np.float32; "
                        f"received {_describe(value)}") from None
    if dtype.kind != "f":
        raise TypeError(f"{name} must be a real floating-point dtype such as np.float32; received {dtype}")
    return dtype


def require_callable(value, name: str, *, allow_none: bool = True):
    """A function (or ``None`` where allowed)."""
    if (value is None and allow_none) or callable(value):
        return value
    raise TypeError(f"{name} must be callable{' or None' if allow_none else ''}; received {_describe(value)}")


def require_integer(value, name: str, *, minimum: int = 1) -> int:
    """An integer ``>= minimum`` (``bool`` refused)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; received {_describe(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; received {value!r}")
    return int(value)


def require_real(value, name: str) -> float:
    """A finite real number of any sign (``bool`` refused)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; received {_describe(value)}")
    if not _finite_number(value):
        raise ValueError(f"{name} must be finite; received {value!r}")
    return float(value)
