"""Elementwise ops. Binary ones broadcast; their backward reduces with `unbroadcast`.

Each class is one primitive: forward on arrays, then backward with the derivative in the
docstring. A binary op's backward only computes the gradients its inputs need.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Function
from .broadcast import broadcast_error, unbroadcast


def _binary(op: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    try:
        return op(a, b)
    except ValueError:
        raise broadcast_error(a.shape, b.shape) from None


class Add(Function):
    """a + b;  d/da = 1, d/db = 1."""

    ufunc = np.add  # `x.add_(y)` outside the tape writes with it straight into x

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.shapes = a.shape, b.shape
        return _binary(np.add, a, b)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[Any, Any]:
        sa, sb = ctx.shapes
        return unbroadcast(grad, sa), unbroadcast(grad, sb)


class Sub(Function):
    """a - b;  d/da = 1, d/db = -1."""

    ufunc = np.subtract

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.shapes = a.shape, b.shape
        return _binary(np.subtract, a, b)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[Any, Any]:
        sa, sb = ctx.shapes
        gb = unbroadcast(-grad, sb) if ctx.needs_input_grad[1] else None
        return unbroadcast(grad, sa), gb


class Mul(Function):
    """a * b;  d/da = b, d/db = a."""

    ufunc = np.multiply

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        wants_a, wants_b = ctx.needs_input_grad or (True, True)
        ctx.shapes = a.shape, b.shape
        ctx.save_for_backward(a if wants_b else None, b if wants_a else None)  # only what is read
        return _binary(np.multiply, a, b)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[Any, Any]:
        a, b = ctx.saved_tensors
        sa, sb = ctx.shapes
        ga = unbroadcast(grad * b, sa) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(grad * a, sb) if ctx.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    """a / b;  d/da = 1/b, d/db = -a/b^2, computed as -(a/b)/b so a tiny b does not overflow
    b^2 (torch's derivatives.yaml does the same)."""

    ufunc = np.divide

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return _binary(np.divide, a, b)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[Any, Any]:
        a, b = ctx.saved_tensors
        ga = unbroadcast(grad / b, a.shape) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(-grad * ((a / b) / b), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Neg(Function):
    """-x;  d/dx = -1."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        return -x

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        return -grad


class Pow(Function):
    """x ** p for a Python number p;  d/dx = p * x^(p-1)."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, exponent: float) -> np.ndarray:
        ctx.save_for_backward(x)
        ctx.exponent = exponent
        return x**exponent

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        (x,) = ctx.saved_tensors
        p = ctx.exponent
        return grad * (p * x ** (p - 1)) if p != 0 else np.zeros_like(grad)


class Tanh(Function):
    """tanh(x);  d/dx = 1 - tanh(x)^2, so we save the *output* (cheapest)."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        y = np.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        (y,) = ctx.saved_tensors
        d = 1 - y * y  # tanh' from the saved output
        d *= grad  # in place: one temporary fewer, at every step of an RNN
        return d


class Relu(Function):
    """max(x, 0);  d/dx = 1 where the output is positive, else 0.

    Backward *selects* (`np.where`) rather than multiplying by a 0/1 mask: an infinite incoming
    gradient times 0 would be NaN (``relu(x).log()`` at x = 0), and torch gives 0 there. A NaN
    output lets the gradient through, as torch's ``threshold_backward`` does."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        y = np.maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        (y,) = ctx.saved_tensors
        return np.where(y <= 0, 0, grad)


class Sigmoid(Function):
    """1 / (1 + e^-x);  d/dx = s(x) * (1 - s(x))."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        # exp of a negative number only: no overflow warning for large |x|
        e = np.exp(-np.abs(x))
        y = np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        (y,) = ctx.saved_tensors
        return grad * y * (1 - y)


class Exp(Function):
    """e^x;  d/dx = e^x (the output again)."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        y = np.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        (y,) = ctx.saved_tensors
        return grad * y


class Log(Function):
    """ln(x);  d/dx = 1/x."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):  # log(0) = -inf, quietly as torch
            return np.log(x)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        (x,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad / x


class Clone(Function):
    """A copy;  d/dx = 1."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        return x.copy()

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        return grad


class ToCopy(Function):
    """Change dtype (``x.to(mt.float64)``); the gradient goes back in the input's dtype."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, dtype: np.dtype) -> np.ndarray:
        ctx.in_dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        return grad.astype(ctx.in_dtype)


class PowTensor(Function):
    """a ** b for tensors a, b;  d/da = b a^(b-1) (0 where b = 0), d/db = a^b ln(a) (0 where
    a = 0 and b >= 0) -- torch's pow_backward_self / pow_backward_exponent."""

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        y = _binary(np.power, a, b)
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[Any, Any]:
        a, b, y = ctx.saved_tensors
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if ctx.needs_input_grad[0]:
                ga = unbroadcast(np.where(b == 0, 0, grad * b * a ** (b - 1)), a.shape)
            if ctx.needs_input_grad[1]:
                gb = unbroadcast(np.where((a == 0) & (b >= 0), 0, grad * y * np.log(a)), b.shape)
        return ga, gb


class Maximum(Function):
    """max(a, b) elementwise;  the gradient goes to the larger, half to each where they tie."""

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
    """x limited to [min, max];  d/dx = 1 inside the range, 0 where it was clamped."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, min: Any = None, max: Any = None) -> np.ndarray:
        ctx.save_for_backward(x)
        ctx.bounds = min, max
        y = x
        if min is not None:
            y = np.where(x < min, np.asarray(min, dtype=x.dtype), y)  # keeps NaN, as torch
        if max is not None:
            y = np.where(y > max, np.asarray(max, dtype=x.dtype), y)
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
    """min(a, b) elementwise;  the gradient goes to the smaller, half to each where they tie."""

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
    result is hi, and so is the gradient's destination."""

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
    holds, d/db = 1 elsewhere. The condition is a parameter: a mask has no gradient."""

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
    False, 0 where it was filled (torch: ``grad.masked_fill(mask, 0)``)."""

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
