"""The replay as Python source: a recorded `Program` written out as one straight-line function.

replay.py's `run` is an interpreter: for every instruction it looks at the kind, unpacks a
tuple, makes a ctx and calls ``forward(ctx, *map(get, slots))``; its backward walks a schedule
the same way. On a small step that bookkeeping costs as much as the NumPy calls (about a
microsecond an instruction). torch.fx does what this file does: write the program out as
Python source -- one line per call, a local variable per slot -- and `exec` it once. A replay is
then one call of an ordinary function, and Python's own bytecode does the dispatch::

    def replay(args, s0, s1):
        c4 = Unbind(); c4.needs_input_grad = (True,)      # an op as replay.py runs it
        (s13, s14, s15, s16, s17) = _outputs(c4, Unbind.forward(c4, s12, dim=0))
        s20 = s3 @ s19; s20 += s13  # addmm (node 6)     # written out (optimize.py)
        buf18 = np.empty((5, 3, 20), float32)  # ...      # (optimize.py's rewrite 6)
        s21 = np.tanh(s20, out=buf18[0])  # tanh (node 7) into row 0
        del s20                                           # its last use: freed
        ...
        g0 = np.ones_like(s65)  # loss.backward() ...     # the recorded schedule
        ...
        return (s65, )

``compiled.code`` prints it. Each instruction has a plain translation here -- the same call
replay.py makes, so the same arithmetic; optimize.py swaps in cheaper lines where it can prove
the arithmetic stays the same. Names: ``s`` slots, ``c`` ctxs (``c<node>``), ``g`` gradients
(``g<ref>`` in the schedule's numbering), ``d<node>`` the gradient a node's backward reads. A
``del`` follows each name's last use, so arrays are freed where the interpreter frees them.

Used for a compiled *step* once its first replay has made the backward schedule (replay.py); a
compiled module's node (`CompiledFunction`) keeps the interpreter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd.deferred import DeferredGrad, ProductSum, ZeroGrad
from ..autograd.plain import accumulate_grad
from . import optimize
from .record import BACKWARD, INPLACE, LOAD_GRAD, MASK, OP, STEP, Program, draw_mask


class Generated:
    """A program as Python: `source` (what ``compiled.code`` shows) and `fn`, the function."""

    def __init__(self, source: str, fn: Callable[..., Any]) -> None:
        self.source, self.fn = source, fn

    def __repr__(self) -> str:
        return self.source


class Block:
    """Some lines of the function, with the local names they read and write (for the dels)."""

    def __init__(self, lines: list[str], reads: tuple[str, ...], writes: tuple[str, ...]) -> None:
        self.lines, self.reads, self.writes = lines, reads, writes


class Writer:
    """Writes one program's function: names, the namespace it runs in, and the blocks."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.ns: dict[str, Any] = {
            "np": np,
            "ProductSum": ProductSum,
            "DeferredGrad": DeferredGrad,
            "ZeroGrad": ZeroGrad,
            "accumulate_grad": accumulate_grad,
            "draw_mask": draw_mask,
            "unbroadcast": optimize.unbroadcast,
            "_outputs": _outputs,
            "_tuple": _tuple,
            "_call_backward": _call_backward,
            "_sum": _sum,
            "_product_sum": _product_sum,
            "program": program,
        }
        self.blocks: list[Block] = []
        self.facts = optimize.Facts(program)
        self.prefix = ""  # "b1_" for the gradients of a second backward() in one step
        self.started: set[int] = set()  # (optimize.py's rewrite 7: stacks whose 1 - y*y exists)
        self.rows: dict[str, tuple[int, int, int]] = {}  # (rewrite 8) grad -> (stack, row, rows)
        self.pairs: dict[str, tuple[str, str]] = {}  # (rewrite 9) grad -> its (a, g), unmade
        self.kinds: list[type] = []  # the current backward's gradient types, by ref
        self.group: dict[int, list[int]] = {}  # ref -> the refs added up with it

    def slot(self, s: int) -> str:
        return f"s{s}"

    def const(self, obj: Any, hint: str) -> str:
        """A name for `obj` in the function's namespace (a class, a tensor, an option)."""
        for name, v in self.ns.items():
            if v is obj and name.startswith(hint):
                return name
        name, n = hint, 1
        while name in self.ns:
            n += 1
            name = f"{hint}_{n}"
        self.ns[name] = obj
        return name

    def literal(self, v: Any) -> str:
        """`v` as source if it reads back as itself (ints, tuples...), else a namespace name."""
        if type(v) in (int, bool, str, type(None)) or (type(v) is float and np.isfinite(v)):
            return repr(v)
        if type(v) is tuple and all(type(x) in (int, bool, type(None)) for x in v):
            return repr(v)
        return self.const(v, "k")

    def add(self, lines: list[str], reads: tuple[str, ...] = (), writes: tuple[str, ...] = ()):
        self.blocks.append(Block(lines, reads, writes))

    def grad(self, ref: int) -> str:
        return f"g{self.prefix}{ref}"


