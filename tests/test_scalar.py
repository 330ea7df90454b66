"""The pure-Python network against SPEC §A Q3 and against the vectorised path."""
import numpy as np
import pytest

import mlcore as m

X0, TARGET = [1.0, -1.0], 0


@pytest.fixture
def example():
    net = m.ScalarNetwork.assignment_example()
    fwd = net.forward(X0, TARGET)
    return net, fwd, net.backward(X0, TARGET, fwd)


def test_forward_reproduces_the_assignment(example):
    _, fwd, _ = example
    assert fwd.k == [2.0, 2.0, 2.0]
    assert [round(v, 4) for v in fwd.h] == [0.8808] * 3
    assert [round(v, 4) for v in fwd.o] == [-0.8808, -0.8808]
    assert fwd.y == [0.5, 0.5]
    assert round(fwd.loss, 4) == 0.6931
    assert fwd.loss == pytest.approx(np.log(2), abs=1e-15)


def test_backward_reproduces_the_assignment(example):
    _, _, g = example
    assert [[round(v, 4) for v in row] for row in g.dV] == [[-0.4404, 0.4404]] * 3
    assert g.dc == [-0.5, 0.5]
    assert all(v == 0 for row in g.dW for v in row)
    assert g.db == [0.0, 0.0, 0.0]


def test_softmax_jacobian_route_equals_shortcut(example):
    _, fwd, g = example
    t = [1.0, 0.0]
    assert g.do == pytest.approx([yi - ti for yi, ti in zip(fwd.y, t)], abs=1e-15)


def _vectorised_copy(net):
    return m.Sequential(m.Linear(2, 3, init=np.array(net.W), dtype=np.float64), m.Sigmoid(),
                        m.Linear(3, 2, init=np.array(net.V), dtype=np.float64))


