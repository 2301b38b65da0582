"""Making tensors: from data or filled with a constant. (Random tensors: `sampling.py`.)"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ._args import as_array as _as_array
from ._args import shape_args as _shape_args
from ._tensor import Tensor
from .dtypes import float32, is_floating, to_dtype


def _size(size: Any) -> tuple[int, ...]:
    """A shape from ``f(2, 3)`` or ``f((2, 3))``; a negative size is torch's RuntimeError."""
    shape = _shape_args(size)
    for n in shape:
        if n < 0:
            raise RuntimeError(
                f"Trying to create tensor with negative dimension {n}: {list(shape)}"
            )
    return shape


def _make(a: np.ndarray, dtype: Any, requires_grad: bool) -> Tensor:
    dt = to_dtype(dtype)
    if dt is not None and a.dtype != dt:
        a = a.astype(dt)
    return Tensor(a, requires_grad=requires_grad)


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of `data` (numpy dtypes kept; Python floats become float32)."""
    a = np.array(data._data if isinstance(data, Tensor) else _as_array(data))
    return _make(a, dtype, requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with `array` (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    return Tensor(array)


def _float_dtype(dtype: Any) -> np.dtype:
    dt = to_dtype(dtype)
    return float32 if dt is None else dt


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of shape `size` (float32 unless `dtype` says otherwise)."""
    return Tensor(np.zeros(_size(size), dtype=_float_dtype(dtype)), requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of shape `size` (float32 unless `dtype` says otherwise)."""
    return Tensor(np.ones(_size(size), dtype=_float_dtype(dtype)), requires_grad)


def full(size: Any, fill_value: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of `size` filled with `fill_value` (an int gives int64, a bool gives bool)."""
    if dtype is None and isinstance(fill_value, (bool, int)):
        dtype = np.dtype(bool) if isinstance(fill_value, bool) else np.int64
    return Tensor(np.full(_size((size,)), fill_value, dtype=_float_dtype(dtype)), requires_grad)


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with `t`'s shape and dtype."""
    return Tensor(np.zeros(t.shape, dtype=to_dtype(dtype) or t.dtype), requires_grad)


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with `t`'s shape and dtype."""
    return Tensor(np.ones(t.shape, dtype=to_dtype(dtype) or t.dtype), requires_grad)


def arange(
    start: float,
    end: Optional[float] = None,
    step: float = 1,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Like torch: integers give int64, any float gives float32."""
    if end is None:
        start, end = 0, start
    floaty = any(isinstance(v, float) for v in (start, end, step))
    dt = to_dtype(dtype) or (float32 if floaty else np.dtype(np.int64))
    return Tensor(np.arange(start, end, step).astype(dt), requires_grad)


def is_tensor(obj: Any) -> bool:
    """True for a minitorch_rnn Tensor (or Parameter)."""
    return isinstance(obj, Tensor)


def is_floating_point(t: Tensor) -> bool:
    """True for float16/32/64 tensors."""
    return is_floating(t.dtype)
