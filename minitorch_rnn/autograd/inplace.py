"""In-place ops on the tape: how ``x += 1``, ``x.mul_(2)`` and ``x[0] = v`` are recorded.

Skip on a first read: the plain story is in function.py and plain.py. Read this when you want
to know why ``out = zeros(2, 3); out[0] = w * 2`` still sends a gradient to `w`.

An in-place op changes memory that other tensors and the tape may be looking at. torch's rules,
which we follow:

1. **The value is rebased.** The op runs out of place on a *copy* of the old value (so the node
   keeps what it saved even after the memory changes), the result is written back into the
   tensor's memory, and the tensor's ``grad_fn`` becomes the new node, whose edge leads to the
   old one. ``x.add_(1).grad_fn`` is an ``AddBackward0``.
2. **A view changes its base.** ``x[0]``, ``x.T`` and ``x.view(...)`` share memory with `x`.
   Writing into a view writes into its base, so the base gets a `CopySlices` node -- "the old
   base, with this region replaced by the new value" -- and the view's ``grad_fn`` is derived
   again from the new base. Other views of the same base notice that the shared version counter
   moved and derive theirs again when next used or read (views.py).
3. **The version goes up.** A node that saved the old value refuses to run backward (see
   `plain.check_saved`): never a silently wrong gradient.
4. **A leaf that requires grad cannot change in place** while grad mode is on (its ``.grad``
   would belong to a value that no longer exists). Optimizers change leaves under ``no_grad()``.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _tensor
from .._memory import check_internal, check_partial, writable
from ..dtypes import can_cast, scalar_type_name
from .function import Function
from .grad_mode import state
from .views import check_inplace_on_view, sync

if TYPE_CHECKING:
    from .._tensor import Tensor

Chain = list[tuple[Any, dict[str, Any]]]  # the view ops from a base to a view, in order


def root_and_chain(t: Tensor) -> tuple[Tensor, Chain]:
    """The tensor that owns `t`'s memory, and the view ops that lead from it to `t`."""
    chain = []
    while t._view is not None:
        chain.append((t._view.op, t._view.params))
        t = t._view.base
    chain.reverse()
    return t, chain


def replay(a: np.ndarray, chain: Chain) -> np.ndarray:
    """The region of `a` (shaped like the base) that the chain of views picks: a view of `a`."""
    for cls, params in chain:
        a = cls.forward(Function(), a, **params)
    return a


def check_inplace(t: Tensor, through_view: bool = False) -> None:
    """torch's checks before an in-place op writes into `t`: the leaf first, then the memory
    (no entry of `t` may be another's: an ``expand``ed tensor)."""
    check_leaf(t, through_view)
    check_internal(t._data)


def check_leaf(t: Tensor, through_view: bool = False, others: Any = (), index: Any = ...) -> None:
    """torch's error for changing a leaf that requires grad (or a view of one) in place -- after
    its errors for views it cannot rebase (views.py; `others`: the values written in)."""
    check_inplace_on_view(t, others, index)
    if not state.enabled:
        return
    root = root_and_chain(t)[0]
    if root._requires_grad and root.grad_fn is None:
        view = through_view or root is not t  # (``x[i] = v`` writes through a view of x)
        what = "a view of a leaf Variable" if view else "a leaf Variable"
        raise RuntimeError(f"{what} that requires grad is being used in an in-place operation.")


def check_cast(result: np.dtype, out: np.dtype) -> None:
    """torch's error when an in-place result's dtype is of a higher category than the tensor's
    (float into int, int into bool). A cast within a category is fine: uint8 += int8 computes
    in int16 and writes the result back as uint8, wrapping around."""
    if not can_cast(result, out):
        raise RuntimeError(
            f"result type {scalar_type_name(result)} can't be cast to the desired output "
            f"type {scalar_type_name(out)}"
        )


def write(t: Tensor, index: Any, value: np.ndarray) -> None:
    """``t[index] = value`` on the arrays, with torch's rules for in-place results: no cast down a
    category (float into int), and `value` must broadcast to the region's shape."""
    check_cast(value.dtype, t._data.dtype)
    check_broadcast(np.shape(t._data[index]), value.shape)
    writable(t._data)[index] = value


def check_broadcast(shape: tuple[int, ...], *value_shapes: tuple[int, ...]) -> None:
    """torch's errors when the operands of an in-place op do not broadcast together, or their
    result would not fit in the tensor's shape (numpy would drop leading 1s)."""
    from ..ops.broadcast import broadcast_error

    try:
        both = np.broadcast_shapes(shape, *value_shapes)
    except ValueError:
        raise broadcast_error(shape, *value_shapes) from None
    if both != shape:
        raise RuntimeError(
            f"output with shape {list(shape)} doesn't match the broadcast shape {list(both)}"
        )


