"""Exercise 8 -- gradient clipping: one bad batch must not throw the weights far away.

Backpropagation through time multiplies by W_hh once per step, so an RNN's gradient can grow
exponentially with the sequence length ("exploding gradients"), and one huge step undoes
hours of training. Clipping by norm rescues it: treat *all* the gradients as one long vector,
and if its length is more than `max_norm`, shrink them all by the same factor:

    total = sqrt(sum over every parameter p of sum(p.grad ** 2))     (the joint 2-norm)
    scale = max_norm / (total + 1e-6)                                 (1e-6: total may be 0)
    if scale < 1: multiply every p.grad by scale, in place

Every gradient keeps its direction and the update its shape; only its length is capped.
Clipping each parameter on its own would be a different rule (and change the direction).
Parameters whose grad is None are skipped. Return `total`, the norm *before* clipping (worth
logging: it shows when gradients explode). torch's name ends in `_`: it changes its input.

The check compares your gradients with `nn.utils.clip_grad_norm_` (nn/utils/__init__.py) after
clipping, and then trains nn.RNN on the echo task with your clipping.

Check your work:  python -m minitorch_rnn.exercises check DIR clip
"""

from __future__ import annotations

import math  # noqa: F401  (math.sqrt)
from collections.abc import Iterable

from minitorch_rnn import Tensor


def clip_grad_norm_(parameters: Iterable[Tensor], max_norm: float) -> float:
    """Scale all gradients together so that their joint 2-norm is at most `max_norm`."""
    # Hint: `parameters` may be a generator (model.parameters()): go through it only once.
    # `(g * g).sum().item()` is a Python number; `g.mul_(scale)` scales g in place.
    raise NotImplementedError
