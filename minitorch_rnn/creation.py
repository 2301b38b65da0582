"""Making tensors: from data or filled with a constant. (Random tensors: `sampling.py`.)"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from ._args import as_array as _as_array
from ._args import checked_fill as _checked_fill
from ._args import shape_args as _shape_args
from ._tensor import Tensor
from .device import check_device
from .dtypes import float32, is_floating, to_dtype


def _size(size: Any, fn: str = "empty") -> tuple[int, ...]:
    """A shape from ``f(2, 3)`` or ``f((2, 3))``; a negative size is torch's RuntimeError."""
    shape = _shape_args(size, fn)
    for n in shape:
        if n < 0:
            raise RuntimeError(
                f"Trying to create tensor with negative dimension {n}: {list(shape)}"
            )
    return shape


def _make(a: np.ndarray, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    """`a` as a Tensor of `dtype` (when given), on the CPU (the only device)."""
    check_device(device)
    dt = to_dtype(dtype)
    if dt is not None and a.dtype != dt:
        a = a.astype(dt)
    return Tensor(a, requires_grad=requires_grad)


def tensor(
    data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A new tensor holding a copy of `data` (numpy dtypes kept; Python floats become float32)."""
    a = np.array(data._data if isinstance(data, Tensor) else _as_array(data))
    if to_dtype(dtype) == np.float64 and a.dtype == float32 and not isinstance(data, np.generic):
        a = np.array(data, dtype=np.float64)  # Python floats are not rounded to float32 first
    return _make(a, dtype, device, requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with `array` (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    return Tensor(array)


def _float_dtype(dtype: Any) -> np.dtype:
    dt = to_dtype(dtype)
    return float32 if dt is None else dt


# ---- filled with one value ----------------------------------------------------------------------
def _size_arg(size: tuple[Any, ...], kw: dict[str, Any], fn: str) -> tuple[int, ...]:
    """``f(2, 3)``, ``f((2, 3))`` or ``f(size=(2, 3))``, as torch's factories take a size."""
    if "size" in kw:
        size = (kw.pop("size"),)
    if kw:
        raise TypeError(f"{fn}() got an unexpected keyword argument '{next(iter(kw))}'")
    return _size(size, fn)


def zeros(
    *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, **kw: Any
) -> Tensor:
    """Zeros of shape `size` (float32 unless `dtype` says otherwise)."""
    shape = _size_arg(size, kw, "zeros")
    return _make(np.zeros(shape, dtype=_float_dtype(dtype)), None, device, requires_grad)


def ones(
    *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, **kw: Any
) -> Tensor:
    """Ones of shape `size` (float32 unless `dtype` says otherwise)."""
    shape = _size_arg(size, kw, "ones")
    return _make(np.ones(shape, dtype=_float_dtype(dtype)), None, device, requires_grad)


def empty(
    *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, **kw: Any
) -> Tensor:
    """A tensor of shape `size` whose values do not matter (here: zeros, so runs repeat)."""
    shape = _size_arg(size, kw, "empty")
    return zeros(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def full(
    size: Any,
    fill_value: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of `size` filled with `fill_value` (an int gives int64, a bool gives bool)."""
    if dtype is None and isinstance(fill_value, (bool, int, np.integer)):
        dtype = np.dtype(bool) if isinstance(fill_value, bool) else np.int64
    shape, dt = _size((size,)), _float_dtype(dtype)  # (torch's error if the value does not fit)
    a = np.full(shape, _checked_fill(fill_value, dt, math.prod(shape)), dtype=dt)
    return _make(a, None, device, requires_grad)


def zeros_like(
    input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Zeros with `input`'s shape and dtype."""
    return full_like(input, 0, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(
    input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Ones with `input`'s shape and dtype."""
    return full_like(input, 1, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_like(
    input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A tensor with `input`'s shape and dtype whose values do not matter (here: zeros)."""
    return full_like(input, 0, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(
    input: Tensor,
    fill_value: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """`fill_value` everywhere, with `input`'s shape and dtype (``full_like(ints, 2.7)`` is 2)."""
    dt = to_dtype(dtype) or input.dtype  # (torch's error if the value does not fit)
    a = np.full(input.shape, _checked_fill(fill_value, dt, input.numel()), dtype=dt)
    return _make(a, None, device, requires_grad)


# ---- ranges and matrices ------------------------------------------------------------------------
def arange(
    start: Any,
    end: Any = None,
    step: Any = 1,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """start, start + step, ... up to (not including) end. Integers give int64, any float
    gives float32 -- the values computed in float64 first, as torch's CPU kernel does."""
    if end is None:
        start, end = 0, start
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    floaty = any(isinstance(v, (float, np.floating)) for v in (start, end, step))
    dt = to_dtype(dtype) or (float32 if floaty else np.dtype(np.int64))
    if dt.kind in "iub":  # an integer dtype: torch truncates start, end and step first
        if step != 0 and int(step) == 0:
            raise ValueError("step must be nonzero")
        start, end, step = int(start), int(end), int(step)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    a = np.arange(start, end, step, dtype=np.float64 if dt.kind == "f" else np.int64)
    return _make(a.astype(dt), None, device, requires_grad)


def linspace(
    start: Any,
    end: Any,
    steps: int,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """`steps` evenly spaced values from `start` to `end`, both included (float32 by default).

    As torch's kernel: the first half counts up from `start`, the second half down from `end`,
    so both ends are exact."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    start, end = (v.item() if isinstance(v, Tensor) else v for v in (start, end))
    dt = _float_dtype(dtype)
    if dt.kind != "f":  # integers: torch truncates the ends, and steps by a float64
        start, end = int(start), int(end)
    lo, hi = np.asarray(start, dtype=dt), np.asarray(end, dtype=dt)
    if steps <= 1:
        return _make(lo.reshape(-1)[:steps], None, device, requires_grad)
    step_dt = dt if dt.kind == "f" else np.dtype(np.float64)
    step = (hi.astype(step_dt) - lo.astype(step_dt)) / (steps - 1)
    # torch's compiled kernel does `start + step * i` as one fused multiply-add, rounded once:
    # we compute it in a wider type and round at the end (float64's wider type is numpy's
    # longdouble: 80 bits on x86-64, where 2 values in 10^5 still differ by an ulp; elsewhere it
    # may be float64 itself, and more differ). float16 rounds after every operation, as c10::Half.
    wide = {2: step_dt, 4: np.dtype(np.float64)}.get(step_dt.itemsize, np.dtype(np.longdouble))
    i = np.arange(steps).astype(wide)
    up = lo.astype(wide) + step.astype(wide) * i
    down = hi.astype(wide) - step.astype(wide) * (steps - 1 - i)
    values = np.where(i < steps // 2, up, down).astype(step_dt)  # the one rounding
    return _make(values.astype(dt), None, device, requires_grad)  # (to integers: truncated)


def eye(
    n: int,
    m: Optional[int] = None,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """An n x m matrix (n x n by default) with ones on the diagonal and zeros elsewhere."""
    for name, v in (("n", n), ("m", m)):
        if v is not None and v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    a = np.eye(n, n if m is None else m, dtype=_float_dtype(dtype))
    return _make(a, None, device, requires_grad)


def is_tensor(obj: Any) -> bool:
    """True for a minitorch_rnn Tensor (or Parameter)."""
    return isinstance(obj, Tensor)


def is_floating_point(t: Tensor) -> bool:
    """True for float16/32/64 tensors."""
    return is_floating(t.dtype)
