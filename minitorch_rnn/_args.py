"""Turning what a user passes -- numbers, lists, arrays, dims, shapes, indices -- into what the
ops expect, with torch's defaults and torch's errors. Used by `Tensor` and the factories.

Skip on a first read: nothing here is autograd.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from .dtypes import float32, promote_types, result_type

if TYPE_CHECKING:
    from ._tensor import Tensor


def as_array(data: Any) -> np.ndarray:
    """Python data -> array with torch's default dtypes (Python floats become float32; numpy
    arrays and numpy scalars keep theirs, so ``tensor(np.float64(1.5))`` is float64)."""
    if hasattr(data, "_data"):  # a Tensor
        return data._data
    if isinstance(data, (list, tuple)):
        _check_ragged(data)
    a = np.asarray(data)
    if a.dtype == np.float64 and not isinstance(data, (np.ndarray, np.generic)):
        if not _holds_numpy_float64(data):
            a = a.astype(np.float32)
    if a.dtype.hasobject:
        raise TypeError(f"can't convert an object of type {type(data).__name__} to a tensor")
    return a


def _holds_numpy_float64(data: Any) -> bool:
    """torch infers float64 from numpy float64 scalars inside a list too."""
    first = data
    while isinstance(first, (list, tuple)) and first:
        first = first[0]
    return isinstance(first, (np.float64, np.ndarray)) and first.dtype == np.float64


def _check_ragged(data: Sequence[Any], dim: int = 0) -> None:
    """torch's ValueError for a list whose rows differ in length (numpy would make objects)."""
    lengths = [len(x) if isinstance(x, (list, tuple)) else None for x in data]
    if not lengths or lengths[0] is None:
        if any(n is not None for n in lengths):
            raise ValueError(f"expected sequence of length 0 at dim {dim + 1} (got 1)")
        return
    for n in lengths:
        if n != lengths[0]:
            raise ValueError(f"expected sequence of length {lengths[0]} at dim {dim + 1} (got {n})")
    for x in data:
        _check_ragged(x, dim + 1)


def new(a: Any) -> Tensor:
    """A result off the tape (an index, a comparison, a cast to integers) as a Tensor."""
    from ._tensor import Tensor

    return Tensor(np.asarray(a))


def raw(x: Any) -> Any:
    """A Tensor's array; anything else as it is."""
    return x._data if hasattr(x, "_data") else x


def number_like(x: Any, dtype: np.dtype) -> np.ndarray:
    """A Python number as a 0-d array of `dtype`."""
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, int) and dtype.kind in "iu":  # wraps around as torch's does: uint8 -1 is 255
        return np.asarray(x, dtype=np.int64).astype(dtype)
    return np.asarray(x, dtype=dtype)


def cast(t: Tensor, dtype: np.dtype) -> Tensor:
    """`t` in `dtype`: on the tape between floats, off it otherwise (integers have no gradient)."""
    if t._data.dtype == dtype:
        return t
    return t.to(dtype)


def operands(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """Two operands of a binary op, as Tensors of torch's common dtype (`result_type`)."""
    from ._tensor import Tensor

    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    if ta and tb:
        if a._data.dtype is b._data.dtype:  # the common case: nothing to do
            return a, b
        dt = result_type(a, b)
        return cast(a, dt), cast(b, dt)
    if not (ta or tb):
        raise TypeError("at least one operand must be a Tensor")
    t, x = (a, b) if ta else (b, a)
    if isinstance(x, (bool, int, float, np.number, np.bool_)):
        dt = result_type(t, x)
        t, other = cast(t, dt), Tensor(number_like(x, dt))
    else:  # a list or an array: a tensor in its own right
        other = Tensor(as_array(x))
        dt = result_type(t, other)
        t, other = cast(t, dt), cast(other, dt)
    return (t, other) if ta else (other, t)


def common_dtype(tensors: Sequence[Tensor]) -> np.dtype:
    """The dtype `cat` and friends give a list of tensors (torch promotes them all)."""
    dt = tensors[0]._data.dtype
    for t in tensors[1:]:
        dt = promote_types(dt, t._data.dtype)
    return dt


def floating(t: Tensor) -> Tensor:
    """`t` itself if it is a float tensor, else float32 (torch: tanh of an int tensor is float)."""
    return t if t._data.dtype.kind == "f" else cast(t, float32)


def wrap_dim(dim: int, ndim: int) -> int:
    """`dim` as a position 0..ndim-1 (torch's maybe_wrap_dim): negative dims count from the end,
    and a 0-d tensor takes -1 and 0 as if it had one dim. Any other dim: torch's IndexError."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim % n


def axes(dim: Any, ndim: int) -> Optional[tuple[int, ...]]:
    """Reduction dims as sorted positions; None for "all of them"."""
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    if dim is None or len(dims) == 0:  # torch: sum(dim=()) reduces every dim, like dim=None
        return None
    out = tuple(sorted(wrap_dim(d, ndim) for d in dims))
    for a, b in zip(out, out[1:]):
        if a == b:
            raise RuntimeError(f"dim {a} appears multiple times in the list of dims")
    return out if ndim else None


def shape_args(shape: Sequence[Any]) -> tuple[int, ...]:
    """Accept both `x.reshape(2, 3)` and `x.reshape((2, 3))`."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(int(n) for n in shape[0])
    return tuple(int(n) for n in shape)


def index(idx: Any) -> tuple[Any, list[Tensor]]:
    """A torch index as a numpy index, and the tensors inside it (their versions are watched).

    torch reads a list of lists as a tuple of indices (``x[[0, 1], [2, 3]]`` picks two
    entries), and ``x[[]]`` as an empty integer index.
    """
    from ._tensor import Tensor

    tensors: list[Tensor] = []

    def one(i: Any) -> Any:
        if isinstance(i, Tensor):
            if i._data.dtype.kind not in "iub":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            tensors.append(i)
            return i._data
        if isinstance(i, (list, tuple)):
            a = np.asarray([x._data if isinstance(x, Tensor) else x for x in i])
            return a.astype(np.int64) if a.size == 0 else a
        if isinstance(i, slice) and i.step is not None and i.step <= 0:
            raise ValueError("step must be greater than zero")
        return i

    if isinstance(idx, list) and idx and any(isinstance(i, (list, tuple, Tensor)) for i in idx):
        idx = tuple(idx)  # torch: a list holding sequences is a tuple of indices
    if isinstance(idx, tuple):
        return tuple(one(i) for i in idx), tensors
    return one(idx), tensors
