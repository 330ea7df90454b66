"""Plotting helpers used by the chapters (matplotlib, seaborn).

Each function draws on an ``ax`` it is given (or a new one) and returns it, so a
chapter can arrange panels freely and keep its cells short.
"""
from __future__ import annotations

import numpy as np

from ._validation import (as_float_array, as_labels, require_callable, require_integer, require_positive, require_real,
                          require_same_rows)


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt
        _, ax = plt.subplots()
    return ax


def mean_std_band(x, runs, ax=None, *, label: str, color=None):
    """Plot the mean of ``runs`` (shape ``(R, T)``) over ``x`` with a ±1 std band."""
    x = as_float_array(x, "x", ndim=1)
    runs = as_float_array(runs, "runs", ndim=2, dtype=np.float64)
    if runs.shape[1] != x.shape[0]:
        raise ValueError(f"runs must have one column per entry of x ({x.shape[0]}); received shape {runs.shape}")
    ax = _axes(ax)
    mean, std = runs.mean(axis=0), runs.std(axis=0)
    line, = ax.plot(x, mean, label=label, color=color)
    ax.fill_between(x, mean - std, mean + std, alpha=0.25, color=line.get_color(), linewidth=0)
    return ax


def scatter_classes(X, y, ax=None, *, labels=("class 0", "class 1"), s: float = 4, alpha: float = 0.6):
    """Scatter 2-D points ``X`` ``(N, 2)`` coloured by binary class ``y`` ``(N,)``."""
    X = as_float_array(X, "X", ndim=2)
    y = as_labels(y, "y", n_classes=2)
    require_same_rows(X, y)
    ax = _axes(ax)
    for cls, (name, color) in enumerate(zip(labels, ("tab:red", "tab:green"))):
        pts = X[y == cls]
        ax.scatter(pts[:, 0], pts[:, 1], s=s, alpha=alpha, color=color, label=name)
    ax.set_aspect("equal")
    _label_plane(ax)
    return ax


def _label_plane(ax) -> None:
    """Name the two input features on the axes, unless the caller has named them."""
    if not ax.get_xlabel():
        ax.set_xlabel("$x_1$")
    if not ax.get_ylabel():
        ax.set_ylabel("$x_2$")


def region_grid(lo: float = -2.0, hi: float = 2.0, steps: int = 40):
    """The points at which :func:`decision_regions` asks ``predict``, and which of them lie on the edge.

    The centres of a ``steps × steps`` grid of square cells that tiles ``[lo, hi]²``,
    ``x₁`` varying fastest: each cell is shaded with the value at its centre.
    Returns ``(points, on_edge)``: ``points`` float ``(steps², 2)``; ``on_edge``
    bool ``(steps²,)``, true for the centres of the grid's outermost ring of cells.
    """
    if require_real(lo, "lo") >= require_real(hi, "hi"):
        raise ValueError(f"lo must be smaller than hi; received lo={lo}, hi={hi}")
    require_positive(steps, "steps", integer=True)
    ticks = lo + (np.arange(steps) + 0.5) * ((hi - lo) / steps)
    gx, gy = np.meshgrid(ticks, ticks)
    points = np.c_[gx.ravel(), gy.ravel()]
    on_edge = np.isin(points, ticks[[0, -1]]).any(axis=1)
    return points, on_edge


def decision_regions(predict, X=None, y=None, ax=None, *, lo: float = -2.0, hi: float = 2.0,
                     steps: int = 40, cmap="RdYlGn"):
    """Shade the class that ``predict`` assigns on the :func:`region_grid` ``(lo, hi, steps)``.

    ``predict`` maps ``(M, 2)`` points to labels or to the probability of class 1.
    Optionally overlays the points ``X`` coloured by ``y``.
    """
    require_callable(predict, "predict", allow_none=False)
    points, _ = region_grid(lo, hi, steps)
    ax = _axes(ax)
    values = np.asarray(predict(points), dtype=float).reshape(steps, steps)
    ax.imshow(values, origin="lower", extent=(lo, hi, lo, hi), cmap=cmap,
              vmin=0, vmax=1, alpha=0.35, interpolation="nearest", aspect="equal")
    if X is not None:
        scatter_classes(X, y, ax=ax, s=8, alpha=0.9)
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    _label_plane(ax)
    return ax


