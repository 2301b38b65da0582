"""The rewrites: cheaper lines for codegen.py, with the same arithmetic as eager.

codegen.py translates every instruction the way replay.py runs it -- a ctx, the op's own
``forward`` and ``backward``. That is always right, and costs a ctx object, the op's checks
(dtypes, shapes, options) and a call per op. Here are the cases where we can say more, because
the recording tells us the shapes, the dtypes and who reads what. Each rewrite makes the
*same* NumPy calls on the same values as the op would -- so a replay's gradients stay those of
eager, bit for bit (tests/test_compile_optimize.py checks each one, and a case where it must
not apply):

1. **Ops written out.** ``Addmm`` (float, with beta = alpha = 1, as nn.RNN and nn.Linear use
   it) becomes ``out = m1 @ m2; out += input`` -- exactly what `Addmm.forward`'s common path
   computes once its checks pass, and they passed when it was recorded. ``Tanh`` becomes
   ``np.tanh(x)``. No ctx: the backward lines name the arrays forward would have saved (``m1``,
   ``m2``, tanh's output) directly. An SGD ``Mul`` off the tape becomes ``np.multiply(a, b)``.
2. **tanh in place.** ``np.tanh(z, out=z)`` when z is a fresh ``addmm`` result that nothing
   else reads: one array fewer. Not when z is read again -- returned, or used by another op.
   (Inside an RNN rule 6 does better.)
3. **tanh's backward with one temporary.** Eager writes ``d = 1 - y * y; d *= grad``: two arrays
   (``y * y``, then ``1 - ...``). The same three operations, in the same order, fit in one:
   ``t = y * y; np.subtract(1, t, out=t); t *= grad``.
4. **Zero gradients vanish.** A ``ZeroGrad`` (what ``stack(outputs)[-1]`` sends every step
   but the last) added to an array *is* that array (`ZeroGrad.__add__` returns the other), so
   the addition is not written at all. Only when the sum so far is an array (or zero): a
   ``ProductSum`` plus a zero turns into an array in eager, and that we keep.
5. **Dead shape ops are dropped.** A ``stack``, ``cat``, view or index whose result nobody
   reads and no backward visits (nn.RNN's ``h_n`` in a step that returns only the loss) copies
   for nothing; pure functions of their inputs, they can be skipped.
6. **tanhs write into their stack's array.** nn.RNN stacks its per-step outputs at the end
   (``stack(outputs)``: a copy). When every stacked array is the output of a written-out tanh
   (none returned, nothing in the step changes an array in place but the optimizer's updates of
   parameters), each tanh writes into its row of one array made up front
   (``np.tanh(z, out=buf[t])``) and the stack *is* that array: T allocations become one and
   the copy goes -- the hand-written BPTT's ``h`` buffer. The Stack node gets the ctx
   ``Stack.forward`` would leave (tests check that it leaves nothing else).
7. **tanh's derivative for every row at once.** With the outputs in one array, the part of
   tanh's backward that does not depend on the incoming gradient, ``1 - y*y``, is two calls for
   all T steps (at the first of their backward steps), and each step is one multiply into its
   row. Elementwise operations round each element on its own: one call over T rows gives the
   very bits of T calls.
8. **An unbind's gradient that is stacked already.** The gradient of an RNN's input
   projection at step t is the tanh gradient of step t -- row t of rule 7's array. Where an
   unbind's gradients are exactly those rows, in order, `Unbind.backward` would stack them
   into a new array with the same values: that array is taken instead.

What is *not* here: anything that changes the order of floating-point operations -- summing
the per-step weight gradients in another grouping, or letting BLAS add ``input`` inside the
product (``beta = 1``): eager's last bits would move.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ..autograd.deferred import ProductSum, ZeroGrad
from ..ops.broadcast import unbroadcast
from ..ops.matmul import Addmm
from ..ops.pointwise import Mul, Tanh
from ..ops.shape import Cat, Index, Permute, Stack, Unbind, View
from .record import BACKWARD, INPLACE, OP, Program

__all__ = ["Facts", "forward", "backward", "gather", "unbind_backward", "unbroadcast"]

PURE_SHAPE_OPS = (Stack, Cat, View, Permute, Index, Unbind)  # (rewrite 5)


class Facts:
    """What the rewrites need to know about a program: who reads each slot, which node each
    instruction is, the shapes, and which instructions get written out."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.readers: dict[int, list[int]] = {}
        self.node_instruction: dict[int, int] = {}
        self.made_by: dict[int, tuple[int, int]] = {}  # slot -> (node, output nr)
        for i, ins in enumerate(program.code):
            if ins[0] == OP:
                reads = ins[4]
                if ins[6] >= 0:
                    self.node_instruction[ins[6]] = i
                    self.made_by.update({s: (ins[6], k) for k, s in enumerate(ins[5])})
            elif ins[0] == INPLACE:
                reads = (ins[2], ins[3])
            elif ins[0] == BACKWARD:
                reads = (ins[1].root_slot,)
            else:
                reads = ()
            for s in reads:
                self.readers.setdefault(s, []).append(i)
        visited = set()  # the nodes some backward runs
        for ins in program.code:
            if ins[0] == BACKWARD:
                visited |= {step[0] for step in ins[1].schedule[0]}
        self.visited = visited
        self.written_out = {i for i, ins in enumerate(program.code) if self._writable(ins)}
        self.fresh = {  # slots an addmm written out made: new arrays, owned by the replay
            ins[5][0]
            for i, ins in enumerate(program.code)
            if i in self.written_out and ins[1] is Addmm
        }

        # rewrite 6: the tanhs a stack joins write their outputs straight into its array
        self.stacked: dict[int, tuple[int, int]] = {}  # tanh instruction -> (stack's, row)
        self.first_tanh: dict[int, int] = {}  # stack instruction -> its earliest tanh's
        only_constants_change = all(  # (an optimizer's updates: never our buffers)
            program.template[ins[2]] is not None for ins in program.code if ins[0] == INPLACE
        )
        for i, ins in enumerate(program.code):
            rows = self._stack_rows(i, ins) if only_constants_change else None
            if rows is not None:
                self.stacked.update({j: (i, k) for k, j in enumerate(rows)})
                self.first_tanh[i] = min(rows)

    def shape(self, s: int) -> Optional[tuple[int, ...]]:
        """The shape of slot `s`, as recorded."""
        return tuple(self.program.slot_types[s][0])

    def _stack_rows(self, i: int, ins: tuple[Any, ...]) -> Optional[list[int]]:
        """Rewrite 6 applies to this instruction: a ``stack(ys, dim=0)`` of outputs of
        written-out tanhs (no two the same, one shape and dtype), none of them returned or
        claimed by another stack. Their instructions, in row order; else None."""
        if ins[0] != OP or ins[1] is not Stack or ins[2] != {"dim": 0} or self.dead(i):
            return None
        in_slots = ins[4]
        rows = []
        for s in in_slots:
            j = self.node_instruction.get(self.made_by.get(s, (-1, 0))[0], -1)
            if j not in self.written_out or self.program.code[j][1] is not Tanh:
                return None
            if j in self.stacked or s in self.program.out_slots:
                return None
            rows.append(j)
        types = {self.program.slot_types[s] for s in in_slots}
        return (
            rows if len(set(in_slots)) == len(in_slots) == len(rows) and len(types) == 1 else None
        )

    def _writable(self, ins: tuple[Any, ...]) -> bool:
        """Rewrite 1 applies: an op we can write out with the same arithmetic."""
        if ins[0] != OP:
            return False
        _, cls, params, needs, in_slots, out_slots, node, _ = ins
        if cls is Addmm:  # (Addmm.forward's own common path: float32/64, beta = alpha = 1)
            dtype = self.program.slot_types[in_slots[1]][1]
            return (
                node >= 0
                and params.get("beta", 1) == 1
                and params.get("alpha", 1) == 1
                and getattr(dtype, "kind", "") == "f"
                and dtype != np.float16  # (half: Addmm computes in float32, rounds once)
            )
        if cls is Tanh:
            return node >= 0 and self.program.node_shapes[node][0] != ()  # (0-d: numpy scalars)
        if cls is Mul:  # (read only by in-place updates: a 0-d result may stay a numpy scalar)
            readers = [self.program.code[r][0] for r in self.readers.get(out_slots[0], [])]
            mine = out_slots[0] not in self.program.out_slots
            return node < 0 and not params and set(readers) == {INPLACE} and mine
        return False

    def dead(self, i: int) -> bool:
        """Rewrite 5: a pure shape op nobody reads and no backward visits."""
        ins = self.program.code[i]
        _, cls, _, _, _, out_slots, node, _ = ins
        if cls not in PURE_SHAPE_OPS or node in self.visited:
            return False
        return not any(s in self.readers or s in self.program.out_slots for s in out_slots)


