"""`make_dot`: draw the tape with graphviz, one box per scope, shared weights once.

The drawing is built in three steps, each small enough to read on its own:

1. `trace` turns the tape into plain nodes and edges (``trace.py``);
2. `fold_steps` hides the middle of long loops (``fold.py``);
3. this file turns what is left into a `graphviz.Digraph`: one *cluster* (a labelled box)
   per scope, nested as the scopes were, with the time steps of a loop side by side, in
   order of t. How each node looks (colours, labels, the legend) is in ``style.py``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Optional

from .._tensor import Tensor
from ..compile.api import Compiled
from .compiled import draw_compiled
from .fold import fold_steps, position, step_of, step_rows
from .program import digraph_class
from .style import (
    DATA_EDGE,
    INVISIBLE,
    RECURRENT_EDGE,
    WEIGHT_EDGE,
    LogScale,
    draw_legend,
    node_attrs,
)
from .trace import DATA, FOLD, OP, PARAMETER, Graph, Node, grad_norm, grad_rms, trace

if TYPE_CHECKING:
    import graphviz

Step = tuple[tuple[str, ...], int]  # (the loop's scope, t)


def make_dot(
    root: Any,
    params: Optional[Mapping[str, Tensor]] = None,
    *,
    expand_compiled: bool = False,
    show_values: bool = False,
    show_grads: bool = False,
    max_steps: Optional[int] = 6,
    rankdir: str = "TB",
    legend: bool = True,
    grad_measure: str = "rms",
) -> graphviz.Digraph:
    """Draw the computation graph that produced `root` (torchviz's name and first arguments).

    Args:
        root: the output tensor, e.g. a loss. Or a callable made by ``mt.compile``, e.g. a
            compiled training step, which leaves no tape to draw: then its last recorded
            program (forward, ``backward()``, the optimizer's update; ``compiled.py``).
        params: names for leaf tensors, e.g. ``dict(model.named_parameters())``. A registered
            `nn.Parameter` is named after its attribute even without it.
        expand_compiled: draw a compiled module's one node (``CompiledFunction``) as the
            program it replays, in a box of its own, instead of as one box.
        show_values: print a short summary of each node's value (the entries of a tiny
            tensor, else min/mean/max). Ops keep their values only when the forward pass ran
            inside ``mt.autograd.retain_values()``.
        show_grads: print ||grad|| and its RMS (||grad|| / sqrt(numel)) and colour each node
            by one of them (log scale). Ops keep gradients only when backward ran inside
            ``mt.autograd.retain_grads()``.
        max_steps: a loop of ``scope(f"t={t}")`` steps longer than this shows its first and
            last steps and one "... N more steps ..." node. ``None``: draw every step.
        rankdir: ``"TB"`` (data flows down, time steps left to right) or ``"LR"`` (data
            flows right, steps stacked; there graphviz may swap a folded loop's steps).
        legend: add a box that explains the colours.
        grad_measure: what the colour of ``show_grads`` measures: ``"rms"`` (the typical
            entry, the default: a big tensor is not darker for having many entries) or
            ``"norm"`` (||grad|| itself).

    Returns:
        a `graphviz.Digraph`: it shows itself in Jupyter; ``.render()`` / ``.pipe()`` it
        (SVG unless you say otherwise), or use `minitorch_rnn.viz.render`. All of them draw
        with system Graphviz or graphviz-pure (``program.py``).
    """
    if isinstance(root, Compiled):
        graph = fold_steps(draw_compiled(root, params), max_steps)
    else:
        graph = fold_steps(trace(root, params, expand_compiled), max_steps)
    ops = graph.of_kind(OP)
    if show_values and not any(n.value is not None for n in ops):
        warnings.warn(
            "show_values: the ops kept no values; run the forward pass inside "
            "`with mt.autograd.retain_values():` to see them",
            stacklevel=2,
        )
    norms = {n.id: grad_norm(n) for n in graph.nodes} if show_grads else {}
    if show_grads and not any(norms[n.id] is not None for n in ops):
        warnings.warn(
            "show_grads: the ops kept no gradients; run backward inside "
            "`with mt.autograd.retain_grads():` to see them",
            stacklevel=2,
        )
    if grad_measure not in ("rms", "norm"):
        raise ValueError(f"grad_measure must be 'rms' or 'norm', got {grad_measure!r}")
    rms: dict[str, Optional[float]] = {}
    if grad_measure == "rms":
        rms = {n.id: grad_rms(n, norms[n.id]) for n in graph.nodes if n.id in norms}
    sizes = rms if grad_measure == "rms" else norms
    scale = LogScale([v for v in sizes.values() if v is not None])

    dot = digraph_class()(
        "minitorch_rnn",
        format="svg",  # graphviz's default, PDF, needs system Graphviz
        graph_attr={
            "rankdir": rankdir,
            "fontname": "Helvetica",
            "fontsize": "12",
            "nodesep": "0.25",
            "ranksep": "0.3",
            "newrank": "true",  # rank nodes across clusters, so sibling steps line up
            "splines": "line",  # straight arrows are the easiest to follow with a finger
            "compound": "true",  # arrows may end at a box (a fold) instead of a node
            "outputorder": "edgesfirst",  # an arrow that crosses a node passes under it
        },
        node_attr={"fontname": "Helvetica", "fontsize": "10", "height": "0.3"},
        edge_attr={"color": "#555555", "arrowsize": "0.6", "fontname": "Helvetica"},
    )
    drawing = _Drawing(graph, show_values, norms, scale, rankdir, rms)
    drawing.draw_scope(dot, ())
    drawing.draw_edges(dot)
    if legend:
        draw_legend(dot, scale if show_grads else None, bool(drawing.first), grad_measure)
    return dot


class _Drawing:
    """Turns a traced `Graph` into clusters, nodes and edges of a Digraph."""

    def __init__(
        self,
        graph: Graph,
        show_values: bool,
        norms: dict[str, Any],
        scale: LogScale,
        rankdir: str,
        rms: dict[str, Any],
    ) -> None:
        self.graph = graph
        self.rms = rms
        self.down = rankdir in ("TB", "BT")  # data flows down: steps side by side
        self.show_values = show_values
        self.norms = norms
        self.scale = scale
        self.nodes = {n.id: n for n in graph.nodes}
        # Each scope's nodes and child scopes, found in one pass so that drawing stays linear
        # in the size of the graph (a T=800 bidirectional RNN has ~800 scopes).
        self.exactly: dict[tuple[str, ...], list[Node]] = {}  # nodes whose scope is this one
        self.under: dict[tuple[str, ...], list[Node]] = {}  # nodes in this scope or below it
        self.child_scopes: dict[tuple[str, ...], dict[tuple[str, ...], None]] = {}
        for n in graph.nodes:
            self.exactly.setdefault(n.scope, []).append(n)
            for depth in range(len(n.scope) + 1):
                self.under.setdefault(n.scope[:depth], []).append(n)
                if depth < len(n.scope):  # (a dict keeps the order of first use)
                    self.child_scopes.setdefault(n.scope[:depth], {})[n.scope[: depth + 1]] = None
        self.rows = step_rows(graph)  # row of each node inside its time step
        self.order_point: dict[str, str] = {}  # a step's first node -> the point above it
        # A fold box is drawn the shape of a step: one row per row of a step, so that each
        # arrow enters it where it would enter a step (graphviz then keeps it in line).
        self.fold_rows = {n.id: 1 for n in graph.nodes if n.kind == FOLD}
        for e in graph.edges:
            for end, row in ((e.src, e.src_row), (e.dst, e.dst_row)):
                if end in self.fold_rows:
                    self.fold_rows[end] = max(self.fold_rows[end], row + 1)
        # where each step starts: its first node
        self.first: dict[Step, str] = {}
        for n in graph.nodes:
            key = position(n)
            if key is not None and key not in self.first:
                self.first[key] = self.endpoint(n.id, 0)

    def endpoint(self, node_id: str, row: int) -> str:
        """The graphviz node for `node_id`; for a fold box, the one on row `row`."""
        rows = self.fold_rows.get(node_id)
        if rows is None or row == (rows - 1) // 2:  # the visible node sits on the middle row
            return node_id
        return f"{node_id}_row{row}"

    # ---- clusters ------------------------------------------------------------------------
    def draw_scope(self, dot: Any, scope: tuple[str, ...]) -> None:
        """The nodes whose scope is exactly `scope`, then a box for each scope inside it."""
        for n in self.exactly.get(scope, ()):
            if n.kind != FOLD:
                dot.node(n.id, **self.attrs(n))
        boxes, steps = self.children(scope)
        for box in boxes:
            self.draw_box(dot, box, is_step=False)
        for _, step in steps:
            if isinstance(step, Node):
                self.draw_fold(dot, step)
            else:
                self.draw_box(dot, step, is_step=True)
        if len(steps) > 1:  # time steps left to right, in order of t
            firsts = [self.first[scope, t] for t, _ in steps]
            self.keep_in_order(dot, firsts)
        # Boxes that do not use each other's results side by side, in order of creation
        # (layer 0, layer 0 reverse). One that uses another's results is drawn below it anyway.
        rows = self.side_by_side(boxes)
        for row in rows:
            if len(row) > 1:
                self.keep_in_order(dot, [self.first_in(box) for box in row])
        for above, below in zip(rows, rows[1:]):
            if self.down and len(above) == len(below) == 1:  # one box straight under another
                last = self.inside(above[0])[-1].id
                dot.edge(last, self.first_in(below[0]), style="invis", weight="10", tailport="sw")

    def children(self, scope: tuple[str, ...]) -> tuple[list[tuple[str, ...]], list[Any]]:
        """The scopes one level below `scope`: other scopes in order of first use, and the
        time steps as ``(t, scope)`` by t, with a fold node as ``(its first t, node)``."""
        children = list(self.child_scopes.get(scope, ()))
        boxes: list[tuple[str, ...]] = []
        steps: list[Any] = []
        for child in children:
            found = step_of(child)
            if found is not None and found[0] == scope:
                steps.append((found[1], child))
            else:
                boxes.append(child)
        steps += [(n.folded[0], n) for n in self.exactly.get(scope, ()) if n.folded]
        return boxes, sorted(steps, key=lambda step: step[0])

    def draw_box(self, dot: Any, scope: tuple[str, ...], is_step: bool) -> None:
        with dot.subgraph(name="cluster_" + "/".join(scope)) as box:
            box.attr(
                label=scope[-1],
                labeljust="l",
                style="rounded,filled" if is_step else "rounded",
                fillcolor="#fbfbfb" if is_step else "#ffffff",
                color="#9aa7b8" if is_step else "#4a5a70",
                penwidth="1" if is_step else "1.5",
                fontsize="11" if is_step else "13",
            )
            self.draw_scope(box, scope)

    def draw_fold(self, dot: Any, fold: Node) -> None:
        with dot.subgraph(name=f"cluster_{fold.id}") as box:
            box.attr(label=fold.detail, labeljust="l", style="rounded,dashed", color="#9aa7b8")
            box.attr(fontsize="11")
            rows = [self.endpoint(fold.id, row) for row in range(self.fold_rows[fold.id])]
            for name in rows:
                box.node(name, **(self.attrs(fold) if name == fold.id else INVISIBLE))
            for a, b in zip(rows, rows[1:]):
                box.edge(a, b, style="invis")

    def side_by_side(self, boxes: list[tuple[str, ...]]) -> list[list[tuple[str, ...]]]:
        """Split sibling scopes into runs where none uses an earlier one's result."""
        if len(boxes) < 2:
            return [[box] for box in boxes]
        box_of = {n.id: i for i, b in enumerate(boxes) for n in self.inside(b)}
        reach = {node: {i} for node, i in box_of.items()}  # the boxes whose results lead here
        for e in self.graph.edges:  # forward order: a source is complete before its users
            reach.setdefault(e.dst, set()).update(reach.get(e.src, set()))
        rows: list[list[int]] = []
        for i, box in enumerate(boxes):
            uses = set().union(*(reach[n.id] for n in self.inside(box)))
            if rows and not uses & set(rows[-1]):
                rows[-1].append(i)
            else:
                rows.append([i])
        return [[boxes[i] for i in row] for row in rows]

    def inside(self, scope: tuple[str, ...]) -> list[Node]:
        return self.under.get(scope, [])

    def first_in(self, scope: tuple[str, ...]) -> str:
        return self.endpoint(self.inside(scope)[0].id, 0)

    def attrs(self, node: Node) -> dict:
        rms = self.rms.get(node.id)
        return node_attrs(node, self.show_values, self.norms.get(node.id), self.scale, rms)

    # ---- edges ---------------------------------------------------------------------------
    def draw_edges(self, dot: Any) -> None:
        # the hidden state leaves a step on the side that faces the next step
        after, before = ("e", "w") if self.down else ("s", "n")
        for e in self.graph.edges:
            src, dst = self.nodes[e.src], self.nodes[e.dst]
            attrs: dict[str, str] = {}
            if len(src.shapes) > 1 and e.output_nr >= 0:
                # which of the outputs (an unbind's slices) goes here; a label graphviz makes
                # room for (a head label would sit on the step's title and read "t=[1]")
                attrs.update(label=f"[{e.output_nr}]", fontsize="9")
            if src.kind == PARAMETER:
                attrs["color"] = WEIGHT_EDGE
            if src.kind == DATA:  # x, h0: no gradient goes back along this arrow
                attrs.update(style="dashed", color=DATA_EDGE)
                if e.note:  # "[0]": the slice h0[0]; "view (15, 10)"
                    attrs.update(label=e.note, fontsize="9", fontcolor=DATA_EDGE)
            a, b = position(src), position(dst)
            row = e.dst_row if dst.kind == FOLD else self.rows.get(e.dst, 0)
            if a and b and a[0] == b[0] and a[1] != b[1]:
                # One step feeding another (the hidden state): drawn sideways, so that it does
                # not push the later step further down: the steps of a loop sit side by side.
                tail, head = (after, before) if a[1] < b[1] else (before, after)
                attrs.update(
                    constraint="false",
                    color=RECURRENT_EDGE,
                    penwidth="1.5",
                    tailport=tail,
                    headport=head,
                )
            elif b and (a is None or a[0] != b[0]) and row > 0:
                # From outside into the middle of a step: keep the source above the whole step.
                attrs["minlen"] = str(row + 1)
            elif src.kind == OP and dst.scope and src.scope[: len(dst.scope)] != dst.scope:
                # Into a box from outside (layer 1 reading layer 0's Stack): keep the arrow
                # straight, so that it does not run under one of the box's weights and seem
                # to feed it (a heavy edge is one graphviz keeps short and straight).
                attrs["weight"] = "10"
            if src.kind == FOLD:  # arrows end at the fold's box, not at its invisible rows
                attrs["ltail"] = f"cluster_{src.id}"
            if dst.kind == FOLD:
                attrs["lhead"] = f"cluster_{dst.id}"
            tail, head = self.endpoint(e.src, e.src_row), self.endpoint(e.dst, e.dst_row)
            if src.kind == DATA and head in self.order_point:
                # h0 into the first step: through the point that keeps the steps in order, so
                # that the data box sits above its step and leaves the order of steps alone
                dot.edge(tail, self.order_point[head], arrowhead="none", **attrs)
                attrs.pop("label", None)
                tail = self.order_point[head]
            dot.edge(tail, head, **attrs)

    def keep_in_order(self, dot: Any, targets: list[str]) -> None:
        """Ask graphviz to put the boxes that start at `targets` in this order: left to right
        (top to bottom for ``rankdir="LR"``).

        Graphviz orders boxes to avoid crossings, not by name. Two hints make "in order" its
        choice: a row of invisible points, chained in order, one above each box with an arrow
        into it (any other order crosses those arrows), and one more point with an arrow into
        each box and ``ordering="out"`` (keep my arrows in the order they are written).
        (Boxes of one shape follow them reliably; that is why a fold box is drawn the shape of
        a step.)
        """
        points = [f"order_{targets[0]}_{i}" for i in range(len(targets))]
        self.order_point.update(zip(targets, points))
        in_rank_order = targets if self.down else targets[::-1]  # "LR" fills a rank bottom up
        chain = points if self.down else points[::-1]
        with dot.subgraph() as row:
            row.attr(rank="same")
            for point in points:
                row.node(point, **INVISIBLE)
            for a, b in zip(chain, chain[1:]):
                row.edge(a, b, style="invis")
        for point, target in zip(points, targets):
            dot.edge(point, target, style="invis", weight="10")
        hub = f"order_{targets[0]}"
        dot.node(hub, ordering="out", **INVISIBLE)
        for target in in_rank_order:
            dot.edge(hub, target, style="invis")
