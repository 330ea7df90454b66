"""Property tests: random shapes, batch sizes and seeds (hypothesis).

Hypothesis seeks out extreme cases — logits of ±20, near-constant batch-norm
columns — where some true gradient entries are ~1e-6 and centred differences
carry an absolute noise of ~1e-10.  The gradient checks here therefore judge
entries below 1e-4 by absolute error (FLOOR) and accept a relative error up to
TOL; a wrong formula still gives errors of order 1.
"""
import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import mlcore as m

FLOOR, TOL = 1e-4, 1e-5
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
shapes = st.tuples(st.integers(2, 6), st.integers(1, 5), st.integers(1, 5))   # N, D_in, D_out
seeds = st.integers(0, 2**31 - 1)


def _inputs(seed, n, d, scale=1.0):
    return np.random.default_rng(seed).normal(scale=scale, size=(n, d))


@SETTINGS
@given(shape=shapes, seed=seeds, bias=st.booleans(), init=st.sampled_from(["normal", "glorot", "he"]))
def test_linear_gradients(shape, seed, bias, init):
    n, d, h = shape
    layer = m.Linear(d, h, init=init, std=0.5, bias=bias, seed=seed)
    assert max(m.check_layer(layer, _inputs(seed, n, d), seed=seed, floor=FLOOR).values()) < TOL


@SETTINGS
@given(shape=shapes, seed=seeds, kind=st.sampled_from([m.Sigmoid, m.Tanh, m.ReLU]))
def test_activation_gradients(shape, seed, kind):
    n, d, _ = shape
    x = _inputs(seed, n, d, scale=2.0)
    if kind is m.ReLU:
        assume(np.abs(x).min() > 1e-3)            # the kink at 0 has no derivative
    assert m.check_layer(kind(), x, seed=seed, floor=FLOOR)["x"] < TOL


@SETTINGS
@given(shape=shapes, seed=seeds, training=st.booleans())
def test_batchnorm_gradients(shape, seed, training):
    n, d, _ = shape
    bn = m.BatchNorm1d(d)
    bn.gamma.value[...] = np.random.default_rng(seed).uniform(0.5, 2.0, d)
    bn.forward(_inputs(seed + 1, 8, d).astype(np.float32))     # running statistics
    bn.training = training
    x = _inputs(seed, n, d)
    if training:
        assume(np.all(x.std(axis=0) > 1e-2))     # a near-constant column makes 1/σ huge
    assert max(m.check_layer(bn, x, seed=seed, floor=FLOOR).values()) < TOL


@SETTINGS
@given(n=st.integers(1, 6), c=st.integers(2, 6), seed=seeds, scale=st.floats(0.1, 20.0), onehot=st.booleans())
def test_softmax_cross_entropy_gradient(n, c, seed, scale, onehot):
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=scale, size=(n, c))
    labels = rng.integers(0, c, size=n)
    targets = m.one_hot(labels, c, dtype=np.float64) if onehot else labels
    assert m.check_loss(m.SoftmaxCrossEntropy(), logits, targets, floor=FLOOR) < TOL


@SETTINGS
@given(n=st.integers(1, 8), seed=seeds, scale=st.floats(0.1, 10.0))
def test_binary_cross_entropy_gradient(n, seed, scale):
    rng = np.random.default_rng(seed)
    z, t = rng.normal(scale=scale, size=n), rng.integers(0, 2, n).astype(float)
    assert m.check_loss(m.SigmoidBinaryCrossEntropy(), z, t, floor=FLOOR) < TOL


@SETTINGS
@given(n=st.integers(1, 10), c=st.integers(1, 12), seed=seeds, scale=st.floats(1e-3, 1e4))
def test_softmax_rows_sum_to_one_and_stay_finite(n, c, seed, scale):
    z = np.random.default_rng(seed).normal(scale=scale, size=(n, c))
    p = m.softmax(z)
    assert np.isfinite(p).all() and (p >= 0).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
    assert np.isfinite(m.log_softmax(z)).all()


@settings(max_examples=15, deadline=None, derandomize=True)
@given(seed=seeds, batch_size=st.integers(1, 30), shuffle=st.booleans(), drop_last=st.booleans())
def test_same_seed_same_training(seed, batch_size, shuffle, drop_last):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(30, 3)), rng.integers(0, 3, 30)

    def run():
        model = m.Sequential(m.Linear(3, 4, seed=seed, std=0.5), m.Tanh(), m.Dropout(0.2, seed=seed),
                             m.Linear(4, 3, seed=seed + 1, std=0.5))
        hist = m.fit(model, X, y, optimizer=m.SGD(model.parameters(), lr=0.1, momentum=0.5), epochs=2,
                     batch_size=batch_size, shuffle=shuffle, drop_last=drop_last, seed=seed)
        return hist.step_loss, [p.value.copy() for p in model.parameters()]

    (loss_a, params_a), (loss_b, params_b) = run(), run()
    assert loss_a == loss_b
    for a, b in zip(params_a, params_b):
        np.testing.assert_array_equal(a, b)


@SETTINGS
@given(shape=st.tuples(st.integers(2, 5), st.integers(1, 4), st.integers(2, 4), st.integers(2, 4)), seed=seeds,
       lam=st.floats(0.0, 1.0), half=st.booleans())
def test_whole_model_gradients_with_penalty(shape, seed, lam, half):
    n, d, h, c = shape
    rng = np.random.default_rng(seed)
    model = m.Sequential(m.Linear(d, h, seed=seed, std=0.5), m.Tanh(), m.Linear(h, c, seed=seed + 1, std=0.5))
    X, y = rng.normal(size=(n, d)), rng.integers(0, c, n)
    errors = m.check_model(model, X, y, m.SoftmaxCrossEntropy(), m.L2Penalty(lam, half=half), floor=FLOOR)
    assert max(errors.values()) < TOL
