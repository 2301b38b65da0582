"""Checks for exercise 1: derivatives whose true value we know, and an x left as it was."""

from __future__ import annotations

import math
from types import ModuleType

import numpy as np

from .._harness import Failure, expect_close


def run(m: ModuleType) -> str:
    d = m.numerical_derivative
    # x^2 and x^3 at a *large* step: the central difference of x^2 is exact at any eps, and of
    # x^3 it is 3x^2 + eps^2 -- a one-sided difference, or a wrong factor, is far off
    for f, name, x, eps, exact in [
        (lambda x: x * x, "x^2", 1.5, 0.5, 3.0),
        (lambda x: x**3, "x^3", 1.0, 0.1, 3.01),
        (lambda x: x**3, "x^3", -2.0, 0.25, 12.0625),
    ]:
        got = d(f, x, eps=eps)
        expect_close(
            f"numerical_derivative of {name}",
            got,
            exact,
            at=f"at x={x} with eps={eps}",
            rtol=1e-12,
            source="the central difference is",
        )
    # the default step: close to the true derivative
    for f, name, x, true in [
        (math.sin, "sin", 0.5, math.cos(0.5)),
        (math.exp, "exp", -1.0, math.exp(-1.0)),
    ]:
        expect_close(f"numerical_derivative of {name}", d(f, x), true, at=f"at x={x}", rtol=1e-8)

    rng = np.random.default_rng(0)
    w = rng.normal(size=(2, 3))
    xs = rng.normal(size=(2, 3))
    before = xs.copy()
    got = m.numerical_gradient(lambda a: float((w * a * a).sum()), xs, eps=0.5)
    if not np.array_equal(xs, before):
        i = np.unravel_index(int(np.argmax(np.abs(xs - before))), xs.shape)
        raise Failure(
            f"numerical_gradient changed x: x{list(map(int, i))} was {before[i]:.6g}, "
            f"it is {xs[i]:.6g} afterwards -- put each entry back"
        )
    expect_close(
        "numerical_gradient of sum(w * x^2)",
        got,
        2 * w * xs,
        at="with eps=0.5 (exact: 2 w x)",
        rtol=1e-12,
    )
    v = rng.normal(size=4)
    got = m.numerical_gradient(lambda a: float(np.sin(a).sum() + a[0] * a[3]), v)
    true = np.cos(v) + np.array([v[3], 0, 0, v[0]])
    expect_close("numerical_gradient of sum(sin x) + x0 x3", got, true, at="", rtol=1e-7)
    return ""
