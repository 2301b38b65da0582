"""Random tensors: ``rand``, ``randn``, ``randint``, ``randperm``, ``normal``, ``bernoulli``,
``multinomial`` and the ``*_like`` forms -- the numbers torch gives after the same seed.

As in torch, each factory is an empty tensor filled in place: ``rand(*size)`` is
``empty(size).uniform_(0, 1)``, ``randn`` is ``normal_(0, 1)``, ``randint`` is
``random_(low, high)``. The fills are the Tensor's methods (`_tensor_random.py`); the bits they
turn into numbers come from `random.py`. Every function takes ``generator=`` (default: the one
``manual_seed`` seeds).
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from . import _random_kernels as kernels
from ._tensor import Tensor
from .creation import _size
from .device import check_device
from .dtypes import float32, int64, scalar_type_name, to_dtype
from .random import Generator, _generator


def _check_device(device: Any) -> None:
    """torch's factories take ``device=``; here only the CPU exists."""
    check_device(device)


def _empty(shape: tuple[int, ...], dtype: Any, default: np.dtype, device: Any) -> Tensor:
    _check_device(device)
    return Tensor(np.empty(shape, dtype=to_dtype(dtype) or default))


def _finish(t: Tensor, requires_grad: bool) -> Tensor:
    if requires_grad:
        t.requires_grad = True
    return t


# ---- the factories ----------------------------------------------------------------------------
def rand(
    *size: Any,
    generator: Optional[Generator] = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kw: Any,
) -> Tensor:
    """Samples of U[0, 1): ``empty(size).uniform_(0, 1)``."""
    t = _empty(_size(kw.pop("size", size), "rand"), dtype, float32, device)
    return _finish(t.uniform_(0, 1, generator=generator), requires_grad)


def randn(
    *size: Any,
    generator: Optional[Generator] = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kw: Any,
) -> Tensor:
    """Samples of N(0, 1): ``empty(size).normal_(0, 1)``."""
    t = _empty(_size(kw.pop("size", size), "randn"), dtype, float32, device)
    return _finish(t.normal_(0, 1, generator=generator), requires_grad)


def randint(
    *args: Any,
    generator: Optional[Generator] = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kw: Any,
) -> Tensor:
    """Integers in [low, high) (int64): ``randint(high, size)`` or ``randint(low, high, size)``."""
    if "size" in kw:
        args = (*args, kw.pop("size"))
    if "high" in kw:
        args = (kw.pop("low", 0), kw.pop("high"), *args)
    low, high, size = (0, *args) if len(args) == 2 else args
    t = _empty(_size((size,), "randint"), dtype, int64, device)
    return _finish(t.random_(low, high, generator=generator), requires_grad)


def randperm(
    n: int,
    *,
    generator: Optional[Generator] = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A random permutation of 0 .. n-1 (torch's Fisher-Yates, so torch's order)."""
    _check_device(device)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    perm = kernels.randperm(_generator(generator), n)
    return _finish(Tensor(perm.astype(to_dtype(dtype) or int64)), requires_grad)


def normal(
    mean: Any = 0.0,
    std: Any = 1.0,
    size: Any = None,
    *,
    generator: Optional[Generator] = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """N(mean, std^2) samples. Floats `mean` and `std` need a `size`; tensors give the shape
    (broadcast together) and, as torch, are applied after the draw: ``normal_(0, 1) * std + mean``.
    """
    tensors = isinstance(mean, Tensor) or isinstance(std, Tensor)
    if not tensors:
        if size is None:
            raise TypeError(
                "normal() received an invalid combination of arguments - got "
                "(float, float), but expected one of: (Tensor mean, Tensor std, ...)"
            )
        t = _empty(_size((size,), "normal"), dtype, float32, device).normal_(
            mean, std, generator=generator
        )
        return _finish(t, requires_grad)
    std_arr = std._data if isinstance(std, Tensor) else None
    if std_arr is not None and std_arr.size and std_arr.min() < 0:
        raise RuntimeError("normal expects all elements of std >= 0.0")
    if std_arr is None and std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    like = mean if isinstance(mean, Tensor) else std
    shape = np.broadcast_shapes(np.shape(_raw(mean)), np.shape(_raw(std)))
    t = _empty(shape, None, like.dtype, device)
    if isinstance(mean, Tensor) and not isinstance(std, Tensor):  # torch: normal_(0, std) + mean
        t.normal_(0.0, std, generator=generator)
        t._data += mean._data
    else:  # torch: normal_(0, 1) * std + mean
        t.normal_(0.0, 1.0, generator=generator)
        t._data *= std_arr
        t._data += _raw(mean)
    return _finish(t, requires_grad)


def _raw(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def bernoulli(
    input: Tensor, p: Optional[float] = None, *, generator: Optional[Generator] = None
) -> Tensor:
    """0/1 draws shaped like `input`: 1 with probability input[i] (or `p`, when given)."""
    t = Tensor(np.empty(input.shape, dtype=input.dtype))
    return t.bernoulli_(input if p is None else p, generator=generator)


def multinomial(
    input: Tensor,
    num_samples: int,
    replacement: bool = False,
    *,
    generator: Optional[Generator] = None,
) -> Tensor:
    """Indices of categories drawn by the (unnormalised) weights in `input`'s last dim.

    ``input`` is (k,) or (rows, k); the result is (num_samples,) or (rows, num_samples), int64.
    """
    probs = input._data
    if probs.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if probs.dtype.kind != "f":
        raise RuntimeError(
            "multinomial only supports floating-point dtypes for input, got: "
            + scalar_type_name(probs.dtype)
        )
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > probs.shape[-1]:
        raise RuntimeError(
            "cannot sample n_sample > prob_dist.size(-1) samples without replacement"
        )
    rows = probs.reshape(-1, probs.shape[-1])
    if not replacement or num_samples == 1:
        if not (np.all(rows < np.inf) and np.all(rows >= 0)):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    elif np.any(rows < 0):
        raise RuntimeError("invalid multinomial distribution (encountering probability entry < 0)")
    if np.any(rows.sum(axis=1) == 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    out = kernels.multinomial(_generator(generator), rows, num_samples, replacement)
    return Tensor(out.reshape(*probs.shape[:-1], num_samples))


# ---- the *_like forms -------------------------------------------------------------------------
def rand_like(
    input: Tensor,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    generator: Optional[Generator] = None,
) -> Tensor:
    """``rand`` with `input`'s shape and dtype."""
    return rand(
        input.shape,
        dtype=dtype or input.dtype,
        device=device,
        requires_grad=requires_grad,
        generator=generator,
    )


def randn_like(
    input: Tensor,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    generator: Optional[Generator] = None,
) -> Tensor:
    """``randn`` with `input`'s shape and dtype."""
    return randn(
        input.shape,
        dtype=dtype or input.dtype,
        device=device,
        requires_grad=requires_grad,
        generator=generator,
    )


def randint_like(
    input: Tensor,
    low: int = 0,
    high: Optional[int] = None,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    generator: Optional[Generator] = None,
) -> Tensor:
    """``randint`` with `input`'s shape and dtype: ``randint_like(x, high)`` or
    ``randint_like(x, low, high)``."""
    if high is None:
        low, high = 0, low
    return randint(
        low,
        high,
        input.shape,
        dtype=dtype or input.dtype,
        device=device,
        requires_grad=requires_grad,
        generator=generator,
    )
