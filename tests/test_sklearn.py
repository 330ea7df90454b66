"""mlcore.sklearn.MLPClassifier against scikit-learn's own estimator checks."""
import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from mlcore.sklearn import MLPClassifier

# Every check scikit-learn selects for this estimator must pass.  The checks on
# sample weights are not selected because fit() takes no sample_weight; the
# array-API check is skipped by scikit-learn itself unless SCIPY_ARRAY_API is set.
@parametrize_with_checks([MLPClassifier(hidden_layer_sizes=(8,), epochs=5, learning_rate=0.1)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def _data():
    return make_classification(n_samples=300, n_features=6, n_informative=4, n_classes=3, random_state=0)


def test_learns_and_scores():
    X, y = _data()
    clf = MLPClassifier(hidden_layer_sizes=(16,), epochs=30, learning_rate=0.1).fit(X, y)
    assert clf.score(X, y) > 0.85
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert list(clf.classes_) == [0, 1, 2] and len(clf.loss_curve_) == 30


def test_string_labels_round_trip():
    X, y = _data()
    names = np.array(["cat", "dog", "eel"])[y]
    clf = MLPClassifier(hidden_layer_sizes=(16,), epochs=20, learning_rate=0.1).fit(X, names)
    assert set(clf.predict(X)) <= {"cat", "dog", "eel"}


def test_in_pipeline_and_grid_search():
    X, y = _data()
    pipe = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(8,), epochs=10))
    search = GridSearchCV(pipe, {"mlpclassifier__learning_rate": [0.001, 0.1]}, cv=3).fit(X, y)
    assert search.best_params_ == {"mlpclassifier__learning_rate": 0.1}


def test_same_random_state_same_model():
    X, y = _data()
    a = MLPClassifier(epochs=3, random_state=4).fit(X, y).predict_proba(X)
    b = MLPClassifier(epochs=3, random_state=4).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("params,message", [
    (dict(activation="gelu"), r"activation must be one of"),
    (dict(optimizer="lbfgs"), r"optimizer must be one of"),
    (dict(epochs=0), r"epochs must be >= 1; received 0"),
    (dict(alpha=-1.0), r"alpha must be finite and >= 0"),
    (dict(hidden_layer_sizes=(0,)), r"hidden_layer_sizes\[0\] must be >= 1; received 0"),
])
def test_bad_parameters(params, message):
    X, y = _data()
    with pytest.raises(ValueError, match=message):
        MLPClassifier(**params).fit(X, y)
