"""Function forms of the ops (`mt.tanh(x)`, `mt.stack([...])`), as torch's top level has."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import ops
from ._args import cast, common_dtype
from ._args import wrap_dim as _wrap_dim
from ._tensor import Tensor
from ._tensor_math import where as where  # `mt.where(condition, x, y)`: a function first


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join same-shaped tensors along a new dim."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    dim = _wrap_dim(dim, tensors[0].ndim + 1)  # torch checks the dim before the sizes
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        a, b = tensors[0].shape, next(t.shape for t in tensors if t.shape != tensors[0].shape)
        raise RuntimeError(
            f"stack expects each tensor to be equal size, but got {list(a)} "
            f"at entry 0 and {list(b)} at entry {[t.shape for t in tensors].index(b)}"
        )
    return ops.Stack.apply(*_same_dtype(tensors), dim=dim)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dim. As torch's, it skips 1-D empty tensors (``zeros(0)``)
    in its checks and its result: they join anything (a legacy rule)."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    kept = [(i, t) for i, t in enumerate(tensors) if t.shape != (0,)]
    if not kept:  # nothing but zeros(0): no dim to check
        return ops.Cat.apply(*_same_dtype(tensors), dim=0)
    first = kept[0][1].shape
    dim = _wrap_dim(dim, len(first))
    for i, t in kept:
        if t.ndim != len(first):
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {len(first)} and {t.ndim}"
            )
        for d, (want, got) in enumerate(zip(first, t.shape)):
            if d != dim and want != got:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {dim}. Expected size "
                    f"{want} but got size {got} for tensor number {i} in the list."
                )
    return ops.Cat.apply(*_same_dtype(tensors), dim=dim)


def _same_dtype(tensors: list[Tensor]) -> list[Tensor]:
    """Every tensor in the dtype torch gives the list (cat of int64 and float32 is float32)."""
    dt = common_dtype(tensors)
    return [cast(t, dt) for t in tensors]


def unbind(t: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """Split `t` along `dim` into a tuple of tensors, from one tape node."""
    return t.unbind(dim)


def numel(input: Tensor) -> int:
    """The number of entries of `input`."""
    return input.numel()


def _delegate(name: str) -> Any:
    def fn(input: Tensor, *args: Any, **kwargs: Any) -> Any:
        return getattr(input, name)(*args, **kwargs)

    fn.__name__ = name
    fn.__doc__ = f"`mt.{name}(x, ...)` is `x.{name}(...)`."
    return fn


add = _delegate("add")
sub = _delegate("sub")
mul = _delegate("mul")
div = _delegate("div")
neg = _delegate("neg")
_pow = _delegate("pow")


def pow(input: Any, exponent: Any) -> Tensor:
    """`input ** exponent`; either may be a number (``mt.pow(2, x)``), as torch.pow."""
    if not isinstance(input, Tensor):
        return exponent.__rpow__(input)
    return _pow(input, exponent)


matmul = _delegate("matmul")
addmm = _delegate("addmm")
tanh = _delegate("tanh")
relu = _delegate("relu")
sigmoid = _delegate("sigmoid")
exp = _delegate("exp")
log = _delegate("log")
sum = _delegate("sum")
mean = _delegate("mean")
max = _delegate("max")
argmax = _delegate("argmax")
reshape = _delegate("reshape")
transpose = _delegate("transpose")
permute = _delegate("permute")
squeeze = _delegate("squeeze")
unsqueeze = _delegate("unsqueeze")
clone = _delegate("clone")
sqrt = _delegate("sqrt")
rsqrt = _delegate("rsqrt")
sin = _delegate("sin")
cos = _delegate("cos")
abs = _delegate("abs")
absolute = _delegate("absolute")
square = _delegate("square")
sign = _delegate("sign")
floor = _delegate("floor")
ceil = _delegate("ceil")
round = _delegate("round")
clamp = _delegate("clamp")
clip = _delegate("clip")
minimum = _delegate("minimum")
maximum = _delegate("maximum")
min = _delegate("min")
argmin = _delegate("argmin")
prod = _delegate("prod")
std = _delegate("std")
var = _delegate("var")
cumsum = _delegate("cumsum")
any = _delegate("any")
all = _delegate("all")
topk = _delegate("topk")
sort = _delegate("sort")
argsort = _delegate("argsort")
gather = _delegate("gather")
index_select = _delegate("index_select")
masked_fill = _delegate("masked_fill")
masked_select = _delegate("masked_select")
flip = _delegate("flip")
split = _delegate("split")
chunk = _delegate("chunk")
narrow = _delegate("narrow")
t = _delegate("t")
mm = _delegate("mm")
bmm = _delegate("bmm")
flatten = _delegate("flatten")
isnan = _delegate("isnan")
isinf = _delegate("isinf")
isfinite = _delegate("isfinite")
isclose = _delegate("isclose")
allclose = _delegate("allclose")
logical_not = _delegate("logical_not")
logical_and = _delegate("logical_and")
logical_or = _delegate("logical_or")
logical_xor = _delegate("logical_xor")
bitwise_not = _delegate("bitwise_not")
bitwise_and = _delegate("bitwise_and")
bitwise_or = _delegate("bitwise_or")
bitwise_xor = _delegate("bitwise_xor")
softmax = _delegate("softmax")
log_softmax = _delegate("log_softmax")
eq = _delegate("eq")
ne = _delegate("ne")
lt = _delegate("lt")
le = _delegate("le")
gt = _delegate("gt")
ge = _delegate("ge")
equal = _delegate("equal")
