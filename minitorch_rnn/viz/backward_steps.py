"""`record_backward(root)`: a real backward pass, written down one node at a time.

The step-through page (``step_through.py``) shows what this records. Like `trace`, it is plain
data, testable without graphviz or a browser. It watches a plain backward pass
(autograd/plain.py) through its ``observe`` callback, which sees every gradient sent, and
writes down

* for each node, in the order backward visits them (newest first): the gradient that arrived
  at its outputs, and what it sent along each edge;
* for each leaf, the *terms* of its gradient as they arrive, mapped back through the views that
  lead to it (the observer of `autograd.contributions`): ``weight_hh_l0`` gets one term per
  time step (through ``W_hh^T``, a Permute), ``weight_ih_l0`` -- used once, by one matmul over
  all steps -- gets one.

The watched pass writes nothing (as ``autograd.grad`` does); then ``root.backward()`` runs for
real, so every leaf's ``.grad`` is exactly what it gives (and hooks run in both passes).
Time steps that the picture folds away (`fold_steps`) are one step here too: their nodes run
one after the other, so the step shows what went into and came out of the whole span.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from .._tensor import Tensor
from ..autograd.contributions import Term, term_observer
from ..autograd.function import Function
from ..autograd.plain import run_backward
from .fold import fold_steps, step_of
from .trace import FOLD, INPUT, OP, PARAMETER, Node, trace

HEAD = 4  # how many entries of a gradient to show


@dataclass
class Summary:
    """A gradient in a few numbers: shape, ‖g‖, RMS (‖g‖ / √numel) and its first entries.
    ``count`` > 1: several gradients of this shape (a folded span), ‖g‖ of them all."""

    shape: tuple[int, ...]
    norm: float
    rms: float
    head: list[float]
    count: int = 1


@dataclass
class Send:
    """A gradient sent along one edge: to a node (``to_id`` is its box in the drawing)."""

    to: str  # "AddmmBackward0 [2]", "weight_hh_l0"
    to_id: str
    where: str  # the target's scope, "layer 0 / t=3"
    grad: Summary
    to_leaf: bool = False
    note: str = ""  # how it counts towards a leaf's gradient, if it does


@dataclass
class LeafTerm:
    """One term of a leaf's gradient: which leaf, from where (``t=3``), and its ‖·‖."""

    leaf: int
    label: str
    norm: float


@dataclass
class Step:
    """One step of the page: one backward node, or the nodes of a folded span of time steps."""

    title: str  # "TanhBackward0", or "… 94 more steps …"
    op: str  # "Tanh" (empty for a fold)
    highlight: str  # the drawing's node (or, for a fold, its box: "cluster_fold0")
    scope: tuple[str, ...]
    derivative: list[str]  # the `Derivative:` lines of the op (of every op in a fold)
    arrived: list[Summary]  # the gradient of each output (a fold: what came in, by sender)
    sends: list[Send]
    terms: list[LeafTerm] = field(default_factory=list)
    nodes: int = 1  # backward nodes in this step
    running: list[float] = field(default_factory=list)  # each leaf's ‖grad so far‖ after it
    heads: list[list[float]] = field(default_factory=list)  # ... and its first entries
    counts: list[int] = field(default_factory=list)  # each leaf's number of terms after it
    arrived_from: list[str] = field(default_factory=list)  # a fold: who sent each of `arrived`


@dataclass
class Recording:
    """What `record_backward` wrote down. ``final``: each leaf's ‖.grad‖ afterwards."""

    steps: list[Step]
    leaves: list[str]
    leaf_shapes: list[tuple[int, ...]]
    leaf_ids: list[str]
    start: list[float]  # ‖.grad‖ before (not 0 when gradients were already accumulating)
    start_heads: list[list[float]]
    final: list[float]
    final_heads: list[list[float]]  # the first entries of each .grad, as Python prints them
    seed: Summary


