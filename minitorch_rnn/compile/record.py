"""Recording: run a call eagerly once and write down the NumPy-level program it ran.

While a `Recorder` is installed (``state.recorder``), `Function.apply` reports every op it ran
(one attribute check in function.py; nothing else in the engine knows about recording). The
recorder turns each report into an *instruction* on numbered *slots* -- one slot per array --
so that replay.py can later run the same forward calls on fresh arrays with no Tensor, ctx
or edge per op:

    OP        cls.forward(ctx, *slots) -> slots     (a node of the region's tape, or not)
    LOAD_GRAD slot <- leaf.grad's array             (what backward left in `.grad`)
    INPLACE   ufunc(slot, slot, out=slot)           (an optimizer's ``p.add_(...)``)
    BACKWARD  the backward pass from a root         (``loss.backward()`` inside the call)
    MASK      slot <- a fresh dropout mask          (drawn again at every replay)
    STEP      optimizer.step(), called live         (Adam & co: see `Recorder.step`)

An array that no recorded op made is a *constant*, kept by reference: a parameter (updated in
place by the optimizer, so a replay reads its current value), an initial hidden state of zeros.

A few things happen outside `Function.apply`: ``loss.backward()``, in-place updates under
``no_grad``, reading a value into Python (``.item()``), drawing random numbers. For those the
recorder puts *spies* in place for the duration of the recording only (`spies`), and restores
the originals after. What cannot be replayed makes the recording `unsupported`, with a reason:
the call then stays eager (api.py warns once).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, Optional

import numpy as np

from .. import _tensor, random
from ..autograd import inplace
from ..autograd.function import Function
from ..autograd.grad_mode import state
from ..nn import functional as F
from ..optim import Adagrad, Adam, RMSprop

OP, LOAD_GRAD, INPLACE, BACKWARD, MASK, STEP = range(6)

# Optimizers that update their NumPy arrays themselves: recorded as one STEP (AdamW is an Adam).
LIVE_STEPS = (Adam, RMSprop, Adagrad)

# Where a gradient goes inside a program: ("n", node, output nr) or ("s", sink), or None.
Target = Optional[tuple[Any, ...]]


class BackwardPlan:
    """A ``loss.backward()`` recorded inside the call (a compiled training step)."""

    def __init__(self, root: tuple[str, int, int], root_slot: int) -> None:
        self.root, self.root_slot = root, root_slot
        self.schedule: Any = None  # made by the first replay (replay.py), then reused


class Program:
    """What a recorded call ran, on numbered array slots (see the module docstring)."""

    def __init__(self) -> None:
        self.n_inputs = 0  # slots 0 .. n_inputs-1: the arrays of the call's tensor arguments
        self.template: list[Any] = []  # slot -> constant array (None: filled at replay)
        self.slot_types: list[tuple[Any, Any]] = []  # slot -> (shape, dtype) when recorded
        self.code: list[tuple[Any, ...]] = []
        self.node_edges: list[tuple[Target, ...]] = []  # per node: where each input's grad goes
        self.node_shapes: list[tuple[tuple[int, ...], ...]] = []  # per node: its output shapes
        # Sinks: where gradients leave the program -- a leaf (its .grad) or an argument
        # ("arg", k) or a tensor fixed across calls ("fixed", tensor), e.g. a parameter.
        self.sinks: list[tuple[str, Any]] = []
        self.out_slots: list[int] = []  # the call's returned tensors, flattened
        self.out_roots: list[Target] = []  # where each returned tensor's gradient enters
        self.out_spec: Any = None  # how to rebuild the returned structure (api.py)
        self.schedule: Any = None  # a compiled module's backward order (replay.py)
        self.frees: list[list[int]] = []  # per instruction: slots read for the last time
        self.slot_info: list[tuple[Any, ...]] = []  # slot -> (shape, scope it was made in): viz
        self.generated: Any = None  # a compiled step's replay as Python (codegen.py)

    @property
    def n_nodes(self) -> int:
        return len(self.node_edges)

    def plan_frees(self) -> None:
        """After each instruction, which slots nobody reads again: replay drops them, so an
        array is freed when eager would free its tensor (and the allocator can reuse it)."""
        last: dict[int, int] = {}
        for i, ins in enumerate(self.code):
            if ins[0] == OP:
                used = (*ins[4], *ins[5])
            elif ins[0] == INPLACE:
                used = (ins[2], ins[3])
            elif ins[0] in (LOAD_GRAD, MASK):
                used = (ins[2],)
            elif ins[0] == STEP:
                used = ()
            else:
                used = (ins[1].root_slot,)
            for s in used:
                last[s] = i
        keep = set(self.out_slots)
        self.frees = [[] for _ in self.code]
        for s, i in last.items():
            if s not in keep and self.template[s] is None:
                self.frees[i].append(s)


class Unsupported(Exception):
    """Raised inside a spy, or noted by the recorder: this call cannot be replayed."""


class Recorder:
    """Builds a `Program` from the reports of `Function.apply` and of the spies."""

    def __init__(self, args: list[Any]) -> None:
        self.program = Program()
        self.why: Optional[str] = None  # set: the call cannot be replayed, and this says why
        self.drawing_mask = False  # inside dropout: its random draw is an instruction (MASK)
        self.slots: dict[int, int] = {}  # id(array) -> slot
        self.arrays: list[Any] = []  # slot -> array (kept alive, so no id is reused)
        self.nodes: dict[Function, int] = {}  # recorded node -> its number in the program
        self.sink_of: dict[tuple[int, int], int] = {}
        self.args = args
        for t in args:  # the arguments' arrays come first
            self._new_slot(t._data)
        self.program.n_inputs = len(args)

    def unsupported(self, why: str) -> None:
        if self.why is None:
            self.why = why

    # ---- slots --------------------------------------------------------------------------------
    def _new_slot(self, array: Any, constant: bool = False) -> int:
        s = len(self.arrays)
        self.slots[id(array)] = s
        self.arrays.append(array)
        self.program.template.append(array if constant else None)
        self.program.slot_info.append((np.shape(array), state.scope))
        self.program.slot_types.append((np.shape(array), getattr(array, "dtype", None)))
        return s

    def slot_of(self, t: Any) -> int:
        """The slot holding `t`'s array: made by an op, an argument, a leaf's grad, a constant."""
        a = t._data
        s = self.slots.get(id(a))
        if s is not None:
            return s
        for kind, leaf in self.program.sinks:  # a gradient backward left in a leaf's .grad
            if kind == "fixed" and leaf._grad is not None and leaf._grad._data is a:
                s = self._new_slot(a)
                self.program.code.append((LOAD_GRAD, leaf, s))
                return s
        return self._new_slot(a, constant=True)

    # ---- the reports ----------------------------------------------------------------------------
    def op(
        self, ctx: Function, inputs: tuple[Any, ...], params: dict[str, Any], results: Any
    ) -> None:
        """`Function.apply` ran `ctx`'s forward on `inputs` and made `results`."""
        ins = tuple([self.slot_of(t) for t in inputs])
        node = -1
        if results[0].grad_fn is ctx:  # it is a node of the tape: remember where grads go
            node = len(self.program.node_edges)
            self.nodes[ctx] = node
            self.program.node_edges.append(
                tuple([self._target(e, t) for e, t in zip(ctx.next_edges, inputs)])
            )
            self.program.node_shapes.append(tuple([r._data.shape for r in results]))
        outs = tuple([self._new_slot(r._data) for r in results])
        cls = type(ctx)
        self.program.code.append(
            (OP, cls, params, ctx.needs_input_grad, ins, outs, node, cls.forward)
        )

    def _target(self, edge: Any, t: Any) -> Target:
        """A tape edge of a recorded node, as a program target."""
        if edge is None:
            return None
        dest, nr = edge
        if isinstance(dest, Function):
            node = self.nodes.get(dest)
            if node is not None:
                return ("n", node, nr)
            if id(t._data) in self.slots and self.slots[id(t._data)] >= self.program.n_inputs:
                self.unsupported(f"{dest.name()} ran inside the call but not as a replayable op")
        key = (id(dest), nr)  # a leaf, or a node made before the call: the region's boundary
        s = self.sink_of.get(key)
        if s is None:
            s = self.sink_of[key] = len(self.program.sinks)
            arg = next((k for k, a in enumerate(self.args) if a is t), None)
            self.program.sinks.append(("arg", arg) if arg is not None else ("fixed", t))
        return ("s", s)

    def inplace(self, t: Any, fn: type, others: tuple[Any, ...], params: dict[str, Any]) -> None:
        """``t.add_(other)`` and friends, outside the tape (an optimizer's update)."""
        ufunc = getattr(fn, "ufunc", None)
        if state.enabled and (t._requires_grad or any(o._requires_grad for o in others)):
            self.unsupported(f"an in-place {fn.__name__} recorded on the tape")
        elif ufunc is None or len(others) != 1 or others[0]._data.dtype != t._data.dtype:
            self.unsupported(f"an in-place {fn.__name__} that is not one NumPy ufunc")
        else:
            target = self.slot_of(t)
            keep = t if self.program.template[target] is not None else None  # (to bump _version)
            self.program.code.append((INPLACE, ufunc, target, self.slot_of(others[0]), keep))

    def mask(self, noise: Any, p: float) -> None:
        """Dropout drew `noise` (its mask, already scaled by 1 / (1 - p)): a replay draws anew."""
        s = self._new_slot(noise._data)
        self.program.code.append((MASK, (noise._data.shape, noise._data.dtype, p), s))

    def step(self, optimizer: Any, closure: Any) -> None:
        """``optimizer.step()`` of an optimizer that updates its arrays itself, in NumPy
        (Adam, AdamW, RMSprop, Adagrad): no op for the recorder to see, so a replay calls the
        step again, live -- its step count, bias corrections and lr read as eager reads them."""
        if closure is not None:
            self.unsupported("optimizer.step(closure)")
        self.program.code.append((STEP, optimizer))

    def backward(self, root: Any, extra: bool) -> None:
        """``root.backward()`` inside the call (a training step)."""
        if extra:
            return self.unsupported(
                "backward() with gradient, inputs, retain_graph or create_graph"
            )
        node = self.nodes.get(root.grad_fn)
        if node is None:
            return self.unsupported("backward() of a tensor not computed inside the call")
        for kind, leaf in self.program.sinks:
            if kind == "fixed" and (leaf.grad_fn is not None or leaf._hooks):
                return self.unsupported("backward() into a tensor made before the call, or hooked")
            if kind == "fixed" and leaf._grad is not None:
                return self.unsupported(
                    "backward() adding to an existing .grad (call zero_grad() inside the step)"
                )
        plan = BackwardPlan(("n", node, root._output_nr), self.slot_of(root))
        self.program.code.append((BACKWARD, plan))
        return None


