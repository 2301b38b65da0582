"""`nn.functional`: layers and losses as plain functions, built from the engine's primitives.

Nothing here has a backward of its own. Each function is a few tensor operations, so its
gradient comes from the tape: `linear` is an Addmm (x W^T + b as one node), `log_softmax` a
Sub, an Exp, a Sum and a Log. Read a function as the formula in its docstring.

    import minitorch_rnn.nn.functional as F
    loss = F.cross_entropy(F.linear(x, W, b), target)
"""

from __future__ import annotations

import warnings
from typing import Any, Optional

import numpy as np

from .. import random
from .._args import wrap_dim as _wrap_dim
from .._tensor import Tensor
from ..dtypes import scalar_type_name

__all__ = [
    "cross_entropy",
    "dropout",
    "linear",
    "log_softmax",
    "mse_loss",
    "nll_loss",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
]


# ---- layers ----------------------------------------------------------------------------------
def linear(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None) -> Tensor:
    """y = x W^T + b, applied to the last dim of `input`.

    Shapes: input (*, in_features), weight (out_features, in_features), bias (out_features,)
    -> output (*, out_features). `*` is any number of leading dims, including none.
    """
    if input.dtype != weight.dtype:  # numpy would quietly promote; torch refuses
        raise RuntimeError(
            "expected m1 and m2 to have the same dtype, but got: "
            f"{_torch_dtype(input).lower()} != {_torch_dtype(weight).lower()}"
        )
    if bias is not None and bias.dtype != weight.dtype:
        raise RuntimeError(
            "self and mat2 must have the same dtype, but got "
            f"{_torch_dtype(bias)} and {_torch_dtype(weight)}"
        )
    if bias is not None and input.ndim == 2:
        return bias.addmm(input, weight.T)  # bias + input @ weight.T as one node, as torch does
    if bias is not None and input.ndim > 2 and input.is_contiguous():
        # Fold the leading dims into rows, as torch does: then one addmm adds the bias in
        # place, where a matmul and then an add would write a second full-size array.
        rows = bias.addmm(input.view(-1, input.shape[-1]), weight.T)
        return rows.view(*input.shape[:-1], weight.shape[0])
    output = input @ weight.T
    if bias is not None:
        output = output + bias
    return output


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Inverted dropout: zero each entry with probability `p`, scale the rest by 1 / (1 - p).

    The scaling keeps the expected value of every entry unchanged, so nothing needs to change
    at evaluation time (`training=False` returns `input` itself). The mask is drawn from the
    package-wide generator, so `mt.manual_seed` makes it reproducible. Backward multiplies the
    gradient by the same mask (it is one Mul on the tape).
    """
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if inplace:
        raise NotImplementedError(
            "minitorch_rnn does not record in-place operations on the tape; use inplace=False"
        )
    if not training or p == 0.0:
        return input
    if p == 1.0:  # every entry dropped (and no division by zero)
        return input * 0.0
    keep = random.generator().random(input.shape) >= p  # True with probability 1 - p
    mask = keep.astype(input.dtype) / np.asarray(1.0 - p, dtype=input.dtype)
    return input * Tensor(mask)


# ---- activations: one primitive each, under torch's functional names ---------------------------
def tanh(input: Tensor) -> Tensor:
    """tanh(x) = (e^x - e^-x) / (e^x + e^-x), elementwise."""
    return input.tanh()


def relu(input: Tensor) -> Tensor:
    """max(x, 0), elementwise."""
    return input.relu()


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + e^-x), elementwise."""
    return input.sigmoid()


# ---- softmax family ----------------------------------------------------------------------------
def log_softmax(input: Tensor, dim: int) -> Tensor:
    """log softmax(x)_i = x_i - log sum_j e^{x_j}, along `dim`.

    Computed as (x - m) - log sum_j e^{x_j - m} with m = max_j x_j: every exponent is <= 0, so
    nothing overflows even for logits in the thousands. m is a constant shift (it cancels in
    the formula), so it is taken off the tape with `detach()`.
    """
    dim = _wrap_dim(dim, input.ndim)  # torch's IndexError for a dim the input does not have
    shifted = input - _max_shift(input, dim)
    return shifted - shifted.exp().sum(dim, keepdim=True).log()


