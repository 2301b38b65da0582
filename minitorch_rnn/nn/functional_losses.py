"""The loss functions of `nn.functional` (``F.mse_loss``, ``F.cross_entropy``, ...).

Kept in their own file so `functional.py` stays readable; `nn.functional` re-exports every
one, so ``F.nll_loss`` is where a torch user looks for it. Each loss is a formula over the
engine's ops (its gradient comes from the tape), except `binary_cross_entropy`, one node
(see `_functions.py`). Every loss ends in `_reduce`: 'none' keeps one loss per element or
sample, 'mean' averages them, 'sum' adds them up.

torch's older ``size_average=`` / ``reduce=`` arguments still work, with torch's warning.
"""

from __future__ import annotations

import warnings
from typing import Optional

import numpy as np

from .._tensor import Tensor
from ..autograd.function import watch_versions
from ..dtypes import scalar_type_name
from . import _functions

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "huber_loss",
    "l1_loss",
    "mse_loss",
    "nll_loss",
    "smooth_l1_loss",
]


# ---- reduction ---------------------------------------------------------------------------------
def _reduce(loss: Tensor, reduction: str) -> Tensor:
    """'none': the per-element losses; 'mean': their average; 'sum': their total (0-d)."""
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _reduction(reduction: str, size_average: Optional[bool], reduce: Optional[bool]) -> str:
    """`reduction`, or what torch's deprecated pair (size_average, reduce) means, with its
    warning: reduce=False -> 'none'; else size_average=False -> 'sum'; else 'mean'."""
    if size_average is not None or reduce is not None:
        reduce = True if reduce is None else reduce
        size_average = True if size_average is None else size_average
        reduction = "none" if not reduce else "mean" if size_average else "sum"
        warnings.warn(
            "size_average and reduce args will be deprecated, please use "
            f"reduction='{reduction}' instead.",
            stacklevel=3,
        )
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _warn_if_shapes_differ(input: Tensor, target: Tensor) -> None:
    if target.shape != input.shape:
        warnings.warn(
            f"Using a target size ({_size(target)}) that is different to the input size "
            f"({_size(input)}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            stacklevel=3,
        )


def _abs(x: Tensor) -> Tensor:
    """|x| from primitives: relu(x) + relu(-x). Its gradient at 0 is 0, as torch's sign(0)."""
    return x.relu() + (-x).relu()


# ---- regression ----------------------------------------------------------------------------------
def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average: Optional[bool] = None,
    reduce: Optional[bool] = None,
    reduction: str = "mean",
) -> Tensor:
    """Mean squared error: reduce((x - y)^2). Shapes: input and target alike (they broadcast).

    Both arguments get gradients: d/dx = 2 (x - y) / n, d/dy = -2 (x - y) / n for 'mean'.
    """
    reduction = _reduction(reduction, size_average, reduce)
    _warn_if_shapes_differ(input, target)
    diff = input - target
    return _reduce(diff * diff, reduction)


def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: Optional[bool] = None,
    reduce: Optional[bool] = None,
    reduction: str = "mean",
) -> Tensor:
    """Mean absolute error: reduce(|x - y|);  d/dx = sign(x - y) / n for 'mean'."""
    reduction = _reduction(reduction, size_average, reduce)
    _warn_if_shapes_differ(input, target)
    return _reduce(_abs(input - target), reduction)


