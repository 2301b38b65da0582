"""``x[index] = value``, ``copy_``, ``fill_`` and ``masked_fill_``, with torch's rules.

torch turns ``x[index] = value`` into one of two in-place ops (python_variable_indexing.cpp):

* **basic** indices (ints, slices, None, ``...``) pick a view of x, and the value is *copied*
  into it (``copy_``): any dtype is cast, the value's leading size-1 dims are dropped and the
  rest is ``expand``ed to the view's shape (``x[0] = zeros(1, 3)`` fits a row of 3);
* **advanced** indices (tensors, lists, bools) make it ``index_put_``: the dtypes must match
  (no cast), and the value must broadcast to the indexing result. A single bool mask with a
  one-entry value is ``masked_fill_``, which casts.

The value is a Tensor or a Python number (numpy ints and float64, which are Python numbers to
torch, too); a list, an array, or a numpy float32 is refused. Before writing, torch checks the
leaf (``x[...]``, ``x[:]`` and ``x[[0]]`` write to x itself, ``x[0]`` to a view of it) and the
memory (`_memory`).

Skip on a first read: the tape's side of it is in autograd/inplace.py.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from . import _memory, _tensor
from ._args import checked_fill, checked_number, fill_number, index
from ._tensor_shape import CPP_NAMES
from .autograd import inplace
from .dtypes import scalar_type_name

if TYPE_CHECKING:
    from ._tensor import Tensor


def setitem(t: Tensor, idx: Any, value: Any) -> None:
    """``t[idx] = value`` (``Tensor.__setitem__``)."""
    value = _value(t, value)  # (torch converts the value first: its errors come first)
    if idx is False:
        return  # torch writes nothing for x[False] = v, and checks nothing
    assign(t, idx, value)


def assign(t: Tensor, idx: Any, value: Tensor) -> None:
    """Write the tensor `value` into ``t[idx]``: torch's ``copy_`` or ``index_put_``."""
    try:
        region = _Region(idx, t._data)
    except (TypeError, ValueError, IndexError):
        # (an index numpy cannot read: the translation gives torch's error)
        index(idx, t._data.shape)
        raise
    try:
        np_index, _ = index(idx, t._data.shape)
    except IndexError as e:  # an advanced index's errors come after the leaf check, and
        if region.advanced and region.sliced is not None:  # those index_put_ finds, after its
            inplace.check_leaf(t, through_view=not region.whole)  # overlap checks
            if str(e).startswith(_PUT_ERRORS):
                _memory.check_none(region.sliced, value._data, *region.arrays())
        raise
    if region.advanced:
        _index_put(t, np_index, region, value)
    else:
        _copy_to(t, np_index, region, value)


def copy(t: Tensor, src: Tensor) -> None:
    """``t.copy_(src)``: src broadcast to t and cast to its dtype."""
    inplace.check_leaf(t, others=(src,))
    if not _memory.same_data(t._data, src._data):
        _memory.check_internal(t._data)
        _memory.check_partial(t._data, src._data)
    inplace.check_broadcast(t._data.shape, src._data.shape)
    inplace.setitem(t, ..., _cast_into(t, src))


def fill(t: Tensor, value: Any) -> None:
    """``t.fill_(value)``: a number is written without the memory checks (filling is the
    same value everywhere); a 0-d tensor is copied (a clone, if it is part of t)."""
    inplace.check_leaf(t)
    if isinstance(value, _tensor.Tensor):
        if value.ndim:
            raise RuntimeError(
                "fill_ only supports 0-dimension value tensor but got tensor with "
                f"{value.ndim} dimensions."
            )
        return copy(t, value.clone() if np.may_share_memory(t._data, value._data) else value)
    # torch's error if the number does not fit the dtype: uint8.fill_(300)
    inplace.setitem(t, ..., _tensor.Tensor(checked_fill(value, t._data.dtype, t._data.size)))


# the index errors torch's index_put_ raises after its overlap checks (expandTensors, make_info)
_PUT_ERRORS = ("shape mismatch: indexing tensors", "index ")


# ---- the value ----------------------------------------------------------------------------


