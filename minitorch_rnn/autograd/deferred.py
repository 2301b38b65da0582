"""Deferred gradients: the engine's speed machinery. Skip on a first read.

A plain backward pass (autograd/plain.py) passes every gradient as a full numpy array. Some
gradients are cheaper to keep in another form until someone needs the array:

* `ProductSum` -- a weight used at T time steps gets T products ``a_t^T @ g_t``; kept as pairs,
  they become ONE big matmul at the end, as a hand-written BPTT computes dW_hh;
* `SelectGrad` -- the gradient of ``x[index]``: ``grad`` at `index`, zeros elsewhere, without
  the array of zeros;
* `ZeroGrad` -- a gradient known to be all zeros, which costs nothing to add.

Each is a `DeferredGrad`: ``resolve()`` gives the full array, and adding one to anything
resolves it (subclasses may do better). The engines resolve them before a node's backward reads
its gradient -- unless the node's Function lists the type in ``takes_deferred``.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class DeferredGrad:
    """A gradient kept in a cheaper form than the full array it stands for.

    The engine calls `resolve()` for the full array before a node's backward -- unless the
    node's Function lists the type in ``takes_deferred`` and knows a shortcut. Adding one to
    anything resolves it (subclasses may do better).
    """

    __slots__ = ("shape",)
    __array_ufunc__ = None  # `array + deferred` must call our __radd__, not numpy's loop
    shape: tuple[int, ...]

    def resolve(self) -> np.ndarray:
        raise NotImplementedError

    def __add__(self, other: Any) -> Any:
        return self.resolve() + other

    def __radd__(self, other: Any) -> Any:
        return other + self.resolve()


class SelectGrad(DeferredGrad):
    """The gradient of ``x[index]`` with respect to x: `grad` at `index`, zero everywhere else.

    `Index.backward` returns one instead of filling a full-size array with zeros. `Stack` takes
    it as it is: ``stack(outputs)[-1]`` -- an RNN's last output -- then sends `grad` to the
    last step alone, and no (T, N, H) array of zeros is made.
    """

    __slots__ = ("index", "grad")

    def __init__(self, shape: tuple[int, ...], index: Any, grad: np.ndarray) -> None:
        self.shape, self.index, self.grad = shape, index, grad

    def resolve(self) -> np.ndarray:
        out = np.zeros(self.shape, dtype=self.grad.dtype)
        out[self.index] = self.grad
        return out


class ZeroGrad(DeferredGrad):
    """A gradient known to be all zeros: adding it to another gradient costs nothing.

    `Stack` sends one to every input that ``stack(xs)[k]`` did not pick, where a real array of
    zeros would be added to each step's gradient from the step after it, for nothing.
    """

    __slots__ = ("dtype",)

    def __init__(self, shape: tuple[int, ...], dtype: np.dtype) -> None:
        self.shape, self.dtype = shape, dtype

    def resolve(self) -> np.ndarray:
        return np.zeros(self.shape, dtype=self.dtype)

    def __add__(self, other: Any) -> Any:
        return other

    __radd__ = __add__


class ProductSum(DeferredGrad):
    """A weight gradient kept unevaluated as pairs (a_i, g_i) standing for sum_i a_i^T @ g_i.

    `MatMul.backward` returns one for `a @ W`. A weight used at T time steps receives T of them,
    and adding them only collects the pairs; `resolve()` then stacks the rows and does ONE big
    matmul, ``[a_1; ...; a_T]^T @ [g_1; ...; g_T]``, instead of T small ones -- exactly what a
    hand-written BPTT does for dW_hh. The engine resolves it before anyone reads the gradient.
    """

    __slots__ = ("pairs",)
    CHUNK_BYTES = 256 * 1024  # how much of the pairs to stack at a time (see resolve)

    def __init__(self, a: np.ndarray, g: np.ndarray) -> None:
        self.pairs = [(a, g)]
        self.shape = (a.shape[-1], g.shape[-1])

    def __add__(self, other: Any) -> Any:
        if isinstance(other, ProductSum):
            self.pairs += other.pairs  # (self is a buffer the engine owns: safe to extend)
            return self
        return super().__add__(other)

    def resolve(self) -> np.ndarray:
        a, g = self.pairs[0]
        if len(self.pairs) == 1:
            return a.T @ g
        # Stack the pairs a chunk at a time: nearly all the speed of one matmul, with two small
        # buffers instead of a copy of every a_i and g_i at once (for an RNN over 500 steps,
        # that copy took the peak memory of forward+backward from 5.1 to 8.8 MiB).
        n = max(1, self.CHUNK_BYTES // max(1, a.nbytes + g.nbytes))  # (empty batches: 0 bytes)
        total = np.zeros(self.shape, dtype=g.dtype)
        for i in range(0, len(self.pairs), n):
            chunk = self.pairs[i : i + n]
            total += np.concatenate([a for a, _ in chunk]).T @ np.concatenate([g for _, g in chunk])
        return total
