"""Every layer and loss against centred finite differences in float64."""
import numpy as np
import pytest

import mlcore as m

TOL = 1e-6


@pytest.mark.parametrize("make_layer", [
    lambda: m.Linear(5, 4, init="glorot", seed=1),
    lambda: m.Linear(5, 4, bias=False, init="he", seed=2),
    lambda: m.Sigmoid(),
    lambda: m.Tanh(),
    lambda: m.ReLU(),
    lambda: m.BatchNorm1d(5),
], ids=["linear", "linear-nobias", "sigmoid", "tanh", "relu", "batchnorm-train"])
def test_layer_gradients(make_layer, rng):
    layer = make_layer()
    x = rng.normal(size=(6, 5))
    if isinstance(layer, m.ReLU):       # keep away from the kink at 0
        x = np.where(np.abs(x) < 1e-3, 0.5, x)
    errors = m.check_layer(layer, x, seed=7)
    assert max(errors.values()) < TOL, errors


def test_batchnorm_eval_mode_gradients(rng):
    bn = m.BatchNorm1d(3)
    bn.forward(rng.normal(size=(8, 3)).astype(np.float32))   # give it running statistics
    bn.training = False
    errors = m.check_layer(bn, rng.normal(size=(4, 3)))
    assert max(errors.values()) < TOL, errors


def test_batchnorm_normalises_in_training_and_uses_running_stats_in_eval(rng):
    bn = m.BatchNorm1d(3, momentum=1.0, dtype=np.float64)
    x = rng.normal(loc=5, scale=3, size=(100, 3))
    out = bn.forward(x)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-10)
    np.testing.assert_allclose(out.std(axis=0), 1, atol=1e-3)
    bn.training = False
    np.testing.assert_allclose(bn.forward(x), out, atol=1e-10)


def test_dropout_gradient_and_scaling():
    d = m.Dropout(0.5, seed=3)
    x = np.ones((2000, 10))
    out = d.forward(x)
    assert set(np.unique(out)) == {0.0, 2.0}
    assert abs(out.mean() - 1.0) < 0.05
    g = np.arange(20000.0).reshape(2000, 10)
    np.testing.assert_array_equal(d.backward(g), g * (out / x))
    d.training = False
    np.testing.assert_array_equal(d.forward(x), x)


def test_dropout_same_seed_same_mask():
    x = np.ones((5, 5))
    np.testing.assert_array_equal(m.Dropout(0.3, seed=9).forward(x), m.Dropout(0.3, seed=9).forward(x))


@pytest.mark.parametrize("targets", ["labels", "onehot"])
def test_softmax_cross_entropy_gradient(targets, rng):
    logits = rng.normal(size=(6, 4))
    y = np.array([0, 3, 1, 1, 2, 0])
    t = y if targets == "labels" else m.one_hot(y, 4, dtype=np.float64)
    loss = m.SoftmaxCrossEntropy()
    assert m.check_loss(loss, logits, t) < TOL
    loss.forward(logits, t)
    np.testing.assert_allclose(loss.backward(), (m.softmax(logits) - m.one_hot(y, 4)) / 6, rtol=1e-6)


def test_softmax_cross_entropy_value():
    z = np.array([[2.0, 1.0, 0.1]])
    assert m.SoftmaxCrossEntropy()(z, np.array([0])) == pytest.approx(-np.log(m.softmax(z)[0, 0]))


def test_cross_entropy_finite_at_extreme_logits():
    loss = m.SoftmaxCrossEntropy()
    value = loss.forward(np.array([[1e4, -1e4]]), np.array([1]))
    assert value == pytest.approx(2e4)
    assert np.isfinite(loss.backward()).all()


@pytest.mark.parametrize("shape", [(7,), (7, 1)])
def test_binary_cross_entropy_gradient(shape, rng):
    z = rng.normal(size=shape)
    t = np.array([0, 1, 1, 0, 1, 0, 0], dtype=float)
    loss = m.SigmoidBinaryCrossEntropy()
    assert m.check_loss(loss, z, t) < TOL
    p = m.sigmoid(z.reshape(-1))
    expected = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
    assert loss.forward(z, t) == pytest.approx(expected, rel=1e-12)


