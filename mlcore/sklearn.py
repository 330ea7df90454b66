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

from ._checks import check_choice, check_positive
from .layers import ACTIVATIONS, Linear, activation as make_activation
from .losses import L2Penalty
from .model import Sequential
from .optim import OPTIMIZERS, make_optimizer
from .train import fit as train


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

    def _build(self, n_features: int, n_classes: int) -> Sequential:
        layers, n_in, seed = [], n_features, self._seed()
        for i, width in enumerate(self.hidden_layer_sizes):
            check_positive(width, f"hidden_layer_sizes[{i}]", integer=True)
            layers += [Linear(n_in, width, init=self.init, seed=seed + i), make_activation(self.activation)]
            n_in = width
        layers.append(Linear(n_in, n_classes, init=self.init, seed=seed + len(layers)))
        return Sequential(*layers)

    def fit(self, X, y):
        """Train on ``X`` of shape ``(n_samples, n_features)`` and labels ``y`` of any hashable type."""
        check_choice(self.activation, "activation", ACTIVATIONS)
        check_choice(self.optimizer, "optimizer", OPTIMIZERS)
        check_positive(self.epochs, "epochs", integer=True)
        check_positive(self.batch_size, "batch_size", integer=True)
        check_positive(self.alpha, "alpha", allow_zero=True)
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError("MLPClassifier needs samples of at least 2 classes in the data; "
                             f"received only one class: {self.classes_[0]!r}")
        self.model_ = self._build(X.shape[1], len(self.classes_))
        kwargs = {"lr": self.learning_rate}
        if self.optimizer == "sgd":
            kwargs["momentum"] = self.momentum
        optimizer = make_optimizer(self.optimizer, self.model_.parameters(), **kwargs)
        self.history_ = train(self.model_, X.astype(np.float32), encoded, optimizer=optimizer, epochs=self.epochs,
                              batch_size=min(self.batch_size, X.shape[0]),
                              seed=self._seed(),
                              penalty=L2Penalty(self.alpha, half=True) if self.alpha else None)
        self.loss_curve_ = list(self.history_.epoch_loss)
        self.n_iter_ = self.history_.epochs_run
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
