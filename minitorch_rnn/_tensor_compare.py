"""Tensor's comparisons and logic: ``==``, ``<``, ``isnan``, ``isclose``, ``~``, ``&``, ``|``.

All give bool (or integer) tensors, outside the tape: a comparison has no gradient.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from . import _tensor
from ._args import new as _new
from ._args import operands
from ._args import raw as _raw
from .dtypes import is_floating, scalar_type_name
from .ops.broadcast import broadcast_error

if TYPE_CHECKING:
    from ._tensor import Tensor


def _compare(op: Any, a: Any, b: Any) -> Tensor:
    """A comparison in torch's common dtype (uint8 0 < int8 -1 compares as uint8: 0 < 255)."""
    if not isinstance(b, (_tensor.Tensor, bool, int, float, np.number, np.bool_, list)):
        return _new(op(a._data, _raw(b)))  # (None, strings: numpy's answer)
    x, y = operands(a, b)
    try:
        return _new(op(x._data, y._data))
    except ValueError:
        raise broadcast_error(x.shape, y.shape) from None


class CompareMethods:
    __slots__ = ()  # (a mixin of Tensor, which keeps its fields in slots)
    _data: np.ndarray

    # ---- comparisons ------------------------------------------------------------------------
    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _compare(np.equal, self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _compare(np.not_equal, self, other)

    def __lt__(self, other: Any) -> Tensor:
        return _compare(np.less, self, other)

    def __le__(self, other: Any) -> Tensor:
        return _compare(np.less_equal, self, other)

    def __gt__(self, other: Any) -> Tensor:
        return _compare(np.greater, self, other)

    def __ge__(self, other: Any) -> Tensor:
        return _compare(np.greater_equal, self, other)

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    def equal(self, other: Tensor) -> bool:
        """True when both have the same shape and values."""
        return self.shape == other.shape and bool(np.array_equal(self._data, other._data))

    # ---- tests of values, logic and bits ------------------------------------------------------
    def isnan(self) -> Tensor:
        """True where the entry is NaN."""
        return _new(np.isnan(self._data))

    def isinf(self) -> Tensor:
        """True where the entry is +inf or -inf."""
        return _new(np.isinf(self._data))

    def isfinite(self) -> Tensor:
        """True where the entry is neither NaN nor infinite."""
        return _new(np.isfinite(self._data))

    def isclose(
        self, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
    ) -> Tensor:
        """True where |self - other| <= atol + rtol * |other|."""
        _same_dtype(self, other)
        a, b = self._data, other._data
        try:
            return _new(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))
        except ValueError:
            raise broadcast_error(a.shape, b.shape) from None

    def allclose(
        self, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
    ) -> bool:
        """True when every entry is close: ``self.isclose(other, ...).all()``, as a bool."""
        return bool(self.isclose(other, rtol, atol, equal_nan)._data.all())

    def logical_not(self) -> Tensor:
        """True where the entry is zero (False)."""
        return _new(np.logical_not(self._data))

    def logical_and(self, other: Any) -> Tensor:
        """True where both are nonzero."""
        return _new(np.logical_and(self._data, _tensor_arg("logical_and", other)._data))

    def logical_or(self, other: Any) -> Tensor:
        """True where either is nonzero."""
        return _new(np.logical_or(self._data, _tensor_arg("logical_or", other)._data))

    def logical_xor(self, other: Any) -> Tensor:
        """True where exactly one is nonzero."""
        return _new(np.logical_xor(self._data, _tensor_arg("logical_xor", other)._data))

    def bitwise_not(self) -> Tensor:
        """`~x`: logical not for bools, bitwise not for integers."""
        if is_floating(self._data.dtype):
            raise TypeError(
                "~ (operator.invert) is only implemented on integer and Boolean-type tensors"
            )
        return _new(np.invert(self._data))

    def bitwise_and(self, other: Any) -> Tensor:
        """`x & y`: and for bools, bitwise and for integers."""
        return _bits(np.bitwise_and, "bitwise_and", self, other)

    def bitwise_or(self, other: Any) -> Tensor:
        """`x | y`."""
        return _bits(np.bitwise_or, "bitwise_or", self, other)

    def bitwise_xor(self, other: Any) -> Tensor:
        """`x ^ y`."""
        return _bits(np.bitwise_xor, "bitwise_xor", self, other)

    __invert__, __and__, __or__, __xor__ = bitwise_not, bitwise_and, bitwise_or, bitwise_xor

    def __rand__(self, other: Any) -> Tensor:
        return _bits(np.bitwise_and, "bitwise_and", other, self)

    def __ror__(self, other: Any) -> Tensor:
        return _bits(np.bitwise_or, "bitwise_or", other, self)

    def __rxor__(self, other: Any) -> Tensor:
        return _bits(np.bitwise_xor, "bitwise_xor", other, self)


def _tensor_arg(name: str, other: Any) -> Tensor:
    if not isinstance(other, _tensor.Tensor):
        raise TypeError(
            f"{name}(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}"
        )
    return other


def _same_dtype(a: Tensor, b: Tensor) -> None:
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(
            f"{scalar_type_name(a._data.dtype)} did not match {scalar_type_name(b._data.dtype)}"
        )


def _bits(fn: Any, name: str, a: Any, b: Any) -> Tensor:
    """A bitwise op on two bool/integer operands, promoted as torch promotes them."""
    ta, tb = operands(a, b)
    if is_floating(ta._data.dtype):
        raise NotImplementedError(
            f"\"{name}_cpu\" not implemented for '{scalar_type_name(ta._data.dtype)}'"
        )
    return _new(fn(ta._data, tb._data))
