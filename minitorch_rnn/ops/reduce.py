"""Reductions: sum, mean, max/min, var/std, prod, and the running sum cumsum.

Backward spreads the gradient back over the reduced dims."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ..autograd.function import Function

Axes = Optional[tuple[int, ...]]


def _expand(grad: np.ndarray, axes: Axes, keepdim: bool, shape: tuple[int, ...]) -> np.ndarray:
    """Put the reduced dims back (size 1) and broadcast to `shape` (a read-only view, no copy)."""
    if axes is None:  # a scalar gradient: np.full is cheaper than broadcast_to's Python wrapper
        return np.full(shape, grad, dtype=grad.dtype)
    if not keepdim:
        grad = np.expand_dims(grad, axes)
    return np.broadcast_to(grad, shape)


class Sum(Function):
    """sum over `axes`;  d/dx_i = 1 for every summed x_i.

    Derivative: d sum(x)/dx_i = 1: grad spread back over the summed dims
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, axes: Axes, keepdim: bool) -> np.ndarray:
        ctx.args = axes, keepdim, x.shape
        return x.sum(axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        axes, keepdim, shape = ctx.args
        return _expand(grad, axes, keepdim, shape)


class Mean(Function):
    """mean over `axes`;  d/dx_i = 1/n.

    Derivative: d mean(x)/dx_i = 1/n
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, axes: Axes, keepdim: bool) -> np.ndarray:
        ctx.args = axes, keepdim, x.shape
        ctx.count = x.size if axes is None else int(np.prod([x.shape[a] for a in axes]))
        return x.mean(axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        axes, keepdim, shape = ctx.args
        return _expand(grad / ctx.count, axes, keepdim, shape)


class Max(Function):
    """max of all entries;  the gradient is shared evenly between tied maxima (as torch).

    Derivative: d max(x)/dx_i = 1/k for each of the k tied maxima, 0 elsewhere
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        y = x.max()
        # the maxima (a NaN max: the NaNs); x and y are saved as torch saves them, so changing
        # either in place before backward is torch's error
        ctx.save_for_backward(np.isnan(x) if np.isnan(y) else x == y, x, y)
        return y

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        mask = ctx.saved_tensors[0]
        share = (grad / mask.sum()).astype(grad.dtype, copy=False)
        return np.where(mask, share, np.zeros((), dtype=grad.dtype))

    def name(self) -> str:
        return type(self).__name__ + "Backward1"  # torch's max() / min() of all entries


class MaxDim(Function):
    """max along `dim`, given the argmax `indices`;  the gradient goes to those positions.

    Derivative: d/dx = grad at the argmax along dim, 0 elsewhere
    """

    @staticmethod
    def forward(
        ctx: Any, x: np.ndarray, dim: int, keepdim: bool, indices: np.ndarray
    ) -> np.ndarray:
        idx = np.expand_dims(indices, dim)
        ctx.save_for_backward(idx)
        ctx.args = dim, keepdim, x.shape
        y = np.take_along_axis(x, idx, axis=dim)
        return y if keepdim else y.squeeze(dim)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        (idx,) = ctx.saved_tensors
        dim, keepdim, shape = ctx.args
        out = np.zeros(shape, dtype=grad.dtype)
        np.put_along_axis(out, idx, grad if keepdim else np.expand_dims(grad, dim), axis=dim)
        return out


class Min(Max):
    """min of all entries;  the gradient is shared evenly between tied minima (as torch).

    Derivative: d min(x)/dx_i = 1/k for each of the k tied minima, 0 elsewhere
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        y = x.min()
        ctx.save_for_backward(np.isnan(x) if np.isnan(y) else x == y, x, y)
        return y


class MinDim(MaxDim):
    """min along `dim`, given the argmin `indices`;  the gradient goes to those positions.

    Derivative: d/dx = grad at the argmin along dim, 0 elsewhere
    """


def _centered(x: np.ndarray, axes: Axes) -> np.ndarray:
    return x - x.mean(axis=axes, keepdims=True)


class Var(Function):
    """Variance over `axes`, sum (x_i - mean)^2 / (N - correction);
    d/dx_i = 2 (x_i - mean) / (N - correction).

    Derivative: d var(x)/dx_i = 2 (x_i - mean) / (N - correction)
    """

    @staticmethod
    def forward(
        ctx: Any, x: np.ndarray, axes: Axes, correction: float, keepdim: bool
    ) -> np.ndarray:
        ctx.save_for_backward(x)
        ctx.args = axes, correction, keepdim
        with np.errstate(divide="ignore", invalid="ignore"):  # N <= correction: inf/NaN, as torch
            return x.var(axis=axes, ddof=correction, keepdims=keepdim)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        (x,) = ctx.saved_tensors
        return _var_backward(grad, x, *ctx.args)


def _var_backward(
    grad: np.ndarray, x: np.ndarray, axes: Axes, correction: float, keepdim: bool
) -> np.ndarray:
    n = x.size if axes is None else int(np.prod([x.shape[a] for a in axes]))
    if axes is not None and not keepdim:
        grad = np.expand_dims(grad, axes)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (2.0 / (n - correction)) * grad * _centered(x, axes)


class Std(Function):
    """Standard deviation, sqrt(var);  d/dx_i = (x_i - mean) / ((N - correction) std), and 0
    where std = 0 (torch's std_backward masks those, where the formula would give NaN).

    Derivative: d std(x)/dx_i = (x_i - mean) / ((N - correction) std)
    """

    @staticmethod
    def forward(
        ctx: Any, x: np.ndarray, axes: Axes, correction: float, keepdim: bool
    ) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.sqrt(x.var(axis=axes, ddof=correction, keepdims=keepdim))
        ctx.save_for_backward(x, y)
        ctx.args = axes, correction, keepdim
        return y

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        x, y = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            g = np.where(y == 0, np.zeros((), dtype=grad.dtype), grad / (y * 2))
        return _var_backward(g, x, *ctx.args)


class Cumsum(Function):
    """Running sum along `dim`, y_i = x_0 + ... + x_i;  d/dx_j = sum over i >= j of grad_i, a
    running sum from the other end.

    Derivative: d/dx_j = sum of grad_i over i >= j (a running sum from the other end)
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, dim: int) -> np.ndarray:
        ctx.dim = dim
        return np.cumsum(x, axis=dim, dtype=x.dtype if x.dtype.kind == "f" else np.int64)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        d = ctx.dim
        return np.flip(np.cumsum(np.flip(grad, d), axis=d), d)


class Prod(Function):
    """Product over `dim` (all entries when None);  d/dx_i = prod_{j != i} x_j, which is
    y / x_i when no entry is zero (torch divides then too); with zeros, the product of the
    others comes from running products from both ends (torch's prod_safe_zeros_backward).

    Derivative: d prod(x)/dx_i = the product of the other entries
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, dim: Optional[int], keepdim: bool) -> np.ndarray:
        y = x.prod(axis=dim, keepdims=keepdim)
        ctx.save_for_backward(x, y)
        ctx.args = dim, keepdim
        return y

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        x, y = ctx.saved_tensors
        dim, keepdim = ctx.args
        if x.ndim == 0:
            return grad
        if dim is None:  # the whole tensor: one long row
            return _prod_backward(grad.reshape(1), x.reshape(-1), y.reshape(1), 0).reshape(x.shape)
        if not keepdim:
            grad, y = np.expand_dims(grad, dim), np.expand_dims(y, dim)
        return _prod_backward(grad, x, y, dim)


def _prod_backward(grad: np.ndarray, x: np.ndarray, y: np.ndarray, dim: int) -> np.ndarray:
    """d prod / dx along `dim`: y / x, or, if any x is 0, (product before) * (product after)."""
    if not (x == 0).any():
        return grad * (y / x)
    ones = np.ones_like(np.take(x, [0], axis=dim))
    before = np.cumprod(np.concatenate([ones, np.delete(x, -1, axis=dim)], axis=dim), dim)
    rev = np.flip(np.delete(x, 0, axis=dim), dim)
    after = np.flip(np.cumprod(np.concatenate([ones, rev], axis=dim), dim), dim)
    return grad * before * after
