"""The backward pass: walk the tape from the output back to the leaves.

1. Visit each node only after every node it received gradients from. Nodes are numbered as
   they are created (`node.seq`), and a node's consumers were all created after it, so taking
   the waiting node with the *highest* number first is such an order -- PyTorch does the same.
   A heap finds it; no recursion, so a 5,000-step recurrence is no problem.
2. Each node adds up the gradients of its outputs, calls its Function's `backward`, and passes
   one gradient down each edge. Gradients *accumulate* (`+`): a tensor used twice gets the sum
   of both uses.
3. Leaves collect their gradient in `.grad` (adding to what is there already, as torch does).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from . import plain
from .deferred import DeferredGrad
from .function import Function
from .grad_mode import state
from .hooks import call_node_hooks, call_tensor_hooks
from .plain import (  # the pieces both engines share; the readable one owns them
    accumulate_finished,
    accumulate_grad,
    check_nan,
    check_saved,
    invalid_gradient,
    keep_output_grads,
)

if TYPE_CHECKING:
    from .._tensor import Tensor


def run_backward(
    roots: Sequence[Tensor],
    root_grads: Sequence[np.ndarray],
    retain_graph: bool,
    inputs: Optional[Sequence[Tensor]] = None,
) -> list[Optional[np.ndarray]]:
    """Backpropagate `root_grads` from `roots` (the fast engine; see the module docstring).

    Without `inputs` (``Tensor.backward``) leaf gradients accumulate into `.grad`. With
    `inputs` (``autograd.grad``) nothing is written: their gradients are returned instead.
    """
    # autograd.grad: where each wanted input's gradient shows up (a leaf, or a node's output)
    if state.engine == "plain":  # autograd.set_engine("plain"): the one to read first
        return plain.run_backward(roots, root_grads, retain_graph, inputs)
    # (an input may be listed twice: autograd.grad(out, [x, x]) gives its gradient twice)
    wanted: dict[int, list[int]] = {}
    capture: dict[tuple[Function, int], list[int]] = {}
    for i, t in enumerate(inputs or ()):
        if t.grad_fn is None:
            wanted.setdefault(id(t), []).append(i)
        else:
            capture.setdefault((t.grad_fn, t._output_nr), []).append(i)
    captured: list[Optional[np.ndarray]] = [None] * len(inputs or ())
    buffers: dict[Function, list[Any]] = {}  # gradients received so far, per node output
    waiting: list[tuple[int, Function]] = []  # nodes with a buffer: a heap, newest first
    leaf_grads: dict[int, tuple[Tensor, Any]] = {}

    def send(target: Any, nr: int, grad: np.ndarray, source: Any) -> None:
        """Add `grad` to what `target` (a node's output `nr`, or a leaf) has received so far."""
        if isinstance(target, Function):
            if grad.shape != target.output_shapes[nr]:
                raise invalid_gradient(source, grad, target.output_shapes[nr])
            buf = buffers.get(target)
            if buf is None:
                buf = buffers[target] = [None] * len(target.output_shapes)
                heapq.heappush(waiting, (-target.seq, target))
            buf[nr] = grad if buf[nr] is None else buf[nr] + grad
        else:  # a leaf tensor
            if grad.shape != target._data.shape:
                raise invalid_gradient(source, grad, target._data.shape)
            old = leaf_grads.get(id(target))
            leaf_grads[id(target)] = (target, grad if old is None else old[1] + grad)

    for root, grad in zip(roots, root_grads):
        if root.grad_fn is not None:
            send(root.grad_fn, root._output_nr, grad, "backward")
        else:
            send(root, 0, grad, "backward")

    keep_all = state.retain_grads or bool(capture)
    while waiting:
        node = heapq.heappop(waiting)[1]
        grads = buffers.pop(node)
        keep = keep_all or node.retained_outputs or node.tensor_hooks
        for i, g in enumerate(grads):  # full arrays, except where backward knows a shortcut
            if isinstance(g, DeferredGrad) and (keep or type(g) not in node.takes_deferred):
                grads[i] = g.resolve()
        if len(grads) > 1:  # an output nobody used (one step of an unbind, say) gets zeros
            _fill_unused(grads, node)
        if node.tensor_hooks:
            call_node_hooks(node, grads)
        if keep:
            keep_output_grads(node, grads, capture, captured)
        if node.saved_versions or node.saved_tensors is None:
            try:
                check_saved(node)
            except RuntimeError:  # torch had given the leaves done by then their gradient
                if inputs is None:
                    accumulate_finished(leaf_grads.values(), [node, *[n for _, n in waiting]])
                raise
        input_grads = node.backward(node, *grads)
        if type(input_grads) is not tuple:
            input_grads = (input_grads,)
        if state.anomaly:
            check_nan(node, input_grads)
        if not retain_graph and node.saved_tensors:
            node.saved_tensors = None  # free what forward saved, as soon as it is used
        for edge, g in zip(node.next_edges, input_grads):
            if edge is not None and g is not None:
                send(edge[0], edge[1], g, node)

    for leaf, grad in leaf_grads.values():
        if isinstance(grad, DeferredGrad):
            grad = grad.resolve()
        grad = call_tensor_hooks(leaf._hooks, grad)
        if id(leaf) in wanted:
            for i in wanted[id(leaf)]:
                captured[i] = grad
        elif inputs is None and leaf._requires_grad:  # (it may have stopped wanting one since)
            accumulate_grad(leaf, grad)
    return captured


def _fill_unused(grads: list[Any], node: Function) -> None:
    dtype = next(g.dtype for g in grads if g is not None)
    for i, g in enumerate(grads):
        if g is None:
            grads[i] = np.zeros(node.output_shapes[i], dtype=dtype)