def test_scalar_and_vectorised_networks_agree_on_random_weights():
    net = m.ScalarNetwork.random(seed=3)
    x, target = [0.3, -1.2], 1
    fwd = net.forward(x, target)
    g = net.backward(x, target, fwd)
    model = _vectorised_copy(net)
    loss = model.loss_and_gradients(np.array([x]), np.array([target]), m.SoftmaxCrossEntropy())
    assert loss == pytest.approx(fwd.loss, rel=1e-12)
    lin1, lin2 = model.layers[0], model.layers[2]
    np.testing.assert_allclose(lin1.weight.grad, g.dW, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(lin1.bias.grad, g.db, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(lin2.weight.grad, g.dV, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(lin2.bias.grad, g.dc, rtol=1e-10, atol=1e-14)


def test_scalar_gradients_match_finite_differences():
    net = m.ScalarNetwork.random(seed=5)
    x, target = [0.7, 0.1], 1
    g = net.backward(x, target, net.forward(x, target))
    h = 1e-6
    for mat, grad in ((net.W, g.dW), (net.V, g.dV)):
        for i, row in enumerate(mat):
            for j in range(len(row)):
                old = row[j]
                row[j] = old + h
                plus = net.forward(x, target).loss
                row[j] = old - h
                minus = net.forward(x, target).loss
                row[j] = old
                assert grad[i][j] == pytest.approx((plus - minus) / (2 * h), rel=1e-6, abs=1e-9)


def test_training_epoch_lowers_the_loss_and_is_deterministic():
    (X, y), _ = m.load_synth(num_train=400, num_val=10)
    X = m.minmax_scale(X)
    runs = []
    for _ in range(2):
        net = m.ScalarNetwork.random(seed=0)
        before = net.mean_loss(X, y)
        for _ in range(3):
            losses = net.train_epoch(X, y, lr=0.1)
        runs.append((before, net.mean_loss(X, y), losses[-5:]))
    assert runs[0] == runs[1]
    assert runs[0][1] < runs[0][0]


def test_scalar_network_rejects_bad_input():
    net = m.ScalarNetwork.assignment_example()
    with pytest.raises(ValueError, match=r"x must have 2 entries; received 3"):
        net.forward([1.0, 2.0, 3.0], 0)
    with pytest.raises(ValueError, match=r"target must be an int class index in \[0, 2\); received 2"):
        net.forward([1.0, 2.0], 2)
    with pytest.raises(ValueError, match=r"V must be 3×2"):
        m.ScalarNetwork(W=[[1, 1, 1], [1, 1, 1]], b=[0, 0, 0], V=[[1, 1]], c=[0, 0])


def test_an_epoch_shows_its_progress_over_the_examples_only_when_asked(capsys):
    net = m.ScalarNetwork.assignment_example()
    rows, targets = [[1.0, -1.0], [0.5, 0.2], [-1.0, 0.3]], [0, 1, 0]
    quiet = net.train_epoch(rows, targets, 0.1, progress=False)
    assert capsys.readouterr().err == ""
    net = m.ScalarNetwork.assignment_example()
    shown = net.train_epoch(rows, targets, 0.1, progress=True)
    assert "0/3 [" in capsys.readouterr().err and shown == quiet          # the bar changes nothing
    with pytest.raises(TypeError, match="progress must be True or False; received"):
        net.train_epoch(rows, targets, 0.1, progress="yes")


@pytest.mark.parametrize("seed, lr, std", [(0, 0.05, 1.0), (1, 2.0, 8.0)])
def test_a_training_step_is_forward_backward_and_sgd_bit_for_bit(seed, lr, std):
    """train_epoch fuses the three passes for speed; its weights and losses must be the very
    floats that forward, backward and a plain SGD update give, example after example.
    std=8 with lr=2 saturates softmax, so the exact-zero ends of the Jacobian are exercised."""
    rng = np.random.default_rng(seed)
    X, t = (rng.normal(size=(300, 2)) * 3).tolist(), rng.integers(0, 2, 300).tolist()
    fused = m.ScalarNetwork.random(seed=seed, std=std)
    by_hand = m.ScalarNetwork.random(seed=seed, std=std)
    losses = fused.train_epoch(X, t, lr)
    for x, target, loss in zip(X, t, losses):
        fwd = by_hand.forward(x, target)
        g = by_hand.backward(x, target, fwd)
        assert fwd.loss == loss
        by_hand.W = [[w - lr * d for w, d in zip(row, drow)] for row, drow in zip(by_hand.W, g.dW)]
        by_hand.b = [v - lr * d for v, d in zip(by_hand.b, g.db)]
        by_hand.V = [[w - lr * d for w, d in zip(row, drow)] for row, drow in zip(by_hand.V, g.dV)]
        by_hand.c = [v - lr * d for v, d in zip(by_hand.c, g.dc)]
    assert (fused.W, fused.b, fused.V, fused.c) == (by_hand.W, by_hand.b, by_hand.V, by_hand.c)
    assert fused.mean_loss(X, t) == sum(by_hand.forward(x, y).loss for x, y in zip(X, t)) / len(X)


def test_mean_loss_refuses_an_empty_data_set():
    with pytest.raises(ValueError, match="X must hold at least one row; received 0 rows"):
        m.ScalarNetwork.assignment_example().mean_loss([], [])


@pytest.mark.parametrize("margin", [700.0, 720.0, 750.0])
def test_a_confidently_wrong_prediction_still_gets_the_gradient_y_minus_t(margin):
    """Logit margins past about 710 make −1/y_c overflow (y_c subnormal, then 0 past about 745): the
    backward pass must then take do = y − t, not multiply an infinity by the Jacobian (NaN), and a
    training step must match it bit for bit."""
    net = m.ScalarNetwork(W=[[0.0, 0.0], [0.0, 0.0]], b=[0.0, 0.0], V=[[0.5, -0.5], [0.5, -0.5]], c=[0.0, margin])
    fwd = net.forward(X0, 0)
    grads = net.backward(X0, 0, fwd)
    expected_do = [fwd.y[0] - 1.0, fwd.y[1]]
    assert np.allclose(grads.do, expected_do, rtol=0, atol=1e-12)
    assert all(np.isfinite(v) for row in grads.dW + grads.dV for v in row)
    assert (grads.dy[0] == -np.inf) == (margin > 710)                  # the fallback, where −1/y_c overflows
    fused = m.ScalarNetwork(W=net.W, b=net.b, V=net.V, c=net.c)
    loss = fused.train_epoch([X0], [0], 0.1)[0]
    assert loss == fwd.loss
    assert fused.c == [c - 0.1 * d for c, d in zip(net.c, grads.dc)]
    assert fused.V == [[w - 0.1 * d for w, d in zip(row, drow)] for row, drow in zip(net.V, grads.dV)]
