"""Exercise 7 -- SGD with momentum, weight decay and Nesterov: torch's exact update rule.

After ``loss.backward()`` every parameter p holds its gradient in ``p.grad``. One step of
stochastic gradient descent moves each parameter a little way downhill. torch's rule, for
each p whose grad is not None (g is p.grad, b the parameter's momentum buffer):

    g = g + weight_decay * p                 if weight_decay != 0   (L2 regularisation)
    if momentum != 0:
        b = g                                on p's first step      (a copy: g will change)
        b = momentum * b + g                 on every later step
        g = g + momentum * b  if nesterov  else  b
    p = p - lr * g

Momentum is a running sum of past gradients, each older one weighted down by `momentum`: a
ball rolling downhill keeps its speed through small bumps. Nesterov looks one step ahead.

Change the parameters *in place* (``p.sub_(...)`` or ``p.add_(..., alpha=...)``) inside
``with mt.no_grad():`` -- the model holds these very Parameter objects, and the update must
not be recorded on the tape. `zero_grad` sets every ``p.grad`` back to None, as torch's.

The check runs your SGD and `optim.SGD` side by side and compares every parameter after every
step; then your SGD trains nn.RNN on the echo task. Compare optim/sgd.py afterwards.

Check your work:  python -m minitorch_rnn.exercises check DIR sgd
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Optional

import minitorch_rnn as mt  # noqa: F401  (mt.no_grad: you need it in step)
from minitorch_rnn import Tensor


class SGD:
    """Stochastic gradient descent with optional momentum, weight decay and Nesterov."""

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        self.params = list(params)  # (a generator like model.parameters() is read once)
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.nesterov = nesterov
        # one momentum buffer per parameter, None until its first step
        self.buffers: list[Optional[Tensor]] = [None] * len(self.params)

    def zero_grad(self) -> None:
        """Forget the gradients of the last backward: every p.grad = None."""
        raise NotImplementedError

    def step(self) -> None:
        """One update of every parameter that has a gradient."""
        # Hint: `with mt.no_grad():` around a loop `for i, p in enumerate(self.params)`;
        # `p.grad.clone()` is a copy of the gradient.
        raise NotImplementedError
