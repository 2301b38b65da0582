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

import itertools
import traceback
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Optional, Union

import numpy as np

from .. import _tensor  # a cycle (_tensor.py imports us): used at call time only
from .grad_mode import state
from .views import make_view, sync

if TYPE_CHECKING:
    from .._tensor import Tensor

# One clock for the tape: it numbers the nodes as they are made (see engine.py), and stamps a
# tensor's version counter when its memory changes in a way its views must notice (views.py).
_creation_order = itertools.count(1)

# Where a gradient goes: (node, which output of it) or (leaf tensor, 0); None: nowhere.
Edge = Optional[tuple[Union["Function", "Tensor"], int]]


class Function:
    """Base class of every op. Instances are the nodes of the tape (`tensor.grad_fn`)."""

    is_view = False  # True: the output shares memory with input 0 (reshape, transpose, ...)
    # forward/backward on raw arrays (every op of minitorch_rnn); a subclass defined outside the
    # package works on Tensors instead, as torch's do (see custom.py), unless it sets this True
    on_arrays = True
    non_differentiable: frozenset[int] = frozenset()  # (custom Functions' mark_non_differentiable)
    backward_on_tensors: Callable[..., Any]  # a custom Function's own backward (custom.py)
    arg_is_tensor: tuple[bool, ...] = ()  # a custom Function's forward arguments: tensors?
    takes_deferred: tuple[type, ...] = ()  # DeferredGrad types backward accepts unresolved
    output_index: Callable[[int], Any]  # outputs that are views of input 0: output k's index

    # Filled in by `apply` when the node is recorded (class-level defaults keep `apply` lean).
    seq = 0  # creation number: the engine visits nodes newest first
    next_edges: tuple[Edge, ...] = ()
    output_shapes: tuple[tuple[int, ...], ...] = ()
    scope: tuple[str, ...] = ()
    saved_tensors: Optional[tuple[np.ndarray, ...]] = ()  # None once backward freed them
    # For each input: does it want a gradient? Set before forward, as in torch, so forward can
    # skip saving what no backward will read, and backward can skip the others' work.
    needs_input_grad: tuple[bool, ...] = ()
    # for each saved tensor: (its version counter, the version saved, its array, a weakref to
    # the tensor or None, which output of this node it is or -1 for an input): plain.check_saved
    saved_versions: tuple[tuple[list[int], int, np.ndarray, Any, int], ...] = ()
    regenerated = False  # a view's node derived again after an in-place change (torch's AsStrided)
    output_value: Any = None  # kept only inside `autograd.retain_values()`
    forward_trace: Optional[str] = None  # kept only under `autograd.detect_anomaly()`
    grad_outputs: Optional[list[np.ndarray]] = None  # kept only inside `autograd.retain_grads()`
    retained_outputs: Optional[dict[int, Any]] = (
        None  # weakrefs of tensors that called retain_grad()
    )
    tensor_hooks: Optional[dict[int, dict[int, Any]]] = None  # register_hook, by output nr
    # Inputs that need no gradient (the data x, h0) have no edge. For pictures of the tape a
    # node notes each one as (position, shape, weakref to the tensor it is a view of, how it
    # was taken: "[0]", "view" or ""). A weak reference: the node still keeps no input alive.
    data_inputs: tuple[tuple[int, tuple[int, ...], Any, str], ...] = ()

    # Subclasses define both as @staticmethods (see the module docstring).
    forward: Callable[..., Any]
    backward: Callable[..., Any]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "on_arrays" not in cls.__dict__ and not cls.__module__.startswith("minitorch_rnn."):
            parent: Any = cls.__mro__[1]
            cls.on_arrays = parent.on_arrays if parent is not Function else False
        if not cls.on_arrays and "backward" in cls.__dict__:  # the engine calls it with arrays
            from . import custom

            cls.backward_on_tensors = cls.__dict__["backward"]
            cls.backward = staticmethod(custom.backward)

    def save_for_backward(self, *arrays: np.ndarray) -> None:
        """Keep `arrays` until backward; freed after it unless `retain_graph=True`."""
        self.saved_tensors = arrays

    def name(self) -> str:
        """Torch's name for this node, e.g. ``TanhBackward0`` (``MyFnBackward`` for yours)."""
        if self.regenerated:  # (torch derives a view's node again as an as_strided of its base)
            return "AsStridedBackward0"
        return type(self).__name__ + ("Backward0" if self.on_arrays else "Backward")

    # torch's other ctx methods, for custom Functions
    def mark_non_differentiable(self, *outputs: Any) -> None:
        """These outputs get no gradient (e.g. the indices of a sort)."""
        self.non_differentiable = frozenset(id(o) for o in outputs)

    def mark_dirty(self, *tensors: Any) -> None:
        """Accepted for torch's code; in-place forward results are outputs like any other here."""

    def set_materialize_grads(self, value: bool) -> None:
        """Accepted for torch's code: backward always gets arrays (zeros where unused) here."""

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        """torch 2's other style: ``forward(*args)`` without ctx, then this fills ctx."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """The nodes this one sends gradients to (leaf tensors stand for torch's AccumulateGrad)."""
        return tuple(e if e is not None else (None, 0) for e in self.next_edges)

    @classmethod
    def apply(cls, *inputs: Tensor, **params: Any) -> Any:
        """Run forward on the inputs' arrays; record a node if any input requires grad."""
        if not cls.on_arrays:  # a Function on Tensors, as torch's tutorials write them
            from . import custom

            return custom.apply(cls, inputs)
        ctx = cls()
        for t in inputs:  # a view whose base changed since it looked: its place on the tape too
            if t._view is not None and t._view.seen != t._vc[1]:
                sync(t)  # (rare: only after an in-place change, or a requires_grad_())
        if state.enabled:
            ctx.needs_input_grad = needs = tuple([t._requires_grad for t in inputs])
        else:
            ctx.needs_input_grad = needs = (False,) * len(inputs)
        out = cls.forward(ctx, *[t._data for t in inputs], **params)
        if type(out) is tuple:
            return ctx._finish_many(inputs, out, params, needs)
        if type(out) is not np.ndarray:  # a 0-d result comes back from numpy as a scalar
            out = ctx._as_array(out)
        result = _tensor.Tensor(out)
        if cls.is_view and _shares_memory(out, inputs[0]._data):
            # a view and its base share one version counter, and the view remembers its base
            # and how it was made, for in-place changes (autograd/views.py)
            make_view(result, inputs[0], cls, params, many=False)
        if True in needs:
            ctx._record(inputs, (result,))
        if state.recorder is not None:  # mt.compile is recording this call (skip on first read)
            state.recorder.op(ctx, inputs, params, (result,))
        return result

    def _as_array(self, out: Any) -> np.ndarray:
        """A numpy scalar result as the 0-d array the tensor will hold -- and saved as that
        array, so an in-place change of the result is caught (tanh saves its output)."""
        array = np.asarray(out)
        saved = self.saved_tensors
        if saved and any(a is out for a in saved):
            self.saved_tensors = tuple(array if a is out else a for a in saved)
        return array

    def _finish_many(
        self,
        inputs: tuple[Tensor, ...],
        out: tuple[Any, ...],
        params: dict[str, Any],
        needs: tuple[bool, ...],
    ) -> tuple[Tensor, ...]:
        """`apply` for an op with several outputs (unbind, split)."""
        results = tuple([_tensor.Tensor(np.asarray(o)) for o in out])
        if self.is_view:  # output k is input[index k]: a view, as Index would make it
            index_op = _index_op()
            for k, r in enumerate(results):
                make_view(r, inputs[0], index_op, {"index": self.output_index(k)}, many=True)
        if True in needs:
            self._record(inputs, results)
        if state.recorder is not None:  # mt.compile is recording this call
            state.recorder.op(self, inputs, params, results)
        return results

    def _record(self, inputs: tuple[Tensor, ...], results: tuple[Tensor, ...]) -> None:
        """Make this ctx a node of the tape: the results' grad_fn, with edges to the inputs."""
        # (Plain loops: this runs for every op, and in Python 3.11 a comprehension is one more
        # function call -- three of them cost ~7% of an RNN's forward.)
        edges, shapes, data = [], [], []
        versions: list[Any] = []
        saved = self.saved_tensors or ()
        for t in inputs:
            edge = _edge(t)
            edges.append(edge)
            if edge is None and t._data.ndim:  # data, not a number like the 3 of `x * 3`
                data.append(_data_input(len(edges) - 1, t))
            for a in saved:  # watch the version of every tensor whose array it saved
                if a is t._data:
                    versions.append((t._vc, t._vc[0], a, weakref.ref(t), -1))
                    break
        for i, r in enumerate(results):
            shapes.append(r._data.shape)
            for a in saved:  # (outputs too: tanh saves its y)
                if a is r._data:
                    versions.append((r._vc, r._vc[0], a, None, i))
                    break
            r._requires_grad, r._grad_fn, r._output_nr = True, self, i
        self.next_edges, self.output_shapes = tuple(edges), tuple(shapes)
        if data:
            self.data_inputs = tuple(data)
        self.scope, self.seq = state.scope, next(_creation_order)
        if versions:  # keep the version counters, to catch a later in-place change
            self.saved_versions = tuple(versions)
        if state.retain_values:
            self.output_value = (
                results[0]._data if len(results) == 1 else [r._data for r in results]
            )
        if state.anomaly:  # where this node was recorded, for detect_anomaly's report
            self.forward_trace = "".join(traceback.format_stack()[:-3])


def watch_versions(node: Function, tensors: Any) -> None:
    """Make `node`'s backward refuse to run if any of `tensors` changes in place -- for what an op
    reads in backward without saving it as an array of its own (indices, masks, targets)."""
    watched = [(t._vc, t._vc[0], t._data, weakref.ref(t), -1) for t in tensors]
    node.saved_versions = (*node.saved_versions, *watched)


def _shares_memory(out: np.ndarray, a: np.ndarray) -> bool:
    """Whether a view op's result is a view of `a` -- an empty one too (``x[0, :0]``): numpy
    says no two empty arrays share memory, but torch's empty view is still a view of x."""
    if np.may_share_memory(out, a):
        return True
    return out.size == 0 and _root(out) is _root(a)


def _root(a: np.ndarray) -> np.ndarray:
    """The array that owns `a`'s memory (through as_strided's holder object too)."""
    while True:
        b = a.base
        if not isinstance(b, np.ndarray):
            b = getattr(b, "base", None)  # (as_strided keeps its array in a holder's .base)
            if not isinstance(b, np.ndarray):
                return a
        a = b


def _index_op() -> type:
    from ..ops.shape import Index

    return Index


def _data_input(position: int, t: Tensor) -> tuple[int, tuple[int, ...], Any, str]:
    """An input that needs no gradient, for pictures: see `Function.data_inputs`."""
    base, how = t, ""
    if t._view is not None:
        index = t._view.params.get("index")
        how = f"[{index[0]}]" if isinstance(index, tuple) and len(index) == 1 else "view"
        while base._view is not None:
            base = base._view.base
    return position, t._data.shape, weakref.ref(base), how


def _edge(t: Tensor) -> Edge:
    """Where `t`'s gradient goes: the node that made it, the leaf itself, or nowhere."""
    if t._grad_fn is not None:
        return (t._grad_fn, t._output_nr)
    if t._requires_grad:
        if t._view is not None and not t._view.own_requires_grad:
            return None  # it requires grad only as its base does: torch sends nothing
        return (t, 0)  # a leaf: its gradient is accumulated into `t.grad`
    return None
