"""Exercise 4 -- ops for the real engine: Mul, MatMul, Tanh and Sum as `Function` subclasses.

From here on your pieces run inside minitorch_rnn. An op is one `Function` subclass with two
static methods side by side, both on NumPy arrays:

* ``forward(ctx, *inputs)`` computes the result, keeping what backward will need on `ctx`
  (``ctx.save_for_backward(a, b)``, read back as ``ctx.saved_tensors``, or any attribute);
* ``backward(ctx, grad)`` gets d(loss)/d(output) and returns d(loss)/d(input), one per input.

``Mul.apply(x, y)`` runs forward on the tensors' arrays and records a node on the tape; the
engine (autograd/plain.py -- exercise 3, for real) calls your backward. Compare
ops/pointwise.py and ops/matmul.py when you are done.

Broadcasting: a (4,) array times a (3, 4) array is a (3, 4) array -- each of the (4,) entries
was used 3 times, so its gradient is the *sum* over those 3 uses. `unbroadcast` sums a
gradient back down to an input's shape: over the leading axes that broadcasting added, then
(keeping them) over the axes where the input had size 1.

Once your Tanh is right, the check runs ``nn.RNN(..., nonlinearity=Tanh)``: your op inside the
real recurrent layer, trained on the echo task.

Check your work:  python -m minitorch_rnn.exercises check DIR functions
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from minitorch_rnn.autograd import Function


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum `grad` down to `shape`, undoing numpy's broadcasting."""
    # Hint: two sums. grad.ndim - len(shape) leading axes go; then the axes i with
    # shape[i] == 1 are summed with keepdims=True. `axis=` takes a tuple of axes.
    raise NotImplementedError


class Mul(Function):
    """a * b, broadcasting;  d/da = b, d/db = a (each summed back to its input's shape)."""

    on_arrays = True  # forward and backward get numpy arrays, like the package's own ops

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError


class MatMul(Function):
    """a @ b for matrices (n, k) @ (k, m) -> (n, m);  d/da = grad @ b^T, d/db = a^T @ grad."""

    on_arrays = True

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # Hint: check the shapes: (n, m) @ (m, k) is (n, k), a's shape.
        raise NotImplementedError


class Tanh(Function):
    """tanh(x);  d/dx = 1 - tanh(x)^2."""

    on_arrays = True

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        # Hint: save the output y: backward is then grad * (1 - y * y), no second tanh.
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class Sum(Function):
    """x summed over axis `dim` (all axes when None), keeping it as size 1 if `keepdim`.

    d/dx = 1 for every entry: each entry of x gets the gradient of the sum it went into.
    Called as ``Sum.apply(x)`` or ``Sum.apply(x, dim=1, keepdim=True)``.
    """

    on_arrays = True

    @staticmethod
    def forward(
        ctx: Any, x: np.ndarray, dim: Optional[int] = None, keepdim: bool = False
    ) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        # Hint: without keepdim, np.expand_dims(grad, dim) puts the summed axis back (size 1);
        # then np.broadcast_to(grad, x_shape) copies it along that axis.
        raise NotImplementedError
