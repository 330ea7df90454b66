"""Layers as forward/backward pairs.

Every layer maps a batch ``x`` of shape ``(N, D_in)`` to ``(N, D_out)``.
``forward`` keeps exactly what ``backward`` needs; ``backward(dout)`` takes
``∂L/∂out`` of shape ``(N, D_out)``, stores ``∂L/∂θ`` in each parameter's
``grad`` (overwriting it) and returns ``∂L/∂x``.
"""
from __future__ import annotations

import numpy as np

from ._validation import (as_batch, as_float_array, require_choice, require_flag, require_float_dtype, require_positive,
                      require_probability, require_seed)
from .functional import _sigmoid
from .parameter import Parameter


class Layer:
    """Base class: no parameters, identical behaviour in training and evaluation.

    ``buffer_names`` lists a layer's non-parameter state (arrays it updates
    itself, such as batch norm's running statistics): :class:`~mlcore.model.Sequential`
    saves, loads, casts and checks them without knowing the layer.
    ``in_features``/``out_features`` are the widths a layer fixes (``None`` for
    element-wise layers, which keep any width).
    """
    training = True
    buffer_names: tuple[str, ...] = ()
    in_features: int | None = None
    out_features: int | None = None
    #: True for layers whose training-mode forward needs at least two rows (batch statistics).
    needs_two_rows = False

    def parameters(self) -> list[Parameter]:
        return []

    def buffers(self) -> dict[str, np.ndarray]:
        """The layer's non-parameter state by name (the arrays themselves, not copies)."""
        return {name: getattr(self, name) for name in self.buffer_names}

    def forward(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def backward(self, dout: np.ndarray, *, input_grad: bool = True):  # pragma: no cover
        raise NotImplementedError

    def astype(self, dtype) -> "Layer":
        """Cast parameters and buffers to ``dtype`` in place; return ``self``."""
        for p in self.parameters():
            p.value = p.value.astype(dtype)
            p.grad = np.zeros_like(p.value)
        for name, value in self.buffers().items():
            setattr(self, name, value.astype(dtype))
        return self

    def _upstream(self, dout, shape) -> np.ndarray:
        """``dout`` as a float array of the forward output's ``shape``, or a clear error."""
        dout = as_batch(dout, "dout")
        if dout.shape != shape:
            raise ValueError(f"{type(self).__name__}.backward: dout must have the shape of the forward "
                             f"output {shape}; received shape {dout.shape}")
        return dout

    def _saved(self, attr: str):
        value = getattr(self, attr, None)
        if value is None:
            raise RuntimeError(f"{type(self).__name__}.backward was called before forward: "
                               "run a forward pass on the batch first")
        return value

    def __call__(self, x):
        return self.forward(x)


INITIALISATIONS = ("normal", "glorot", "he", "zeros")
#: More weights than fit in a machine's memory; a larger layer is a typo.
MAX_WEIGHTS = 1 << 31


class Linear(Layer):
    """Affine map ``out = x @ W + b`` with ``W`` of shape ``(n_in, n_out)``.

    ``init`` is an array of shape ``(n_in, n_out)``, or one of
    ``"normal"`` (N(0, std²)), ``"glorot"`` (uniform, ±√(6/(n_in+n_out))),
    ``"he"`` (N(0, 2/n_in)), ``"zeros"``.  Random initialisations draw from
    ``numpy.random.default_rng(seed)``, so the same seed gives the same weights;
    without a seed (``None``, the default) each layer draws fresh entropy from the
    operating system, so two layers of the same shape start different — pass a seed
    wherever the numbers must be reproducible (every chapter does).
    """

    def __init__(self, n_in: int, n_out: int, *, init="normal", std: float = 0.01,
                 bias: bool = True, seed: int | None = None, dtype=np.float32):
        require_positive(n_in, "n_in", integer=True)
        require_positive(n_out, "n_out", integer=True)
        if n_in * n_out > MAX_WEIGHTS:
            raise ValueError(f"n_in × n_out must be <= {MAX_WEIGHTS} weights; received n_in={n_in}, n_out={n_out}")
        self.n_in, self.n_out = n_in, n_out
        self.in_features, self.out_features = n_in, n_out
        require_flag(bias, "bias")
        dtype = require_float_dtype(dtype, "dtype")
        if isinstance(init, str):
            require_choice(init, "init", INITIALISATIONS)
            rng = np.random.default_rng(require_seed(seed, "seed"))
            if init == "normal":
                require_positive(std, "std")
                weight = rng.normal(0.0, std, size=(n_in, n_out))
            elif init == "glorot":
                limit = np.sqrt(6.0 / (n_in + n_out))
                weight = rng.uniform(-limit, limit, size=(n_in, n_out))
            elif init == "he":
                weight = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))
            else:
                weight = np.zeros((n_in, n_out))
        else:
            weight = as_float_array(init, "init", ndim=2)
            if weight.shape != (n_in, n_out):
                raise ValueError(f"init must have shape (n_in, n_out)=({n_in}, {n_out}); "
                                 f"received shape {weight.shape}")
        weight = as_float_array(weight, "init" if not isinstance(init, str) else f"the weights drawn with std={std}",
                                dtype=dtype).copy()
        self.weight = Parameter("weight", weight, decay=True)
        self.bias = Parameter("bias", np.zeros(n_out, dtype=dtype), decay=False) if bias else None
        self._x = None

    def parameters(self) -> list[Parameter]:
        return [self.weight] + ([self.bias] if self.bias is not None else [])

    def forward(self, x):
        x = as_batch(x, "x")
        if x.ndim != 2 or x.shape[1] != self.n_in:
            raise ValueError(f"x must have shape (N, {self.n_in}) for Linear({self.n_in}, {self.n_out}); "
                             f"received shape {np.shape(x)}")
        self._x = x
        out = x @ self.weight.value
        if self.bias is not None:
            out += self.bias.value
        return out

    def backward(self, dout, *, input_grad: bool = True):
        x = self._saved("_x")
        dout = self._upstream(dout, (x.shape[0], self.n_out))
        # dW = xᵀ dout sums the per-example outer products over the batch; it is
        # recorded, not computed: plain SGD applies it to W without building it.
        # Aliasing rule (Parameter.set_grad_product): until the gradient is read or
        # applied, neither x nor dout may change in place.  Holds because every layer
        # returns a fresh array from forward and backward and never writes its input.
        self.weight.set_grad_product(x, dout)
        if self.bias is not None:
            np.add.reduce(dout, axis=0, out=self.bias.grad)
        return dout @ self.weight.value.T if input_grad else None

    def __repr__(self) -> str:
        return f"Linear({self.n_in}, {self.n_out}, bias={self.bias is not None})"