def record_backward(
    root: Tensor,
    params: Optional[Mapping[str, Tensor]] = None,
    max_steps: Optional[int] = 6,
    retain_graph: bool = False,
) -> Recording:
    """Run ``root.backward()`` (a scalar root) and write down each node it visits."""
    if root.grad_fn is None:
        raise ValueError("step_through needs a tensor computed from something that requires grad")
    if root.numel() != 1:
        raise RuntimeError("grad can be implicitly created only for scalar outputs")
    graph = trace(root, params)  # before backward: the whole tape, with the drawing's ids
    drawn_id = {id(n.of): n.id for n in graph.nodes if n.of is not None}
    labels = {id(n.of): n.label for n in graph.nodes if n.of is not None}
    folds = {"cluster_" + f.id: f for f in fold_steps(graph, max_steps).of_kind(FOLD)}
    for fold in folds.values():  # nodes of hidden steps: their fold's box
        for n in graph.of_kind(OP):
            found = step_of(n.scope)
            if found and found[0] == fold.scope and found[1] in fold.folded:
                drawn_id[id(n.of)] = "cluster_" + fold.id
    leaf_nodes = [n for n in graph.nodes if n.kind in (INPUT, PARAMETER)]
    leaves: list[Tensor] = [n.of for n in leaf_nodes]
    names = [n.label for n in leaf_nodes]
    sums: list[Optional[np.ndarray]] = [
        None if t.grad is None else t.grad._data.copy() for t in leaves
    ]
    counts = [0] * len(leaves)

    visits: list[_Visit] = []
    received: dict[tuple[int, int], np.ndarray] = {}  # (id(node), output nr) -> gradient so far

    def observe(source: Any, target: Any, grad: np.ndarray) -> None:
        if isinstance(source, Function):
            if not visits or visits[-1].node is not source:  # the node's first send
                arrived = [
                    received.pop((id(source), k), None) for k in range(len(source.output_shapes))
                ]
                visits.append(_Visit(source, arrived))
            visit = visits[-1]
            nr = visit.output_nr(target)
        else:
            nr = root._output_nr  # the seed, d root / d root = 1
        if isinstance(target, Function):
            key = (id(target), nr)
            received[key] = grad if key not in received else received[key] + grad
        if not isinstance(source, Function):
            return
        if isinstance(target, Function):
            name = target.name() + (f" [{nr}]" if len(target.output_shapes) > 1 else "")
            where = " / ".join(target.scope)
        else:
            name, where = labels[id(target)], ""
        send = Send(name, drawn_id.get(id(target), ""), where, summarize(grad))
        send.to_leaf = not isinstance(target, Function)
        visit.sends.append(send)
        visit.targets.append(target)
        before = len(visit.terms)
        terms(source, target, grad)
        if len(visit.terms) > before:
            leaf = visit.terms[-1].leaf
            if not send.to_leaf:
                send.note = f"a term of {names[leaf]}.grad, mapped back through the view"
        elif send.to_leaf:
            send.note = "already counted: each term was added as it reached this view"

    def on_term(i: int, term: Term) -> None:
        sums[i] = term.grad.copy() if sums[i] is None else sums[i] + term.grad
        counts[i] += 1
        visits[-1].terms.append(LeafTerm(i, _term_label(term.scope, term.node), _norm(term.grad)))
        visits[-1].running = [_norm(s) if s is not None else 0.0 for s in sums]
        visits[-1].heads = [_head(s) for s in sums]
        visits[-1].counts = list(counts)

    terms = term_observer(leaves, on_term)
    start = [_norm(s) if s is not None else 0.0 for s in sums]
    start_heads = [_head(s) for s in sums]
    seed = np.ones_like(root._data)
    # Watch a plain backward pass that writes nothing (as autograd.grad does), then run the
    # real one: every `.grad` is then exactly what `root.backward()` gives, whichever engine.
    run_backward([root], [seed], retain_graph=True, inputs=leaves, observe=observe)
    root.backward(retain_graph=retain_graph)

    steps = _page_steps(visits, drawn_id, folds, start, start_heads)
    grads = [None if t.grad is None else t.grad._data for t in leaves]
    final = [_norm(g) if g is not None else 0.0 for g in grads]
    return Recording(
        steps,
        names,
        [tuple(t.shape) for t in leaves],
        [n.id for n in leaf_nodes],
        start,
        start_heads,
        final,
        [_head(g) for g in grads],
        summarize(seed),
    )


class _Visit:
    """One node's turn in the backward pass, as the observer saw it."""

    def __init__(self, node: Function, arrived: list[Optional[np.ndarray]]) -> None:
        self.node = node
        self.arrived = [  # (an output that received nothing gets zeros, as backward gives it)
            summarize(np.zeros(shape) if g is None else g)
            for g, shape in zip(arrived, node.output_shapes)
        ]
        self.sends: list[Send] = []
        self.targets: list[Any] = []  # the object each send went to
        self.terms: list[LeafTerm] = []
        self.running: Optional[list[float]] = None  # set when a term arrives
        self.heads: list[list[float]] = []
        self.counts: Optional[list[int]] = None
        self._edge = 0

    def output_nr(self, target: Any) -> int:
        """Which output of `target` this send is for: sends follow ``next_edges`` in order."""
        edges = self.node.next_edges
        while self._edge < len(edges):
            edge = edges[self._edge]
            self._edge += 1
            if edge is not None and edge[0] is target:
                return edge[1]
        return 0


