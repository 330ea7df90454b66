"""The BLAS fast path of plain SGD (mlcore/_blas.py) and its thread policy."""
import numpy as np
import pytest

import mlcore as m
from mlcore import _blas


def _blobs(n=200, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    centres = np.array([[0, 3], [3, 0], [-3, -3]])
    return (centres[y] + rng.normal(size=(n, 2))).astype(np.float32), y


def test_thread_policy_is_one_thread_below_the_threshold():
    assert _blas.threads_for(1) == 1
    assert _blas.threads_for(_blas.SINGLE_THREAD_BELOW - 1) == 1
    assert _blas.threads_for(_blas.SINGLE_THREAD_BELOW) is None


def test_numpy_blas_is_found():
    """NumPy's wheels ship scipy-openblas64; the fused step must use it, not the fallback."""
    import os

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
    model = m.Sequential(m.Linear(2, 16, init="he", seed=0), m.ReLU(), m.Linear(16, 3, seed=1))
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
