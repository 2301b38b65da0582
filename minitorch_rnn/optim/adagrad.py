"""`Adagrad`: each weight's step is divided by the root of the sum of its squared gradients.

A weight that has seen large gradients takes small steps from then on, a rarely-updated one
keeps large steps (Duchi, Hazan & Singer, 2011). The sum only grows, so the steps only
shrink. As in torch, the class checks the options and owns the state; the pure function
`adagrad` below is the update rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad
from .optimizer import Optimizer, Params, mark_modified, step_counter


class Adagrad(Optimizer):
    """Adagrad, torch's exact update, with learning-rate decay, weight decay and maximize.

    State per parameter: ``step`` (a float32 scalar tensor) and ``sum`` (the accumulated
    squared gradients). Unlike Adam's, this state is created in the constructor, for every
    parameter, filled with ``initial_accumulator_value`` -- as torch does, and as torch
    the constructor's value is used even where a param group sets its own.

    Args:
        params: an iterable of tensors (``model.parameters()``) or of dicts (param groups)
        lr: learning rate (default: 1e-2)
        lr_decay: the step t uses ``lr / (1 + (t - 1) * lr_decay)`` (default: 0)
        weight_decay: L2 penalty added to the gradient (default: 0)
        initial_accumulator_value: the starting value of ``sum`` (default: 0)
        eps: added to the denominator, so it is never 0 (default: 1e-10)
        maximize: ascend the objective instead of descending it (default: False)
        foreach, fused: accepted and recorded (so the repr and state_dict match torch's),
            without effect
        differentiable: must stay False

    Example::

        >>> optimizer = optim.Adagrad(model.parameters(), lr=0.1)
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: Optional[bool] = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: Optional[bool] = None,
    ) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(
                f"Invalid initial_accumulator_value value: {initial_accumulator_value}"
            )
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if differentiable:
            raise NotImplementedError(
                "minitorch_rnn's Adagrad does not support differentiable=True"
            )
        if fused and foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _init_state(self, p: Tensor) -> None:
        state = self.state[p]
        state["step"] = step_counter()
        value = self.defaults["initial_accumulator_value"]
        state["sum"] = Tensor(np.full_like(p._data, value))

    def step(self, closure: Optional[Callable[[], Any]] = None) -> Any:
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:  # the math is on numpy arrays: off the tape
            params = [p for p in group["params"] if p.grad is not None]
            for p in params:
                if len(self.state[p]) == 0:  # a group added after the constructor ran
                    self._init_state(p)
            states = [self.state[p] for p in params]
            adagrad(
                [p._data for p in params],
                [p.grad._data for p in params],
                [s["sum"]._data for s in states],
                [s["step"]._data for s in states],
                lr=group["lr"],
                weight_decay=group["weight_decay"],
                lr_decay=group["lr_decay"],
                eps=group["eps"],
                maximize=group["maximize"],
            )
            mark_modified(params)
        return loss


def adagrad(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    state_sums: list[np.ndarray],
    state_steps: list[np.ndarray],
    *,
    lr: float,
    weight_decay: float,
    lr_decay: float,
    eps: float,
    maximize: bool,
) -> None:
    """The Adagrad update, in place on the arrays (parameters, sums and step counts).

    For each parameter p with gradient g, at its step t = 1, 2, 3, ...::

        g = -g                                  if maximize
        g = g + weight_decay * p                if weight_decay != 0
        lr_t = lr / (1 + (t - 1) * lr_decay)
        sum = sum + g * g
        p = p - lr_t * g / (sqrt(sum) + eps)
    """
    for i, param in enumerate(params):
        state_steps[i] += 1
        step = float(state_steps[i])
        grad = -grads[i] if maximize else grads[i]
        if weight_decay != 0:
            grad = grad + weight_decay * param

        clr = lr / (1 + (step - 1) * lr_decay)
        state_sums[i] += grad * grad
        std = np.sqrt(state_sums[i]) + eps
        param += -clr * grad / std
