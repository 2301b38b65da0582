"""Matrix product with numpy's (and torch's) rules for 1-D, 2-D and batched operands."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.deferred import ProductSum
from ..autograd.function import Function
from ..dtypes import scalar_type_name
from .broadcast import broadcast_error, unbroadcast


def _matmul_error(a: tuple[int, ...], b: tuple[int, ...]) -> RuntimeError:
    if len(a) == 0 or len(b) == 0:
        return RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {len(a)}D and {len(b)}D"
        )
    if len(a) == 1 and len(b) == 1:
        return RuntimeError(
            f"inconsistent tensor size, expected tensor [{a[0]}] and src [{b[0]}] to have the same "
            f"number of elements, but got {a[0]} and {b[0]} elements respectively"
        )
    if len(a) == 2 and len(b) == 1:
        return RuntimeError(f"size mismatch, got input ({a[0]}), mat ({a[0]}x{a[1]}), vec ({b[0]})")
    rows = a if len(a) > 1 else (1,) + a
    cols = b if len(b) > 1 else b + (1,)
    m1 = "x".join(map(str, (int(np.prod(rows[:-1])), rows[-1])))
    m2 = "x".join(map(str, cols[-2:]))
    return RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({m1} and {m2})")


def _dtype_error(a: np.dtype, b: np.dtype, vectors: bool) -> RuntimeError:
    if vectors:
        return RuntimeError(
            "dot : expected both vectors to have same dtype, but found "
            f"{scalar_type_name(a)} and {scalar_type_name(b)}"
        )
    c = {"float32": "float", "float64": "double", "float16": "c10::Half"}
    return RuntimeError(
        "expected m1 and m2 to have the same dtype, but got: "
        f"{c.get(a.name, a.name)} != {c.get(b.name, b.name)}"
    )


class MatMul(Function):
    """a @ b;  d/da = grad @ b^T, d/db = a^T @ grad (then summed over broadcast batch dims).

    Derivative: d(a @ b)/da = grad b^T, d(a @ b)/db = a^T grad
    """

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        if a.dtype != b.dtype and a.ndim and b.ndim:  # numpy would quietly promote; torch refuses
            raise _dtype_error(a.dtype, b.dtype, a.ndim == b.ndim == 1)
        if a.dtype == np.bool_:  # (torch has no bool kernels for products)
            kernel = (
                "dot"
                if a.ndim == b.ndim == 1
                else "addmv_impl_cpu"
                if b.ndim == 1
                else "addmm_impl_cpu_"
            )
            raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")
        if a.ndim == 0 or b.ndim == 0 or a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
            raise _matmul_error(a.shape, b.shape)
        if a.ndim > 2 and b.ndim == 2:  # (..., n) @ (n, m): one big 2-D product is fastest
            return (a.reshape(-1, a.shape[-1]) @ b).reshape(*a.shape[:-1], b.shape[1])
        try:
            return a @ b
        except ValueError:  # batch dims that do not broadcast
            raise broadcast_error(a.shape[:-2], b.shape[:-2]) from None

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


class Addmm(Function):
    """beta * input + alpha * (m1 @ m2) for matrices m1, m2: torch's `addmm`, one tape node.

    `nn.RNN` uses it for ``(x_t W_ih^T + b) + h_{t-1} W_hh^T`` at every step, and `nn.Linear`
    for 2-D input (as torch's Linear does): one node where ``input + m1 @ m2`` makes two.
    d/d(input) = beta (summed over broadcast dims); d/dm1 = alpha grad m2^T;
    d/dm2 = alpha m1^T grad.

    Derivative: d/d(input) = beta, d/dm1 = alpha grad m2^T, d/dm2 = alpha m1^T grad
    """

    @staticmethod
    def forward(
        ctx: Any, input: np.ndarray, m1: np.ndarray, m2: np.ndarray, beta: Any = 1, alpha: Any = 1
    ) -> np.ndarray:
        if m1.ndim != 2 or m2.ndim != 2:
            which, ndim = ("mat1", m1.ndim) if m1.ndim != 2 else ("mat2", m2.ndim)
            raise RuntimeError(f"{which} must be a matrix, got {ndim}-D tensor")
        if not input.dtype == m1.dtype == m2.dtype:  # numpy would quietly promote; torch refuses
            a, b = (input, m2) if input.dtype != m2.dtype else (m1, m2)
            raise RuntimeError(
                f"{'self' if a is input else 'mat1'} and mat2 must have the same dtype, but got "
                f"{scalar_type_name(a.dtype)} and {scalar_type_name(b.dtype)}"
            )
        if m1.shape[1] != m2.shape[0]:
            raise _matmul_error(m1.shape, m2.shape)
        ctx.save_for_backward(m1, m2)
        ctx.input_shape, ctx.beta, ctx.alpha = input.shape, beta, alpha
        if alpha == 0 and m1.dtype.char in "fd":  # BLAS (float32/64) skips the product then,
            # NaN and inf included; torch's own float16 kernel multiplies
            out = np.zeros((m1.shape[0], m2.shape[1]), dtype=m1.dtype)
        else:
            out = m1 @ m2
            if alpha != 1:
                out *= alpha
        try:
            if beta == 0:  # torch ignores `input` then, NaN and inf included
                if np.broadcast_shapes(input.shape, out.shape) != out.shape:
                    raise ValueError
            else:
                out += input if beta == 1 else beta * input  # in place: no second temporary
        except ValueError:  # `input` does not broadcast to the product's shape
            raise _expand_error(input.shape, out.shape, input.dtype) from None
        return out

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[Any, Any, Any]:
        m1, m2 = ctx.saved_tensors
        wants_input, wants_m1, wants_m2 = ctx.needs_input_grad
        g = grad if ctx.alpha == 1 else grad * ctx.alpha
        return (
            unbroadcast(grad if ctx.beta == 1 else grad * ctx.beta, ctx.input_shape)
            if wants_input
            else None,
            g @ m2.T if wants_m1 else None,
            ProductSum(m1, g) if wants_m2 else None,  # m1^T @ g, deferred (see ProductSum)
        )


def _expand_error(shape: tuple[int, ...], target: tuple[int, ...], dtype: Any) -> RuntimeError:
    """torch's message when `shape` cannot be expanded (broadcast) to `target`."""
    if len(shape) > len(target):
        name = f"minitorch_rnn.{scalar_type_name(dtype)}Tensor"
        if np.dtype(dtype) == np.bool_:
            name = "CPUBoolType"  # (torch has no legacy tensor name for bool here)
        return RuntimeError(
            f"expand({name}{{{list(shape)}}}, "
            f"size={list(target)}): the number of sizes provided ({len(target)}) must be "
            f"greater or equal to the number of dimensions in the tensor ({len(shape)})"
        )
    i = max(i for i in range(-len(shape), 0) if shape[i] not in (1, target[i]))
    return RuntimeError(
        f"The expanded size of the tensor ({target[i]}) must match the existing size ({shape[i]}) "
        f"at non-singleton dimension {len(target) + i}.  Target sizes: {list(target)}.  "
        f"Tensor sizes: {list(shape)}"
    )
