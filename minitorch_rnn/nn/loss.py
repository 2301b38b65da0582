"""Loss modules: each holds its `reduction` and calls the function in `nn.functional`."""

from __future__ import annotations

from .._tensor import Tensor
from . import functional as F
from .module import Module


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = reduction  # checked when the loss is computed, as in torch


class MSELoss(_Loss):
    """Mean squared error: reduce((input - target)^2), `reduction` 'mean' | 'sum' | 'none'.

    Shapes: input (*), target (*) the same -> 0-d, or (*) for 'none'.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class CrossEntropyLoss(_Loss):
    """Cross entropy of logits and class indices: loss[n] = -log softmax(x[n])_{target[n]}.

    Shapes: input (N, C) with target (N,) int64, or input (C,) with a 0-d target, or
    input (N, C, d1, ...) with target (N, d1, ...) -> 0-d, or the per-sample losses for
    'none'. See `nn.functional.cross_entropy`.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(input, target, reduction=self.reduction)