class Sigmoid(Layer):
    """``out = sigmoid(x)``; backward uses ``σ' = σ(1 − σ)`` from the saved output."""

    def __init__(self):
        self._out = None

    def forward(self, x):
        self._out = _sigmoid(as_batch(x, "x"))
        return self._out

    def backward(self, dout, *, input_grad: bool = True):
        out = self._saved("_out")
        dout = self._upstream(dout, out.shape)
        grad = 1.0 - out                 # σ' = σ(1 − σ), built in one buffer
        grad *= out
        grad *= dout
        return grad

    def __repr__(self) -> str:
        return "Sigmoid()"


class Tanh(Layer):
    """``out = tanh(x)``; backward uses ``1 − tanh²``."""

    def __init__(self):
        self._out = None

    def forward(self, x):
        self._out = np.tanh(as_batch(x, "x"))
        return self._out

    def backward(self, dout, *, input_grad: bool = True):
        out = self._saved("_out")
        dout = self._upstream(dout, out.shape)
        grad = out * out                 # tanh' = 1 − tanh², built in one buffer
        np.subtract(1.0, grad, out=grad)
        grad *= dout
        return grad

    def __repr__(self) -> str:
        return "Tanh()"


class ReLU(Layer):
    """``out = max(x, 0)``; the gradient passes where ``x > 0``."""

    def __init__(self):
        self._mask = None

    def forward(self, x):
        x = as_batch(x, "x")
        self._mask = x > 0
        return np.multiply(x, self._mask)

    def backward(self, dout, *, input_grad: bool = True):
        mask = self._saved("_mask")
        return self._upstream(dout, mask.shape) * mask

    def __repr__(self) -> str:
        return "ReLU()"


class Dropout(Layer):
    """Inverted dropout: in training, zero each unit with probability ``p`` and
    scale the survivors by ``1/(1−p)``; in evaluation, the identity.

    The mask comes from the layer's own ``default_rng(seed)``, never from
    NumPy's global state; without a seed (``None``, the default) from fresh
    operating-system entropy, so two dropout layers never share their masks.
    """

    def __init__(self, p: float = 0.5, *, seed: int | None = None):
        self.p = require_probability(p, "p")
        self._rng = np.random.default_rng(require_seed(seed, "seed"))
        self._mask = None
        self._shape = None

    def forward(self, x):
        x = as_batch(x, "x")
        self._shape = x.shape
        if not self.training or self.p == 0.0:
            self._mask = np.ones((1,) * x.ndim, dtype=x.dtype)
            return x
        keep = self._rng.random(x.shape) >= self.p
        self._mask = np.divide(keep, x.dtype.type(1.0 - self.p), dtype=x.dtype)
        return x * self._mask

    def backward(self, dout, *, input_grad: bool = True):
        mask = self._saved("_mask")
        return self._upstream(dout, self._shape) * mask

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"