def forward(w: Any, i: int, ins: tuple[Any, ...]) -> bool:
    """Write instruction `i` (an OP) out cheaper if a rewrite applies; False: it does not."""
    facts: Facts = w.facts
    _, cls, _, _, in_slots, out_slots, node, _ = ins
    if facts.dead(i):
        w.add([f"# {cls.__name__} (node {node}): nobody reads it -- not run"])
        return True
    if i in facts.first_tanh:  # rewrite 6: the stack whose rows the tanhs wrote
        buf, out = f"buf{i}", w.slot(out_slots[0])
        if node < 0:
            w.add([f"{out} = {buf}  # stack: the tanhs wrote its rows"], (buf,), (out,))
        else:  # its ctx, as Stack.forward leaves it (tests check that is all it keeps)
            c = f"c{node}"
            lines = [f"{c} = {w.const(cls, cls.__name__)}(); {c}.dim = 0"]
            lines.append(f"{out} = {buf}  # stack (node {node}): the tanhs wrote its rows")
            w.add(lines, (buf,), (c, out))
        return True
    if i not in facts.written_out:
        return False
    a = [w.slot(s) for s in in_slots]
    out = w.slot(out_slots[0])
    if cls is Addmm:  # rewrite 1: Addmm.forward's arithmetic, without its ctx and checks
        lines = [f"{out} = {a[1]} @ {a[2]}; {out} += {a[0]}  # addmm (node {node})"]
    elif cls is Tanh and i in facts.stacked:  # rewrite 6
        stack, row = facts.stacked[i]
        buf = f"buf{stack}"
        lines = []
        if facts.first_tanh[stack] == i:
            shape, dtype = facts.program.slot_types[facts.program.code[stack][5][0]]
            lines.append(
                f"{buf} = np.empty({shape!r}, {w.const(dtype, dtype.name)})  # stack's array"
            )
        lines.append(
            f"{out} = np.tanh({a[0]}, out={buf}[{row}])  # tanh (node {node}) into row {row}"
        )
        w.add(lines, (*a, buf), (out, buf))
        return True
    elif cls is Tanh and _tanh_in_place(facts, i, in_slots[0]):  # rewrite 2
        lines = [f"{out} = np.tanh({a[0]}, out={a[0]})  # tanh, in place (node {node})"]
    elif cls is Tanh:
        lines = [f"{out} = np.tanh({a[0]})  # tanh (node {node})"]
    else:  # Mul, off the tape (SGD's grad * -lr)
        lines = [f"{out} = np.multiply({a[0]}, {a[1]})"]
    w.add(lines, tuple(a), (out,))
    return True


