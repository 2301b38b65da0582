"""`gradcheck`: compare the tape's gradients with finite differences.

For every input entry x_k we nudge it by ±eps and watch every output entry y_j move:
``numerical[k, j] = (y_j(x + eps) - y_j(x - eps)) / (2 eps)``. The tape gives
``analytical[k, j] = d y_j / d x_k`` from one backward pass per output entry. They must agree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from .functional import grad
from .grad_mode import no_grad

if TYPE_CHECKING:
    from .._tensor import Tensor


class GradcheckError(RuntimeError):
    """The tape's gradient disagrees with the finite-difference one."""


def _outputs(fn: Callable[..., Any], inputs: Sequence[Tensor]) -> list[Tensor]:
    out = fn(*inputs)
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _numerical(
    fn: Callable[..., Any], inputs: Sequence[Tensor], i: int, eps: float
) -> list[np.ndarray]:
    """Jacobian columns for input i, one (numel(input), numel(output)) matrix per output."""
    x = inputs[i]._data  # nudged in place, restored after: no version bump, no tape
    with no_grad():
        n_out = [o.numel() for o in _outputs(fn, inputs)]
        jac = [np.zeros((x.size, n)) for n in n_out]
        flat = x.reshape(-1)  # a view: writing to it writes to x
        for k in range(x.size):
            orig = flat[k]
            flat[k] = orig + eps
            plus = [o._data.astype(np.float64).ravel() for o in _outputs(fn, inputs)]
            flat[k] = orig - eps
            minus = [o._data.astype(np.float64).ravel() for o in _outputs(fn, inputs)]
            flat[k] = orig
            for j in range(len(jac)):
                jac[j][k] = (plus[j] - minus[j]) / (2 * eps)
    return jac


def _analytical(
    fn: Callable[..., Any], inputs: Sequence[Tensor], wrt: list[int]
) -> dict[tuple[int, int], np.ndarray]:
    outs = _outputs(fn, inputs)
    jac = {}
    for j, out in enumerate(outs):
        for i in wrt:
            jac[(i, j)] = np.zeros((inputs[i].numel(), out.numel()))
        if not out.requires_grad:
            continue
        for m in range(out.numel()):
            onehot = np.zeros(out.numel(), dtype=out.dtype)
            onehot[m] = 1
            grads = grad(
                out,
                [inputs[i] for i in wrt],
                onehot.reshape(out.shape),
                retain_graph=True,
                allow_unused=True,
            )
            for i, g in zip(wrt, grads):
                if g is not None:
                    jac[(i, j)][:, m] = g._data.ravel()
    return jac


def gradcheck(
    fn: Callable[..., Any],
    inputs: Union[Tensor, Sequence[Tensor]],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """True when the tape's gradients match finite differences for every input requiring grad.

    Use float64 inputs: float32 cannot resolve a step of 1e-6. On a mismatch this raises
    `GradcheckError` showing both Jacobians (rows: input entries, columns: output entries).
    """
    from .._tensor import Tensor

    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    wrt = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not wrt:
        raise ValueError("gradcheck expects at least one input tensor to require gradient")
    for i in wrt:
        if inputs[i].dtype != np.float64:
            raise ValueError(
                f"gradcheck input #{i} requires gradient but is {inputs[i].dtype}, not float64: "
                "finite differences need double precision"
            )
    analytical = _analytical(fn, inputs, wrt)
    for i in wrt:
        for j, num in enumerate(_numerical(fn, inputs, i, eps)):
            ana = analytical[(i, j)]
            if not np.allclose(ana, num, rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                raise GradcheckError(
                    f"Jacobian mismatch for output {j} with respect to input {i},\n"
                    f"numerical:{num}\nanalytical:{ana}\n"
                )
    return True
