"""A scikit-learn compatible classifier over mlcore.

``MLPClassifier`` follows scikit-learn's estimator contract — constructor
arguments stored unchanged, ``fit`` / ``predict`` / ``predict_proba`` /
``score``, learned attributes ending in ``_`` — so it works inside ``Pipeline``,
``GridSearchCV`` and ``cross_val_score``.  Where it shares a parameter's name with
``sklearn.neural_network.MLPClassifier`` it shares its meaning and default too
(tested against scikit-learn on the same data); what it does not implement it
does not accept.  The network itself is an mlcore ``Sequential`` trained by
:func:`mlcore.fit`.
"""
from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from . import train as training
from ._validation import (_describe, require_choice, require_flag, require_integer, require_positive, require_probability,
                      require_seed)
from .layers import INITIALISATIONS, Linear, activation as make_activation
from .losses import L2Penalty
from .model import Sequential
from .optim import make_optimizer

#: scikit-learn's activation names → mlcore's ('identity' is not offered).
ACTIVATIONS = {"relu": "relu", "tanh": "tanh", "logistic": "sigmoid"}
SOLVERS = ("sgd", "adam")


class MLPClassifier(ClassifierMixin, BaseEstimator):
    """Multi-layer perceptron classifier: Linear → activation blocks → softmax.

    Parameters shared with ``sklearn.neural_network.MLPClassifier`` (same meaning,
    same default):

    hidden_layer_sizes : tuple of int, the width of each hidden layer (``()`` for
        softmax regression).
    activation : ``"relu"``, ``"tanh"`` or ``"logistic"``.
    solver : ``"sgd"`` or ``"adam"`` (Adam with β₁ = 0.9, β₂ = 0.999, ε = 1e-8).
    alpha : strength of the L2 penalty on the weights, scaled as scikit-learn scales
        it: ``½·alpha·Σ‖W‖² / n`` on a batch of ``n`` rows (gradient ``alpha·W / n``).
    batch_size : rows per update, or ``"auto"`` for ``min(200, n_samples)``; capped at
        the number of training rows.
    learning_rate_init : the (constant) step size.
    max_iter : epochs over the training data.
    shuffle : reshuffle the rows every epoch.
    random_state : ``None``, an int or a ``numpy.random.RandomState``, as in
        scikit-learn: ``None`` gives different weights and batches on every fit, an int
        the same ones.
    momentum : classical momentum for ``solver="sgd"`` (scikit-learn's
        ``nesterovs_momentum=False``; Nesterov's variant is not offered).

    Its own:

    init : weight initialisation of every ``Linear`` layer (``"glorot"``, ``"he"``,
        ``"normal"``); biases start at zero.

    Differences that remain: training always runs ``max_iter`` epochs (there is no
    ``tol`` / ``n_iter_no_change`` stopping), the learning rate is constant, and a
    two-class problem has two softmax outputs where scikit-learn has one logistic unit.
    """

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate_init=0.001, max_iter=200, shuffle=True, random_state=None,
                 momentum=0.9, init="glorot"):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.momentum = momentum
        self.init = init

    def _validate_parameters(self) -> None:
        """Every constructor argument, by the name the user gave it, before anything is built."""
        require_choice(self.activation, "activation", ACTIVATIONS)
        require_choice(self.solver, "solver", SOLVERS)
        if not isinstance(self.init, str):
            raise TypeError(f"init must be one of {sorted(INITIALISATIONS)}; received {_describe(self.init)}")
        require_choice(self.init, "init", sorted(set(INITIALISATIONS) - {"zeros"}))
        require_positive(self.learning_rate_init, "learning_rate_init")
        require_probability(self.momentum, "momentum")
        require_integer(self.max_iter, "max_iter")
        if not (isinstance(self.batch_size, str) and self.batch_size == "auto"):
            require_integer(self.batch_size, "batch_size")
        require_positive(self.alpha, "alpha", allow_zero=True)
        require_flag(self.shuffle, "shuffle")
        if not isinstance(self.random_state, np.random.RandomState):
            require_seed(self.random_state, "random_state", legacy=True)
        if isinstance(self.hidden_layer_sizes, (str, bytes)) or not hasattr(self.hidden_layer_sizes, "__iter__"):
            raise TypeError("hidden_layer_sizes must be a tuple of layer widths; "
                            f"received {_describe(self.hidden_layer_sizes)}")
        for i, width in enumerate(self.hidden_layer_sizes):
            require_integer(width, f"hidden_layer_sizes[{i}]")

    def _build(self, n_features: int, n_classes: int, seed: int) -> Sequential:
        layers, n_in = [], n_features
        for i, width in enumerate(self.hidden_layer_sizes):
            layers += [Linear(n_in, width, init=self.init, seed=seed + i),
                       make_activation(ACTIVATIONS[self.activation])]
            n_in = width
        layers.append(Linear(n_in, n_classes, init=self.init, seed=seed + len(layers)))
        return Sequential(*layers)

    def fit(self, X, y):
        """Train on ``X`` of shape ``(n_samples, n_features)`` and labels ``y`` of any hashable type.

        A fit that fails for any reason leaves the estimator unfitted: ``predict``
        then raises ``NotFittedError`` instead of answering from an earlier or a
        half-built network.
        """
        try:
            return self._fit(X, y)
        except Exception:
            for key in [k for k in vars(self) if k.endswith("_") and not k.startswith("_")]:
                delattr(self, key)
            raise

    def _fit(self, X, y):
        self._validate_parameters()
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        classes, encoded = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError("MLPClassifier needs samples of at least 2 classes in the data; "
                             f"received only one class: {classes[0]!r}")
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max - 1000))
        model = self._build(X.shape[1], len(classes), seed)
        kwargs = {"lr": self.learning_rate_init}
        if self.solver == "sgd":
            kwargs["momentum"] = self.momentum
        optimizer = make_optimizer(self.solver, model.parameters(), **kwargs)
        batch_size = min(200, X.shape[0]) if self.batch_size == "auto" else min(self.batch_size, X.shape[0])
        history = training.fit(model, X.astype(np.float32), encoded, optimizer=optimizer, epochs=self.max_iter,
                               batch_size=batch_size, shuffle=self.shuffle, seed=seed,
                               penalty=L2Penalty(self.alpha, half=True, per_example=True) if self.alpha else None)
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
