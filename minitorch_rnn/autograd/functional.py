"""`autograd.grad`: gradients of outputs w.r.t. chosen inputs, returned instead of stored."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Optional, Union

import numpy as np

from .engine import run_backward

if TYPE_CHECKING:
    from .._tensor import Tensor


def _as_list(x: Any) -> list[Any]:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def grad(
    outputs: Union[Tensor, Sequence[Tensor]],
    inputs: Union[Tensor, Sequence[Tensor]],
    grad_outputs: Any = None,
    retain_graph: Optional[bool] = None,
    create_graph: bool = False,
    allow_unused: Optional[bool] = None,
) -> tuple[Optional[Tensor], ...]:
    """d(sum of outputs * grad_outputs)/d(input) for each input; `.grad` is left untouched."""
    from .._tensor import Tensor

    if create_graph:
        raise NotImplementedError("minitorch_rnn does not build graphs of gradients (create_graph)")
    outs, ins = _as_list(outputs), _as_list(inputs)
    gouts = _as_list(grad_outputs) if grad_outputs is not None else [None] * len(outs)
    root_grads = []
    for i, (out, g) in enumerate(zip(outs, gouts)):
        if not out.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"
            )
        if g is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = np.ones_like(out._data)
        g = np.asarray(g._data if isinstance(g, Tensor) else g, dtype=out.dtype)
        if g.shape != out.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of "
                f"minitorch_rnn.Size({list(g.shape)}) and output[{i}] has a shape of "
                f"minitorch_rnn.Size({list(out.shape)})."
            )
        root_grads.append(g)
    for t in ins:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    found = run_backward(outs, root_grads, retain_graph=bool(retain_graph), inputs=ins)
    if not allow_unused and any(g is None for g in found):
        raise RuntimeError(
            "One of the differentiated Tensors appears to not have been used in the graph. "
            "Set allow_unused=True if this is the desired behavior."
        )
    return tuple(None if g is None else Tensor(np.array(g)) for g in found)
