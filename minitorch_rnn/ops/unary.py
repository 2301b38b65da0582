"""More elementwise functions of one tensor: sqrt, rsqrt, sin, cos, abs, and the step functions
(and `int_power`, the integer a ** b, which has no gradient).

(The activations -- tanh, sigmoid, relu -- and exp/log sit with the arithmetic in
`pointwise.py`.) Each backward is torch's formula from ``tools/autograd/derivatives.yaml``,
written the same way, so the edge cases -- sqrt at 0, abs at 0, a NaN -- give torch's answers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Function
from .broadcast import broadcast_error


class Sqrt(Function):
    """sqrt(x);  d/dx = 1 / (2 sqrt(x)), from the saved *output* (torch: ``grad / (2 * result)``,
    so at x = 0 the gradient is inf -- or NaN for a zero incoming gradient).

    Derivative: d sqrt(x)/dx = 1 / (2 sqrt(x))
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):  # sqrt(-1) is NaN, as torch, without a warning
            y = np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        (y,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad / (2 * y)


class Rsqrt(Function):
    """1 / sqrt(x);  d/dx = -1/2 x^(-3/2) = -0.5 * y^3 with y the output.

    Derivative: d x^(-1/2)/dx = -1/2 x^(-3/2)
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):  # rsqrt(0) = inf, as torch
            y = 1 / np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        (y,) = ctx.saved_tensors
        return -0.5 * grad * y**3


class Sin(Function):
    """sin(x);  d/dx = cos(x).

    Derivative: d sin(x)/dx = cos(x)
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        (x,) = ctx.saved_tensors
        return grad * np.cos(x)


class Cos(Function):
    """cos(x);  d/dx = -sin(x).

    Derivative: d cos(x)/dx = -sin(x)
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        (x,) = ctx.saved_tensors
        return grad * -np.sin(x)


def _sign(x: np.ndarray) -> np.ndarray:
    """torch.sign: -1, 0 or 1 -- and 0 for NaN, where numpy's sign gives NaN."""
    s = np.sign(x)
    return np.where(np.isnan(s), np.zeros((), x.dtype), s) if x.dtype.kind == "f" else s


class Abs(Function):
    """|x|;  d/dx = sign(x): 0 at x = 0 (and at NaN), as torch's ``grad * self.sgn()``.

    Derivative: d|x|/dx = sign(x)  (0 at x = 0)
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        (x,) = ctx.saved_tensors
        return grad * _sign(x)


# ---- step functions: flat almost everywhere, so torch's gradient is zero everywhere -----------
class _Step(Function):
    """A piecewise-constant function;  d/dx = 0 (torch: ``zeros_like(grad)``, even at the jumps)."""

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        return np.zeros_like(grad)


class Sign(_Step):
    """sign(x): -1, 0 or 1 (0 for NaN, as torch);  d/dx = 0.

    Derivative: d sign(x)/dx = 0
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        return _sign(x)


class Floor(_Step):
    """The largest integer <= x;  d/dx = 0.

    Derivative: d floor(x)/dx = 0
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        return np.floor(x)


class Ceil(_Step):
    """The smallest integer >= x;  d/dx = 0.

    Derivative: d ceil(x)/dx = 0
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        return np.ceil(x)


class Round(_Step):
    """x rounded to `decimals` places, halves to even (as torch: round(2.5) = 2);  d/dx = 0.

    Derivative: d round(x)/dx = 0
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, decimals: int = 0) -> np.ndarray:
        if decimals == 0:
            return np.rint(x)
        if decimals > 0:  # torch's kernel: nearbyint(x * 10^d) / 10^d
            scale = np.asarray(10.0**decimals, dtype=x.dtype)
            return np.rint(x * scale) / scale
        scale = np.asarray(10.0**-decimals, dtype=x.dtype)
        return np.rint(x / scale) * scale


def int_power(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a ** b for integer arrays of one dtype, as torch's `powi`: it wraps around on overflow (as
    numpy's does), and a negative exponent gives the integer part of 1 / a^|b| -- 1 for a base
    of 1, +-1 for -1, 0 for any other base, 0 included (numpy refuses negative powers)."""
    negative = b < 0
    try:
        y = np.power(a, np.where(negative, 0, b))
    except ValueError:
        raise broadcast_error(a.shape, b.shape) from None  # (sizes are checked first, as torch)
    if a.dtype == np.bool_:
        raise NotImplementedError("\"pow\" not implemented for 'Bool'")
    if negative.any():
        one = np.ones_like(y)
        sign = np.where((a == -1) & (b % 2 == 1), -one, one)
        y = np.where(negative, np.where((a == 1) | (a == -1), sign, 0), y).astype(y.dtype)
    return y