def _value(t: Tensor, value: Any) -> Tensor:
    """torch's ``valueToTensor``: a Tensor as it is, a number as a 0-d tensor of t's dtype."""
    if isinstance(value, _tensor.Tensor):
        return value
    dtype = t._data.dtype
    if isinstance(value, complex):
        if value.imag and dtype != np.bool_:
            raise RuntimeError(
                f"value cannot be converted to type {_C_NAMES[dtype.name]} without overflow"
            )
        value = value.real if dtype != np.bool_ else bool(value)
    elif isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        if not -(2**63) <= int(value) < 2**63:
            raise ValueError("Overflow when unpacking long long")
    elif not isinstance(value, (bool, float)):  # (np.float64 is a float; np.float32 is not)
        name = type(value).__name__
        if type(value).__module__.split(".")[0] == "numpy":
            name = f"numpy.{name}"
        raise TypeError(f"can't assign a {name} to a minitorch_rnn.{_legacy(dtype)}")
    return _tensor.Tensor(fill_number(value, dtype))  # checked: x[0] = 300 into uint8


# torch's names for a dtype in "value cannot be converted to type ... without overflow"
_C_NAMES = {
    "float16": "double",
    "float32": "float",
    "float64": "double",
    "int64": "int64_t",
    "int32": "int",
    "int16": "int16_t",
    "int8": "int8_t",
    "uint8": "uint8_t",
}


def _legacy(dtype: np.dtype) -> str:
    return f"{scalar_type_name(dtype)}Tensor"  # torch.HalfTensor, torch.LongTensor ...


def _cast_into(t: Tensor, value: Tensor) -> Tensor:
    """`value` in t's dtype: between floats on the tape (the gradient goes back cast)."""
    if value._data.dtype == t._data.dtype:
        return value
    if value._data.dtype.kind == "f" and t._data.dtype.kind == "f":
        return value.to(t._data.dtype)
    return _tensor.Tensor(value._data.astype(t._data.dtype))


def _strip(shape: tuple[int, ...]) -> tuple[int, ...]:
    """The value's shape without its leading size-1 dims (torch's ``slicePrefix1sSize``)."""
    k = 0
    while k < len(shape) and shape[k] == 1:
        k += 1
    return shape[k:]


def _stripped(value: Tensor) -> Tensor:
    shape = _strip(value._data.shape)
    return value if shape == value._data.shape else value.reshape(shape)


# ---- basic indices: copy_ -----------------------------------------------------------------


def _copy_to(t: Tensor, np_index: Any, region: _Region, value: Tensor) -> None:
    """torch's ``copy_to(view, value)``: the same shape is copied, a 0-d value fills, anything
    else is expanded to the view's shape first (with expand's errors, before the leaf's)."""
    dst, v = region.sliced, value._data
    if dst is None:  # an index torch refuses but numpy reads otherwise: numpy's error
        dst = t._data[np_index]
    src: Optional[np.ndarray] = v
    if dst.shape != v.shape:
        src = None if v.ndim == 0 else _expand(v.reshape(_strip(v.shape)), dst.shape)
        value = _stripped(value)
    inplace.check_leaf(t, through_view=not region.whole, others=(value,), index=np_index)
    if src is None or not _memory.same_data(dst, src):  # (copy_ has nothing to do then)
        _memory.check_internal(dst)
        if src is not None:
            _memory.check_partial(dst, src)
    inplace.setitem(t, np_index, _cast_into(t, value))


