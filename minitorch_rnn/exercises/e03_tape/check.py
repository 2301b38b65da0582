"""Checks for exercise 3: the order's two promises, on small graphs and a 3,000-step chain, and
every gradient against finite differences of the same function in plain NumPy."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType, SimpleNamespace
from typing import Any

import numpy as np

from .._harness import Failure, expect_close, numerical_gradient

NUMPY_OPS = SimpleNamespace(
    add=np.add, mul=np.multiply, tanh=np.tanh, matmul=np.matmul, total=np.sum
)


# Graphs as functions of `ops`: NumPy's (the truth) or the exercise's (building a tape).
def neuron(o: Any, x: Any, w: Any) -> Any:  # every op; h used three times
    h = o.tanh(o.matmul(x, w))
    return o.total(o.add(o.mul(h, h), h))


def diamond(o: Any, x: Any, w: Any) -> Any:  # x used by mul twice over, and again by add
    b = o.add(x, x)
    c = o.mul(b, x)
    return o.total(o.mul(o.add(c, b), o.tanh(o.matmul(w, c))))


def two_paths(o: Any, x: Any, w: Any) -> Any:  # w reaches the root by a short and a long path
    long = o.tanh(o.tanh(o.matmul(x, w)))
    return o.mul(o.total(o.mul(long, long)), o.total(o.mul(w, w)))


GRAPHS: list[tuple[str, Callable[..., Any], tuple[tuple[int, int], tuple[int, int]]]] = [
    ("total(h*h + h) with h = tanh(x @ w)", neuron, ((2, 3), (3, 4))),
    ("a diamond where x is used five times", diamond, ((3, 3), (3, 3))),
    ("w by a short and a long path", two_paths, ((2, 3), (3, 3))),
]


def reachable(root: Any) -> set[Any]:
    seen, stack = {root}, [root]
    while stack:
        for inp in stack.pop().inputs:
            if inp not in seen:
                seen.add(inp)
                stack.append(inp)
    return seen


def check_order(m: ModuleType, root: Any, what: str) -> None:
    order = m.topological_order(root)
    if not isinstance(order, (list, tuple)):
        raise Failure(
            f"topological_order should return a list of nodes, got {type(order).__name__}"
        )
    position: dict[Any, int] = {}
    for i, node in enumerate(order):
        if node in position:
            raise Failure(
                f"topological_order of {what}: {node.op} node appears twice "
                f"(positions {position[node]} and {i}); list each node once"
            )
        position[node] = i
    expected = reachable(root)
    missing = [n for n in expected if n not in position]
    extra = [n for n in position if n not in expected]
    if missing or extra:
        raise Failure(
            f"topological_order of {what} lists {len(order)} nodes, the graph has {len(expected)}"
            + (f"; missing: {', '.join(sorted(n.op for n in missing))}" if missing else "")
            + (f"; not in the graph: {len(extra)}" if extra else "")
        )
    for node in order:
        for inp in node.inputs:
            if position[inp] < position[node]:
                raise Failure(
                    f"topological_order of {what}: {inp.op} (position {position[inp]}) comes "
                    f"before {node.op} (position {position[node]}), which was computed from it "
                    f"-- its gradient would be passed on before {node.op} sent its share"
                )


def count_calls(root: Any) -> dict[Any, list[int]]:
    """Wrap every node's backward_fn so that calls are counted."""
    calls: dict[Any, list[int]] = {}
    for node in reachable(root):
        if node.backward_fn is not None:
            calls[node] = counter = [0]

            def counted(g: Any, fn: Any = node.backward_fn, counter: list[int] = counter) -> Any:
                counter[0] += 1
                return fn(g)

            node.backward_fn = counted
    return calls


def run(m: ModuleType) -> str:
    rng = np.random.default_rng(3)
    for what, graph, shapes in GRAPHS:
        arrays = [rng.normal(size=s) * 0.8 for s in shapes]
        leaves = [m.Node(a.copy()) for a in arrays]
        root = graph(m, *leaves)
        expect_close(f"the value of {what}", root.value, graph(NUMPY_OPS, *arrays), rtol=1e-12)
        check_order(m, root, what)
        calls = count_calls(root)
        m.backward(root)
        for node, (n,) in calls.items():
            if n != 1:
                raise Failure(
                    f"backward of {what} called the backward_fn of a {node.op} node {n} times: "
                    "call each once, when all of its gradient has arrived"
                )
        for k, (leaf, name) in enumerate(zip(leaves, "xw")):

            def f(a: np.ndarray, k: int = k, arrays: list = arrays, graph: Any = graph) -> float:
                args = [a if j == k else arrays[j] for j in range(2)]
                return float(graph(NUMPY_OPS, *args))

            true = numerical_gradient(f, arrays[k].copy())
            if leaf.grad is None:
                raise Failure(f"after backward of {what}, leaf {name}.grad is still None")
            expect_close(
                f"d/d{name} of {what}: your {name}.grad",
                leaf.grad,
                true,
                rtol=1e-6,
                atol=1e-8,
                source="finite differences give",
            )

    # a chain as deep as a long RNN: recursion would stop at about 1,000
    x = m.Node(np.array([0.3, -0.7]))
    node, depth = x, 3000
    for _ in range(depth):
        node = m.tanh(node)
    check_order(m, node, f"a chain of {depth} tanh")
    m.backward(node)
    h, grad = np.array([0.3, -0.7]), np.ones(2)
    for _ in range(depth):
        h = np.tanh(h)
        grad = grad * (1 - h * h)
    expect_close(f"x.grad through {depth} tanh", x.grad, grad, rtol=1e-9, atol=1e-300)
    return ""
