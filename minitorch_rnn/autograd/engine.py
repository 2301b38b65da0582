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
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from .. import _tensor  # a cycle (_tensor.py imports us): used at call time only
from .function import DeferredGrad, Function
from .grad_mode import state

if TYPE_CHECKING:
    from .._tensor import Tensor

SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)


def topological_order(roots: Sequence[Function]) -> list[Function]:
    """Nodes reachable from `roots`, each before the nodes it sends gradients to (newest first)."""
    seen = set(roots)
    stack = list(roots)
    while stack:
        for edge in stack.pop().next_edges:
            if edge is not None and isinstance(edge[0], Function) and edge[0] not in seen:
                seen.add(edge[0])
                stack.append(edge[0])
    return sorted(seen, key=lambda node: -node.seq)


def check_saved(node: Function) -> None:
    """Refuse to use freed or since-modified saved arrays: never a silently wrong gradient."""
    if node.saved_tensors is None:
        raise RuntimeError(SECOND_BACKWARD)
    for counter in node.saved_versions:  # [version, clock stamp of the last in-place change]
        if counter[1] > node.seq:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: a tensor saved by {node.name()} was changed in place after "
                f"that node was recorded (it is now at version {counter[0]}). Hint: do in-place "
                "updates after backward(), or clone() the tensor before changing it."
            )


def run_backward(
    roots: Sequence[Tensor],
    root_grads: Sequence[np.ndarray],
    retain_graph: bool,
    inputs: Optional[Sequence[Tensor]] = None,
) -> list[Optional[np.ndarray]]:
    """Backpropagate `root_grads` from `roots`.

    Without `inputs` (``Tensor.backward``) leaf gradients accumulate into `.grad`. With
    `inputs` (``autograd.grad``) nothing is written: their gradients are returned instead.
    """
    # autograd.grad: where each wanted input's gradient shows up (a leaf, or a node's output)
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
                raise _invalid_gradient(source, grad, target.output_shapes[nr])
            buf = buffers.get(target)
            if buf is None:
                buf = buffers[target] = [None] * len(target.output_shapes)
                heapq.heappush(waiting, (-target.seq, target))
            buf[nr] = grad if buf[nr] is None else buf[nr] + grad
        else:  # a leaf tensor
            if grad.shape != target._data.shape:
                raise _invalid_gradient(source, grad, target._data.shape)
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
        keep = keep_all or node.retained_outputs
        for i, g in enumerate(grads):  # full arrays, except where backward knows a shortcut
            if isinstance(g, DeferredGrad) and (keep or type(g) not in node.takes_deferred):
                grads[i] = g.resolve()
        if len(grads) > 1:  # an output nobody used (one step of an unbind, say) gets zeros
            _fill_unused(grads, node)
        if keep:
            _keep_output_grads(node, grads, capture, captured)
        if node.saved_versions or node.saved_tensors is None:
            check_saved(node)
        input_grads = node.backward(node, *grads)
        if type(input_grads) is not tuple:
            input_grads = (input_grads,)
        if state.anomaly:
            _check_nan(node, input_grads)
        if not retain_graph and node.saved_tensors:
            node.saved_tensors = None  # free what forward saved, as soon as it is used
        for edge, g in zip(node.next_edges, input_grads):
            if edge is not None and g is not None:
                send(edge[0], edge[1], g, node)

    for leaf, grad in leaf_grads.values():
        if isinstance(grad, DeferredGrad):
            grad = grad.resolve()
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


def _invalid_gradient(source: Any, grad: np.ndarray, expected: tuple[int, ...]) -> RuntimeError:
    name = source.name() if isinstance(source, Function) else source
    return RuntimeError(
        f"Function {name} returned an invalid gradient - got shape {list(grad.shape)} "
        f"but expected shape compatible with {list(expected)}"
    )


def _keep_output_grads(
    node: Function,
    grads: list[Any],
    capture: dict[tuple[Function, int], list[int]],
    captured: list[Optional[np.ndarray]],
) -> None:
    """Hand a node's output gradients to whoever asked: autograd.grad, retain_grad(), drawing."""
    if state.retain_grads:
        node.grad_outputs = grads
    if capture:
        for nr, g in enumerate(grads):
            for i in capture.get((node, nr), ()):
                captured[i] = g
    elif node.retained_outputs:
        for nr, ref in node.retained_outputs.items():
            t = ref()
            if t is not None:
                accumulate_grad(t, grads[nr])


def accumulate_grad(t: Tensor, grad: np.ndarray) -> None:
    """`t.grad += grad`, in place as torch does, in the tensor's own dtype."""
    if t._grad is None:  # a copy we own: safe to change in place
        t._grad = _tensor.Tensor(np.array(grad, dtype=t._data.dtype))
    else:
        np.add(t._grad._data, grad, out=t._grad._data, casting="unsafe")


def _check_nan(node: Function, input_grads: tuple[Any, ...]) -> None:
    """detect_anomaly: a backward that made NaN raises, showing where the node was recorded."""
    import warnings

    for i, g in enumerate(input_grads):
        if isinstance(g, DeferredGrad):
            g = g.resolve()
        if g is not None and g.dtype.kind == "f" and np.isnan(g).any():
            if node.forward_trace:
                warnings.warn(
                    f"Error detected in {node.name()}. Traceback of forward call that caused "
                    f"the error:\n{node.forward_trace}",
                    UserWarning,
                    stacklevel=3,
                )
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


def register_retained(t: Tensor) -> None:
    """Make backward store the gradient of non-leaf `t` in `t.grad` (see `Tensor.retain_grad`)."""
    node = t.grad_fn
    assert node is not None
    if node.retained_outputs is None:
        node.retained_outputs = {}
    node.retained_outputs[t._output_nr] = weakref.ref(t)