def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: Optional[bool] = None,
    reduce: Optional[bool] = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """Squared near zero, absolute further out (beta = 0: plain l1_loss).

    With d = |x - y|:

        loss = 0.5 d^2 / beta      if d < beta
               d - 0.5 beta        otherwise

    Written without a branch: m = min(d, beta) = beta - relu(beta - d), then
    loss = 0.5 m^2 / beta + (d - m) -- below beta the second term is 0, above it m = beta.
    """
    reduction = _reduction(reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    _warn_if_shapes_differ(input, target)
    d = _abs(input - target)
    if beta == 0:
        return _reduce(d, reduction)
    m = beta - (beta - d).relu()
    return _reduce(0.5 / beta * (m * m) + (d - m), reduction)


def huber_loss(
    input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0
) -> Tensor:
    """0.5 d^2 if d < delta, else delta (d - 0.5 delta), with d = |x - y|:
    delta * smooth_l1_loss(beta=delta)."""
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    return delta * smooth_l1_loss(input, target, reduction=reduction, beta=delta)


# ---- classification: class indices -------------------------------------------------------------
def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Optional[Tensor] = None,
    size_average: Optional[bool] = None,
    ignore_index: int = -100,
    reduce: Optional[bool] = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log likelihood: loss[n] = -w[c] input[n, c] with c = target[n] (input holds
    log-probabilities, w = `weight`, all ones by default).

    'mean' divides by the total weight of the samples, sum_n w[target[n]] -- not by N -- so
    a weighted mean stays a mean. A sample whose target is `ignore_index` counts nowhere (if
    every sample is ignored the mean is 0/0 = nan, as torch's).

    Shapes: input (N, C) with target (N,); input (C,) with a 0-d target (one sample); or
    input (N, C, d1, ...) with target (N, d1, ...). Targets are class indices in [0, C).
    """
    reduction = _reduction(reduction, size_average, reduce)
    class_dim = _check_class_targets(input, target, ignore_index)
    classes = input.shape[class_dim]
    if weight is not None and weight.shape != (classes,):
        raise RuntimeError(
            f"weight tensor should be defined either for all {classes} classes or no classes "
            f"but got weight tensor of shape: {list(weight.shape)}"
        )
    indices = target._data
    kept = indices != ignore_index
    safe = np.where(kept, indices, 0)  # an ignored sample picks class 0, then weighs 0
    # Pick log_probs[n, target[n, d1, ...], d1, ...] for every position (n, d1, ...): an
    # integer-array index whose class entry comes from `target` and the rest count up.
    grid: list[np.ndarray] = list(np.indices(indices.shape, sparse=True))
    grid.insert(class_dim, safe)
    picked = input[tuple(grid)]
    if picked.grad_fn is not None:  # as torch: changing the target before backward is an error
        watch_versions(picked.grad_fn, [target])
    if weight is None and kept.all():
        return _reduce(-picked, reduction)
    w = kept.astype(input.dtype) if weight is None else weight._data[safe] * kept
    losses = -picked * Tensor(w.astype(input.dtype))
    if reduction != "mean":
        return _reduce(losses, reduction)
    with np.errstate(invalid="ignore", divide="ignore"):  # all ignored: 0 / 0 = nan
        return losses.sum() / Tensor(np.asarray(w.sum(), dtype=input.dtype))


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Optional[Tensor] = None,
    size_average: Optional[bool] = None,
    ignore_index: int = -100,
    reduce: Optional[bool] = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross entropy of logits: nll_loss(log_softmax(input, class_dim), target, ...).

    loss[n] = -log softmax(x[n])_{target[n]} = log sum_j e^{x[n, j]} - x[n, target[n]].

    `target` is either class indices (int64; shapes as `nll_loss`) or class probabilities
    (floats, the shape of `input`): loss[n] = -sum_c w[c] p[n, c] log softmax(x[n])_c, whose
    'mean' divides by N. `label_smoothing` = e mixes the target with the uniform
    distribution: (1 - e) * the loss above + e * the mean over classes of -w[c] log softmax_c.
    Numerically stable for huge logits (`log_softmax` shifts by the max).
    """
    reduction = _reduction(reduction, size_average, reduce)
    if input.ndim == 0:
        raise ValueError("Expected 1 or more dimensions (got 0)")
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 0 if input.ndim == 1 else 1
    classes = input.shape[class_dim]
    log_probs = _functions.LogSoftmax.apply(input, dim=class_dim)  # F.log_softmax's node
    # w[c] laid along the class dim, so it broadcasts against (N, C, d1, ...)
    w = None if weight is None else weight.reshape(classes, *[1] * (input.ndim - class_dim - 1))
    if target.dtype.kind == "f" and target.shape == input.shape:  # class probabilities
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / classes
        weighted = log_probs * target if w is None else log_probs * target * w
        losses = -weighted.sum(class_dim)
        if reduction == "mean":  # divided by the number of samples, weights or not
            return losses.sum() / (input.numel() // max(classes, 1))
        return _reduce(losses, reduction)
    nll = nll_loss(log_probs, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing == 0:
        return nll
    # The smoothing term: -sum_c w[c] log softmax_c per sample, 0 for an ignored sample,
    # reduced like nll_loss (its 'mean' divides by the same total weight).
    kept = target._data != ignore_index
    smooth = -(log_probs if w is None else log_probs * w).sum(class_dim) * Tensor(
        kept.astype(input.dtype)
    )
    if reduction == "mean":
        safe = np.where(kept, target._data, 0)
        total = kept.sum() if weight is None else (weight._data[safe] * kept).sum()
        smooth = smooth.sum() / Tensor(np.asarray(total, dtype=input.dtype))
    else:
        smooth = _reduce(smooth, reduction)
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / classes)


def _check_class_targets(input: Tensor, target: Tensor, ignore_index: int = -100) -> int:
    """Validate class-index targets for (log-)probabilities `input`; return the class dim."""
    if input.ndim == 1:
        if target.ndim != 0:
            raise ValueError(
                f"for unbatched input of shape (C,), target must be a 0-D class index, got shape "
                f"{list(target.shape)}"
            )
        class_dim = 0
    elif input.ndim == 2:
        if target.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if target.shape[:1] != input.shape[:1]:
            batch = target.shape[0] if target.ndim else 0
            raise ValueError(
                f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                f"({batch})."
            )
        class_dim = 1
    else:
        expected = input.shape[:1] + input.shape[2:]
        if target.shape != expected:
            raise RuntimeError(f"Expected target size {list(expected)}, got {list(target.shape)}")
        class_dim = 1
    if target.dtype not in (np.int64, np.uint8):  # (after the shapes, in torch's order)
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {scalar_type_name(target.dtype)}"
        )
    classes = input.shape[class_dim]
    t = target._data
    bad = ((t < 0) | (t >= classes)) & (t != ignore_index)
    if bad.any():
        raise IndexError(f"Target {t[bad].flat[0]} is out of bounds.")
    return class_dim


# ---- classification: two classes -----------------------------------------------------------------
def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Optional[Tensor] = None,
    size_average: Optional[bool] = None,
    reduce: Optional[bool] = None,
    reduction: str = "mean",
) -> Tensor:
    """-w [y log x + (1 - y) log(1 - x)] for probabilities x in [0, 1] and targets y.

    One node (``BinaryCrossEntropyBackward0``); each log is clamped at -100 as in torch, so
    x = 0 or 1 gives a finite loss. Shapes: input, target and weight (if any) alike.
    """
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(
            f"Using a target size ({_size(target)}) that is different to the input size "
            f"({_size(input)}) is deprecated. Please ensure they have the same size."
        )
    x = input._data
    if ((x < 0) | (x > 1)).any():
        raise RuntimeError("all elements of input should be between 0 and 1")
    w = None
    if weight is not None:
        if weight.requires_grad:
            raise RuntimeError(
                "The function 'binary_cross_entropy' is not differentiable with respect to "
                "argument 'weight'. This input cannot have requires_grad True."
            )
        w = np.broadcast_to(weight._data, x.shape).astype(x.dtype)
    return _functions.BinaryCrossEntropy.apply(input, target, weight=w, reduction=reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Optional[Tensor] = None,
    size_average: Optional[bool] = None,
    reduce: Optional[bool] = None,
    reduction: str = "mean",
    pos_weight: Optional[Tensor] = None,
) -> Tensor:
    """binary_cross_entropy(sigmoid(x), y), computed stably from the logits x.

        loss = (1 - y) x + p * log(1 + e^-x),   p = 1 + (pos_weight - 1) y

    and log(1 + e^-x) = m + log(e^-m + e^(-x-m)) with m = max(-x, 0), so no exponent is
    positive (the shift m cancels, so it is taken off the tape). `pos_weight` (one per
    class, along the last dim) weighs the positive term; `weight` each element.
    """
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(
            f"Target size ({_size(target)}) must be the same as input size ({_size(input)})"
        )
    m = (-input).relu().detach()
    softplus_neg = m + ((-m).exp() + (-input - m).exp()).log()  # log(1 + e^-x)
    if pos_weight is not None:
        softplus_neg = softplus_neg * ((pos_weight - 1) * target + 1)
    loss = (1 - target) * input + softplus_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _size(t: Tensor) -> str:
    return f"minitorch_rnn.Size({list(t.shape)})"
