"""Element-wise work in blocks over threads (mlcore/_blockwise.py), and OpenBLAS's idle threads."""
import os
import subprocess
import sys

import numpy as np
import pytest

import mlcore as m
from mlcore import _blas, _blockwise, config


def _adam_run(dtype):
    """Three Adam steps on weights of 2.5 blocks and a small bias, with an L2 penalty's gradient."""
    rng = np.random.default_rng(0)
    n_in, n_out = 500, (_blockwise.BLOCK * 5 // 2) // 500
    layer = m.Linear(n_in, n_out, init=rng.normal(size=(n_in, n_out)), dtype=dtype)
    opt = m.Adam(layer.parameters(), lr=0.01)
    penalty = m.L2Penalty(1e-3, half=True)
    values = []
    for step in range(3):
        x = rng.normal(size=(8, n_in)).astype(dtype)
        layer.forward(x)
        layer.backward(rng.normal(size=(8, n_out)).astype(dtype))
        values.append(penalty.value(layer.parameters()))
        penalty.add_gradient(layer.parameters())
        opt.step()
    return layer.weight.value.copy(), layer.bias.value.copy(), values


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_results_do_not_depend_on_the_number_of_threads(monkeypatch, dtype):
    runs = {}
    for n in ("1", "2", "3"):
        monkeypatch.setenv("MLCORE_THREADS", n)
        runs[n] = _adam_run(dtype)
    for n in ("2", "3"):
        np.testing.assert_array_equal(runs[n][0], runs["1"][0])
        np.testing.assert_array_equal(runs[n][1], runs["1"][1])
        assert runs[n][2] == runs["1"][2]


def test_blocked_adam_equals_kingma_and_ba():
    # Their efficient form (end of section 2): the bias corrections folded into the step size.
    rng = np.random.default_rng(1)
    shape = (3, _blockwise.BLOCK)                 # three blocks
    w0, g1, g2 = (rng.normal(size=shape) for _ in range(3))
    layer = m.Linear(*shape, init=w0, dtype=np.float64)
    opt = m.Adam([layer.weight], lr=0.01)
    m1 = v1 = 0.0
    w = w0.copy()
    for t, g in enumerate((g1, g2), start=1):
        layer.weight.grad = g.copy()
        opt.step()
        m1 = 0.9 * m1 + 0.1 * g
        v1 = 0.999 * v1 + 0.001 * g * g
        w = w - 0.01 * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t) * m1 / (np.sqrt(v1) + 1e-8)
    np.testing.assert_allclose(layer.weight.value, w, rtol=1e-9, atol=1e-9)


def test_penalty_value_matches_a_float64_sum_of_squares():
    rng = np.random.default_rng(2)
    W = rng.normal(size=(700, 900)).astype(np.float32)          # 4.8 blocks
    layer = m.Linear(700, 900, init=W)
    expected = 0.5 * 1e-3 * float(np.sum(W.astype(np.float64) ** 2))
    assert m.L2Penalty(1e-3, half=True).value(layer.parameters()) == pytest.approx(expected, rel=1e-6)


def test_run_returns_results_in_order_and_raises_a_jobs_error(monkeypatch):
    monkeypatch.setenv("MLCORE_THREADS", "2")
    assert _blockwise.run([lambda k=k: k * k for k in range(7)]) == [k * k for k in range(7)]

    def fail():
        raise ZeroDivisionError("job 5")
    jobs = [lambda: None] * 5 + [fail]
    with pytest.raises(ZeroDivisionError, match="job 5"):
        _blockwise.run(jobs)


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_a_bad_thread_count_is_named(monkeypatch, value):
    monkeypatch.setenv("MLCORE_THREADS", value)
    with pytest.raises(ValueError, match=rf"MLCORE_THREADS must be a positive integer; received '{value}'"):
        config.threads()


def test_each_thread_has_its_own_scratch():
    import threading
    mine = _blockwise.scratch(10, np.float32)
    other = []
    thread = threading.Thread(target=lambda: other.append(_blockwise.scratch(10, np.float32)))
    thread.start()
    thread.join()
    assert not np.shares_memory(mine, other[0])
    assert _blockwise.scratch(10, np.float32).base is mine.base        # reused, not reallocated


def _timeout_in_fresh_process(env):
    code = ("import os, mlcore; from mlcore import _blas; "
            "print(_blas._LIB.openblas_thread_timeout(), 'OPENBLAS_THREAD_TIMEOUT' in os.environ)")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_openblas_threads_sleep_when_idle_unless_the_user_chose_otherwise():
    if _blas._LIB is None:
        pytest.skip("NumPy's bundled OpenBLAS was not found")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    # Set by mlcore on import; the variable is taken out of the environment again.
    assert _timeout_in_fresh_process(env) == [_blas.SHORT_THREAD_TIMEOUT, "False"]
    assert _timeout_in_fresh_process({**env, "OPENBLAS_THREAD_TIMEOUT": "12"}) == ["12", "True"]
