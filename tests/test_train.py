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
    _, hist = _run(epochs=2, batch_size=20, eval_every=2)        # 10 steps per epoch
    assert hist.eval_step == list(range(0, 20, 2))
    assert len(hist.val_loss) == 10


def test_epoch_checks_and_train_evaluation():
    _, hist = _run(epochs=3, eval_train=True)
    assert hist.eval_step == [12, 25, 38]                        # ceil(200/16) = 13 steps per epoch
    assert len(hist.train_loss) == len(hist.val_acc) == 3


def test_eval_train_batch_evaluates_the_latest_mini_batch():
    # Two shuffled epochs of 4 steps: the check after epoch 2 evaluates rows 150–199 of that
    # epoch's permutation, with the weights after the last update.
    X, y = _blobs()
    model = _mlp()
    hist = m.fit(model, X, y, optimizer=m.SGD(model.parameters(), lr=0.1), epochs=2, batch_size=50, seed=7,
                 eval_train="batch")
    rng = np.random.default_rng(7)
    rng.permutation(200)
    last = rng.permutation(200)[150:]
    loss, acc = m.evaluate(model, X[last], y[last])
    assert hist.train_loss[-1] == pytest.approx(loss, rel=1e-6) and hist.train_acc[-1] == acc
    assert len(hist.train_acc) == 2 and hist.val_acc == []


def test_eval_train_refuses_other_words():
    X, y = _blobs(20)
    model = _mlp()
    with pytest.raises(TypeError, match=r"eval_train must be True, False or \"batch\"; received str 'last'"):
        m.fit(model, X, y, optimizer=m.SGD(model.parameters(), lr=0.1), epochs=1, batch_size=5, eval_train="last")


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
                 validation=(Xv, yv), eval_every=1, patience=5)
    assert hist.stopped_early
    assert len(hist.val_loss) - 1 - hist.best_eval == 5
    best_loss, _ = m.evaluate(model, Xv, yv)
    assert best_loss == pytest.approx(min(hist.val_loss), rel=1e-5)


def test_early_stopping_on_accuracy_keeps_the_most_accurate_check():
    X, y = _blobs(300)
    Xv, yv = X[:60], (y[:60] + 1) % 3
    model = _mlp()
    hist = m.fit(model, X, y, optimizer=m.SGD(model.parameters(), lr=0.2), epochs=50, batch_size=30,
                 validation=(Xv, yv), eval_every=1, patience=5, stop_on="accuracy")
    assert hist.stopped_early
    best = int(np.argmax(hist.val_acc))                       # the first check with the top accuracy
    assert hist.best_eval == best and len(hist.val_acc) - 1 - best == 5
    assert m.evaluate(model, Xv, yv)[1] == pytest.approx(hist.val_acc[best])


def test_stop_on_must_name_a_quantity():
    X, y = _blobs(60)
    model = _mlp()
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"stop_on must be one of \['accuracy', 'loss'\]; received 'acc'"):
        m.fit(model, X, y, optimizer=m.SGD(model.parameters(), lr=0.1), epochs=1, batch_size=10,
              validation=(X, y), patience=2, stop_on="acc")
    assert all(np.array_equal(before[k], v) for k, v in model.state_dict().items())


def test_lr_decay_is_applied_per_epoch():
    X, y = _blobs()
    model = _mlp()
    opt = m.SGD(model.parameters(), lr=1.0)
    hist = m.fit(model, X, y, optimizer=opt, epochs=3, batch_size=50, lr_decay=0.5)
    assert hist.lr == [1.0, 0.5, 0.25]


