"""Exercise 3 -- the backward pass over a tape: the right order, and gradients that add up.

Every op below records a `Node` on the tape: its value, the nodes it was computed from
(`inputs`) and `backward_fn`, which turns the gradient of the node into one gradient per
input (the chain rule, done locally). What is left is the walk that strings them together:

1. `topological_order(root)`: every node `root` was computed from, each *before* the nodes it
   was computed from -- so when the walk reaches a node, every node that used it has already
   sent its share of the gradient. Do it with loops, not recursion: an RNN over 5,000 steps
   is a chain 5,000 nodes deep, and Python's recursion stops at about 1,000.
2. `backward(root)`: root.grad = 1 (d root / d root), then in that order give each node's
   gradient to its `backward_fn` and send the results down to the inputs. A node used twice
   (mul(x, x)) receives two gradients: *add* them. Leaves keep their total in `.grad`.

minitorch_rnn's own walk is `autograd/plain.py` (it orders nodes by when they were created);
here you find the order from the graph alone.

Check your work:  python -m minitorch_rnn.exercises check DIR tape
"""

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


# ---- your part ---------------------------------------------------------------------------------
def topological_order(root: Node) -> list[Node]:
    """Every node reachable from `root` through `inputs`, once each, each before its inputs."""
    # Hint: first count, for every node, how many times it is used (a loop over a stack of
    # nodes still to visit). Then start from the root: a node is ready when all its uses have
    # been visited. (Or: a depth-first search with your own stack, output reversed.)
    raise NotImplementedError


def backward(root: Node) -> None:
    """Set `.grad` of every node reachable from `root` to d(root)/d(node)."""
    # Hint: `inp.grad = g if inp.grad is None else inp.grad + g` sends g to one input.
    raise NotImplementedError
