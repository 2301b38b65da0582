"""Exercise 1, solved: central differences (see stub.py for the lesson)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_derivative(f: Callable[[float], float], x: float, eps: float = 1e-6) -> float:
    """f'(x) by the central difference, with a step of `eps` either side."""
    return (f(x + eps) - f(x - eps)) / (2 * eps)


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6
) -> np.ndarray:
    """df/dx for an array x: an array of x's shape holding df/dx[i] at each index i."""
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = f(x)
        x[i] = old - eps
        down = f(x)
        x[i] = old  # put it back: the next entry's differences need the true x
        grad[i] = (up - down) / (2 * eps)
    return grad
