import warnings

import numpy as np
import pytest

import mlcore as m


def test_sigmoid_matches_definition_and_never_overflows():
    x = np.linspace(-30, 30, 121)
    np.testing.assert_allclose(m.sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-12, atol=1e-15)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = m.sigmoid(np.array([-1e4, 1e4]))
    np.testing.assert_array_equal(out, [0.0, 1.0])


def test_sigmoid_keeps_float32():
    assert m.sigmoid(np.zeros(3, dtype=np.float32)).dtype == np.float32


@pytest.mark.parametrize("logits", [[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [3.0, 3.0, 3.0]])
def test_log_softmax_is_finite_and_normalised_at_extremes(logits):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        logp = m.log_softmax(np.array([logits]))
    assert np.isfinite(logp).all()
    np.testing.assert_allclose(np.exp(logp).sum(), 1.0, rtol=1e-12)


def test_log_softmax_values():
    z = np.array([[1.0, 2.0, 3.0]])
    expected = z - np.log(np.exp(z).sum())
    np.testing.assert_allclose(m.log_softmax(z), expected, rtol=1e-12)
    np.testing.assert_allclose(m.softmax(z), np.exp(expected), rtol=1e-12)


def test_all_equal_logits_give_uniform_probabilities():
    np.testing.assert_allclose(m.softmax(np.full((2, 4), 7.0)), 0.25)


def test_softmax_rows_sum_to_one(rng):
    p = m.softmax(rng.normal(scale=50, size=(20, 7)))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)


def test_log_sigmoid_stable():
    out = m.log_sigmoid(np.array([-1e4, 0.0, 1e4]))
    np.testing.assert_allclose(out, [-1e4, -np.log(2), 0.0])


def test_relu_and_tanh():
    x = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(m.relu(x), [0, 0, 3])
    np.testing.assert_allclose(m.tanh(x), np.tanh(x))


def test_one_hot():
    out = m.one_hot([2, 0, 1], 3)
    np.testing.assert_array_equal(out, [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    assert out.dtype == np.float32


def test_one_hot_rejects_out_of_range_labels():
    with pytest.raises(ValueError, match=r"labels must be < n_classes=3; received label 3"):
        m.one_hot([0, 3], 3)
