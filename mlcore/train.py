"""The training loop: mini-batches, evaluation passes, early stopping, history.

:func:`fit` is short on purpose; its parts each own one job:

* :class:`_Plan` validates every argument, whole, before any weight changes;
* :func:`_batches` yields the rows of each step of one epoch;
* :class:`_Evaluations` runs the evaluation passes and decides early stopping;
* :class:`_DivergenceGuard` keeps the latest saved state known to be good (the start of an epoch) and puts it
  back (parameters and buffers) when the loss or the weights stop being finite.
"""
from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np

from . import _blas, _progress
from ._validation import _describe, batches_validated_upstream, require_callable, require_choice, require_flag, require_integer, require_positive, require_seed
from .model import Sequential
from .optim import Optimizer


@dataclass
class History:
    """What happened during :func:`fit`.

    ``step_loss[s]`` is the objective on mini-batch ``s`` just before its update
    (with batch size 1: the loss of that one example).  Each evaluation pass
    appends to ``eval_step`` (the 0-based global step after
    which it ran), ``eval_epoch`` (the same position counted in epochs), and
    to ``val_loss``/``val_acc`` and ``train_loss``/``train_acc`` when those sets
    are evaluated (``train_*`` on the latest mini-batch with ``eval_train="batch"``).  Losses recorded at evaluations are data losses, without penalty.
    """
    step_loss: list = field(default_factory=list)
    epoch_loss: list = field(default_factory=list)
    eval_step: list = field(default_factory=list)
    eval_epoch: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    steps_per_epoch: int = 0
    epochs_run: int = 0
    stopped_early: bool = False
    best_eval: int | None = None

    @property
    def best_step(self) -> int | None:
        """Global step of the evaluation with the best validation score (``stop_on``)."""
        return None if self.best_eval is None else self.eval_step[self.best_eval]

    @property
    def steps_run(self) -> int:
        return len(self.step_loss)


def evaluate(model: Sequential, X, y, loss=None, batch_size: int = 4096) -> tuple[float, float]:
    """Mean loss and accuracy of ``model`` on ``(X, y)`` in evaluation mode.

    ``X``: ``(N, D)``; ``y``: targets the model's output accepts (see
    :meth:`~mlcore.model.Sequential.validate_targets`).  ``loss`` defaults to the
    model's own (:meth:`~mlcore.model.Sequential.default_loss`).  Raises
    ``FloatingPointError`` rather than return a non-finite loss.
    """
    _validate_model(model)
    X, y = model.validate_data(X, y)
    loss = _validate_loss(loss, model)
    require_integer(batch_size, "batch_size")
    value, accuracy = _evaluate(model, X, y, loss, batch_size)
    if not math.isfinite(value):
        raise FloatingPointError(f"the loss on (X, y) is {value}: the model's logits overflow; "
                                 "check the model's weights (is it trained with too large a learning rate?)")
    return value, accuracy


