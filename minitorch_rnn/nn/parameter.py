"""`Parameter`: a Tensor that a Module registers as something to train."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .._tensor import Tensor


class Parameter(Tensor):
    """A leaf Tensor with ``requires_grad=True`` that `Module` picks up on attribute assignment.

    It *is* a Tensor (a subclass), so it goes straight into any op. ``_name`` is the attribute
    name it was first registered under (e.g. ``"weight_hh_l0"``); graph drawings label it so.
    """

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            array = np.empty(0, dtype=np.float32)
        elif isinstance(data, Tensor):
            array = data._data  # shares memory, as torch's Parameter(tensor) does
        else:
            array = np.asarray(data)
        super().__init__(array, requires_grad=requires_grad)
        if isinstance(data, Tensor):  # one memory, one version counter (as torch)
            self._vc = data._vc
        self._name: Optional[str] = None

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
