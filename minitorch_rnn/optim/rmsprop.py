"""`RMSprop`: divide each step by a moving root-mean-square of recent gradients.

Adagrad's sum only grows; RMSprop (Hinton's lecture 6e, 2012) forgets old gradients with a
moving average, so the steps adapt up and down. ``centered`` subtracts the squared mean
gradient (an estimate of the variance); ``momentum`` smooths the normalised steps. As in
torch, the class checks the options and owns the state; the pure function `rmsprop` below
is the update rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad
from .optimizer import Optimizer, Params, mark_modified, step_counter, zeros_like


class RMSprop(Optimizer):
    """RMSprop, torch's exact update, with momentum, centering, weight decay and maximize.

    State per parameter (created on its first step): ``step`` (a float32 scalar tensor),
    ``square_avg``, and ``momentum_buffer`` if momentum > 0, ``grad_avg`` if centered.

    Args:
        params: an iterable of tensors (``model.parameters()``) or of dicts (param groups)
        lr: learning rate (default: 1e-2)
        alpha: smoothing constant of the averages (default: 0.99)
        eps: added to the denominator, so it is never 0 (default: 1e-8)
        weight_decay: L2 penalty added to the gradient (default: 0)
        momentum: momentum factor (default: 0)
        centered: normalise by an estimate of the gradient's variance (default: False)
        maximize: ascend the objective instead of descending it (default: False)
        foreach: accepted and recorded (so the repr and state_dict match torch's), no effect
        capturable, differentiable: must stay False

    Example::

        >>> optimizer = optim.RMSprop(model.parameters(), lr=0.01, momentum=0.9)
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: Optional[bool] = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        if capturable or differentiable:
            raise NotImplementedError(
                "minitorch_rnn's RMSprop does not support capturable=True or differentiable=True"
            )
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "capturable": capturable,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def step(self, closure: Optional[Callable[[], Any]] = None) -> Any:
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:  # the math is on numpy arrays: off the tape
            params: list[Tensor] = []
            for p in group["params"]:
                if p.grad is None:
                    continue
                params.append(p)
                state = self.state[p]
                if len(state) == 0:  # the first step of this parameter
                    state["step"] = step_counter()
                    state["square_avg"] = zeros_like(p)
                    if group["momentum"] > 0:
                        state["momentum_buffer"] = zeros_like(p)
                    if group["centered"]:
                        state["grad_avg"] = zeros_like(p)

            states = [self.state[p] for p in params]
            rmsprop(
                [p._data for p in params],
                [p.grad._data for p in params],  # type: ignore[union-attr]
                [s["square_avg"]._data for s in states],
                [s["grad_avg"]._data for s in states] if group["centered"] else [],
                [s["momentum_buffer"]._data for s in states] if group["momentum"] > 0 else [],
                [s["step"]._data for s in states],
                lr=group["lr"],
                alpha=group["alpha"],
                eps=group["eps"],
                weight_decay=group["weight_decay"],
                momentum=group["momentum"],
                centered=group["centered"],
                maximize=group["maximize"],
            )
            mark_modified(params)
        return loss


def rmsprop(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    square_avgs: list[np.ndarray],
    grad_avgs: list[np.ndarray],
    momentum_buffers: list[np.ndarray],
    state_steps: list[np.ndarray],
    *,
    lr: float,
    alpha: float,
    eps: float,
    weight_decay: float,
    momentum: float,
    centered: bool,
    maximize: bool,
) -> None:
    """The RMSprop update, in place on the arrays (parameters, averages, buffers, steps).

    For each parameter p with gradient g (there is no bias correction: the averages start
    at 0, so the first steps are large)::

        g = -g                                          if maximize
        g = g + weight_decay * p                        if weight_decay != 0
        v = alpha * v + (1 - alpha) * g * g             square_avg
        if centered:
            g_avg = alpha * g_avg + (1 - alpha) * g     grad_avg
            avg = sqrt(v - g_avg * g_avg) + eps
        else:
            avg = sqrt(v) + eps
        if momentum > 0:
            b = momentum * b + g / avg                  momentum_buffer
            p = p - lr * b
        else:
            p = p - lr * g / avg
    """
    for i, param in enumerate(params):
        state_steps[i] += 1  # counted (torch keeps it in the state), not used by the rule
        grad = -grads[i] if maximize else grads[i]
        if weight_decay != 0:
            grad = grad + weight_decay * param

        square_avg = square_avgs[i]
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if centered:
            grad_avg = grad_avgs[i]
            grad_avg += (1 - alpha) * (grad - grad_avg)  # torch's lerp_: the average above
            avg = np.sqrt(square_avg - grad_avg * grad_avg) + eps
        else:
            avg = np.sqrt(square_avg) + eps

        if momentum > 0:
            buffer = momentum_buffers[i]
            buffer *= momentum
            buffer += grad / avg
            param += -lr * buffer
        else:
            param += -lr * grad / avg
