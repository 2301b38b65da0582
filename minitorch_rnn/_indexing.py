"""How torch reads ``x[index]``, as one numpy index with the same meaning (and torch's errors).

torch reads an index as its ``applySlicing`` does (python_variable_indexing.cpp): first the
*basic* items, left to right -- an int selects (the dim goes), a slice slices, None inserts a
dim, every ``...`` skips the dims nobody names, a bool inserts a dim indexed by ``[0]`` or
``[]``. Then the *advanced* items (tensors, lists, arrays) index the dims of that result: their
shapes broadcast into one block, which goes where the indexed dims were if they are next to
each other, else in front. numpy counts ints as advanced too, so it may put the block elsewhere
(``zeros(2, 2)[0, None, []]``: torch [1, 0], numpy [0, 1]); then we write the whole index as
integer arrays that broadcast to torch's result.

Skip on a first read: nothing here is autograd.
"""

from __future__ import annotations

import math
import operator
import os
import sys
import warnings
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

if TYPE_CHECKING:
    from ._tensor import Tensor

Shape = tuple[int, ...]


def index(idx: Any, shape: Shape) -> tuple[Any, list[Tensor]]:
    """A torch index into a tensor of `shape` as a numpy index, and the tensors inside it
    (their versions are watched). Raises torch's errors, in torch's order."""
    if idx is None or idx is Ellipsis:
        return idx, []
    if _is_int(idx):  # torch's fast path for one int
        return _select(shape, 0, operator.index(idx), 0), []
    if isinstance(idx, slice):
        s = _slice(idx)
        if not shape:
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
        return s, []
    if type(idx) is tuple and len(idx) <= len(shape) and all(type(i) in (int, slice) for i in idx):
        return _basic(idx, shape), []  # the common x[:, 3] and x[1:5, ::2], quickly
    if _is_tensor(idx) and idx.ndim and shape:  # the common x[ids] and x[mask], quickly
        a = idx._data
        if a.dtype.kind in "iu" and a.dtype != np.uint8:
            return _check_bounds([a], [shape[0]], a.shape, 0 in shape[1:])[0], [idx]
        if a.dtype == np.bool_ and a.ndim <= len(shape) and a.shape == shape[: a.ndim]:
            return a, [idx]
    if not _is_tuple(idx):
        return _Reading(shape).read((idx,))
    if isinstance(idx, list):
        warnings.warn(
            "Using a non-tuple sequence for multidimensional indexing is deprecated and will be "
            "changed in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this "
            "will be interpreted as tensor index, x[torch.tensor(seq)], which will result either "
            "in an error or a different result",
            UserWarning,
            stacklevel=_caller_level(),
        )
    return _Reading(shape).read(tuple(idx))


def _caller_level() -> int:
    """The `stacklevel` of the line with ``x[seq]``: the first frame outside this package."""
    frame, level = sys._getframe(2), 2
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level


_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def _basic(idx: tuple[Any, ...], shape: Shape) -> Any:
    """A tuple of ints and slices, one per leading dim: torch's checks of each."""
    for d, i in enumerate(idx):
        if type(i) is int:
            _select(shape, d, i, d)
        else:
            _slice(i)
    if all(type(i) is slice and _whole(i, n) for i, n in zip(idx, shape)):
        return Ellipsis  # (x[:, :] is x itself in torch, as x[...])
    return idx


def _whole(s: slice, n: int) -> bool:
    """Whether `s` takes all `n` entries (torch then skips it)."""
    return s.step in (None, 1) and s.start in (None, 0) and (s.stop is None or s.stop >= n)


def _is_tensor(i: Any) -> bool:
    return hasattr(i, "_data")  # (as _args.raw: a Tensor, without importing it here)


def _is_int(i: Any) -> bool:
    return isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_))


