"""Replay: run a recorded `Program` as a flat list of NumPy calls.

Forward: each OP instruction makes a bare ctx (the op's own `Function` subclass, so its
``save_for_backward`` works as always) and calls ``cls.forward(ctx, *arrays)`` -- no Tensor,
no edges, no version counters. Backward: the first replay walks the recorded edges in the
engine's own order (the newest node first, engine.py) and writes that order down as a
*schedule*; later replays follow the schedule with no heap and no dicts. Both call every
backward with the same arrays, and add gradients in the same order, as the eager engine does --
so the gradients are identical, bit for bit.

`CompiledFunction` is the one node a compiled module leaves on its caller's tape (torch's
``CompiledFunctionBackward``); its backward replays the region's recorded backward. A compiled
*step* runs this interpreter once, to write the schedule down; from then on `replay_step` runs
the program written out as one Python function (codegen.py, optimize.py).
"""

from __future__ import annotations

import heapq
from typing import Any, Optional

import numpy as np

from ..autograd.deferred import DeferredGrad
from ..autograd.function import Function
from ..autograd.plain import accumulate_grad
from .record import (
    BACKWARD,
    INPLACE,
    LOAD_GRAD,
    MASK,
    OP,
    STEP,
    BackwardPlan,
    Program,
    Target,
    draw_mask,
)


def run(program: Program, arrays: list[np.ndarray], args: list[Any]) -> tuple[list[Any], list[Any]]:
    """Run the program's instructions on the call's argument `arrays`: (slots, node ctxs)."""
    env = program.template.copy()
    env[: program.n_inputs] = arrays
    ctxs: list[Any] = [None] * program.n_nodes
    get = env.__getitem__
    for ins, drop in zip(program.code, program.frees):
        kind = ins[0]
        if kind == OP:
            _, cls, params, needs, in_slots, out_slots, node, forward = ins
            ctx = cls()
            ctx.needs_input_grad = needs
            if params:
                out = forward(ctx, *map(get, in_slots), **params)
            else:
                out = forward(ctx, *map(get, in_slots))
            if type(out) is tuple:
                for s, o in zip(out_slots, out):
                    env[s] = np.asarray(o)
                o = out = (
                    None  # (else the loop variable keeps the last output, and its base, alive)
                )
            else:
                env[out_slots[0]] = out if type(out) is np.ndarray else ctx._as_array(out)
            if node >= 0:
                ctxs[node] = ctx
        elif kind == INPLACE:
            _, ufunc, target, other, tensor = ins
            ufunc(env[target], env[other], out=env[target])
            if tensor is not None:
                tensor._modified()  # the version counter moves, as in eager
        elif kind == LOAD_GRAD:
            env[ins[2]] = ins[1]._grad._data
        elif kind == MASK:  # dropout: a fresh mask at every replay
            env[ins[2]] = draw_mask(*ins[1])._data
        elif kind == STEP:  # Adam & co: their own step, live (record.py)
            ins[1].step()
        else:  # BACKWARD: loss.backward() inside a training step
            plan: BackwardPlan = ins[1]
            root_grad = np.ones_like(env[plan.root_slot])
            grads = backward(program, plan, ctxs, [(plan.root, root_grad)])
            for s, g in grads.items():
                leaf = sink_tensor(program, s, args)
                leaf._grad = None  # the step's zero_grad() left it None (record.py checks)
                if leaf._requires_grad:
                    accumulate_grad(leaf, g)
        if drop:  # read for the last time: free it now, as eager would
            for s in drop:
                env[s] = None
    return env, ctxs


def replay_step(program: Program, arrays: list[np.ndarray], args: list[Any]) -> list[np.ndarray]:
    """A compiled step's replay: its outputs' arrays. The first replay runs the interpreter
    above (and so writes the backward schedule down); from the second on, the program runs as
    one generated Python function (codegen.py, with optimize.py's rewrites)."""
    if program.generated is None and all(
        ins[1].schedule is not None for ins in program.code if ins[0] == BACKWARD
    ):
        from .codegen import generate

        program.generated = generate(program, args)
    if program.generated is not None:
        return list(program.generated.fn(args, *arrays))
    env, _ = run(program, arrays, args)
    return [env[s] for s in program.out_slots]


def sink_tensor(program: Program, s: int, args: list[Any]) -> Any:
    kind, which = program.sinks[s]
    return args[which] if kind == "arg" else which


def backward(
    program: Program, holder: Any, ctxs: list[Any], roots: list[Any]
) -> dict[int, np.ndarray]:
    """The recorded backward pass from `roots`: each sink's gradient (sink -> array)."""
    if holder.schedule is None:  # the first replay: run as the engine does, note the order
        made = _make_schedule(program, ctxs, roots)
        holder.schedule = made["schedule"]
        return made["first"]
    steps, n_refs, root_refs, sink_refs = holder.schedule[:4]
    vals: list[Any] = [None] * n_refs
    for ref, (_, g) in zip(root_refs, roots):
        vals[ref] = g
    for node, in_refs, out_refs in steps:
        ctx = ctxs[node]
        if len(in_refs) == 1 and len(in_refs[0]) == 1:  # the common case, inline (speed)
            g = vals[in_refs[0][0]]
            vals[in_refs[0][0]] = None
            if isinstance(g, DeferredGrad) and type(g) not in ctx.takes_deferred:
                g = g.resolve()
            input_grads = ctx.backward(ctx, g)
            ctx.saved_tensors = None
            if type(input_grads) is not tuple:
                input_grads = (input_grads,)
        else:
            grads = [_gather(vals, rs) for rs in in_refs]
            input_grads = _call_backward(program, node, ctx, grads)
        for j, ref in out_refs:
            g = input_grads[j]
            if g is None:
                raise RuntimeError(
                    "mt.compile: a replayed backward returned None where eager did not"
                )
            vals[ref] = g
    return {s: _resolve(_gather(vals, rs)) for s, rs in sink_refs.items()}