def _tanh_in_place(facts: Facts, i: int, z: int) -> bool:
    """Rewrite 2 applies: z is a fresh addmm result that only this tanh reads."""
    return z in facts.fresh and facts.readers.get(z) == [i] and z not in facts.program.out_slots


def backward(w: Any, i: int, node: int, d: str, out_refs: Any) -> bool:
    """Write node `node`'s backward out (rewrites 1 and 3) if its forward was; else False."""
    facts: Facts = w.facts
    if i not in facts.written_out:
        return False
    _, cls, _, needs, in_slots, out_slots, _, _ = w.program.code[i]
    for j, ref in out_refs:
        g = w.grad(ref)
        if cls is Tanh and i in facts.stacked:  # rewrite 7: 1 - y*y for all rows at once
            stack, row = facts.stacked[i]
            buf, dbuf = f"buf{stack}", f"dbuf{stack}"
            if stack not in w.started:
                w.started.add(stack)
                line = f"{dbuf} = {buf} * {buf}; np.subtract(1, {dbuf}, out={dbuf})"
                w.add([line + "  # tanh' = 1 - y*y, all rows at once"], (buf,), (dbuf,))
            line = f"{g} = np.multiply({dbuf}[{row}], {d}, out={dbuf}[{row}])  # tanh backward"
            w.add([line], (dbuf, d), (g,))
            w.rows[g] = (stack, row, len(w.program.code[stack][4]))
        elif cls is Tanh:  # rewrite 3: d * (1 - y*y), eager's operations, one temporary
            y = w.slot(out_slots[0])
            lines = [f"{g} = {y} * {y}; np.subtract(1, {g}, out={g}); {g} *= {d}  # tanh backward"]
            w.add(lines, (y, d), (g,))
        elif j == 0:  # addmm's input: beta * grad (beta = 1), summed over broadcast dims
            shape = facts.shape(in_slots[0])
            out_shape = w.program.node_shapes[node][0]
            expr = d if shape == out_shape else f"unbroadcast({d}, {shape!r})"
            if expr == d and d in w.rows:
                w.rows[g] = w.rows[d]  # (the same array: still a row of its stack's dbuf)
            w.add([f"{g} = {expr}  # addmm backward, input"], (d,), (g,))
        elif j == 1:  # d/dm1 = grad @ m2^T
            m2 = w.slot(in_slots[2])
            w.add([f"{g} = {d} @ {m2}.T  # addmm backward, m1"], (d, m2), (g,))
        else:  # d/dm2 = m1^T @ grad, deferred as Addmm.backward defers it (ProductSum)
            m1 = w.slot(in_slots[1])
            group = w.group.get(ref, [])
            if len(group) > 1 and all(w.kinds[r] is ProductSum for r in group):
                w.pairs[g] = (m1, d)  # rewrite 9: the pair, joined where the sum is made
            else:
                w.add([f"{g} = ProductSum({m1}, {d})  # addmm backward, m2"], (m1, d), (g,))
    return True


