"""Ops that choose, entry by entry, between values: the larger of two, a clamp, where, masked_fill.

Their backward *selects* (`np.where`) which input an output entry came from and sends the
gradient there alone -- never multiplying by a 0/1 mask, so an inf or NaN gradient on the side
not chosen cannot leak through as NaN (torch's formulas do the same).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Function
from .broadcast import broadcast_error, unbroadcast
from .pointwise import _binary


class Maximum(Function):
    """max(a, b) elementwise;  the gradient goes to the larger, half to each where they tie.

    Derivative: d/da = 1 where a > b, 1/2 where a = b, 0 elsewhere (and the same for b)
    """

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return _binary(np.maximum, a, b)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[Any, Any]:
        a, b = ctx.saved_tensors
        shared = np.where(a == b, grad / 2, grad)
        return (
            unbroadcast(np.where(a < b, 0, shared), a.shape),
            unbroadcast(np.where(a > b, 0, shared), b.shape),
        )


class Clamp(Function):
    """x limited to [min, max];  d/dx = 1 inside the range, 0 where it was clamped.

    Derivative: d/dx = 1 where min <= x <= max, else 0
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, min: Any = None, max: Any = None) -> np.ndarray:
        ctx.save_for_backward(x)
        ctx.bounds = min, max
        y = x if min is None else np.maximum(x, min)  # a NaN, in x or a bound, stays NaN (torch)
        y = y if max is None else np.minimum(y, max)
        return np.array(y, dtype=x.dtype)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        (x,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        keep = np.ones(x.shape, dtype=bool)
        if lo is not None:
            keep &= x >= lo
        if hi is not None:
            keep &= x <= hi
        return np.where(keep, grad, 0)


class Minimum(Function):
    """min(a, b) elementwise;  the gradient goes to the smaller, half to each where they tie.

    Derivative: d/da = 1 where a < b, 1/2 where a = b, 0 elsewhere (and the same for b)
    """

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return _binary(np.minimum, a, b)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[Any, Any]:
        a, b = ctx.saved_tensors
        shared = np.where(a == b, grad / 2, grad)
        return (
            unbroadcast(np.where(a > b, 0, shared), a.shape),
            unbroadcast(np.where(a < b, 0, shared), b.shape),
        )


class ClampTensor(Function):
    """x limited to [lo, hi] where the bounds are tensors (an absent one is passed as -inf/inf).

    d/dx = 1 where lo <= x <= hi; d/dlo = 1 where x < lo (and lo < hi); d/dhi = 1 where x > hi
    or hi < lo -- torch's clamp_backward and clamp_backward_min_max: when the bounds cross, the
    result is hi, and so is the gradient's destination.

    Derivative: d/dx = 1 inside [lo, hi]; d/dlo = 1 where x < lo; d/dhi = 1 where x > hi
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x, lo, hi)
        try:
            return np.minimum(np.maximum(x, lo), hi)  # a NaN anywhere stays NaN, as torch
        except ValueError:
            raise broadcast_error(x.shape, lo.shape, hi.shape) from None

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[Any, Any, Any]:
        x, lo, hi = ctx.saved_tensors
        zero = np.zeros((), dtype=grad.dtype)
        gx = np.where((x >= lo) & (x <= hi), grad, zero)
        glo = np.where((x < lo) & (lo < hi), grad, zero)
        ghi = np.where((x > hi) | (hi < lo), grad, zero)
        return unbroadcast(gx, x.shape), unbroadcast(glo, lo.shape), unbroadcast(ghi, hi.shape)


class Where(Function):
    """`condition ? a : b` elementwise (all three broadcast);  d/da = 1 where the condition
    holds, d/db = 1 elsewhere. The condition is a parameter: a mask has no gradient.

    Derivative: d/da = 1 where the condition holds, d/db = 1 elsewhere
    """

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray, condition: np.ndarray) -> np.ndarray:
        ctx.condition = condition
        ctx.shapes = a.shape, b.shape
        try:
            return np.where(condition, a, b)
        except ValueError:  # torch broadcasts condition, a, b in that order
            raise broadcast_error(condition.shape, a.shape, b.shape) from None

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[Any, Any]:
        cond, (sa, sb) = ctx.condition, ctx.shapes
        zero = np.zeros((), dtype=grad.dtype)
        ga = unbroadcast(np.where(cond, grad, zero), sa) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(np.where(cond, zero, grad), sb) if ctx.needs_input_grad[1] else None
        return ga, gb


class MaskedFill(Function):
    """x with `value` where `mask` is True (mask and x broadcast);  d/dx = 1 where the mask is
    False, 0 where it was filled (torch: ``grad.masked_fill(mask, 0)``).

    Derivative: d/dx = 1 where the mask is False, 0 where it was filled
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, mask: np.ndarray, value: Any) -> np.ndarray:
        ctx.mask, ctx.in_shape = mask, x.shape
        try:
            return np.where(mask, np.asarray(value, dtype=x.dtype), x)
        except ValueError:
            raise broadcast_error(mask.shape, x.shape) from None

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        return unbroadcast(np.where(ctx.mask, np.zeros((), dtype=grad.dtype), grad), ctx.in_shape)
