"""Tensor's math methods: arithmetic, comparisons, elementwise functions, reductions, casts.

Each is a one-line delegation to a `Function` in `minitorch_rnn.ops`. Operands first go through
`_args.operands`, which applies torch's type promotion (`dtypes.result_type`): ``int64 + 1.5``
is float32, ``float32 + float64 scalar tensor`` stays float32.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple, Optional, Union

import numpy as np

from . import _tensor, ops
from ._args import axes, floating, operands, wrap_dim
from .dtypes import bool_, float32, int64, is_floating, scalar_type_name, to_dtype

if TYPE_CHECKING:
    from ._tensor import Tensor

Number = Union[int, float, bool]


class MaxResult(NamedTuple):
    """What `x.max(dim)` returns: unpacks as `values, indices`, as torch's."""

    values: Tensor
    indices: Tensor


def _new(a: Any) -> Tensor:
    return _tensor.Tensor(np.asarray(a))


class MathMethods:
    __slots__ = ()  # (a mixin of Tensor, which keeps its fields in slots)
    _data: np.ndarray

    # ---- arithmetic (scalars and arrays mix in on either side) ------------------------------
    def __add__(self, other: Any) -> Tensor:
        """`self + other` (numbers and arrays mix in, broadcasting as numpy)."""
        return ops.Add.apply(*operands(self, other))

    def __radd__(self, other: Any) -> Tensor:
        return ops.Add.apply(*operands(other, self))

    def __sub__(self, other: Any) -> Tensor:
        """`self - other`."""
        a, b = operands(self, other)
        _no_bool_sub(a, b)
        return ops.Sub.apply(a, b)

    def __rsub__(self, other: Any) -> Tensor:
        a, b = operands(other, self)
        _no_bool_sub(a, b)
        return ops.Sub.apply(a, b)

    def __mul__(self, other: Any) -> Tensor:
        """`self * other`."""
        return ops.Mul.apply(*operands(self, other))

    def __rmul__(self, other: Any) -> Tensor:
        return ops.Mul.apply(*operands(other, self))

    def __truediv__(self, other: Any) -> Tensor:
        """`self / other` (true division: integers give the default float, as torch)."""
        return ops.Div.apply(*map(floating, operands(self, other)))

    def __rtruediv__(self, other: Any) -> Tensor:
        return ops.Div.apply(*map(floating, operands(other, self)))

    def __neg__(self) -> Tensor:
        """`-self`."""
        if self._data.dtype == bool_:
            raise RuntimeError(
                "Negation, the `-` operator, on a bool tensor is not supported. If you are "
                "trying to invert a mask, use the `~` or `logical_not()` operator instead."
            )
        return ops.Neg.apply(self)

    def __pow__(self, exponent: Any) -> Tensor:
        """`self ** exponent`, for a number or a tensor exponent."""
        if (
            isinstance(exponent, _tensor.Tensor)
            and exponent.ndim > 0
            or isinstance(exponent, (list, np.ndarray))
        ):
            return _pow_tensor(*operands(self, exponent))
        if isinstance(exponent, _tensor.Tensor):
            exponent = exponent.item()
        if isinstance(exponent, np.generic):  # a numpy scalar acts as a Python number (torch)
            exponent = exponent.item()
        if not isinstance(exponent, (int, float)):
            raise TypeError(
                "unsupported operand type(s) for ** or pow(): 'Tensor' and "
                f"'{type(exponent).__name__}'"
            )
        base = self
        if isinstance(exponent, float) and self._data.dtype.kind != "f":
            base = floating(self)  # int ** 0.5 is float32 in torch
        elif self._data.dtype.kind in "iu" and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return ops.Pow.apply(base, exponent=exponent)

    def __rpow__(self, other: Any) -> Tensor:
        base, e = operands(other, self)
        return _pow_tensor(base, e)

    def __matmul__(self, other: Any) -> Tensor:
        """`self @ other`: 1-D, 2-D and batched, as numpy and torch."""
        return ops.MatMul.apply(self, _as_tensor(other, self))

    def __rmatmul__(self, other: Any) -> Tensor:
        return ops.MatMul.apply(_as_tensor(other, self), self)

    def addmm(self, mat1: Any, mat2: Any, *, beta: Number = 1, alpha: Number = 1) -> Tensor:
        """`beta * self + alpha * (mat1 @ mat2)` for matrices, as ONE tape node (torch's addmm)."""
        m1, m2 = _as_tensor(mat1, self), _as_tensor(mat2, self)
        return ops.Addmm.apply(self, m1, m2, beta=beta, alpha=alpha)

    def mm(self, mat2: Any) -> Tensor:
        """Matrix product of two 2-D tensors."""
        _check_ndim("self", self, 2)
        _check_ndim("mat2", mat2, 2)
        return self @ mat2

    def bmm(self, mat2: Any) -> Tensor:
        """Batched matrix product of two 3-D tensors."""
        _check_ndim("batch1", self, 3)
        _check_ndim("batch2", mat2, 3)
        return self @ mat2

    # torch's method names for the same ops
    mul, div, true_divide = __mul__, __truediv__, __truediv__
    neg, negative, pow, matmul = __neg__, __neg__, __pow__, __matmul__

    def add(self, other: Any, *, alpha: Number = 1) -> Tensor:
        """`self + alpha * other`."""
        return self + (other * alpha if alpha != 1 else other)

    def sub(self, other: Any, *, alpha: Number = 1) -> Tensor:
        """`self - alpha * other`."""
        return self - (other * alpha if alpha != 1 else other)

    # comparisons give bool tensors, outside the tape
    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _new(self._data == _raw(other))

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _new(self._data != _raw(other))

    def __lt__(self, other: Any) -> Tensor:
        return _new(self._data < _raw(other))

    def __le__(self, other: Any) -> Tensor:
        return _new(self._data <= _raw(other))

    def __gt__(self, other: Any) -> Tensor:
        return _new(self._data > _raw(other))

    def __ge__(self, other: Any) -> Tensor:
        return _new(self._data >= _raw(other))

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    def equal(self, other: Tensor) -> bool:
        """True when both have the same shape and values."""
        return self.shape == other.shape and bool(np.array_equal(self._data, other._data))

    # ---- elementwise functions (integers become float32 first, as torch) --------------------
    def tanh(self) -> Tensor:
        """Elementwise tanh."""
        return ops.Tanh.apply(floating(self))

    def relu(self) -> Tensor:
        """Elementwise max(x, 0)."""
        return ops.Relu.apply(self)

    def sigmoid(self) -> Tensor:
        """Elementwise 1 / (1 + e^-x)."""
        return ops.Sigmoid.apply(floating(self))

    def exp(self) -> Tensor:
        """Elementwise e^x."""
        return ops.Exp.apply(floating(self))

    def log(self) -> Tensor:
        """Elementwise natural log."""
        return ops.Log.apply(floating(self))

    def clone(self, *, memory_format: Any = None) -> Tensor:
        """A copy, on the tape (gradient passes through)."""
        return ops.Clone.apply(self)

    # ---- reductions ---------------------------------------------------------------------------
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

    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        """`x.max()` is a tensor; `x.max(dim)` is `(values, indices)`; `x.max(other)` is
        the elementwise maximum, as torch."""
        if isinstance(dim, _tensor.Tensor):
            return ops.Maximum.apply(*operands(self, dim))
        if dim is None:
            if self._data.size == 0:
                raise RuntimeError(
                    "max(): Expected reduction dim to be specified for input.numel() == 0. "
                    "Specify the reduction dim with the 'dim' argument."
                )
            return ops.Max.apply(self)
        dim = wrap_dim(dim, self.ndim)
        if self.ndim == 0:  # the max of one number is itself, at index 0
            return MaxResult(self.clone(), _new(np.array(0)))
        if self._data.shape[dim] == 0:
            raise IndexError(f"max(): Expected reduction dim {dim} to have non-zero size.")
        indices = _nan_argmax(self._data, dim)
        values = ops.MaxDim.apply(self, dim=dim, keepdim=keepdim, indices=indices)
        if keepdim:
            indices = np.expand_dims(indices, dim)
        return MaxResult(values, _new(indices))

    def argmax(self, dim: Optional[int] = None, keepdim: bool = False) -> Tensor:
        """Indices of the maxima (not differentiable)."""
        if dim is None:
            return _new(np.argmax(self._data))
        dim = wrap_dim(dim, self.ndim)
        if self.ndim == 0:
            return _new(np.array(0))
        indices = _nan_argmax(self._data, dim)
        return _new(np.expand_dims(indices, dim) if keepdim else indices)

    # ---- casts: between floats on the tape; to integers off it ------------------------------
    # (last in the class: their names, `float`, `int`, `bool`, hide the builtins below them)
    def _cast(self, dtype: Any) -> Tensor:
        dt = to_dtype(dtype)
        if dt == self._data.dtype:
            return self  # type: ignore[return-value]
        if not is_floating(dt):  # integers have no gradient: the result leaves the tape
            return _new(self._data.astype(dt))
        return ops.ToCopy.apply(self, dtype=dt)

    def float(self) -> Tensor:
        """`self.to(mt.float32)`."""
        return self._cast(float32)

    def double(self) -> Tensor:
        """`self.to(mt.float64)`."""
        return self._cast(np.float64)

    def half(self) -> Tensor:
        """`self.to(mt.float16)`."""
        return self._cast(np.float16)

    def long(self) -> Tensor:
        """`self.to(mt.int64)` (off the tape: integers have no gradient)."""
        return self._cast(int64)

    def int(self) -> Tensor:
        """`self.to(mt.int32)`."""
        return self._cast(np.int32)

    def bool(self) -> Tensor:
        """`self.to(mt.bool)`."""
        return self._cast(bool_)


