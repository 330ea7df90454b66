"""A sequential model: layers applied in order, plus the glue training needs."""
from __future__ import annotations

import contextlib

import numpy as np

from ._checks import as_float_array, check_choice, check_positive
from .functional import sigmoid, softmax
from .layers import Layer, Parameter


class Sequential:
    """Layers applied one after the other; the last one produces logits.

    ``output`` names the link from logits to probabilities used by
    :meth:`predict_proba`: ``"softmax"`` for ``(N, C)`` logits, ``"sigmoid"`` for
    a single logit per row (binary classification).
    """

    def __init__(self, *layers: Layer, output: str = "softmax"):
        if not layers:
            raise ValueError("Sequential needs at least one layer; received none")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layer {i} must be an mlcore Layer; received {type(layer).__name__}")
        self.layers = list(layers)
        self.output = check_choice(output, "output", ("softmax", "sigmoid"))

    # -- the forward/backward contract ------------------------------------------------
    def forward(self, x: np.ndarray) -> np.ndarray:
        """Logits for a batch ``x`` of shape ``(N, D_in)``."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dlogits: np.ndarray) -> None:
        """Propagate ``∂L/∂logits`` back, filling every parameter's ``grad``.

        The first layer does not compute a gradient for the input data, which
        nothing uses.
        """
        grad = dlogits
        last = len(self.layers) - 1
        for i in range(last, -1, -1):
            grad = self.layers[i].backward(grad, input_grad=i > 0)

    def parameters(self) -> list[Parameter]:
        return [p for layer in self.layers for p in layer.parameters()]

    def loss_and_gradients(self, X, y, loss, penalty=None) -> float:
        """Forward, loss, backward and (optionally) the L2 penalty on one batch.

        Returns the objective (data loss + penalty) and leaves its gradient in
        each parameter's ``grad``.  Training and gradient checks both call this,
        so they optimise and check exactly the same function.
        """
        value = loss.forward(self.forward(X), y)
        self.backward(loss.backward())
        if penalty is not None:
            params = self.parameters()
            value += penalty.value(params)
            penalty.add_gradient(params)
        return value

    # -- modes and dtypes ----------------------------------------------------------
    def train(self) -> "Sequential":
        for layer in self.layers:
            layer.training = True
        return self

    def eval(self) -> "Sequential":
        for layer in self.layers:
            layer.training = False
        return self

    @contextlib.contextmanager
    def evaluating(self):
        """Evaluation mode inside the ``with`` block; each layer's own mode restored after."""
        modes = [layer.training for layer in self.layers]
        self.eval()
        try:
            yield self
        finally:
            for layer, mode in zip(self.layers, modes):
                layer.training = mode

    @property
    def dtype(self):
        params = self.parameters()
        return params[0].value.dtype if params else np.dtype(np.float32)

    def astype(self, dtype) -> "Sequential":
        """Cast every parameter to ``dtype`` (e.g. float64 for gradient checks)."""
        for layer in self.layers:
            layer.astype(dtype)
        return self

    # -- prediction --------------------------------------------------------------------
    def predict_proba(self, X, batch_size: int = 4096) -> np.ndarray:
        """Class probabilities in evaluation mode: ``(N, C)``, or ``(N,)`` for sigmoid output."""
        X = as_float_array(X, "X", ndim=2, dtype=self.dtype)
        check_positive(batch_size, "batch_size", integer=True)
        with self.evaluating():
            chunks = [self.forward(X[i:i + batch_size]) for i in range(0, X.shape[0], batch_size)]
        logits = np.concatenate(chunks)
        if self.output == "sigmoid":
            return sigmoid(logits.reshape(-1))
        return softmax(logits)

    def predict(self, X, batch_size: int = 4096) -> np.ndarray:
        """Predicted class labels ``(N,)``: argmax, or probability > 0.5 for sigmoid output."""
        proba = self.predict_proba(X, batch_size)
        if self.output == "sigmoid":
            return (proba > 0.5).astype(np.int64)
        return proba.argmax(axis=1)

    # -- saving and restoring ----------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of all parameters and buffers, keyed ``"<layer index>.<name>"``."""
        state = {}
        for i, layer in enumerate(self.layers):
            for p in layer.parameters():
                state[f"{i}.{p.name}"] = p.value.copy()
            for buffer in ("running_mean", "running_var"):
                if hasattr(layer, buffer):
                    state[f"{i}.{buffer}"] = getattr(layer, buffer).copy()
        return state

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore values saved by :meth:`state_dict` (same architecture)."""
        expected = self.state_dict()
        missing = sorted(set(expected) - set(state))
        unexpected = sorted(set(state) - set(expected))
        if missing or unexpected:
            raise ValueError(f"state does not match the model: missing {missing}, unexpected {unexpected}")
        for key, current in expected.items():
            if np.shape(state[key]) != current.shape:
                raise ValueError(f"state[{key!r}] must have shape {current.shape}; "
                                 f"received {np.shape(state[key])}")
        for i, layer in enumerate(self.layers):
            for p in layer.parameters():
                p.value[...] = state[f"{i}.{p.name}"]
            for buffer in ("running_mean", "running_var"):
                if hasattr(layer, buffer):
                    getattr(layer, buffer)[...] = state[f"{i}.{buffer}"]

    def __repr__(self) -> str:
        inner = ",\n  ".join(repr(layer) for layer in self.layers)
        return f"Sequential(\n  {inner},\n  output={self.output!r})"
