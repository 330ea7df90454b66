"""Numerical gradient checks with centred finite differences in float64."""
from __future__ import annotations

import numpy as np

from ._validation import _describe, as_float_array, require_callable, require_positive


def relative_error(analytic, numeric, floor: float = 1e-8) -> float:
    """``max_i |a_i − n_i| / max(floor, |a_i| + |n_i|)`` — 0 for identical arrays.

    ``floor`` (CS231n's 1e-8 by default) sets the size below which an entry is
    judged by its absolute error; raise it when some true gradients are tiny
    (~1e-6, e.g. behind saturated logits), where finite differences carry an
    absolute noise of ~1e-10 that is no sign of a wrong formula.
    """
    a = as_float_array(analytic, "analytic", dtype=np.float64, allow_empty=True)
    b = as_float_array(numeric, "numeric", dtype=np.float64, allow_empty=True)
    require_positive(floor, "floor")
    if a.shape != b.shape:
        raise ValueError(f"analytic and numeric gradients must have the same shape; "
                         f"received {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(floor, np.abs(a) + np.abs(b))))


def numerical_gradient(f, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """``∂f/∂x`` by centred differences ``(f(x + h e_i) − f(x − h e_i)) / 2h``.

    ``f`` takes no argument and reads ``x``, which is perturbed in place one
    entry at a time and restored; ``x`` must be a float64 array (any memory
    layout: entries are addressed by index, never through a reshaped copy).
    Raises ``FloatingPointError`` if ``f`` gives a non-finite value.
    """
    require_callable(f, "f", allow_none=False)
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError("x must be a float64 NumPy array (finite differences in float32 are too coarse); "
                        f"received {getattr(x, 'dtype', type(x).__name__)}")
    if not x.flags.writeable:
        raise ValueError("x must be writeable: it is perturbed in place and restored")
    require_positive(h, "h")
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + h
        plus = float(f())
        x[index] = old - h
        minus = float(f())
        x[index] = old
        grad[index] = (plus - minus) / (2 * h)
        if not np.isfinite(grad[index]):
            raise FloatingPointError(f"f gave a non-finite value around x[{index}] "
                                     f"(f(x + h) = {plus}, f(x − h) = {minus})")
    return grad


def check_function(f, df, x, h: float = 1e-5, floor: float = 1e-8) -> float:
    """Relative error between an analytic Jacobian-vector check of ``df`` and finite differences.

    ``f`` maps an array to a scalar; ``df`` returns its gradient (same shape as ``x``).
    """
    require_callable(f, "f", allow_none=False)
    require_callable(df, "df", allow_none=False)
    x = np.array(as_float_array(x, "x", allow_empty=False), dtype=np.float64)
    return relative_error(df(x.copy()), numerical_gradient(lambda: f(x), x, h), floor)


def check_loss(loss, logits, targets, h: float = 1e-5, floor: float = 1e-8) -> float:
    """Relative error of ``loss.backward()`` against finite differences of ``loss.forward(·, targets)``."""

    def gradient(z):
        loss.forward(z, targets)
        return loss.backward()

    return check_function(lambda z: loss.forward(z, targets), gradient, logits, h, floor)


def check_layer(layer, x, *, seed: int = 0, h: float = 1e-5, floor: float = 1e-8) -> dict[str, float]:
    """Check a layer's backward pass against finite differences.

    With a random upstream gradient ``g`` (seeded), the scalar
    ``s = Σ g ⊙ layer(x)`` has ``∂s/∂x = layer.backward(g)`` and
    ``∂s/∂θ = θ.grad``.  The layer is cast to float64 first.  Returns the
    relative error for ``"x"`` and for every parameter, by name.
    """
    from .layers import Layer
    if not isinstance(layer, Layer):
        raise TypeError(f"layer must be an mlcore Layer; received {type(layer).__name__}")
    x = np.array(as_float_array(x, "x", ndim=2), dtype=np.float64)
    layer.astype(np.float64)
    out = layer.forward(x)
    g = np.random.default_rng(seed).normal(size=out.shape)
    dx = layer.backward(g)
    analytic = {"x": dx, **{p.name: p.grad.copy() for p in layer.parameters()}}

    def scalar():
        return float(np.sum(g * layer.forward(x)))

    errors = {"x": relative_error(analytic["x"], numerical_gradient(scalar, x, h), floor)}
    for p in layer.parameters():
        errors[p.name] = relative_error(analytic[p.name], numerical_gradient(scalar, p.value, h), floor)
    return errors


def check_model(model, X, y, loss, penalty=None, *, h: float = 1e-5, floor: float = 1e-8) -> dict[str, float]:
    """Check every parameter gradient of ``model`` (with loss and optional penalty).

    The model is cast to float64.  Stochastic layers (dropout) must be in
    evaluation mode or have ``p = 0`` for the check to be meaningful.
    Returns ``{"<layer index>.<name>": relative error}``.
    """
    from .model import Sequential
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be an mlcore Sequential; received {type(model).__name__}")
    X = np.array(model.validate_inputs(X), dtype=np.float64)
    y = model.validate_targets(y)
    model.astype(np.float64)
    model.loss_and_gradients(X, y, loss, penalty)
    # Copy every gradient before any perturbed forward pass runs.
    analytic = {(i, p.name): p.grad.copy() for i, layer in enumerate(model.layers) for p in layer.parameters()}

    def objective():
        value = loss.forward(model.forward(X), y)
        return value + (penalty.value(model.parameters(), rows=X.shape[0]) if penalty is not None else 0.0)

    errors = {}
    for i, layer in enumerate(model.layers):
        for p in layer.parameters():
            errors[f"{i}.{p.name}"] = relative_error(analytic[i, p.name], numerical_gradient(objective, p.value, h),
                                                     floor)
    return errors


def report(name: str, error: float, tol: float = 1e-7) -> str:
    """One line for a chapter: ``"<name>: relative error 3e-11 < 1e-07 ✓"``.

    The verdict (✓ / ✗) is what matters; the error itself varies in its last
    digits between machines, which is why the book's nbval configuration masks it.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string; received {_describe(name)}")
    require_positive(error, "error", allow_zero=True)
    require_positive(tol, "tol")
    verdict = "<" if error < tol else ">="
    mark = "✓" if error < tol else "✗"
    return f"{name}: relative error {error:.1e} {verdict} {tol:.0e} {mark}"
