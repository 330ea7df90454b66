"""The two-layer network of the VU Amsterdam assignment, in pure Python.

Lists and loops only, no NumPy: the point is to see every multiplication of
backpropagation written out.  Shapes follow the assignment: an input ``x`` of
length 2, ``W`` is 2×3 (input × hidden), ``V`` is 3×2 (hidden × output).
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

Vector = list[float]
Matrix = list[list[float]]


def scalar_sigmoid(value: float) -> float:
    """Logistic function of one float, with no overflow for large ``|value|``."""
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    e = math.exp(value)
    return e / (1.0 + e)


def scalar_softmax(values: Vector) -> Vector:
    """Softmax of a list, shifted by its maximum so ``exp`` cannot overflow."""
    top = max(values)
    exps = [math.exp(v - top) for v in values]
    total = sum(exps)
    return [e / total for e in exps]


@dataclass
class ScalarForward:
    """Every intermediate value of one forward pass."""
    k: Vector      # hidden pre-activations, length H
    h: Vector      # hidden activations sigmoid(k), length H
    o: Vector      # output logits, length C
    y: Vector      # softmax probabilities, length C
    loss: float    # -log y[target]


@dataclass
class ScalarGradients:
    """Gradients of the loss with respect to every parameter and intermediate."""
    dy: Vector
    do: Vector
    dV: Matrix
    dc: Vector
    dh: Vector
    dk: Vector
    dW: Matrix
    db: Vector


class ScalarNetwork:
    """``x -> k = xW + b -> h = sigmoid(k) -> o = hV + c -> y = softmax(o)``.

    Parameters are plain nested lists: ``W[i][j]`` joins input ``i`` to hidden
    unit ``j``; ``V[j][m]`` joins hidden unit ``j`` to output ``m``.
    """

    def __init__(self, W: Matrix, b: Vector, V: Matrix, c: Vector):
        n_in, n_hidden, n_out = len(W), len(b), len(c)
        if n_in == 0 or n_hidden == 0 or n_out == 0:
            raise ValueError("W, b and c must be non-empty; received "
                             f"len(W)={n_in}, len(b)={n_hidden}, len(c)={n_out}")
        if any(len(row) != n_hidden for row in W):
            raise ValueError(f"every row of W must have len(b)={n_hidden} entries; "
                             f"received row lengths {[len(r) for r in W]}")
        if len(V) != n_hidden or any(len(row) != n_out for row in V):
            raise ValueError(f"V must be {n_hidden}×{n_out} (hidden × output); received "
                             f"{len(V)} rows of lengths {[len(r) for r in V]}")
        self.W = [list(map(float, row)) for row in W]
        self.b = list(map(float, b))
        self.V = [list(map(float, row)) for row in V]
        self.c = list(map(float, c))

    @classmethod
    def assignment_example(cls) -> "ScalarNetwork":
        """The fixed network of question 3: W = [[1,1,1],[-1,-1,-1]], V = [[1,1],[-1,-1],[-1,-1]], zero biases."""
        return cls(W=[[1.0, 1.0, 1.0], [-1.0, -1.0, -1.0]], b=[0.0, 0.0, 0.0],
                   V=[[1.0, 1.0], [-1.0, -1.0], [-1.0, -1.0]], c=[0.0, 0.0])

    @classmethod
    def random(cls, n_in: int = 2, n_hidden: int = 3, n_out: int = 2, *, std: float = 1.0,
               seed: int = 0) -> "ScalarNetwork":
        """Weights drawn from N(0, std²) with a seeded ``random.Random``; zero biases."""
        rng = random.Random(seed)
        W = [[rng.gauss(0.0, std) for _ in range(n_hidden)] for _ in range(n_in)]
        V = [[rng.gauss(0.0, std) for _ in range(n_out)] for _ in range(n_hidden)]
        return cls(W, [0.0] * n_hidden, V, [0.0] * n_out)

    @property
    def sizes(self) -> tuple[int, int, int]:
        return len(self.W), len(self.b), len(self.c)

    def _check_example(self, x, target) -> None:
        n_in, _, n_out = self.sizes
        if len(x) != n_in:
            raise ValueError(f"x must have {n_in} entries; received {len(x)}")
        if not isinstance(target, int) or isinstance(target, bool) or not 0 <= target < n_out:
            raise ValueError(f"target must be an int class index in [0, {n_out}); received {target!r}")

    def forward(self, x: Vector, target: int) -> ScalarForward:
        """Forward pass of one example; ``target`` is the index of the true class."""
        self._check_example(x, target)
        n_in, n_hidden, n_out = self.sizes
        k = [self.b[j] + sum(x[i] * self.W[i][j] for i in range(n_in)) for j in range(n_hidden)]
        h = [scalar_sigmoid(kj) for kj in k]
        o = [self.c[m] + sum(h[j] * self.V[j][m] for j in range(n_hidden)) for m in range(n_out)]
        y = scalar_softmax(o)
        top = max(o)
        log_norm = top + math.log(sum(math.exp(om - top) for om in o))
        loss = log_norm - o[target]          # -log y[target], without taking log of y
        return ScalarForward(k=k, h=h, o=o, y=y, loss=loss)

    def backward(self, x: Vector, target: int, fwd: ScalarForward) -> ScalarGradients:
        """Backward pass through every local derivative, from the loss to ``W``.

        ``do`` is assembled from ``dy`` and the softmax Jacobian, not from the
        shortcut ``y - t``, so that the shortcut can be checked against it.
        """
        n_in, n_hidden, n_out = self.sizes
        y = fwd.y
        dy = [(-1.0 / y[m]) if m == target else 0.0 for m in range(n_out)]
        # dl/do_i = sum_m dl/dy_m * dy_m/do_i, with dy_m/do_i = y_m (δ_mi − y_i)
        do = [sum(dy[m] * y[m] * ((1.0 if m == i else 0.0) - y[i]) for m in range(n_out))
              for i in range(n_out)]
        dV = [[fwd.h[j] * do[m] for m in range(n_out)] for j in range(n_hidden)]
        dc = list(do)
        dh = [sum(do[m] * self.V[j][m] for m in range(n_out)) for j in range(n_hidden)]
        dk = [dh[j] * fwd.h[j] * (1.0 - fwd.h[j]) for j in range(n_hidden)]
        dW = [[x[i] * dk[j] for j in range(n_hidden)] for i in range(n_in)]
        db = list(dk)
        return ScalarGradients(dy=dy, do=do, dV=dV, dc=dc, dh=dh, dk=dk, dW=dW, db=db)

    def sgd_step(self, grads: ScalarGradients, lr: float) -> None:
        """``θ ← θ − lr · ∂l/∂θ`` for every parameter."""
        for row, grow in zip(self.W, grads.dW):
            for j, g in enumerate(grow):
                row[j] -= lr * g
        for j, g in enumerate(grads.db):
            self.b[j] -= lr * g
        for row, grow in zip(self.V, grads.dV):
            for m, g in enumerate(grow):
                row[m] -= lr * g
        for m, g in enumerate(grads.dc):
            self.c[m] -= lr * g

    def train_step(self, x: Vector, target: int, lr: float) -> float:
        """One SGD step on one example; returns the loss before the update."""
        fwd = self.forward(x, target)
        self.sgd_step(self.backward(x, target, fwd), lr)
        return fwd.loss

    def mean_loss(self, X, targets) -> float:
        """Mean loss over a data set (rows of ``X``, integer ``targets``)."""
        return sum(self.forward(list(x), int(t)).loss for x, t in zip(X, targets)) / len(X)

    def predict(self, x: Vector) -> int:
        """Index of the largest logit."""
        fwd = self.forward(x, 0)
        return max(range(len(fwd.o)), key=fwd.o.__getitem__)

    def train_epoch(self, X, targets, lr: float, *, order=None) -> list[float]:
        """Plain SGD over the rows of ``X`` in ``order`` (default: as given).

        Returns the loss of every example, measured just before its own update.
        """
        if len(X) != len(targets):
            raise ValueError(f"X and targets must have the same length; received {len(X)} and {len(targets)}")
        if not lr > 0:
            raise ValueError(f"lr must be > 0; received {lr!r}")
        indices = range(len(X)) if order is None else order
        losses = []
        for n in indices:
            loss = self.train_step([float(v) for v in X[n]], int(targets[n]), lr)
            if not math.isfinite(loss):
                raise FloatingPointError(f"the loss became non-finite at example {len(losses)} of the "
                                         f"epoch (lr={lr}); try a smaller learning rate")
            losses.append(loss)
        return losses
