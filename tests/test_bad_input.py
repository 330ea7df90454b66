"""Every public entry point refuses bad input with a message that names it."""
import numpy as np
import pytest

import mlcore as m


def _model():
    return m.Sequential(m.Linear(4, 3, seed=0), m.ReLU(), m.Linear(3, 2, seed=1))


def _fit(X=None, y=None, **kwargs):
    model = kwargs.pop("model", None) or _model()
    X = np.zeros((10, 4)) if X is None else X
    y = np.zeros(10, dtype=int) if y is None else y
    optimizer = m.SGD(_model().parameters() if isinstance(model, str) else model.parameters(), lr=0.1)
    opts = dict(optimizer=optimizer, epochs=1, batch_size=5)
    opts.update(kwargs)
    return m.fit(model, X, y, **opts)


CASES = [
    (dict(X=np.zeros(10)), ValueError, r"X must be 2-D; received an array of shape \(10,\)"),
    (dict(X=np.zeros((10, 4)), y=np.zeros(9, dtype=int)), ValueError,
     r"X and y must have the same number of rows; received 10 and 9"),
    (dict(X=np.full((10, 4), np.nan)), ValueError, r"X must be finite; received 40 NaN or infinite"),
    (dict(X=np.full((10, 4), np.inf)), ValueError, r"X must be finite"),
    (dict(y=np.array([0, 1, 2, 0, 1, 0, 0, 0, 0, 0])), ValueError,
     r"y must be < n_classes=2; received label 2"),
    (dict(y=-np.ones(10, dtype=int)), ValueError, r"y must be non-negative; received minimum label -1"),
    (dict(y=np.full(10, 0.5)), ValueError, r"y must hold whole-number labels"),
    (dict(y=np.array(["a"] * 10)), TypeError, r"y must hold integer labels"),
    (dict(X=np.zeros((0, 4)), y=np.zeros(0, dtype=int)), ValueError, r"X must not be empty"),
    (dict(X=np.array([["a"] * 4] * 10)), TypeError, r"X must hold real numbers"),
    (dict(X=np.zeros((10, 5))), ValueError, r"X must have 4 columns, the model's input width; received 5"),
    (dict(batch_size=0), ValueError, r"batch_size must be >= 1; received 0"),
    (dict(batch_size=11), ValueError, r"batch_size must be <= the number of training rows \(10\); received 11"),
    (dict(batch_size=2.5), TypeError, r"batch_size must be an integer; received float 2.5"),
    (dict(epochs=0), ValueError, r"epochs must be >= 1; received 0"),
    (dict(eval_every=-1), ValueError, r"eval_every must be >= 1; received -1"),
    (dict(patience=3), ValueError, r"patience \(early stopping\) needs validation data"),
    (dict(validation=np.zeros((3, 4))), TypeError, r"validation must be a pair \(X_val, y_val\)"),
    (dict(validation=(np.zeros((3, 5)), np.zeros(3, dtype=int))), ValueError,
     r"validation\[0\] must have 4 columns, the model's input width; received 5"),
    (dict(validation=(np.zeros((3, 4)), np.zeros(2, dtype=int))), ValueError,
     r"validation\[0\] and validation\[1\] must have the same number of rows; received 3 and 2"),
    (dict(lr_decay=-0.5), ValueError, r"lr_decay must be finite and > 0; received -0.5"),
    (dict(optimizer="sgd"), TypeError, r"optimizer must be an mlcore Optimizer; received str"),
    (dict(model="net"), TypeError, r"model must be an mlcore Sequential; received str"),
]


@pytest.mark.parametrize("kwargs,error,message", CASES, ids=[c[2][:40] for c in CASES])
def test_fit_rejects(kwargs, error, message):
    with pytest.raises(error, match=message):
        _fit(**kwargs)


def test_sigmoid_model_rejects_non_binary_targets():
    model = m.Sequential(m.Linear(4, 1), output="sigmoid")
    with pytest.raises(ValueError, match=r"y must hold 0/1 targets for a sigmoid-output model"):
        _fit(model=model, y=np.arange(10))