def generate(program: Program, args: list[Any]) -> Generated:
    """Write `program` (whose backward schedules exist) as a function; compile it."""
    w = Writer(program)
    for s, a in enumerate(program.template):
        if a is not None:
            w.ns[w.slot(s)] = a  # a constant: a parameter's array, the zeros of h0...
    backwards = 0
    for i, ins in enumerate(program.code):
        if ins[0] == OP:
            if not optimize.forward(w, i, ins):
                _op(w, i, ins)
        elif ins[0] == INPLACE:
            _, ufunc, target, other, tensor = ins
            u, t, o = w.const(ufunc, ufunc.__name__), w.slot(target), w.slot(other)
            lines = [f"{u}({t}, {o}, out={t})  # an optimizer's in-place update"]
            if tensor is not None:
                lines.append(f"{w.const(tensor, 'p')}._modified()  # its version moves")
            w.add(lines, (t, o))
        elif ins[0] == LOAD_GRAD:
            p, slot = w.const(ins[1], "p"), w.slot(ins[2])
            w.add([f"{slot} = {p}._grad._data  # what backward left in .grad"], (), (slot,))
        elif ins[0] == MASK:
            shape, dtype, p = ins[1]
            slot, k = w.slot(ins[2]), (w.literal(shape), w.const(dtype, "dtype"), w.literal(p))
            line = f"{slot} = draw_mask({k[0]}, {k[1]}, {k[2]})._data  # dropout: a fresh mask"
            w.add([line], (), (slot,))
        elif ins[0] == STEP:
            opt = w.const(ins[1], type(ins[1]).__name__.lower())
            w.add([f"{opt}.step()  # its own NumPy update, called live (record.py)"])
        else:
            assert ins[0] == BACKWARD
            w.prefix = f"b{backwards}_" if backwards else ""
            _backward(w, ins[1], args)
            backwards += 1
    outs = tuple(w.slot(s) for s in program.out_slots)
    source = _source(w, outs)
    code = compile(source, f"<mt.compile replay {id(program):x}>", "exec")
    exec(code, w.ns)
    return Generated(source, w.ns["replay"])


def _op(w: Writer, i: int, ins: tuple[Any, ...]) -> None:
    """An OP as replay.py runs it: a bare ctx, the op's own forward on arrays."""
    _, cls, params, needs, in_slots, out_slots, node, _forward = ins
    name = w.const(cls, cls.__name__)
    c = f"c{node}" if node >= 0 else f"cx{i}"
    ins_ = [w.slot(s) for s in in_slots]
    call = ", ".join([c, *ins_, *(f"{k}={w.literal(v)}" for k, v in params.items())])
    outs = [w.slot(s) for s in out_slots]
    target = f"({outs[0]},)" if len(outs) == 1 else "(" + ", ".join(outs) + ")"
    lines = [
        f"{c} = {name}(); {c}.needs_input_grad = {needs!r}",
        f"{target} = _outputs({c}, {name}.forward({call}))",
    ]
    w.add(lines, tuple(ins_), (c, *outs))


def _backward(w: Writer, plan: Any, args: list[Any]) -> None:
    """``loss.backward()``: the schedule the first replay wrote down, as lines."""
    program = w.program
    steps, _n, root_refs, sink_refs, kinds = plan.schedule
    w.kinds = kinds
    w.group = {r: rs for _, in_refs, _ in steps for rs in in_refs if rs for r in rs}
    w.group.update({r: rs for rs in sink_refs.values() for r in rs})
    root = w.slot(plan.root_slot)
    (ref,) = root_refs
    w.add(
        [f"{w.grad(ref)} = np.ones_like({root})  # loss.backward(): d loss/d loss = 1"],
        (root,),
        (w.grad(ref),),
    )
    for node, in_refs, out_refs in steps:
        ins = w.facts.node_instruction[node]
        d = f"d{w.prefix}{node}"
        if len(in_refs) == 1:
            gather = optimize.gather(w, in_refs[0], kinds)
            cls = program.code[ins][1]
            resolve = gather.kind is not None and issubclass(gather.kind, DeferredGrad)
            resolve = resolve and gather.kind not in cls.takes_deferred
            if resolve or gather.reads != (gather.expr,):
                w.add(
                    [f"{d} = {gather.expr}" + (".resolve()" if resolve else "")], gather.reads, (d,)
                )
            else:  # one gradient, as it is: the backward reads it directly
                d = gather.expr
            if optimize.backward(w, ins, node, d, out_refs):
                continue
            grads = d
        elif optimize.unbind_backward(w, ins, in_refs, out_refs):
            continue
        else:  # several outputs (unbind): as the engine does, zeros for the unused ones
            parts = [optimize.gather(w, rs or [], kinds) for rs in in_refs]
            grads = "[" + ", ".join(p.expr for p in parts) + "]"
            w.add([f"{d} = {grads}"], tuple(r for p in parts for r in p.reads), (d,))
        _node_backward(w, ins, node, d, out_refs, many=len(in_refs) > 1)
    for s, rs in sink_refs.items():
        gather = optimize.gather(w, rs, kinds)
        resolve = gather.kind is not None and issubclass(gather.kind, DeferredGrad)
        kind, which = program.sinks[s]
        leaf = f"args[{which}]" if kind == "arg" else w.const(which, "p")
        g = gather.expr + (".resolve()" if resolve else "")
        lines = [f"{leaf}._grad = None  # (the step's zero_grad())"]
        lines.append(f"if {leaf}._requires_grad: accumulate_grad({leaf}, {g})")
        w.add(lines, gather.reads)


