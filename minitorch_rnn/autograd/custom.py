"""Your own `autograd.Function`, written as torch's tutorials write it: on Tensors.

    class MyReLU(mt.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return input.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            grad_input = grad_output.clone()
            grad_input[input < 0] = 0
            return grad_input

    y = MyReLU.apply(x)

The ops inside minitorch_rnn use the same `Function` class on raw arrays (see function.py):
a subclass defined inside the package works on arrays, one defined anywhere else gets Tensors,
as in torch -- unless it says ``on_arrays = True`` (as docs/adding_an_op.md does).

Here `apply` runs your forward with recording off, makes its result the output of one node,
and when backward reaches that node it hands your backward the gradients as Tensors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _tensor
from .function import watch_versions
from .grad_mode import no_grad, state

if TYPE_CHECKING:
    from .._tensor import Tensor
    from .function import Function


def apply(cls: type[Function], args: tuple[Any, ...]) -> Any:
    """`cls.apply(*args)` for a Function on Tensors (torch's protocol)."""
    Tensor = _tensor.Tensor
    ctx = cls()
    inputs = [a for a in args if isinstance(a, Tensor)]
    ctx.needs_input_grad = tuple(
        isinstance(a, Tensor) and a._requires_grad and state.enabled for a in args
    )
    ctx.arg_is_tensor = tuple(isinstance(a, Tensor) for a in args)
    with no_grad():  # forward's own ops are not recorded: this node stands for all of them
        if _has_setup_context(cls):
            out = cls.forward(*args)
            cls.setup_context(ctx, args, out)
        else:
            out = cls.forward(ctx, *args)
    many = isinstance(out, tuple)
    outs = out if many else (out,)
    results = tuple(_as_output(o, inputs) for o in outs)
    saved = ctx.saved_tensors or ()
    if True in ctx.needs_input_grad:
        differentiable = [r for r, o in zip(results, outs) if id(o) not in ctx.non_differentiable]
        ctx._record(tuple(inputs), tuple(differentiable))
        watch_versions(ctx, [t for t in saved if isinstance(t, Tensor)])
    return results if many else results[0]


def backward(ctx: Any, *grads: np.ndarray) -> tuple[Any, ...]:
    """The engine's call: array gradients in, array gradients out (one per Tensor input)."""
    Tensor = _tensor.Tensor
    with no_grad():
        got = type(ctx).backward_on_tensors(ctx, *[Tensor(g) for g in grads])
    got = got if isinstance(got, tuple) else (got,)
    expected = len(ctx.arg_is_tensor)
    if len(got) != expected:
        raise RuntimeError(
            f"function {ctx.name()} returned an incorrect number of gradients (expected "
            f"{expected}, got {len(got)})"
        )
    return tuple(
        None if g is None else (g._data if isinstance(g, Tensor) else np.asarray(g))
        for g, is_tensor in zip(got, ctx.arg_is_tensor)
        if is_tensor
    )


def _as_output(o: Any, inputs: list[Tensor]) -> Tensor:
    """An output of forward as a tensor of its own (sharing memory and version counter)."""
    if not isinstance(o, _tensor.Tensor):
        raise TypeError(f"forward of a custom Function must return Tensors, got {type(o).__name__}")
    r = _tensor.Tensor(o._data)
    r._vc = o._vc
    return r


def _has_setup_context(cls: type) -> bool:
    from .function import Function

    return getattr(cls, "setup_context", None) is not getattr(Function, "setup_context", None)