def confusion_heatmap(y_true, y_pred, ax=None, *, n_classes: int = 10, title: str | None = None,
                      class_names=None):
    """Confusion matrix (rows: true class, columns: predicted) as an annotated seaborn heatmap.

    ``class_names``: one tick label per class (then the axes say "class"); without
    them the classes are digits 0 to ``n_classes - 1``.
    """
    import seaborn as sns
    from sklearn.metrics import confusion_matrix
    require_integer(n_classes, "n_classes")
    if class_names is not None and len(class_names) != n_classes:
        raise ValueError(f"class_names must name each of the {n_classes} classes; received {len(class_names)} names")
    y_true = as_labels(y_true, "y_true", n_classes=n_classes)
    y_pred = as_labels(y_pred, "y_pred", n_classes=n_classes)
    require_same_rows(y_true, y_pred, "y_true", "y_pred")
    ax = _axes(ax)
    cm = confusion_matrix(y_true, y_pred, labels=np.arange(n_classes))
    labels = "auto" if class_names is None else list(class_names)
    sns.heatmap(cm, annot=True, fmt="d", cmap="Blues", cbar=False, ax=ax, square=True,
                annot_kws={"size": 7}, xticklabels=labels, yticklabels=labels)
    what = "digit" if class_names is None else "class"
    ax.set_xlabel(f"predicted {what}")
    ax.set_ylabel(f"true {what}")
    if title:
        ax.set_title(title)
    return ax


def rgb_weight_images(W, axes, *, shape=(3, 32, 32)):
    """Show each column of ``W`` (shape ``(3·H·W, K)``, channel-major as CIFAR-10) as a colour image.

    Each panel is stretched to the full colour range on its own (a weight vector has
    no natural colour scale), as the CS231n notebooks show first-layer weights.
    """
    W = as_float_array(W, "W", ndim=2)
    if len(shape) != 3 or shape[0] != 3 or W.shape[0] != int(np.prod(shape)):
        raise ValueError(f"W must have one row per value of a {shape} channel-major RGB image "
                         f"({int(np.prod(shape))} rows); received shape {W.shape}")
    for k, ax in enumerate(np.ravel(axes)):
        image = W[:, k].reshape(shape).transpose(1, 2, 0)
        ax.imshow((image - image.min()) / (np.ptp(image) or 1.0))
        ax.set_xticks([])
        ax.set_yticks([])
    return axes


def weight_images(W, axes, *, shape=(28, 28), titles=None, cmap="RdBu_r"):
    """Show each column of ``W`` (shape ``(H·W, K)``) as an image on ``axes[k]``.

    Colours are symmetric around 0 per panel set, so red and blue mean the same
    weight magnitude everywhere.
    """
    W = as_float_array(W, "W", ndim=2)
    if W.shape[0] != int(np.prod(shape)):
        raise ValueError(f"W must have {int(np.prod(shape))} rows, one per pixel of a {shape} image; "
                         f"received shape {W.shape}")
    limit = float(np.abs(W).max()) or 1.0
    for k, ax in enumerate(np.ravel(axes)):
        ax.imshow(W[:, k].reshape(shape), cmap=cmap, vmin=-limit, vmax=limit)
        ax.set_xticks([])
        ax.set_yticks([])
        if titles is not None:
            ax.set_title(str(titles[k]), fontsize=8)
    return axes


def training_history(history, axes, *, x: str = "step", batch_losses: bool = False,
                     eval_losses=("train", "val"), label: str = "", marker=None, step_alpha: float = 0.5,
                     train_label: str = "training"):
    """Loss (``axes[0]``) and accuracy (``axes[1]``) of a :class:`~mlcore.train.History`.

    ``x``: ``"step"`` (global training step) or ``"epoch"`` for the horizontal axis.
    ``batch_losses``: also draw the loss of every training batch.  ``eval_losses``:
    which losses recorded at the checks to draw (``"train"``, ``"val"``); accuracies
    are drawn for every set that was evaluated.  ``label`` is appended to each
    legend entry (to compare runs on one pair of axes).  ``train_label`` names the
    curves evaluated on training data (say which, after ``fit(eval_train="batch")``).
    """
    from .train import History
    if not isinstance(history, History):
        raise TypeError(f"history must be the History that fit returned; received {type(history).__name__}")
    if x not in ("step", "epoch"):
        raise ValueError(f"x must be 'step' or 'epoch'; received {x!r}")
    if not isinstance(train_label, str):
        raise TypeError(f"train_label must be a string; received {type(train_label).__name__}")
    loss_ax, acc_ax = axes
    at = np.asarray(history.eval_step if x == "step" else history.eval_epoch, dtype=float)
    suffix = f" {label}" if label else ""
    if batch_losses:
        steps = np.arange(len(history.step_loss), dtype=float)
        if x == "epoch":
            steps = (steps + 1) / history.steps_per_epoch
        loss_ax.plot(steps, history.step_loss, lw=0.6, alpha=step_alpha, label=f"training batch{suffix}")
    for name, losses, accuracies in (("train", history.train_loss, history.train_acc),
                                     ("val", history.val_loss, history.val_acc)):
        shown = train_label if name == "train" else "validation"
        if losses and name in eval_losses:
            loss_ax.plot(at, losses, marker=marker, label=f"{shown}{suffix}")
        if accuracies:
            acc_ax.plot(at, np.asarray(accuracies) * 100, marker=marker, label=f"{shown}{suffix}")
    loss_ax.set_ylabel("cross-entropy")
    acc_ax.set_ylabel("accuracy (%)")
    for ax in axes:
        ax.set_xlabel("training step" if x == "step" else "epoch")
        ax.legend(frameon=False, fontsize=8)
    return axes