def _is_tuple(idx: Any) -> bool:
    """torch's (and numpy's old) rule: a short list holding a sequence, slice, None or ... is a
    tuple of indices (``x[[0, 1], [2, 3]]`` picks two entries); other lists are one index."""
    if isinstance(idx, tuple):
        return True
    if not isinstance(idx, list) or len(idx) >= 32:
        return False
    return any(
        isinstance(i, (list, tuple, np.ndarray, str, slice))
        or _is_tensor(i)
        or i is None
        or i is Ellipsis
        for i in idx
    )


def _slice(s: slice) -> slice:
    """`s` with torch's step errors (Python's own for 0, torch's for a negative step)."""
    step = 1 if s.step is None else operator.index(s.step)
    if step == 0:
        raise ValueError("slice step cannot be zero")
    if step < 0:
        raise ValueError("step must be greater than zero")
    return s


def _select(shape: Any, dim: int, i: int, real_dim: int) -> int:
    """torch's applySelect checks; `real_dim` counts every item before it (None included)."""
    if i == 0 and dim == 0 and len(shape) == 0:
        raise IndexError(
            "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
            "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number"
        )
    size = shape[dim] if dim < len(shape) else 0  # (torch reads a size past the end as 0)
    if not -size <= i < size:
        raise IndexError(f"index {i} is out of bounds for dimension {real_dim} with size {size}")
    return i


def _dim_error(dim: int, ndim: int) -> IndexError:
    n = max(ndim, 1)
    return IndexError(
        f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
    )


def _as_index_array(i: Any) -> np.ndarray:
    """A list or array index as torch converts it: bool and uint8 stay (masks), the rest int64."""
    if isinstance(i, str):
        raise TypeError("new(): invalid data type 'str'")
    if isinstance(i, (list, tuple)):
        i = [x._data if _is_tensor(x) else x for x in i]
    a = np.asarray(i)
    if a.dtype == np.bool_ or a.dtype == np.uint8:
        return a
    return a.astype(np.int64)


_ADVANCED = object()  # marks, in the item list, a dim an array indexes


