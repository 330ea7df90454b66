"""The two-layer network of the VU Amsterdam assignment, in pure Python.

Lists and loops only, no NumPy: the point is to see every multiplication of
backpropagation written out.  Shapes follow the assignment: an input ``x`` of
length 2, ``W`` is 2×3 (input × hidden), ``V`` is 3×2 (hidden × output).
"""
from __future__ import annotations

import math
import numbers
import operator
import random
from dataclasses import dataclass

from . import _progress
from ._validation import require_integer, require_positive, require_seed

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


def _minus_inverse(y_target: float) -> float:
    """``dl/dy`` for the target's probability: ``−1/y``, or ``−inf`` where that is not finite.

    It is infinite for a confidently wrong prediction: ``y`` below about 5.6e-309 (a logit
    margin above about 710), where ``1/y`` overflows, or ``y`` underflowed to 0 (a margin
    above about 745).
    """
    return -1.0 / y_target if y_target > 0.0 else -math.inf


class ScalarNetwork:
    """``x -> k = xW + b -> h = sigmoid(k) -> o = hV + c -> y = softmax(o)``.

    Parameters are plain nested lists: ``W[i][j]`` joins input ``i`` to hidden
    unit ``j``; ``V[j][m]`` joins hidden unit ``j`` to output ``m``.
    """

    def __init__(self, W: Matrix, b: Vector, V: Matrix, c: Vector):
        W, b, V, c = (_real_list(W, "W", depth=2), _real_list(b, "b", depth=1),
                      _real_list(V, "V", depth=2), _real_list(c, "c", depth=1))
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
        self.W, self.b, self.V, self.c = W, b, V, c

    @classmethod
    def assignment_example(cls) -> "ScalarNetwork":
        """The fixed network of question 3: W = [[1,1,1],[-1,-1,-1]], V = [[1,1],[-1,-1],[-1,-1]], zero biases."""
        return cls(W=[[1.0, 1.0, 1.0], [-1.0, -1.0, -1.0]], b=[0.0, 0.0, 0.0],
                   V=[[1.0, 1.0], [-1.0, -1.0], [-1.0, -1.0]], c=[0.0, 0.0])

    @classmethod
    def random(cls, n_in: int = 2, n_hidden: int = 3, n_out: int = 2, *, std: float = 1.0,
               seed: int = 0) -> "ScalarNetwork":
        """Weights drawn from N(0, std²) with a seeded ``random.Random``; zero biases."""
        for value, name in ((n_in, "n_in"), (n_hidden, "n_hidden"), (n_out, "n_out")):
            require_integer(value, name)
        require_positive(std, "std")
        rng = random.Random(require_seed(seed, "seed", allow_none=False))
        W = [[rng.gauss(0.0, std) for _ in range(n_hidden)] for _ in range(n_in)]
        V = [[rng.gauss(0.0, std) for _ in range(n_out)] for _ in range(n_hidden)]
        return cls(W, [0.0] * n_hidden, V, [0.0] * n_out)

    @property
    def sizes(self) -> tuple[int, int, int]:
        return len(self.W), len(self.b), len(self.c)

    def _validate_example(self, x, target) -> None:
        n_in, _, n_out = self.sizes
        x = _real_list(x, "x", depth=1)
        if len(x) != n_in:
            raise ValueError(f"x must have {n_in} entries; received {len(x)}")
        if not isinstance(target, int) or isinstance(target, bool):
            raise TypeError(f"target must be an int class index in [0, {n_out}); received {target!r}")
        if not 0 <= target < n_out:
            raise ValueError(f"target must be an int class index in [0, {n_out}); received {target!r}")
        return x

    def forward(self, x: Vector, target: int) -> ScalarForward:
        """Forward pass of one example; ``target`` is the index of the true class."""
        return self._forward(self._validate_example(x, target), target)

    def _forward(self, x: Vector, target: int) -> ScalarForward:
        # k_j = b_j + Σ_i x_i W_ij, summed in the order of i; zip(*W) walks W's columns.
        k = [bj + sum(map(operator.mul, x, column)) for bj, column in zip(self.b, zip(*self.W))]
        h = [scalar_sigmoid(kj) for kj in k]
        o = [cm + sum(map(operator.mul, h, column)) for cm, column in zip(self.c, zip(*self.V))]
        top = max(o)
        exps = [math.exp(om - top) for om in o]
        total = sum(exps)
        y = [e / total for e in exps]                  # scalar_softmax(o), sharing its sum
        loss = (top + math.log(total)) - o[target]     # -log y[target], without taking log of y
        return ScalarForward(k=k, h=h, o=o, y=y, loss=loss)

    def backward(self, x: Vector, target: int, fwd: ScalarForward) -> ScalarGradients:
        """Backward pass through every local derivative, from the loss to ``W``.

        ``do`` is assembled from ``dy`` and the softmax Jacobian, not from the
        shortcut ``y - t``, so that the shortcut can be checked against it.
        """
        x = self._validate_example(x, target)
        if not isinstance(fwd, ScalarForward):
            raise TypeError(f"fwd must be the ScalarForward of forward(x, target); received {type(fwd).__name__}")
        return self._backward(x, target, fwd)

    def _backward(self, x: Vector, target: int, fwd: ScalarForward) -> ScalarGradients:
        n_in, n_hidden, n_out = self.sizes
        y = fwd.y
        dy_target = _minus_inverse(y[target])
        dy = [dy_target if m == target else 0.0 for m in range(n_out)]
        if math.isfinite(dy_target):
            # dl/do_i = sum_m dl/dy_m * dy_m/do_i, with dy_m/do_i = y_m (δ_mi − y_i)
            do = [sum(dy[m] * y[m] * ((1.0 if m == i else 0.0) - y[i]) for m in range(n_out))
                  for i in range(n_out)]
        else:
            # A confidently wrong prediction (see _minus_inverse): dl/dy = −1/y is infinite,
            # while the product dl/dy · dy/do it feeds is finite: do = y − t.
            do = [y[i] - (1.0 if i == target else 0.0) for i in range(n_out)]
        dV = [[fwd.h[j] * do[m] for m in range(n_out)] for j in range(n_hidden)]
        dc = list(do)
        dh = [sum(do[m] * self.V[j][m] for m in range(n_out)) for j in range(n_hidden)]
        dk = [dh[j] * fwd.h[j] * (1.0 - fwd.h[j]) for j in range(n_hidden)]
        dW = [[x[i] * dk[j] for j in range(n_hidden)] for i in range(n_in)]
        db = list(dk)
        return ScalarGradients(dy=dy, do=do, dV=dV, dc=dc, dh=dh, dk=dk, dW=dW, db=db)

    def _sgd_step(self, grads: ScalarGradients, lr: float) -> None:
        # New lists, not updates in place: the lists they replace are the state before
        # the step, which train_epoch keeps (without copying) to undo a diverged step.
        self.W = [[w - lr * g for w, g in zip(row, grow)] for row, grow in zip(self.W, grads.dW)]
        self.b = [v - lr * g for v, g in zip(self.b, grads.db)]
        self.V = [[w - lr * g for w, g in zip(row, grow)] for row, grow in zip(self.V, grads.dV)]
        self.c = [v - lr * g for v, g in zip(self.c, grads.dc)]

    def _train_step(self, x: Vector, target: int, lr: float) -> float:
        """One SGD step; returns the loss before it.

        The arithmetic of ``_forward``, ``_backward`` and ``_sgd_step`` fused into one pass
        for speed, operation for operation, so the weights come out bit for bit the same
        (``tests/test_scalar.py`` checks it).  Two shortcuts are exact: ``do`` keeps only
        the target's term of the Jacobian sum (every other term is ``0.0 · …``), and the
        gradients go straight into the new weights instead of into a ``ScalarGradients``.
        """
        W, b, V, c = self.W, self.b, self.V, self.c
        k = [bj + sum(map(operator.mul, x, column)) for bj, column in zip(b, zip(*W))]
        h = [scalar_sigmoid(kj) for kj in k]
        o = [cm + sum(map(operator.mul, h, column)) for cm, column in zip(c, zip(*V))]
        top = max(o)
        exps = [math.exp(om - top) for om in o]
        total = sum(exps)
        y = [e / total for e in exps]
        loss = (top + math.log(total)) - o[target]
        y_target = y[target]
        dy_target = _minus_inverse(y_target)
        if math.isfinite(dy_target):
            scale = dy_target * y_target                  # dl/dy_t · y_t, as in _backward
            do = [scale * ((1.0 if i == target else 0.0) - yi) for i, yi in enumerate(y)]
        else:
            do = [yi - (1.0 if i == target else 0.0) for i, yi in enumerate(y)]
        dk = [sum(map(operator.mul, do, row)) * hj * (1.0 - hj) for row, hj in zip(V, h)]
        self.W = [[w - lr * (xi * dkj) for w, dkj in zip(row, dk)] for row, xi in zip(W, x)]
        self.b = [bj - lr * dkj for bj, dkj in zip(b, dk)]
        self.V = [[w - lr * (hj * dom) for w, dom in zip(row, do)] for row, hj in zip(V, h)]
        self.c = [cm - lr * dom for cm, dom in zip(c, do)]
        return loss

    def mean_loss(self, X, targets) -> float:
        """Mean loss over a data set (rows of ``X``, integer ``targets``)."""
        rows, labels = self._validated_data(X, targets)
        if not rows:
            raise ValueError("X must hold at least one row; received 0 rows")
        return sum(self._forward(x, t).loss for x, t in zip(rows, labels)) / len(rows)

    def predict(self, x: Vector) -> int:
        """Index of the largest logit."""
        fwd = self.forward(x, 0)
        return max(range(len(fwd.o)), key=fwd.o.__getitem__)

    def train_epoch(self, X, targets, lr: float, *, order=None, progress="auto") -> list[float]:
        """Plain SGD over the rows of ``X`` in ``order`` (default: as given).

        Returns the loss of every example, measured just before its own update.
        Every row is checked before the first update.  If a loss or a weight
        stops being finite, the weights are put back to the last state that gave
        a finite loss and ``FloatingPointError`` is raised.  ``progress``:
        ``True``/``False``/``"auto"`` — a bar over the examples, by default only
        for a person watching (see :mod:`mlcore._progress`).
        """
        require_positive(lr, "lr")
        show_bar = _progress.wanted(progress)
        rows, labels = self._validated_data(X, targets)
        indices = range(len(rows)) if order is None else _validated_order(order, len(rows))
        losses, last_good = [], (self.W, self.b, self.V, self.c)
        bar = _progress.bar(len(indices), show_bar, unit="example")
        try:
            for position, n in enumerate(indices):
                before = (self.W, self.b, self.V, self.c)     # _sgd_step replaces, never mutates, them
                loss = self._train_step(rows[n], labels[n], lr)
                if not (math.isfinite(loss) and self._finite()):
                    # The loss was computed with `before`; if it is finite, `before` is good.
                    self._restore(before if math.isfinite(loss) else last_good)
                    raise FloatingPointError(
                        f"training diverged at example {position} of the epoch (row {n}): the "
                        f"{'loss' if not math.isfinite(loss) else 'weights'} became non-finite with lr={lr}. "
                        "The weights were restored to the last state that gave a finite loss; "
                        "try a smaller learning rate.")
                last_good = before
                losses.append(loss)
                bar.update(1)
        finally:
            bar.close()
        return losses

    def _validated_data(self, X, targets) -> tuple[Matrix, list[int]]:
        """Rows of ``X`` as float lists and ``targets`` as ints, every entry checked, or an error naming it."""
        rows = _real_list(X, "X", depth=2)
        for i, row in enumerate(rows):
            if len(row) != self.sizes[0]:
                raise ValueError(f"X[{i}] must have {self.sizes[0]} entries; received {len(row)}")
        if isinstance(targets, (str, bytes)) or not hasattr(targets, "__iter__"):
            raise TypeError(f"targets must be a list of class indices; received {type(targets).__name__}")
        labels = list(targets)
        if len(rows) != len(labels):
            raise ValueError(f"X and targets must have the same length; received {len(rows)} and {len(labels)}")
        _, _, n_out = self.sizes
        for i, t in enumerate(labels):
            if isinstance(t, bool) or not isinstance(t, numbers.Integral) or not 0 <= t < n_out:
                raise ValueError(f"targets[{i}] must be an int class index in [0, {n_out}); received {t!r}")
        return rows, [int(t) for t in labels]

    def _restore(self, state) -> None:
        W, b, V, c = state
        self.W, self.b, self.V, self.c = [row[:] for row in W], b[:], [row[:] for row in V], c[:]

    def _finite(self) -> bool:
        # A sum is finite only if every term is (NaN and ±inf propagate); one that
        # overflows flags weights near 1e308, which have diverged just the same.
        return math.isfinite(sum(map(sum, self.W)) + sum(map(sum, self.V)) + sum(self.b) + sum(self.c))


def _real_list(values, name: str, *, depth: int) -> list:
    """``values`` as (nested) lists of finite Python floats, or an error naming the entry."""
    what = "list of lists" if depth == 2 else "list"
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{name} must be a {what} of numbers; received {type(values).__name__}")
    try:
        values = list(values)
    except TypeError:
        raise TypeError(f"{name} must be a {what} of numbers; received {type(values).__name__}") from None
    if depth == 2:
        return [_real_list(row, f"{name}[{i}]", depth=1) for i, row in enumerate(values)]
    out = []
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(f"{name}[{i}] must be a real number; received {type(v).__name__} {v!r}")
        if not math.isfinite(v):
            raise ValueError(f"{name}[{i}] must be finite; received {v!r}")
        out.append(float(v))
    return out


def _validated_order(order, n: int) -> list:
    indices = list(order)
    for i, k in enumerate(indices):
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 0 <= k < n:
            raise ValueError(f"order[{i}] must be a row index in [0, {n}); received {k!r}")
    return [int(k) for k in indices]
