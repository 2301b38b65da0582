"""torch's errors for a matrix product, raised in torch's order and words. Skip on a first read.

numpy's ``a @ b`` would promote mixed dtypes and multiply bool matrices; torch refuses both, and
*which* refusal you see depends on the kernel torch sends the shapes to. `matmul` below walks
torch's route (ATen's ``_matmul_impl``):

- 1-D @ 1-D is ``dot``; 2-D @ 1-D is ``mv``; 2-D @ 2-D is ``mm`` (a 1-D left operand as one row);
- N-D @ 1-D or 2-D (N >= 3), or the mirror case, is *folded* -- the N-D operand viewed as one tall
  matrix, then ``mm`` or ``mv`` -- when that needs no copy, or when the small operand requires
  grad (then its gradient is one product, not a sum over a batch);
- anything else broadcasts the batch dims and calls ``bmm``.

Each kernel checks sizes, dtypes and bool (torch has no bool products) in its own order, and an
empty product often skips the later checks. The functions here take arrays and only raise.
"""

from __future__ import annotations

import math

import numpy as np

from ..dtypes import scalar_type_name
from .broadcast import broadcast_error

# how C++ prints each dtype (mm's dtype message)
_CPP = {
    "bool": "bool",
    "uint8": "unsigned char",
    "int8": "signed char",
    "int16": "short int",
    "int32": "int",
    "int64": "long int",
    "float16": "c10::Half",
    "float32": "float",
    "float64": "double",
}


def _not_for_bool(kernel: str) -> NotImplementedError:
    return NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def dot(a: np.ndarray, b: np.ndarray) -> None:
    """1-D @ 1-D: dtypes, then sizes, then bool (even when empty)."""
    if a.dtype != b.dtype:
        raise RuntimeError(
            "dot : expected both vectors to have same dtype, but found "
            f"{scalar_type_name(a.dtype)} and {scalar_type_name(b.dtype)}"
        )
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to "
            f"have the same number of elements, but got {a.shape[0]} and {b.shape[0]} elements "
            "respectively"
        )
    if a.dtype == np.bool_:
        raise _not_for_bool("dot")


def mv(m: np.ndarray, v: np.ndarray) -> None:
    """matrix @ vector (torch's addmv with the result in v's dtype): sizes, dtypes, bool."""
    (rows, cols), n = m.shape, v.shape[0]
    if cols != n:
        raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{cols}), vec ({n})")
    if m.dtype != v.dtype:
        names = scalar_type_name(v.dtype), scalar_type_name(m.dtype)
        raise RuntimeError(
            f"addmv input tensors must have the same dtype, but got {names[0]}, {names[1]}, "
            f"and {names[0]}"
        )
    if m.dtype == np.bool_ and m.size:
        raise _not_for_bool("addmv_impl_cpu")


def mm(m1: np.ndarray, m2: np.ndarray) -> None:
    """matrix @ matrix: shapes, dtypes (even when empty), then bool unless nothing is summed."""
    (r, k), (k2, c) = m1.shape, m2.shape
    if k != k2:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({r}x{k} and {k2}x{c})")
    if m1.dtype != m2.dtype:
        raise RuntimeError(
            "expected m1 and m2 to have the same dtype, but got: "
            f"{_CPP[m1.dtype.name]} != {_CPP[m2.dtype.name]}"
        )
    if m1.dtype == np.bool_ and r * c and k:
        raise _not_for_bool("addmm_impl_cpu_")


def bmm(b1: np.ndarray, b2: np.ndarray) -> None:
    """A batch of products, (B, n, k) @ (B, k, p). An empty result or k = 0 checks no dtype (the
    result then has b2's dtype); small products (k n p < 400) run torch's own loop, larger float
    ones MKL's batched gemm, the rest one `mm` per batch item -- each with its own message."""
    bs, n, k = b1.shape
    if b2.shape[:2] != (bs, k):
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{bs}, {k}] but "
            f"got: [{b2.shape[0]}, {b2.shape[1]}]."
        )
    p = b2.shape[2]
    if bs * n * p == 0 or k == 0:
        return
    if k * n * p < 400:
        if b1.dtype == np.bool_:
            raise _not_for_bool("bmm")
        if b1.dtype != b2.dtype:
            raise RuntimeError(
                f"expected scalar type {scalar_type_name(b1.dtype)} but found "
                f"{scalar_type_name(b2.dtype)}"
            )
    elif b2.dtype.char in "fd" and _items_blas_ready(b1) and _items_blas_ready(b2):
        if b1.dtype != b2.dtype:
            raise RuntimeError(
                f"expected scalar type {scalar_type_name(b2.dtype)} but found "
                f"{scalar_type_name(b1.dtype)}"
            )
    else:
        mm(b1[0], b2[0])