def softmax(input: Tensor, dim: int) -> Tensor:
    """softmax(x)_i = e^{x_i} / sum_j e^{x_j} along `dim` (shifted by the max, as log_softmax)."""
    dim = _wrap_dim(dim, input.ndim)  # torch's IndexError for a dim the input does not have
    e = (input - _max_shift(input, dim)).exp()
    return e / e.sum(dim, keepdim=True)


def _max_shift(input: Tensor, dim: int) -> Any:
    """The max along `dim`, off the tape (0 along an empty dim: nothing to shift)."""
    if input.ndim and input.shape[dim] == 0:
        return 0.0
    return input.detach().max(dim, keepdim=True).values


# ---- losses ------------------------------------------------------------------------------------
def _reduce(loss: Tensor, reduction: str) -> Tensor:
    """'none': the per-element losses; 'mean': their average; 'sum': their total (0-d)."""
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean squared error: reduce((x - y)^2). Shapes: input and target alike (they broadcast).

    Both arguments get gradients: d/dx = 2 (x - y) / n, d/dy = -2 (x - y) / n for 'mean'.
    """
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if target.shape != input.shape:
        warnings.warn(
            f"Using a target size ({_size(target)}) that is different to the input size "
            f"({_size(input)}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            stacklevel=2,
        )
    diff = input - target
    return _reduce(diff * diff, reduction)


def nll_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Negative log likelihood: loss[n] = -input[n, target[n]] (input holds log-probabilities).

    Shapes: input (N, C) with target (N,); input (C,) with a 0-d target (one sample); or
    input (N, C, d1, ...) with target (N, d1, ...). Targets are class indices in [0, C).
    """
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    class_dim = _check_class_targets(input, target)
    indices = target._data
    # Pick log_probs[n, target[n, d1, ...], d1, ...] for every position (n, d1, ...): an
    # integer-array index whose class entry comes from `target` and the rest count up.
    grid: list[np.ndarray] = list(np.indices(indices.shape, sparse=True))
    grid.insert(class_dim, indices)
    picked = input[tuple(grid)]
    return _reduce(-picked, reduction)


def cross_entropy(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Cross entropy of logits and class indices: nll_loss(log_softmax(input, class_dim), target).

    loss[n] = -log softmax(x[n])_{target[n]} = log sum_j e^{x[n, j]} - x[n, target[n]].

    Shapes: input (N, C) logits with target (N,) int64 class indices; input (C,) with a 0-d
    target; input (N, C, d1, ...) with target (N, d1, ...). `reduction` is 'mean' (default),
    'sum' or 'none' (one loss per sample). Numerically stable for large logits, because
    `log_softmax` shifts by the max. Class weights, ignore_index, label smoothing and
    probability targets are not implemented.
    """
    if input.ndim == 0:
        raise ValueError("Expected 1 or more dimensions (got 0)")
    class_dim = 0 if input.ndim == 1 else 1
    return nll_loss(log_softmax(input, class_dim), target, reduction)


def _check_class_targets(input: Tensor, target: Tensor) -> int:
    """Validate class-index targets for (log-)probabilities `input`; return the class dim."""
    if target.dtype.kind == "f" and target.shape == input.shape:
        raise NotImplementedError(
            "class-probability targets are not supported; pass int64 class indices"
        )
    if target.dtype not in (np.int64, np.uint8):
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {_torch_dtype(target)}"
        )
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
    classes = input.shape[class_dim]
    bad = (target._data < 0) | (target._data >= classes)
    if bad.any():
        raise IndexError(f"Target {target._data[bad].flat[0]} is out of bounds.")
    return class_dim


def _torch_dtype(t: Tensor) -> str:
    return scalar_type_name(t.dtype)


def _size(t: Tensor) -> str:
    return f"minitorch_rnn.Size({list(t.shape)})"