def _gather(vals: list[Any], refs: Optional[list[int]]) -> Any:
    """The sum of the gradients `refs`, added in the order the engine added them; freed."""
    if not refs:
        return None
    g = vals[refs[0]]
    vals[refs[0]] = None
    for r in refs[1:]:
        g = g + vals[r]
        vals[r] = None
    return g


def _resolve(g: Any) -> Any:
    return g.resolve() if isinstance(g, DeferredGrad) else g


def _call_backward(program: Program, node: int, ctx: Function, grads: list[Any]) -> tuple[Any, ...]:
    """One node's backward, with the engine's treatment of deferred and unused gradients."""
    taken = type(ctx).takes_deferred
    for i, g in enumerate(grads):
        if isinstance(g, DeferredGrad) and type(g) not in taken:
            grads[i] = g.resolve()
    if len(grads) > 1 and any(
        g is None for g in grads
    ):  # an output nobody used gets zeros (engine.py)
        dtype = next(g.dtype for g in grads if g is not None)
        shapes = program.node_shapes[node]
        grads = [np.zeros(shapes[i], dtype=dtype) if g is None else g for i, g in enumerate(grads)]
    out = ctx.backward(ctx, *grads)
    ctx.saved_tensors = None  # free what forward saved, as soon as it is used
    return out if type(out) is tuple else (out,)


def _make_schedule(
    program: Program, ctxs: list[Any], roots: list[tuple[Target, Any]]
) -> dict[str, Any]:
    """Run backward as the engine does -- a heap, newest node first -- and note its order."""
    vals: list[Any] = []
    kinds: list[type] = []  # each gradient's type (array or deferred): optimize.py reads them
    buffers: dict[int, list[list[int]]] = {}
    waiting: list[int] = []
    sink_refs: dict[int, list[int]] = {}

    def send(target: Target, g: Any) -> int:
        ref = len(vals)
        vals.append(g)
        kinds.append(type(g))
        assert target is not None
        if target[0] == "n":
            buf = buffers.get(target[1])
            if buf is None:
                buf = buffers[target[1]] = [[] for _ in program.node_shapes[target[1]]]
                heapq.heappush(waiting, -target[1])  # nodes are numbered in creation order
            buf[target[2]].append(ref)
        else:
            sink_refs.setdefault(target[1], []).append(ref)
        return ref

    root_refs = [send(target, g) for target, g in roots if target is not None]
    steps = []
    while waiting:
        node = -heapq.heappop(waiting)
        in_refs = buffers.pop(node)
        grads = [_gather(vals, rs) for rs in in_refs]
        input_grads = _call_backward(program, node, ctxs[node], grads)
        out_refs = []
        for j, (target, g) in enumerate(zip(program.node_edges[node], input_grads)):
            if target is not None and g is not None:
                out_refs.append((j, send(target, g)))
        steps.append((node, [rs or None for rs in in_refs], tuple(out_refs)))
    first = {s: _resolve(_gather(vals, rs)) for s, rs in sink_refs.items()}
    schedule: Any = (steps, len(vals), root_refs, sink_refs, kinds)
    return {"first": first, "schedule": schedule}


class CompiledFunction(Function):
    """The compiled region as one node of the caller's tape (torch: CompiledFunctionBackward).

    Inputs: the call's tensor arguments, then the tensors its gradients flow into (the
    parameters). Forward replays the recorded ops; backward replays the recorded backward.
    """

    @staticmethod
    def forward(ctx: Any, *arrays: np.ndarray, program: Program, args: list[Any]) -> Any:
        env, ctx.inner = run(program, list(arrays[: program.n_inputs]), args)
        ctx.program, ctx.n_args = program, len(args)
        outs = tuple([env[s] for s in program.out_slots])
        return outs if len(outs) > 1 else outs[0]

    @staticmethod
    def backward(ctx: Any, *grads: np.ndarray) -> tuple[Optional[np.ndarray], ...]:
        program: Program = ctx.program
        if ctx.inner is None:
            raise RuntimeError(
                "Trying to backward through a compiled call a second time (mt.compile does not "
                "support retain_graph=True yet)"
            )
        roots = [(t, g) for t, g in zip(program.out_roots, grads) if t is not None]
        sink_grads = backward(program, program, ctx.inner, roots)
        ctx.inner = None
        result: list[Optional[np.ndarray]] = [None] * ctx.n_args
        result += [None] * sum(1 for kind, _ in program.sinks if kind == "fixed")
        fixed = ctx.n_args
        for s, (kind, which) in enumerate(program.sinks):
            pos = which if kind == "arg" else fixed
            if kind == "fixed":
                fixed += 1
            result[pos] = sink_grads.get(s)
        return tuple(result)
