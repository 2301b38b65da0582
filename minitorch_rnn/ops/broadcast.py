"""Broadcasting, forward and backward.

Forward: numpy broadcasts for us. Backward: an input of shape (4,) added to a (3, 4) array
received a (3, 4) gradient -- each of its entries was used 3 times -- so the gradient is summed
back down to (4,). `unbroadcast` is the one place where that happens.
"""

from __future__ import annotations

import numpy as np


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum `grad` down to `shape`: over the leading dims numpy added, then over size-1 dims."""
    if grad.shape == shape:  # the common case: nothing was broadcast
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad


def broadcast_error(a: tuple[int, ...], b: tuple[int, ...], *more: tuple[int, ...]) -> RuntimeError:
    """Torch's message for shapes that do not broadcast, naming the rightmost clash. With more
    than two shapes, torch broadcasts them left to right and names the first pair that fails."""
    for c in more:
        try:
            a = np.broadcast_shapes(a, b)
        except ValueError:
            break
        b = c
    ndim = max(len(a), len(b))
    pa, pb = (1,) * (ndim - len(a)) + a, (1,) * (ndim - len(b)) + b
    for i in reversed(range(ndim)):
        if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
            return RuntimeError(
                f"The size of tensor a ({pa[i]}) must match the size of tensor b ({pb[i]}) "
                f"at non-singleton dimension {i}"
            )
    return RuntimeError(f"shapes {list(a)} and {list(b)} cannot be broadcast together")
