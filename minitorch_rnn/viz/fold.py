"""Folding: keep a long unrolled loop on one page by hiding its middle time steps.

The convention, which `nn.RNN` follows and your own loops can follow too: wrap each time step
in ``mt.autograd.scope(f"t={t}")`` (the tag is exactly ``t=`` and an integer). Steps that
share the same enclosing scope (say ``("layer 0",)``) form one loop. When a loop has more
than `max_steps` steps, the first ``ceil(max_steps / 2)`` and the last ``max_steps // 2``
stay, and everything inside the steps in between becomes one "... N more steps ..." node.
Arrows that went into or out of a hidden step now go into or out of that node (once each),
so a shared weight still has one arrow into "the rest" and the hidden state still flows
through it from the last shown step on the left to the first shown step on the right.
"""

from __future__ import annotations

import re
from typing import Optional

from .trace import FOLD, Edge, Graph, Node

STEP_TAG = re.compile(r"t=(\d+)")


def step_of(scope: tuple[str, ...]) -> Optional[tuple[tuple[str, ...], int]]:
    """``("layer 0", "t=3", ...)`` -> ``(("layer 0",), 3)``: the loop and the step; else None."""
    for i, tag in enumerate(scope):
        match = STEP_TAG.fullmatch(tag)
        if match:
            return scope[:i], int(match.group(1))
    return None


def position(node: Node) -> Optional[tuple[tuple[str, ...], int]]:
    """Like `step_of`, for any node: its loop and step (a fold node: its first hidden step)."""
    if node.folded:
        return node.scope, node.folded[0]
    return step_of(node.scope)


def fold_steps(graph: Graph, max_steps: Optional[int]) -> Graph:
    """A new graph in which every loop longer than `max_steps` shows only its ends."""
    if max_steps is None:
        return graph
    if max_steps < 2:
        raise ValueError(f"max_steps must be at least 2 (a first and a last step), got {max_steps}")

    # Which steps does each loop have?
    loops: dict[tuple[str, ...], set[int]] = {}
    for n in graph.nodes:
        found = step_of(n.scope)
        if found:
            loops.setdefault(found[0], set()).add(found[1])

    # For each long loop, the steps to hide and the node that stands for them.
    hidden: dict[tuple[str, ...], tuple[set[int], Node]] = {}
    for loop, steps in loops.items():
        if len(steps) <= max_steps:
            continue
        ordered = sorted(steps)
        first, last = (max_steps + 1) // 2, max_steps // 2
        middle = ordered[first : len(ordered) - last]
        fold = Node(
            f"fold{len(hidden)}",
            FOLD,
            f"... {len(middle)} more steps ...",
            (),
            scope=loop,
            detail=f"t={middle[0]} ... t={middle[-1]}",
            folded=tuple(middle),
        )
        hidden[loop] = (set(middle), fold)
    if not hidden:
        return graph

    # Nodes of hidden steps are replaced by their loop's fold node (where the first one was).
    replaced_by: dict[str, str] = {}
    nodes: list[Node] = []
    for n in graph.nodes:
        found = step_of(n.scope)
        if found and found[0] in hidden and found[1] in hidden[found[0]][0]:
            fold = hidden[found[0]][1]
            if fold.id not in replaced_by.values():
                nodes.append(fold)
            replaced_by[n.id] = fold.id
        else:
            nodes.append(n)

    # Re-point arrows; drop those now inside one fold node, and merge repeats. An arrow keeps
    # the row of the step it entered or left, so the fold can be drawn the shape of a step.
    row = step_rows(graph)
    edges: dict[tuple[str, str, int, int], Edge] = {}
    for e in graph.edges:
        src, dst = replaced_by.get(e.src, e.src), replaced_by.get(e.dst, e.dst)
        if src == dst:
            continue
        src_row = row.get(e.src, 0) if src != e.src else 0
        dst_row = row.get(e.dst, 0) if dst != e.dst else 0
        key = (src, dst, src_row, dst_row)
        if key not in edges:
            edges[key] = Edge(src, dst, e.output_nr, src_row, dst_row, e.note)
        elif edges[key].output_nr != e.output_nr:
            edges[key].output_nr = -1  # several outputs, e.g. the slices of an unbind
    return Graph(nodes, list(edges.values()))


def step_rows(graph: Graph) -> dict[str, int]:
    """For nodes inside a time step: how many arrows inside that step lead to it (its row)."""
    step = {n.id: position(n) for n in graph.nodes}
    rows: dict[str, int] = {}
    for e in graph.edges:  # in forward order, so a source's row is known before its users'
        if step[e.dst] is not None and step[e.src] == step[e.dst]:
            rows[e.dst] = max(rows.get(e.dst, 0), rows.get(e.src, 0) + 1)
    return rows
