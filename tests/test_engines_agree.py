"""The plain engine (autograd/plain.py, the one to read first) and the fast one
(autograd/engine.py, the default) give the same gradients: every op of the table, the gradient
checks, and a 2-layer bidirectional nn.RNN."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from op_table import CASES, OpCase, case_rng, first_output, make_inputs

import minitorch_rnn as mt
from minitorch_rnn import nn


@pytest.fixture
def plain_engine() -> Iterator[None]:
    prev = mt.autograd.set_engine("plain")
    yield
    mt.autograd.set_engine(prev)


def grads(fn: Any, arrays: list[np.ndarray], engine: str) -> list[Any]:
    prev = mt.autograd.set_engine(engine)
    try:
        xs = [mt.tensor(a, dtype=mt.float64, requires_grad=True) for a in arrays]
        out = first_output(fn(*xs))
        out.backward(mt.tensor(np.linspace(-1, 1, out.numel()).reshape(out.shape)))
        return [None if x.grad is None else x.grad.numpy() for x in xs]
    finally:
        mt.autograd.set_engine(prev)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_every_op_gets_the_same_gradient_from_both_engines(case: OpCase) -> None:
    arrays = make_inputs(case, case_rng(case.name, salt=5))
    fast = grads(lambda *xs: case.fn(mt, *xs), arrays, "fast")
    plain = grads(lambda *xs: case.fn(mt, *xs), arrays, "plain")
    for f, p in zip(fast, plain):
        assert (f is None) == (p is None)
        if f is not None:
            np.testing.assert_allclose(p, f, rtol=1e-12, atol=1e-14)


def test_gradcheck_passes_through_the_plain_engine(plain_engine: None) -> None:
    for case in CASES:
        if not case.smooth:
            continue
        arrays = make_inputs(case, case_rng(case.name, salt=3))
        xs = tuple(mt.tensor(a, dtype=mt.float64, requires_grad=True) for a in arrays)
        assert mt.autograd.gradcheck(lambda *t, c=case: first_output(c.fn(mt, *t)), xs), case.name


def test_an_rnn_gets_the_same_gradients_from_both_engines() -> None:
    mt.manual_seed(0)
    rnn = nn.RNN(4, 6, num_layers=2, bidirectional=True).double()
    x = mt.randn(7, 3, 4, dtype=mt.float64)
    out: dict[str, list[np.ndarray]] = {}
    for engine in ("fast", "plain"):
        prev = mt.autograd.set_engine(engine)
        rnn.zero_grad()
        y, h = rnn(x)
        (y[-1].sum() + (h * h).sum()).backward()
        out[engine] = [p.grad.numpy().copy() for p in rnn.parameters()]
        mt.autograd.set_engine(prev)
    for f, p in zip(out["fast"], out["plain"]):
        np.testing.assert_allclose(p, f, rtol=1e-12, atol=1e-14)


def test_plain_engine_keeps_the_rules(plain_engine: None) -> None:
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x.tanh()
    s = y.sum()
    s.backward(retain_graph=True)
    s.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * (1 - np.tanh([1.0, 2.0]) ** 2), rtol=1e-6)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        s.backward()
    h = x * 2
    h.retain_grad()
    (h * h).sum().backward()
    assert h.grad.tolist() == [4.0, 8.0]
    assert [g.tolist() for g in mt.autograd.grad((x * x).sum(), [x, x])] == [[2.0, 4.0]] * 2
    with pytest.raises(ValueError, match="expected 'plain' or 'fast'"):
        mt.autograd.set_engine("turbo")