def test_lr_decay_every_n_steps_ignores_epoch_boundaries():
    X, y = _blobs()
    model = _mlp()
    seen = []
    opt = m.SGD(model.parameters(), lr=1.0)
    hist = m.fit(model, X, y, optimizer=opt, epochs=3, batch_size=50, lr_decay=0.5, decay_every=3,
                 callback=lambda epoch, model, history: seen.append(opt.lr))
    steps = hist.steps_per_epoch * 3
    assert hist.steps_per_epoch == 4                  # 3 does not divide it: decays fall mid-epoch
    assert opt.lr == 0.5 ** (steps // 3)
    assert seen == [0.5 ** ((e + 1) * hist.steps_per_epoch // 3) for e in range(3)]


def test_decay_every_needs_a_factor():
    X, y = _blobs()
    model = _mlp()
    with pytest.raises(ValueError, match=r"decay_every needs lr_decay"):
        m.fit(model, X, y, optimizer=m.SGD(model.parameters(), lr=1.0), epochs=1, batch_size=50, decay_every=4)


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


def test_adam_accepts_a_fortran_ordered_gradient_larger_than_one_block():
    # Weights larger than Adam's block, gradient not C-contiguous: the step falls back to
    # whole arrays and must give exactly the blocked result.
    rng = np.random.default_rng(0)
    grad = rng.choice([-1.0, 1.0], (400, 400)) * rng.uniform(0.5, 2.0, (400, 400))  # |g| >> eps
    results = []
    for order in ("C", "F"):
        layer = m.Linear(400, 400, init=np.ones((400, 400)), dtype=np.float64)
        layer.weight.grad = np.asarray(grad, order=order)
        opt = m.Adam([layer.weight], lr=0.1)
        opt.step()
        opt.step()
        results.append(layer.weight.value.copy())
    np.testing.assert_array_equal(results[0], results[1])
    np.testing.assert_allclose(results[0], 1.0 - 0.2 * np.sign(grad), rtol=1e-6)


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
    with pytest.raises(FloatingPointError, match=r"diverged: the loss became nan at epoch 1.*smaller learning rate"):
        m.fit(model, X, y, optimizer=m.SGD(model.parameters(), lr=1e6), epochs=3, batch_size=10)
    assert all(np.isfinite(p.value).all() for p in model.parameters())


def test_float32_is_kept_end_to_end():
    model, _ = _run(epochs=1)
    assert all(p.value.dtype == np.float32 for p in model.parameters())


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
    assert hist.eval_step == [9, 19, 24]
    assert len(hist.epoch_loss) == 3


# -- training that cannot lose the model (divergence guard) ------------------------------

def _state(model):
    return {k: v.copy() for k, v in model.state_dict().items()}


def test_divergence_in_the_last_step_is_caught():
    """The last update is checked too: fit never returns non-finite weights."""
    X, y = _blobs(40)
    model = _mlp()
    with pytest.raises(FloatingPointError, match=r"non-finite by the end of epoch 1, batch 1 of 1"):
        m.fit(model, X * 1e3, y, optimizer=m.SGD(model.parameters(), lr=1e36), epochs=1, batch_size=40)
    assert model.is_finite()
    np.testing.assert_array_equal(model.layers[0].weight.value, _mlp().layers[0].weight.value)


def test_divergence_restores_the_last_state_with_a_finite_loss_including_buffers():
    """Restored weights give a finite loss, batch-norm buffers are restored, the model is in eval mode."""
    X, y = _blobs(200)
    model = m.Sequential(m.Linear(2, 16, seed=0), m.BatchNorm1d(16), m.ReLU(), m.Linear(16, 3, seed=1))
    snapshots = []
    optimizer = m.SGD(model.parameters(), lr=0.05)

    def blow_up_in_epoch_three(epoch, model, history):
        snapshots.append(_state(model))
        if epoch == 1:
            optimizer.lr = 1e30
    with pytest.raises(FloatingPointError, match=r"diverged: .* epoch 3, batch \d+ of 10.*evaluation mode"):
        m.fit(model, X, y, optimizer=optimizer, epochs=5, batch_size=20, callback=blow_up_in_epoch_three)
    assert model.is_finite() and not any(layer.training for layer in model.layers)
    restored = model.state_dict()
    assert any(all(np.array_equal(restored[k], snap[k]) for k in restored) for snap in snapshots)
    assert np.isfinite(m.evaluate(model, X, y)[0])
    assert "1.running_mean" in restored and np.isfinite(restored["1.running_var"]).all()


@pytest.mark.parametrize("case, message", [
    ("bad label in the last row", r"y must be < n_classes=3; received label 3"),
    ("validation of the wrong width", r"validation\[0\] must have 2 columns"),
    ("batch of one under batch norm", r"gives the last batch of each epoch .* a single row.*drop_last=True"),
    ("optimizer of another model", r"optimizer updates 4 parameter\(s\) that do not belong to model"),
    ("one-hot of the wrong width", r"y one-hot rows must have 3 columns, one per model output; received 4"),
])
def test_bad_input_is_refused_before_any_weight_changes(case, message):
    X, y = _blobs(41)
    model = m.Sequential(m.Linear(2, 16, seed=0), m.BatchNorm1d(16), m.ReLU(), m.Linear(16, 3, seed=1))
    kwargs = dict(optimizer=m.SGD(model.parameters(), lr=0.1), epochs=2, batch_size=8, drop_last=True)
    if case == "bad label in the last row":
        y = y.copy()
        y[-1] = 3
    elif case == "validation of the wrong width":
        kwargs["validation"] = (np.zeros((5, 3)), np.zeros(5, dtype=int))
    elif case == "batch of one under batch norm":
        kwargs.update(batch_size=10, drop_last=False)          # 41 = 4·10 + 1
    elif case == "optimizer of another model":
        kwargs["optimizer"] = m.SGD(_mlp().parameters(), lr=0.1)
    else:
        y = np.eye(4)[y % 4]
    before = _state(model)
    with pytest.raises(ValueError, match=message):
        m.fit(model, X, y, **kwargs)
    after = model.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before)


def test_a_layer_used_twice_is_refused():
    relu, linear = m.ReLU(), m.Linear(4, 4)
    with pytest.raises(ValueError, match=r"layer 2 is the same object as layer 0.*new Linear"):
        m.Sequential(linear, relu, linear)


@pytest.mark.parametrize("name", ["shuffle", "drop_last", "progress"])
def test_flags_refuse_truthy_strings(name):
    X, y = _blobs(20)
    model = _mlp()
    with pytest.raises(TypeError, match=rf"{name} must be True or False; received str 'no'"):
        m.fit(model, X, y, optimizer=m.SGD(model.parameters(), lr=0.1), epochs=1, batch_size=5, **{name: "no"})


def test_seed_is_checked_by_type():
    X, y = _blobs(20)
    model = _mlp()
    with pytest.raises(TypeError, match=r"seed must be a non-negative integer or None; received str 'abc'"):
        m.fit(model, X, y, optimizer=m.SGD(model.parameters(), lr=0.1), epochs=1, batch_size=5, seed="abc")


def test_fit_leaves_the_model_in_eval_mode_when_a_callback_raises():
    X, y = _blobs(20)
    model = m.Sequential(m.Linear(2, 4), m.Dropout(0.5), m.Linear(4, 3))

    def stop(*_):
        raise KeyError("from the callback")
    with pytest.raises(KeyError):
        m.fit(model, X, y, optimizer=m.SGD(model.parameters(), lr=0.1), epochs=2, batch_size=5, callback=stop)
    assert not any(layer.training for layer in model.layers)


# -- the model owns its output link and its buffers ----------------------------------------

def test_model_owns_loss_labels_and_targets():
    soft = _mlp()
    sig = m.Sequential(m.Linear(2, 1), output="sigmoid")
    assert isinstance(soft.default_loss(), m.SoftmaxCrossEntropy)
    assert isinstance(sig.default_loss(), m.SigmoidBinaryCrossEntropy)
    logits = np.array([[0.1, 2.0, -1.0], [3.0, 0.0, 0.0]])
    np.testing.assert_array_equal(soft.labels_from_logits(logits), [1, 0])
    np.testing.assert_array_equal(sig.labels_from_logits(np.array([[0.3], [-0.2]])), [1, 0])
    with pytest.raises(ValueError, match=r"y must hold 0/1 targets"):
        sig.validate_targets(np.array([0.0, 2.0]))
    with pytest.raises(ValueError, match=r"a sigmoid-output model needs one logit per row"):
        m.Sequential(m.Linear(2, 3), output="sigmoid")


def test_predict_and_evaluate_agree_on_labels():
    X, y = _blobs(100)
    model, _ = _run()
    _, acc = m.evaluate(model, X, y)
    assert acc == pytest.approx((model.predict(X) == y).mean())


def test_buffers_are_saved_loaded_and_cast_without_naming_the_layer():
    class Counter(m.Layer):
        buffer_names = ("seen",)

        def __init__(self):
            self.seen = np.zeros(3, dtype=np.float32)

        def forward(self, x):
            self.seen += 1
            return x

        def backward(self, dout, *, input_grad=True):
            return dout

    model = m.Sequential(m.Linear(2, 3), Counter())
    model.forward(np.zeros((1, 2), dtype=np.float32))
    state = model.state_dict()
    assert set(state) == {"0.weight", "0.bias", "1.seen"}
    model.forward(np.zeros((1, 2), dtype=np.float32))
    model.load_state_dict(state)
    np.testing.assert_array_equal(model.layers[1].seen, 1.0)
    model.astype(np.float64)
    assert model.layers[1].seen.dtype == np.float64


def test_sgd_momentum_two_steps_are_exact():
    """v ← μv − lr·g; θ ← θ + v: the second step carries μ times the first."""
    layer = m.Linear(1, 1, init=np.ones((1, 1)), dtype=np.float64, bias=False)
    opt = m.SGD([layer.weight], lr=0.1, momentum=0.9)
    for _ in range(2):
        layer.weight.grad[...] = 1.0
        opt.step()
    np.testing.assert_allclose(layer.weight.value, [[1.0 - 0.1 - (0.09 + 0.1)]])


def test_batch_norm_running_statistics_follow_momentum():
    bn = m.BatchNorm1d(1, momentum=0.1, dtype=np.float64)
    bn.forward(np.array([[1.0], [3.0]]))
    np.testing.assert_allclose(bn.running_mean, [0.2])          # 0.9·0 + 0.1·2
    np.testing.assert_allclose(bn.running_var, [1.0])           # 0.9·1 + 0.1·1


def test_progress_bar_counts_the_steps_that_will_run(capsys):
    # 200 rows in batches of 50: 4 steps per epoch; 10 epochs capped at 6 steps.
    X, y = _blobs()
    model = _mlp()
    m.fit(model, X, y, optimizer=m.SGD(model.parameters(), lr=0.1), epochs=10, batch_size=50, max_steps=6,
          progress=True)
    err = capsys.readouterr().err
    assert "0/6 [" in err and "step/s" in err and "/40" not in err      # tqdm draws at the start, then throttled
    assert "IProgress" not in err and "Warning" not in err


@pytest.mark.parametrize("env, wanted", [({"JPY_SESSION_NAME": "chapter.ipynb"}, True), ({}, False)])
def test_progress_auto_shows_a_bar_only_for_a_person(monkeypatch, capsys, env, wanted):
    # A kernel started by a Jupyter server has JPY_SESSION_NAME; nbclient, nbval and book builds do not.
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    X, y = _blobs()
    model = _mlp()
    m.fit(model, X, y, optimizer=m.SGD(model.parameters(), lr=0.1), epochs=1, batch_size=50)
    assert ("0/4 [" in capsys.readouterr().err) == wanted


def test_history_plot_names_the_training_curves_as_asked():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    _, hist = _run(epochs=2, eval_train="batch")
    fig, axes = plt.subplots(1, 2)
    m.plots.training_history(hist, axes, train_label="training (last batch)")
    assert [t.get_text() for t in axes[1].get_legend().get_texts()] == ["training (last batch)", "validation"]
    plt.close(fig)


def test_layers_scan_their_inputs_except_inside_fit_where_the_data_were_validated_once():
    from mlcore._validation import batches_validated_upstream
    layer, bad = m.Linear(3, 2, seed=0), np.array([[0.0, np.nan, 1.0]], dtype=np.float32)
    with pytest.raises(FloatingPointError, match="x must be finite"):
        layer.forward(bad)
    with batches_validated_upstream():
        assert np.isnan(layer.forward(bad)).any()             # not scanned again inside fit
        with pytest.raises(FloatingPointError, match="the loss is nan"):
            m.SoftmaxCrossEntropy().forward(layer.forward(bad), np.array([1]))   # divergence still caught
    with pytest.raises(FloatingPointError, match="x must be finite"):
        layer.forward(bad)                                     # restored after the block
    model = m.Sequential(m.Linear(3, 2, seed=0))
    with pytest.raises(ValueError, match="X must be finite"):                # fit validates the data up front
        m.fit(model, bad, np.array([1]), optimizer=m.SGD(model.parameters(), lr=0.1), epochs=1, batch_size=1)
