"""Powers with a tensor exponent: ``a ** b`` for tensors a and b, and ``number ** b``.

(``a ** number`` is `Pow` in pointwise.py; integer powers are `int_power` in unary.py.)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd.function import Function
from .broadcast import unbroadcast
from .pointwise import _binary


class PowTensor(Function):
    """a ** b for tensors a, b;  d/da = b a^(b-1) (0 where b = 0), d/db = a^b ln(a) (0 where
    a = 0 and b >= 0) -- torch's pow_backward_self / pow_backward_exponent.

    Derivative: d a^b/da = b a^(b-1), d a^b/db = a^b ln(a)
    """

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray, exponent_dtype: Any = None) -> np.ndarray:
        if a.ndim == 0 and b.ndim == 0:  # numpy's 0-d power is not C's: (-inf) ** 0.5 is nan
            y = _binary(np.power, a.reshape(1), b.reshape(1)).reshape(())
        else:
            y = _binary(np.power, a, b)
        ctx.save_for_backward(a, b, y)
        ctx.exponent_dtype = exponent_dtype  # b's own dtype, when promotion changed it
        return y

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[Any, Any]:
        a, b, y = ctx.saved_tensors
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if ctx.needs_input_grad[0]:
                ga = unbroadcast(np.where(b == 0, 0, grad * b * a ** _minus_one(b, ctx)), a.shape)
            if ctx.needs_input_grad[1]:
                zero = (a == 0) & (b >= 0)  # torch: grad * where(...), so an inf grad gives nan
                gb = unbroadcast(grad * np.where(zero, 0, y * np.log(a)), b.shape)
        return ga, gb

    def name(self) -> str:
        return "PowBackward1"  # torch's name for pow(Tensor, Tensor)


class PowNumberBase(PowTensor):
    """``number ** b`` for a tensor b: PowTensor with the number as a 0-d array (torch's
    pow(Scalar, Tensor) node, named apart).

    The number's logarithm is taken of the number itself, not of its rounding to the tensor's
    dtype (``1e-45 ** half_x``: ln(1e-45), not ln(0)), as torch's pow_backward_exponent does.

    Derivative: d c^b/db = c^b ln(c)
    """

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray, number: Any = None) -> np.ndarray:
        ctx.number = number
        return PowTensor.forward(ctx, a, b)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[Any, Any]:
        c = ctx.number
        if c is None or not ctx.needs_input_grad[1]:
            return PowTensor.backward(ctx, grad)
        a, b, y = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            log_c = math.log(c) if c > 0 else (-math.inf if c == 0 else math.nan)
            term = y * log_c
            if c == 0:  # torch: grad * where(b >= 0, 0, ...): an inf grad still gives nan
                term = np.where(b >= 0, 0, term).astype(term.dtype)
            gb = grad * term
        return None, unbroadcast(gb, b.shape)

    def name(self) -> str:
        return "PowBackward2"


def _minus_one(b: np.ndarray, ctx: Any) -> np.ndarray:
    """``exponent - 1`` as torch's pow_backward computes it: in the exponent's own dtype (a
    float16 exponent of a float32 base rounds there; a bool exponent is torch's error)."""
    dt = ctx.exponent_dtype
    if dt is None or dt == b.dtype:
        return b - 1
    if dt == np.bool_:
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
            "trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return (b.astype(dt) - dt.type(1)).astype(b.dtype)