def _evaluate(model, X, y, loss, batch_size=4096) -> tuple[float, float]:
    """:func:`evaluate` on arguments already validated (the training loop's evaluation passes)."""
    total, correct = 0.0, 0
    with model.evaluating(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for i in range(0, X.shape[0], batch_size):
            xb, yb = X[i:i + batch_size], y[i:i + batch_size]
            logits = model.forward(xb)
            total += loss.forward(logits, yb) * xb.shape[0]
            correct += int(np.sum(model.labels_from_logits(logits) == model.link.true_labels(yb)))
    return total / X.shape[0], correct / X.shape[0]


def fit(model: Sequential, X, y, *, optimizer: Optimizer, epochs: int, batch_size: int,
        loss=None, shuffle: bool = True, seed: int = 0, drop_last: bool = False,
        validation=None, eval_every: int | None = None, eval_train: bool = False,
        patience: int | None = None, stop_on: str = "loss", penalty=None, lr_decay: float | None = None,
        decay_every: int | None = None, max_steps: int | None = None, callback=None,
        progress="auto") -> History:
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
    validation : optional ``(X_val, y_val)`` evaluated at each evaluation pass.
    eval_every : run an evaluation pass after every global step ``s`` with
        ``s % eval_every == 0`` (so step 0 is included).  ``None``: one pass
        at the end of each epoch.
    eval_train : also evaluate on training data at each evaluation: ``True`` the whole
        training set; ``"batch"`` only the mini-batch of the step just taken (after
        its update, in evaluation mode), as the CS231n homeworks report training
        accuracy — cheap, and noisier.
    patience : stop when the validation loss has not improved for this many
        consecutive evaluations; the weights of the best evaluation are restored at the end.
    stop_on : ``"loss"`` (the default) or ``"accuracy"``: the validation quantity
        that ``patience`` watches and that picks the best evaluation (a tie in accuracy
        is no improvement).
    penalty : an :class:`~mlcore.losses.L2Penalty` added to the objective.
    lr_decay : multiply the learning rate by this factor after each epoch.
    decay_every : apply ``lr_decay`` after every this many steps instead of after
        each epoch (a schedule that does not depend on the data size).
    max_steps : stop after this many updates (mid-epoch if need be), for
        protocols counted in iterations rather than epochs.
    callback : ``callback(epoch, model, history)`` after each completed epoch.
    progress : ``True``/``False``/``"auto"`` — a tqdm bar; ``"auto"`` shows it only
        for a person at a Jupyter server or terminal.

    Every argument is validated, whole, before the first update; an invalid one
    leaves the model as it was.  If the loss, a parameter or a buffer stops
    being finite, ``fit`` restores the latest saved state known to give a finite
    loss — the start of an epoch, parameters and buffers — leaves the model in
    evaluation mode and raises ``FloatingPointError`` naming the epoch and step.  The model is in
    evaluation mode whenever ``fit`` returns or raises.

    BLAS runs on one thread for small batches (:func:`mlcore._blas.threads_for`).
    """
    plan = _Plan.validated(locals())
    history = History(steps_per_epoch=plan.steps_per_epoch)
    evaluations = _Evaluations(plan, history)
    guard = _DivergenceGuard(model, plan.steps_per_epoch)
    rng = np.random.default_rng(plan.seed)
    step = 0
    model.train()
    try:
        with _progress_bar(plan) as bar, _blas.threads_limited_for(plan.batch_size), batches_validated_upstream(), \
                np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for epoch in range(plan.epochs):
                history.lr.append(optimizer.lr)
                guard.epoch_starts(step)
                order = rng.permutation(plan.n) if plan.shuffle else None
                losses = _train_epoch(plan, optimizer, order, step, guard, evaluations, bar)
                history.step_loss.extend(losses)
                step += len(losses)
                guard.watch_state(step, optimizer.lr)
                history.epoch_loss.append(float(np.mean(losses)))
                history.epochs_run = epoch + 1
                if plan.eval_every is None and evaluations.wanted:
                    evaluations.run(step - 1)
                if plan.callback is not None:
                    plan.callback(epoch, model, history)
                if evaluations.should_stop or step == plan.max_steps:
                    history.stopped_early = evaluations.should_stop
                    break
                if plan.lr_decay is not None and plan.decay_every is None:
                    optimizer.lr *= plan.lr_decay
        evaluations.restore_best()
        guard.watch_state(step, optimizer.lr)
    finally:
        model.eval()
    return history


def _train_epoch(plan, optimizer, order, step: int, guard, evaluations, bar) -> list[float]:
    """The steps of one epoch from global ``step`` on; returns the loss of each batch.

    Stops early when the evaluations say so or ``max_steps`` is reached.
    """
    losses = []
    for rows in _batches(plan, order):
        try:
            value = plan.model.loss_and_gradients(plan.X[rows], plan.y[rows], plan.loss, plan.penalty)
        except FloatingPointError:      # the loss refuses non-finite logits
            value = math.nan            # the guard says where, and restores
        guard.watch_loss(value, step, optimizer.lr)
        optimizer.step()
        losses.append(value)
        evaluations.last_rows = rows
        if plan.eval_every is not None and step % plan.eval_every == 0:
            evaluations.run(step)
        step += 1
        if plan.decay_every is not None and step % plan.decay_every == 0:
            optimizer.lr *= plan.lr_decay
        bar.update(1)
        if evaluations.should_stop or step == plan.max_steps:
            break
    return losses


class _Plan(SimpleNamespace):
    """The arguments of one :func:`fit` call, each validated once, and the steps per epoch they imply.

    :func:`fit`'s signature is the one declaration of its options (names, defaults,
    documentation); :meth:`validated` gives each one line.
    """

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @classmethod
    def validated(cls, arguments: dict) -> "_Plan":
        """``arguments``: :func:`fit`'s own, by name (its ``locals()`` on entry)."""
        a = SimpleNamespace(**arguments)
        _validate_model(a.model)
        _validate_optimizer(a.optimizer, a.model)
        X, y = a.model.validate_data(a.X, a.y)
        n = X.shape[0]
        batch_size = require_integer(a.batch_size, "batch_size")
        if batch_size > n:
            raise ValueError(f"batch_size must be <= the number of training rows ({n}); received {batch_size}")
        drop_last = require_flag(a.drop_last, "drop_last")
        _validate_batch_statistics(a.model, n, batch_size, drop_last)
        if a.decay_every is not None and a.lr_decay is None:
            raise ValueError("decay_every needs lr_decay (the factor to apply); received lr_decay=None")
        if a.patience is not None and a.validation is None:
            raise ValueError("patience (early stopping) needs validation data; received validation=None")
        optional_integer = {name: None if getattr(a, name) is None else require_integer(getattr(a, name), name)
                            for name in ("eval_every", "patience", "decay_every", "max_steps")}
        return cls(model=a.model, X=X, y=y, loss=_validate_loss(a.loss, a.model),
                   penalty=_validate_penalty(a.penalty), epochs=require_integer(a.epochs, "epochs"),
                   batch_size=batch_size, steps_per_epoch=n // batch_size if drop_last else math.ceil(n / batch_size),
                   shuffle=require_flag(a.shuffle, "shuffle"), seed=require_seed(a.seed, "seed"),
                   validation=_validate_validation(a.validation, a.model), eval_train=_validate_eval_train(a.eval_train),
                   stop_on=require_choice(a.stop_on, "stop_on", ("loss", "accuracy")),
                   lr_decay=None if a.lr_decay is None else float(require_positive(a.lr_decay, "lr_decay")),
                   callback=require_callable(a.callback, "callback"), progress=_progress.wanted(a.progress),
                   **optional_integer)


