"""The backward pass, plainly: the engine to read first.

`Tensor.backward()` calls `run_backward`, which

1. lists the nodes reachable from the output, each before the nodes it sends gradients to.
   Nodes are numbered as they are created (`node.seq`), and a node's inputs were all made
   before it, so *newest first* is such an order (PyTorch orders its queue the same way). The
   search is a loop with a stack, not recursion: a 5,000-step RNN is no problem;
2. visits them in that order: each node adds up the gradients its outputs received, calls its
   Function's `backward`, and sends one gradient down each edge. Gradients *accumulate* (`+`): a
   tensor used twice gets the sum of both uses;
3. adds each leaf's total into its `.grad`, as torch does.

That is all of backpropagation. The engine used by default (engine.py) gives the same
gradients faster -- a heap instead of sorting everything, and gradients kept in cheaper forms
until needed (deferred.py) -- and is a second read. ``autograd.set_engine("plain")`` sends
every backward pass through this one; the test suite checks that both give equal gradients.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from .. import _tensor  # a cycle (_tensor.py imports us): used at call time only
from .deferred import DeferredGrad
from .function import Function
from .grad_mode import state
from .hooks import call_node_hooks, call_tensor_hooks
from .views import modified_error

if TYPE_CHECKING:
    from .._tensor import Tensor


def run_backward(
    roots: Sequence[Tensor],
    root_grads: Sequence[np.ndarray],
    retain_graph: bool,
    inputs: Optional[Sequence[Tensor]] = None,
    observe: Optional[Callable[[Any, Any, np.ndarray], None]] = None,
) -> list[Optional[np.ndarray]]:
    """Backpropagate `root_grads` from `roots` into the leaves' `.grad` -- or, with `inputs`
    (`autograd.grad`), return those tensors' gradients and write nothing. `observe(source,
    target, grad)` sees every gradient sent (`autograd.contributions`, the step-through page)."""
    received: dict[tuple[Any, int], np.ndarray] = {}  # (node or leaf, output nr) -> gradient

    def send(target: Any, nr: int, grad: Any, source: Any) -> None:
        if isinstance(grad, DeferredGrad):  # the fast engine's cheap forms: make it an array
            grad = grad.resolve()
        shape = target.output_shapes[nr] if isinstance(target, Function) else target.shape
        if grad.shape != shape:
            raise invalid_gradient(source, grad, shape)
        if observe is not None:
            observe(source, target, grad)
        key = (target, nr)
        received[key] = grad if key not in received else received[key] + grad

    for root, grad in zip(roots, root_grads):  # the output's own gradient starts it all
        if root.grad_fn is not None:
            send(root.grad_fn, root._output_nr, grad, "backward")
        else:
            send(root, 0, grad, "backward")

    wanted = list(inputs or ())
    captured: list[Optional[np.ndarray]] = [None] * len(wanted)
    for node in topological_order([r.grad_fn for r in roots if r.grad_fn is not None]):
        grads = [received.pop((node, nr), None) for nr in range(len(node.output_shapes))]
        if all(g is None for g in grads):
            continue  # nothing reached this node (it fed only tensors we do not follow)
        dtype = next(g.dtype for g in grads if g is not None)
        grads = [np.zeros(s, dtype) if g is None else g for g, s in zip(grads, node.output_shapes)]
        if node.tensor_hooks:  # register_hook: watch (or replace) an output's gradient
            call_node_hooks(node, grads)
        for i, t in enumerate(wanted):  # autograd.grad asked for a non-leaf tensor's gradient
            if t.grad_fn is node:
                captured[i] = grads[t._output_nr]
        if not wanted:
            keep_output_grads(node, grads, {}, [])  # retain_grad(), and pictures of gradients
        try:
            check_saved(node)
        except RuntimeError:  # torch had given the leaves done by then their gradient
            if not wanted:
                pending = [n for n, _ in received if isinstance(n, Function)]
                leaves = [(t, g) for (t, _), g in received.items() if not isinstance(t, Function)]
                accumulate_finished(leaves, [node, *pending])
            raise
        input_grads = node.backward(node, *grads)
        if type(input_grads) is not tuple:
            input_grads = (input_grads,)
        if state.anomaly:
            check_nan(node, input_grads)
        if not retain_graph:
            node.saved_tensors = None  # free what forward saved: a second backward is an error
        for edge, g in zip(node.next_edges, input_grads):
            if edge is not None and g is not None:
                send(edge[0], edge[1], g, node)

    for (leaf, _), grad in received.items():  # only leaves are left: their gradients
        grad = call_tensor_hooks(leaf._hooks, grad)
        for i, t in enumerate(wanted):
            if t is leaf:
                captured[i] = grad
        if not wanted and leaf._requires_grad:
            accumulate_grad(leaf, grad)
    return captured


# ---- the pieces both engines use ----------------------------------------------------------------
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
    for saved in node.saved_versions:  # (version counter, the version it was saved at, ...)
        if saved[0][0] != saved[1]:
            if state.anomaly and node.forward_trace:
                _warn_forward_trace(node)
            raise modified_error(node, saved, state.anomaly)


def accumulate_finished(leaves: Any, pending: list[Function]) -> None:
    """Backward stopped at an error: torch had accumulated the gradient of every leaf that no
    pending node (nor any node after them) sends to anymore -- its leaves get theirs as soon as
    everything feeding them has run. `leaves`: (leaf, gradient so far) pairs."""
    feeding: set[int] = set()
    stack, seen = list(pending), set(pending)
    while stack:
        for edge in stack.pop().next_edges:
            if edge is None:
                continue
            if not isinstance(edge[0], Function):
                feeding.add(id(edge[0]))
            elif edge[0] not in seen:
                seen.add(edge[0])
                stack.append(edge[0])
    for leaf, grad in leaves:
        if id(leaf) not in feeding and leaf._requires_grad:
            if isinstance(grad, DeferredGrad):
                grad = grad.resolve()
            accumulate_grad(leaf, call_tensor_hooks(leaf._hooks, grad))


def accumulate_grad(t: Tensor, grad: np.ndarray) -> None:
    """`t.grad += grad`, in place as torch does, in the tensor's own dtype."""
    if t._grad is None:  # a copy we own: safe to change in place
        t._grad = _tensor.Tensor(np.array(grad, dtype=t._data.dtype))
    else:
        np.add(t._grad._data, grad, out=t._grad._data, casting="unsafe")


def invalid_gradient(source: Any, grad: np.ndarray, expected: tuple[int, ...]) -> RuntimeError:
    name = source.name() if isinstance(source, Function) else source
    return RuntimeError(
        f"Function {name} returned an invalid gradient - got shape {list(grad.shape)} "
        f"but expected shape compatible with {list(expected)}"
    )


def keep_output_grads(
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


def check_nan(node: Function, input_grads: tuple[Any, ...]) -> None:
    """detect_anomaly: a backward that made NaN raises, showing where the node was recorded."""
    for i, g in enumerate(input_grads):
        if isinstance(g, DeferredGrad):
            g = g.resolve()
        if g is not None and g.dtype.kind == "f" and np.isnan(g).any():
            if node.forward_trace:
                _warn_forward_trace(node)
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


def _warn_forward_trace(node: Function) -> None:
    """detect_anomaly's report: where the node that failed was recorded."""
    import warnings

    warnings.warn(
        f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n"
        f"{node.forward_trace}",
        UserWarning,
        stacklevel=4,
    )


def register_retained(t: Tensor) -> None:
    """Make backward store the gradient of non-leaf `t` in `t.grad` (see `Tensor.retain_grad`)."""
    node = t.grad_fn
    assert node is not None
    if node.retained_outputs is None:
        node.retained_outputs = {}
    node.retained_outputs[t._output_nr] = weakref.ref(t)