def _expand(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """`a` expanded to `shape` with torch's strides (a new leading dim of size 1 gets the stride
    of the dims after it, not 0), or expand's error. Read-only: it is only compared."""
    from .ops.matmul import _expand_error

    if len(shape) < a.ndim:
        raise _expand_error(a.shape, shape, a.dtype)
    out: list[int] = [0] * len(shape)
    for i in range(len(shape) - 1, -1, -1):
        d = i - (len(shape) - a.ndim)
        size = a.shape[d] if d >= 0 else 1
        stride = (
            a.strides[d] if d >= 0 else (shape[i + 1] * out[i + 1] if i + 1 < len(shape) else 0)
        )
        if size != shape[i]:
            if size != 1:
                raise _expand_error(a.shape, shape, a.dtype)
            stride = 0
        out[i] = stride
    return np.lib.stride_tricks.as_strided(a, shape, out, writeable=False)


# ---- advanced indices: index_put_ ---------------------------------------------------------


def _index_put(t: Tensor, np_index: Any, region: _Region, value: Tensor) -> None:
    """torch's ``index_put_(view, indices, value)``: no cast, and no overlap at all between
    the view and the value or an index -- unless it is a mask and one value: ``masked_fill_``."""
    sliced = region.sliced
    if sliced is None:  # (as in _copy_to)
        sliced = t._data[np_index]
    value = _stripped(value)
    inplace.check_leaf(t, through_view=not region.whole, others=(value,), index=np_index)
    mask = region.mask()
    if _memory.internal_overlap(sliced):
        _deprecated("index_put_", "tensor[indices] = tensor")
    if value._data.size == 1 and mask is not None:
        if mask.dtype != np.bool_:
            raise RuntimeError(
                "masked_fill_ only supports boolean masks, but got mask with dtype unsigned char"
            )
        trailing = sliced.ndim - mask.ndim - region.mask_dim  # (torch unsqueezes the mask)
        full_mask = np.lib.stride_tricks.as_strided(
            mask, mask.shape + (1,) * trailing, mask.strides + (mask.itemsize,) * trailing
        )
        return _fill_masked(t, np_index, sliced, full_mask, value)
    _memory.check_none(sliced, value._data, *region.arrays())
    target = t._data[np_index].shape
    v = value._data.shape
    if len(v) > len(target) or any(n not in (1, m) for n, m in zip(v[::-1], target[::-1])):
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(v)} cannot be broadcast to indexing "
            f"result of shape {list(target)}"
        )
    if value._data.dtype != t._data.dtype:
        raise RuntimeError(
            "Index put requires the source and destination dtypes match, got "
            f"{scalar_type_name(t._data.dtype)} for the destination and "
            f"{scalar_type_name(value._data.dtype)} for the source."
        )
    inplace.setitem(t, np_index, value)


def masked_fill(t: Tensor, mask: Tensor, value: Any) -> None:
    """``t.masked_fill_(mask, value)``: `mask` bool, broadcast to t; `value` a number or 0-d."""
    inplace.check_leaf(t)
    if mask._data.dtype != np.bool_:
        raise RuntimeError(
            f"masked_fill_ only supports boolean masks, but got mask with dtype "
            f"{CPP_NAMES.get(mask._data.dtype.name, mask._data.dtype.name)}"
        )
    if not isinstance(value, _tensor.Tensor):  # torch's error if it does not fit the dtype
        value = _tensor.Tensor(checked_number(value, t._data.dtype))
    elif value.ndim:
        raise RuntimeError(
            "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
            f"{value.ndim} dimension(s)."
        )
    inplace.check_broadcast(t._data.shape, mask._data.shape)
    mask_b = np.broadcast_to(mask._data, t._data.shape)
    _fill_masked(t, mask_b, t._data, mask_b, value)


def _fill_masked(
    t: Tensor, np_index: Any, dst: np.ndarray, mask: np.ndarray, value: Tensor
) -> None:
    """torch's ``masked_fill_``: a deprecation warning for an expanded `dst`, an error for a
    mask in part of its memory; the value is cast."""
    if _memory.internal_overlap(dst):
        _deprecated("masked_fill_", "tensor[mask] = scalar")
    if _memory.overlap(dst, mask) == "partial":
        raise RuntimeError(_memory.PARTIAL)
    inplace.setitem(t, np_index, _cast_into(t, value))


def _deprecated(op: str, example: str) -> None:
    warnings.warn(
        f"Use of {op} on expanded tensors is deprecated. Please clone() the tensor before "
        f"performing this operation. This also applies to advanced indexing e.g. {example}",
        UserWarning,
        stacklevel=4,
    )


