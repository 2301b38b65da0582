"""`Adam`: moving averages of the gradient and of its square, with bias correction.

As in torch (and as in `sgd.py`), the class checks the options and owns the per-parameter
state; the pure function `adam` below is the update rule itself, a loop over numpy arrays
that a reader can hold next to the equation in its docstring. `AdamW` (in `adamw.py`) is
this class with the weight decay applied to the weights instead of the gradient.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad
from .optimizer import Optimizer, Params, mark_modified, step_counter, zeros_like


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2014), torch's exact update; AMSGrad and AdamW's decay as options.

    State per parameter (created on its first step, as torch names it): ``step`` (a float32
    scalar tensor), ``exp_avg`` (m), ``exp_avg_sq`` (v) and, with ``amsgrad``,
    ``max_exp_avg_sq``. The update is written out in `adam`'s docstring.

    Args:
        params: an iterable of tensors (``model.parameters()``) or of dicts (param groups)
        lr: learning rate (default: 1e-3)
        betas: decay rates of the two moving averages (default: (0.9, 0.999))
        eps: added to the denominator, so it is never 0 (default: 1e-8)
        weight_decay: L2 penalty added to the gradient (default: 0)
        amsgrad: divide by the largest v seen so far instead of the current v (default: False)
        maximize: ascend the objective instead of descending it (default: False)
        decoupled_weight_decay: shrink the weights directly, as AdamW (default: False)
        foreach, fused: pick one of torch's kernels; accepted and recorded (so the repr and
            state_dict match torch's) but without effect: there is one loop here
        capturable, differentiable: must stay False

    Example::

        >>> optimizer = optim.Adam(model.parameters(), lr=1e-3)
        >>> optimizer.zero_grad()
        >>> loss_fn(model(input), target).backward()
        >>> optimizer.step()
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: Optional[bool] = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: Optional[bool] = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not (isinstance(betas[0], float) and isinstance(betas[1], float)):
            raise ValueError("betas must be either both floats or both Tensors")
        if capturable or differentiable:
            raise NotImplementedError(
                f"minitorch_rnn's {type(self).__name__} does not support capturable=True "
                "or differentiable=True"
            )
        if fused and foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def step(self, closure: Optional[Callable[[], Any]] = None) -> Any:
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        # The update works on the numpy arrays (`p._data`), so nothing is recorded on the tape.
        for group in self.param_groups:
            params: list[Tensor] = []
            for p in group["params"]:
                if p.grad is None:
                    continue  # no gradient this time: no step, and no state either
                params.append(p)
                state = self.state[p]
                if len(state) == 0:  # the first step of this parameter
                    state["step"] = step_counter()
                    state["exp_avg"] = zeros_like(p)
                    state["exp_avg_sq"] = zeros_like(p)
                    if group["amsgrad"]:
                        state["max_exp_avg_sq"] = zeros_like(p)

            states = [self.state[p] for p in params]
            beta1, beta2 = group["betas"]
            adam(
                [p._data for p in params],
                [p.grad._data for p in params],  # type: ignore[union-attr]
                [s["exp_avg"]._data for s in states],
                [s["exp_avg_sq"]._data for s in states],
                [s["max_exp_avg_sq"]._data for s in states] if group["amsgrad"] else [],
                [s["step"]._data for s in states],
                amsgrad=group["amsgrad"],
                beta1=beta1,
                beta2=beta2,
                lr=group["lr"],
                weight_decay=group["weight_decay"],
                eps=group["eps"],
                maximize=group["maximize"],
                decoupled_weight_decay=group["decoupled_weight_decay"],
            )
            mark_modified(params)
        return loss


def adam(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    exp_avgs: list[np.ndarray],
    exp_avg_sqs: list[np.ndarray],
    max_exp_avg_sqs: list[np.ndarray],
    state_steps: list[np.ndarray],
    *,
    amsgrad: bool,
    beta1: float,
    beta2: float,
    lr: float,
    weight_decay: float,
    eps: float,
    maximize: bool,
    decoupled_weight_decay: bool,
) -> None:
    """The Adam update, in place on the arrays (parameters, averages and step counts).

    For each parameter p with gradient g, at its step t = 1, 2, 3, ...::

        g = -g                                  if maximize
        p = p * (1 - lr * weight_decay)         if weight_decay and decoupled (AdamW)
        g = g + weight_decay * p                if weight_decay and not decoupled (L2)
        m = beta1 * m + (1 - beta1) * g         exp_avg: the mean of recent gradients
        v = beta2 * v + (1 - beta2) * g * g     exp_avg_sq: the mean of their squares
        v_max = max(v_max, v)                   if amsgrad (and v_max is used below for v)
        m_hat = m / (1 - beta1**t)              bias correction: m and v start at 0
        v_hat = v / (1 - beta2**t)
        p = p - lr * m_hat / (sqrt(v_hat) + eps)

    The code computes exactly this, arranged as torch arranges it so that float32 rounds the
    same way: ``lr / (1 - beta1**t)`` is one step size, ``sqrt(v_hat)`` is
    ``sqrt(v) / sqrt(1 - beta2**t)``, and m is moved towards g (torch's ``lerp_``).
    """
    for i, param in enumerate(params):
        grad = -grads[i] if maximize else grads[i]
        exp_avg, exp_avg_sq = exp_avgs[i], exp_avg_sqs[i]
        state_steps[i] += 1
        step = float(state_steps[i])

        if weight_decay != 0:
            if decoupled_weight_decay:
                param *= 1 - lr * weight_decay
            else:
                grad = grad + weight_decay * param

        exp_avg += (1 - beta1) * (grad - exp_avg)  # = beta1 * m + (1 - beta1) * g
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad

        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        step_size = lr / bias_correction1
        if amsgrad:
            np.maximum(max_exp_avg_sqs[i], exp_avg_sq, out=max_exp_avg_sqs[i])
            second_moment = max_exp_avg_sqs[i]
        else:
            second_moment = exp_avg_sq
        denom = np.sqrt(second_moment) / bias_correction2**0.5 + eps
        param += -step_size * exp_avg / denom
