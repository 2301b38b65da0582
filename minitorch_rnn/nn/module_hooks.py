"""Module hooks (torch's ``register_forward_hook`` and friends): how ``module(x)`` runs them.

Skip on a first read: `Module.__call__` is just ``self.forward(...)`` when no hook is set.

A full backward hook needs the gradients with respect to the module's inputs *and* outputs, so
the call puts two identity nodes on the tape around ``forward``: one on the inputs, one on the
outputs. When backward reaches the outputs' node it notes ``grad_output``; when it reaches the
inputs' node, ``grad_input`` is known and the hooks run (they may replace ``grad_input``).
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import state


class _Identity(Function):
    """Passes its inputs through; its backward hands the gradients to a callback."""

    @staticmethod
    def forward(ctx: Any, *xs: np.ndarray, on_backward: Any = None) -> Any:
        ctx.on_backward = on_backward
        return xs if len(xs) > 1 else xs[0]

    @staticmethod
    def backward(ctx: Any, *grads: np.ndarray) -> Any:
        out = ctx.on_backward(grads)
        return out if len(out) > 1 else out[0]

    def name(self) -> str:
        return "BackwardHookFunctionBackward"


def call(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``module(*args, **kwargs)`` with its forward pre-hooks, forward hooks, backward hooks."""
    for hook in list(module._forward_pre_hooks.values()):
        new = hook(module, args)
        if new is not None:
            args = new if isinstance(new, tuple) else (new,)
    backward_hooks = list(module._backward_hooks.values())
    grad_output: list[Optional[tuple[Any, ...]]] = [None]
    if backward_hooks and state.enabled:
        args = _wrap_inputs(module, args, backward_hooks, grad_output)
    output = module.forward(*args, **kwargs)
    for hook in list(module._forward_hooks.values()):
        new = hook(module, args, output)
        if new is not None:
            output = new
    if backward_hooks and state.enabled:
        output = _wrap_outputs(module, output, backward_hooks, grad_output, args)
    return output


def _wrap_inputs(module: Any, args: tuple[Any, ...], hooks: list[Any], seen: list[Any]) -> Any:
    where = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
    if not where:
        return args

    def on_backward(grads: tuple[np.ndarray, ...]) -> tuple[Any, ...]:
        grad_input = tuple(Tensor(g) for g in grads)
        for hook in hooks:
            new = hook(module, grad_input, seen[0])
            if new is not None:
                grad_input = tuple(new)
        return tuple(g._data if g is not None else None for g in grad_input)

    wrapped = _Identity.apply(*[args[i] for i in where], on_backward=on_backward)
    wrapped = wrapped if isinstance(wrapped, tuple) else (wrapped,)
    out = list(args)
    for i, w in zip(where, wrapped):
        out[i] = w
    return tuple(out)


def _wrap_outputs(
    module: Any, output: Any, hooks: list[Any], seen: list[Any], args: tuple[Any, ...]
) -> Any:
    outs = output if isinstance(output, tuple) else (output,)
    where = [i for i, o in enumerate(outs) if isinstance(o, Tensor) and o.requires_grad]
    if not where:
        return output
    inputs_tracked = any(isinstance(a, Tensor) and a.requires_grad for a in args)

    def on_backward(grads: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
        seen[0] = tuple(Tensor(g) for g in grads)
        if not inputs_tracked:  # no input wants a gradient: the hooks run now, as torch's
            for hook in hooks:
                hook(module, (None,), seen[0])
        return grads

    wrapped = _Identity.apply(*[outs[i] for i in where], on_backward=on_backward)
    wrapped = wrapped if isinstance(wrapped, tuple) else (wrapped,)
    new = list(outs)
    for i, w in zip(where, wrapped):
        new[i] = w
    return tuple(new) if isinstance(output, tuple) else new[0]
