"""Optimisers that update a list of :class:`~mlcore.layers.Parameter` in place."""
from __future__ import annotations

import functools

import numpy as np

from . import _blockwise
from ._validation import _describe, require_choice, require_positive, require_probability
from .parameter import parameter_list


class Optimizer:
    """Base class.  ``lr`` may be changed between steps (learning-rate decay)."""

    def __init__(self, parameters, lr: float):
        self.parameters = parameter_list(parameters)
        if not self.parameters:
            raise ValueError("the optimizer received no parameters to update")
        self.lr = float(require_positive(lr, "lr"))

    def step(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class SGD(Optimizer):
    """``v ← μ v − lr · g;  θ ← θ + v`` (with ``μ = 0``: plain ``θ ← θ − lr · g``)."""

    def __init__(self, parameters, lr: float, momentum: float = 0.0):
        super().__init__(parameters, lr)
        self.momentum = require_probability(momentum, "momentum")
        self._velocity = [np.zeros_like(p.value) for p in self.parameters] if self.momentum else None

    def step(self) -> None:
        if self._velocity is None:
            for p in self.parameters:
                # One fused pass: a Linear weight's xᵀδ goes straight into W (BLAS gemm/ger).
                p.add_scaled_grad(-self.lr)
            return
        for p, v in zip(self.parameters, self._velocity):
            v *= self.momentum
            v -= self.lr * p.grad
            p.value += v


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias-corrected first and second moments."""

    def __init__(self, parameters, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8):
        super().__init__(parameters, lr)
        try:
            beta1, beta2 = betas
        except (TypeError, ValueError):
            raise ValueError(f"betas must be a pair (beta1, beta2); received {_describe(betas)}") from None
        self.beta1 = require_probability(beta1, "betas[0]")
        self.beta2 = require_probability(beta2, "betas[1]")
        self.eps = float(require_positive(eps, "eps"))
        self._m = [np.zeros_like(p.value) for p in self.parameters]
        self._v = [np.zeros_like(p.value) for p in self.parameters]
        self._t = 0

    def step(self) -> None:
        self._t += 1
        b1, b2 = self.beta1, self.beta2
        step_size = self.lr * np.sqrt(1 - b2 ** self._t) / (1 - b1 ** self._t)
        jobs = []
        for p, m, v in zip(self.parameters, self._m, self._v):
            dt = p.value.dtype.type
            constants = (dt(b1), dt(1 - b1), dt(b2), dt(1 - b2), dt(self.eps), dt(step_size))
            # Each block of (w, g, m, v) runs the whole update while it is in cache;
            # blocks of all parameters are shared out among the cores.
            jobs += [functools.partial(_adam_update, *block, *constants)
                     for block in _blockwise.blocks(p.value, p.grad, m, v)]
        _blockwise.run(jobs)


def _adam_update(w, g, m, v, b1, c1, b2, c2, eps, step_size) -> None:
    """One Adam update of ``w`` in place, through this thread's scratch: no temporaries."""
    tmp = _blockwise.scratch(w.size, w.dtype).reshape(w.shape)
    m *= b1
    np.multiply(g, c1, out=tmp)
    m += tmp
    v *= b2
    np.multiply(g, g, out=tmp)
    tmp *= c2
    v += tmp
    np.sqrt(v, out=tmp)
    tmp += eps
    np.divide(m, tmp, out=tmp)
    tmp *= step_size
    w -= tmp


OPTIMIZERS = {"sgd": SGD, "adam": Adam}


def make_optimizer(name: str, parameters, **kwargs) -> Optimizer:
    """Build an optimiser by name: ``"sgd"`` or ``"adam"``."""
    require_choice(name, "optimizer", OPTIMIZERS)
    return OPTIMIZERS[name](parameters, **kwargs)
