"""Matrix product with numpy's (and torch's) rules for 1-D, 2-D and batched operands."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._args import checked_number, number_like
from ..autograd.deferred import ProductSum
from ..autograd.function import Function
from ..dtypes import _scalar_dtype, category, scalar_type_name
from . import matmul_checks as checks
from .broadcast import unbroadcast


class MatMul(Function):
    """a @ b;  d/da = grad @ b^T, d/db = a^T @ grad (then summed over broadcast batch dims).

    Derivative: d(a @ b)/da = grad b^T, d(a @ b)/db = a^T grad
    """

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        if (
            a.dtype != b.dtype
            or a.dtype.kind == "b"
            or a.ndim == 0
            or b.ndim == 0
            or a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]
        ):  # numpy would promote, multiply bools or word it differently: torch's checks
            checks.matmul(a, b, ctx.needs_input_grad)
            return a.astype(b.dtype) @ b  # (mixed dtypes pass only when nothing is summed)
        if a.ndim > 2 and b.ndim == 2:  # (..., n) @ (n, m): one big 2-D product is fastest
            return (_rows(a) @ b).reshape(*a.shape[:-1], b.shape[1])
        try:
            return a @ b
        except ValueError:  # batch dims that do not broadcast
            checks.matmul(a, b, ctx.needs_input_grad)
            raise

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[Any, Any]:
        a, b = ctx.saved_tensors
        if a.dtype != b.dtype:  # an empty product of mixed dtypes (see forward): zero gradients
            wants_a, wants_b = ctx.needs_input_grad
            return np.zeros_like(a) if wants_a else None, np.zeros_like(b) if wants_b else None
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
                gb = _rows(a2).T @ _rows(g2)
            else:
                gb = unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2.shape)
            gb = gb.reshape(b.shape)
        return ga, gb


def _rows(x: np.ndarray) -> np.ndarray:
    """x (..., n) as one (rows, n) matrix (``reshape(-1, n)`` is ambiguous when n is 0)."""
    return x.reshape(math.prod(x.shape[:-1]), x.shape[-1])


class Addmm(Function):
    """beta * input + alpha * (m1 @ m2) for matrices m1, m2: torch's `addmm`, one tape node.

    `nn.RNN` uses it for ``(x_t W_ih^T + b) + h_{t-1} W_hh^T`` at every step, and `nn.Linear`
    for 2-D input (as torch's Linear does): one node where ``input + m1 @ m2`` makes two.
    d/d(input) = beta (summed over broadcast dims); d/dm1 = alpha grad m2^T;
    d/dm2 = alpha m1^T grad (torch scales the finished products).

    Derivative: d/d(input) = beta, d/dm1 = alpha grad m2^T, d/dm2 = alpha m1^T grad
    """

    @staticmethod
    def forward(
        ctx: Any, input: np.ndarray, m1: np.ndarray, m2: np.ndarray, beta: Any = 1, alpha: Any = 1
    ) -> np.ndarray:
        checks.addmm(input, m1, m2)  # numpy would quietly promote dtypes; torch refuses
        ctx.save_for_backward(m1, m2)
        ctx.input_shape, ctx.beta, ctx.alpha = input.shape, beta, alpha
        if beta != 1 or alpha != 1 or m1.dtype.kind != "f":
            return _addmm(input, m1, m2, beta, alpha)
        half = m1.dtype == np.float16  # torch sums in float32 and rounds once (no overflow midway)
        out = m1.astype(np.float32) @ m2.astype(np.float32) if half else m1 @ m2
        # the common case (Linear, RNN): input + m1 @ m2
        try:
            out += input  # in place: no second temporary
        except ValueError:  # `input` does not broadcast to the product's shape
            raise _expand_error(input.shape, out.shape, input.dtype) from None
        return out.astype(np.float16) if half else out

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[Any, Any, Any]:
        m1, m2 = ctx.saved_tensors
        wants_input, wants_m1, wants_m2 = ctx.needs_input_grad
        alpha = ctx.alpha
        g_input = unbroadcast(_times(grad, ctx.beta), ctx.input_shape) if wants_input else None
        if alpha == 1:
            return (
                g_input,
                grad @ m2.T if wants_m1 else None,
                ProductSum(m1, grad) if wants_m2 else None,  # m1^T @ g, deferred (see ProductSum)
            )
        return (  # (alpha inf: inf where a product is nonzero, NaN where it is 0)
            g_input,
            _times(grad @ m2.T, alpha) if wants_m1 else None,
            _times(m1.T @ grad, alpha) if wants_m2 else None,
        )


def _addmm(input: np.ndarray, m1: np.ndarray, m2: np.ndarray, beta: Any, alpha: Any) -> np.ndarray:
    """addmm off the common path, as torch's CPU kernel computes it."""
    shape, dtype = (m1.shape[0], m2.shape[1]), m1.dtype
    try:
        if np.broadcast_shapes(input.shape, shape) != shape:
            raise ValueError
    except ValueError:  # `input` does not broadcast to the product's shape
        raise _expand_error(input.shape, shape, input.dtype) from None
    if 0 in shape or beta == 0 and m1.shape[1] == 0:  # (beta 0: input ignored, NaN included)
        return np.zeros(shape, dtype)
    if m1.shape[1] == 0:  # no product at all: torch multiplies input by beta, in place
        rt = _scalar_dtype(beta)
        if category(rt) > category(dtype):  # int input, float beta: as x.mul_(0.5) refuses
            raise RuntimeError(
                f"result type {scalar_type_name(rt)} can't be cast to the desired output type "
                f"{scalar_type_name(dtype)}"
            )
        with np.errstate(over="ignore", invalid="ignore"):
            return np.broadcast_to(input, shape) * number_like(beta, dtype)
    if dtype == np.bool_:
        raise NotImplementedError("\"addmm_impl_cpu_\" not implemented for 'Bool'")
    # alpha and beta as the kernel reads them: in its type (float16 sums in float32), checked
    # (uint8 takes -1 as 255, refuses 256), integers truncated (int64 takes 0.5 as 0)
    work = np.dtype(np.float32) if dtype == np.float16 else dtype
    a, b = checked_number(alpha, work), checked_number(beta, work)
    x1, x2, c = (x.astype(work, copy=False) for x in (m1, m2, input))
    with np.errstate(invalid="ignore", over="ignore"):
        if a == 0 and dtype.char in "fd":  # MKL skips the product, NaN and inf included
            out = np.zeros(shape, dtype)
        elif a == 1:
            out = x1 @ x2
        elif dtype.kind == "f" and _alpha_per_term(m1, m2):  # alpha inf: NaN where a term is 0
            out = (x1 * a) @ x2
        else:
            out = (x1 @ x2) * a
        if b != 0:  # else torch ignores input, NaN and inf included
            out += c if b == 1 else c * b
        return out.astype(dtype, copy=False)


def _alpha_per_term(m1: np.ndarray, m2: np.ndarray) -> bool:
    """Does torch's gemm multiply alpha into every term of the sum (True; then alpha inf gives
    NaN wherever a term is inf * 0) or into the finished sum? Found by trying: it depends on the
    kernel (MKL for float32/64, torch's own for float16) and on how torch hands it the operands.
    BLAS is column-major: torch asks for C^T = m2^T m1^T when C has several columns, else for
    C = m1 m2, and passes an operand as "transposed" when its memory is row-major."""
    (m, k), n = m1.shape, m2.shape[1]
    several = n != 1
    first, second, rows, cols = (m2, m1, n, m) if several else (m1, m2, m, n)
    i, j = (1, 0) if several else (0, 1)

    def transposed(x: np.ndarray, lead: int, other: int) -> bool:  # (addmm_impl_cpu_'s tests)
        s = [v // x.itemsize for v in x.strides]
        if s[i] == 1 and s[j] >= max(1, lead):
            return False
        if s[j] == 1 and s[i] >= max(1, other):
            return True
        return not several  # (neither: torch copies it into the layout it then passes)

    if m1.dtype != np.float16:  # MKL: per term unless its first matrix comes transposed
        return m == n == 1 or not transposed(first, rows, k)
    return m > 1 and not transposed(first, rows, k) and (n == 1 or transposed(second, k, cols))


def _times(x: np.ndarray, s: Any) -> np.ndarray:
    """x * s for a number s, as torch multiplies (float16 in float32); x itself if s is 1."""
    if s == 1:
        return x
    with np.errstate(invalid="ignore", over="ignore"):
        if x.dtype == np.float16:
            return (x.astype(np.float32) * s).astype(np.float16)
        return x * s


def _expand_error(
    shape: tuple[int, ...], target: tuple[int, ...], dtype: Any, given: Any = None
) -> RuntimeError:
    """torch's message when `shape` cannot be expanded (broadcast) to `target` (`given`: the
    sizes as the caller wrote them, -1s included, if they were not `target` itself)."""
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
        f"at non-singleton dimension {len(target) + i}.  "
        f"Target sizes: {list(target if given is None else given)}.  "
        f"Tensor sizes: {list(shape)}"
    )
