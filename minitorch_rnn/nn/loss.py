"""Loss modules: each holds its options (`reduction`, ...) and calls its function in
`nn.functional`. A class weight is registered as a *buffer*, so it is in the `state_dict`
(under ``weight``), as in torch.

torch's older ``size_average=`` / ``reduce=`` arguments are turned into `reduction` here,
once, with torch's warning.
"""

from __future__ import annotations

from typing import Optional

from .._tensor import Tensor
from . import functional as F
from .functional_losses import _reduction
from .module import Module


class _Loss(Module):
    def __init__(
        self,
        size_average: Optional[bool] = None,
        reduce: Optional[bool] = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = _reduction(reduction, size_average, reduce)
        self.reduction = reduction  # otherwise checked when the loss is computed, as in torch


class _WeightedLoss(_Loss):
    weight: Optional[Tensor]

    def __init__(
        self,
        weight: Optional[Tensor] = None,
        size_average: Optional[bool] = None,
        reduce: Optional[bool] = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    """Mean squared error: reduce((input - target)^2), `reduction` 'mean' | 'sum' | 'none'.

    Shapes: input (*), target (*) the same -> 0-d, or (*) for 'none'.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error: reduce(|input - target|). Shapes as `MSELoss`."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """0.5 d^2 / beta where d = |input - target| < beta, else d - 0.5 beta; reduced.
    Shapes as `MSELoss`. See `nn.functional.smooth_l1_loss`."""

    def __init__(
        self,
        size_average: Optional[bool] = None,
        reduce: Optional[bool] = None,
        reduction: str = "mean",
        beta: float = 1.0,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """0.5 d^2 where d = |input - target| < delta, else delta (d - 0.5 delta); reduced.
    Equal to delta * SmoothL1Loss(beta=delta)."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class NLLLoss(_WeightedLoss):
    """Negative log likelihood of log-probabilities: loss[n] = -weight[c] input[n, c],
    c = target[n]; targets equal to `ignore_index` are left out.

    Shapes: input (N, C) with target (N,) int64, input (C,) with a 0-d target, or
    input (N, C, d1, ...) with target (N, d1, ...). See `nn.functional.nll_loss`.
    """

    def __init__(
        self,
        weight: Optional[Tensor] = None,
        size_average: Optional[bool] = None,
        ignore_index: int = -100,
        reduce: Optional[bool] = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.nll_loss(
            input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction
        )


class CrossEntropyLoss(_WeightedLoss):
    """Cross entropy of logits: loss[n] = -log softmax(x[n])_{target[n]} (times its class
    weight), i.e. `LogSoftmax` then `NLLLoss`.

    Shapes: input (N, C) with target (N,) int64 class indices (or (N, C) class
    probabilities), input (C,) with a 0-d target, or input (N, C, d1, ...) with target
    (N, d1, ...) -> 0-d, or the per-sample losses for 'none'. `label_smoothing` mixes the
    target with the uniform distribution. See `nn.functional.cross_entropy`.
    """

    def __init__(
        self,
        weight: Optional[Tensor] = None,
        size_average: Optional[bool] = None,
        ignore_index: int = -100,
        reduce: Optional[bool] = None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(
            input,
            target,
            self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class BCELoss(_WeightedLoss):
    """Binary cross entropy of probabilities: -weight [y log x + (1 - y) log(1 - x)], reduced.

    Shapes: input (*) in [0, 1], target (*) the same. Put a `Sigmoid` before it, or better,
    use `BCEWithLogitsLoss` on the logits.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """`BCELoss` of sigmoid(input), computed stably from the logits; `pos_weight` (one per
    class, along the last dim) weighs the positive examples. Shapes: input (*), target (*)."""

    pos_weight: Optional[Tensor]

    def __init__(
        self,
        weight: Optional[Tensor] = None,
        size_average: Optional[bool] = None,
        reduce: Optional[bool] = None,
        reduction: str = "mean",
        pos_weight: Optional[Tensor] = None,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy_with_logits(
            input, target, self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )
