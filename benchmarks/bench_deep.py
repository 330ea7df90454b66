"""How fast does mlcore train the Sapienza chapter's deep networks, against scikit-learn, PyTorch and the hardware?

Run from the project's environment:

    python benchmarks/bench_deep.py               # both networks, CIFAR-10-sized random data
    python benchmarks/bench_deep.py --repeats 1   # quicker

Two networks, float32, batch 200, Adam (lr 1e-3), L2 penalty ½·1e-4·‖W‖² (PyTorch's
``weight_decay=1e-4`` on the weights), one epoch each, on random CIFAR-10-shaped rows
(3 072 features, 10 classes) — speed does not depend on the pixel values:

* **plain**: 3072-2000-700-10 ReLU, 9 800 rows — against scikit-learn's
  ``MLPClassifier(solver="adam")`` (float32) and PyTorch;
* **best**: the report's best net as its code builds it — 3072-2000, ReLU, dropout 0.4,
  2000-700, batch norm, ReLU, 700-10 — on 49 000 rows, against PyTorch.

Every figure is measured in the same run, and the floors come from this machine:

* GEMM floor: the epoch's matrix-multiply FLOPs over the float32 rate of a 2048² product;
* memory floor: Adam's least traffic — read w, g, m, v and write w, m, v once per
  parameter per step — over the copy bandwidth of a large array (``np.copyto``);
* combined floor: their sum (the two cannot overlap much in NumPy).

floor / mlcore is the share of the combined floor mlcore reaches; mlcore / sklearn and
mlcore / torch are epoch-time ratios (< 1: mlcore is faster).  BLAS / mlcore and
Adam / mlcore are the shares of mlcore's epoch that the epoch's matrix products alone
(back to back, same shapes) and its Adam steps alone take: what is left is everything
else.  bound / sklearn is the least any NumPy implementation making these products could
reach against scikit-learn: the products alone plus Adam's memory floor, with everything
else free.  mlcore, PyTorch and the floors use identical initial weights (He-normal,
seeded); scikit-learn draws its own.  PyTorch is optional (never a project dependency):
without it that column is skipped.
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

FEATURES, CLASSES, BATCH, LR, DECAY = 3072, 10, 200, 1e-3, 1e-4
HIDDEN = (2000, 700)




def copy_bandwidth(n_bytes: int = 256 << 20, repeats: int = 5) -> float:
    """Bytes per second moved by copying a large float32 array (one read + one write per byte)."""
    src = np.ones(n_bytes // 4, dtype=np.float32)
    dst = np.empty_like(src)
    np.copyto(dst, src)
    return 2 * n_bytes / min(common.timed(lambda: np.copyto(dst, src)) for _ in range(repeats))


def widths():
    return (FEATURES, *HIDDEN, CLASSES)


def n_weights() -> int:
    w = widths()
    return sum(a * b + b for a, b in zip(w[:-1], w[1:]))


def epoch_flops(rows: int) -> float:
    """Forward, weight gradients, and input gradients of every layer but the first."""
    w = widths()
    products = [a * b for a, b in zip(w[:-1], w[1:])]
    return 2 * rows * (2 * sum(products) + sum(products[1:]))


def adam_bytes(rows: int) -> float:
    """Adam's least memory traffic for one epoch: 7 float32 accesses per parameter per step."""
    return 7 * 4 * n_weights() * -(-rows // BATCH)


def data(rows: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(rows, FEATURES)).astype(np.float32), rng.integers(0, CLASSES, rows)


def initial_weights(seed: int = 0):
    rng = np.random.default_rng(seed)
    w = widths()
    return [(rng.normal(0, np.sqrt(2.0 / a), (a, b)).astype(np.float32), np.zeros(b, np.float32))
            for a, b in zip(w[:-1], w[1:])]


def mlcore_model(best: bool) -> m.Sequential:
    layers = []
    for i, (W, b) in enumerate(initial_weights()):
        linear = m.Linear(*W.shape, init=W)
        linear.bias.value[...] = b
        layers.append(linear)
        if i < len(HIDDEN):
            if best and i == 1:
                layers.append(m.BatchNorm1d(W.shape[1]))
            layers.append(m.ReLU())
            if best and i == 0:
                layers.append(m.Dropout(0.4, seed=0))
    return m.Sequential(*layers)


def run_mlcore(X, y, best: bool) -> float:
    model = mlcore_model(best)
    opt = m.Adam(model.parameters(), lr=LR)
    return common.timed(lambda: m.fit(model, X, y, optimizer=opt, epochs=1, batch_size=BATCH, seed=0,
                                penalty=m.L2Penalty(DECAY, half=True), progress=False))


def run_sklearn(X, y) -> float:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    clf = MLPClassifier(hidden_layer_sizes=HIDDEN, activation="relu", solver="adam", alpha=DECAY,
                        batch_size=BATCH, learning_rate_init=LR, max_iter=1, shuffle=True, random_state=0,
                        tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return common.timed(lambda: clf.fit(X, y))


def run_torch(X, y, best: bool) -> float:
    import torch
    torch.manual_seed(0)
    layers = []
    for i, (W, b) in enumerate(initial_weights()):
        linear = torch.nn.Linear(*W.shape)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W.T.copy()))
            linear.bias.copy_(torch.from_numpy(b))
        layers.append(linear)
        if i < len(HIDDEN):
            if best and i == 1:
                layers.append(torch.nn.BatchNorm1d(W.shape[1]))
            layers.append(torch.nn.ReLU())
            if best and i == 0:
                layers.append(torch.nn.Dropout(0.4))
    net = torch.nn.Sequential(*layers)
    weights = [p for name, p in net.named_parameters() if name.endswith("weight") and p.ndim == 2]
    others = [p for name, p in net.named_parameters() if not (name.endswith("weight") and p.ndim == 2)]
    opt = torch.optim.Adam([{"params": weights, "weight_decay": DECAY}, {"params": others}], lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def epoch():
        order = torch.randperm(Xt.shape[0])
        for i in range(0, Xt.shape[0], BATCH):
            rows = order[i:i + BATCH]
            opt.zero_grad(set_to_none=True)
            loss_fn(net(Xt[rows]), yt[rows]).backward()
            opt.step()

    return common.timed(epoch)


def blas_only_time(rows: int, repeats: int = 3) -> float:
    """Seconds the epoch's matrix products take alone, back to back, at the epoch's shapes."""
    rng = np.random.default_rng(0)
    w = widths()
    acts = [rng.random((BATCH, a), dtype=np.float32) for a in w[:-1]]
    grads = [rng.random((BATCH, b), dtype=np.float32) for b in w[1:]]
    weights = [rng.random((a, b), dtype=np.float32) for a, b in zip(w[:-1], w[1:])]

    def step():
        for x, W in zip(acts, weights):
            x @ W                                         # forward
        for i, (x, d, W) in enumerate(zip(acts, grads, weights)):
            x.T @ d                                       # weight gradient
            if i > 0:
                d @ W.T                                   # input gradient (not for the first layer)
    step()
    steps = -(-rows // BATCH)
    return min(common.timed(lambda: [step() for _ in range(steps)]) for _ in range(repeats))


def adam_only_time(rows: int, repeats: int = 3) -> float:
    """Seconds mlcore's Adam steps take alone for one epoch (gradients already in place)."""
    model = mlcore_model(best=False)
    for p in model.parameters():
        p.grad = np.full_like(p.value, 1e-3)
    opt = m.Adam(model.parameters(), lr=LR)
    opt.step()
    steps = -(-rows // BATCH)
    return min(common.timed(lambda: [opt.step() for _ in range(steps)]) for _ in range(repeats))


def median(fn, repeats, *args) -> float:
    return statistics.median(fn(*args) for _ in range(repeats))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="epochs timed per library (median)")
    parser.add_argument("--plain-rows", type=int, default=9_800)
    parser.add_argument("--best-rows", type=int, default=49_000)
    args = parser.parse_args(argv)
    torch_version = common.torch_version()

    rate, bandwidth = common.gemm_rate(), copy_bandwidth()
    print(f"machine: {platform.machine()}, {len(os.sched_getaffinity(0))} cores, numpy {np.__version__}, "
          f"python {platform.python_version()}; PyTorch: {torch_version or 'not installed (column skipped)'}")
    print(f"float32 GEMM rate {rate / 1e9:.0f} GFLOP/s; copy bandwidth {bandwidth / 1e9:.1f} GB/s; "
          f"{n_weights():,} parameters; times are medians of {args.repeats} epochs")
    print()
    header = (f"{'network':<7} | {'rows':>6} | {'mlcore s':>8} | {'sklearn s':>9} | {'torch s':>7} | "
              f"{'GEMM floor':>10} | {'memory floor':>12} | {'combined':>8} | {'floor/mlcore':>12} | "
              f"{'mlcore/sklearn':>14} | {'mlcore/torch':>12} | {'BLAS/mlcore':>11} | {'Adam/mlcore':>11} | "
              f"{'bound/sklearn':>13}")
    print(header)
    print("-" * len(header))
    for name, rows, best in (("plain", args.plain_rows, False), ("best", args.best_rows, True)):
        X, y = data(rows)
        t_ml = median(run_mlcore, args.repeats, X, y, best)
        t_sk = median(run_sklearn, args.repeats, X, y) if not best else np.nan
        t_to = median(run_torch, args.repeats, X, y, best) if torch_version else np.nan
        gemm_floor, memory_floor = epoch_flops(rows) / rate, adam_bytes(rows) / bandwidth
        combined = gemm_floor + memory_floor
        t_blas, t_adam = blas_only_time(rows), adam_only_time(rows)
        print(f"{name:<7} | {rows:>6} | {t_ml:>8.2f} | {t_sk:>9.2f} | {t_to:>7.2f} | {gemm_floor:>9.2f}s | "
              f"{memory_floor:>11.2f}s | {combined:>7.2f}s | {combined / t_ml:>12.0%} | {t_ml / t_sk:>14.2f} | "
              f"{t_ml / t_to:>12.2f} | {t_blas / t_ml:>11.0%} | {t_adam / t_ml:>11.0%} | "
              f"{(t_blas + memory_floor) / t_sk:>13.2f}")


if __name__ == "__main__":
    main()
