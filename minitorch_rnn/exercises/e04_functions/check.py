"""Checks for exercise 4: unbroadcast on its own; each op's value and gradients through the real
engine, against finite differences; then your Tanh inside nn.RNN, exactly and in training."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

import minitorch_rnn as mt
from minitorch_rnn import nn

from .._echo import train_echo
from .._harness import Failure, calling, expect_close, numerical_gradient

UNBROADCAST = [  # (gradient's shape, input's shape)
    ((3, 4), (3, 4)),
    ((3, 4), (4,)),
    ((2, 3), (1, 3)),
    ((2, 3, 4), (3, 1)),
    ((2, 3, 4), (2, 1, 4)),
    ((3, 4), ()),
]
MUL = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1)), ((), (3,))]
MATMUL = [((3, 4), (4, 5)), ((1, 4), (4, 2)), ((4, 4), (4, 4))]
SUM = [((3, 4), {}), ((3, 4), {"dim": 0}), ((3, 4), {"dim": 1}), ((2, 3, 4), {"dim": 1})]
SUM += [((3, 4), {"dim": -1, "keepdim": True}), ((2, 3, 4), {"dim": 0, "keepdim": True})]


def shapes_text(names: str, shapes: tuple[Any, ...]) -> str:
    return "for " + " and ".join(f"{n} {tuple(s)}" for n, s in zip(names, shapes))


def check_op(
    name: str,
    apply: Callable[..., Any],
    truth: Callable[..., np.ndarray],
    arrays: list[np.ndarray],
    names: str,
    at: str,
    rng: np.random.Generator,
    ones: bool = False,
) -> None:
    """Forward against `truth`; backward (through loss = sum(out * G)) against differences."""
    tensors = [mt.tensor(a, requires_grad=True) for a in arrays]
    with calling(f"{name}.forward {at}".strip()):
        out = apply(*tensors)
    expected = truth(*arrays)
    expect_close(f"{name}.forward", out, expected, at=at, rtol=1e-12)
    g = np.ones(expected.shape) if ones else rng.normal(size=expected.shape)
    with calling(f"{name}.backward {at}".strip()):
        out.backward(mt.tensor(g))
    for k, t in enumerate(tensors):

        def loss(a: np.ndarray, k: int = k) -> float:
            args = [a if j == k else arrays[j] for j in range(len(arrays))]
            return float((truth(*args) * g).sum())

        true = numerical_gradient(loss, arrays[k].copy())
        if t.grad is None:
            raise Failure(f"{name}.backward {at} gave no gradient for {names[k]}")
        elementwise = len(arrays) == 1 and true.shape == expected.shape
        expect_close(
            f"your {name}.backward" + ("" if elementwise else f", d/d{names[k]}"),
            t.grad,
            true,
            at="" if elementwise else at,
            inputs=arrays[k] if elementwise and ones else None,
            rtol=1e-6,
            atol=1e-8,
            source="finite differences give",
        )


def run(m: ModuleType) -> str:
    rng = np.random.default_rng(4)
    for grad_shape, shape in UNBROADCAST:
        grad = rng.normal(size=grad_shape)
        extra = tuple(range(len(grad_shape) - len(shape)))
        ones = tuple(i for i, n in enumerate(shape) if n == 1)
        true = grad.sum(axis=extra).sum(axis=ones, keepdims=True)
        got = m.unbroadcast(grad.copy(), shape)
        expect_close("unbroadcast", got, true, at=f"of a {grad_shape} gradient to {shape}")

    for sa, sb in MUL:
        a, b = rng.normal(size=sa), rng.normal(size=sb)
        check_op("Mul", m.Mul.apply, np.multiply, [a, b], "ab", shapes_text("ab", (sa, sb)), rng)
    for sa, sb in MATMUL:
        a, b = rng.normal(size=sa), rng.normal(size=sb)
        check_op(
            "MatMul", m.MatMul.apply, np.matmul, [a, b], "ab", shapes_text("ab", (sa, sb)), rng
        )
    x = np.array([0.5, -1.0, 2.0, 0.0, -0.25])
    check_op("Tanh", m.Tanh.apply, np.tanh, [x], "x", "", rng, ones=True)
    check_op("Tanh", m.Tanh.apply, np.tanh, [rng.normal(size=(3, 4))], "x", "", rng)
    for sx, kw in SUM:
        x = rng.normal(size=sx)

        def apply(t: Any, kw: dict = kw) -> Any:
            return m.Sum.apply(t, **kw)

        def truth(a: np.ndarray, kw: dict = kw) -> np.ndarray:
            return np.asarray(a.sum(axis=kw.get("dim"), keepdims=kw.get("keepdim", False)))

        at = f"for x {sx}" + "".join(f", {k}={v}" for k, v in kw.items())
        check_op("Sum", apply, truth, [x], "x", at, rng)

    # your Tanh inside nn.RNN: the same numbers as the built-in one, then training
    mt.manual_seed(0)
    theirs = nn.RNN(3, 5, dtype=mt.float64)
    yours = nn.RNN(3, 5, nonlinearity=m.Tanh, dtype=mt.float64)
    yours.load_state_dict(theirs.state_dict())
    inputs = mt.randn(6, 2, 3, dtype=mt.float64)
    g = mt.randn(6, 2, 5, dtype=mt.float64)
    out_theirs, out_yours = theirs(inputs)[0], yours(inputs)[0]
    expect_close("nn.RNN's output with your Tanh", out_yours, out_theirs, rtol=1e-12)
    (out_theirs * g).sum().backward()
    (out_yours * g).sum().backward()
    for (name, p), q in zip(yours.named_parameters(), theirs.parameters()):
        expect_close(
            f"nn.RNN with your Tanh: {name}.grad",
            p.grad,
            q.grad,
            rtol=1e-10,
            source="with torch's tanh it is",
        )
    trained = train_echo(nonlinearity=m.Tanh)
    if trained.accuracy < 0.99:
        raise Failure(f"nn.RNN with your Tanh reached only {trained} on the echo task")
    return f"your Tanh, in nn.RNN, reaches {trained} on the echo task"