class Gather:
    """The sum of a node's incoming gradients, as source: `expr`, the names, the result type."""

    def __init__(self, expr: str, reads: tuple[str, ...], kind: Optional[type]) -> None:
        self.expr, self.reads, self.kind = expr, reads, kind


def gather(w: Any, refs: list[int], kinds: list[type]) -> Gather:
    """``g_a + g_b + ...`` in the engine's order, zeros left out where they vanish (rewrite 4)."""
    terms: list[int] = []
    kind: Optional[type] = None
    for r in refs:
        k = kinds[r]
        if kind is None or kind is ZeroGrad:  # (zero + g is g)
            terms, kind = [r], k
        elif k is ZeroGrad and kind is np.ndarray:  # (array + zero is the array)
            continue
        else:
            terms.append(r)
            kind = ProductSum if kind is ProductSum and k is ProductSum else np.ndarray
    names = tuple(w.grad(r) for r in terms)
    if not names:
        return Gather("None", (), None)
    if any(n in w.pairs for n in names):  # rewrite 9 (all ProductSums: see `backward`)
        parts = [f"({w.pairs[n][0]}, {w.pairs[n][1]})" if n in w.pairs else n for n in names]
        reads = tuple(x for n in names for x in (w.pairs[n] if n in w.pairs else (n,)))
        return Gather("_product_sum((" + ", ".join(parts) + "))", reads, kind)
    if len(names) <= 4:
        return Gather(" + ".join(names), names, kind)
    return Gather("_sum((" + ", ".join(names) + "))", names, kind)


def unbind_backward(w: Any, i: int, in_refs: Any, out_refs: Any) -> bool:
    """Rewrite 8: an unbind (dim 0) whose gradients are, in order, all the rows of one tanh
    derivative array (rewrite 7) -- an RNN's input projection, whose gradient at step t is
    the tanh gradient of step t. `Unbind.backward` would stack them into a new array with the
    same values; that array exists already."""
    _, cls, params, _, in_slots, _, _, _ = w.program.code[i]
    if (
        cls is not Unbind
        or params != {"dim": 0}
        or any(rs is None or len(rs) != 1 for rs in in_refs)
    ):
        return False
    rows = [w.rows.get(w.grad(rs[0])) for rs in in_refs]
    first = rows[0]
    if first is None or any(r != (first[0], k, len(rows)) for k, r in enumerate(rows)):
        return False
    stack = first[0]
    stacked = w.program.code[stack][5][0]  # the stack's output: the shape and dtype of dbuf
    if w.program.slot_types[stacked] != w.program.slot_types[in_slots[0]]:
        return False
    names = tuple(w.grad(rs[0]) for rs in in_refs)
    for _, ref in out_refs:
        line = f"{w.grad(ref)} = dbuf{stack}  # unbind backward: its rows, stacked already"
        w.add([line], (f"dbuf{stack}", *names), (w.grad(ref),))
    return True
