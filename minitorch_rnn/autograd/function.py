"""`Function`: one primitive operation, and the node it leaves on the tape.

A subclass writes two static methods side by side, both on raw `numpy.ndarray`s (so backward
code can never build graph by accident):

* ``forward(ctx, *arrays, **params) -> array`` computes the result and keeps what backward
  needs with ``ctx.save_for_backward(...)``;
* ``backward(ctx, grad) -> one gradient per input`` applies the chain rule.

``Function.apply(*tensors)`` runs forward and, when any input requires grad and recording is
on, turns `ctx` into a node of the tape: the result's ``grad_fn``. A node remembers *edges*
to where its input gradients go -- the input's own node, or the leaf tensor itself -- but not
its input tensors, so activations that backward does not need are freed as soon as possible.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Optional, Union

import numpy as np

from .. import _tensor  # a cycle (_tensor.py imports us): used at call time only
from .grad_mode import state

if TYPE_CHECKING:
    from .._tensor import Tensor

# Where a gradient goes: (node, which output of it) or (leaf tensor, 0); None: nowhere.
Edge = Optional[tuple[Union["Function", "Tensor"], int]]


class Function:
    """Base class of every op. Instances are the nodes of the tape (`tensor.grad_fn`)."""

    is_view = False  # True: the output shares memory with input 0 (reshape, transpose, ...)

    # Filled in by `apply` when the node is recorded (class-level defaults keep `apply` lean).
    next_edges: tuple[Edge, ...] = ()
    needs_input_grad: tuple[bool, ...] = ()
    output_shapes: tuple[tuple[int, ...], ...] = ()
    scope: tuple[str, ...] = ()
    saved_tensors: Optional[tuple[np.ndarray, ...]] = ()  # None once backward freed them
    saved_versions: tuple[tuple[list[int], int], ...] = ()
    output_value: Any = None  # kept only inside `autograd.retain_values()`
    grad_outputs: Optional[list[np.ndarray]] = None  # kept only inside `autograd.retain_grads()`
    retained_outputs: Optional[dict[int, Any]] = (
        None  # weakrefs of tensors that called retain_grad()
    )

    # Subclasses define both as @staticmethods (see the module docstring).
    forward: Callable[..., Any]
    backward: Callable[..., Any]

    def save_for_backward(self, *arrays: np.ndarray) -> None:
        """Keep `arrays` until backward; freed after it unless `retain_graph=True`."""
        self.saved_tensors = arrays

    def name(self) -> str:
        """Torch's name for this node, e.g. ``TanhBackward0``."""
        return type(self).__name__ + "Backward0"

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """The nodes this one sends gradients to (leaf tensors stand for torch's AccumulateGrad)."""
        return tuple(e if e is not None else (None, 0) for e in self.next_edges)

    @classmethod
    def apply(cls, *inputs: Tensor, **params: Any) -> Any:
        Tensor = _tensor.Tensor
        ctx = cls()
        out = cls.forward(ctx, *[t.data for t in inputs], **params)
        record = False
        if state.enabled:
            for t in inputs:
                if t._requires_grad:
                    record = True
                    break
        if type(out) is tuple:
            results = tuple(Tensor(np.asarray(o)) for o in out)
        else:
            results = (Tensor(out if type(out) is np.ndarray else np.asarray(out)),)
        if cls.is_view:  # a view and its base share one version counter
            for r in results:
                r._vc = inputs[0]._vc
        if record:
            ctx.next_edges = tuple([_edge(t) for t in inputs])
            ctx.needs_input_grad = tuple([e is not None for e in ctx.next_edges])
            ctx.output_shapes = tuple([r.data.shape for r in results])
            ctx.scope = state.scope
            if ctx.saved_tensors:  # remember versions, to catch a later in-place change
                ctx.saved_versions = tuple([(t._vc, t._vc[0]) for t in inputs + results])
            if state.retain_values:
                ctx.output_value = out
            for i, r in enumerate(results):
                r._requires_grad = True
                r.grad_fn = ctx
                r._output_nr = i
        return results if type(out) is tuple else results[0]

    def release(self) -> None:
        """Free the saved arrays (backward without `retain_graph`)."""
        if self.saved_tensors:
            self.saved_tensors = None


def _edge(t: Tensor) -> Edge:
    if t.grad_fn is not None:
        return (t.grad_fn, t._output_nr)
    if t._requires_grad:
        return (t, 0)  # a leaf: its gradient is accumulated into `t.grad`
    return None
