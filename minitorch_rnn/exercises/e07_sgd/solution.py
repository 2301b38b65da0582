"""Exercise 7, solved: torch's SGD rule (see stub.py for the lesson)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Optional

import minitorch_rnn as mt
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
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """One update of every parameter that has a gradient."""
        with mt.no_grad():  # the update is not part of the model: keep it off the tape
            for i, p in enumerate(self.params):
                if p.grad is None:
                    continue
                g = p.grad
                if self.weight_decay:
                    g = g + self.weight_decay * p
                if self.momentum:
                    b = self.buffers[i]
                    b = g.clone() if b is None else self.momentum * b + g
                    self.buffers[i] = b
                    g = g + self.momentum * b if self.nesterov else b
                p.sub_(self.lr * g)
