"""The training loop, optimisers and model plumbing."""
import numpy as np
import pytest

import mlcore as m


def _blobs(n=200, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    centres = np.array([[0, 3], [3, 0], [-3, -3]])
    return (centres[y] + rng.normal(size=(n, 2))).astype(np.float32), y


def _mlp(seed=0):
    return m.Sequential(m.Linear(2, 16, init="he", seed=seed), m.ReLU(), m.Linear(16, 3, seed=seed + 1))


def _run(seed=0, **kwargs):
    X, y = _blobs()
    model = _mlp()
    opts = dict(epochs=5, batch_size=16, seed=seed, validation=(X[:50], y[:50]))
    opts.update(kwargs)
    hist = m.fit(model, X, y, optimizer=m.SGD(model.parameters(), lr=0.1), **opts)
    return model, hist


def test_training_learns_separable_blobs():
    model, hist = _run()
    X, y = _blobs()
    assert hist.epoch_loss[-1] < hist.epoch_loss[0]
    assert (model.predict(X) == y).mean() > 0.95


def test_same_seed_gives_identical_histories():
    _, a = _run(seed=3)
    _, b = _run(seed=3)
    _, c = _run(seed=4)
    assert a.step_loss == b.step_loss and a.val_loss == b.val_loss
    assert a.step_loss != c.step_loss


def test_batch_counts_with_and_without_drop_last():
    _, keep = _run(epochs=1, batch_size=64)
    _, drop = _run(epochs=1, batch_size=64, drop_last=True)
    assert keep.steps_per_epoch == 4 and len(keep.step_loss) == 4      # 200 = 3·64 + 8
    assert drop.steps_per_epoch == 3 and len(drop.step_loss) == 3


def test_check_schedule_includes_step_zero():
    _, hist = _run(epochs=2, batch_size=20, check_every=2)        # 10 steps per epoch
    assert hist.check_step == list(range(0, 20, 2))
    assert len(hist.val_loss) == 10


def test_epoch_checks_and_train_evaluation():
    _, hist = _run(epochs=3, eval_train=True)
    assert hist.check_step == [12, 25, 38]                        # ceil(200/16) = 13 steps per epoch
    assert len(hist.train_loss) == len(hist.val_acc) == 3


def test_no_shuffle_uses_rows_in_order():
    X, y = _blobs(64)
    model = _mlp()
    hist = m.fit(model, X, y, optimizer=m.SGD(model.parameters(), lr=0.1), epochs=1,
                 batch_size=64, shuffle=False)
    fresh = _mlp()
    expected = m.SoftmaxCrossEntropy()(fresh.forward(X), y)
    assert hist.step_loss[0] == pytest.approx(expected, rel=1e-6)


def test_early_stopping_restores_best_weights():
    X, y = _blobs(300)
    Xv, yv = X[:60], (y[:60] + 1) % 3              # a validation set the model cannot fit
    model = _mlp()
    hist = m.fit(model, X, y, optimizer=m.SGD(model.parameters(), lr=0.2), epochs=50, batch_size=30,
                 validation=(Xv, yv), check_every=1, patience=5)
    assert hist.stopped_early
    assert len(hist.val_loss) - 1 - hist.best_check == 5
    best_loss, _ = m.evaluate(model, Xv, yv)
    assert best_loss == pytest.approx(min(hist.val_loss), rel=1e-5)


def test_lr_decay_is_applied_per_epoch():
    X, y = _blobs()
    model = _mlp()
    opt = m.SGD(model.parameters(), lr=1.0)
    hist = m.fit(model, X, y, optimizer=opt, epochs=3, batch_size=50, lr_decay=0.5)
    assert hist.lr == [1.0, 0.5, 0.25]


def test_momentum_and_adam_reduce_the_loss():
    for make in (lambda p: m.SGD(p, lr=0.05, momentum=0.9), lambda p: m.Adam(p, lr=0.01)):
        X, y = _blobs()
        model = _mlp()
        hist = m.fit(model, X, y, optimizer=make(model.parameters()), epochs=5, batch_size=20)
        assert hist.epoch_loss[-1] < 0.5 * hist.epoch_loss[0]


def test_adam_first_step_moves_each_weight_by_lr():
    layer = m.Linear(2, 2, init=np.zeros((2, 2)), dtype=np.float64)
    layer.weight.grad[...] = [[1.0, -2.0], [3.0, -0.5]]
    m.Adam([layer.weight], lr=0.1).step()
    np.testing.assert_allclose(layer.weight.value, [[-0.1, 0.1], [-0.1, 0.1]], rtol=1e-6)


def test_sgd_step_is_exact():
    layer = m.Linear(2, 1, init=np.ones((2, 1)), dtype=np.float64)
    layer.weight.grad[...] = [[0.5], [-1.0]]
    m.SGD([layer.weight], lr=0.1).step()
    np.testing.assert_allclose(layer.weight.value, [[0.95], [1.1]])


def test_sigmoid_output_model_binary_training():
    X, y = _blobs()
    yb = (y == 0).astype(np.int64)
    model = m.Sequential(m.Linear(2, 1, init="zeros"), output="sigmoid")
    hist = m.fit(model, X, yb, optimizer=m.SGD(model.parameters(), lr=0.5), epochs=10, batch_size=20,
                 validation=(X, yb))
    assert hist.val_acc[-1] > 0.95
    proba = model.predict_proba(X)
    assert proba.shape == (200,) and ((proba >= 0) & (proba <= 1)).all()


def test_state_dict_round_trip():
    model, _ = _run()
    state = model.state_dict()
    other = _mlp(seed=9)
    other.load_state_dict(state)
    X, _ = _blobs()
    np.testing.assert_array_equal(other.predict_proba(X), model.predict_proba(X))


def test_load_state_dict_rejects_other_architecture():
    with pytest.raises(ValueError, match="missing"):
        _mlp().load_state_dict({"0.weight": np.zeros((2, 16))})


def test_divergence_raises_and_keeps_finite_weights():
    X, y = _blobs()
    X = X * 1e3
    model = _mlp()
    with pytest.raises(FloatingPointError, match=r"diverged at epoch 1.*smaller learning rate"):
        m.fit(model, X, y, optimizer=m.SGD(model.parameters(), lr=1e6), epochs=3, batch_size=10)
    assert all(np.isfinite(p.value).all() for p in model.parameters())


def test_float32_is_kept_end_to_end():
    model, _ = _run(epochs=1)
    assert all(p.value.dtype == np.float32 for p in model.parameters())


def test_numpy_blas_is_found():
    """NumPy's wheels ship scipy-openblas64; the fused step must use it, not the fallback."""
    import os

    from mlcore import _blas
    if os.environ.get("MLCORE_NUMPY_BLAS") == "0":
        pytest.skip("MLCORE_NUMPY_BLAS=0 turns the BLAS path off")
    if "scipy-openblas" not in str(np.show_config(mode="dicts")["Build Dependencies"]["blas"]["name"]):
        pytest.skip("this NumPy is not built with scipy-openblas")
    assert set(_blas._ROUTINES) == {np.dtype(np.float32), np.dtype(np.float64)}
    from threadpoolctl import threadpool_info
    copies = [lib["filepath"] for lib in threadpool_info() if "openblas64_" in lib["filepath"]]
    assert len(copies) == 1, f"mlcore must reuse NumPy's BLAS, not load another copy: {copies}"


@pytest.mark.parametrize("blas", ["numpy-blas", "fallback"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rows", [1, 7])
def test_fused_sgd_step_equals_explicit_gradient_step(rng, monkeypatch, blas, dtype, rows):
    """Plain SGD applies xᵀδ to W in one BLAS call; the result is W − lr · xᵀδ, and grad stays readable."""
    if blas == "fallback":
        monkeypatch.setattr("mlcore._blas._ROUTINES", {})
    layer = m.Linear(20, 4, seed=0, dtype=dtype)
    x = rng.normal(size=(rows, 20)).astype(dtype)
    x[:, ::3] = 0.0                                          # sparse inputs, as on MNIST
    dout = rng.normal(size=(rows, 4)).astype(dtype)
    layer.forward(x)
    layer.backward(dout)
    before = layer.weight.value.copy()
    m.SGD(layer.parameters(), lr=0.1).step()
    rtol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(layer.weight.value, before - dtype(0.1) * (x.T @ dout), rtol=rtol, atol=rtol)
    np.testing.assert_allclose(layer.bias.value, -dtype(0.1) * dout.sum(axis=0), rtol=rtol, atol=rtol)
    np.testing.assert_allclose(layer.weight.grad, x.T @ dout, rtol=rtol, atol=rtol)   # the step leaves grad intact
    assert layer.weight.value.dtype == dtype and layer.weight.grad.dtype == dtype


@pytest.mark.parametrize("case", ["Fortran-ordered weights", "column slice of a wider input",
                                  "float64 input, float32 weights"])
def test_fused_sgd_step_handles_arrays_blas_cannot_take_directly(rng, case):
    dtype = np.float64 if case == "Fortran-ordered weights" else np.float32
    tol = 1e-12 if dtype == np.float64 else 1e-5
    layer = m.Linear(6, 3, seed=0, dtype=dtype)
    x = rng.normal(size=(5, 6)).astype(dtype)
    if case == "Fortran-ordered weights":
        layer.weight.value = np.asfortranarray(layer.weight.value)
    elif case == "column slice of a wider input":
        x = rng.normal(size=(5, 9)).astype(np.float32)[:, :6]      # not C-contiguous
    else:
        x = x.astype(np.float64)
    dout = rng.normal(size=(5, 3)).astype(dtype)
    layer.forward(x)
    layer.backward(dout)
    before = layer.weight.value.copy()
    m.SGD([layer.weight], lr=0.5).step()
    np.testing.assert_allclose(layer.weight.value, before - 0.5 * (x.T @ dout), rtol=tol, atol=tol / 10)
    np.testing.assert_allclose(layer.weight.grad, x.T @ dout, rtol=tol, atol=tol / 10)


def test_small_batches_run_blas_on_one_thread_and_restore_it():
    from threadpoolctl import threadpool_info

    def blas_threads():
        return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]

    before = blas_threads()
    seen = []
    X, y = _blobs(40)
    model = _mlp()
    m.fit(model, X, y, optimizer=m.SGD(model.parameters(), lr=0.05), epochs=2, batch_size=1,
          callback=lambda *_: seen.append(blas_threads()))
    assert all(threads == 1 for threads in seen[0]) and blas_threads() == before


def test_a_new_backward_replaces_the_recorded_gradient(rng):
    layer = m.Linear(5, 2, seed=0, dtype=np.float64)
    x1, x2, dout = rng.normal(size=(3, 5)), rng.normal(size=(1, 5)), rng.normal(size=(3, 2))
    layer.forward(x1)
    layer.backward(dout)
    layer.forward(x2)
    layer.backward(dout[:1])
    np.testing.assert_allclose(layer.weight.grad, x2.T @ dout[:1])
    layer.weight.grad[...] = 0.0                             # an in-place write sticks
    np.testing.assert_array_equal(layer.weight.grad, 0.0)


def test_batch_one_training_equals_dense_reference():
    """fit(batch_size=1) matches a hand-written dense SGD loop step for step."""
    X, y = _blobs(30)
    X = np.where(np.abs(X) < 1.0, 0.0, X)                  # make some inputs exactly zero
    model = _mlp()
    ref = _mlp()
    m.fit(model, X, y, optimizer=m.SGD(model.parameters(), lr=0.05), epochs=1, batch_size=1, shuffle=False)
    loss = m.SoftmaxCrossEntropy()
    for i in range(30):
        ref.loss_and_gradients(X[i:i + 1], y[i:i + 1], loss)
        for p in ref.parameters():
            p.value -= np.float32(0.05) * p.grad
    for a, b in zip(model.parameters(), ref.parameters()):
        np.testing.assert_allclose(a.value, b.value, rtol=1e-5, atol=1e-6)


def test_max_steps_stops_mid_epoch_and_checks_at_the_end():
    _, hist = _run(epochs=10, batch_size=20, max_steps=25)      # 10 steps per epoch
    assert hist.steps_run == 25 and hist.epochs_run == 3
    assert hist.check_step == [9, 19, 24]
    assert len(hist.epoch_loss) == 3
