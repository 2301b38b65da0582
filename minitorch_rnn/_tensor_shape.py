"""Tensor's shape methods: views (reshape, transpose, permute, ...), indexing, gather, splitting.

A *view* shares memory with the tensor it came from; `Function.apply` remembers which tensor
and which op (`Tensor._view`), so an in-place change of a view can be recorded on its base
(see autograd/inplace.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _tensor, ops
from ._args import checked_number, index, shape_args, wrap_dim
from .autograd.function import watch_versions

if TYPE_CHECKING:
    from ._tensor import Tensor


class ShapeMethods:
    __slots__ = ()  # (a mixin of Tensor, which keeps its fields in slots)
    _data: np.ndarray

    def reshape(self, *shape: Any) -> Tensor:
        """The same entries in a new shape (`-1` infers one dim)."""
        return ops.Reshape.apply(self, shape=shape_args(shape, "reshape", "shape"))

    def view(self, *shape: Any) -> Tensor:
        """The same entries in a new shape, sharing memory (torch refuses when it cannot)."""
        return ops.View.apply(self, shape=shape_args(shape))

    def view_as(self, other: Tensor) -> Tensor:
        """`self.view(other.shape)`."""
        return self.view(other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        """`self.reshape(other.shape)`."""
        return self.reshape(other.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge dims `start_dim`..`end_dim` into one."""
        n = self._data.ndim
        if n == 0:
            return self.reshape(1)
        s, e = wrap_dim(start_dim, n), wrap_dim(end_dim, n)
        if s > e:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
        if s == e:  # nothing to merge: torch gives the tensor itself
            return self  # type: ignore[return-value]
        shape = self._data.shape
        return self.reshape(*shape[:s], int(np.prod(shape[s : e + 1])), *shape[e + 1 :])

    def is_contiguous(self) -> bool:
        """True when the entries lie in memory in row-major order, with no gaps (as torch)."""
        return bool(self._data.flags.c_contiguous)

    def contiguous(self) -> Tensor:
        """Self if contiguous, else a contiguous copy (on the tape)."""
        return self if self.is_contiguous() else ops.Clone.apply(self)  # type: ignore[return-value]

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Swap two dims."""
        dim0, dim1 = wrap_dim(dim0, self._data.ndim), wrap_dim(dim1, self._data.ndim)
        return ops.Transpose.apply(self, dim0=dim0, dim1=dim1)

    swapaxes = transpose

    def t(self) -> Tensor:
        """The transpose of a tensor of at most 2 dims."""
        if self._data.ndim > 2:
            raise RuntimeError(
                f"t() expects a tensor with <= 2 dimensions, but self is {self._data.ndim}D"
            )
        return self.transpose(0, 1) if self._data.ndim == 2 else self.view(self.shape)

    def permute(self, *dims: Any) -> Tensor:
        """Reorder the dims."""
        dims = shape_args(dims, "permute", "dims")
        ndim = self._data.ndim
        if len(dims) != ndim:  # (torch's words, "sparse_coo" included)
            raise RuntimeError(
                "permute(sparse_coo): number of dimensions in the tensor input does not match the "
                "length of the desired ordering of dimensions i.e. input.dim() = "
                f"{ndim} is not equal to len(dims) = {len(dims)}"
            )
        dims = tuple(wrap_dim(d, ndim) for d in dims)
        if len(set(dims)) != len(dims):
            raise RuntimeError("permute(): duplicate dims are not allowed.")
        return ops.Permute.apply(self, dims=dims)

    @property
    def T(self) -> Tensor:
        """The transpose of a 2-D tensor (all dims reversed)."""
        return ops.Permute.apply(self, dims=tuple(range(self._data.ndim - 1, -1, -1)))

    def unsqueeze(self, dim: int) -> Tensor:
        """Insert a dim of size 1 at `dim`."""
        dim = wrap_dim(dim, self._data.ndim + 1)  # it may also go after the last dim
        return ops.Unsqueeze.apply(self, shape=np.expand_dims(self._data, dim).shape)

    def squeeze(self, dim: Any = None) -> Tensor:
        """Drop dims of size 1 (only `dim`, if given)."""
        if dim is None:
            shape = tuple(n for n in self._data.shape if n != 1)
        else:
            dims = {
                wrap_dim(d, self._data.ndim) for d in (dim if isinstance(dim, tuple) else (dim,))
            }
            shape = tuple(n for i, n in enumerate(self._data.shape) if not (i in dims and n == 1))
        return ops.Squeeze.apply(self, shape=shape)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        """Split along `dim` into a tuple of tensors, from one tape node."""
        dim = wrap_dim(dim, self._data.ndim)
        if self._data.ndim == 0:
            raise IndexError("Dimension specified as 0 but tensor has no dimensions")
        return ops.Unbind.apply(self, dim=dim)

    def narrow(self, dim: int, start: int, length: int) -> Tensor:
        """Entries `start`..`start+length` along `dim` (a view)."""
        dim = wrap_dim(dim, self._data.ndim)
        size = self._data.shape[dim]
        start = start + size if start < 0 else start
        if not 0 <= start <= size or length < 0 or start + length > size:
            raise RuntimeError(
                f"start ({start}) + length ({length}) exceeds dimension size ({size})."
            )
        return self[(slice(None),) * dim + (slice(start, start + length),)]

    def split(self, split_size: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """Pieces of `split_size` along `dim` (the last may be smaller), or of the listed sizes."""
        if self._data.ndim == 0:
            raise RuntimeError("split expects at least a 1-dimensional tensor")
        dim = wrap_dim(dim, self._data.ndim)
        size = self._data.shape[dim]
        if isinstance(split_size, int):
            if split_size <= 0 and size:
                raise RuntimeError(
                    f"split_size can only be 0 if dimension size is 0, but got dimension size of "
                    f"{size}"
                )
            sizes = [min(split_size, size - i) for i in range(0, size, split_size or 1)] or [0]
        else:
            sizes = list(split_size)
            if sum(sizes) != size:
                raise RuntimeError(
                    f"split_with_sizes expects split_sizes to sum exactly to {size} (input "
                    f"tensor's size at dimension {dim}), but got split_sizes={sizes}"
                )
        op = ops.Split if isinstance(split_size, int) else ops.SplitWithSizes
        return op.apply(self, dim=dim, sizes=tuple(int(n) for n in sizes))  # type: ignore[no-any-return]

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """`chunks` pieces of equal size along `dim` (the last may be smaller; maybe fewer)."""
        if chunks <= 0:
            raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
        size = self._data.shape[wrap_dim(dim, self._data.ndim)]
        return self.split(max(1, -(-size // chunks)), dim)

    def __getitem__(self, idx: Any) -> Tensor:
        np_index, tensors = index(idx, self._data.shape)
        out = ops.Index.apply(self, index=np_index)
        if tensors and out.grad_fn is not None:  # backward reads them: changing them is an error
            watch_versions(out.grad_fn, tensors)
        return out

    def gather(self, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
        """``out[i][j] = self[i][index[i][j]]`` (for dim 1): along `dim`, the entries `index`
        names; `index` has self's number of dims, and no dim longer than self's but `dim`."""
        dim = wrap_dim(dim, self._data.ndim)
        _check_index_dtype(index, "gather(): Expected dtype int32/int64 for index")
        if index.ndim != self._data.ndim:
            raise RuntimeError(
                "Index tensor must have the same number of dimensions as input tensor"
            )
        for d, (n, m) in enumerate(zip(index.shape, self._data.shape)):
            if d != dim and n > m:
                raise RuntimeError(
                    f"Size does not match at dimension {d} expected index {list(index.shape)} to "
                    f"be no larger than self {list(self._data.shape)} apart from dimension {dim}"
                )
        size = self._data.shape[dim] if self._data.ndim else 1
        bad = index._data[(index._data < 0) | (index._data >= size)]
        if bad.size:
            raise RuntimeError(
                f"index {bad.flat[0]} is out of bounds for dimension {dim} with size {size}"
            )
        if self._data.ndim == 0:  # one number: as a 1-entry vector
            return self.reshape(1).gather(0, index.reshape(1)).reshape(())
        return _watching(ops.Gather.apply(self, dim=dim, index=index._data), index)

    def index_select(self, dim: int, index: Tensor) -> Tensor:
        """The entries at positions `index` (a 1-D integer tensor) along `dim`, in that order."""
        dim = wrap_dim(dim, self._data.ndim)
        _check_index_dtype(index, "index_select(): Expected dtype int32 or int64 for index")
        if index.ndim > 1:
            raise IndexError("index_select(): Index is supposed to be a vector")
        size = self._data.shape[dim] if self._data.ndim else 1
        bad = index._data[(index._data < 0) | (index._data >= size)]
        if bad.size:
            raise RuntimeError(
                f"INDICES element is out of DATA bounds, id={bad.flat[0]} axis_dim={size}"
            )
        if self._data.ndim == 0:  # one number: as a 1-entry vector
            return self.reshape(1).index_select(0, index.reshape(-1)).reshape(())
        idx = index._data.reshape(-1)
        return _watching(ops.IndexSelect.apply(self, dim=dim, index=idx), index)

    def masked_fill(self, mask: Tensor, value: Any) -> Tensor:
        """A copy with `value` where `mask` (bool, broadcast with self) is True."""
        if mask._data.dtype != np.bool_:
            raise RuntimeError(
                "masked_fill_ only supports boolean masks, but got mask with dtype "
                f"{CPP_NAMES.get(mask._data.dtype.name, mask._data.dtype.name)}"
            )
        if isinstance(value, _tensor.Tensor):  # a 0-d tensor value gets a gradient too
            if value.ndim:
                raise RuntimeError(
                    "masked_fill_ only supports a 0-dimensional value tensor, but got tensor "
                    f"with {value.ndim} dimension(s)."
                )
            return value.to(self._data.dtype).where(mask, self)
        value = checked_number(value, self._data.dtype)  # torch's error if it does not fit
        return _watching(ops.MaskedFill.apply(self, mask=mask._data, value=value), mask)

    def masked_select(self, mask: Tensor) -> Tensor:
        """The entries where `mask` (bool, broadcast with self) is True, as a 1-D tensor."""
        if mask._data.dtype != np.bool_:
            raise RuntimeError("masked_select: expected BoolTensor for mask")
        shape = np.broadcast_shapes(self._data.shape, mask._data.shape)
        x = self if self._data.shape == shape else self.expand(shape)
        return x[_tensor.Tensor(np.broadcast_to(mask._data, shape))]

    def flip(self, *dims: Any) -> Tensor:
        """The entries in reverse order along each of `dims` (a copy)."""
        wrapped = tuple(wrap_dim(d, self._data.ndim) for d in shape_args(dims, "flip", "dims"))
        for d in wrapped:
            if wrapped.count(d) > 1:
                raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        return ops.Flip.apply(self, dims=wrapped if self._data.ndim else ())

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def expand(self, *sizes: Any) -> Tensor:
        """Broadcast to `sizes` (-1 keeps a dim), as a view."""
        from .ops.matmul import _expand_error

        shape = shape_args(sizes, "expand")
        lead = len(shape) - self._data.ndim  # new dims in front
        if lead < 0:
            raise _expand_error(self._data.shape, shape, self._data.dtype)
        for i, n in enumerate(shape[:lead]):
            if n == -1:
                raise RuntimeError(
                    f"The expanded size of the tensor (-1) isn't allowed in a leading, "
                    f"non-existing dimension {i}"
                )
        full = tuple(
            self._data.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(shape)
        )
        if any(n not in (1, m) for n, m in zip(self._data.shape, full[lead:])):
            raise _expand_error(self._data.shape, full, self._data.dtype, given=shape)
        return ops.Expand.apply(self, shape=full)

    def expand_as(self, other: Tensor) -> Tensor:
        """`self.expand(other.shape)`."""
        return self.expand(other.shape)

    def repeat(self, *sizes: Any) -> Tensor:
        """Tile the tensor `sizes[i]` times along each dim."""
        reps = shape_args(sizes, "repeat", "repeats")
        if len(reps) < self._data.ndim:
            raise RuntimeError(
                "Number of dimensions of repeat dims can not be smaller than number of "
                "dimensions of tensor"
            )
        x = self.reshape((1,) * (len(reps) - self._data.ndim) + self._data.shape)
        shape: list[int] = []
        for r, n in zip(reps, x.shape):
            shape += [r, n]
        tiled = x.reshape(*[m for n in x.shape for m in (1, n)]).expand(*shape)
        out = tiled.reshape(*[r * n for r, n in zip(reps, x.shape)])
        if not out._data.flags.writeable:  # (empty: numpy's reshape kept expand's read-only view)
            out = out.clone()
        # repeat copies, as torch's does (a view of self would change with it)
        return out.clone() if np.may_share_memory(out._data, self._data) else out


# How torch's C++ names a dtype in the masked_fill message ("... mask with dtype long int")
CPP_NAMES = {
    "float32": "float",
    "float64": "double",
    "float16": "c10::Half",
    "int64": "long int",
    "int32": "int",
    "int16": "short int",
    "int8": "signed char",
    "uint8": "unsigned char",
}


def _check_index_dtype(index: Any, message: str) -> None:
    if not isinstance(index, _tensor.Tensor) or index._data.dtype.kind not in "iu":
        raise RuntimeError(message)


def _watching(out: Tensor, t: Tensor) -> Tensor:
    """`out`, whose backward reads `t` (an index or mask): changing `t` in place is an error."""
    if out.grad_fn is not None:
        watch_versions(out.grad_fn, [t])
    return out
