"""Tensor's factory methods: ``x.new_zeros(2, 3)`` and friends.

A new tensor that takes its defaults -- dtype, device -- from ``x`` rather than from the global
defaults, so code written for any dtype keeps it: ``h.new_zeros(batch, hidden)`` is float64
when ``h`` is. (``torch.zeros_like(x)`` is the same idea with x's shape too; see creation.py.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ._tensor import Tensor


class NewMethods:
    __slots__ = ()  # (a mixin of Tensor, which keeps its fields in slots)
    _data: np.ndarray

    def new_zeros(
        self,
        *size: Any,
        dtype: Any = None,
        device: Any = None,
        requires_grad: bool = False,
        **kw: Any,
    ) -> Tensor:
        """Zeros of shape `size`, in self's dtype unless `dtype` says otherwise."""
        from .creation import zeros  # (creation.py imports Tensor: import it when called)

        dt = dtype or self._data.dtype
        return zeros(*size, dtype=dt, device=device, requires_grad=requires_grad, **kw)

    def new_ones(
        self,
        *size: Any,
        dtype: Any = None,
        device: Any = None,
        requires_grad: bool = False,
        **kw: Any,
    ) -> Tensor:
        """Ones of shape `size`, in self's dtype unless `dtype` says otherwise."""
        from .creation import ones

        dt = dtype or self._data.dtype
        return ones(*size, dtype=dt, device=device, requires_grad=requires_grad, **kw)

    def new_empty(
        self,
        *size: Any,
        dtype: Any = None,
        device: Any = None,
        requires_grad: bool = False,
        **kw: Any,
    ) -> Tensor:
        """A tensor of shape `size` in self's dtype, whose values do not matter (zeros here)."""
        return self.new_zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad, **kw)

    def new_full(
        self,
        size: Any,
        fill_value: Any,
        *,
        dtype: Any = None,
        device: Any = None,
        requires_grad: bool = False,
    ) -> Tensor:
        """`fill_value` everywhere, shape `size`, in self's dtype (not the value's)."""
        from .creation import full

        dt = dtype or self._data.dtype
        return full(size, fill_value, dtype=dt, device=device, requires_grad=requires_grad)

    def new_tensor(
        self, data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """A copy of `data` as a tensor of self's dtype unless `dtype` says otherwise."""
        from .creation import tensor

        dt = dtype or self._data.dtype
        return tensor(data, dtype=dt, device=device, requires_grad=requires_grad)