class _Reading:
    """One pass over an index tuple, as torch's applySlicing: `view` is the shape after the basic
    items so far; `items` the numpy items (one per dim of `view`, plus the ints); `arrays` the
    advanced indices by the dim of `view` they index."""

    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        self.view: list[int] = list(shape)
        self.items: list[Any] = []
        self.arrays: dict[int, np.ndarray] = {}
        self.masks: dict[int, np.ndarray] = {}  # view dim -> a bool mask starting there
        self.bools: set[int] = set()  # view dims that a bool inserted (no dim of x)
        self.tensors: list[Tensor] = []
        self.dim = 0  # the view dim the next item applies to
        self.skip = 0  # the dims each ... covers

    def read(self, items: tuple[Any, ...]) -> tuple[Any, list[Tensor]]:
        specified = sum(_dims_named(i) for i in items)
        if specified > len(self.shape):
            raise IndexError(f"too many indices for tensor of dimension {len(self.shape)}")
        self.skip = len(self.shape) - specified
        identity = True
        for real_dim, i in enumerate(items):
            i = _as_scalar(i)
            identity = identity and self._keeps_x(i)
            self._one(i, real_dim)
        if not self.arrays and not self.masks:
            if identity:  # x[:, ...] is x itself in torch (writing to it is not via a view)
                return Ellipsis, []
            return tuple(self.items), []
        return self._advanced(), self.tensors

    def _keeps_x(self, i: Any) -> bool:
        """Whether item `i` leaves the tensor as it is (a whole slice, or ...)."""
        if isinstance(i, slice):
            return self.dim >= len(self.view) or _whole(i, self.view[self.dim])
        return i is Ellipsis

    def _one(self, i: Any, real_dim: int) -> None:
        d = self.dim
        if _is_int(i):
            self.items.append(_select(self.view, d, operator.index(i), real_dim))
            del self.view[d]
        elif isinstance(i, slice):
            s = _slice(i)
            if not self.view:
                raise IndexError("slice() cannot be applied to a 0-dim tensor.")
            if d >= len(self.view):  # (after several ...: torch lets a slice from 0 pass)
                if s.start in (None, 0) and s.step in (None, 1):
                    return
                raise _dim_error(d, len(self.view))
            self.items.append(s)
            self.view[d] = len(range(*s.indices(self.view[d])))
            self.dim += 1
        elif i is Ellipsis:
            self.items += [slice(None)] * max(min(self.skip, len(self.view) - d), 0)
            self.dim += self.skip
        elif i is None or isinstance(i, bool):
            if d > len(self.view):
                raise _dim_error(d, len(self.view) + 1)
            self.view.insert(d, 1)
            self.items.append(None)
            if i is not None:  # True indexes the new dim with [0], False with []
                self.arrays[d] = np.zeros(int(i), dtype=np.int64)
                self.bools.add(d)
            self.dim += 1
        elif _is_tensor(i):
            self._record(i._data)
            self.tensors.append(i)
        elif isinstance(i, (list, tuple, np.ndarray, str)):
            self._record(_as_index_array(i))
        else:
            try:
                n = operator.index(i)
            except TypeError:
                raise IndexError(
                    "only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                    f"Variables are valid indices (got {_type_name(i)})"
                ) from None
            self._one(n, real_dim)

    def _record(self, a: np.ndarray) -> None:
        mask = a.dtype in (np.bool_, np.uint8)  # a mask indexes one dim per dim of its own
        (self.masks if mask else self.arrays)[self.dim] = a
        n = a.ndim if mask else 1
        self.items += [_ADVANCED] * n
        self.dim += n

    def _advanced(self) -> Any:
        """torch's ``index(view, indices)``: its checks, then one numpy index for the whole."""
        indices = {**self.arrays, **self.masks}
        last = max(indices)  # torch's list of indices has one entry per mask, not per dim
        got = last + 1 - sum(m.ndim - 1 for d, m in self.masks.items() if d < last)
        if got > len(self.view):
            raise IndexError(
                f"too many indices for tensor of dimension {len(self.view)} (got {got})"
            )
        if any(a.dtype.kind not in "iub" for a in indices.values()):
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        for d, mask in sorted(self.masks.items()):
            for j, n in enumerate(mask.shape):
                if d + j >= len(self.view):
                    raise _dim_error(d + j, len(self.view))
                if self.view[d + j] != n:
                    raise IndexError(
                        f"The shape of the mask {list(mask.shape)} at index {j} does not match "
                        f"the shape of the indexed tensor {list(self.view)} at index {d + j}"
                    )
            self.arrays.update((d + j, a) for j, a in enumerate(np.nonzero(mask)))
        dims = sorted(self.arrays)
        arrays = [self.arrays[d] for d in dims]
        try:
            block = np.broadcast_shapes(*(a.shape for a in arrays))
        except ValueError:
            shapes = ", ".join(str(list(a.shape)) for a in arrays)
            raise IndexError(
                "shape mismatch: indexing tensors could not be broadcast together with shapes "
                f"{shapes}"
            ) from None
        empty = 0 in [n for d, n in enumerate(self.view) if d not in dims]
        arrays = _check_bounds(arrays, [self.view[d] for d in dims], block, empty)
        self.arrays.update(zip(dims, arrays))
        items = self._items()
        together = dims == list(range(dims[0], dims[-1] + 1))
        if not self.bools and _numpy_together(items) == together:
            view_dims = _view_dims(items)
            return tuple(
                i if d is None or i is not _ADVANCED else self.arrays[d] for d, i in view_dims
            )
        if not self.shape:  # only bools and None: numpy reads these as torch does
            return tuple(
                bool(len(self.arrays[d])) if d in self.bools else None
                for d in range(len(self.view))
            )
        return self._as_arrays(items, dims, block, together)

    def _items(self) -> list[Any]:
        """The items with a whole slice for each dim of `view` no item named."""
        named = sum(not _is_int(i) for i in self.items)
        return self.items + [slice(None)] * (len(self.view) - named)

    def _as_arrays(self, items: list[Any], dims: list[int], block: Shape, together: bool) -> Any:
        """The index as one integer array per dim of x, each broadcasting to torch's result."""
        rest = [d for d in range(len(self.view)) if d not in dims]
        at = dims[0] if together else 0  # where the block goes
        out_axes = {d: k if k < at else k + len(block) for k, d in enumerate(rest)}
        ndim = len(rest) + len(block)
        block_shape = (1,) * at + block + (1,) * (ndim - at - len(block))
        arrays: list[np.ndarray] = []
        x_dims = iter(self.shape)
        for d, item in _view_dims(items):
            if d is None:  # an int: a 0-d array
                arrays.append(np.asarray(item))
                next(x_dims)
            elif item is _ADVANCED:
                arrays.append(np.broadcast_to(self.arrays[d], block).reshape(block_shape))
                next(x_dims)
            elif item is not None:  # a slice: its positions, along its axis of the result
                positions = np.arange(next(x_dims))[item]
                shape = [1] * ndim
                shape[out_axes[d]] = len(positions)
                arrays.append(positions.reshape(shape))
        arrays[0] = np.broadcast_to(arrays[0], np.broadcast_shapes(arrays[0].shape, block_shape))
        return tuple(arrays)


