"""Exercise 2, solved: micrograd's Value (see stub.py for the lesson)."""

from __future__ import annotations

import math
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
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            self.grad += out.grad * other.data
            other.grad += out.grad * self.data

        out._backward = _backward
        return out

    def __pow__(self, exponent: Number) -> Value:
        """self ** exponent, for a number exponent;  d/dself = exponent * self^(exponent - 1)."""
        out = Value(self.data**exponent, (self,), f"**{exponent}")

        def _backward() -> None:
            self.grad += out.grad * exponent * self.data ** (exponent - 1)

        out._backward = _backward
        return out

    def tanh(self) -> Value:
        """tanh(self);  d/dself = 1 - tanh(self)^2: keep t = tanh(self.data) for backward."""
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward() -> None:
            self.grad += out.grad * (1 - t * t)

        out._backward = _backward
        return out

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
