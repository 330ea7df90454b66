"""mlcore.sklearn.MLPClassifier against scikit-learn's estimator checks and against scikit-learn's own MLP."""
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier as SklearnMLP
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import mlcore as m
from mlcore.sklearn import MLPClassifier


# Every check scikit-learn selects for this estimator must pass.  The checks on
# sample weights are not selected because fit() takes no sample_weight; the
# array-API check is skipped by scikit-learn itself unless SCIPY_ARRAY_API is set.
@parametrize_with_checks([MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, solver="sgd", learning_rate_init=0.1,
                                        random_state=0)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def _data(n_samples=300):
    return make_classification(n_samples=n_samples, n_features=6, n_informative=4, n_classes=3, random_state=0)


def test_shared_parameters_have_scikit_learns_names_and_defaults():
    ours, theirs = MLPClassifier().get_params(), SklearnMLP().get_params()
    shared = set(ours) & set(theirs)
    assert set(ours) - shared == {"init"}            # the one parameter of our own
    assert {name: ours[name] for name in shared if name != "momentum"} == \
        {name: theirs[name] for name in shared if name != "momentum"}
    assert ours["momentum"] == theirs["momentum"] == 0.9


@pytest.mark.parametrize("solver, activation, alpha", [("sgd", "tanh", 0.5), ("sgd", "logistic", 0.0),
                                                       ("adam", "relu", 2.0)])
def test_training_matches_scikit_learn_from_the_same_weights(monkeypatch, solver, activation, alpha):
    """Same data, same starting weights, no shuffling: after three epochs (batches of 16 over 50 rows, so a
    partial last batch) both libraries hold the same weights, so alpha, the batches and the solvers agree."""
    X, y = _data(50)
    rng = np.random.default_rng(1)
    W1, W2 = rng.normal(0, 0.5, size=(6, 5)), rng.normal(0, 0.5, size=(5, 3))
    settings = dict(hidden_layer_sizes=(5,), activation=activation, solver=solver, alpha=alpha, batch_size=16,
                    learning_rate_init=0.05, shuffle=False)
    monkeypatch.setattr(MLPClassifier, "_build", lambda self, n_in, n_classes, seed: m.Sequential(
        m.Linear(6, 5, init=W1), m.activation({"tanh": "tanh", "logistic": "sigmoid", "relu": "relu"}[activation]),
        m.Linear(5, 3, init=W2)))
    ours = MLPClassifier(**settings, max_iter=3, momentum=0.0).fit(X, y)

    theirs = SklearnMLP(**settings, max_iter=1, momentum=0.0, nesterovs_momentum=False, warm_start=True,
                        tol=0.0, n_iter_no_change=100, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(X, y)                                               # builds its arrays; then start from ours
        theirs.coefs_ = [W1.copy(), W2.copy()]
        theirs.intercepts_ = [np.zeros(5), np.zeros(3)]
        theirs.set_params(max_iter=3).fit(X, y)
    ours_weights = [layer.weight.value for layer in ours.model_.layers if isinstance(layer, m.Linear)]
    for mine, its in zip(ours_weights, theirs.coefs_):
        np.testing.assert_allclose(mine, its, rtol=2e-4, atol=2e-5)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-4)


def test_alpha_is_scaled_by_the_batch_size_as_scikit_learn_scales_it():
    penalty = m.L2Penalty(0.5, half=True, per_example=True)
    layer = m.Linear(2, 2, init=np.array([[1.0, 2.0], [3.0, 4.0]]), dtype=np.float64)
    assert penalty.value(layer.parameters(), rows=10) == pytest.approx(0.5 * 0.5 * 30 / 10)
    with pytest.raises(ValueError, match="rows must be the number of rows in the batch"):
        penalty.value(layer.parameters())


def test_learns_and_scores():
    X, y = _data()
    clf = MLPClassifier(hidden_layer_sizes=(16,), max_iter=30, solver="sgd", learning_rate_init=0.1,
                        random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.85
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert list(clf.classes_) == [0, 1, 2] and len(clf.loss_curve_) == 30


def test_string_labels_round_trip():
    X, y = _data()
    names = np.array(["cat", "dog", "eel"])[y]
    clf = MLPClassifier(hidden_layer_sizes=(16,), max_iter=20, random_state=0).fit(X, names)
    assert set(clf.predict(X)) <= {"cat", "dog", "eel"}


def test_in_pipeline_and_grid_search():
    X, y = _data()
    pipe = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(8,), max_iter=10, solver="sgd",
                                                         random_state=0))
    search = GridSearchCV(pipe, {"mlpclassifier__learning_rate_init": [0.0001, 0.1]}, cv=3).fit(X, y)
    assert search.best_params_ == {"mlpclassifier__learning_rate_init": 0.1}


def test_random_state_as_scikit_learn_means_it():
    X, y = _data()

    def proba(state):
        return MLPClassifier(max_iter=2, random_state=state).fit(X, y).predict_proba(X)

    np.testing.assert_array_equal(proba(4), proba(4))                             # an int: the same model
    assert not np.array_equal(proba(None), proba(None))                          # None: a new one every fit
    np.testing.assert_array_equal(proba(np.random.RandomState(4)), proba(4))     # a RandomState: its draws


def test_layers_built_without_a_seed_start_different():
    assert not np.array_equal(m.Linear(4, 3).weight.value, m.Linear(4, 3).weight.value)
    assert not np.array_equal(m.Dropout(0.5).forward(np.ones((8, 8))), m.Dropout(0.5).forward(np.ones((8, 8))))
    np.testing.assert_array_equal(m.Linear(4, 3, seed=7).weight.value, m.Linear(4, 3, seed=7).weight.value)


@pytest.mark.parametrize("params,error,message", [
    (dict(activation="identity"), ValueError, r"activation must be one of"),
    (dict(solver="lbfgs"), ValueError, r"solver must be one of"),
    (dict(max_iter=0), ValueError, r"max_iter must be >= 1; received 0"),
    (dict(alpha=-1.0), ValueError, r"alpha must be finite and >= 0"),
    (dict(batch_size="big"), TypeError, r"batch_size must be an integer"),
    (dict(hidden_layer_sizes=(0,)), ValueError, r"hidden_layer_sizes\[0\] must be >= 1; received 0"),
])
def test_bad_parameters(params, error, message):
    X, y = _data()
    with pytest.raises(error, match=message):
        MLPClassifier(**params).fit(X, y)