def _page_steps(
    visits: list[_Visit],
    drawn_id: dict[int, str],
    folds: dict[str, Node],
    start: list[float],
    start_heads: list[list[float]],
) -> list[Step]:
    """One step per visit, except that consecutive visits inside one fold become one step."""
    steps: list[Step] = []
    running, heads, counts = start, start_heads, [0] * len(start)
    i = 0
    while i < len(visits):
        box = drawn_id.get(id(visits[i].node), "")
        j = i + 1
        if box in folds:
            while j < len(visits) and drawn_id.get(id(visits[j].node)) == box:
                j += 1
            step = _fold_step(visits[i:j], folds[box], steps)
        else:
            step = _node_step(visits[i], box)
        for v in visits[i:j]:
            step.terms += v.terms
            if v.running is not None and v.counts is not None:
                running, heads, counts = v.running, v.heads, v.counts
        step.running, step.heads, step.counts = running, heads, counts
        steps.append(step)
        i = j
    return steps


def _node_step(visit: _Visit, box: str) -> Step:
    node = visit.node
    return Step(
        node.name(),
        type(node).__name__,
        box,
        tuple(node.scope),
        [derivative_of(type(node))],
        visit.arrived,
        visit.sends,
    )


def _fold_step(visits: list[_Visit], fold: Node, earlier: list[Step]) -> Step:
    """The nodes of a folded span as one step: what came in from outside, what went out."""
    box = "cluster_" + fold.id
    came_in: dict[str, list[Summary]] = {}
    for step in earlier:
        for send in step.sends:
            if send.to_id == box:
                came_in.setdefault(f"from {step.title}", []).append(send.grad)
    inside = {id(v.node) for v in visits}
    went_out: dict[tuple[str, str, bool], list[Summary]] = {}
    for v in visits:
        for send, target in zip(v.sends, v.targets):
            if id(target) not in inside:  # what the span's nodes send each other stays inside
                key = (send.to.split(" [")[0], send.to_id, send.to_leaf)
                went_out.setdefault(key, []).append(send.grad)
    rules: dict[str, str] = {}
    for v in visits:
        rules.setdefault(type(v.node).__name__, derivative_of(type(v.node)))
    return Step(
        fold.label,
        "",
        box,
        (*fold.scope, fold.detail),
        [f"{name}: {rule}" for name, rule in rules.items()],
        [_together(grads) for grads in came_in.values()],
        [
            Send(to, to_id, "", _together(grads), leaf)
            for (to, to_id, leaf), grads in went_out.items()
        ],
        nodes=len(visits),
        arrived_from=list(came_in),
    )


def _together(grads: list[Summary]) -> Summary:
    """Several gradients as one: ‖all of them‖ (the norm of them stacked), count and shape."""
    norm = math.sqrt(sum(g.norm**2 for g in grads))
    numel = sum(int(np.prod(g.shape)) for g in grads)
    return Summary(grads[0].shape, norm, norm / math.sqrt(max(numel, 1)), grads[0].head, len(grads))


def derivative_of(op: type) -> str:
    """The ``Derivative:`` line of an op's docstring (its own, else a parent's), or ''."""
    for klass in op.__mro__:
        for line in (klass.__doc__ or "").splitlines():
            line = line.strip()
            if line.startswith("Derivative:"):
                return line.removeprefix("Derivative:").strip()
    return ""


def summarize(g: Any) -> Summary:
    a = np.asarray(g)
    norm = _norm(a)
    return Summary(tuple(a.shape), norm, norm / math.sqrt(max(a.size, 1)), _head(a))


def _head(a: Optional[np.ndarray]) -> list[float]:
    return [] if a is None else [float(v) for v in a.ravel()[:HEAD]]


def _norm(a: np.ndarray) -> float:
    return float(np.sqrt(np.sum(np.square(a, dtype=np.float64))))


def _term_label(scope: tuple[str, ...], node: str) -> str:
    """Name a term by its time step (``t=3``), else by the node that sent it."""
    found = step_of(scope)
    if found:
        return f"t={found[1]}"
    return node.removesuffix("Backward0")
