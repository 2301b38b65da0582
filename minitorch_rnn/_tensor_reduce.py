"""Tensor's reductions and orderings: sum, mean, max/min, var/std, prod, cumsum, sort, topk.

Each differentiable one delegates to a `Function` in `minitorch_rnn.ops` (most in
``ops/reduce.py``). Where torch also returns *indices* -- ``x.max(dim)``, ``x.sort()``,
``x.topk(k)`` -- they are computed here with numpy, off the tape (an index has no gradient), and
the values are picked by an op that remembers those indices for backward.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple, Optional

import numpy as np

from . import _tensor, ops
from ._args import axes, wrap_dim
from ._args import new as _new
from .dtypes import bool_, int64, is_floating, scalar_type_name, uint8

if TYPE_CHECKING:
    from ._tensor import Tensor


class ValuesIndices(NamedTuple):
    """What ``x.max(dim)``, ``x.min(dim)``, ``x.sort()`` and ``x.topk(k)`` return: unpacks as
    ``values, indices``, as torch's ``torch.return_types``."""

    values: Tensor
    indices: Tensor


MaxResult = ValuesIndices  # (its earlier name)


class ReduceMethods:
    __slots__ = ()  # (a mixin of Tensor, which keeps its fields in slots)
    _data: np.ndarray

    # ---- sums and means -----------------------------------------------------------------------
    def sum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        """Sum over `dim` (all dims by default), keeping reduced dims with `keepdim=True`."""
        x = self if dtype is None else self._cast(dtype)
        if x._data.dtype.kind in "biu" and x._data.dtype != int64:
            x = x._cast(int64)  # torch sums bools and small integers as int64
        return ops.Sum.apply(x, axes=axes(dim, self.ndim), keepdim=keepdim)

    def mean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        """Mean over `dim` (all dims by default)."""
        x = self if dtype is None else self._cast(dtype)
        if not is_floating(x._data.dtype):  # numpy would quietly give float64; torch refuses
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating "
                f"point or complex dtype. Got: {scalar_type_name(x._data.dtype)}"
            )
        return ops.Mean.apply(x, axes=axes(dim, self.ndim), keepdim=keepdim)

    def prod(
        self, dim: Optional[int] = None, keepdim: bool = False, *, dtype: Any = None
    ) -> Tensor:
        """Product of all entries, or along one `dim` (integers and bools multiply as int64)."""
        x = self if dtype is None else self._cast(dtype)
        if x._data.dtype.kind in "biu" and x._data.dtype != int64:
            x = x._cast(int64)
        d = None if dim is None else wrap_dim(dim, self.ndim)
        return ops.Prod.apply(x, dim=d if self.ndim else None, keepdim=keepdim)

    def cumsum(self, dim: int, *, dtype: Any = None) -> Tensor:
        """Running sums along `dim`: ``y[i] = x[0] + ... + x[i]`` (integers as int64)."""
        x = self if dtype is None else self._cast(dtype)
        if x.ndim == 0:  # one number: its running sum is itself
            return ops.Cumsum.apply(x.reshape(1), dim=wrap_dim(dim, 0)).reshape(())
        return ops.Cumsum.apply(x, dim=wrap_dim(dim, x.ndim))

    def var(
        self,
        dim: Any = None,
        unbiased: Any = None,
        keepdim: bool = False,
        *,
        correction: Any = None,
    ) -> Tensor:
        """Variance over `dim` (all dims by default), dividing by N - `correction` (1 unless
        said otherwise; ``unbiased=False`` is correction 0)."""
        return self._spread(ops.Var, dim, unbiased, keepdim, correction)

    def std(
        self,
        dim: Any = None,
        unbiased: Any = None,
        keepdim: bool = False,
        *,
        correction: Any = None,
    ) -> Tensor:
        """Standard deviation over `dim`: the square root of `var` (same arguments)."""
        return self._spread(ops.Std, dim, unbiased, keepdim, correction)

    def _spread(self, op: Any, dim: Any, unbiased: Any, keepdim: bool, correction: Any) -> Tensor:
        if isinstance(dim, bool):  # torch's older x.var(unbiased) form
            dim, unbiased = None, dim
        if not is_floating(self._data.dtype):
            raise RuntimeError("std and var only support floating point and complex dtypes")
        if correction is None:
            correction = 0 if unbiased is False else 1
        return op.apply(self, axes=axes(dim, self.ndim), correction=correction, keepdim=keepdim)

    # ---- max and min --------------------------------------------------------------------------
    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        """`x.max()` is a tensor; `x.max(dim)` is `(values, indices)`; `x.max(other)` is
        the elementwise maximum, as torch."""
        if isinstance(dim, _tensor.Tensor):
            return self.maximum(dim)
        return self._extreme("max", dim, keepdim)

    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        """`x.min()` is a tensor; `x.min(dim)` is `(values, indices)`; `x.min(other)` is
        the elementwise minimum, as torch."""
        if isinstance(dim, _tensor.Tensor):
            return self.minimum(dim)
        return self._extreme("min", dim, keepdim)

    def _extreme(self, name: str, dim: Any, keepdim: bool) -> Any:
        whole, along = (ops.Max, ops.MaxDim) if name == "max" else (ops.Min, ops.MinDim)
        if dim is None:
            if self._data.size == 0:
                raise RuntimeError(
                    f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                    "Specify the reduction dim with the 'dim' argument."
                )
            return whole.apply(self)
        dim = wrap_dim(dim, self.ndim)
        if self.ndim == 0:  # the max of one number is itself, at index 0
            return ValuesIndices(self.clone(), _new(np.array(0)))
        indices = self._arg(name, dim, keepdim=False)
        values = along.apply(self, dim=dim, keepdim=keepdim, indices=indices._data)
        return ValuesIndices(values, indices.unsqueeze(dim) if keepdim else indices)

    def argmax(self, dim: Optional[int] = None, keepdim: bool = False) -> Tensor:
        """Index of the largest entry (a NaN counts as largest), over all entries or along
        `dim`. Not differentiable."""
        return self._arg("argmax", dim, keepdim)

    def argmin(self, dim: Optional[int] = None, keepdim: bool = False) -> Tensor:
        """Index of the smallest entry (a NaN counts as smallest, as torch). Not differentiable."""
        return self._arg("argmin", dim, keepdim)

    def _arg(self, name: str, dim: Optional[int], keepdim: bool) -> Tensor:
        find = np.argmin if name.endswith("min") else np.argmax  # both pick the first NaN
        a = self._data
        if a.dtype == np.bool_ and name.startswith("arg"):  # (max(dim) of bools is fine)
            raise RuntimeError(f"{name}(): does not support bool input")
        if dim is None:
            if a.size == 0:
                raise IndexError(
                    f"{name}(): Expected reduction dim to be specified for input.numel() == 0."
                )
            i = np.asarray(find(a))
            return _new(i.reshape((1,) * a.ndim) if keepdim else i)
        dim = wrap_dim(dim, a.ndim)
        if a.ndim == 0:
            return _new(np.array(0))
        if a.shape[dim] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")
        return _new(find(a, axis=dim, keepdims=keepdim))

    # ---- logic ----------------------------------------------------------------------------------
    def any(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """True if any entry (along `dim`) is nonzero; bool (uint8 for uint8, as torch)."""
        return self._logical_reduce(np.any, dim, keepdim)

    def all(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """True if every entry (along `dim`) is nonzero; bool (uint8 for uint8, as torch)."""
        return self._logical_reduce(np.all, dim, keepdim)

    def _logical_reduce(self, fn: Any, dim: Any, keepdim: bool) -> Tensor:
        out = np.asarray(fn(self._data, axis=axes(dim, self.ndim), keepdims=keepdim))
        return _new(out.astype(uint8 if self._data.dtype == uint8 else bool_))

    # ---- orderings ----------------------------------------------------------------------------
    def sort(
        self, dim: int = -1, descending: bool = False, *, stable: bool = False
    ) -> ValuesIndices:
        """The entries along `dim` in order, and where each came from (`values, indices`).

        Equal entries keep their order (a stable sort, which torch promises with
        ``stable=True``); a NaN counts as larger than everything, as in torch."""
        dim = wrap_dim(dim, self.ndim)
        if self.ndim == 0:
            return ValuesIndices(self.clone(), _new(np.array(0)))
        order = _sort_order(self._data, dim, descending)
        return ValuesIndices(ops.Sort.apply(self, dim=dim, index=order), _new(order))

    def argsort(self, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
        """The indices that sort the entries along `dim` (``x.sort(dim).indices``)."""
        dim = wrap_dim(dim, self.ndim)
        return _new(np.array(0) if self.ndim == 0 else _sort_order(self._data, dim, descending))

    def topk(
        self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True
    ) -> ValuesIndices:
        """The `k` largest entries along `dim` (smallest with ``largest=False``), largest first,
        and their indices. Among equal entries the first comes first; torch leaves that order
        unspecified (see docs/differences.md)."""
        dim = wrap_dim(dim, self.ndim)
        size = self._data.shape[dim] if self.ndim else 1
        if not 0 <= k <= size:
            raise RuntimeError("selected index k out of range")
        if self._data.dtype == bool_:
            raise RuntimeError("topk does not support bool dtypes on CPU")
        if self.ndim == 0:
            return ValuesIndices(self.clone(), _new(np.array(0)))
        order = _sort_order(self._data, dim, descending=largest)
        chosen = np.take(order, np.arange(k), axis=dim)
        return ValuesIndices(ops.Topk.apply(self, dim=dim, index=chosen), _new(chosen))


def _sort_order(a: np.ndarray, dim: int, descending: bool) -> np.ndarray:
    """Stable argsort along `dim`, with NaN as the largest value (last ascending, first
    descending), as torch orders it."""
    if not descending:
        return np.argsort(a, axis=dim, kind="stable")  # numpy puts NaN last too
    if a.dtype.kind != "f":  # integers and bools: sort the negated values (widened first)
        return np.argsort(-a.astype(np.int64), axis=dim, kind="stable")
    # floats: NaNs first, then the rest by decreasing value (lexsort: the last key decides first)
    return np.lexsort((-a, ~np.isnan(a)), axis=dim)
