"""`SGD`: stochastic gradient descent with momentum, dampening, Nesterov, weight decay, maximize.

As in torch, the class checks the options and owns the per-parameter state; the pure
function `sgd` below is the update rule itself, one loop a reader can check against the math.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional

from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad, no_grad
from .optimizer import Optimizer, Params


class SGD(Optimizer):
    r"""Stochastic gradient descent (optionally with momentum), torch's exact update.

    For each parameter p with gradient g (parameters whose ``.grad`` is None are skipped)::

        g = -g                      if maximize
        g = g + weight_decay * p    if weight_decay != 0
        if momentum != 0:
            b = g                                   on the first step (no dampening)
            b = momentum * b + (1 - dampening) * g  afterwards
            g = g + momentum * b    if nesterov  else  g = b
        p = p - lr * g

    Args:
        params: an iterable of tensors (``model.parameters()``) or of dicts (param groups)
        lr: learning rate (default: 1e-3)
        momentum: momentum factor (default: 0)
        dampening: dampening for momentum (default: 0)
        weight_decay: L2 penalty (default: 0)
        nesterov: Nesterov momentum; needs momentum > 0 and dampening = 0 (default: False)
        maximize: ascend the objective instead of descending it (default: False)
        foreach, fused: pick one of torch's kernels; accepted and recorded (so the repr and
            state_dict match torch's) but without effect: there is one loop here
        differentiable: must stay False (steps are never recorded on the tape)

    Example::

        >>> optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> optimizer.zero_grad()
        >>> loss_fn(model(input), target).backward()
        >>> optimizer.step()
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: Optional[bool] = None,
        differentiable: bool = False,
        fused: Optional[bool] = None,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if differentiable:
            raise NotImplementedError("minitorch_rnn's SGD does not support differentiable=True")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def step(self, closure: Optional[Callable[[], Any]] = None) -> Any:
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():  # the update itself is not part of any model: keep it off the tape
            for group in self.param_groups:
                params: list[Tensor] = []
                grads: list[Tensor] = []
                momentum_buffers: list[Optional[Tensor]] = []
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    params.append(p)
                    grads.append(p.grad)
                    if group["momentum"] != 0:
                        momentum_buffers.append(self.state[p].get("momentum_buffer"))

                sgd(
                    params,
                    grads,
                    momentum_buffers,
                    lr=group["lr"],
                    momentum=group["momentum"],
                    dampening=group["dampening"],
                    weight_decay=group["weight_decay"],
                    nesterov=group["nesterov"],
                    maximize=group["maximize"],
                )
                if group["momentum"] != 0:  # `sgd` created the buffers of first steps
                    for p, buffer in zip(params, momentum_buffers):
                        self.state[p]["momentum_buffer"] = buffer
        return loss


def sgd(
    params: list[Tensor],
    grads: list[Tensor],
    momentum_buffers: list[Optional[Tensor]],
    *,
    lr: float,
    momentum: float,
    dampening: float,
    weight_decay: float,
    nesterov: bool,
    maximize: bool,
) -> None:
    """The SGD update, in place on each parameter (call it under `no_grad`).

    `momentum_buffers[i]` is None before a parameter's first step; it is filled in here, so the
    caller can store it. Parameters change in place (``p.add_``), so a model's Parameter objects,
    and anything that refers to them, stay the same.
    """
    for i, param in enumerate(params):
        grad = grads[i] if not maximize else -grads[i]
        if weight_decay != 0:
            grad = grad + weight_decay * param
        if momentum != 0:
            buffer = momentum_buffers[i]
            if buffer is None:  # first step: the buffer is the gradient itself
                buffer = grad.detach().clone()
                momentum_buffers[i] = buffer
            else:
                buffer.mul_(momentum).add_(grad, alpha=1 - dampening)
            grad = grad + momentum * buffer if nesterov else buffer
        param.add_(grad, alpha=-lr)
