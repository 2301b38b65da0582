"""Exercise 4, solved: four ops for the real engine (see stub.py for the lesson)."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from minitorch_rnn.autograd import Function


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum `grad` down to `shape`, undoing numpy's broadcasting."""
    grad = grad.sum(axis=tuple(range(grad.ndim - len(shape))))  # the leading axes added
    return grad.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)


class Mul(Function):
    """a * b, broadcasting;  d/da = b, d/db = a (each summed back to its input's shape)."""

    on_arrays = True

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a, b = ctx.saved_tensors
        return unbroadcast(grad * b, a.shape), unbroadcast(grad * a, b.shape)


class MatMul(Function):
    """a @ b for matrices (n, k) @ (k, m) -> (n, m);  d/da = grad @ b^T, d/db = a^T @ grad."""

    on_arrays = True

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a, b = ctx.saved_tensors
        return grad @ b.T, a.T @ grad


class Tanh(Function):
    """tanh(x);  d/dx = 1 - tanh(x)^2."""

    on_arrays = True

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        y = np.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        (y,) = ctx.saved_tensors
        return grad * (1 - y * y)


class Sum(Function):
    """x summed over axis `dim` (all axes when None), keeping it as size 1 if `keepdim`."""

    on_arrays = True

    @staticmethod
    def forward(
        ctx: Any, x: np.ndarray, dim: Optional[int] = None, keepdim: bool = False
    ) -> np.ndarray:
        ctx.shape, ctx.dim, ctx.keepdim = x.shape, dim, keepdim
        return x.sum(axis=dim, keepdims=keepdim)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        if ctx.dim is not None and not ctx.keepdim:
            grad = np.expand_dims(grad, ctx.dim)  # the summed axis back, as size 1
        return np.broadcast_to(grad, ctx.shape)