@pytest.mark.parametrize("call,error,message", [
    (lambda: m.SGD(_model().parameters(), lr=0), ValueError, r"lr must be finite and > 0; received 0"),
    (lambda: m.SGD(_model().parameters(), lr=-1.0), ValueError, r"lr must be finite and > 0; received -1.0"),
    (lambda: m.SGD(_model().parameters(), lr=float("nan")), ValueError, r"lr must be finite"),
    (lambda: m.SGD(_model().parameters(), lr=0.1, momentum=1.5), ValueError, r"momentum must lie in \[0, 1\)"),
    (lambda: m.SGD([], lr=0.1), ValueError, r"the optimizer received no parameters"),
    (lambda: m.Adam(_model().parameters(), betas=(0.9,)), ValueError, r"betas must be a pair"),
    (lambda: m.make_optimizer("rmsprop", _model().parameters(), lr=0.1), ValueError,
     r"optimizer must be one of \['adam', 'sgd'\]; received 'rmsprop'"),
    (lambda: m.Linear(0, 3), ValueError, r"n_in must be finite and > 0; received 0"),
    (lambda: m.Linear(3, 2, init="xavier"), ValueError,
     r"init must be one of \['glorot', 'he', 'normal', 'zeros'\]; received 'xavier'"),
    (lambda: m.Linear(3, 2, init=np.zeros((2, 3))), ValueError,
     r"init must have shape \(n_in, n_out\)=\(3, 2\); received shape \(2, 3\)"),
    (lambda: m.Linear(3, 2).weight.set_grad_product(np.zeros((4, 2)), np.zeros((4, 2))), ValueError,
     r"grad product aᵀb must match weight of shape \(3, 2\); received a of shape \(4, 2\) and b of shape \(4, 2\)"),
    (lambda: m.Dropout(1.0), ValueError, r"p must lie in \[0, 1\); received 1.0"),
    (lambda: m.Sequential(), ValueError, r"Sequential needs at least one layer"),
    (lambda: m.Sequential(m.Linear(2, 2), "relu"), TypeError, r"layer 1 must be an mlcore Layer; received str"),
    (lambda: m.Sequential(m.Linear(2, 2), output="tanh"), ValueError, r"output must be one of"),
    (lambda: m.Linear(2, 2).backward(np.zeros((1, 2))), RuntimeError,
     r"Linear.backward was called before forward"),
    (lambda: m.Sigmoid().backward(np.zeros((1, 2))), RuntimeError, r"Sigmoid.backward was called before forward"),
    (lambda: m.SoftmaxCrossEntropy().backward(), RuntimeError, r"SoftmaxCrossEntropy.backward was called before forward"),
    (lambda: m.SoftmaxCrossEntropy()(np.zeros((2, 3)), np.array([[0.5, 0.5, 0.5]] * 2)), ValueError,
     r"one-hot targets must be non-negative with rows summing to 1"),
    (lambda: m.SoftmaxCrossEntropy()(np.zeros(3), np.array([0])), ValueError, r"logits must be 2-D"),
    (lambda: m.SigmoidBinaryCrossEntropy()(np.zeros(2), np.array([0.0, 2.0])), ValueError,
     r"targets must lie in \[0, 1\]"),
    (lambda: m.BatchNorm1d(3).forward(np.zeros((1, 3), dtype=np.float32)), ValueError,
     r"x must have at least 2 rows for BatchNorm1d in training mode"),
    (lambda: m.L2Penalty(-0.1), ValueError, r"lam must be finite and >= 0; received -0.1"),
    (lambda: m.one_hot([0.5], 2), ValueError, r"labels must hold whole-number labels"),
    (lambda: m.split_last(np.zeros((5, 2)), np.zeros(5), 5), ValueError, r"n_val must be smaller than"),
    (lambda: m.scale_pixels(np.array([[300.0]])), ValueError, r"X must hold raw pixel values in \[0, 255\]"),
    (lambda: m.binary_subset(np.zeros((3, 1)), [1, 2, 3], 2, 2), ValueError, r"positive and negative must differ"),
    (lambda: m.numerical_gradient(lambda: 0.0, np.zeros(3, dtype=np.float32)), TypeError,
     r"x must be a float64 NumPy array"),
    (lambda: m.relative_error(np.zeros(2), np.zeros(3)), ValueError, r"must have the same shape"),
    (lambda: m.read_idx("no/such/file.idx"), FileNotFoundError, r"IDX file not found"),
    (lambda: m.Sequential(m.Linear(2, 2)).predict(np.zeros(2)), ValueError, r"X must be 2-D"),
    (lambda: m.Sequential(m.Linear(4, 3), m.ReLU(), m.Linear(5, 2)), ValueError,
     r"layer 2 \(Linear\(5, 2, bias=True\)\) expects 5 inputs but layer 0 produces 3"),
    (lambda: m.activation("gelu"), ValueError, r"activation must be one of \['relu', 'sigmoid', 'tanh'\]; received 'gelu'"),
    (lambda: m.Sequential(m.Linear(2, 2)).load_state_dict({"0.weight": np.zeros((3, 3)), "0.bias": np.zeros(2)}),
     ValueError, r"state\['0.weight'\] must have shape \(2, 2\); received \(3, 3\)"),
    (lambda: m.evaluate(m.Sequential(m.Linear(2, 2)), np.zeros((3, 2)), np.zeros(4, dtype=int)), ValueError,
     r"X and y must have the same number of rows; received 3 and 4"),
    (lambda: m.load_synth(num_train=0), ValueError, r"num_train must be finite and > 0; received 0"),
    (lambda: m.datasets.synth_quadratic(np.zeros((4, 3))), ValueError,
     r"x must hold points of 2 coordinates in its last axis; received shape \(4, 3\)"),
    (lambda: m.datasets.synth_quadratic(np.zeros((4, 2)), revision=2021), ValueError, r"revision must be one of"),
    (lambda: m.Linear(2, 2, init="normal", std=-1.0), ValueError, r"std must be finite and > 0; received -1.0"),
    (lambda: m.BatchNorm1d(3).forward(np.zeros((4, 2), dtype=np.float32)), ValueError,
     r"x must have shape \(N, 3\) for BatchNorm1d\(3\); received shape \(4, 2\)"),
    (lambda: m.ScalarNetwork.assignment_example().train_epoch([[0.0, 0.0]], [0], lr=0), ValueError, r"lr must be finite and > 0; received 0"),
])
def test_api_rejects(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_activation_factory():
    assert isinstance(m.activation("tanh"), m.Tanh)


def test_validation_data_with_nan_is_refused():
    with pytest.raises(ValueError, match=r"validation\[0\] must be finite; received 1 NaN"):
        _fit(validation=(np.array([[0.0, 0.0, np.nan, 0.0]]), np.array([0])))


def test_validation_labels_out_of_range_are_refused():
    with pytest.raises(ValueError, match=r"validation\[1\] must be < n_classes=2; received label 7"):
        _fit(validation=(np.zeros((2, 4)), np.array([0, 7])))


def test_nothing_downloaded_is_unpickled(tmp_path, monkeypatch):
    """The CIFAR-10 and IDX readers never reach pickle, even on files that look like pickles."""
    import pickle
    def refuse(*args, **kwargs):
        raise AssertionError("pickle was used")
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(np, "load", refuse)
    records = np.zeros((2, 3073), dtype=np.uint8)
    for k in range(1, 6):
        (tmp_path / f"data_batch_{k}.bin").write_bytes(records.tobytes())
    (tmp_path / "test_batch.bin").write_bytes(records.tobytes())
    assert m.load_cifar10_from(tmp_path).X_train.shape == (10, 3072)
    (tmp_path / "data_batch_1.bin").write_bytes(pickle.dumps({"data": 1}, protocol=2))
    with pytest.raises(ValueError, match=r"data_batch_1.bin"):
        m.load_cifar10_from(tmp_path)


def test_finite_data_whose_sum_overflows_is_accepted():
    from mlcore._validation import as_float_array
    X = np.full((10, 4), 3e38, dtype=np.float32)             # every value finite, the float32 sum is not
    assert as_float_array(X, "X") is X
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"X must be finite; received 1 NaN or infinite value"):
        as_float_array(X, "X")


