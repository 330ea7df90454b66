"""A sequential model: layers applied in order, plus the glue training needs."""
from __future__ import annotations

import contextlib

import numpy as np

from ._validation import (_all_finite, _asarray, as_float_array, as_labels, require_choice, require_float_dtype, require_integer,
                      require_same_rows)
from .functional import _sigmoid, softmax
from .layers import Layer
from .parameter import Parameter
from .losses import SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy


class SoftmaxOutput:
    """``(N, C)`` logits → probabilities by softmax; targets are labels ``(N,)`` or one-hot rows ``(N, C)``."""
    name = "softmax"

    @staticmethod
    def default_loss():
        return SoftmaxCrossEntropy()

    @staticmethod
    def probabilities(logits):
        return softmax(logits)

    @staticmethod
    def labels_from_logits(logits):
        return logits.argmax(axis=1)

    @staticmethod
    def validate_targets(y, name: str, n_outputs: int | None, dtype) -> np.ndarray:
        y = _asarray(y, name) if not isinstance(y, (str, bytes)) and y is not None else y
        if np.ndim(y) == 2:
            dense = as_float_array(y, name, ndim=2, dtype=dtype)
            if n_outputs is not None and dense.shape[1] != n_outputs:
                raise ValueError(f"{name} one-hot rows must have {n_outputs} columns, one per model output; "
                                 f"received {dense.shape[1]}")
            return dense
        return as_labels(y, name, n_classes=n_outputs)

    @staticmethod
    def true_labels(y):
        return y.argmax(axis=1) if y.ndim == 2 else y


class SigmoidOutput:
    """One logit per row → probability by the sigmoid; targets are 0/1 ``(N,)``."""
    name = "sigmoid"

    @staticmethod
    def default_loss():
        return SigmoidBinaryCrossEntropy()

    @staticmethod
    def probabilities(logits):
        return _sigmoid(logits.reshape(-1))

    @staticmethod
    def labels_from_logits(logits):
        return (logits.reshape(-1) > 0).astype(np.int64)

    @staticmethod
    def validate_targets(y, name: str, n_outputs: int | None, dtype) -> np.ndarray:
        targets = as_float_array(y, name, ndim=1, dtype=dtype)
        if ((targets != 0) & (targets != 1)).any():
            raise ValueError(f"{name} must hold 0/1 targets for a sigmoid-output model; "
                             f"received values such as {np.unique(targets)[:5].tolist()}")
        return targets

    @staticmethod
    def true_labels(y):
        return np.round(y).astype(np.int64)


OUTPUTS = {"softmax": SoftmaxOutput, "sigmoid": SigmoidOutput}


