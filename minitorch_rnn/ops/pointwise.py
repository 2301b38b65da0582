"""Elementwise ops: arithmetic, the activations, exp and log. Binary ones broadcast; their
backward reduces with `unbroadcast`. (More elementwise functions -- sqrt, sin, abs, floor --
are in `unary.py`; the ops that choose between values -- maximum, clamp, where -- in `select.py`.)

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


def _add_scaled(a: np.ndarray, b: np.ndarray, alpha: Any) -> np.ndarray:
    """a + alpha * b with alpha first cast to a's dtype, as torch's add kernel (so uint8 alpha -1
    is 255, and a float16 product is rounded before the sum, as torch's kernel does for small
    tensors; torch fuses the multiply-add of float32/64 -- last-bit differences)."""
    if alpha == 1:
        return _binary(np.add, a, b)
    dt = np.promote_types(a.dtype, b.dtype)  # (`x.add_(y)`: y's, when it is wider than x)
    scale = np.asarray(alpha, dtype=np.int64 if dt.kind in "iu" else None).astype(dt)
    with np.errstate(invalid="ignore"):  # inf * 0 is NaN quietly, as torch
        return _binary(np.add, a, scale * b)


def _times(grad: np.ndarray, alpha: Any) -> np.ndarray:
    """grad * alpha, as torch multiplies by a number (in float32 for float16: see `Mul`)."""
    if alpha == 1:
        return grad
    wide = np.float32 if grad.dtype == np.float16 else grad.dtype
    with np.errstate(over="ignore"):
        return (grad * np.asarray(alpha, dtype=wide)).astype(grad.dtype, copy=False)


class Add(Function):
    """a + alpha * b (alpha a number, 1 for ``a + b``);  d/da = 1, d/db = alpha.

    Derivative: d(a + alpha b)/da = 1, d(a + alpha b)/db = alpha  (summed over broadcast dims)
    """

    ufunc = np.add  # `x.add_(y)` outside the tape writes with it straight into x

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray, alpha: Any = 1) -> np.ndarray:
        ctx.shapes, ctx.alpha = (a.shape, b.shape), alpha
        return _add_scaled(a, b, alpha)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[Any, Any]:
        sa, sb = ctx.shapes
        gb = unbroadcast(_times(grad, ctx.alpha), sb) if ctx.needs_input_grad[1] else None
        return unbroadcast(grad, sa), gb


class Sub(Function):
    """a - alpha * b (alpha a number, 1 for ``a - b``);  d/da = 1, d/db = -alpha.

    Derivative: d(a - alpha b)/da = 1, d(a - alpha b)/db = -alpha
    """

    ufunc = np.subtract

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray, alpha: Any = 1) -> np.ndarray:
        ctx.shapes, ctx.alpha = (a.shape, b.shape), alpha
        if alpha == 1:
            return _binary(np.subtract, a, b)
        return _add_scaled(a, b, -alpha)  # torch subtracts by adding -alpha * b

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[Any, Any]:
        sa, sb = ctx.shapes
        gb = unbroadcast(_times(-grad, ctx.alpha), sb) if ctx.needs_input_grad[1] else None
        return unbroadcast(grad, sa), gb


class Mul(Function):
    """a * b;  d/da = b, d/db = a.

    Derivative: d(a * b)/da = b, d(a * b)/db = a
    """

    ufunc = np.multiply

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        wants_a, wants_b = ctx.needs_input_grad or (True, True)
        ctx.shapes, ctx.dtypes = (a.shape, b.shape), (a.dtype, b.dtype)
        ctx.save_for_backward(a if wants_b else None, b if wants_a else None)  # only what is read
        return _binary(np.multiply, a, b).astype(a.dtype, copy=False)  # (see _args.half_scalar)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[Any, Any]:
        a, b = ctx.saved_tensors
        (sa, sb), (da, db) = ctx.shapes, ctx.dtypes
        ga = unbroadcast(grad * b, sa).astype(da, copy=False) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(grad * a, sb).astype(db, copy=False) if ctx.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    """a / b;  d/da = 1/b, d/db = -a/b^2, computed as -(a/b)/b so a tiny b does not overflow
    b^2 (torch's derivatives.yaml does the same).

    Derivative: d(a / b)/da = 1/b, d(a / b)/db = -a/b^2
    """

    ufunc = np.divide

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return _binary(np.divide, a, b).astype(a.dtype, copy=False)  # (see _args.half_scalar)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[Any, Any]:
        a, b = ctx.saved_tensors
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = unbroadcast(grad / b, a.shape).astype(a.dtype, copy=False)
        if ctx.needs_input_grad[1]:
            gb = unbroadcast(-grad * ((a / b) / b), b.shape).astype(b.dtype, copy=False)
        return ga, gb


class Remainder(Function):
    """a mod b, with the sign of b (Python's % and torch.remainder);  d/da = 1,
    d/db = -floor(a / b).

    Derivative: d(a mod b)/da = 1, d(a mod b)/db = -floor(a / b)
    """

    ufunc = np.remainder

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            return _binary(np.remainder, a, b)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[Any, Any]:
        a, b = ctx.saved_tensors
        gb = None
        if ctx.needs_input_grad[1]:
            gb = unbroadcast(-grad * np.floor_divide(a, b), b.shape)
        return unbroadcast(grad, a.shape), gb


class Neg(Function):
    """-x;  d/dx = -1.

    Derivative: d(-x)/dx = -1
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        return -x

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        return -grad


class Pow(Function):
    """x ** p for a Python number p;  d/dx = p * x^(p-1).

    Derivative: d x^p/dx = p x^(p-1)
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, exponent: float) -> np.ndarray:
        ctx.save_for_backward(x)
        ctx.exponent = exponent
        if x.dtype == np.bool_:  # (only for a bool exponent; numpy has no bool power)
            return x.copy() if exponent else np.ones_like(x)
        with np.errstate(over="ignore"):  # float32 ** 1e300: inf, quietly, as torch
            return x**exponent

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        (x,) = ctx.saved_tensors
        p = ctx.exponent
        if p == 0 and p is not False:  # (torch: for False, the formula: 0 * 0^-1 is NaN)
            return np.zeros_like(grad)
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad * (p * x ** (p - 1))


class Tanh(Function):
    """tanh(x);  d/dx = 1 - tanh(x)^2, so we save the *output* (cheapest).

    Derivative: d tanh(x)/dx = 1 - tanh(x)^2
    """

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
    output lets the gradient through, as torch's ``threshold_backward`` does.

    Derivative: d relu(x)/dx = 1 where x > 0, else 0
    """

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
    """1 / (1 + e^-x);  d/dx = s(x) * (1 - s(x)).

    Derivative: d s(x)/dx = s(x) (1 - s(x))
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        # torch's formula: below about -88.7 (float32) e^-x overflows to inf and s(x) is 0,
        # as in torch (a "stable" e^x / (1 + e^x) would give a subnormal, and backward 1 / x
        # through it a different gradient)
        w = x.astype(np.float32) if x.dtype == np.float16 else x  # (half: in float32, as torch)
        with np.errstate(over="ignore"):
            y = (1 / (1 + np.exp(-w))).astype(x.dtype, copy=False)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        (y,) = ctx.saved_tensors
        return grad * y * (1 - y)


class Exp(Function):
    """e^x;  d/dx = e^x (the output again).

    Derivative: d e^x/dx = e^x
    """

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
    """ln(x);  d/dx = 1/x.

    Derivative: d ln(x)/dx = 1/x
    """

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
    """A copy;  d/dx = 1.

    Derivative: d/dx = 1: the gradient passes through
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        return x.copy()

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        return grad


class ToCopy(Function):
    """Change dtype (``x.to(mt.float64)``); the gradient goes back in the input's dtype.

    Derivative: d/dx = 1: the gradient, cast back to x's dtype
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, dtype: np.dtype) -> np.ndarray:
        ctx.in_dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        return grad.astype(ctx.in_dtype)
