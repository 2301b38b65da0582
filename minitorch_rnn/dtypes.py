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
long = int64
bool_ = np.dtype(np.bool_)

_NAMES = {
    float32: "float32",
    float64: "float64",
    float16: "float16",
    int32: "int32",
    int64: "int64",
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
