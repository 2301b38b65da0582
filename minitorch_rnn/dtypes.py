"""The dtypes minitorch_rnn names: numpy dtypes under torch's names.

`t.dtype` is a `numpy.dtype`, so it compares equal to `mt.float32` and to `np.float32` alike.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
float16 = np.dtype(np.float16)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
int16 = np.dtype(np.int16)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)
# torch's other names for the same dtypes (`torch.float`, `torch.long`, ...)
float_, double, half = float32, float64, float16
long, int_, short = int64, int32, int16

_NAMES = {
    float32: "float32",
    float64: "float64",
    float16: "float16",
    int32: "int32",
    int64: "int64",
    int16: "int16",
    int8: "int8",
    uint8: "uint8",
    bool_: "bool",
}


def to_dtype(dtype: Any) -> Optional[np.dtype]:
    """`None` stays None; anything numpy understands becomes a `numpy.dtype`."""
    if dtype is None:
        return None
    dt = np.dtype(dtype)
    if dt not in _NAMES:
        raise TypeError(f"minitorch_rnn does not support dtype {dt}")
    return dt


# How torch's C++ kernels name dtypes in their messages ("... but got Double and Float").
_SCALAR_TYPES = {
    "float16": "Half",
    "float32": "Float",
    "float64": "Double",
    "int8": "Char",
    "int16": "Short",
    "int32": "Int",
    "int64": "Long",
    "uint8": "Byte",
    "bool": "Bool",
}


def scalar_type_name(dtype: np.dtype) -> str:
    """torch's C++ name of a dtype, as its error messages print it: float32 -> ``Float``."""
    return _SCALAR_TYPES.get(dtype.name, dtype.name)


def dtype_name(dtype: np.dtype) -> str:
    """How a dtype prints in a repr: ``minitorch_rnn.float64``."""
    return "minitorch_rnn." + _NAMES.get(dtype, str(dtype))


def is_floating(dtype: np.dtype) -> bool:
    return dtype.kind == "f"


# ---- type promotion: torch's rules, in one place ------------------------------------------------
# torch orders dtypes by *category* -- bool < integer < floating -- and, unlike numpy, never lets
# an integer widen a float: int64 + float32 is float32 (numpy says float64).
def category(dtype: np.dtype) -> int:
    """0 for bool, 1 for integers, 2 for floats."""
    return 0 if dtype.kind == "b" else 2 if dtype.kind == "f" else 1


def promote_types(a: np.dtype, b: np.dtype) -> np.dtype:
    """torch.promote_types: the smallest dtype both fit in, by category first."""
    if a == b:
        return a
    ca, cb = category(a), category(b)
    if ca != cb:
        return a if ca > cb else b  # the higher category wins outright (int64 + float16: float16)
    return np.promote_types(a, b)  # same category: the wider one (uint8 + int8: int16)


def _scalar_dtype(x: Any) -> np.dtype:
    """The dtype a Python number stands for: bool, int64, or the default float32."""
    if isinstance(x, np.bool_):  # torch reads a numpy bool as a float number (not as a bool)
        return float32
    if isinstance(x, bool):
        return bool_
    if isinstance(x, (int, np.integer)):
        return int64
    return float32


def result_type(*operands: Any) -> np.dtype:
    """torch.result_type of tensors and Python numbers.

    Three groups, in priority order: tensors with dims, 0-d tensors, and Python numbers. A
    lower group only matters when it brings a *higher category*: ``f32 (3,) + f64 ()`` is
    float32, ``i64 (3,) + 1.5`` is float32 (the default float), ``f16 (3,) + 1.5`` is float16.
    """
    groups: list[Optional[np.dtype]] = [None, None, None]
    for x in operands:
        if hasattr(x, "_data"):  # a Tensor
            g, dt = (0 if x._data.ndim else 1), x._data.dtype
        else:
            g, dt = 2, _scalar_dtype(x)
        seen = groups[g]
        groups[g] = dt if seen is None else promote_types(seen, dt)
    result = None
    for dt in groups:  # combine from the highest priority down
        if dt is None:
            continue
        if result is None:
            result = dt
        elif category(dt) > category(result):
            # a lower-priority operand of a higher category: bool + int -> int64 (promoted);
            # an int tensor + a float scalar -> the default float, not float64
            result = dt if category(result) > 0 or dt.kind == "f" else promote_types(result, dt)
    assert result is not None
    return result


def can_cast(src: np.dtype, dst: np.dtype) -> bool:
    """torch.can_cast for in-place results: never down a category (float -> int, int -> bool)."""
    return category(src) <= category(dst)