def _node_backward(w: Writer, ins: int, node: int, d: str, out_refs: Any, many: bool) -> None:
    """A node's own backward, called on its ctx (as replay.py does)."""
    cls = w.program.code[ins][1]
    name, c = w.const(cls, cls.__name__), f"c{node}"
    n_inputs = len(w.program.node_edges[node])
    names = [f"u{w.prefix}{node}_{j}" for j in range(n_inputs)]
    for j, ref in out_refs:
        names[j] = w.grad(ref)
    call = (
        f"_call_backward(program, {node}, {c}, {d})"
        if many
        else f"_tuple({name}.backward({c}, {d}))"
    )
    target = "(" + ", ".join(names) + ("," if len(names) == 1 else "") + ")"
    w.add([f"{target} = {call}"], (c, d), tuple(names))


def _source(w: Writer, outs: tuple[str, ...]) -> str:
    """The function's text: the blocks, each followed by a ``del`` of the names it used last."""
    last: dict[str, int] = {}
    for k, b in enumerate(w.blocks):
        for v in (*b.reads, *b.writes):
            if v not in w.ns:  # (constants are globals: never deleted)
                last[v] = k
    dead: list[list[str]] = [[] for _ in w.blocks]
    for v, k in last.items():
        if v not in outs:
            dead[k].append(v)
    args = ", ".join(w.slot(s) for s in range(w.program.n_inputs))
    lines = [f"def replay(args{', ' if args else ''}{args}):"]
    for b, gone in zip(w.blocks, dead):
        for line in b.lines + ([f"del {', '.join(gone)}"] if gone else []):
            lines += _wrap(line)
    lines.append(f"    return ({''.join(o + ', ' for o in outs)})")
    return "\n".join(lines) + "\n"


def _wrap(line: str, width: int = 96) -> list[str]:
    """One line of the body, indented; a long list of names (a ``del``, the names a tuple
    unpacks into, the terms of a `_sum`) over several lines."""
    if len(line) <= width:
        return [f"    {line}"]
    if line.startswith("del "):
        return [f"    del {part.rstrip(', ')}" for part in _pack(line[4:], width)]
    if line.startswith("(") and ") = " in line:
        names, tail = line[1:].split(") = ", 1)
        head, tail = "(", f") = {tail}"
    elif "_sum((" in line:
        head, rest = line.split("_sum((", 1)
        depth, end = 1, 0
        while depth:  # (the parenthesis that closes the tuple of terms)
            depth += (rest[end] == "(") - (rest[end] == ")")
            end += 1
        names, tail = rest[: end - 1], rest[end - 1 :]
        head = head + "_sum(("
    else:
        return [f"    {line}"]
    return [f"    {head}", *[f"        {part}" for part in _pack(names, width)], f"    {tail}"]


def _pack(names: str, width: int) -> list[str]:
    """Comma-separated `names` in lines of at most `width` characters (each ends in ", ")."""
    out, current, parts, depth, start = [], "", [], 0, 0
    for k, ch in enumerate(names):  # (split at the commas outside parentheses)
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            parts.append(names[start:k].strip())
            start = k + 1
    for name in [*parts, names[start:].strip()]:
        if current and len(current) + len(name) > width - 12:
            out.append(current.rstrip())
            current = ""
        current += name + ", "
    return out + [current.rstrip()]


# ---- helpers the generated function calls --------------------------------------------------
def _outputs(ctx: Any, out: Any) -> tuple[np.ndarray, ...]:
    """A forward's result as a tuple of arrays, as replay.py's `run` stores them."""
    if type(out) is tuple:
        return tuple([np.asarray(o) for o in out])
    return (out if type(out) is np.ndarray else ctx._as_array(out),)


def _tuple(out: Any) -> tuple[Any, ...]:
    return out if type(out) is tuple else (out,)


def _call_backward(program: Program, node: int, ctx: Any, grads: list[Any]) -> tuple[Any, ...]:
    from .replay import _call_backward as call

    return call(program, node, ctx, grads)


def _product_sum(parts: tuple[Any, ...]) -> ProductSum:
    """``ProductSum(a1, g1) + ProductSum(a2, g2) + ...`` as `ProductSum.__add__` adds them --
    the pairs joined in order -- without making the T objects (optimize.py, rewrite 9). A part
    is an (a, g) pair, or a ProductSum that an op's backward made."""
    first = parts[0]
    total = ProductSum(*first) if type(first) is tuple else first
    for part in parts[1:]:
        if type(part) is tuple:
            total.pairs.append(part)
        else:
            total.pairs += part.pairs
    return total


def _sum(terms: tuple[Any, ...]) -> Any:
    """``terms[0] + terms[1] + ...``, left to right, as the engine adds a node's gradients."""
    g = terms[0]
    for t in terms[1:]:
        g = g + t
    return g
