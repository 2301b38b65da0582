"""Hooks: torch's way of watching (or changing) gradients from code.

* ``t.register_hook(fn)``: backward calls ``fn(grad)`` with t's gradient when it is known; if
  `fn` returns a tensor, that is the gradient from then on (for t's inputs, and its ``.grad``).
* ``module.register_forward_pre_hook(fn)`` / ``register_forward_hook(fn)``: called around
  ``forward`` with ``(module, args)`` / ``(module, args, output)``; a returned value replaces
  the args / the output.
* ``module.register_full_backward_hook(fn)``: called as ``fn(module, grad_input, grad_output)``
  once the gradients with respect to the module's tensor inputs are known; a returned tuple
  replaces grad_input.

Each returns a handle whose ``remove()`` takes the hook away.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from .. import _tensor

if TYPE_CHECKING:
    from .._tensor import Tensor

_ids = itertools.count()


class RemovableHandle:
    """What ``register_*hook`` returns: ``handle.remove()`` unregisters the hook."""

    def __init__(self, hooks: dict[int, Callable[..., Any]]) -> None:
        self.hooks_dict_ref = hooks
        self.id = next(_ids)

    def remove(self) -> None:
        self.hooks_dict_ref.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


def add(hooks: dict[int, Callable[..., Any]], fn: Callable[..., Any]) -> RemovableHandle:
    handle = RemovableHandle(hooks)
    hooks[handle.id] = fn
    return handle


def register_tensor_hook(t: Tensor, fn: Callable[..., Any]) -> RemovableHandle:
    """For a leaf the hooks live on the tensor; for a result, on its node (by output number)."""
    if t.grad_fn is None:
        if t._hooks is None:
            t._hooks = {}
        return add(t._hooks, fn)
    node = t.grad_fn
    if node.tensor_hooks is None:
        node.tensor_hooks = {}
    return add(node.tensor_hooks.setdefault(t._output_nr, {}), fn)


def call_tensor_hooks(hooks: Optional[dict[int, Callable[..., Any]]], grad: np.ndarray) -> Any:
    """Run hooks on one gradient, each seeing what the one before returned."""
    if not hooks:
        return grad
    for fn in list(hooks.values()):
        new = fn(_tensor.Tensor(grad))
        if new is not None:
            if tuple(new.shape) != grad.shape:
                raise RuntimeError(
                    f"hook returned a gradient of shape {list(new.shape)}, expected "
                    f"{list(grad.shape)}"
                )
            grad = new._data
    return grad


def call_node_hooks(node: Any, grads: list[Any]) -> None:
    """The hooks of a node's outputs, on the gradients that arrived for them (in place)."""
    for nr, hooks in node.tensor_hooks.items():
        if grads[nr] is not None:
            grads[nr] = call_tensor_hooks(hooks, grads[nr])
