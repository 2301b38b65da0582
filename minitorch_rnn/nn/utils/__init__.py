"""Gradient clipping: keep one bad batch from throwing the weights far away.

RNNs need this most: backprop-through-time multiplies by W_hh once per step, so gradients can
grow exponentially with the sequence length ("exploding gradients"). Both functions change the
`.grad` of each parameter in place and are called between ``loss.backward()`` and
``optimizer.step()``.

Variable-length batches (padding and packing) are in the submodule `nn.utils.rnn`, as in torch.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Union

import numpy as np

from ..._tensor import Tensor
from . import rnn

__all__ = ["clip_grad_norm_", "clip_grad_value_", "rnn"]

Tensors = Union[Tensor, Iterable[Tensor]]


def _grads(parameters: Tensors) -> list[Tensor]:
    """The `.grad` of each parameter that has one (a lone tensor counts as one parameter)."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]  # reads a generator only once


def clip_grad_norm_(
    parameters: Tensors,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    r"""Scale all gradients together so that their joint p-norm is at most `max_norm`.

    The joint norm treats every gradient as one long vector:
    ``total = || (||g_1||_p, ||g_2||_p, ...) ||_p`` (for p = inf: the largest |entry|). Then
    every gradient is multiplied, in place, by ``min(max_norm / (total + 1e-6), 1)``: gradients
    that are already small enough are left alone, the others keep their direction.

    Args:
        parameters: a tensor or an iterable of tensors (params without a grad are skipped)
        max_norm: the largest norm allowed
        norm_type: p of the p-norm; ``float('inf')`` for the max norm (default: 2)
        error_if_nonfinite: raise if the total norm is nan or inf (default: False, in which
            case the gradients are scaled by it anyway, as torch does)

    Returns:
        the total norm *before* clipping, a 0-d tensor (useful to log).
    """
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return Tensor(np.array(0.0, dtype=np.float32))
    norms = [np.linalg.norm(g._data.ravel(), ord=norm_type) for g in grads]
    total = np.asarray(np.linalg.norm(np.stack(norms), ord=norm_type))
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the gradients "
            "by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    scale = np.minimum(max_norm / (total + 1e-6), 1.0)  # the 1e-6 keeps a zero norm finite
    with np.errstate(invalid="ignore"):  # inf * 0 = nan: torch scales silently, so do we
        for g in grads:
            g.mul_(scale.astype(g.dtype))
    return Tensor(total)


def clip_grad_value_(parameters: Tensors, clip_value: float) -> None:
    """Clamp every gradient entry into [-clip_value, clip_value], in place.

    Unlike `clip_grad_norm_` this can change a gradient's direction.
    """
    clip_value = float(clip_value)
    for g in _grads(parameters):
        g.copy_(np.clip(g._data, -clip_value, clip_value))