def _items_blas_ready(t: np.ndarray) -> bool:
    """Is each matrix of the batch row- or column-major (what MKL's batched gemm takes)?"""
    (_, rows, cols), (_, s1, s2) = t.shape, _strides(t)
    return (s2 == 1 and (rows == 1 or s1 >= cols)) or (s1 == 1 and (cols == 1 or s2 >= rows))


def _strides(t: np.ndarray) -> list[int]:
    return [s // t.itemsize for s in t.strides]


def matmul(a: np.ndarray, b: np.ndarray, grads: tuple[bool, ...] = (False, False)) -> None:
    """Raise torch's error for ``a @ b``, if it has one; `grads`: which operand requires grad."""
    da, db = a.ndim, b.ndim
    if da == 0 or db == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {da}D and {db}D"
        )
    if da == db == 1:
        return dot(a, b)
    if da == 2 and db == 1:
        return mv(a, b)
    if da <= 2 and db == 2:
        return mm(a.reshape(1, -1) if da == 1 else a, b)
    if da == 3 and db == 3 and a.shape[0] != b.shape[0]:  # a batch of 1 that requires grad is
        if a.shape[0] == 1 and grads[0]:  # dropped, to reach the folded route below
            return matmul(a[0], b, grads)
        if b.shape[0] == 1 and grads[1]:
            return matmul(a, b[0], grads)
    if _should_fold(a, b, grads):
        if db > da:  # (a @ b)^T = b^T @ a^T: the big operand goes first
            a, b = np.swapaxes(b, -1, -2), (a.T if da == 2 else a)
        tall = a.reshape(math.prod(a.shape[:-1]), a.shape[-1])
        return mm(tall, b) if b.ndim == 2 else mv(tall, b)
    n, m1 = (a.shape[-2] if da > 1 else 1), a.shape[-1]
    m2, p = (b.shape[-2], b.shape[-1]) if db > 1 else (b.shape[0], 1)
    try:
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise broadcast_error(a.shape[:-2], b.shape[:-2]) from None
    size = math.prod(batch)
    b1 = np.broadcast_to(a, batch + (n, m1)).reshape(size, n, m1)
    b2 = np.broadcast_to(b, batch + ((m2, p) if db > 1 else (m2,))).reshape(size, m2, p)
    return bmm(b1, b2)


def _should_fold(a: np.ndarray, b: np.ndarray, grads: tuple[bool, ...]) -> bool:
    """torch's ``should_fold``: N-D @ 1-D/2-D goes to mm/mv if the small operand requires grad,
    or if the big one (not a 2-D left operand) views as a matrix without a copy."""
    a_big = a.ndim >= b.ndim
    big, small_ndim = (a, b.ndim) if a_big else (np.swapaxes(b, -1, -2), a.ndim)
    if big.ndim < 3 or small_ndim > 2:
        return False
    if grads[1] if a_big else grads[0]:
        return True
    if a.ndim == 2:  # (mm would give the transposed result: a copy to make it contiguous)
        return False
    if big.size == 0:
        return True
    s = _strides(big)
    return all(s[i] == s[i + 1] * big.shape[i + 1] for i in range(big.ndim - 2))


def addmm(input: np.ndarray, m1: np.ndarray, m2: np.ndarray) -> None:
    """addmm's checks before any arithmetic: dtypes, then dims, then shapes."""
    if not input.dtype == m1.dtype == m2.dtype:
        a, b = (input, m2) if input.dtype != m2.dtype else (m1, m2)
        raise RuntimeError(
            f"{'self' if a is input else 'mat1'} and mat2 must have the same dtype, but got "
            f"{scalar_type_name(a.dtype)} and {scalar_type_name(b.dtype)}"
        )
    if m1.ndim != 2 or m2.ndim != 2:
        which, ndim = ("mat1", m1.ndim) if m1.ndim != 2 else ("mat2", m2.ndim)
        raise RuntimeError(f"{which} must be a matrix, got {ndim}-D tensor")
    if m1.shape[1] != m2.shape[0]:
        (r, k), (k2, c) = m1.shape, m2.shape
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({r}x{k} and {k2}x{c})")
