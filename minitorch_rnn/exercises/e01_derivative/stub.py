"""Exercise 1 -- the numerical derivative: the ruler every gradient is checked against.

The derivative f'(x) is the slope of f at x. You can *measure* it by evaluating f a small
step either side of x and dividing the rise by the run:

    f'(x) ~ (f(x + eps) - f(x - eps)) / (2 * eps)        the central difference

Its error shrinks like eps^2 (for f = x^3 at x = 1 with eps = 0.1 it is exactly 3.01, not 3).
The one-sided (f(x + eps) - f(x)) / eps errs like eps (3.31 there): ten times worse for the
same work. Every later exercise's gradients are checked against differences like these --
this is how `autograd.gradcheck` works.

For a function of many numbers (an array x, returning one number), do it once per entry:
change x[i] alone, measure, put it back. That is one partial derivative df/dx[i].

Check your work:  python -m minitorch_rnn.exercises check DIR derivative
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_derivative(f: Callable[[float], float], x: float, eps: float = 1e-6) -> float:
    """f'(x) by the central difference, with a step of `eps` either side."""
    # Hint: two calls of f and one division.
    raise NotImplementedError


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6
) -> np.ndarray:
    """df/dx for an array x: an array of x's shape holding df/dx[i] at each index i.

    Change x in place, one entry at a time (f reads the whole array), and give every entry its
    old value back afterwards: the caller's x must be unchanged when you return.
    """
    # Hint: `for i in np.ndindex(x.shape):` visits every index, whatever x's shape.
    raise NotImplementedError
