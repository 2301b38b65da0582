"""Views on the tape: what a view knows of its base, and torch's rules when their memory changes.

Skip on a first read (inplace.py tells the main story). A view (``x[0]``, ``x.T``,
``x.view(...)``, the pieces of ``x.split(2)``) shares memory and a version counter with its base,
and `Function.apply` gives it a `ViewOf`: which tensor it was taken from and how, so that

* it **asks its base**: ``v.requires_grad`` is True once the base requires grad, even if it
  did not when `v` was made (``x.requires_grad_()``, or ``x.add_(w)`` with `w` requiring grad);
* its ``grad_fn`` is **derived again** from the base after the memory changed in place -- when
  next read or used, as torch does it lazily (torch names that node ``AsStridedBackward0``);
* torch's **forbidden cases** raise: a piece of ``split``/``chunk``/``unbind`` (several views
  of one node: torch cannot rebase one of them) or a view made under ``no_grad()`` may not be
  changed in place while gradients are recorded -- nor read after its base was.

The version counter ``_vc`` is ``[version, stamp]``: in-place ops bump the version; the stamp
moves on any change a view must notice (in place, or the base's ``requires_grad``), so
`Function.apply` checks one number per view input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from .grad_mode import state

if TYPE_CHECKING:
    from .._tensor import Tensor

# torch's CreationMeta: how a view was made, for the in-place rules (None: torch's DEFAULT)
NO_GRAD = "no_grad"  # made while grad mode was off
MULTI_OUTPUT = "multi_output"  # one of several views from one node (split, chunk, unbind)


class ViewOf:
    """`Tensor._view` of a view: the tensor it was taken from and the op that took it."""

    __slots__ = ("base", "op", "params", "seen", "version", "creation", "own_requires_grad")

    def __init__(self, base: Tensor, op: type, params: dict[str, Any], creation: Any) -> None:
        self.base, self.op, self.params = base, op, params
        self.seen = base._vc[1]  # the stamp when this view last looked at its base
        self.version = base._vc[0]  # the version its grad_fn belongs to (torch's attr_version)
        # torch's rule: a view of a view keeps its base's CreationMeta unless it has one itself
        if creation is None and base._view is not None:
            creation = base._view.creation
        self.creation: Optional[str] = creation
        self.own_requires_grad = False  # v.requires_grad_() on the view itself (then a leaf)


def make_view(result: Tensor, base: Tensor, op: type, params: dict[str, Any], many: bool) -> None:
    """Make `result` a view of `base` (op and params replay it): one memory, one counter."""
    result._vc = base._vc
    if state.enabled:
        creation = MULTI_OUTPUT if many else None
    else:
        creation = NO_GRAD
        result._requires_grad = base._requires_grad  # (no node: it still asks its base)
    result._view = ViewOf(base, op, params, creation)


def root_of(t: Tensor) -> Tensor:
    """The tensor that owns `t`'s memory (torch's ``t._base``, or t itself)."""
    while t._view is not None:
        t = t._view.base
    return t


def requires_grad(t: Tensor) -> bool:
    """A view's ``requires_grad``, asking its base as torch does (never raises)."""
    info = t._view
    assert info is not None
    if info.seen == t._vc[1]:
        return t._requires_grad
    return info.own_requires_grad or t._grad_fn is not None or root_of(t)._requires_grad


def sync(t: Tensor) -> None:
    """Bring view `t` up to date with its base, which changed since `t` last looked."""
    from .inplace import replay_view  # (a cycle: inplace.py imports us)

    info = t._view
    assert info is not None
    root = root_of(t)
    if t._vc[0] != info.version and (t._grad_fn is not None or root._requires_grad):
        # the memory changed in place: t's grad_fn is derived again from the base's history
        if info.creation is not None:
            raise view_error(t, indirect=True)
        was, state.enabled = state.enabled, True  # (torch does this even under no_grad)
        try:
            node, nr = replay_view(t)
        finally:
            state.enabled = was
        if node is not None:
            node.regenerated = True
        t._grad_fn, t._output_nr = node, nr
        info.version = t._vc[0]
    t._requires_grad = info.own_requires_grad or t._grad_fn is not None or root._requires_grad
    info.seen = t._vc[1]


def check_inplace_on_view(t: Tensor, others: Any = (), index: Any = Ellipsis) -> None:
    """torch's errors for changing a view in place that it cannot rebase (see the docstring):
    `others` are the op's other inputs, `index` where ``t[index] = v`` writes."""
    info = t._view
    if info is None or not state.enabled:
        return
    if info.creation is not None and (t.requires_grad or any(o._requires_grad for o in others)):
        name = _index_view_name(t._data.shape, index) if t.requires_grad else None
        raise view_error(t, indirect=False, name=name)
    if info.own_requires_grad and t._grad_fn is None:  # (v.requires_grad_() on the view)
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place operation."
        )


