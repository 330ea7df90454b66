"""A fuzz of mlcore's public entry points: bad and edge input, one argument at a time.

For every entry point and every argument, hypothesis draws values (wrong types,
truthy strings, NaN/inf, ragged lists, arrays of odd shapes and dtypes, edge
integers) while the other arguments stay valid.  One rule is asserted for every
case: the call either returns a result with no NaN or infinity in it, or raises
``ValueError``/``TypeError``/``FloatingPointError`` whose message names the
argument — never another exception — and a call that fails changes no weight.

Runs derandomized (the same cases on every machine); ``CASES_PER_ARGUMENT``
examples for each of the arguments below (over 300 cases in all).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import mlcore as m

CASES_PER_ARGUMENT = 10
ALLOWED = (ValueError, TypeError, FloatingPointError)

_dtypes = st.sampled_from([np.float32, np.float64, np.int64, np.uint8, np.bool_, np.complex128, "U2", object])
_arrays = hnp.arrays(dtype=_dtypes, shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5))
BAD = st.one_of(
    st.none(), st.booleans(), st.sampled_from(["no", "yes", "0", "1", "", "abc"]),
    st.integers(-3, 3), st.sampled_from([2 ** 63, -(2 ** 63), 10 ** 30]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.floats(-1e3, 1e3), max_size=4),
    st.lists(st.lists(st.integers(-2, 2), max_size=3), max_size=3),          # often ragged
    _arrays, st.just(object()), st.just(np.float64("nan")),
)


@dataclass
class Case:
    """An entry point with one argument left open: ``call(value)`` runs it."""
    name: str                                   # the argument as the user writes it
    call: Callable
    model: m.Sequential | None = None           # weights that a failed call must not change


def _data(n=12, d=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)).astype(np.float32), rng.integers(0, 3, size=n)


def _net(seed=0):
    return m.Sequential(m.Linear(4, 5, seed=seed), m.BatchNorm1d(5), m.ReLU(), m.Linear(5, 3, seed=seed + 1))


def _fit_case(arg):
    def call(value):
        X, y = _data()
        model = CASES[arg].model
        # max_steps bounds every run (a valid but huge epochs=2**63 must not run for ever)
        kwargs = dict(optimizer=m.SGD(model.parameters(), lr=0.05), epochs=1, batch_size=4, max_steps=6)
        args = {"X": X, "y": y}
        if arg in args:
            args[arg] = value
        elif arg == "optimizer":
            kwargs["optimizer"] = value
        else:
            kwargs[arg] = value
        return m.fit(model, args["X"], args["y"], **kwargs)
    return call


FIT_ARGS = ["X", "y", "epochs", "batch_size", "shuffle", "seed", "drop_last", "validation", "eval_every",
            "eval_train", "patience", "stop_on", "penalty", "lr_decay", "decay_every", "max_steps", "callback", "progress", "loss",
            "optimizer"]


def _make_cases():
    cases = {}
    for arg in FIT_ARGS:
        cases[arg] = Case(arg, _fit_case(arg), _net())
    X, y = _data()
    ev = _net()
    cases["evaluate X"] = Case("X", lambda v: m.evaluate(ev, v, y), ev)
    cases["evaluate y"] = Case("y", lambda v: m.evaluate(ev, X, v), ev)
    cases["evaluate batch_size"] = Case("batch_size", lambda v: m.evaluate(ev, X, y, batch_size=v), ev)
    pr = _net()
    cases["predict X"] = Case("X", lambda v: pr.predict(v), pr)
    cases["predict_proba batch_size"] = Case("batch_size", lambda v: pr.predict_proba(X, batch_size=v), pr)
    cases["load_state_dict state"] = Case("state", lambda v: pr.load_state_dict(v), pr)
    cases["astype dtype"] = Case("dtype", lambda v: _net().astype(v))
    lin = m.Linear(4, 3)
    cases["Linear.forward x"] = Case("x", lambda v: lin.forward(v))
    cases["Linear.backward dout"] = Case("dout", lambda v: (lin.forward(X), lin.backward(v)))
    cases["Linear n_in"] = Case("n_in", lambda v: m.Linear(v, 3))
    cases["Linear init"] = Case("init", lambda v: m.Linear(2, 3, init=v))
    cases["Linear std"] = Case("std", lambda v: m.Linear(2, 3, std=v))
    cases["Linear bias"] = Case("bias", lambda v: m.Linear(2, 3, bias=v))
    cases["Linear seed"] = Case("seed", lambda v: m.Linear(2, 3, seed=v))
    cases["Linear dtype"] = Case("dtype", lambda v: m.Linear(2, 3, dtype=v))
    cases["Dropout p"] = Case("p", lambda v: m.Dropout(v))
    cases["Dropout seed"] = Case("seed", lambda v: m.Dropout(0.5, seed=v))
    cases["BatchNorm1d momentum"] = Case("momentum", lambda v: m.BatchNorm1d(3, momentum=v))
    cases["BatchNorm1d.forward x"] = Case("x", lambda v: m.BatchNorm1d(4).forward(v))
    for layer in (m.ReLU, m.Sigmoid, m.Tanh):
        cases[f"{layer.__name__}.forward x"] = Case("x", lambda v, layer=layer: layer().forward(v))
    cases["Sequential output"] = Case("output", lambda v: m.Sequential(m.Linear(2, 2), output=v))
    cases["SoftmaxCrossEntropy logits"] = Case("logits", lambda v: m.SoftmaxCrossEntropy()(v, np.array([0, 1])))
    cases["SoftmaxCrossEntropy targets"] = Case("targets", lambda v: m.SoftmaxCrossEntropy()(np.zeros((2, 3)), v))
    cases["SigmoidBinaryCrossEntropy targets"] = Case(
        "targets", lambda v: m.SigmoidBinaryCrossEntropy()(np.zeros(2), v))
    cases["L2Penalty lam"] = Case("lam", lambda v: m.L2Penalty(v))
    cases["L2Penalty half"] = Case("half", lambda v: m.L2Penalty(0.1, half=v))
    cases["L2Penalty.value parameters"] = Case("parameters", lambda v: m.L2Penalty(0.1).value(v))
    cases["SGD lr"] = Case("lr", lambda v: m.SGD(_net().parameters(), lr=v))
    cases["SGD momentum"] = Case("momentum", lambda v: m.SGD(_net().parameters(), lr=0.1, momentum=v))
    cases["SGD parameters"] = Case("parameters", lambda v: m.SGD(v, lr=0.1))
    cases["Adam betas"] = Case("betas", lambda v: m.Adam(_net().parameters(), betas=v))
    cases["Adam eps"] = Case("eps", lambda v: m.Adam(_net().parameters(), eps=v))
    cases["make_optimizer name"] = Case("optimizer", lambda v: m.make_optimizer(v, _net().parameters(), lr=0.1))
    cases["sigmoid x"] = Case("x", lambda v: m.sigmoid(v))
    cases["softmax z"] = Case("z", lambda v: m.softmax(v))
    cases["softmax axis"] = Case("axis", lambda v: m.softmax(np.zeros((2, 3)), axis=v))
    cases["log_softmax z"] = Case("z", lambda v: m.log_softmax(v))
    cases["one_hot labels"] = Case("labels", lambda v: m.one_hot(v, 3))
    cases["one_hot n_classes"] = Case("n_classes", lambda v: m.one_hot([0, 1], v))
    cases["numerical_gradient x"] = Case("x", lambda v: m.numerical_gradient(lambda: 0.0, v))
    cases["numerical_gradient h"] = Case("h", lambda v: m.numerical_gradient(lambda: 0.0, np.zeros(2), h=v))
    cases["relative_error analytic"] = Case("analytic", lambda v: m.relative_error(v, np.zeros(2)))
    cases["report error"] = Case("error", lambda v: m.report("check", v))
    cases["load_synth num_train"] = Case("num_train", lambda v: m.load_synth(num_train=v, num_val=5))
    cases["load_synth seed"] = Case("seed", lambda v: m.load_synth(num_train=5, num_val=5, seed=v))
    cases["load_synth revision"] = Case("revision", lambda v: m.load_synth(num_train=5, num_val=5, revision=v))
    # True would download (None follows MLCORE_FULL_DATA): both left out; every other value is bad or False.
    cases["load_mnist full"] = Case("full", lambda v: None if v is None or (isinstance(v, (bool, np.bool_)) and v)
                                    else m.load_mnist(full=v))
    cases["split_last X"] = Case("X", lambda v: m.split_last(v, np.zeros(3), 1))
    cases["split_last n_val"] = Case("n_val", lambda v: m.split_last(np.zeros((3, 2)), np.zeros(3), v))
    cases["binary_subset y"] = Case("y", lambda v: m.binary_subset(np.zeros((3, 2)), v))
    cases["scale_pixels X"] = Case("X", lambda v: m.scale_pixels(v))
    cases["scale_pixels low"] = Case("low", lambda v: m.scale_pixels(np.zeros((2, 2)), low=v))
    cases["add_bias_column X"] = Case("X", lambda v: m.add_bias_column(v))
    cases["minmax_scale X_train"] = Case("X_train", lambda v: m.minmax_scale(v))
    cases["load_circles seed"] = Case("seed", lambda v: m.load_circles(10, 10, seed=v))
    net = m.ScalarNetwork.assignment_example()
    cases["ScalarNetwork.forward x"] = Case("x", lambda v: net.forward(v, 0))
    cases["ScalarNetwork.forward target"] = Case("target", lambda v: net.forward([1.0, -1.0], v))
    cases["ScalarNetwork W"] = Case("W", lambda v: m.ScalarNetwork(v, [0.0], [[1.0]], [0.0]))
    cases["ScalarNetwork.train_epoch lr"] = Case(
        "lr", lambda v: m.ScalarNetwork.assignment_example().train_epoch([[1.0, -1.0]], [0], v))
    cases["ScalarNetwork.train_epoch X"] = Case(
        "X", lambda v: m.ScalarNetwork.assignment_example().train_epoch(v, [0], 0.1))
    return cases


CASES = _make_cases()


def _finite(result) -> bool:
    """No NaN or infinity anywhere in what a call handed back."""
    if result is None or isinstance(result, (str, bool, np.bool_)):
        return True
    if isinstance(result, (int, float, np.number)):
        return bool(np.isfinite(result))
    if isinstance(result, np.ndarray):
        return result.dtype.kind not in "fc" or bool(np.isfinite(result).all())
    if isinstance(result, (list, tuple)):
        return all(_finite(r) for r in result)
    if isinstance(result, dict):
        return all(_finite(r) for r in result.values())
    if isinstance(result, m.History):
        return all(_finite(getattr(result, f)) for f in ("step_loss", "val_loss", "train_loss"))
    if isinstance(result, m.Sequential):
        return result.is_finite()
    if isinstance(result, m.Layer):
        return all(np.isfinite(p.value).all() for p in result.parameters())
    return True                                    # other objects (optimizers, data classes): built, fine


@pytest.mark.parametrize("key", list(CASES))
@settings(max_examples=CASES_PER_ARGUMENT, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(value=BAD)
def test_bad_input_gets_a_clear_error_or_a_finite_result(key, value):
    case = CASES[key]
    before = case.model.state_dict() if case.model is not None else None
    try:
        result = case.call(value)
    except ALLOWED as err:
        assert re.search(rf"(^|[^\w]){re.escape(case.name)}([^\w]|$)", str(err)), \
            f"{key}: the message does not name {case.name!r}: {type(err).__name__}: {err}"
        if before is not None:
            after = case.model.state_dict()
            assert all(np.array_equal(before[k], after[k]) for k in before), f"{key}: a failed call changed weights"
        return
    except Exception as err:      # noqa: BLE001 - the point of the test
        pytest.fail(f"{key} with {value!r}: {type(err).__name__} is not a clear error: {err}")
    assert _finite(result), f"{key} with {value!r} handed back NaN or infinity"


def test_the_fuzz_has_at_least_300_cases():
    assert len(CASES) * CASES_PER_ARGUMENT >= 300
