"""Exercise 3, solved: a topological order by counting uses, then the walk (see stub.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional

import numpy as np

BackwardFn = Callable[[np.ndarray], tuple[np.ndarray, ...]]


class Node:
    """A value on the tape: an array, the nodes it came from, and how to send a gradient back."""

    def __init__(
        self,
        value: Any,
        inputs: tuple[Node, ...] = (),
        backward_fn: Optional[BackwardFn] = None,
        op: str = "leaf",
    ) -> None:
        self.value = np.asarray(value, dtype=np.float64)
        self.inputs = inputs
        self.backward_fn = backward_fn  # None for a leaf: nobody to send a gradient to
        self.op = op
        self.grad: Optional[np.ndarray] = None  # d(root)/d(this node), after backward(root)

    def __repr__(self) -> str:
        return f"Node({self.op}, shape {self.value.shape})"


# ---- the ops: forward, and backward beside it (written for you) --------------------------------
def add(a: Node, b: Node) -> Node:
    """a + b (same shapes);  d/da = 1, d/db = 1."""
    return Node(a.value + b.value, (a, b), lambda g: (g, g), "add")


def mul(a: Node, b: Node) -> Node:
    """a * b elementwise (same shapes);  d/da = b, d/db = a."""
    return Node(a.value * b.value, (a, b), lambda g: (g * b.value, g * a.value), "mul")


def tanh(a: Node) -> Node:
    """tanh(a);  d/da = 1 - tanh(a)^2, written with the output y."""
    y = np.tanh(a.value)
    return Node(y, (a,), lambda g: (g * (1 - y * y),), "tanh")


def matmul(a: Node, b: Node) -> Node:
    """a @ b for matrices (n, k) @ (k, m);  d/da = g @ b^T, d/db = a^T @ g."""
    return Node(a.value @ b.value, (a, b), lambda g: (g @ b.value.T, a.value.T @ g), "matmul")


def total(a: Node) -> Node:
    """The sum of all entries (a 0-d array);  d/da = 1 everywhere."""
    return Node(a.value.sum(), (a,), lambda g: (np.full(a.value.shape, g),), "total")


# ---- the walk ----------------------------------------------------------------------------------
def topological_order(root: Node) -> list[Node]:
    """Every node reachable from `root` through `inputs`, once each, each before its inputs."""
    uses: dict[Node, int] = {}  # node -> how many times nodes reachable from root use it
    seen, stack = {root}, [root]
    while stack:
        for inp in stack.pop().inputs:
            uses[inp] = uses.get(inp, 0) + 1
            if inp not in seen:
                seen.add(inp)
                stack.append(inp)
    order: list[Node] = []
    ready = [root]
    while ready:  # a node is ready once every node that used it is in the order
        node = ready.pop()
        order.append(node)
        for inp in node.inputs:
            uses[inp] -= 1
            if uses[inp] == 0:
                ready.append(inp)
    return order


def backward(root: Node) -> None:
    """Set `.grad` of every node reachable from `root` to d(root)/d(node)."""
    root.grad = np.ones_like(root.value)
    for node in topological_order(root):
        if node.backward_fn is None:
            continue  # a leaf: its .grad is complete, and the answer
        assert node.grad is not None, f"{node} got no gradient: the order is wrong"
        for inp, g in zip(node.inputs, node.backward_fn(node.grad)):
            inp.grad = g if inp.grad is None else inp.grad + g