def test_binary_cross_entropy_finite_at_extremes():
    loss = m.SigmoidBinaryCrossEntropy()
    assert loss.forward(np.array([1e4, -1e4]), np.array([0.0, 1.0])) == pytest.approx(1e4)


@pytest.mark.parametrize("half,factor", [(False, 2.0), (True, 1.0)])
def test_l2_penalty_conventions(half, factor):
    layer = m.Linear(3, 2, init=np.arange(6.0).reshape(3, 2), dtype=np.float64)
    layer.bias.value[...] = [3.0, -4.0]        # non-zero, so that a penalty that touched the bias would show
    params = layer.parameters()
    pen = m.L2Penalty(0.1, half=half)
    assert pen.value(params) == pytest.approx((0.5 if half else 1.0) * 0.1 * 55)
    for p in params:
        p.grad[...] = 0
    pen.add_gradient(params)
    np.testing.assert_allclose(layer.weight.grad, factor * 0.1 * layer.weight.value)
    np.testing.assert_array_equal(layer.bias.grad, 0)      # biases are not decayed
    assert layer.bias.value.tolist() == [3.0, -4.0]


def test_model_gradients_with_every_layer_and_penalty(rng):
    model = m.Sequential(m.Linear(6, 8, init="he", seed=1), m.BatchNorm1d(8), m.Tanh(),
                         m.Linear(8, 5, seed=2, std=0.5), m.Sigmoid(), m.Dropout(0.0),
                         m.Linear(5, 3, seed=3, std=0.5))
    X, y = rng.normal(size=(10, 6)), rng.integers(0, 3, size=10)
    errors = m.check_model(model, X, y, m.SoftmaxCrossEntropy(), m.L2Penalty(0.3, half=True))
    assert max(errors.values()) < TOL, errors


def test_aml_toy_check_spec_b():
    """SPEC §B: the course's toy network; loss 1.30378789133 at reg 0.05."""
    rs = np.random.RandomState(0)
    W1, W2 = 0.1 * rs.randn(4, 10), 0.1 * rs.randn(10, 3)
    X = 10 * np.random.RandomState(1).randn(5, 4)
    y = np.array([0, 1, 2, 2, 1])
    model = m.Sequential(m.Linear(4, 10, init=W1, dtype=np.float64), m.ReLU(),
                         m.Linear(10, 3, init=W2, dtype=np.float64))
    loss = model.loss_and_gradients(X, y, m.SoftmaxCrossEntropy(), m.L2Penalty(0.05))
    assert abs(loss - 1.30378789133) < 1e-10
    errors = m.check_model(model, X, y, m.SoftmaxCrossEntropy(), m.L2Penalty(0.05))
    assert max(errors.values()) < 1e-8, errors


def test_relative_error_definition():
    assert m.relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert m.relative_error([1.0], [3.0]) == pytest.approx(0.5)
    assert m.relative_error([0.0], [0.0]) == 0.0


def test_relative_error_floor_judges_tiny_entries_by_absolute_error():
    assert m.relative_error([1e-6], [1e-6 + 1e-10]) == pytest.approx(1e-10 / 2e-6, rel=1e-3)
    assert m.relative_error([1e-6], [1e-6 + 1e-10], floor=1e-4) == pytest.approx(1e-6, rel=1e-3)
    assert m.relative_error([1.0], [2.0], floor=1e-4) == pytest.approx(1 / 3)   # large errors still show


def test_initialisations_have_their_documented_scale():
    """Glorot: U(±√(6/(n_in+n_out))); He: N(0, 2/n_in); normal: N(0, std²) — checked on 600 000 draws."""
    glorot = m.Linear(1000, 600, init="glorot", seed=0, dtype=np.float64).weight.value
    limit = np.sqrt(6.0 / 1600)
    assert glorot.max() <= limit and glorot.max() == pytest.approx(limit, rel=1e-3)
    assert glorot.std() == pytest.approx(limit / np.sqrt(3), rel=0.01)
    he = m.Linear(1000, 600, init="he", seed=0, dtype=np.float64).weight.value
    assert he.std() == pytest.approx(np.sqrt(2.0 / 1000), rel=0.01)
    normal = m.Linear(1000, 600, init="normal", std=0.3, seed=0, dtype=np.float64).weight.value
    assert normal.std() == pytest.approx(0.3, rel=0.01)
