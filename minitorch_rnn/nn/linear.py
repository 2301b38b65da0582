"""`nn.Linear`: an affine map y = x W^T + b with learnable W and b."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._tensor import Tensor
from ..dtypes import float32, to_dtype
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Linear(Module):
    r"""Applies y = x W^T + b to the last dim of the input.

    Args:
        in_features: size of each input sample
        out_features: size of each output sample
        bias: if False, the layer learns no additive bias (default: True)
        dtype: dtype of the parameters (default: float32)

    Shape:
        input (*, in_features) -> output (*, out_features), `*` any leading dims (or none).

    Attributes:
        weight: (out_features, in_features), initialised from U(-1/sqrt(in_features),
            1/sqrt(in_features)) -- what torch's kaiming_uniform_(a=sqrt(5)) works out to
        bias: (out_features,), from the same U(-1/sqrt(in_features), 1/sqrt(in_features))

    Example::

        >>> m = nn.Linear(20, 30)
        >>> m(mt.randn(128, 20)).shape
        (128, 30)
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, dtype: Any = None
    ) -> None:
        super().__init__()
        if in_features < 0 or out_features < 0:
            raise RuntimeError(
                "Trying to create tensor with negative dimension "
                f"{min(in_features, out_features)}: [{out_features}, {in_features}]"
            )
        dt = to_dtype(dtype) or float32
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dt))
        if bias:
            self.bias = Parameter(np.empty(out_features, dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """torch's initialisation, drawn from the package-wide generator (`mt.manual_seed`)."""
        # kaiming_uniform_ with a = sqrt(5): gain = sqrt(2 / (1 + 5)), bound = gain * sqrt(3 /
        # fan_in) = 1 / sqrt(fan_in). torch keeps this spelling for its random-number stream.
        if self.weight.numel() > 0:
            init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Identity(Module):
    """Returns its input unchanged; any constructor arguments are ignored (as torch's).

    A placeholder layer: swap a real layer out (``model.head = nn.Identity()``) without
    changing the code that calls it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input
