"""Reductions: sum, mean, max. Backward spreads the gradient back over the reduced dims."""

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
    """sum over `axes`;  d/dx_i = 1 for every summed x_i."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, axes: Axes, keepdim: bool) -> np.ndarray:
        ctx.args = axes, keepdim, x.shape
        return x.sum(axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        axes, keepdim, shape = ctx.args
        return _expand(grad, axes, keepdim, shape)


class Mean(Function):
    """mean over `axes`;  d/dx_i = 1/n."""

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
    """max of all entries;  the gradient is shared evenly between tied maxima (as torch)."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        y = x.max()
        ctx.save_for_backward(np.isnan(x) if np.isnan(y) else x == y)  # a NaN max: the NaNs
        return y

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        (mask,) = ctx.saved_tensors
        share = (grad / mask.sum()).astype(grad.dtype, copy=False)
        return np.where(mask, share, np.zeros((), dtype=grad.dtype))


class MaxDim(Function):
    """max along `dim`, given the argmax `indices`;  the gradient goes to those positions."""

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
