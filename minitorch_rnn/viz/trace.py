"""`trace(root)`: the tape behind a tensor as plain nodes and edges (no graphviz needed).

Walking back from ``root.grad_fn`` along every node's ``next_edges`` finds two kinds of
things: *op nodes* (`Function` instances, one per recorded operation) and *leaf tensors*
(parameters, or your own tensors with ``requires_grad=True``). Inputs that need no gradient
(the data ``x``, the initial state ``h0``) have no edge, but each node notes them
(``Function.data_inputs``), so they are drawn too, as *data* nodes: otherwise the first time
step would seem to have no incoming state. Name them with `params` (``{"h0": h0, ...}``).

Edges point the way the data flowed in the forward pass -- from an input to the op that used
it, and finally to the output -- so the picture reads like the code; gradients flow back
against the arrows.

Each `Node` knows its *scope*: the tags of the ``mt.autograd.scope(...)`` blocks that were
open when it was created, e.g. ``("layer 0", "t=3")``. The drawing turns scopes into boxes.
A leaf has no scope of its own; it goes into the deepest scope shared by every op that uses
it, so ``weight_hh_l0`` sits once in the ``layer 0`` box with an arrow into each time step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.plain import topological_order
from ..compile.replay import CompiledFunction
from ..nn.parameter import Parameter

# Node kinds; the drawing gives each its own colour.
INPUT, PARAMETER, OP, OUTPUT, FOLD = "input", "parameter", "op", "output", "fold"
DATA = "data"  # an input that needs no gradient


@dataclass
class Node:
    """One box of the drawing.

    ``value`` is the array (a tuple for a multi-output op) when it is known: always for leaves
    and the output, for ops only if the forward ran inside ``mt.autograd.retain_values()``.
    ``grad`` likewise: a leaf's ``.grad``, or an op's output gradients if backward ran inside
    ``mt.autograd.retain_grads()``. ``detail`` is the longer name (``TanhBackward0``).
    """

    id: str
    kind: str  # INPUT, PARAMETER, OP, OUTPUT, DATA (or FOLD, made by `fold_steps`)
    label: str  # "Tanh", "weight_hh_l0", "output", ...
    shapes: tuple[tuple[int, ...], ...]
    scope: tuple[str, ...] = ()
    detail: str = ""
    value: Any = None
    grad: Optional[list[np.ndarray]] = None
    folded: tuple[int, ...] = ()  # a FOLD node: the time steps it stands for
    # the tape's own object: the `Function` node or the leaf tensor (the step-through page uses it)
    of: Any = field(default=None, repr=False, compare=False)


@dataclass
class Edge:
    """Data flowed from output ``output_nr`` of node ``src`` into node ``dst``.

    ``output_nr`` is -1 for an arrow that stands for several outputs (see `fold_steps`), and
    an arrow into or out of a FOLD node remembers the row of the step it entered or left.
    ``note``: how an op took a data input (``"[0]"``: one slice of it, ``"view (15, 10)"``).
    """

    src: str
    dst: str
    output_nr: int = 0
    src_row: int = 0
    dst_row: int = 0
    note: str = ""


@dataclass
class Graph:
    """What `trace` returns: the nodes in forward order (inputs first) and the arrows."""

    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)

    def of_kind(self, kind: str) -> list[Node]:
        return [n for n in self.nodes if n.kind == kind]


def trace(
    root: Tensor, params: Optional[Mapping[str, Tensor]] = None, expand_compiled: bool = False
) -> Graph:
    """The tape that produced `root`, in forward order (inputs first, the output last).

    `params` (e.g. ``dict(model.named_parameters())``) names leaf tensors; a registered
    `Parameter` is named after its attribute even without it; other leaves are "input".
    `expand_compiled`: draw a compiled module's one node as the program it replays
    (``compiled.py``).
    """
    if root.grad_fn is None:
        raise ValueError(
            "make_dot/trace needs a tensor computed from something that requires grad "
            "(it has no grad_fn, so there is no graph to draw)"
        )
    names = {id(t): name for name, t in (params or {}).items()}
    graph = Graph()
    ids: dict[int, str] = {}  # id(op node or leaf tensor) -> node id
    leaf_users: dict[str, list[tuple[str, ...]]] = {}  # leaf node id -> scopes of its users
    data_ids: dict[Any, str] = {}  # (id(data) -- or (id(op), position) --, scope, slice)

    def node_id(obj: Any) -> str:
        if id(obj) not in ids:
            ids[id(obj)] = f"n{len(ids)}"
        return ids[id(obj)]

    opened: dict[int, list[Any]] = {}  # id(a compiled node drawn open) -> its outputs' sources

    def source(fn: Any, nr: int) -> tuple[str, int]:
        return opened[id(fn)][nr] if id(fn) in opened else (node_id(fn), nr)

    # Forward order: `topological_order` lists the output's node first, so reverse it.
    ops = list(reversed(topological_order([root.grad_fn])))
    for op in ops:
        is_open = expand_compiled and isinstance(op, CompiledFunction)
        for edge in op.next_edges:
            if edge is not None and not isinstance(edge[0], Function):
                leaf = edge[0]
                if id(leaf) not in ids:
                    graph.nodes.append(_leaf_node(node_id(leaf), leaf, names))
                users = leaf_users.setdefault(ids[id(leaf)], [])
                if not is_open:  # (an open one's users are the ops inside: `_open`)
                    users.append(op.scope)
        data_edges = []
        for position, shape, ref, how in op.data_inputs:
            # one box per use and scope, beside its user: h0[0] in "layer 0", h0[1] in "layer 1"
            base, where = ref(), _outside_steps(op.scope)
            slice_of = how if how.startswith("[") else ""
            key = (id(base) if base is not None else (id(op), position), where, slice_of)
            if key not in data_ids:
                data_ids[key] = f"d{len(data_ids)}"
                node = _data_node(data_ids[key], base, shape, names, slice_of)
                node.scope = where
                graph.nodes.append(node)
            note = f"view {tuple(shape)}" if how == "view" and base is not None else ""
            data_edges.append(Edge(data_ids[key], "", note=note))
        if is_open:  # its recorded program instead of its one node
            opened[id(op)] = _open(
                graph, op, node_id(op), data_edges, source, ids, names, leaf_users
            )
            continue
        graph.nodes.append(_op_node(node_id(op), op))
        for e in data_edges:
            e.dst = ids[id(op)]
            graph.edges.append(e)
        for edge in op.next_edges:
            if edge is not None:
                src, nr = source(*edge)
                graph.edges.append(Edge(src, ids[id(op)], nr))

    # A leaf lives in the deepest scope all its users share.
    for n in graph.nodes:
        if leaf_users.get(n.id):
            n.scope = common_prefix(leaf_users[n.id])

    out_grad = None
    if root.grad_fn.grad_outputs is not None:
        out_grad = [root.grad_fn.grad_outputs[root._output_nr]]
    graph.nodes.append(
        Node("output", OUTPUT, "output", (root.shape,), value=root._data, grad=out_grad)
    )
    src, nr = source(root.grad_fn, root._output_nr)
    graph.edges.append(Edge(src, "output", nr))
    return graph


def _open(
    graph: Graph,
    op: Any,
    op_id: str,
    data_edges: list[Edge],
    source: Any,
    ids: dict[int, str],
    names: Mapping[int, str],
    leaf_users: dict[str, list[tuple[str, ...]]],
) -> list[Any]:
    """Draw compiled node `op` as the program it replays, in a box of its own: the sources of
    its outputs (see ``compiled.py``)."""
    from .compiled import ProgramDrawing

    args = [source(*e) if e is not None else None for e in op.next_edges[: op.n_args]]
    for (position, *_), e in zip(op.data_inputs, data_edges):
        args[position] = (e.src, 0)
    box = (*op.scope, f"CompiledFunction: {op.program.n_nodes} recorded ops")
    drawing = ProgramDrawing(graph, op.program, op_id + "_", box, lambda t: ids[id(t)], names, {})
    outputs = drawing.draw(args)
    for node_id, scopes in drawing.users.items():
        if node_id in leaf_users:
            leaf_users[node_id] += scopes
    return outputs


def _op_node(node_id: str, op: Function) -> Node:
    value = op.output_value
    label = type(op).__name__
    if isinstance(op, CompiledFunction):  # a whole compiled module: say how much is inside
        label += f" ({op.program.n_nodes} ops)"  # type: ignore[attr-defined]
    return Node(
        node_id,
        OP,
        label,
        tuple(op.output_shapes),
        scope=tuple(op.scope),
        detail=op.name(),
        value=value,
        grad=list(op.grad_outputs) if op.grad_outputs is not None else None,
        of=op,
    )


def _data_node(
    node_id: str,
    t: Optional[Tensor],
    shape: tuple[int, ...],
    names: Mapping[int, str],
    slice_of: str,
) -> Node:
    """Data that needs no gradient: `t` itself (None once it is gone: then only the shape the
    op saw), or the slice `slice_of` of it (``"[0]"``: ``h0[0]``)."""
    name = names.get(id(t), "data") if t is not None else "data"
    node = Node(node_id, DATA, name + slice_of, (shape,), detail="data (needs no gradient)")
    if t is not None and not slice_of:  # the whole tensor: its own shape and value
        node.shapes, node.value = (t.shape,), t._data
    return node


def _outside_steps(scope: tuple[str, ...]) -> tuple[str, ...]:
    """The scope up to its first time step: data is drawn beside the loop, like a weight."""
    cut = next((i for i, tag in enumerate(scope) if tag.startswith("t=")), len(scope))
    return scope[:cut]


def _leaf_node(node_id: str, t: Tensor, names: Mapping[int, str]) -> Node:
    is_param = isinstance(t, Parameter)
    name = names.get(id(t)) or (t._name if isinstance(t, Parameter) else None)
    return Node(
        node_id,
        PARAMETER if is_param else INPUT,
        name or ("parameter" if is_param else "input"),
        (t.shape,),
        detail="Parameter" if is_param else "Tensor (requires_grad=True)",
        value=t._data,
        grad=[t.grad._data] if t.grad is not None else None,
        of=t,
    )


def common_prefix(scopes: list[tuple[str, ...]]) -> tuple[str, ...]:
    """The longest scope that starts every one of `scopes`."""
    first = scopes[0]
    n = len(first)
    for s in scopes[1:]:
        n = min(n, len(s))
        n = next((i for i in range(n) if s[i] != first[i]), n)
    return first[:n]


def grad_norm(node: Node) -> Optional[float]:
    """‖grad‖ over all of the node's outputs, or None if no gradient was kept."""
    if node.grad is None:
        return None
    return float(np.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in node.grad)))


def grad_rms(node: Node, norm: Optional[float]) -> Optional[float]:
    """‖grad‖ / √numel: the typical size of one entry of the gradient (None if none was kept)."""
    if norm is None or node.grad is None:
        return None
    return norm / max(sum(int(np.size(g)) for g in node.grad), 1) ** 0.5
