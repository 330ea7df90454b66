"""The training loop: mini-batches, validation checks, early stopping, history."""
from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from ._checks import as_float_array, as_labels, check_positive, check_same_rows
from .losses import SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy
from .model import Sequential
from .optim import Optimizer


@dataclass
class History:
    """What happened during :func:`fit`.

    ``step_loss[s]`` is the objective on mini-batch ``s`` just before its update
    (with batch size 1: the loss of that one example).  Each *check* (an
    evaluation pass) appends to ``check_step`` (the 0-based global step after
    which it ran), ``check_epoch`` (the same position counted in epochs), and
    to ``val_loss``/``val_acc`` and ``train_loss``/``train_acc`` when those sets
    are evaluated.  Losses recorded at checks are data losses, without penalty.
    """
    step_loss: list = field(default_factory=list)
    epoch_loss: list = field(default_factory=list)
    check_step: list = field(default_factory=list)
    check_epoch: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    steps_per_epoch: int = 0
    epochs_run: int = 0
    stopped_early: bool = False
    best_check: int | None = None

    @property
    def best_step(self) -> int | None:
        """Global step of the check with the lowest validation loss."""
        return None if self.best_check is None else self.check_step[self.best_check]

    @property
    def steps_run(self) -> int:
        return len(self.step_loss)


def evaluate(model: Sequential, X, y, loss=None, batch_size: int = 4096) -> tuple[float, float]:
    """Mean loss and accuracy of ``model`` on ``(X, y)`` in evaluation mode.

    ``loss`` defaults to the one matching ``model.output``.
    """
    X = as_float_array(X, "X", ndim=2, dtype=model.dtype)
    loss = loss if loss is not None else default_loss(model)
    check_same_rows(X, np.asarray(y))
    total, correct = 0.0, 0
    with model.evaluating():
        for i in range(0, X.shape[0], batch_size):
            xb, yb = X[i:i + batch_size], y[i:i + batch_size]
            logits = model.forward(xb)
            total += loss.forward(logits, yb) * xb.shape[0]
            correct += int(np.sum(_predicted(model, logits) == _labels_of(yb)))
    return total / X.shape[0], correct / X.shape[0]


def default_loss(model: Sequential):
    return SigmoidBinaryCrossEntropy() if model.output == "sigmoid" else SoftmaxCrossEntropy()


def _predicted(model, logits):
    if model.output == "sigmoid":
        return (logits.reshape(-1) > 0).astype(np.int64)
    return logits.argmax(axis=1)


def _labels_of(y):
    y = np.asarray(y)
    return y.argmax(axis=1) if y.ndim == 2 else np.round(y).astype(np.int64)


#: Below this many rows per batch, training runs BLAS on one thread: waking a
#: second thread for products this small costs more than it saves (measured on
#: two cores with the 784-300-10 network: batch 1, 430 → 250 µs per step;
#: batch 10, 700 → 570 µs; from about 20 rows on, two threads win).
SINGLE_THREAD_BELOW = 20


def blas_thread_limit(batch_size: int) -> int | None:
    """BLAS threads :func:`fit` allows for this batch size: 1, or ``None`` (unchanged)."""
    return 1 if batch_size < SINGLE_THREAD_BELOW else None


def _progress_wanted(progress) -> bool:
    if progress != "auto":
        return bool(progress)
    # A kernel started by a Jupyter server (a reader at the keyboard) has this
    # variable; nbclient, nbval and jupyter-book executions do not, so stored
    # outputs stay free of progress bars.
    return "JPY_SESSION_NAME" in os.environ or sys.stderr.isatty()


def _snapshot(model):
    return [p.value.copy() for p in model.parameters()]


def _restore(model, snapshot):
    for p, saved in zip(model.parameters(), snapshot):
        p.value[...] = saved


