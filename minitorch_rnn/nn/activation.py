"""Activation modules, softmax and dropout: each wraps one function of `nn.functional`, so
they can sit in an `nn.Sequential`."""

from __future__ import annotations

from typing import Optional

from .._tensor import Tensor
from . import functional as F
from .module import Module


class Tanh(Module):
    """tanh(x), elementwise. Shape: any -> the same."""

    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


class ReLU(Module):
    """max(x, 0), elementwise. Shape: any -> the same."""

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input)


class Sigmoid(Module):
    """1 / (1 + e^-x), elementwise. Shape: any -> the same."""

    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


class Dropout(Module):
    """In training mode, zero each entry with probability `p` and scale the rest by 1 / (1 - p).

    In eval mode (`model.eval()`) it is the identity. The mask comes from the package-wide
    generator, so `mt.manual_seed` makes it reproducible. Shape: any -> the same.
    ``inplace=True`` is not supported (the tape records no in-place ops).
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        if inplace:
            raise NotImplementedError(
                "minitorch_rnn does not record in-place operations on the tape; use inplace=False"
            )
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Softmax(Module):
    """softmax(x)_i = e^{x_i} / sum_j e^{x_j} along `dim`: entries in (0, 1) that sum to 1.

    Shape: any -> the same. Leaving `dim` out is torch's deprecated form (it warns and guesses).
    """

    def __init__(self, dim: Optional[int] = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log softmax(x)_i = x_i - log sum_j e^{x_j} along `dim`; feed it to `NLLLoss`.

    Shape: any -> the same. Leaving `dim` out is torch's deprecated form (it warns and guesses).
    """

    def __init__(self, dim: Optional[int] = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