def view_error(t: Tensor, indirect: bool, name: Optional[str] = None) -> RuntimeError:
    """torch's message (handle_view_on_rebase) for a view it cannot rebase."""
    info = t._view
    assert info is not None
    node = t._grad_fn
    modified = "its base or another view of its base has been" if indirect else "is being"
    if name is None and node is not None:
        name, nr = short_name(node), t._output_nr
    else:
        nr = 0  # (t[index] = v writes through the view t[index]: output 0 of it)
    if name is None:  # no node: the view was made while nothing required grad
        msg = (
            f"A view was created in no_grad mode and {modified} modified inplace with grad mode "
            "enabled."
        )
    elif info.creation == NO_GRAD:
        msg = (
            f"Output {nr} of {name} is a view of a view which was created in no_grad mode and "
            f"{modified} modified inplace with grad mode enabled."
        )
    else:
        msg = f"Output {nr} of {name} is a view and {modified} modified inplace."
    if info.creation == MULTI_OUTPUT:
        msg += (
            " This view is the output of a function that returns multiple views. Such functions "
            "do not allow the output views to be modified inplace. You should replace the "
            "inplace operation by an out-of-place one."
        )
    else:
        msg += (
            " Given that this use case is ambiguous and error-prone, it is forbidden. You can "
            "clarify your code by moving both the view and the inplace either both inside the "
            "no_grad block (if you don't want the inplace to be tracked) or both outside (if you "
            "want the inplace to be tracked)."
        )
    return RuntimeError(msg)


def short_name(node: Any) -> str:
    """How torch's messages name a node: ``TanhBackward0`` -> ``Tanh``, x[0:2]'s -> ``Slice``."""
    if type(node).__name__ == "Index" and not node.regenerated:  # torch's view ops by name
        index, shape = node.args
        view = _index_view_name(shape, index, getitem=True)
        if view is not None:
            return view
    name: str = node.name()  # (torch keeps other numbers: PowBackward2 -> Pow2)
    return name.replace("Backward0", "").replace("Backward", "")


def _index_view_name(shape: tuple[int, ...], index: Any, getitem: bool = False) -> Optional[str]:
    """torch's name for the last view op that ``x[index]`` (or ``x[index] = v``) takes: an int
    selects, None or True unsqueezes, a slice slices -- but a slice over the whole dim is
    skipped, unless it is getitem's only item. None: x itself (advanced indices, or nothing
    left: getitem then takes an ``alias``)."""
    if getitem and not isinstance(index, tuple):
        if index is Ellipsis:
            return "Alias"
        if isinstance(index, slice):
            return "Slice"
    items = index if isinstance(index, tuple) else (index,)
    if not all(
        i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice)) for i in items
    ):
        return None
    n_dims = sum(1 for i in items if not (i is None or i is Ellipsis or isinstance(i, bool)))
    dims = iter(range(len(shape)))
    name = None
    for i in items:
        if i is Ellipsis:
            for _ in range(len(shape) - n_dims):
                next(dims, None)
        elif i is None or i is True:
            name = "Unsqueeze"
        elif isinstance(i, slice):
            d = next(dims, None)
            if d is not None and i.indices(shape[d]) != (0, shape[d], 1):
                name = "Slice"
        elif not isinstance(i, bool):
            next(dims, None)
            name = "Select"
    return "Alias" if name is None and getitem else name


# ---- the in-place check's message (plain.check_saved) ------------------------------------------
_LEGACY = {"Half", "Float", "Double", "Char", "Short", "Int", "Long", "Byte"}


def modified_error(node: Any, saved: tuple[Any, ...], anomaly: bool) -> RuntimeError:
    """torch's message for a saved tensor that changed in place after `node` saved it."""
    from ..dtypes import scalar_type_name

    counter, version, array, ref, output_nr = saved
    tensor = ref() if ref is not None else None
    kind = scalar_type_name(array.dtype)
    kind = f"minitorch_rnn.{kind}Tensor" if kind in _LEGACY else f"CPU{kind}Type"
    what = f"[{kind} {list(array.shape)}]"
    if tensor is not None and tensor.grad_fn is not None:  # its history now (torch's words)
        what += f", which is output {tensor._output_nr} of {short_name(tensor.grad_fn)},"
    elif output_nr >= 0:  # one of node's own outputs (tanh saves its result)
        what += f", which is output {output_nr} of {short_name(node)},"
    hint = (
        "the backtrace further above shows the operation that failed to compute its gradient. "
        "The variable in question was changed in there or anywhere later. Good luck!"
        if anomaly
        else "enable anomaly detection to find the operation that failed to compute its "
        "gradient, with minitorch_rnn.autograd.set_detect_anomaly(True, check_nan=False)."
    )
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: {what} is at version {counter[0]}; expected version {version} instead. "
        f"Hint: {hint}"
    )
