"""A scikit-learn compatible classifier over mlcore.

``MLPClassifier`` follows scikit-learn's estimator contract — constructor
arguments stored unchanged, ``fit`` / ``predict`` / ``predict_proba`` /
``score``, learned attributes ending in ``_`` — so it works inside ``Pipeline``,
``GridSearchCV`` and ``cross_val_score``.  The network itself is an mlcore
``Sequential`` trained by :func:`mlcore.fit`.
"""
from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from . import train as training
from ._checks import _describe, check_choice, check_integer, check_positive, check_probability, check_seed
from .layers import ACTIVATIONS, INITIALISATIONS, Linear, activation as make_activation
from .losses import L2Penalty
from .model import Sequential
from .optim import OPTIMIZERS, make_optimizer


class MLPClassifier(ClassifierMixin, BaseEstimator):
    """Multi-layer perceptron classifier: Linear → activation blocks → softmax.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, the width of each hidden layer (``()`` for
        softmax regression).
    activation : ``"relu"``, ``"tanh"`` or ``"sigmoid"``.
    optimizer : ``"sgd"`` or ``"adam"``.
    learning_rate, momentum : optimiser settings (momentum for SGD only).
    batch_size : rows per update, capped at the number of training rows.
    epochs : passes over the training data.
    alpha : L2 penalty ``alpha · ½‖W‖²`` on the weights (scikit-learn's convention).
    init : weight initialisation of every ``Linear`` layer.
    random_state : seed for initialisation and batch order.
    """

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", optimizer="sgd", learning_rate=0.01,
                 momentum=0.0, batch_size=32, epochs=10, alpha=0.0, init="glorot", random_state=0):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.batch_size = batch_size
        self.epochs = epochs
        self.alpha = alpha
        self.init = init
        self.random_state = random_state

    def _seed(self) -> int:
        return 0 if self.random_state is None else int(self.random_state)

    def _check_parameters(self) -> None:
        """Every constructor argument, by the name the user gave it, before anything is built."""
        check_choice(self.activation, "activation", ACTIVATIONS)
        check_choice(self.optimizer, "optimizer", OPTIMIZERS)
        if not isinstance(self.init, str):
            raise TypeError(f"init must be one of {sorted(INITIALISATIONS)}; received {_describe(self.init)}")
        check_choice(self.init, "init", INITIALISATIONS)
        check_positive(self.learning_rate, "learning_rate")
        check_probability(self.momentum, "momentum")
        check_integer(self.epochs, "epochs")
        check_integer(self.batch_size, "batch_size")
        check_positive(self.alpha, "alpha", allow_zero=True)
        check_seed(self.random_state, "random_state")
        if isinstance(self.hidden_layer_sizes, (str, bytes)) or not hasattr(self.hidden_layer_sizes, "__iter__"):
            raise TypeError("hidden_layer_sizes must be a tuple of layer widths; "
                            f"received {_describe(self.hidden_layer_sizes)}")
        for i, width in enumerate(self.hidden_layer_sizes):
            check_integer(width, f"hidden_layer_sizes[{i}]")

    def _build(self, n_features: int, n_classes: int) -> Sequential:
        layers, n_in, seed = [], n_features, self._seed()
        for i, width in enumerate(self.hidden_layer_sizes):
            layers += [Linear(n_in, width, init=self.init, seed=seed + i), make_activation(self.activation)]
            n_in = width
        layers.append(Linear(n_in, n_classes, init=self.init, seed=seed + len(layers)))
        return Sequential(*layers)

    def fit(self, X, y):
        """Train on ``X`` of shape ``(n_samples, n_features)`` and labels ``y`` of any hashable type.

        A fit that fails leaves the estimator's fitted state (or its absence) as it was.
        """
        fitted_before = {k: v for k, v in vars(self).items() if k.endswith("_")}
        try:
            return self._fit(X, y)
        except Exception:
            for key in [k for k in vars(self) if k.endswith("_")]:
                delattr(self, key)
            vars(self).update(fitted_before)
            raise

    def _fit(self, X, y):
        self._check_parameters()
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        classes, encoded = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError("MLPClassifier needs samples of at least 2 classes in the data; "
                             f"received only one class: {classes[0]!r}")
        model = self._build(X.shape[1], len(classes))
        kwargs = {"lr": self.learning_rate}
        if self.optimizer == "sgd":
            kwargs["momentum"] = self.momentum
        optimizer = make_optimizer(self.optimizer, model.parameters(), **kwargs)
        history = training.fit(model, X.astype(np.float32), encoded, optimizer=optimizer, epochs=self.epochs,
                               batch_size=min(self.batch_size, X.shape[0]), seed=self._seed(),
                               penalty=L2Penalty(self.alpha, half=True) if self.alpha else None)
        self.classes_, self.model_, self.history_ = classes, model, history
        self.loss_curve_ = list(history.epoch_loss)
        self.n_iter_ = history.epochs_run
        return self

    def predict_proba(self, X):
        """Class probabilities, shape ``(n_samples, n_classes)``, columns in ``classes_`` order."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return self.model_.predict_proba(X.astype(np.float32)).astype(np.float64)

    def predict(self, X):
        """The most probable class label for each row."""
        proba = self.predict_proba(X)            # checks fitting before classes_ is read
        return self.classes_[np.argmax(proba, axis=1)]
