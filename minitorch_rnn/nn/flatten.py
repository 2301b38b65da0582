"""`nn.Flatten` and `nn.Unflatten`: reshapes as layers, for use inside an `nn.Sequential`."""

from __future__ import annotations

import math
from collections.abc import Sequence

from .._args import wrap_dim as _wrap_dim
from .._tensor import Tensor
from .module import Module


def _reshaped(input: Tensor, shape: tuple[int, ...]) -> Tensor:
    # a view where the memory allows it (torch's ViewBackward0), else a reshape (a copy)
    return input.view(*shape) if input.is_contiguous() else input.reshape(*shape)


class Flatten(Module):
    """Merge the dims `start_dim` .. `end_dim` (both included) into one.

    Shape: (N, C, H, W) -> (N, C * H * W) with the defaults start_dim=1, end_dim=-1 (the batch
    dim stays). Example::

        >>> nn.Flatten()(mt.zeros(32, 1, 5, 5)).shape
        (32, 25)
        >>> nn.Flatten(0, 2)(mt.zeros(32, 1, 5, 5)).shape
        (160, 5)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim `dim` into `unflattened_size` (one entry may be -1: inferred).

    Shape: (N, 50) -> (N, 2, 5, 5) with ``Unflatten(1, (2, 5, 5))``. The inverse of `Flatten`.
    """

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(
                "unflattened_size must be tuple of ints, but found type "
                f"{type(unflattened_size).__name__}"
            )
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        dim = _wrap_dim(self.dim, input.ndim)
        sizes = list(self.unflattened_size)
        size = input.shape[dim]
        if sizes.count(-1) > 1:
            raise RuntimeError("only one dimension can be inferred")
        known = math.prod(n for n in sizes if n != -1)
        if -1 in sizes and known != 0 and size % known == 0:
            sizes[sizes.index(-1)] = size // known
        if math.prod(sizes) != size or -1 in sizes:
            raise RuntimeError(
                f"unflatten: Provided sizes {list(self.unflattened_size)} don't multiply up to "
                f"the size of dim {self.dim} ({size}) in the input tensor"
            )
        shape = input.shape
        return _reshaped(input, (*shape[:dim], *sizes, *shape[dim + 1 :]))

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
