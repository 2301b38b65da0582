"""Tensor's in-place methods: ``add_``, ``x += y``, ``zero_``, ``x[i] = v`` and friends.

Each changes the tensor's own memory and bumps its version counter. When gradients are
involved the change is recorded on the tape as torch records it -- see autograd/inplace.py --
and a leaf that requires grad may only change under ``no_grad()`` (as optimizers do).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from . import _setitem, _tensor, ops
from ._args import (
    as_array,
    check_alpha,
    clamp_bounds,
    half_scalar,
    no_bool_sub,
    number_like,
    pow_exponent,
    pow_number,
    shape_args,
    wrap_dim,
)
from ._memory import check_partial
from ._tensor_shape import CPP_NAMES
from .autograd import inplace
from .dtypes import can_cast, float32, result_type, scalar_type_name

if TYPE_CHECKING:
    from ._tensor import Tensor

Number = Union[int, float, bool]


def _other(self: Any, other: Any, true_divide: bool = False, opmath: bool = False) -> Tensor:
    """`other` as a tensor of the dtype torch computes ``self op other`` in (for a true division,
    at least the default float: ``long_tensor / 2`` computes in float32; mul_ and div_ of float16
    by one number: float32, see `_args.half_scalar`)."""
    scalar = half_scalar(self._data.dtype, other) if opmath else None
    if scalar is not None:
        return scalar
    number = isinstance(other, (bool, int, float, np.number, np.bool_))
    if not (number or isinstance(other, _tensor.Tensor)):
        other = _tensor.Tensor(as_array(other))
    dt = result_type(self, other)
    if true_divide and dt.kind != "f":
        dt = float32
    if number:
        return _tensor.Tensor(number_like(other, dt))
    if other._data.dtype == dt:
        return other
    if np.may_share_memory(self._data, other._data):  # (the cast copies: check before it)
        inplace.check_inplace(self)
        check_partial(self._data, other._data)
    return other.to(dt)


def _scaled(self: Any, other: Any, alpha: Any, sign: int = 1) -> Tensor:
    """`other` times add_'s or sub_'s `alpha`, which torch checks (once the result is known to
    fit in self) and casts to the dtype it computes in: the same values as its one kernel, and
    two plain steps `mt.compile` can replay (an optimizer's ``p.add_(g, alpha=-lr)``)."""
    b = _other(self, other)
    if (type(alpha) is int and alpha == 1) or not can_cast(b._data.dtype, self._data.dtype):
        return b  # (the default suits every dtype; a result that does not fit: torch's error)
    check_alpha(b._data.dtype, alpha, sign)
    return ops.Mul.apply(b, _tensor.Tensor(number_like(alpha, b._data.dtype)))


class InPlaceMethods:
    __slots__ = ()  # (a mixin of Tensor, which keeps its fields in slots)
    _data: np.ndarray

    def add_(self, other: Any, *args: Any, alpha: Number = 1) -> Tensor:
        """In place `self += alpha * other`."""
        if args:  # torch 2.13 still takes the old add_(alpha, other) with a warning
            warnings.warn(
                "This overload of add_ is deprecated:\n\tadd_(Number alpha, Tensor other)\n"
                "Consider using one of the following signatures instead:\n"
                "\tadd_(Tensor other, *, Number alpha = 1)",
                UserWarning,
                stacklevel=2,
            )
            other, alpha = args[0], other
        return inplace.apply_inplace(self, ops.Add, _scaled(self, other, alpha))

    def sub_(self, other: Any, *, alpha: Number = 1) -> Tensor:
        """In place `self -= alpha * other`."""
        inplace.check_leaf(self)
        no_bool_sub(self, other)  # (torch checks this before the shapes and dtypes)
        return inplace.apply_inplace(self, ops.Sub, _scaled(self, other, alpha, sign=-1))

    def mul_(self, other: Any) -> Tensor:
        """In place `self *= other`."""
        return inplace.apply_inplace(self, ops.Mul, _other(self, other, opmath=True))

    def div_(self, other: Any) -> Tensor:
        """In place `self /= other` (true division: an integer tensor cannot hold the result)."""
        return inplace.apply_inplace(self, ops.Div, _other(self, other, True, opmath=True))

    def pow_(self, exponent: Any) -> Tensor:
        """In place `self **= exponent` (a number or a tensor)."""
        inplace.check_leaf(self)
        if isinstance(exponent, _tensor.Tensor):
            e = _other(self, exponent)
            if self._data.dtype.kind == "f":
                return inplace.apply_inplace(self, ops.PowTensor, e)
            inplace.check_inplace(self)  # integers: torch's checks, then the out-of-place power
            inplace.check_broadcast(self._data.shape, e._data.shape)
            inplace.check_cast(e._data.dtype, self._data.dtype)
            return self.copy_(self**exponent)  # type: ignore[operator]
        dt, exponent = pow_number(self, exponent)
        inplace.check_cast(dt, self._data.dtype)
        return inplace.apply_inplace(self, ops.Pow, exponent=pow_exponent(exponent, dt))

    def __iadd__(self, other: Any) -> Tensor:
        return self.add_(other)

    def __isub__(self, other: Any) -> Tensor:
        return self.sub_(other)

    def __imul__(self, other: Any) -> Tensor:
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self.div_(other)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:
        """In place `self.clamp(min, max)` (numbers or tensors)."""
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        inplace.check_inplace(self)  # (torch checks the leaf and the memory first)
        bounds = [b for b in (min, max) if b is not None]
        rt = result_type(self, *bounds)
        if not any(isinstance(b, _tensor.Tensor) for b in bounds):  # numbers: torch's words
            if rt != self._data.dtype:  # clamp_(int tensor, 0.5)
                raise RuntimeError(
                    f"result type {scalar_type_name(rt)} can't be cast to the desired output "
                    f"type {CPP_NAMES.get(self._data.dtype.name, self._data.dtype.name)}"
                )
            lo, hi = clamp_bounds(rt, min, max)
            return inplace.apply_inplace(self, ops.Clamp, min=lo, max=hi)
        inplace.check_inplace(self)  # tensors: the shapes, then the dtype, as add_
        inplace.check_broadcast(self._data.shape, *[b.shape for b in bounds if hasattr(b, "shape")])
        inplace.check_cast(rt, self._data.dtype)
        if self._data.dtype.kind != "f":  # integers: no gradient to record
            return self.copy_(self.clamp(min, max))  # type: ignore[attr-defined]
        inf = np.array(np.inf, dtype=self._data.dtype)  # an absent bound never binds
        lo = _tensor.Tensor(-inf) if min is None else _other(self, min)
        hi = _tensor.Tensor(inf) if max is None else _other(self, max)
        return inplace.apply_inplace(self, ops.ClampTensor, lo, hi)

    clip_ = clamp_

    def tanh_(self) -> Tensor:
        """In place tanh."""
        _float_result(self)
        return inplace.apply_inplace(self, ops.Tanh)

    def relu_(self) -> Tensor:
        """In place relu."""
        if self._data.dtype == np.bool_:
            raise RuntimeError("Boolean inputs not supported for relu")
        return inplace.apply_inplace(self, ops.Relu)

    def sigmoid_(self) -> Tensor:
        """In place sigmoid."""
        _float_result(self)
        return inplace.apply_inplace(self, ops.Sigmoid)

    def exp_(self) -> Tensor:
        """In place e^x."""
        _float_result(self)
        return inplace.apply_inplace(self, ops.Exp)

    def zero_(self) -> Tensor:
        """In place: fill with zeros."""
        return self.fill_(0)

    def fill_(self, value: Any) -> Tensor:
        """In place: every entry becomes `value`."""
        _setitem.fill(self, value)  # type: ignore[arg-type]
        return self  # type: ignore[return-value]

    def copy_(self, src: Any, non_blocking: bool = False) -> Tensor:
        """In place: copy `src`'s values (broadcast, cast to self's dtype) into self."""
        if not isinstance(src, _tensor.Tensor):
            src = _tensor.Tensor(as_array(src))
        _setitem.copy(self, src)  # type: ignore[arg-type]
        return self  # type: ignore[return-value]

    def __setitem__(self, idx: Any, value: Any) -> None:
        _setitem.setitem(self, idx, value)  # type: ignore[arg-type]

    def masked_fill_(self, mask: Tensor, value: Any) -> Tensor:
        """In place: entries where `mask` is True become `value`."""
        _setitem.masked_fill(self, mask, value)  # type: ignore[arg-type]
        return self  # type: ignore[return-value]

    # ---- shape changes in place (only on tensors that no graph sees) ------------------------
    def unsqueeze_(self, dim: int) -> Tensor:
        """In place: insert a dim of size 1."""
        return self._reshape_inplace(
            np.expand_dims(self._data, wrap_dim(dim, self._data.ndim + 1)).shape
        )

    def squeeze_(self, dim: Any = None) -> Tensor:
        """In place: drop dims of size 1."""
        return self._reshape_inplace(self.squeeze(dim).shape)  # type: ignore[attr-defined]

    def resize_(self, *sizes: Any) -> Tensor:
        """In place: a new shape with the same number of entries (fresh entries otherwise)."""
        shape = shape_args(sizes, "resize_")
        if int(np.prod(shape)) == self._data.size:
            return self._reshape_inplace(shape)
        self._data = np.resize(self._data, shape)
        return self  # type: ignore[return-value]

    def _reshape_inplace(self, shape: tuple[int, ...]) -> Tensor:
        t: Any = self
        if t._requires_grad:
            raise RuntimeError(
                "minitorch_rnn changes shapes in place only on tensors that do not require "
                "grad; use the out-of-place op (x = x.unsqueeze(0))"
            )
        t._data = t._data.reshape(shape)
        return t

    def detach_(self) -> Tensor:
        """Cut self off the tape, in place."""
        t: Any = self
        if t._view is not None:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using "
                "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set "
                "as True, gradients are views of DDP buckets, and hence detach_() cannot be "
                "called on these gradients. To fix this error, please refer to the "
                "Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution."
            )
        t.grad_fn, t._output_nr, t._requires_grad = None, 0, False
        return t


def _float_result(self: Any) -> None:
    """tanh_, exp_, div_ ... of an integer tensor: the float result does not fit (torch's words)."""
    inplace.check_inplace(self)  # (torch checks the leaf and the memory first)
    if self._data.dtype.kind != "f":
        raise RuntimeError(
            "result type Float can't be cast to the desired output type "
            f"{scalar_type_name(self._data.dtype)}"
        )
