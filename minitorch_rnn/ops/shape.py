"""Ops that move entries around without changing them: views, indexing, stack, cat, unbind,
gather (and the values of sort and topk), index_select, flip.

Their backward puts each gradient entry back where its value came from.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._memory import basic_view
from ..autograd.deferred import SelectGrad, ZeroGrad
from ..autograd.function import Function
from .broadcast import unbroadcast


class View(Function):
    """Same entries, new shape;  backward reshapes the gradient back.

    Derivative: d/dx = grad viewed back in x's shape
    """

    is_view = True

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        ctx.in_shape = x.shape
        try:  # a view or nothing: numpy's reshape would copy where the strides do not allow it
            return np.reshape(x, infer_size(shape, x.size), copy=False)
        except ValueError:
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one "
                "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
            ) from None

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        return grad.reshape(ctx.in_shape)


def infer_size(shape: tuple[int, ...], numel: int) -> tuple[int, ...]:
    """`shape` with its -1 worked out, and torch's errors (its infer_size, in its order)."""
    infer, known = None, 1
    for i, n in enumerate(shape):
        if n == -1:
            if infer is not None:
                raise RuntimeError("only one dimension can be inferred")
            infer = i
        elif n >= 0:
            known *= n
        else:
            raise RuntimeError(f"invalid shape dimension {n} at index {i} of shape {list(shape)}")
    if infer is None and known == numel:
        return shape
    if infer is not None and (known == numel or (known > 0 and numel % known == 0)):
        if known == 0:
            raise RuntimeError(
                f"cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                "unspecified dimension size -1 can be any value and is ambiguous"
            )
        return shape[:infer] + (numel // known,) + shape[infer + 1 :]
    raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")


class Reshape(View):
    """`x.reshape(...)`: a View where the strides allow one, else a copy (as torch's).

    Derivative: d/dx = grad reshaped back to x's shape
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        ctx.in_shape = x.shape
        return x.reshape(infer_size(shape, x.size))


class Unsqueeze(View):
    """`x.unsqueeze(d)`: a View that inserts a size-1 dim.

    Derivative: d/dx = grad with the inserted dim taken out
    """


class Squeeze(View):
    """`x.squeeze(d)`: a View that drops size-1 dims.

    Derivative: d/dx = grad with the size-1 dims put back
    """


class Expand(Function):
    """Broadcast to a bigger shape without copying;  backward sums over the broadcast dims.

    Derivative: d/dx = grad summed over the broadcast dims
    """

    is_view = True

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        ctx.in_shape = x.shape
        try:
            out = np.broadcast_to(x, shape)  # (read-only: entries may share memory)
            if not any(s == 0 and n > 1 for s, n in zip(out.strides, out.shape)):
                # no entry repeated (only size-1 dims added): writable, as torch's is
                out = np.lib.stride_tricks.as_strided(x, out.shape, out.strides)
            return out
        except ValueError:
            from .matmul import _expand_error

            raise _expand_error(x.shape, shape, x.dtype) from None

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        return unbroadcast(grad, ctx.in_shape)


class Transpose(Function):
    """Swap two dims;  backward swaps them back.

    Derivative: d/dx = grad with the two dims swapped back
    """

    is_view = True

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, dim0: int, dim1: int) -> np.ndarray:
        ctx.dims = dim0, dim1
        return np.swapaxes(x, dim0, dim1) if x.ndim else x.view()  # 0-d: nothing to swap

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        return np.swapaxes(grad, *ctx.dims) if grad.ndim else grad


class Permute(Function):
    """Reorder dims;  backward applies the inverse permutation.

    Derivative: d/dx = grad permuted back (the inverse permutation)
    """

    is_view = True

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        inverse = sorted(range(len(ctx.dims)), key=ctx.dims.__getitem__)  # argsort(dims)
        return grad.transpose(inverse)


def _is_basic(index: Any) -> bool:
    """Ints, slices, None and ... select each entry at most once (and give a view); a bool
    indexes a new dim (``zeros(())[True, None, False]``: numpy reads it as torch does)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(
        (isinstance(i, (int, np.integer, slice)) and not isinstance(i, bool))
        or i is None
        or i is Ellipsis
        for i in items
    )


class Index(Function):
    """`x[index]`;  backward scatters the gradient back, adding where an entry was picked twice.

    Derivative: d/dx = grad put back at `index` in zeros of x's shape (added where picked twice)
    """

    is_view = (
        True  # (a copy for integer-array indices; sharing the version counter is then only careful)
    )

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, index: Any) -> np.ndarray:
        ctx.args = index, x.shape
        try:
            out = x[index]
            if not isinstance(out, np.ndarray):  # one entry: numpy gives a scalar, torch a view
                out = x[(*index, ...) if isinstance(index, tuple) else (index, ...)]
            items = index if isinstance(index, tuple) else (index,)
            if _is_basic(index) and any(i is None for i in items):  # None dims' strides
                out = basic_view(x, items)
            return out
        except IndexError as e:  # numpy says "axis" where torch says "dimension"
            raise IndexError(str(e).replace("for axis", "for dimension")) from None

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> Any:
        index, shape = ctx.args
        if _is_basic(index):  # each entry picked once: zeros with `grad` at `index`, deferred
            return SelectGrad(shape, index, grad)
        out = np.zeros(shape, dtype=grad.dtype)
        np.add.at(out, index, grad)  # integer arrays may repeat an entry: add.at accumulates
        return out


