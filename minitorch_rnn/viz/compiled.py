"""Pictures of `mt.compile`: a compiled call as one box, or the program recorded inside it.

A compiled module leaves *one* node on its caller's tape, ``CompiledFunctionBackward0`` (its
backward replays the recorded backward): `make_dot` draws it as one box. With
``make_dot(loss, expand_compiled=True)`` the box opens: it becomes a cluster holding the
*recorded program* (compile/record.py) -- one node per instruction, an arrow for each array
(slot) an instruction reads, each op in the layer and time step it was recorded in -- so it
reads like the eager graph of the same call. A compiled training step leaves nothing on any
tape (it returns a loss): ``make_dot(train_step)`` draws its last recorded program, forward,
``backward()`` and the optimizer's update.

How each instruction is drawn:

* ``OP``: the op (``Addmm``, ``Tanh``...), with the shapes of what it makes;
* ``BACKWARD``: one ``backward()`` node; the recorded backward pass is replayed from a schedule
  (compile/replay.py), not drawn op by op;
* ``LOAD_GRAD``: ``weight.grad``, what backward left (data: the update needs no gradient);
* ``INPLACE``: ``add_`` into a parameter or a buffer (the optimizer's update, SGD's);
* ``MASK``: a dropout mask, drawn afresh at every replay;
* ``STEP``: ``Adam.step()``, called live at every replay.

An array no instruction made is a constant of the program: a parameter (drawn as one, and
shared with the caller's graph), an optimizer's buffer, or other data (``h0``'s zeros).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any, Optional

from .._tensor import Tensor
from ..compile import record as R
from .trace import DATA, OP, OUTPUT, PARAMETER, Edge, Graph, Node, _outside_steps, common_prefix

# NumPy's names of the in-place ufuncs, in torch's words (np.multiply -> mul_)
TORCH_NAMES = {"multiply": "mul", "subtract": "sub", "divide": "div", "true_divide": "div"}
Source = Optional[tuple[str, int]]  # (node id, output nr): where a slot's array comes from


class ProgramDrawing:
    """Adds the nodes and arrows of one recorded `Program` to `graph`.

    Args:
        graph: the graph to add to.
        program: what compile/record.py wrote down.
        ident: a prefix for the new node ids (one per program drawn).
        scope: put in front of every recorded scope: the cluster it all goes in.
        leaf: the node id of a parameter (the caller's graph may have drawn it already).
        names: ``id(tensor)`` or ``id(array)`` -> a name (parameters, buffers).
        tensors: ``id(array)`` -> the parameter that holds it (frozen ones get no gradient,
            so the program does not know them as parameters).
        update: the label of the box for what runs after ``backward()`` (the update).
    """

    def __init__(
        self,
        graph: Graph,
        program: R.Program,
        ident: str,
        scope: tuple[str, ...],
        leaf: Callable[[Tensor], str],
        names: Mapping[int, str],
        tensors: Mapping[int, Tensor],
        update: str = "update",
    ) -> None:
        self.graph, self.program, self.ident, self.scope = graph, program, ident, scope
        self.leaf, self.names, self.update = leaf, names, update
        self.tensors = {**tensors, **{id(t._data): t for k, t in program.sinks if k == "fixed"}}
        self.made: dict[int, Source] = {}  # slot -> the node that made its array
        self.users: dict[str, list[tuple[str, ...]]] = {}  # node id -> the scopes of its users
        self.written: set[int] = set()  # slots an INPLACE wrote into
        self.placed: list[Node] = []  # nodes drawn in the box all their users share

    def draw(self, args: list[Source]) -> list[Source]:
        """Draw the program whose argument slots come from `args`: its outputs' sources."""
        self.made.update(enumerate(args))
        backward: Optional[str] = None  # the backward() node, once seen
        for i, ins in enumerate(self.program.code):
            kind, name, after = ins[0], f"{self.ident}i{i}", backward is not None
            if kind == R.OP:
                _, cls, _, _, in_slots, out_slots, on_tape, _ = ins
                shapes = tuple(self.info(s)[0] for s in out_slots)
                where = self.where(self.info(out_slots[0])[1] if out_slots else (), after)
                node = Node(name, OP, cls.__name__, shapes, where, cls.__name__ + "Backward0")
                if on_tape < 0 and not after:  # an op on data that needs no gradient (h0's
                    node.kind, node.label = DATA, cls.__name__ + " (no grad)"  # zeros): as eager
                    node.detail = "an op off the tape: its inputs need no gradient"
                    self.placed.append(node)  # draws data, beside the ops that read it
                self.add(node, in_slots)
                self.made.update({s: (name, k) for k, s in enumerate(out_slots)})
            elif kind == R.INPLACE:
                _, ufunc, target, other, _ = ins
                label = TORCH_NAMES.get(ufunc.__name__, ufunc.__name__) + "_"
                into = self.name_of(target) if self.program.template[target] is not None else None
                if into is not None:  # p.add_(...): named, no arrow from p (a long one)
                    label = f"{into}.{label}"
                node = Node(name, OP, label, (self.info(target)[0],))
                node.scope, node.detail = self.where((), after), "in place, off the tape"
                first = into is not None and target not in self.written
                self.add(node, (other,) if first else (target, other))
                self.written.add(target)
                self.made[target] = (name, 0)
            elif kind == R.LOAD_GRAD:
                of = self.names.get(id(ins[1])) or getattr(ins[1], "_name", None) or "parameter"
                node = Node(name, DATA, of + ".grad", (self.info(ins[2])[0],))
                node.scope, node.detail = self.where((), after), "what backward() left in .grad"
                self.add(node, (), backward)
                self.made[ins[2]] = (name, 0)
            elif kind == R.MASK:
                node = Node(name, OP, "dropout mask", (ins[1][0],), detail="drawn at every replay")
                node.scope = self.where(self.info(ins[2])[1], after)
                self.add(node, ())
                self.made[ins[2]] = (name, 0)
            elif kind == R.BACKWARD:
                root = ins[1].root_slot
                node = Node(name, OP, "backward()", (self.info(root)[0],), self.scope)
                node.detail = "the recorded backward pass, replayed from its schedule"
                self.add(node, (root,))
                backward = name
            elif kind == R.STEP:
                label = type(ins[1]).__name__ + ".step()"
                node = Node(
                    name, OP, label, (), self.where((), after), "called live at each replay"
                )
                self.add(node, (), backward)
            else:  # an instruction kind this picture does not know (yet)
                self.add(Node(name, OP, f"instruction {kind}", (), self.scope), ())
        for node in self.placed:  # data sits beside the loop all its users share
            if node.id in self.users:
                node.scope = _outside_steps(common_prefix(self.users[node.id]))
        return [self.made.get(s) for s in self.program.out_slots]

    def info(self, slot: int) -> tuple[Any, ...]:
        """(shape, recorded scope) of a slot's array (unknown for a slot added after recording)."""
        info = self.program.slot_info
        return info[slot] if slot < len(info) else ((), ())

    def where(self, recorded: tuple[str, ...], after_backward: bool) -> tuple[str, ...]:
        """The scope to draw an instruction in: the recorded one, inside our box; what runs
        after ``backward()`` outside any scope goes into the update's box."""
        if after_backward and not recorded:
            return (*self.scope, self.update)
        return (*self.scope, *recorded)

    def add(self, node: Node, reads: tuple[int, ...], after: Optional[str] = None) -> None:
        """Append `node`, with an arrow from the source of each slot it reads (and `after`)."""
        self.graph.nodes.append(node)
        if after is not None:
            self.graph.edges.append(Edge(after, node.id))
        for s in reads:
            source = self.source(s)
            if source is not None:
                self.graph.edges.append(Edge(source[0], node.id, source[1]))
                self.users.setdefault(source[0], []).append(node.scope)

    def name_of(self, slot: int) -> Optional[str]:
        """A constant's name: its parameter's, or an optimizer buffer's (None: no name)."""
        array = self.program.template[slot]
        t = self.tensors.get(id(array))
        if t is not None:
            return self.names.get(id(t)) or getattr(t, "_name", None) or "parameter"
        return self.names.get(id(array))

    def source(self, slot: int) -> Source:
        """Where `slot`'s array comes from; a constant's node is made on its first read."""
        if slot not in self.made:
            array = self.program.template[slot]
            t = self.tensors.get(id(array))
            if t is not None:
                found = self.leaf(t)
            else:
                found = f"{self.ident}c{slot}"
                node = Node(found, DATA, "constant", (self.info(slot)[0],), detail="an array")
                if self.names.get(id(array)):
                    node.label = str(self.names[id(array)])
                elif array is not None and array.ndim == 0:  # a number: lr, momentum, 2.0
                    node.label, node.shapes = f"{array.item():g}", ()
                elif array is not None and not array.any():  # h0, when none was given
                    node.label = "zeros"
                node.detail = "held by the program: no op made it"
                self.graph.nodes.append(node)
                self.placed.append(node)
            self.made[slot] = (found, 0)
        return self.made[slot]


def draw_compiled(compiled: Any, params: Optional[Mapping[str, Tensor]] = None) -> Graph:
    """The last program `compiled` (an `mt.compile` result) recorded, as a `Graph`.

    Parameters are named as ``named_parameters()`` names them (``head.weight``), an optimizer's
    buffers after their parameter (``head.weight momentum_buffer``); `params` may add names.
    """
    programs = [p for p in compiled.programs.values() if isinstance(p, R.Program)]
    if not programs:
        raise ValueError(
            "make_dot: this compiled call has recorded nothing to draw yet; call it once "
            "(twice for a training step: the first call finds no .grad yet) and draw it then"
        )
    program = programs[-1]
    names: dict[int, str] = {}
    tensors: dict[int, Tensor] = {}
    for module in compiled.modules:
        for name, p in module.named_parameters():
            names[id(p)], tensors[id(p._data)] = name, p
    for opt in compiled.optimizers:
        for p, state in opt.state.items():
            for key, value in state.items():
                if isinstance(value, Tensor):
                    names[id(value._data)] = f"{names.get(id(p), 'parameter')} {key}"
    names.update({id(t): name for name, t in (params or {}).items()})
    graph = Graph()
    leaves: dict[int, str] = {}

    def leaf(t: Tensor) -> str:
        if id(t) not in leaves:
            leaves[id(t)] = f"p{len(leaves)}"
            label = names.get(id(t)) or getattr(t, "_name", None) or "parameter"
            graph.nodes.append(Node(leaves[id(t)], PARAMETER, label, (t.shape,), of=t))
        return leaves[id(t)]

    update = " + ".join(type(opt).__name__ for opt in compiled.optimizers) or "optimizer"
    drawing = ProgramDrawing(graph, program, "c", (), leaf, names, tensors, f"{update}.step()")
    args: list[Source] = []
    arg_names = _argument_names(compiled.fn, program.n_inputs)
    for k in range(program.n_inputs):
        node = Node(f"a{k}", DATA, arg_names[k], (program.slot_info[k][0],))
        graph.nodes.append(node)
        args.append((node.id, 0))
    outputs = drawing.draw(args)
    for node in graph.nodes:  # parameters and arguments: in the box all their users share
        if node.id in drawing.users and not node.id.startswith("c"):
            node.scope = common_prefix(drawing.users[node.id])
            if node.kind == DATA:
                node.scope = _outside_steps(node.scope)
    for k, (slot, source) in enumerate(zip(program.out_slots, outputs)):
        if source is not None:
            graph.nodes.append(Node(f"out{k}", OUTPUT, "output", (program.slot_info[slot][0],)))
            graph.edges.append(Edge(source[0], f"out{k}", source[1]))
    return graph


def _argument_names(fn: Any, n: int) -> list[str]:
    """The names of a compiled call's tensor arguments (``x``, ``y``), if its signature says."""
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
    return names if len(names) == n else [f"argument {k}" for k in range(n)]
