"""`AdamW`: Adam with decoupled weight decay (Loshchilov & Hutter, 2017).

Adam's ``weight_decay`` adds ``weight_decay * p`` to the gradient, so the decay is then divided
by ``sqrt(v_hat)`` like the gradient is: weights with large gradients are hardly decayed.
AdamW shrinks the weights themselves instead, ``p = p * (1 - lr * weight_decay)``, before the
Adam step. As in torch, it is `Adam` with ``decoupled_weight_decay=True`` (and a default
decay of 1e-2); the update rule is `adam` in ``adam.py``.
"""

from __future__ import annotations

from typing import Any, Optional

from .adam import Adam
from .optimizer import Params


class AdamW(Adam):
    """Adam with decoupled weight decay: torch's `AdamW`, with its options and defaults.

    Args:
        params: an iterable of tensors (``model.parameters()``) or of dicts (param groups)
        lr: learning rate (default: 1e-3)
        betas: decay rates of the two moving averages (default: (0.9, 0.999))
        eps: added to the denominator, so it is never 0 (default: 1e-8)
        weight_decay: the weights shrink by ``lr * weight_decay`` each step (default: 1e-2)
        amsgrad: divide by the largest v seen so far instead of the current v (default: False)
        maximize: ascend the objective instead of descending it (default: False)
        foreach, fused: accepted and recorded, without effect (see `Adam`)
        capturable, differentiable: must stay False

    Example::

        >>> optimizer = optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: Optional[bool] = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: Optional[bool] = None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """As `Optimizer.load_state_dict`; the groups stay decoupled (torch's ``__setstate__``)."""
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