class _Region:
    """What torch writes to for ``x[idx] = v``, read as its ``applySlicing`` reads the index.

    `sliced` is the view the ints, slices and Nones pick -- x's array itself when they pick
    all of it (`whole`: ``x[...]``, ``x[:]``, ``x[[0]]``) -- with torch's strides (a None dim's
    stride is the size times the stride of the dim after it; numpy's is 0). `indices` are the
    advanced items: (dim of `sliced`, array, is it a mask, its tensor's array or None). The
    index's errors are not raised here: the translation in `_args.index` raises them.
    """

    def __init__(self, idx: Any, a: np.ndarray) -> None:
        items = _items(idx)
        skip = a.ndim - sum(_dims(i) for i in items)  # the dims each ... covers
        basic: list[Any] = []  # the index with every advanced item a full slice
        self.indices: list[tuple[int, np.ndarray, bool, Optional[np.ndarray]]] = []
        self.whole, self.mask_dim = True, 0
        for i in items:
            kind = _kind(i)
            d = sum(1 for b in basic if not isinstance(b, int))  # the dim of `sliced` it reads
            if kind == "int":
                basic.append(int(i._data) if isinstance(i, _tensor.Tensor) else int(i))
                self.whole = False
            elif kind == "slice":
                k = sum(1 for b in basic if b is not None)  # the dim of x it slices
                self.whole &= k < a.ndim and _takes_all(i, a.shape[k])
                basic.append(i)
            elif kind in ("none", "bool"):
                if kind == "bool":
                    self.indices.append((d, np.zeros(1 if _truth(i) else 0, np.int64), False, None))
                basic.append(None)
                self.whole = False
            elif kind == "ellipsis":
                basic += [slice(None)] * max(skip, 0)
            elif kind == "array":
                arr = np.asarray(i._data if isinstance(i, _tensor.Tensor) else i)
                is_mask = arr.dtype in (np.bool_, np.uint8)
                own = i._data if isinstance(i, _tensor.Tensor) else None
                self.indices.append((d, arr, is_mask, own))
                basic += [slice(None)] * (arr.ndim if is_mask else 1)
        self.advanced = bool(self.indices)
        self.sliced: Optional[np.ndarray] = None  # (None: the translation gives the error)
        try:
            view = _memory.basic_view(a, tuple(basic))
            self.sliced = a if self.whole else view
        except (IndexError, TypeError, ValueError):
            pass

    def mask(self) -> Optional[np.ndarray]:
        """The one index, if it is a bool (or uint8) mask: then torch may fill instead."""
        if len(self.indices) == 1 and self.indices[0][2]:
            self.mask_dim = self.indices[0][0]
            return self.indices[0][1]
        return None

    def arrays(self) -> list[np.ndarray]:
        """The index tensors' own arrays (torch refuses to write over one of them)."""
        return [own for *_, own in self.indices if own is not None]


def _items(idx: Any) -> tuple[Any, ...]:
    if idx is True:
        return (None,)  # torch: x[True] = v is x[None] = v
    if isinstance(idx, tuple):
        return idx
    if isinstance(idx, list) and len(idx) < 32:
        if any(_kind(i) in ("array", "slice", "none", "ellipsis") for i in idx):
            return tuple(idx)  # (a list holding sequences is a tuple of indices)
    return (idx,)


def _kind(i: Any) -> str:
    if isinstance(i, (bool, np.bool_)):
        return "bool"
    if isinstance(i, (int, np.integer)):
        return "int"
    if isinstance(i, slice):
        return "slice"
    if i is None:
        return "none"
    if i is Ellipsis:
        return "ellipsis"
    a = i._data if isinstance(i, _tensor.Tensor) else i
    if isinstance(a, np.ndarray) and a.ndim == 0:
        return "bool" if a.dtype in (np.bool_, np.uint8) else "int"
    return "array"


def _dims(i: Any) -> int:
    """How many of x's dims an item names (torch's ``count_specified_dimensions``)."""
    kind = _kind(i)
    if kind in ("none", "bool", "ellipsis"):
        return 0
    if kind == "array" and isinstance(i, _tensor.Tensor) and i._data.dtype in (np.bool_, np.uint8):
        return i._data.ndim
    return 1


def _truth(i: Any) -> bool:
    return bool(i._data) if isinstance(i, _tensor.Tensor) else bool(i)


def _takes_all(s: slice, n: int) -> bool:
    """torch writes to x itself for a slice that starts at 0, steps by 1 and stops at the end
    or later (as written: ``x[-2:]`` is a view even when x has 2 entries)."""
    return s.start in (None, 0) and s.step in (None, 1) and (s.stop is None or s.stop >= n)