class Stack(Function):
    """Join same-shaped arrays along a new dim;  backward hands each its slice (a view).

    When only ``stack(xs)[k]`` was used, `grad` arrives as a `SelectGrad`: xs[k] gets it, and
    every other input a `ZeroGrad`, which takes no memory and vanishes when added to.

    Derivative: d/dx_k = grad[k] along the new dim
    """

    takes_deferred = (SelectGrad,)

    @staticmethod
    def forward(ctx: Any, *xs: np.ndarray, dim: int) -> np.ndarray:
        ctx.dim = dim
        return _stack(xs, dim)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple[Any, ...]:
        if type(grad) is SelectGrad:
            if ctx.dim == 0 and type(grad.index) is int:
                k = grad.index % grad.shape[0]
                zero = ZeroGrad(grad.grad.shape, grad.grad.dtype)
                return tuple([grad.grad if i == k else zero for i in range(grad.shape[0])])
            grad = grad.resolve()
        return _slices(grad, ctx.dim)


class Cat(Function):
    """Join arrays along an existing dim;  backward splits the gradient at the same places.

    Derivative: d/dx_k = the slice of grad where x_k was placed
    """

    @staticmethod
    def forward(ctx: Any, *xs: np.ndarray, dim: int) -> np.ndarray:
        # torch's legacy rule: a 1-D empty array joins anything (it is left out)
        ctx.skip = [x.shape == (0,) and any(y.shape != (0,) for y in xs) for x in xs]
        kept = [x for x, skip in zip(xs, ctx.skip) if not skip]
        ctx.dim = dim
        ctx.splits = np.cumsum([x.shape[dim] for x in kept])[:-1]
        return np.concatenate(kept, axis=dim)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray, ...]:
        pieces = iter(np.split(grad, ctx.splits, axis=ctx.dim))
        return tuple(np.zeros(0, grad.dtype) if skip else next(pieces) for skip in ctx.skip)


class Unbind(Function):
    """Split along `dim` into separate tensors (views);  backward stacks their gradients.

    One node with many outputs: a loop over ``x.unbind(0)`` costs one stack in backward,
    where a loop over ``x[t]`` would scatter into a full-size zero array at every step.

    Derivative: d/dx = the outputs' gradients stacked along dim
    """

    is_view = True

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, dim: int) -> tuple[np.ndarray, ...]:
        ctx.dim = dim
        return _slices(x, dim)

    @staticmethod
    def backward(ctx: Any, *grads: np.ndarray) -> np.ndarray:
        return _stack(grads, ctx.dim)

    dim: int

    def output_index(self, k: int) -> tuple[Any, ...]:
        return (slice(None),) * self.dim + (k,)


