"""The Tensor's in-place random fills: ``uniform_``, ``normal_``, ``random_``, ``bernoulli_``,
``exponential_``, ``cauchy_`` (and ``bernoulli`` / ``multinomial`` out of place).

These are the root of every random number in torch: ``torch.rand(n)`` *is*
``torch.empty(n).uniform_()``, ``nn.init.uniform_`` calls ``tensor.uniform_`` and dropout calls
``bernoulli_``. Each method checks its arguments as torch does, asks `_random_kernels` for the
numbers and writes them in place (not recorded on the tape, as the other ``*_`` methods here).
`Tensor` inherits them: ``class Tensor(RandomMethods)``.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from . import _random_kernels as kernels
from . import _tensor
from .autograd import inplace
from .dtypes import scalar_type_name
from .random import Generator, _generator


class RandomMethods:
    __slots__ = ()  # Tensor has __slots__; a mixin without them would give it a __dict__
    _data: np.ndarray

    def _check_inplace(self) -> None:
        """torch refuses before drawing: a refused call leaves the stream where it was."""
        inplace.check_inplace(self)  # type: ignore[arg-type]

    def _fill(self, values: np.ndarray) -> Any:
        """Write `values` (flat, in torch's order) into self, as ``copy_`` writes (version
        counter, views, the tape).

        torch fills in memory order; for a transposed view that is not C order, so the axes
        are sorted by stride first (as torch's TensorIterator does).
        """
        a, order = self._data, self._memory_order()
        out = np.empty(a.shape, dtype=a.dtype)
        out.transpose(order)[...] = values.reshape([a.shape[d] for d in order])
        return self.copy_(_tensor.Tensor(out))  # type: ignore[attr-defined]

    def _memory_order(self) -> list[int]:
        a = self._data
        return sorted(range(a.ndim), key=lambda d: -abs(a.strides[d]))

    def _float_only(self, kernel: str) -> None:
        if self._data.dtype.kind != "f":
            name = scalar_type_name(self._data.dtype)
            raise NotImplementedError(f"\"{kernel}\" not implemented for '{name}'")

    def uniform_(
        self,
        from_: float = 0.0,
        to: float = 1.0,
        *,
        generator: Optional[Generator] = None,
        **kwargs: Any,
    ) -> Any:
        """Fill with U[from, to) (torch spells the first argument ``from``)."""
        from_ = kwargs.pop("from", from_)
        self._check_inplace()
        self._float_only("check_uniform_bounds")
        if from_ > to:
            raise RuntimeError(
                "uniform_ expects to return a [from, to) range, "
                f"but found from={from_:g} > to={to:g}"
            )
        a = self._data
        return self._fill(kernels.uniform(_generator(generator), a.size, a.dtype, from_, to))

    def normal_(
        self, mean: float = 0.0, std: float = 1.0, *, generator: Optional[Generator] = None
    ) -> Any:
        """Fill with N(mean, std^2) (Box-Muller; see `_random_kernels.normal`)."""
        self._check_inplace()
        self._float_only("normal_kernel_cpu")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
        a = self._data
        # torch's block-of-16 path needs a contiguous tensor; otherwise one by one
        values = kernels.normal(
            _generator(generator), a.size, a.dtype, mean, std, contiguous=a.flags.c_contiguous
        )
        return self._fill(values)

    def random_(
        self,
        from_: Optional[int] = None,
        to: Optional[int] = None,
        *,
        generator: Optional[Generator] = None,
        **kwargs: Any,
    ) -> Any:
        """``random_()``: integers in [0, 2^mantissa] (floats) or [0, max]; ``random_(to)``:
        [0, to); ``random_(from, to)``: [from, to)."""
        from_ = kwargs.pop("from", from_)
        self._check_inplace()
        a, g = self._data, _generator(generator)
        if from_ is None and to is None:
            return self._fill(kernels.random_full(g, a.size, a.dtype))
        if to is None:  # random_(to)
            from_, to = 0, from_
        assert from_ is not None and to is not None
        if from_ >= to:
            raise RuntimeError(
                f"random_ expects 'from' to be less than 'to', but got from={from_} >= to={to}"
            )
        return self._fill(kernels.random_from_to(g, a.size, a.dtype, int(from_), int(to)))

    def bernoulli_(self, p: Any = 0.5, *, generator: Optional[Generator] = None) -> Any:
        """Fill with 1 with probability `p` (a float, or a tensor of probabilities), else 0."""
        self._check_inplace()
        a, g = self._data, _generator(generator)
        if isinstance(p, RandomMethods):
            probs = np.broadcast_to(p._data, a.shape)
            if probs.dtype.kind != "f":
                name = scalar_type_name(probs.dtype)
                raise NotImplementedError(
                    f"\"bernoulli_tensor_cpu_p_\" not implemented for '{name}'"
                )
            probs = np.ascontiguousarray(probs.transpose(self._memory_order()))
            return self._fill(kernels.bernoulli_tensor(g, probs))
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p:g}")
        return self._fill(kernels.bernoulli_scalar(g, a.size, p))

    def exponential_(self, lambd: float = 1.0, *, generator: Optional[Generator] = None) -> Any:
        """Fill with Exp(lambd) samples: -log(1 - u) / lambd."""
        self._check_inplace()
        if self._data.dtype.kind != "f":
            raise RuntimeError(
                "Exponential distribution is a continuous probability distribution. dtype must "
                f"be a floating point but you specified {scalar_type_name(self._data.dtype)}"
            )
        if not lambd > 0:
            raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
        return self._fill(kernels.exponential(_generator(generator), self._data.size, lambd))

    def cauchy_(
        self, median: float = 0.0, sigma: float = 1.0, *, generator: Optional[Generator] = None
    ) -> Any:
        """Fill with Cauchy(median, sigma) samples: median + sigma * tan(pi (u - 1/2))."""
        self._check_inplace()
        self._float_only("cauchy_cpu")
        return self._fill(kernels.cauchy(_generator(generator), self._data.size, median, sigma))

    def bernoulli(self, p: Any = None, *, generator: Optional[Generator] = None) -> Any:
        """A new tensor of 0/1 draws; self holds the probabilities (or `p` a float for all)."""
        from .sampling import bernoulli

        return bernoulli(self, p, generator=generator)  # type: ignore[arg-type]

    def multinomial(
        self, num_samples: int, replacement: bool = False, *, generator: Optional[Generator] = None
    ) -> Any:
        """Category indices drawn by the weights in self's last dim (see `mt.multinomial`)."""
        from .sampling import multinomial

        return multinomial(self, num_samples, replacement, generator=generator)  # type: ignore[arg-type]