def fit(model: Sequential, X, y, *, optimizer: Optimizer, epochs: int, batch_size: int,
        loss=None, shuffle: bool = True, seed: int = 0, drop_last: bool = False,
        validation=None, check_every: int | None = None, eval_train: bool = False,
        patience: int | None = None, penalty=None, lr_decay: float | None = None,
        max_steps: int | None = None, callback=None, progress="auto") -> History:
    """Train ``model`` on ``(X, y)`` with mini-batch gradient descent.

    Parameters
    ----------
    X : ``(N, D)`` array; cast once to the model's dtype (float32 by default).
    y : ``(N,)`` integer labels, ``(N, C)`` one-hot rows, or ``(N,)`` 0/1 for a
        sigmoid-output model.
    batch_size : rows per step (1 gives plain SGD).  An epoch has
        ``N // batch_size`` steps with ``drop_last`` and ``ceil(N / batch_size)``
        without.
    shuffle, seed : a fresh permutation each epoch from ``default_rng(seed)``;
        without ``shuffle`` the rows are used in order.  Batches are contiguous
        slices of the (permuted) data.
    validation : optional ``(X_val, y_val)`` evaluated at each check.
    check_every : run a check after every global step ``s`` with
        ``s % check_every == 0`` (so step 0 is included).  ``None``: one check
        at the end of each epoch.
    eval_train : also evaluate the whole training set at each check.
    patience : stop when the validation loss has not improved for this many
        consecutive checks; the weights of the best check are restored at the end.
    penalty : an :class:`~mlcore.losses.L2Penalty` added to the objective.
    lr_decay : multiply the learning rate by this factor after each epoch.
    max_steps : stop after this many updates (mid-epoch if need be), for
        protocols counted in iterations rather than epochs.
    callback : ``callback(epoch, model, history)`` after each completed epoch.
    progress : ``True``/``False``/``"auto"`` — a tqdm bar; ``"auto"`` shows it only
        for a person at a Jupyter server or terminal.

    Raises ``FloatingPointError`` if the loss becomes non-finite; the weights are
    then reset to their values at the start of that epoch.

    With fewer than :data:`SINGLE_THREAD_BELOW` rows per batch, BLAS runs on one
    thread for the duration of the call (restored afterwards).
    """
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be an mlcore Sequential; received {type(model).__name__}")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an mlcore Optimizer; received {type(optimizer).__name__}")
    loss = loss if loss is not None else default_loss(model)
    X, y = _check_data(model, X, y, "X", "y")
    n = X.shape[0]
    check_positive(epochs, "epochs", integer=True)
    check_positive(batch_size, "batch_size", integer=True)
    if batch_size > n:
        raise ValueError(f"batch_size must be <= the number of training rows ({n}); received {batch_size}")
    if check_every is not None:
        check_positive(check_every, "check_every", integer=True)
    if patience is not None:
        check_positive(patience, "patience", integer=True)
        if validation is None:
            raise ValueError("patience (early stopping) needs validation data; received validation=None")
    if lr_decay is not None:
        check_positive(lr_decay, "lr_decay")
    if max_steps is not None:
        check_positive(max_steps, "max_steps", integer=True)
    if validation is not None:
        if not isinstance(validation, (tuple, list)) or len(validation) != 2:
            raise TypeError("validation must be a pair (X_val, y_val); "
                            f"received {type(validation).__name__}")
        X_val, y_val = _check_data(model, validation[0], validation[1], "validation[0]", "validation[1]")

    steps_per_epoch = n // batch_size if drop_last else math.ceil(n / batch_size)
    history = History(steps_per_epoch=steps_per_epoch)
    rng = np.random.default_rng(seed)
    best_val, best_state, since_best = math.inf, None, 0

    bar = None
    if _progress_wanted(progress):
        from tqdm.auto import tqdm
        bar = tqdm(total=epochs * steps_per_epoch, unit="step", leave=False)

    def run_check(step: int) -> bool:
        """Evaluate; return True when early stopping says stop."""
        nonlocal best_val, best_state, since_best
        history.check_step.append(step)
        history.check_epoch.append((step + 1) / steps_per_epoch)
        if eval_train:
            tl, ta = evaluate(model, X, y, loss)
            history.train_loss.append(tl)
            history.train_acc.append(ta)
        if validation is None:
            return False
        vl, va = evaluate(model, X_val, y_val, loss)
        history.val_loss.append(vl)
        history.val_acc.append(va)
        if vl < best_val:
            best_val, since_best = vl, 0
            history.best_check = len(history.val_loss) - 1
            if patience is not None:
                best_state = model.state_dict()
        else:
            since_best += 1
        return patience is not None and since_best >= patience

    model.train()
    step = 0
    stop = False
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"), \
                threadpool_limits(limits=blas_thread_limit(batch_size), user_api="blas"):
            for epoch in range(epochs):
                history.lr.append(optimizer.lr)
                start_state = _snapshot(model)
                order = rng.permutation(n) if shuffle else None
                epoch_losses = []
                for b in range(steps_per_epoch):
                    # A shuffled batch is gathered when it is needed: no copy of the whole
                    # training set per epoch, and the rows are fresh in cache.
                    rows = slice(b * batch_size, (b + 1) * batch_size)
                    if order is not None:
                        rows = order[rows]
                    xb, yb = X[rows], y[rows]
                    value = model.loss_and_gradients(xb, yb, loss, penalty)
                    if not math.isfinite(value):
                        _restore(model, start_state)
                        raise FloatingPointError(
                            f"training diverged at epoch {epoch + 1}, batch {b + 1} of {steps_per_epoch} "
                            f"(global step {step}): the loss became {value}. The weights were reset to "
                            f"their values at the start of epoch {epoch + 1}. Try a smaller learning "
                            f"rate than lr={optimizer.lr:g}.")
                    optimizer.step()
                    epoch_losses.append(value)
                    history.step_loss.append(value)
                    if check_every is not None and step % check_every == 0:
                        stop = run_check(step)
                    step += 1
                    if bar is not None:
                        bar.update(1)
                    if stop or step == max_steps:
                        break
                history.epoch_loss.append(float(np.mean(epoch_losses)))
                history.epochs_run = epoch + 1
                if check_every is None and (validation is not None or eval_train):
                    stop = run_check(step - 1)
                if callback is not None:
                    callback(epoch, model, history)
                if stop:
                    history.stopped_early = True
                    break
                if step == max_steps:
                    break
                if lr_decay is not None:
                    optimizer.lr *= lr_decay
    finally:
        if bar is not None:
            bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return history


def _check_data(model, X, y, x_name, y_name):
    X = as_float_array(X, x_name, ndim=2, dtype=model.dtype)
    y_arr = np.asarray(y)
    if model.output == "sigmoid":
        y_arr = as_float_array(y_arr, y_name, ndim=1, dtype=model.dtype)
        if ((y_arr != 0) & (y_arr != 1)).any():
            raise ValueError(f"{y_name} must hold 0/1 targets for a sigmoid-output model; "
                             f"received values such as {np.unique(y_arr)[:5].tolist()}")
    elif y_arr.ndim == 2:
        y_arr = as_float_array(y_arr, y_name, ndim=2, dtype=model.dtype)
    else:
        y_arr = as_labels(y_arr, y_name)
    check_same_rows(X, y_arr, x_name, y_name)
    return X, y_arr