# -- cases an outside fuzz found (issue: no silent failure) ------------------------------

def test_numerical_gradient_perturbs_a_non_contiguous_input():
    base = np.arange(12, dtype=np.float64).reshape(3, 4)
    x = base[:, ::2]                                  # a strided view: reshape(-1) would copy it
    grad = m.numerical_gradient(lambda: float(np.sum(x ** 2)), x)
    np.testing.assert_allclose(grad, 2 * x, rtol=1e-6)


def test_corrupt_gzip_body_is_refused_by_file_name(tmp_path):
    import gzip
    good = gzip.compress(b"\x00\x00\x08\x01" + (4).to_bytes(4, "big") + bytes(4))
    bad = good[:12] + bytes(b ^ 0xFF for b in good[12:-8]) + good[-8:]
    path = tmp_path / "labels-idx1-ubyte.gz"
    path.write_bytes(bad)
    with pytest.raises(ValueError, match=r"labels-idx1-ubyte.gz: cannot be read as IDX"):
        m.read_idx(path)


def test_idx_header_whose_size_overflows_int64_is_refused(tmp_path):
    path = tmp_path / "huge.idx"
    path.write_bytes(b"\x00\x00\x08\x03" + b"\xff\xff\xff\xff" * 3)
    with pytest.raises(ValueError, match=r"huge.idx: IDX header declares shape .* the header is corrupt"):
        m.read_idx(path)


