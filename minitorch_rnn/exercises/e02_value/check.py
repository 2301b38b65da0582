"""Checks for exercise 2: values and gradients of small expressions, against plain floats."""

from __future__ import annotations

import math
from collections.abc import Callable
from types import ModuleType
from typing import Any

from .._harness import Failure, expect_close


def tanh(v: Any) -> Any:
    return math.tanh(v) if isinstance(v, float) else v.tanh()


def _y_squared_plus_y(y: Any) -> Any:
    return y * y + y


# Each expression works on floats (the truth) and on Values (yours). Between them they use
# every operator of Value, a Value used twice, and numbers on either side.
EXPRESSIONS: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("a * b", lambda a, b: a * b),
    ("a * b + a", lambda a, b: a * b + a),
    ("a * a", lambda a, b: a * a),
    ("(a + b) * a * b", lambda a, b: (a + b) * a * b),
    ("a ** 3 * a + b ** -1", lambda a, b: a**3 * a + b**-1),
    ("a ** 2 * b ** -2", lambda a, b: a**2 * b**-2),
    ("tanh(a * b)", lambda a, b: tanh(a * b)),
    ("tanh(a) * tanh(a) - b", lambda a, b: tanh(a) * tanh(a) - b),
    ("(3 + a) * (2 - b) / b", lambda a, b: (3 + a) * (2 - b) / b),
    ("-a * 2 * b - 3 / a + 2 * b", lambda a, b: -a * 2 * b - 3 / a + 2 * b),
    ("y * y + y with y = a * b", lambda a, b: _y_squared_plus_y(a * b)),
    ("tanh(0.5 a - 1.5 b + 0.3)", lambda a, b: tanh(a * 0.5 + b * -1.5 + 0.3)),
]
POINTS = [(2.0, -3.0), (0.5, 1.5), (-1.2, 0.7)]


def run(m: ModuleType) -> str:
    Value = m.Value
    for name, f in EXPRESSIONS:
        for a0, b0 in POINTS:
            at = f"at a={a0}, b={b0}"
            a, b = Value(a0), Value(b0)
            out = f(a, b)
            if not isinstance(out, Value):
                raise Failure(f"{name} {at} gives a {type(out).__name__}, not a Value")
            expect_close(f"{name}", out.data, f(a0, b0), at=at, rtol=1e-12)
            out.backward()
            for leaf, leaf_name in ((a, "a"), (b, "b")):
                eps = 1e-6
                if leaf_name == "a":
                    true = (f(a0 + eps, b0) - f(a0 - eps, b0)) / (2 * eps)
                else:
                    true = (f(a0, b0 + eps) - f(a0, b0 - eps)) / (2 * eps)
                expect_close(
                    f"d/d{leaf_name} of {name}: your {leaf_name}.grad",
                    leaf.grad,
                    true,
                    at=at,
                    rtol=1e-5,
                    atol=1e-7,
                    source="finite differences give",
                )
    return ""