def _nan_argmax(a: np.ndarray, dim: int) -> np.ndarray:
    """argmax along `dim`, where a NaN counts as the maximum (as numpy's and torch's do)."""
    return np.argmax(a, axis=dim)


def _raw(x: Any) -> Any:
    return x._data if isinstance(x, _tensor.Tensor) else x


def _as_tensor(x: Any, like: Any) -> Tensor:
    """An operand of matmul: a Tensor as it is (mixed dtypes are refused by the op)."""
    if isinstance(x, _tensor.Tensor):
        return x
    return operands(like, x)[1]


def _check_ndim(name: str, t: Any, ndim: int) -> None:
    if t.ndim != ndim:
        raise RuntimeError(f"{name} must be a {'matrix' if ndim == 2 else f'{ndim}D tensor'}")


def _no_bool_sub(a: Tensor, b: Tensor) -> None:
    if a._data.dtype == bool_ and b._data.dtype == bool_:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. "
            "Use the `^` or `logical_xor()` operator instead."
        )


def _pow_tensor(base: Tensor, e: Tensor) -> Tensor:
    """`base ** e` with a tensor exponent: float math, back to an integer dtype if both are."""
    if base._data.dtype.kind in "iub" and e._data.dtype.kind in "iub":
        if np.any(e._data < 0):
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return _new(base._data**e._data)
    return ops.PowTensor.apply(base, e)