def _view_dims(items: list[Any]) -> list[tuple[Optional[int], Any]]:
    """Each item with the dim of the view it stands for (None for an int, which has none)."""
    out: list[tuple[Optional[int], Any]] = []
    d = 0
    for i in items:
        if _is_int(i):
            out.append((None, i))
        else:
            out.append((d, i))
            d += 1
    return out


def _numpy_together(items: list[Any]) -> bool:
    """Whether numpy sees its advanced items (ints too, when there are arrays) side by side."""
    advanced = [i is _ADVANCED or _is_int(i) for i in items]
    first, last = advanced.index(True), len(advanced) - advanced[::-1].index(True)
    return all(advanced[first:last])


def _check_bounds(
    arrays: list[np.ndarray], sizes: list[int], block: Shape, empty: bool
) -> list[np.ndarray]:
    """torch's checks of index values, in its order: an index into a dim of size 0, then the
    first out-of-range value met (row by row through the broadcast indices) -- unless the
    result is empty (torch then reads no index: `arrays` come back clipped, for numpy)."""
    count = math.prod(block)
    for n in sizes:
        if n == 0 and count:
            raise IndexError("index is out of bounds for dimension with size 0")
    if all(a.size == 0 or (a.min() >= -n and a.max() < n) for a, n in zip(arrays, sizes)):
        return arrays
    if empty or not count:
        return [np.clip(a, -n, max(n - 1, 0)) for a, n in zip(arrays, sizes)]
    bad = [(a < -n) | (a >= n) for a, n in zip(arrays, sizes)]
    flat = [np.broadcast_to(b, block).ravel() for b in bad]
    where = int(np.argmax(np.any(flat, axis=0)))
    k = next(k for k, b in enumerate(flat) if b[where])
    value = np.broadcast_to(arrays[k], block).ravel()[where]
    raise IndexError(f"index {value} is out of bounds for dimension {k} with size {sizes[k]}")


def _dims_named(i: Any) -> int:
    """How many dims of x an item names, as torch counts them before reading (a bool mask
    tensor names its ndim, None, ... and bools none, anything else one)."""
    if _is_tensor(i):
        return i.ndim if i._data.dtype in (np.bool_, np.uint8) else 1
    return 0 if i is None or i is Ellipsis or isinstance(i, bool) else 1


def _as_scalar(i: Any) -> Any:
    """A 0-d integer tensor or array is an int to torch (it selects); a 0-d bool one a bool."""
    a = i._data if _is_tensor(i) else i
    if isinstance(a, np.ndarray) and a.ndim == 0:
        if a.dtype in (np.bool_, np.uint8):
            return bool(a)
        if a.dtype.kind in "iu":
            return int(a)
    return i


def _type_name(i: Any) -> str:
    """The type's name as Python's C API gives it (``numpy.bool``, ``float``)."""
    module = type(i).__module__.split(".")[0]
    return type(i).__name__ if module == "builtins" else f"{module}.{type(i).__name__}"