def _batches(plan: _Plan, order):
    """The rows of each step of one epoch: slices in stored order, or slices of ``order``.

    A shuffled batch is gathered when it is needed: no copy of the whole training
    set per epoch, and the rows are fresh in cache.
    """
    size = plan.batch_size
    for b in range(plan.steps_per_epoch):
        rows = slice(b * size, (b + 1) * size)
        yield rows if order is None else order[rows]


class _Evaluations:
    """The evaluation passes during training, and early stopping on the validation loss or accuracy."""

    def __init__(self, plan: _Plan, history: History):
        self.plan, self.history = plan, history
        self.best_score, self.best_state, self.since_best = math.inf, None, 0
        self.should_stop = False
        self.last_rows = None           # the rows of the latest step (eval_train="batch")

    @property
    def wanted(self) -> bool:
        return self.plan.validation is not None or self.plan.eval_train

    def run(self, step: int) -> None:
        """Evaluate after global ``step``, record it, and decide whether to stop."""
        plan, history = self.plan, self.history
        history.eval_step.append(step)
        history.eval_epoch.append((step + 1) / plan.steps_per_epoch)
        if plan.eval_train:
            X, y = (plan.X, plan.y) if plan.eval_train is True else (plan.X[self.last_rows], plan.y[self.last_rows])
            self._record(_evaluate(plan.model, X, y, plan.loss), history.train_loss, history.train_acc)
        if plan.validation is None:
            return
        val_loss, val_acc = self._record(_evaluate(plan.model, *plan.validation, plan.loss),
                                         history.val_loss, history.val_acc)
        score = val_loss if plan.stop_on == "loss" else -val_acc      # lower is better
        if score < self.best_score:
            self.best_score, self.since_best = score, 0
            history.best_eval = len(history.val_loss) - 1
            if plan.patience is not None:
                self.best_state = plan.model.state_dict()
        else:
            self.since_best += 1
        self.should_stop = plan.patience is not None and self.since_best >= plan.patience

    @staticmethod
    def _record(result, losses, accuracies):
        losses.append(result[0])
        accuracies.append(result[1])
        return result

    def restore_best(self) -> None:
        """With early stopping, put back the weights of the best evaluation."""
        if self.best_state is not None:
            self.plan.model.load_state_dict(self.best_state)


