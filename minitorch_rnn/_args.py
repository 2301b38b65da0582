"""Turning what a user passes -- numbers, lists, arrays, dims, shapes, indices -- into what the
ops expect, with torch's defaults and torch's errors. Used by `Tensor` and the factories.

Skip on a first read: nothing here is autograd.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from ._indexing import index  # noqa: F401  (torch's reading of x[index], used from here)
from .dtypes import bool_, float16, float32, float64, int64, promote_types, result_type

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


# How c10 names a dtype in "value cannot be converted to type uint8_t without overflow".
_C_TYPES = {
    "uint8": "uint8_t",
    "int8": "int8_t",
    "int16": "int16_t",
    "int32": "int",
    "int64": "int64_t",
    "float16": "c10::Half",
    "float32": "float",
    "float64": "double",
}


def checked_number(x: Any, dtype: np.dtype) -> np.ndarray:
    """A Python number as a 0-d array of `dtype`, converted as torch converts the number it
    writes or computes with in fill_, masked_fill_, ``x[i] = v``, clamp and pow (c10's
    `checked_convert`): torch's error if it is out of the dtype's range. The range is c10's
    `overflows`: an int may wrap into an unsigned dtype from as far below 0 as the dtype reaches
    above it (uint8 takes -255..255; -1 is 255), a float must lie within [lowest, max] without
    rounding (255.5 does not fit uint8, 65520.0 does not fit half), infinity fits any float dtype
    and NaN no integer one; anything fits bool, and a bool fits anything. (``x + 300`` is not
    checked: torch wraps a number operand of arithmetic into a tensor and casts it.)"""
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, int) and not -(2**63) <= x < 2**64:  # torch's Python-level limit
        raise OverflowError(
            "int too big to convert" if x > 0 else "can't convert negative int to unsigned"
        )
    if dtype.kind == "b" or isinstance(x, bool):
        return np.asarray(x, dtype=dtype)
    if dtype.kind == "f":
        low, high = float(np.finfo(dtype).min), float(np.finfo(dtype).max)
    else:
        low, high = int(np.iinfo(dtype).min), int(np.iinfo(dtype).max)
    if isinstance(x, int):
        if dtype.kind == "u" and x < 2**63:
            low = -high
        fits = low <= x <= high
    elif x != x:  # NaN
        fits = dtype.kind == "f"
    else:  # (c10 compares in double: int64's max counts as 2.0**63)
        fits = (dtype.kind == "f" and abs(x) == np.inf) or float(low) <= x <= float(high)
    if not fits:
        raise RuntimeError(
            f"value cannot be converted to type {_C_TYPES[dtype.name]} without overflow"
        )
    if isinstance(x, float) and dtype.kind in "iu":  # C's conversion: toward zero
        with np.errstate(invalid="ignore"):
            return np.asarray(np.float64(x).astype(dtype))
    return number_like(x, dtype)


def fill_number(x: Any, dtype: np.dtype) -> np.ndarray:
    """A number as torch writes it into a one-entry tensor of `dtype` -- its way to take the
    number of ``x[i] = v``, of ``where(c, x, v)``, and of fill_ on a one-entry tensor: checked as
    `checked_number`, except into half, which takes a number too large for it as inf."""
    if dtype != np.float16:
        return checked_number(x, dtype)
    with np.errstate(over="ignore"):
        return number_like(x, dtype)


def checked_fill(x: Any, dtype: np.dtype, size: int) -> Any:
    """The value fill_ (and full, full_like) writes into `size` entries of `dtype`: a number is
    checked (`checked_number`; one entry: `fill_number`), anything else is left as it is."""
    if not isinstance(x, (bool, int, float, np.number, np.bool_)):
        return x
    return fill_number(x, dtype) if size == 1 else checked_number(x, dtype)


def pow_number(x: Any, exponent: Any) -> tuple[np.dtype, Any]:
    """``x ** exponent`` for a number: the result's dtype (``bool ** 2`` is int64, ``int ** 0.5``
    float32, ``bool ** True`` bool), and the exponent as a Python number, after torch's checks
    of an integer exponent of an integer (or bool) tensor: it must be an int64, and not negative.
    """
    if isinstance(exponent, np.bool_):  # torch reads a numpy bool as a float number
        exponent = float(exponent)
    elif isinstance(exponent, np.generic):
        exponent = exponent.item()
    if not isinstance(exponent, (int, float)):
        raise TypeError(
            f"unsupported operand type(s) for ** or pow(): 'Tensor' and '{type(exponent).__name__}'"
        )
    if x._data.dtype.kind in "biu" and isinstance(exponent, int):
        if checked_number(exponent, int64) < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
    return result_type(x, exponent), exponent


def pow_exponent(exponent: Any, dtype: np.dtype) -> Any:
    """The exponent as torch's pow kernel for a `dtype` result takes it: float32 and float64
    take it as a double, half and the integer dtypes convert it (checked: ``half ** 1e30`` is
    torch's overflow error); 0 and 1 need no conversion (torch fills with 1, or copies)."""
    if exponent in (0, 1) or dtype in (float32, float64):
        return exponent
    return checked_number(exponent, dtype).item()


def clamp_bounds(dtype: np.dtype, *bounds: Any) -> list[Any]:
    """clamp's number bounds (None for an absent one) as 0-d arrays of the result `dtype`,
    checked as torch converts them: for uint8, -1 is 255 and 300 is torch's overflow error."""
    if dtype.kind == "b":  # (bool bounds of a bool tensor)
        lo, hi = bounds
        kernel = "clamp_min" if hi is None else "clamp_max" if lo is None else "clamp"
        raise NotImplementedError(f"\"{kernel}_scalar_cpu\" not implemented for 'Bool'")
    return [None if b is None else checked_number(b, dtype) for b in bounds]


def no_bool_sub(a: Any, b: Any) -> None:
    """torch refuses subtraction with bools: two bool tensors, or one and a number. A Python
    bool counts as a bool tensor here (a numpy bool does not: torch reads it as a float)."""
    bools = [type(x) is bool or (hasattr(x, "_data") and x._data.dtype == np.bool_) for x in (a, b)]
    if all(bools):
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. "
            "Use the `^` or `logical_xor()` operator instead."
        )
    if any(bools):
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
            "trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )


def cast(t: Tensor, dtype: np.dtype) -> Tensor:
    """`t` in `dtype`: on the tape between floats, off it otherwise (integers have no gradient)."""
    if t._data.dtype == dtype:
        return t
    return t.to(dtype)


def operands(a: Any, b: Any, *, opmath: bool = False) -> tuple[Tensor, Tensor]:
    """Two operands of a binary op, as Tensors of torch's common dtype (`result_type`).

    ``opmath=True`` (mul and div): a float16 result by ONE number keeps that number in float32
    (see `half_scalar`)."""
    from ._tensor import Tensor

    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    if ta and tb:
        if a._data.dtype is b._data.dtype:  # the common case: nothing to do
            return a, b
        dt = result_type(a, b)
        scalar = half_scalar(dt, b) if opmath else None
        return cast(a, dt), cast(b, dt) if scalar is None else scalar
    if not (ta or tb):
        raise TypeError("at least one operand must be a Tensor")
    t, x = (a, b) if ta else (b, a)
    if isinstance(x, (bool, int, float, np.number, np.bool_)):
        dt = result_type(t, x)
        scalar = half_scalar(dt, x) if opmath and ta else None
        t, other = cast(t, dt), Tensor(number_like(x, dt)) if scalar is None else scalar
    else:  # a list or an array: a tensor in its own right
        other = Tensor(as_array(x))
        dt = result_type(t, other)
        t, other = cast(t, dt), cast(other, dt)
    return (t, other) if ta else (other, t)


def half_scalar(dt: np.dtype, x: Any) -> Optional[Tensor]:
    """torch multiplies and divides a float16 tensor by ONE number -- a Python number or a
    one-element tensor of another dtype -- in float32 (its 'opmath' type for float16), rounding
    only the result: ``half(0.) / 1e-45`` is 0 (1e-45 in float16 would be 0, and 0/0 NaN).
    That number as float32 (the op rounds its result to float16), or None if this is not so."""
    from ._tensor import Tensor

    if dt != float16:
        return None
    if isinstance(x, Tensor):
        return cast(x, float32) if x._data.size == 1 and x._data.dtype != float16 else None
    if isinstance(x, (bool, int, float, np.number, np.bool_)):
        return Tensor(number_like(x, float32))
    return None


def check_alpha(dt: np.dtype, alpha: Any, sign: int = 1) -> None:
    """torch's checks of add's and sub's `alpha` for a result of dtype `dt`. Its kernel adds
    ``sign * alpha * other`` with that number cast to `dt` as `checked_number` casts it."""
    if isinstance(alpha, bool) and dt != bool_:
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if dt.kind != "f" and isinstance(alpha, (float, np.floating, np.bool_)):
        raise RuntimeError(
            "For integral input tensors, argument alpha must not be a floating point number."
        )
    checked_number(sign * alpha, dt)


def alpha_operands(x: Tensor, other: Any, alpha: Any, sign: int = 1) -> tuple[Tensor, Tensor]:
    """The operands of ``x.add(other, alpha=...)``: promoted, broadcastable, alpha checked."""
    from .ops.broadcast import broadcast_error

    a, b = operands(x, other)
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise broadcast_error(a.shape, b.shape) from None
    check_alpha(a._data.dtype, alpha, sign)
    return a, b


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


def shape_args(shape: Sequence[Any], op: str = "view", arg: str = "size") -> tuple[int, ...]:
    """Accept both `x.reshape(2, 3)` and `x.reshape((2, 3))`: ints (and numpy ints, integer
    0-d tensors), with the TypeError torch's argument parser gives `op` for anything else."""
    start = f"{op}(): argument '{arg}'"
    one_sequence = len(shape) == 1 and isinstance(shape[0], (tuple, list))
    sizes = list(shape[0]) if one_sequence else list(shape)
    for k, n in enumerate(sizes):
        if _is_size(n, alone=(len(shape) == 1 and not one_sequence) or (one_sequence and k == 0)):
            continue
        if k == 0 and one_sequence:
            raise TypeError(
                f"{start} (position 1) must be tuple of ints, but found element of type "
                f"{type(n).__name__} at pos 0"
            )
        if k == 0 and len(sizes) == 1:
            raise TypeError(f"{start} (position 1) must be tuple of ints, not {type(n).__name__}")
        raise TypeError(
            f'{start} failed to unpack the object at pos {k + 1} with error "type must be '
            f'tuple of ints,but got {type(n).__name__}"'
        )
    return tuple(operator.index(n) for n in sizes)


def _is_size(n: Any, alone: bool) -> bool:
    """An int-like size (a bool only after another size: torch refuses ``reshape(True)`` and
    ``ones((True, 2))``, takes ``ones((2, True))``)."""
    if isinstance(n, bool):
        return not alone
    try:
        operator.index(n)
    except TypeError:
        return False
    return True
