"""Gradients of every op against finite differences, plus broadcasting properties.

`mt.autograd.gradcheck` nudges each input entry by ±eps and compares the change in the
output with what backward says. It needs no torch, and it catches a wrong derivative
even where torch is not around to compare with.

The hypothesis tests then throw many broadcast-compatible shape pairs at the binary ops and
at batched matmul: the gradient must be right *and* come back in exactly the input's shape
(the job of `unbroadcast`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from op_table import SMOOTH_CASES, OpCase, Shape, case_rng, draw_values, first_output, make_inputs

import minitorch_rnn as mt


def float64_inputs(arrays: list[np.ndarray]) -> tuple[Any, ...]:
    return tuple(mt.tensor(a, dtype=mt.float64, requires_grad=True) for a in arrays)


@pytest.mark.parametrize("case", SMOOTH_CASES, ids=[case.name for case in SMOOTH_CASES])
def test_gradcheck(case: OpCase) -> None:
    # Cases on kinks (smooth=False) are left out: there the gradient is a convention.
    inputs = float64_inputs(make_inputs(case, case_rng(case.name, salt=3)))
    assert mt.autograd.gradcheck(lambda *xs: first_output(case.fn(mt, *xs)), inputs)


# ---------------------------------------------------------------------------------------
# Hypothesis: broadcasting
# ---------------------------------------------------------------------------------------


@st.composite
def broadcastable_shapes(
    draw: st.DrawFn, max_dims: int = 3, max_side: int = 4
) -> tuple[Shape, Shape]:
    """Two shapes that broadcast together, e.g. ((3, 1, 4), (2, 4)) -> (3, 2, 4).

    Start from the result's shape; each input keeps some of its trailing dims and turns
    any of them into 1 -- exactly the two ways broadcasting lets shapes differ.
    """
    full = draw(st.lists(st.integers(1, max_side), max_size=max_dims))

    def one_input() -> Shape:
        ndim = draw(st.integers(0, len(full)))
        trailing = full[len(full) - ndim :]
        return tuple(1 if draw(st.booleans()) else n for n in trailing)

    return one_input(), one_input()


@st.composite
def batched_matmul_shapes(draw: st.DrawFn) -> tuple[Shape, Shape]:
    """(*batch_a, n, k) and (*batch_b, k, m) with broadcast-compatible batch dims."""
    batch_a, batch_b = draw(broadcastable_shapes(max_dims=2, max_side=3))
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    return (*batch_a, n, k), (*batch_b, k, m)


BINARY_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
}

seeds = st.integers(0, 2**32 - 1)  # numpy draws the values: hypothesis picks the shapes


def check_gradients(
    fn: Callable[..., Any], shapes: tuple[Shape, Shape], domains: tuple[str, str], seed: int
) -> None:
    """gradcheck `fn`, then check each gradient has exactly its input's shape."""
    rng = np.random.default_rng(seed)
    inputs = float64_inputs([draw_values(d, s, rng) for d, s in zip(domains, shapes)])
    assert mt.autograd.gradcheck(fn, inputs)

    fn(*inputs).sum().backward()
    for x, shape in zip(inputs, shapes):
        assert x.grad.numpy().shape == shape, (
            f"gradient of a {shape} input has shape {x.grad.numpy().shape}"
        )


@pytest.mark.parametrize("op", list(BINARY_OPS))
@settings(max_examples=25, deadline=None)
@given(shapes=broadcastable_shapes(), seed=seeds)
def test_binary_op_broadcasting(op: str, shapes: tuple[Shape, Shape], seed: int) -> None:
    domains = ("any", "positive") if op == "div" else ("any", "any")
    check_gradients(BINARY_OPS[op], shapes, domains, seed)


@settings(max_examples=25, deadline=None)
@given(shapes=batched_matmul_shapes(), seed=seeds)
def test_batched_matmul_broadcasting(shapes: tuple[Shape, Shape], seed: int) -> None:
    check_gradients(lambda a, b: a @ b, shapes, ("any", "any"), seed)


# The ops that choose between two broadcast inputs: each gradient must come back summed to its
# own input's shape, whichever input was chosen where (values are continuous: no ties).
SELECTING_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "maximum": lambda a, b: mt.maximum(a, b),
    "minimum": lambda a, b: b.minimum(a),
    "where": lambda a, b: mt.where(a > b, a * 2, b),
    "clamp_tensor_min": lambda a, b: a.clamp(min=b),
    "clamp_tensor_max": lambda a, b: mt.clamp(a, max=b),
    "pow_tensor": lambda a, b: a**b,
}


@pytest.mark.parametrize("op", list(SELECTING_OPS))
@settings(max_examples=20, deadline=None)
@given(shapes=broadcastable_shapes(), seed=seeds)
def test_selecting_op_broadcasting(op: str, shapes: tuple[Shape, Shape], seed: int) -> None:
    domains = ("positive", "any") if op == "pow_tensor" else ("any", "any")
    check_gradients(SELECTING_OPS[op], shapes, domains, seed)