def apply_inplace(t: Tensor, fn: type[Function], *others: Tensor, **params: Any) -> Tensor:
    """``t <- fn(t, *others)`` in t's own memory, recorded on the tape when it needs to be.
    `others` come in the dtype torch computes in; torch checks the shapes, then that dtype."""
    check_inplace_on_view(t, others)
    check_inplace(t)
    check_partial(t._data, *[o._data for o in others])  # (an input sharing t's memory)
    if others:
        check_broadcast(t._data.shape, *[o._data.shape for o in others])
        check_cast(others[0]._data.dtype, t._data.dtype)
    root, chain = root_and_chain(t)
    if not (state.enabled and (root._requires_grad or any(o._requires_grad for o in others))):
        ufunc = getattr(fn, "ufunc", None)
        if ufunc is not None:  # (a binary op whose result fits: checked above)
            ufunc(t._data, others[0]._data, out=t._data, casting="unsafe")  # no temporary
        else:
            out = fn.forward(Function(), t._data, *[o._data for o in others], **params)
            write(t, ..., np.asarray(out))
        return t._modified()
    # 1. out of place, on a copy of the old value that carries t's place on the tape
    result = fn.apply(_stand_in(t, copy=True), *others, **params)
    if not chain:  # 2. t owns its memory: write, and t's history continues at the new node
        write(t, ..., result._data)
        t._modified()
        t.grad_fn, t._output_nr, t._requires_grad = result.grad_fn, 0, True
    else:
        copy_slices(t, ..., result)  # 3. t is a view: its base changes
    _watch_result(result, t)
    return t


def _watch_result(result: Tensor, t: Tensor) -> None:
    """An op that saved its result (tanh_ saves tanh(t)) watches t, which holds it now: a later
    change of t makes that node's backward refuse to run, as torch's does."""
    node = result._grad_fn
    if node is None or not node.saved_versions:
        return
    ref = weakref.ref(t) if t._view is not None else None  # (torch names a view's own node)
    node.saved_versions = tuple(
        (t._vc, t._vc[0], array, ref, nr) if counter is result._vc else (counter, v, array, r, nr)
        for counter, v, array, r, nr in node.saved_versions
    )


def setitem(t: Tensor, index: Any, value: Tensor) -> None:
    """``t[index] = value`` -- recorded as a `CopySlices` on t's base when gradients flow.
    `value` is of t's dtype and fits: torch's checks are made before (see _setitem.py)."""
    root = root_and_chain(t)[0]
    if not (state.enabled and (root._requires_grad or value._requires_grad)):
        writable(t._data)[index] = value._data
        t._modified()
        return
    copy_slices(t, index, value)


def copy_slices(t: Tensor, index: Any, value: Tensor) -> Tensor:
    """Write `value` into ``t[index]``, where `t` is its base or a view of it, and record it."""
    root, chain = root_and_chain(t)
    check_cast(value._data.dtype, t._data.dtype)
    new = CopySlices.apply(_stand_in(root), value, chain=chain, index=index)
    root._modified()
    root.grad_fn, root._output_nr, root._requires_grad = new.grad_fn, 0, True
    if t is not root:
        sync(t)  # the view's place on the tape: derived again from its base's
    return t


def replay_view(t: Tensor) -> tuple[Any, int]:
    """A view's place on the tape derived again from its base's: (node, output nr)."""
    root, chain = root_and_chain(t)
    v = root
    for cls, params in chain:
        v = cls.apply(v, **params)
    return v._grad_fn, v._output_nr


def _stand_in(t: Tensor, copy: bool = False) -> Tensor:
    """A tensor with t's place on the tape (its grad_fn, or t itself as the leaf to reach)."""
    s = _tensor.Tensor(t._data.copy() if copy else t._data)
    if t.grad_fn is not None:
        s.grad_fn, s._output_nr, s._requires_grad = t.grad_fn, t._output_nr, True
    elif t._requires_grad:  # (only under no_grad, where nothing is recorded anyway)
        s._requires_grad = True
    return s


class CopySlices(Function):
    """`base` with the region ``view(base)[index]`` replaced by `value` (torch's CopySlices).

    Forward writes into base's memory (it is in place). d/d(base) is the gradient with that
    region zeroed -- those entries were overwritten; d/d(value) is the region of the gradient,
    summed over the dims that `value` was broadcast along.
    """

    @staticmethod
    def forward(ctx: Any, base: np.ndarray, value: np.ndarray, chain: Chain, index: Any) -> Any:
        ctx.chain, ctx.index, ctx.value_shape = chain, index, value.shape
        writable(replay(base, chain))[index] = value
        return base

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[Any, Any]:
        from ..ops.broadcast import unbroadcast

        g = np.array(grad)  # a copy of our own, laid out as the base
        region = replay(g, ctx.chain)
        if region.size == 0:  # an empty view: nothing was overwritten, nothing reaches value
            return g, np.zeros(ctx.value_shape, dtype=g.dtype)
        if ctx.chain and not (np.may_share_memory(region, g) and region.flags.writeable):
            raise RuntimeError(
                "minitorch_rnn cannot send a gradient through an in-place change of this view "
                "(its base is not laid out in memory as the view expects, or the view repeats "
                "entries: expand); clone() it first"
            )
        g_value = np.array(region[ctx.index])
        region[ctx.index] = 0
        return g, unbroadcast(g_value, ctx.value_shape)

    def name(self) -> str:
        return "CopySlices"
