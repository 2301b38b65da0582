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


# ---------------------------------------------------------------------------------------
# Hypothesis: ops along one dim (any shape, any dim), gradient-checked
# ---------------------------------------------------------------------------------------


@st.composite
def shape_and_dim(draw: st.DrawFn) -> tuple[Shape, int]:
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    return shape, draw(st.integers(-len(shape), len(shape) - 1))


ALONG_DIM_OPS: dict[str, Callable[[Any, int, np.random.Generator], Any]] = {
    "cumsum": lambda x, d, rng: x.cumsum(d),
    "flip": lambda x, d, rng: x.flip(d),
    "sort": lambda x, d, rng: x.sort(dim=d, descending=bool(rng.integers(2))).values,
    "topk": lambda x, d, rng: x.topk(int(rng.integers(0, x.shape[d] + 1)), dim=d).values,
    "var": lambda x, d, rng: x.var(d, keepdim=bool(rng.integers(2)), correction=0),
    "std": lambda x, d, rng: x.std(dim=d),
    "prod": lambda x, d, rng: x.prod(d),
    "min": lambda x, d, rng: x.min(d).values,
    "softmax": lambda x, d, rng: x.softmax(d),
    "gather": lambda x, d, rng: x.gather(d, random_index(x.shape, d, rng)),
    "index_select": lambda x, d, rng: x.index_select(
        d, mt.tensor(rng.integers(0, x.shape[d], int(rng.integers(0, 5))))
    ),
}


def random_index(shape: Shape, dim: int, rng: np.random.Generator) -> Any:
    """An index for gather: no longer than x in the other dims, any length along `dim`."""
    sizes = [int(rng.integers(1, n + 1)) for n in shape]
    sizes[dim] = int(rng.integers(1, 6))
    return mt.tensor(rng.integers(0, shape[dim], sizes))


@pytest.mark.parametrize("op", list(ALONG_DIM_OPS))
@settings(max_examples=15, deadline=None)
@given(shape_dim=shape_and_dim(), seed=seeds)
def test_ops_along_a_dim(op: str, shape_dim: tuple[Shape, int], seed: int) -> None:
    shape, dim = shape_dim
    rng = np.random.default_rng(seed)
    domain = "distinct" if op in ("sort", "topk", "min") else "any"
    (x,) = float64_inputs([draw_values(domain, shape, rng)])
    if op == "std" and x.shape[dim] == 1:
        return  # one entry: std is NaN (0/0), and so is its gradient
    # the random choices (k, index, descending) are drawn once, then fixed for gradcheck
    choices = np.random.default_rng(seed + 1)
    fixed = {"state": choices.bit_generator.state}

    def fn(t: Any) -> Any:
        choices.bit_generator.state = fixed["state"]
        return ALONG_DIM_OPS[op](t, dim, choices)

    assert mt.autograd.gradcheck(fn, (x,))
    fn(x).sum().backward()
    assert x.grad.shape == shape
