"""Tensor's math methods: arithmetic, elementwise functions, clamp, where, casts.

(Reductions are in `_tensor_reduce.py`, comparisons and logic in `_tensor_compare.py`.)
Each is a one-line delegation to a `Function` in `minitorch_rnn.ops`. Operands first go through
`_args.operands`, which applies torch's type promotion (`dtypes.result_type`): ``int64 + 1.5``
is float32, ``float32 + float64 scalar tensor`` stays float32.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Union

import numpy as np

from . import _tensor, ops
from ._args import (
    alpha_operands,
    as_array,
    cast,
    clamp_bounds,
    fill_number,
    floating,
    no_bool_sub,
    number_like,
    operands,
    pow_exponent,
    pow_number,
)
from ._args import new as _new
from .autograd.function import watch_versions
from .dtypes import bool_, float32, int64, is_floating, result_type, scalar_type_name, to_dtype
from .ops.matmul_checks import bmm as check_bmm
from .ops.unary import int_power

if TYPE_CHECKING:
    from ._tensor import Tensor

Number = Union[int, float, bool]


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
        no_bool_sub(self, other)
        return ops.Sub.apply(*operands(self, other))

    def __rsub__(self, other: Any) -> Tensor:
        no_bool_sub(other, self)
        return ops.Sub.apply(*operands(other, self))

    def __mul__(self, other: Any) -> Tensor:
        """`self * other`."""
        return ops.Mul.apply(*operands(self, other, opmath=True))

    def __rmul__(self, other: Any) -> Tensor:
        return ops.Mul.apply(*operands(self, other, opmath=True))  # torch: self * other

    def __truediv__(self, other: Any) -> Tensor:
        """`self / other` (true division: integers give the default float, as torch)."""
        if isinstance(other, (bool, int, float, np.number, np.bool_)):  # a number is divided
            return ops.Div.apply(*operands(floating(self), other, opmath=True))  # as it is
        return ops.Div.apply(*map(floating, operands(*_float_operands(self, other), opmath=True)))

    def __rtruediv__(self, other: Any) -> Tensor:
        if isinstance(other, (bool, int, float, np.number, np.bool_)):  # torch, for a number:
            x = floating(self)  # self.reciprocal() * other
            return ops.Div.apply(_new(np.ones((), dtype=x._data.dtype)), x) * other
        return ops.Div.apply(*map(floating, operands(*_float_operands(other, self))))

    def __mod__(self, other: Any) -> Tensor:
        """`self % other`: the remainder with the sign of `other` (torch.remainder)."""
        return ops.Remainder.apply(*operands(self, other))

    def __rmod__(self, other: Any) -> Tensor:
        return ops.Remainder.apply(*operands(other, self))

    def __floordiv__(self, other: Any) -> Tensor:
        """`self // other`, rounded down (torch.floor_divide; no gradient, as in torch)."""
        a, b = operands(self, other, opmath=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            return _new(np.floor_divide(a._data, b._data).astype(a._data.dtype, copy=False))

    def __rfloordiv__(self, other: Any) -> Tensor:
        a, b = operands(other, self)
        with np.errstate(divide="ignore", invalid="ignore"):
            return _new(np.floor_divide(a._data, b._data))

    remainder, floor_divide = __mod__, __floordiv__

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
        if isinstance(exponent, (_tensor.Tensor, list, np.ndarray)):  # (a 0-d one too: it may
            base, e = operands(self, exponent)  # require grad, as torch's exponent)
            own = exponent._data.dtype if isinstance(exponent, _tensor.Tensor) else e._data.dtype
            return _pow_tensor(base, e, exponent_dtype=own)
        dt, exponent = pow_number(self, exponent)  # int ** 0.5 is float32, bool ** 2 int64
        return ops.Pow.apply(cast(self, dt), exponent=pow_exponent(exponent, dt))

    def __rpow__(self, other: Any) -> Tensor:
        base, e = operands(other, self)
        number = other if isinstance(other, (bool, int, float, np.number)) else None
        return _pow_tensor(base, e, number=number)

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
        check_bmm(self._data, mat2._data)  # (no broadcasting of the batch, unlike @)
        return self @ mat2

    # torch's method names for the same ops
    mul, div, true_divide = __mul__, __truediv__, __truediv__
    neg, negative, pow, matmul = __neg__, __neg__, __pow__, __matmul__

    def add(self, other: Any, *, alpha: Number = 1) -> Tensor:
        """`self + alpha * other`, one op (alpha is cast to the result's dtype, as torch)."""
        a, b = alpha_operands(self, other, alpha)
        return ops.Add.apply(a, b, alpha=alpha)

    def sub(self, other: Any, *, alpha: Number = 1) -> Tensor:
        """`self - alpha * other`, one op (as `add`)."""
        no_bool_sub(self, other)
        a, b = alpha_operands(self, other, alpha, sign=-1)
        return ops.Sub.apply(a, b, alpha=alpha)

    # ---- elementwise functions (integers become float32 first, as torch) --------------------
    def tanh(self) -> Tensor:
        """Elementwise tanh."""
        return ops.Tanh.apply(floating(self))

    def relu(self) -> Tensor:
        """Elementwise max(x, 0)."""
        if self._data.dtype == bool_:
            raise RuntimeError("Boolean inputs not supported for relu")
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

    def sqrt(self) -> Tensor:
        """Elementwise square root."""
        return ops.Sqrt.apply(floating(self))

    def rsqrt(self) -> Tensor:
        """Elementwise 1 / sqrt(x)."""
        return ops.Rsqrt.apply(floating(self))

    def sin(self) -> Tensor:
        """Elementwise sine."""
        return ops.Sin.apply(floating(self))

    def cos(self) -> Tensor:
        """Elementwise cosine."""
        return ops.Cos.apply(floating(self))

    def abs(self) -> Tensor:
        """Elementwise |x| (its gradient at 0 is 0, as torch's)."""
        if self._data.dtype == bool_:
            raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
        return ops.Abs.apply(self)

    absolute = __abs__ = abs

    def square(self) -> Tensor:
        """Elementwise x^2 (``x ** 2``; bools become int64, as torch)."""
        return (self._cast(int64) if self._data.dtype == bool_ else self) ** 2

    def sign(self) -> Tensor:
        """Elementwise -1, 0 or 1 (0 for NaN). Its gradient is zero."""
        return self.clone() if self._data.dtype == bool_ else ops.Sign.apply(self)

    def floor(self) -> Tensor:
        """Round down to an integer value (same dtype). Its gradient is zero."""
        return ops.Floor.apply(self) if is_floating(self._data.dtype) else self.clone()

    def ceil(self) -> Tensor:
        """Round up to an integer value (same dtype). Its gradient is zero."""
        return ops.Ceil.apply(self) if is_floating(self._data.dtype) else self.clone()

    def round(self, *, decimals: int = 0) -> Tensor:
        """Round to the nearest integer (or `decimals` places), halves to even (as torch).
        Its gradient is zero."""
        if not is_floating(self._data.dtype):
            return self.clone()
        return ops.Round.apply(self, decimals=decimals)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:
        """Each entry limited to [min, max] (numbers or tensors, either may be None)."""
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        bounds = [b for b in (min, max) if b is not None]
        x = cast(self, result_type(self, *bounds))  # clamp(int tensor, 0.5) is float, as torch
        if not any(isinstance(b, _tensor.Tensor) for b in bounds):
            lo, hi = clamp_bounds(x._data.dtype, min, max)
            return ops.Clamp.apply(x, min=lo, max=hi)
        if not is_floating(x._data.dtype):  # integers: no gradient, so no tape node either
            y = x._data if min is None else np.maximum(x._data, _bound(min, x)._data)
            return _new(y if max is None else np.minimum(y, _bound(max, x)._data))
        inf = np.array(np.inf, dtype=x._data.dtype)  # an absent bound never binds
        lo = _new(-inf) if min is None else _bound(min, x)
        hi = _new(inf) if max is None else _bound(max, x)
        return ops.ClampTensor.apply(x, lo, hi)

    clip = clamp

    def maximum(self, other: Tensor) -> Tensor:
        """The elementwise maximum of two tensors (the gradient is shared where they tie)."""
        return ops.Maximum.apply(*operands(self, _tensor_arg("maximum", other)))

    def minimum(self, other: Tensor) -> Tensor:
        """The elementwise minimum of two tensors (the gradient is shared where they tie)."""
        return ops.Minimum.apply(*operands(self, _tensor_arg("minimum", other)))

    def where(self, condition: Any, other: Any) -> Tensor:
        """`self` where `condition` is True, else `other` (``mt.where(condition, self, other)``)."""
        return where(condition, self, other)

    def softmax(self, dim: int, dtype: Any = None) -> Tensor:
        """`mt.nn.functional.softmax(self, dim)`: e^x / sum e^x along `dim`."""
        from .nn import functional

        return functional.softmax(self, dim, dtype=dtype)

    def log_softmax(self, dim: int, dtype: Any = None) -> Tensor:
        """`mt.nn.functional.log_softmax(self, dim)`: x - log sum e^x along `dim`."""
        from .nn import functional

        return functional.log_softmax(self, dim, dtype=dtype)

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


def where(condition: Any, input: Any = None, other: Any = None) -> Any:
    """`input` where `condition` is True, else `other`, broadcasting all three; `input` and
    `other` (tensors or numbers) are promoted to their common dtype as torch does.

    ``where(condition)`` alone is the tuple of index tensors of the True entries, one per dim."""
    cond = condition
    if not isinstance(cond, _tensor.Tensor):
        cond = _tensor.Tensor(as_array(cond))
    if input is None and other is None:
        return tuple(_new(i) for i in np.nonzero(cond._data))
    if cond._data.dtype != bool_:
        raise RuntimeError(
            "where expected condition to be a boolean tensor, but got a tensor with dtype "
            f"{scalar_type_name(cond._data.dtype)}"
        )
    numbers = (bool, int, float, np.number, np.bool_)
    if isinstance(input, numbers) or isinstance(other, numbers):
        # torch writes a number into a one-entry tensor of the common dtype: checked
        a, b = (
            v if isinstance(v, (_tensor.Tensor, *numbers)) else _new(as_array(v))
            for v in (input, other)
        )
        dt = result_type(a, b)  # torch.where(mask, 1.0, 0) is float32
        a, b = (
            cast(v, dt) if isinstance(v, _tensor.Tensor) else _new(fill_number(v, dt))
            for v in (a, b)
        )
    else:
        a, b = operands(input, other)
    out = ops.Where.apply(a, b, condition=cond._data)
    if out.grad_fn is not None:  # backward reads the mask: changing it in place is an error
        watch_versions(out.grad_fn, [cond])
    return out


def _bound(b: Any, x: Tensor) -> Tensor:
    """A clamp bound -- a tensor or a number -- as a tensor of x's dtype."""
    if isinstance(b, _tensor.Tensor):
        return cast(b, x._data.dtype)
    return _new(number_like(b, x._data.dtype))


def _tensor_arg(name: str, other: Any) -> Tensor:
    if not isinstance(other, _tensor.Tensor):
        raise TypeError(
            f"{name}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}"
        )
    return other


def _as_tensor(x: Any, like: Any) -> Tensor:
    """An operand of matmul: a Tensor as it is (mixed dtypes are refused by the op)."""
    if isinstance(x, _tensor.Tensor):
        return x
    return operands(like, x)[1]


def _check_ndim(name: str, t: Any, ndim: int) -> None:
    if t.ndim != ndim:
        raise RuntimeError(f"{name} must be a {'matrix' if ndim == 2 else f'{ndim}D tensor'}")


def _float_operands(a: Any, b: Any) -> tuple[Any, Any]:
    """Two tensors of integer (or bool) common type, for true division: each goes to the float
    type on its own -- ``int8(-1) / uint8(0)`` is -inf, not 255 / 0."""
    if isinstance(a, _tensor.Tensor) and isinstance(b, _tensor.Tensor):
        if result_type(a, b).kind in "iub":
            return floating(a), floating(b)
    return a, b


def _pow_tensor(base: Tensor, e: Tensor, number: Any = None, exponent_dtype: Any = None) -> Tensor:
    """`base ** e` with a tensor exponent (same dtype after promotion). Integers stay integers
    and take negative exponents too (``2 ** tensor([-1])`` is 0, as torch's integer pow)."""
    if base._data.dtype.kind in "iub":
        return _new(int_power(base._data, e._data))
    if exponent_dtype is not None and exponent_dtype != e._data.dtype:  # (see PowTensor)
        return ops.PowTensor.apply(base, e, exponent_dtype=exponent_dtype)
    if number is not None:  # number ** tensor: torch's own node, with the number as given
        return ops.PowNumberBase.apply(base, e, number=float(number))
    return ops.PowTensor.apply(base, e)