def test_scalar_backward_of_a_confidently_wrong_prediction_is_y_minus_t():
    net = m.ScalarNetwork([[1000.0], [0.0]], [0.0], [[-1000.0, 1000.0]], [0.0, 0.0])
    fwd = net.forward([1.0, 0.0], 0)
    assert fwd.y[0] == 0.0                             # underflowed
    grads = net.backward([1.0, 0.0], 0, fwd)
    assert grads.do == [-1.0, 1.0]


def test_truthy_strings_are_not_booleans():
    with pytest.raises(TypeError, match=r"full must be True or False; received str 'no'"):
        m.load_mnist(full="no")
    with pytest.raises(TypeError, match=r"half must be True or False; received str 'yes'"):
        m.L2Penalty(0.1, half="yes")


def test_lists_reach_layers_as_arrays():
    out = m.Linear(2, 3, seed=0).forward([[1.0, 2.0]])
    assert out.shape == (1, 3)


def test_a_failed_refit_leaves_the_estimator_unfitted():
    from sklearn.exceptions import NotFittedError
    from mlcore.sklearn import MLPClassifier
    X, y = np.random.default_rng(0).normal(size=(30, 2)), np.arange(30) % 2
    clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=0).fit(X, y)
    clf.set_params(solver="sgd", learning_rate_init=1e30)
    with pytest.raises(FloatingPointError):
        clf.fit(X * 1e3, y)
    with pytest.raises(NotFittedError):
        clf.predict(X)
    clf.set_params(learning_rate_init=0.01).fit(X, y)
    with pytest.raises(ValueError, match=r"learning_rate_init must be finite and > 0; received -1"):
        clf.set_params(learning_rate_init=-1).fit(X, y)
    assert not hasattr(clf, "model_") and not hasattr(clf, "classes_")
    with pytest.raises(NotFittedError):
        clf.predict_proba(X)


@pytest.mark.parametrize("call, error, message", [
    (lambda: m.plots.mean_std_band([1, 2, 3], [[1, 2]], label="a"), ValueError,
     r"runs must have one column per entry of x \(3\); received shape \(1, 2\)"),
    (lambda: m.plots.scatter_classes(np.zeros((3, 2)), [0, 1, 2]), ValueError, r"y must be < n_classes=2"),
    (lambda: m.plots.decision_regions("not a function"), TypeError, r"predict must be callable"),
    (lambda: m.plots.decision_regions(lambda p: p[:, 0], lo=1, hi=0), ValueError, r"lo must be smaller than hi"),
    (lambda: m.plots.region_grid(steps=0), ValueError, r"steps must be finite and > 0; received 0"),
    (lambda: m.plots.confusion_heatmap([0, 1], [0, 12]), ValueError, r"y_pred must be < n_classes=10"),
    (lambda: m.plots.confusion_heatmap([0, 1], [0, 1], class_names=("cat", "dog")), ValueError,
     r"class_names must name each of the 10 classes; received 2 names"),
    (lambda: m.plots.weight_images(np.zeros((10, 2)), None), ValueError, r"W must have 784 rows"),
    (lambda: m.plots.rgb_weight_images(np.zeros((784, 2)), None), ValueError,
     r"W must have one row per value of a \(3, 32, 32\) channel-major RGB image \(3072 rows\); received shape \(784, 2\)"),
    (lambda: m.plots.training_history({"loss": [1]}, (None, None)), TypeError, r"history must be the History"),
    (lambda: m.plots.training_history(m.History(), (None, None), train_label=1), TypeError,
     r"train_label must be a string; received int"),
], ids=["mean_std_band", "scatter_classes", "decision_regions predict", "decision_regions lo/hi",
        "region_grid steps",
        "confusion_heatmap", "confusion_heatmap class_names", "weight_images", "rgb_weight_images",
        "training_history", "training_history train_label"])
def test_plot_helpers_refuse_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()
