"""`contributions(root, inputs)`: the terms that add up to each input's gradient.

A weight used at every time step of an RNN gets one term per step, and its ``.grad`` is their
sum -- the heart of backpropagation through time. This runs a plain backward pass
(plain.py) and writes down every gradient sent towards each input, in the order backward sends
them. A term that reaches the input through view ops (``W_hh.T``, a reshape) is mapped back
through them at once, so each term has the input's shape and names the node that produced it.

    terms = mt.autograd.contributions(loss, [rnn.weight_hh_l0])[0]
    for scope, name, g in terms:   # ("layer 0", "t=4"), "AddmmBackward0", (20, 20) array
        ...
    sum(g for _, _, g in terms)    # == autograd.grad(loss, [rnn.weight_hh_l0])[0]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .deferred import DeferredGrad

if TYPE_CHECKING:
    from .._tensor import Tensor


class Term(NamedTuple):
    """One gradient sent towards an input: where it came from, and its value (input's shape)."""

    scope: tuple[str, ...]
    node: str
    grad: np.ndarray


def contributions(root: Tensor, inputs: Sequence[Tensor]) -> list[list[Term]]:
    """For each of `inputs`, the terms of its gradient (a scalar `root`), in backward's order.

    Nothing is written to ``.grad`` and the graph is kept (``retain_graph=True``)."""
    from . import plain  # (at call time: these import the Tensor, which imports autograd)

    if root.numel() != 1:
        raise RuntimeError("grad can be implicitly created only for scalar outputs")
    found: list[list[Term]] = [[] for _ in inputs]
    observe = term_observer(inputs, lambda i, term: found[i].append(term))
    seed = np.ones_like(root._data)
    plain.run_backward([root], [seed], retain_graph=True, inputs=list(inputs), observe=observe)
    return found


def term_observer(
    inputs: Sequence[Tensor], on_term: Callable[[int, Term], None]
) -> Callable[[Any, Any, Any], None]:
    """An ``observe`` callback for `plain.run_backward`: ``on_term(i, term)`` for every term
    that reaches ``inputs[i]`` (the step-through page uses it too, on a real backward pass)."""
    from .function import Function

    index = {id(t): i for i, t in enumerate(inputs)}

    def chain_to_input(target: Any) -> Any:
        """Follow view nodes down to an input: (input position, [view nodes]), or None."""
        views: list[Function] = []
        while isinstance(target, Function):
            if not target.is_view or target.next_edges[0] is None:
                return None
            views.append(target)
            target = target.next_edges[0][0]
        if id(target) not in index:
            return None
        return index[id(target)], views

    def observe(source: Any, target: Any, grad: Any) -> None:
        if isinstance(source, Function) and source.is_view and chain_to_input(source):
            return  # a view passing a sum on: its terms were counted as they arrived
        path = chain_to_input(target)
        if path is None:
            return
        i, views = path
        g = grad.resolve() if isinstance(grad, DeferredGrad) else grad
        for view in views:  # map the term back through each view, as that view's backward does
            g = view.backward(view, g)
            g = g.resolve() if isinstance(g, DeferredGrad) else g
        name = source.name() if isinstance(source, Function) else str(source)
        scope = source.scope if isinstance(source, Function) else ()
        on_term(i, Term(scope, name, np.array(g)))

    return observe