class Split(Function):
    """``x.split(n)`` and ``x.chunk(n)``: pieces along `dim` (views), from one node with an
    output per piece, as torch's;  backward joins their gradients.

    Derivative: d/dx = the outputs' gradients concatenated along dim
    """

    is_view = True

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, dim: int, sizes: tuple[int, ...]) -> tuple[Any, ...]:
        ctx.dim, ends = dim, np.cumsum(sizes).tolist()
        ctx.pieces = [slice(end - n, end) for n, end in zip(sizes, ends)]
        return tuple([x[(slice(None),) * dim + (piece,)] for piece in ctx.pieces])

    @staticmethod
    def backward(ctx: Any, *grads: np.ndarray) -> np.ndarray:
        return np.concatenate(grads, axis=ctx.dim)

    dim: int
    pieces: list[slice]

    def output_index(self, k: int) -> tuple[Any, ...]:
        return (slice(None),) * self.dim + (self.pieces[k],)


class SplitWithSizes(Split):
    """``x.split([sizes])``: a Split with the sizes listed (torch's name for it).

    Derivative: d/dx = the outputs' gradients concatenated along dim
    """


def _slices(x: np.ndarray, dim: int) -> tuple[np.ndarray, ...]:
    """The views ``x[..., i, ...]`` along `dim` (no moveaxis at dim 0: it costs more than them)."""
    if x.ndim == 1:  # iterating a 1-D array gives scalars (copies): take 0-d views instead
        return tuple(x[i, ...] for i in range(x.shape[0]))
    return tuple(x if dim == 0 else np.moveaxis(x, dim, 0))


def _stack(arrays: tuple[np.ndarray, ...], dim: int) -> np.ndarray:
    """`np.stack`; along dim 0 as `np.array(list)`, which is ~5x faster for 500 small arrays."""
    return np.array(arrays) if dim == 0 else np.stack(arrays, axis=dim)


def _along(index: np.ndarray, dim: int) -> tuple[np.ndarray, ...]:
    """The numpy index of ``x.gather(dim, index)``: `index` itself along `dim`, and each
    entry's own position along every other dim (``out[i][j] = x[i][index[i][j]]`` for dim 1)."""
    grid: list[Any] = list(np.indices(index.shape, sparse=True))
    grid[dim] = index
    return tuple(grid)


class Gather(Function):
    """``out[i][j] = x[i][index[i][j]]`` (for dim 1);  backward adds each gradient entry back
    where its value came from -- torch's ``zeros(x.shape).scatter_add_(dim, index, grad)``.

    Derivative: d/dx = grad added back at the places `index` took it from (scatter_add)
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, dim: int, index: np.ndarray) -> np.ndarray:
        where = _along(index, dim)
        ctx.args = where, x.shape
        return x[where]

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        where, shape = ctx.args
        out = np.zeros(shape, dtype=grad.dtype)
        np.add.at(out, where, grad)  # an entry gathered twice gets both gradients
        return out


class Sort(Gather):
    """The values of ``x.sort(dim)``: x gathered in sorted order (the order computed outside,
    as indices);  backward puts each gradient entry back at its entry's place.

    Derivative: d/dx = grad put back at each entry's place before sorting
    """


class Topk(Gather):
    """The values of ``x.topk(k, dim)``: x gathered at the k chosen indices;  backward puts
    each gradient entry back at its entry's place, zeros elsewhere.

    Derivative: d/dx = grad put back at the k chosen entries, 0 elsewhere
    """


class IndexSelect(Function):
    """The entries at `index` (1-D) along `dim`;  backward adds the gradient back at `index`
    (torch's ``zeros(x.shape).index_add_(dim, index, grad)``: a repeated index gets both).

    Derivative: d/dx = grad added back at `index` along dim (index_add)
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, dim: int, index: np.ndarray) -> np.ndarray:
        ctx.args = (slice(None),) * dim + (index,), x.shape
        return np.take(x, index, axis=dim)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        where, shape = ctx.args
        out = np.zeros(shape, dtype=grad.dtype)
        np.add.at(out, where, grad)
        return out


class Flip(Function):
    """Reverse the order along `dims` (a copy, as torch's);  backward flips the gradient back.

    Derivative: d/dx = grad flipped back along the same dims
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
        ctx.dims = dims
        return np.flip(x, dims).copy()

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        return np.flip(grad, ctx.dims)