class BatchNorm1d(Layer):
    """Batch normalisation over the batch axis of ``(N, D)`` inputs.

    Training: normalise with the batch mean and (biased) variance and update
    running estimates ``r ← (1−momentum) r + momentum · batch``.  Evaluation:
    normalise with the running estimates.  Learnable ``gamma`` (scale, 1) and
    ``beta`` (shift, 0) follow.
    """
    buffer_names = ("running_mean", "running_var")
    needs_two_rows = True

    def __init__(self, n_features: int, *, eps: float = 1e-5, momentum: float = 0.1,
                 dtype=np.float32):
        require_positive(n_features, "n_features", integer=True)
        require_positive(eps, "eps")
        dtype = require_float_dtype(dtype, "dtype")
        self.momentum = require_probability(momentum, "momentum", allow_one=True)
        self.n_features, self.eps = n_features, eps
        self.in_features = self.out_features = n_features
        self.gamma = Parameter("gamma", np.ones(n_features, dtype=dtype), decay=False)
        self.beta = Parameter("beta", np.zeros(n_features, dtype=dtype), decay=False)
        self.running_mean = np.zeros(n_features, dtype=dtype)
        self.running_var = np.ones(n_features, dtype=dtype)
        self._cache = None

    def parameters(self) -> list[Parameter]:
        return [self.gamma, self.beta]

    def forward(self, x):
        x = as_batch(x, "x")
        if x.ndim != 2 or x.shape[1] != self.n_features:
            raise ValueError(f"x must have shape (N, {self.n_features}) for BatchNorm1d({self.n_features}); "
                             f"received shape {np.shape(x)}")
        if self.training:
            if x.shape[0] < 2:
                raise ValueError("x must have at least 2 rows for BatchNorm1d in training mode "
                                 f"(a variance needs two); received {x.shape[0]}")
            mean = np.add.reduce(x, axis=0) / x.dtype.type(x.shape[0])
            x_hat = x - mean                      # centred, normalised in place below
            var = np.einsum("ij,ij->j", x_hat, x_hat) / x.dtype.type(x.shape[0])
            m = self.momentum
            self.running_mean = ((1 - m) * self.running_mean + m * mean).astype(x.dtype)
            self.running_var = ((1 - m) * self.running_var + m * var).astype(x.dtype)
        else:
            mean, var = self.running_mean, self.running_var
            x_hat = x - mean
        inv_std = (1.0 / np.sqrt(var + self.eps)).astype(x.dtype, copy=False)
        x_hat *= inv_std
        self._cache = (x_hat, inv_std, self.training)
        out = x_hat * self.gamma.value
        out += self.beta.value
        return out

    def backward(self, dout, *, input_grad: bool = True):
        x_hat, inv_std, training = self._saved("_cache")
        dout = self._upstream(dout, x_hat.shape)
        np.einsum("ij,ij->j", dout, x_hat, out=self.gamma.grad)
        np.add.reduce(dout, axis=0, out=self.beta.grad)
        if not input_grad:
            return None
        dx_hat = dout * self.gamma.value
        if not training:
            dx_hat *= inv_std
            return dx_hat
        # Batch statistics depend on every row: the two mean terms are their gradient.
        n = dx_hat.dtype.type(dx_hat.shape[0])
        mean_dx_hat = np.add.reduce(dx_hat, axis=0) / n
        mean_dx_hat_x_hat = np.einsum("ij,ij->j", dx_hat, x_hat) / n
        dx = x_hat * mean_dx_hat_x_hat
        np.subtract(dx_hat, dx, out=dx)
        dx -= mean_dx_hat
        dx *= inv_std
        return dx

    def __repr__(self) -> str:
        return f"BatchNorm1d({self.n_features})"


ACTIVATIONS = {"sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU}


def activation(name: str) -> Layer:
    """A fresh activation layer by name: ``"sigmoid"``, ``"tanh"`` or ``"relu"``."""
    require_choice(name, "activation", ACTIVATIONS)
    return ACTIVATIONS[name]()