class Sequential:
    """Layers applied one after the other; the last one produces logits.

    ``output`` names the link from logits to probabilities — ``"softmax"`` for
    ``(N, C)`` logits, ``"sigmoid"`` for a single logit per row (binary
    classification).  The model owns that rule: the loss it trains with by
    default, how logits become labels, and which targets it accepts.
    """

    def __init__(self, *layers: Layer, output: str = "softmax"):
        if not layers:
            raise ValueError("Sequential needs at least one layer; received none")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layer {i} must be an mlcore Layer; received {type(layer).__name__}")
        _validate_distinct(layers)
        _validate_widths_chain(layers)
        self.layers = list(layers)
        self.output = require_choice(output, "output", OUTPUTS)
        self.link = OUTPUTS[output]
        if output == "sigmoid" and self.out_features not in (None, 1):
            raise ValueError(f"a sigmoid-output model needs one logit per row; its last layer has "
                             f"{self.out_features} outputs")

    # -- the forward/backward contract ------------------------------------------------
    def forward(self, x: np.ndarray) -> np.ndarray:
        """Logits for a batch ``x`` of shape ``(N, D_in)``."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dlogits: np.ndarray) -> None:
        """Propagate ``∂L/∂logits`` back, filling every parameter's ``grad``.

        The first layer does not compute a gradient for the input data, which
        nothing uses.  Each layer's gradient goes to the next one untouched: a
        Linear weight's gradient is recorded as a product of its input and this
        upstream array (:meth:`~mlcore.layers.Parameter.set_grad_product`), so
        no layer may modify the ``dout`` it receives in place.
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
            value += penalty.value(params, rows=X.shape[0])
            penalty.add_gradient(params, rows=X.shape[0])
        return value

    # -- widths, targets and the output link --------------------------------------------
    @property
    def in_features(self) -> int | None:
        """Input width the first width-fixing layer expects (``None`` if no layer fixes one)."""
        return next((layer.in_features for layer in self.layers if layer.in_features is not None), None)

    @property
    def out_features(self) -> int | None:
        """Number of logits per row (``None`` if no layer fixes it)."""
        return next((layer.out_features for layer in reversed(self.layers) if layer.out_features is not None), None)

    def default_loss(self):
        """A fresh loss object matching the output link."""
        return self.link.default_loss()

    def labels_from_logits(self, logits: np.ndarray) -> np.ndarray:
        """Predicted labels ``(N,)`` from logits: argmax, or logit > 0 for sigmoid output."""
        return self.link.labels_from_logits(logits)

    def validate_inputs(self, X, name: str = "X") -> np.ndarray:
        """``X`` as a 2-D finite array of the model's dtype and input width, or a clear error."""
        X = as_float_array(X, name, ndim=2, dtype=self.dtype)
        width = self.in_features
        if width is not None and X.shape[1] != width:
            raise ValueError(f"{name} must have {width} columns, the model's input width; "
                             f"received {X.shape[1]} (an array of shape {X.shape})")
        return X

    def validate_targets(self, y, name: str = "y") -> np.ndarray:
        """Targets the output link accepts, checked whole (labels within the model's outputs)."""
        return self.link.validate_targets(y, name, self.out_features, self.dtype)

    def validate_data(self, X, y, x_name: str = "X", y_name: str = "y") -> tuple[np.ndarray, np.ndarray]:
        """:meth:`validate_inputs` and :meth:`validate_targets`, with matching row counts."""
        X = self.validate_inputs(X, x_name)
        y = self.validate_targets(y, y_name)
        require_same_rows(X, y, x_name, y_name)
        return X, y

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
        """Cast every parameter and buffer to ``dtype`` (e.g. float64 for gradient checks)."""
        dtype = require_float_dtype(dtype, "dtype")
        for layer in self.layers:
            layer.astype(dtype)
        return self

    # -- prediction --------------------------------------------------------------------
    def predict_proba(self, X, batch_size: int = 4096) -> np.ndarray:
        """Class probabilities in evaluation mode: ``(N, C)``, or ``(N,)`` for sigmoid output."""
        X = self.validate_inputs(X)
        require_integer(batch_size, "batch_size")
        with self.evaluating():
            chunks = [self.forward(X[i:i + batch_size]) for i in range(0, X.shape[0], batch_size)]
        return self.link.probabilities(np.concatenate(chunks))

    def predict(self, X, batch_size: int = 4096) -> np.ndarray:
        """Predicted class labels ``(N,)``: argmax, or logit > 0 (probability > 0.5) for sigmoid output."""
        X = self.validate_inputs(X)
        require_integer(batch_size, "batch_size")
        with self.evaluating():
            return np.concatenate([self.labels_from_logits(self.forward(X[i:i + batch_size]))
                                   for i in range(0, X.shape[0], batch_size)])

    # -- saving and restoring ----------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of all parameters and buffers, keyed ``"<layer index>.<name>"``."""
        return {key: array.copy() for key, array in self._state_arrays().items()}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore values saved by :meth:`state_dict` (same architecture); nothing changes on error."""
        if not isinstance(state, dict):
            raise TypeError(f"state must be a dict from state_dict(); received {type(state).__name__}")
        current = self._state_arrays()
        missing = sorted(set(current) - set(state))
        unexpected = sorted(set(state) - set(current))
        if missing or unexpected:
            raise ValueError(f"state does not match the model: missing {missing}, unexpected {unexpected}")
        for key, array in current.items():
            if np.shape(state[key]) != array.shape:
                raise ValueError(f"state[{key!r}] must have shape {array.shape}; "
                                 f"received {np.shape(state[key])}")
            as_float_array(state[key], f"state[{key!r}]", allow_empty=True)
        for key, array in current.items():
            array[...] = state[key]

    def is_finite(self) -> bool:
        """True when every parameter and buffer is free of NaN and ±inf."""
        return all(_all_finite(array) for array in self._state_arrays().values())

    def _state_arrays(self) -> dict[str, np.ndarray]:
        state = {}
        for i, layer in enumerate(self.layers):
            for p in layer.parameters():
                state[f"{i}.{p.name}"] = p.value
            for name, buffer in layer.buffers().items():
                state[f"{i}.{name}"] = buffer
        return state

    def __repr__(self) -> str:
        inner = ",\n  ".join(repr(layer) for layer in self.layers)
        return f"Sequential(\n  {inner},\n  output={self.output!r})"


def _validate_distinct(layers) -> None:
    """One layer object may appear once: reused, its saved forward values would be overwritten."""
    seen = {}
    for i, layer in enumerate(layers):
        if id(layer) in seen:
            raise ValueError(f"layer {i} is the same object as layer {seen[id(layer)]}: a layer keeps the "
                             "values of its own forward pass for backward, so each position needs its own "
                             f"instance (create a new {type(layer).__name__})")
        seen[id(layer)] = i


def _validate_widths_chain(layers) -> None:
    width, source = None, None
    for i, layer in enumerate(layers):
        if layer.in_features is not None and width is not None and layer.in_features != width:
            raise ValueError(f"layer {i} ({layer!r}) expects {layer.in_features} inputs but layer {source} "
                             f"produces {width}")
        if layer.out_features is not None:
            width, source = layer.out_features, i