class _DivergenceGuard:
    """Keeps the latest saved state known to be good, and restores it when training diverges.

    A state is *good* when a loss computed with it was finite.  The guard copies
    the model at the start of each epoch and promotes that copy once the
    epoch's first loss (computed with exactly those weights) is finite; a
    per-epoch copy costs one pass over the weights, a per-step copy would
    double the cost of a plain SGD step.  Parameters and buffers are inspected
    at the end of every epoch and after the last step.
    """

    def __init__(self, model: Sequential, steps_per_epoch: int):
        self.model, self.steps_per_epoch = model, steps_per_epoch
        self.good, self.good_step = model.state_dict(), 0
        self.pending = None

    def epoch_starts(self, step: int) -> None:
        if step > 0:
            self.pending = (self.model.state_dict(), step)

    def watch_loss(self, value: float, step: int, lr: float) -> None:
        if math.isfinite(value):
            if self.pending is not None and self.pending[1] == step:
                (self.good, self.good_step), self.pending = self.pending, None
            return
        self._fail(f"the loss became {value} at", step, lr)

    def watch_state(self, steps_done: int, lr: float) -> None:
        if not self.model.is_finite():
            self._fail("a parameter or buffer became non-finite by the end of", steps_done - 1, lr)

    def _fail(self, what: str, step: int, lr: float) -> None:
        self.model.load_state_dict(self.good)
        self.model.eval()
        epoch, batch = divmod(step, self.steps_per_epoch)
        raise FloatingPointError(
            f"training diverged: {what} epoch {epoch + 1}, batch {batch + 1} of {self.steps_per_epoch} "
            f"(global step {step}). The parameters and buffers were restored to their values before step "
            f"{self.good_step} (the start of epoch {self.good_step // self.steps_per_epoch + 1}), the latest "
            f"saved state known to give a finite loss, and the model is in evaluation mode. "
            f"Try a smaller learning rate than lr={lr:g}.")


@contextlib.contextmanager
def _progress_bar(plan: _Plan):
    """A bar over all the steps that will run when wanted (:func:`mlcore._progress.bar`)."""
    total = plan.epochs * plan.steps_per_epoch
    bar = _progress.bar(total if plan.max_steps is None else min(total, plan.max_steps), plan.progress, unit="step")
    try:
        yield bar
    finally:
        bar.close()


def _validate_model(model) -> None:
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be an mlcore Sequential; received {type(model).__name__}")


def _validate_optimizer(optimizer, model: Sequential) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an mlcore Optimizer; received {type(optimizer).__name__}")
    owned = {id(p) for p in model.parameters()}
    foreign = [p for p in optimizer.parameters if id(p) not in owned]
    if foreign:
        raise ValueError(f"optimizer updates {len(foreign)} parameter(s) that do not belong to model "
                         f"(first: {foreign[0]!r}); build it from model.parameters()")


def _validate_loss(loss, model: Sequential):
    if loss is None:
        return model.default_loss()
    if not (callable(getattr(loss, "forward", None)) and callable(getattr(loss, "backward", None))):
        raise TypeError(f"loss must be an mlcore loss (with forward and backward) or None; "
                        f"received {_describe(loss)}")
    return loss


def _validate_penalty(penalty):
    if penalty is not None and not (callable(getattr(penalty, "value", None))
                                    and callable(getattr(penalty, "add_gradient", None))):
        raise TypeError(f"penalty must be an mlcore L2Penalty or None; received {_describe(penalty)}")
    return penalty


def _validate_eval_train(value) -> bool | str:
    if isinstance(value, str) and value == "batch":
        return value
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"eval_train must be True, False or \"batch\"; received {_describe(value)}")
    return bool(value)


def _validate_validation(validation, model: Sequential):
    if validation is None:
        return None
    if not isinstance(validation, (tuple, list)) or len(validation) != 2:
        raise TypeError(f"validation must be a pair (X_val, y_val); received {_describe(validation)}")
    return model.validate_data(validation[0], validation[1], "validation[0]", "validation[1]")


def _validate_batch_statistics(model: Sequential, n: int, batch_size: int, drop_last: bool) -> None:
    """A layer with batch statistics (batch norm) cannot train on a batch of one row."""
    layer = next((layer for layer in model.layers if layer.needs_two_rows), None)
    if layer is None:
        return
    if batch_size == 1 or (not drop_last and n % batch_size == 1):
        where = "every batch" if batch_size == 1 else f"the last batch of each epoch ({n} = {n // batch_size}·{batch_size} + 1)"
        raise ValueError(f"batch_size={batch_size} gives {where} a single row, but {layer!r} needs at least "
                         "two rows in training; pass drop_last=True or choose another batch_size")
