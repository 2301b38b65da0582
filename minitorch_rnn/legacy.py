"""torch's legacy constructors, still in old tutorials: ``FloatTensor([1, 2])``,
``LongTensor(3)``. Each is a function here; ``isinstance(t, FloatTensor)`` is not supported."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._args import as_array
from ._tensor import Tensor


def _legacy(dtype: Any, name: str) -> Any:
    def make(*args: Any, device: Any = None) -> Tensor:
        from .device import check_device

        check_device(device)
        if len(args) == 1 and not isinstance(args[0], int):  # data: a list, an array, a tensor
            return Tensor(np.array(as_array(args[0]), dtype=dtype))
        for n in args:
            if not isinstance(n, int):
                raise TypeError(f"{name}(): argument 'size' must be a tuple of ints")
        return Tensor(np.zeros(args, dtype=dtype))  # torch leaves these uninitialised

    make.__name__ = make.__qualname__ = name
    make.__doc__ = f"``{name}(data)`` or ``{name}(*sizes)``: a {np.dtype(dtype).name} tensor."
    return make


FloatTensor = _legacy(np.float32, "FloatTensor")
DoubleTensor = _legacy(np.float64, "DoubleTensor")
HalfTensor = _legacy(np.float16, "HalfTensor")
LongTensor = _legacy(np.int64, "LongTensor")
IntTensor = _legacy(np.int32, "IntTensor")
ByteTensor = _legacy(np.uint8, "ByteTensor")
BoolTensor = _legacy(np.bool_, "BoolTensor")
