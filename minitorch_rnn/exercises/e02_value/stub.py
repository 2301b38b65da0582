"""Exercise 2 -- a scalar autograd Value: the whole idea of autograd on single numbers.

A `Value` holds a number, `data`, and remembers how it was made: the Values it came from
(`_prev`) and a function, `_backward`, that passes the gradient of the final result on to
them by the chain rule. If out = a * b, then d(result)/da = d(result)/d(out) * b, so

    a.grad += out.grad * b.data        b.grad += out.grad * a.data

Why `+=` and never `=`: a Value used twice (in a * b + a, `a` feeds both the product and
the sum) gets a gradient from each use, and the chain rule says they add up. Writing `=`
keeps only the last one -- the bug every autograd author makes once.

`backward()` (written for you) calls every `_backward` in an order where a Value's gradient
is complete before it is passed on: the result first, the inputs last. It finds that order
by recursion, which breaks on long chains -- exercise 3 writes it with a loop.

`__add__` is done as the example. Write `__mul__`, `__pow__` and `tanh` the same way; the
rest (-, /, and numbers on the left) are built from those. This is Karpathy's micrograd.

Check your work:  python -m minitorch_rnn.exercises check DIR value
"""

from __future__ import annotations

import math  # noqa: F401  (math.tanh: you need it in `tanh`)
from typing import Union

Number = Union[int, float]


class Value:
    """One number of a computation, and how it was made."""

    def __init__(self, data: float, _children: tuple[Value, ...] = (), _op: str = "") -> None:
        self.data = float(data)
        self.grad = 0.0  # d(result)/d(self), filled in by backward()
        self._backward = lambda: None  # a leaf has nobody to pass its gradient to
        self._prev = _children  # the Values this one was computed from
        self._op = _op  # which op made it: for printing and drawing

    def __add__(self, other: Union[Value, Number]) -> Value:
        """self + other;  d/dself = 1, d/dother = 1."""
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: Union[Value, Number]) -> Value:
        """self * other;  d/dself = other, d/dother = self."""
        # Hint: __add__ with a different forward and different local derivatives.
        raise NotImplementedError

    def __pow__(self, exponent: Number) -> Value:
        """self ** exponent, for a number exponent;  d/dself = exponent * self^(exponent - 1)."""
        # Hint: one child this time, `(self,)`; the exponent is a number, not a Value.
        raise NotImplementedError

    def tanh(self) -> Value:
        """tanh(self);  d/dself = 1 - tanh(self)^2: keep t = tanh(self.data) for backward."""
        # Hint: save the *output* t: the derivative is cheapest written with it (1 - t * t).
        raise NotImplementedError

    # ---- built from the ones above ------------------------------------------------------
    def __neg__(self) -> Value:
        return -1 * self

    def __sub__(self, other: Union[Value, Number]) -> Value:
        return self + (-other)

    def __truediv__(self, other: Union[Value, Number]) -> Value:
        return self * other**-1

    def __radd__(self, other: Number) -> Value:  # 2 + v
        return self + other

    def __rsub__(self, other: Number) -> Value:  # 2 - v
        return other + (-self)

    def __rmul__(self, other: Number) -> Value:  # 2 * v
        return self * other

    def __rtruediv__(self, other: Number) -> Value:  # 2 / v
        return other * self**-1

    def backward(self) -> None:
        """Fill in `grad` of every Value this one was computed from: d(self)/d(that Value)."""
        order: list[Value] = []  # every Value before the ones made from it
        seen: set[Value] = set()

        def visit(v: Value) -> None:
            if v not in seen:
                seen.add(v)
                for child in v._prev:
                    visit(child)
                order.append(v)

        visit(self)
        self.grad = 1.0  # d(self)/d(self)
        for v in reversed(order):  # the result first: its gradient is complete before it is sent
            v._backward()

    def __repr__(self) -> str:
        return f"Value(data={self.data:.4g}, grad={self.grad:.4g})"
