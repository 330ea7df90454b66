"""Parameters: trainable arrays with their gradients, and how a gradient product reaches them.

A :class:`Parameter` may hold its gradient as a pending product ``aᵀ b`` that plain SGD
applies in one BLAS call (:mod:`mlcore._blas`) without ever building the gradient.
"""
from __future__ import annotations

import functools

import numpy as np

from . import _blockwise
from ._blas import add_product


class Parameter:
    """A trainable array and the gradient of the loss with respect to it.

    ``decay`` marks the arrays an L2 penalty applies to (weights, not biases).

    A layer may record its gradient as a product ``aᵀ b`` (a Linear layer's
    ``xᵀ δ``) with :meth:`set_grad_product` instead of computing it.  Reading
    ``grad`` computes the product on first use, so every reader (Adam,
    momentum, the L2 penalty, gradient checks) sees the full array; plain SGD
    calls :meth:`add_scaled_grad`, which applies the product to ``value`` in
    one BLAS call and never builds the gradient at all.
    """
    __slots__ = ("name", "value", "decay", "_grad", "_product")

    def __init__(self, name: str, value: np.ndarray, *, decay: bool):
        self.name = name
        self.value = value
        self.decay = decay
        self._grad = np.zeros_like(value)
        self._product = None

    @property
    def grad(self) -> np.ndarray:
        """``∂L/∂value``, same shape and dtype as ``value``."""
        if self._product is not None:
            _product_of(*self._product, out=self._grad)
            self._product = None
        return self._grad

    @grad.setter
    def grad(self, array: np.ndarray) -> None:
        self._grad = array
        self._product = None

    def set_grad_product(self, a: np.ndarray, b: np.ndarray) -> None:
        """Record ``grad = aᵀ b`` (``a``: (N, rows), ``b``: (N, cols)) without computing it.

        The caller must not modify ``a`` or ``b`` in place afterwards.
        """
        if a.ndim != 2 or b.ndim != 2 or a.shape[0] != b.shape[0] or (a.shape[1], b.shape[1]) != self.value.shape:
            raise ValueError(f"grad product aᵀb must match {self.name} of shape {self.value.shape}; "
                             f"received a of shape {a.shape} and b of shape {b.shape}")
        self._product = (a, b)

    def add_to_grad(self, alpha: float, array: np.ndarray) -> None:
        """``grad += alpha · array`` in place (an L2 penalty adds ``2λW`` this way).

        With a recorded product pending, the sum is built in one pass plus the
        product's own BLAS call (``grad = alpha · array``, then ``grad += aᵀb``
        with ``gemm``'s β = 1), instead of computing ``aᵀb`` and adding a
        temporary ``alpha · array`` to it.
        """
        if self._product is not None:
            product = self._product
            alpha_ = self.value.dtype.type(alpha)
            _blockwise.run([functools.partial(np.multiply, a, alpha_, out=g)
                            for a, g in _blockwise.blocks(array, self._grad)])
            if add_product(self._grad, 1.0, *product):
                self._product = None
                return
            self._product = None
            self._grad += _product_of(*product, like=self._grad)
            return
        self._grad += self.value.dtype.type(alpha) * array

    def add_scaled_grad(self, alpha: float) -> None:
        """``value += alpha · grad`` in place (``alpha = −lr`` is a gradient-descent step).

        ``grad`` itself is left as it was.
        """
        if self._product is not None and add_product(self.value, alpha, *self._product):
            return
        self.value += self.value.dtype.type(alpha) * self.grad

    def __repr__(self) -> str:
        return f"Parameter({self.name!r}, shape={self.value.shape}, dtype={self.value.dtype})"


def _product_of(a: np.ndarray, b: np.ndarray, *, out=None, like=None) -> np.ndarray:
    """``aᵀ b`` into ``out`` (or a new array shaped like ``like``)."""
    if out is None:
        out = np.empty_like(like)
    if a.shape[0] == 1:          # one example: an outer product, far cheaper by broadcasting than a K=1 matmul
        return np.multiply(a.T, b, out=out)
    return np.matmul(a.T, b, out=out)


def parameter_list(values, name: str = "parameters") -> list[Parameter]:
    """``values`` as a list of distinct :class:`Parameter` objects, or a clear error."""
    if isinstance(values, (str, bytes, np.ndarray)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a list of mlcore Parameters (e.g. model.parameters()); "
                        f"received {type(values).__name__}")
    values = list(values)
    for i, p in enumerate(values):
        if not isinstance(p, Parameter):
            raise TypeError(f"{name}[{i}] must be an mlcore Parameter; received {type(p).__name__}")
    if len({id(p) for p in values}) != len(values):
        raise ValueError(f"{name} lists the same Parameter more than once; it would be updated twice per step")
    return values
