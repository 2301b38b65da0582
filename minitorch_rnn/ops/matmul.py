"""Matrix product with numpy's (and torch's) rules for 1-D, 2-D and batched operands."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Function, ProductSum
from .broadcast import unbroadcast


def _matmul_error(a: tuple[int, ...], b: tuple[int, ...]) -> RuntimeError:
    if len(a) == 0 or len(b) == 0:
        return RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {len(a)}D and {len(b)}D"
        )
    rows = a if len(a) > 1 else (1,) + a
    cols = b if len(b) > 1 else b + (1,)
    m1 = "x".join(map(str, (int(np.prod(rows[:-1])), rows[-1])))
    m2 = "x".join(map(str, cols[-2:]))
    return RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({m1} and {m2})")


class MatMul(Function):
    """a @ b;  d/da = grad @ b^T, d/db = a^T @ grad (then summed over broadcast batch dims)."""

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        if a.ndim == 0 or b.ndim == 0 or a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
            raise _matmul_error(a.shape, b.shape)
        if a.ndim > 2 and b.ndim == 2:  # (..., n) @ (n, m): one big 2-D product is fastest
            return (a.reshape(-1, a.shape[-1]) @ b).reshape(*a.shape[:-1], b.shape[1])
        try:
            return a @ b
        except ValueError:  # batch dims that do not broadcast
            raise _matmul_error(a.shape, b.shape) from None

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[Any, Any]:
        a, b = ctx.saved_tensors
        if a.ndim == 1 and b.ndim == 1:  # dot product: grad is a scalar
            return grad * b, grad * a
        # Treat a 1-D operand as a matrix, as numpy does: a (n,) -> (1, n), b (n,) -> (n, 1).
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = grad
        if a.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        if b.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = g2 @ np.swapaxes(b2, -1, -2)
            ga = unbroadcast(ga, a2.shape).reshape(a.shape)
        if ctx.needs_input_grad[1]:
            if a.ndim == 2 and b.ndim == 2:  # a^T @ g, deferred: see ProductSum
                return ga, ProductSum(a, grad)
            if a2.ndim > 2 and b2.ndim == 2:  # sum over the batch inside one 2-D product
                gb = a2.reshape(-1, a2.shape[-1]).T @ g2.reshape(-1, g2.shape[-1])
            else:
                gb = unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2.shape)
            gb = gb.reshape(b.shape)
        return ga, gb
