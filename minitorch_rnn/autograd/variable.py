"""`Variable`: the wrapper torch had before version 0.4, kept so old scripts still run.

Before torch 0.4 a plain tensor could not record operations: you wrapped it, ``x =
Variable(t, requires_grad=True)``. Since then every Tensor can do that itself, and torch keeps
`Variable` as a name only -- ``Variable(t)`` returns a new leaf *Tensor* sharing `t`'s memory,
and every Tensor counts as a Variable in `isinstance`. So it is here. Write new code with
``t.requires_grad_()`` or ``mt.tensor(..., requires_grad=True)``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .._tensor import Tensor


class _VariableMeta(type):
    def __instancecheck__(cls, other: Any) -> bool:
        return isinstance(other, Tensor)  # torch: isinstance(any_tensor, Variable) is True


class Variable(metaclass=_VariableMeta):
    """``Variable(t, requires_grad=False)``: a new leaf Tensor sharing `t`'s memory (torch's
    legacy name; ``volatile=`` is accepted with torch's warning and ignored)."""

    def __new__(  # type: ignore[misc]
        cls, data: Any = None, requires_grad: bool = False, volatile: bool = False
    ) -> Tensor:
        if volatile:
            warnings.warn(
                "volatile was removed and now has no effect. Use `with torch.no_grad():` instead.",
                stacklevel=2,
            )
        if data is None:
            return Tensor(np.empty(0, dtype=np.float32), requires_grad=requires_grad)
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        return data.detach().requires_grad_(requires_grad)