@contextlib.contextmanager
def recording(recorder: Recorder) -> Iterator[None]:
    """Install `recorder` and the spies; restore everything on the way out."""
    T = _tensor.Tensor
    saved = {
        name: T.__dict__[name]
        for name in ("backward", "item", "numpy", "tolist", "__array__", "__bool__", "__float__")
    }
    saved_inplace, saved_random = inplace.apply_inplace, random.Generator.random
    saved_setitem = inplace.setitem
    saved_dropout = F.dropout
    saved_steps: dict[type, Any] = {cls: cls.__dict__["step"] for cls in LIVE_STEPS}

    def spy_backward(
        self: Any,
        gradient: Any = None,
        retain_graph: Any = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        extra = gradient is not None or bool(retain_graph) or create_graph or inputs is not None
        recorder.backward(self, extra)
        return saved["backward"](self, gradient, retain_graph, create_graph, inputs)

    def reading(name: str) -> Any:
        def spy(self: Any, *args: Any, **kwargs: Any) -> Any:
            recorder.unsupported(f"Tensor.{name}() reads a value into Python inside the call")
            return saved[name](self, *args, **kwargs)

        return spy

    def spy_inplace(t: Any, fn: Any, *others: Any, **params: Any) -> Any:
        if params:
            recorder.unsupported(f"an in-place {fn.__name__} with options")
        else:
            recorder.inplace(t, fn, others, params)
        return saved_inplace(t, fn, *others, **params)

    def spy_setitem(t: Any, index: Any, value: Any) -> None:
        if not recorder.drawing_mask:  # (bernoulli_ writes its draw with one)
            recorder.unsupported("an indexed assignment (x[i] = v)")
        saved_setitem(t, index, value)

    def spy_random(self: Any, n: int) -> Any:
        if not recorder.drawing_mask:
            recorder.unsupported("random numbers drawn outside an op (other than dropout's)")
        return saved_random(self, n)

    def spy_dropout(
        input: Any, p: float = 0.5, training: bool = True, inplace: bool = False
    ) -> Any:
        if not training or p in (0.0, 1.0) or inplace or p < 0.0 or p > 1.0:
            return saved_dropout(input, p, training, inplace)  # no draw, or its error
        recorder.drawing_mask = True
        try:
            noise = draw_mask(input._data.shape, input._data.dtype, p)
        finally:
            recorder.drawing_mask = False
        recorder.mask(noise, p)
        return input * noise  # the Mul is an op like any other

    def spy_step(cls: type) -> Any:
        def spy(self: Any, closure: Any = None) -> Any:
            recorder.step(self, closure)
            return saved_steps[cls](self, closure)

        return spy

    prev = state.recorder
    state.recorder = recorder
    T.backward = spy_backward  # type: ignore[method-assign]
    for name in ("item", "numpy", "tolist", "__array__", "__bool__", "__float__"):
        setattr(T, name, reading(name))
    inplace.apply_inplace = spy_inplace
    inplace.setitem = spy_setitem
    random.Generator.random = spy_random  # type: ignore[method-assign]
    F.dropout = spy_dropout
    for cls in LIVE_STEPS:
        cls.step = spy_step(cls)  # type: ignore[method-assign]
    try:
        yield
    finally:
        state.recorder = prev
        for name, fn in saved.items():
            setattr(T, name, fn)
        inplace.apply_inplace, inplace.setitem = saved_inplace, saved_setitem
        random.Generator.random = saved_random  # type: ignore[method-assign]
        F.dropout = saved_dropout
        for owner, step in saved_steps.items():
            owner.step = step  # type: ignore[attr-defined]


def draw_mask(shape: tuple[int, ...], dtype: Any, p: float) -> Any:
    """Dropout's mask, drawn exactly as `nn.functional.dropout` draws it (same generator calls,
    so a replay after `manual_seed` gives eager's mask; tests/test_compile.py checks it)."""
    noise = _tensor.Tensor(np.empty(shape, dtype=dtype)).bernoulli_(1 - p)  # 1: keep
    noise._data /= np.asarray(1.0 - p, dtype=dtype)
    return noise
