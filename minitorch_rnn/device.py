"""Devices, as scripts write them: ``torch.device("cpu")``, ``x.to(device)``, ``.cpu()``.

minitorch_rnn computes with NumPy on the CPU, so "cpu" is the only device. Asking for a GPU
gets one clear error instead of a silent fallback: code that would run on a GPU in torch
should say so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from .dtypes import to_dtype

if TYPE_CHECKING:
    from ._tensor import Tensor

NO_GPU = (
    "minitorch_rnn is a NumPy framework that runs on the CPU only; there is no {what} device. "
    "Use 'cpu' (torch.cuda.is_available() is False here; see docs/differences.md)."
)


class device:
    """torch.device: a place where tensors live. Here only ``device("cpu")`` exists."""

    def __init__(self, type: Any, index: Optional[int] = None) -> None:
        if isinstance(type, device):
            type, index = type.type, type.index
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments: {type!r}")
        name, _, idx = type.partition(":")
        if name not in ("cpu", "cuda", "mps", "xpu", "meta", "hip", "xla", "mtia"):
            raise RuntimeError(
                "Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, "
                f"fpga, maia, xla, lazy, vulkan, mps, meta, hpu, mtia, privateuseone device "
                f"type at start of device string: {type}"
            )
        self.type: str = name
        self.index: Optional[int] = int(idx) if idx else index

    def __repr__(self) -> str:
        return f"device(type='{self.type}'" + (
            f", index={self.index})" if self.index is not None else ")"
        )

    def __str__(self) -> str:
        return self.type + (f":{self.index}" if self.index is not None else "")

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


CPU = device("cpu")


def check_device(d: Any) -> None:
    """Accept None, "cpu" and device("cpu"); anything else is the one clear error."""
    if d is None:
        return
    if isinstance(d, int):
        raise RuntimeError(NO_GPU.format(what=f"'cuda:{d}'"))
    dev = d if isinstance(d, device) else device(d)
    if dev.type != "cpu":
        raise RuntimeError(NO_GPU.format(what=f"'{dev}'"))


def _is_device(x: Any) -> bool:
    if isinstance(x, (device, int)):
        return True
    if isinstance(x, str):
        try:
            device(x)
            return True
        except RuntimeError:
            return False
    return False


def parse_to(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """The dtype asked for by torch's ``.to(...)`` forms (None: keep it); a device is checked."""
    dtype = kwargs.pop("dtype", None)
    dev = kwargs.pop("device", None)
    for name in ("non_blocking", "copy", "memory_format"):
        kwargs.pop(name, None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    for a in args:
        if hasattr(a, "_data"):  # another tensor: its dtype (and device)
            dtype = a._data.dtype
        elif _is_device(a):
            dev = a
        elif not isinstance(a, bool):  # (non_blocking / copy given by position)
            dtype = a
    check_device(dev)
    return dtype


class DeviceMethods:
    __slots__ = ()  # (a mixin of Tensor, which keeps its fields in slots)
    _data: np.ndarray

    @property
    def device(self) -> device:
        """Always ``device(type='cpu')``."""
        return CPU

    is_cuda = False
    is_cpu = True

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """``x.to(dtype)``, ``x.to(device)``, ``x.to(device, dtype)`` or ``x.to(other)``: the
        same values in another dtype (on the tape between floats); devices must be the CPU."""
        dtype = parse_to(args, kwargs)
        return self if dtype is None else self._cast(dtype)

    def cpu(self) -> Tensor:
        """Self (it is on the CPU already)."""
        return self  # type: ignore[return-value]

    def cuda(self, device: Any = None, non_blocking: bool = False) -> Tensor:
        """Always the error: there is no GPU here."""
        raise RuntimeError(NO_GPU.format(what="'cuda'"))

    def type(self, dtype: Any = None, non_blocking: bool = False) -> Any:
        """Without an argument the type's name (``'torch.FloatTensor'`` as
        ``'minitorch_rnn.FloatTensor'``); with one, ``self.to(dtype)``."""
        if dtype is None:
            from .dtypes import scalar_type_name

            return f"minitorch_rnn.{scalar_type_name(self._data.dtype)}Tensor"
        if isinstance(dtype, str):
            dtype = _legacy_name(dtype)
        return self._cast(to_dtype(dtype))  # type: ignore[attr-defined]


def _legacy_name(name: str) -> np.dtype:
    """'torch.FloatTensor' -> float32 (the names `x.type(...)` takes)."""
    kind = name.rsplit(".", 1)[-1].replace("Tensor", "")
    table = {
        "Float": np.float32,
        "Double": np.float64,
        "Half": np.float16,
        "Long": np.int64,
        "Int": np.int32,
        "Short": np.int16,
        "Char": np.int8,
        "Byte": np.uint8,
        "Bool": np.bool_,
    }
    if kind not in table:
        raise ValueError(f"invalid type: '{name}'")
    return np.dtype(table[kind])
