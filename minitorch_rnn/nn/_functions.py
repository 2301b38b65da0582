"""The few primitives `nn.functional` adds to the engine: one `Function` each, as in `ops/`.

Everything else in `nn.functional` is built from the engine's ops and gets its gradient from
the tape. These four are single nodes instead, for a reason each:

* `LogSoftmax`, `Softmax`: their backward is short and classic (``g - e^y sum(g)``), one node
  is what torch records (``LogSoftmaxBackward0``), and a loss computed at every time step of an
  RNN then costs one node instead of six.
* `Embedding`: the gradient of a row lookup is a scatter-add of rows, and `padding_idx` must
  keep its row's gradient at zero -- which no composition of ops says as plainly.
* `BinaryCrossEntropy`: torch clamps the logs at -100 and divides by ``max(x (1 - x), 1e-12)``
  in backward, so that probabilities of exactly 0 or 1 give finite numbers; one node keeps
  those two conventions next to each other.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ..autograd.function import Function


class LogSoftmax(Function):
    """y = log softmax(x) = x - log sum_j e^{x_j} along `dim`;  dx = g - e^y * sum_j g_j.

    Forward shifts by the max first (x - m has every exponent <= 0: no overflow); the shift
    cancels in the formula, so it needs no gradient. Backward uses only the output y.
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, dim: Optional[int]) -> np.ndarray:
        # (initial=-inf: a max over an empty dim is allowed; its log(0) then meets no entry)
        shifted = x - np.max(x, axis=dim, keepdims=True, initial=-np.inf)
        with np.errstate(divide="ignore"):
            y = shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        (y,) = ctx.saved_tensors
        return grad - np.exp(y) * np.sum(grad, axis=ctx.dim, keepdims=True)


class Softmax(Function):
    """y = e^x / sum_j e^{x_j} along `dim`;  dx = y * (g - sum_j g_j y_j)."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, dim: Optional[int]) -> np.ndarray:
        e = np.exp(x - np.max(x, axis=dim, keepdims=True, initial=-np.inf))
        y = e / np.sum(e, axis=dim, keepdims=True)
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        (y,) = ctx.saved_tensors
        return y * (grad - np.sum(grad * y, axis=ctx.dim, keepdims=True))


class Embedding(Function):
    """out[...] = weight[indices[...]] (a row per index);  d weight = rows of g added up.

    Backward scatters each output row's gradient into the row of `weight` it came from,
    *adding* when an index repeats (`np.add.at`). The `padding_idx` row gets no gradient, and
    `scale_grad_by_freq` divides each row's gradient by how often its index occurs.
    """

    @staticmethod
    def forward(
        ctx: Any,
        weight: np.ndarray,
        indices: np.ndarray,
        padding_idx: Optional[int],
        scale_grad_by_freq: bool,
    ) -> np.ndarray:
        ctx.args = indices, weight.shape, padding_idx, scale_grad_by_freq
        return weight[indices]

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        indices, shape, padding_idx, scale_grad_by_freq = ctx.args
        rows = grad.reshape(-1, shape[1])
        flat = indices.reshape(-1)
        if scale_grad_by_freq:
            counts = np.bincount(flat, minlength=shape[0])
            rows = rows / counts[flat][:, None].astype(grad.dtype)
        out = np.zeros(shape, dtype=grad.dtype)
        np.add.at(out, flat, rows)
        if padding_idx is not None:
            out[padding_idx] = 0
        return out


# torch's constants: log(0) counts as -100, and backward divides by at least 1e-12 (a float32
# constant in torch's C++, so exactly float32(1e-12) even for float64 tensors)
_LOG_FLOOR, _EPSILON = -100.0, float(np.float32(1e-12))


class BinaryCrossEntropy(Function):
    """loss = reduce(-w [y log x + (1 - y) log(1 - x)]), each log clamped at -100;

    d/dx = w (x - y) / max(x (1 - x), 1e-12),  d/dy = w [log(1 - x) - log x]  (/ n for 'mean').
    `weight` is a constant (torch refuses one that requires grad). The logs in d/dy are not
    clamped (torch's choice): at x = 0 or 1 the target's gradient is infinite.
    """

    @staticmethod
    def forward(
        ctx: Any, x: np.ndarray, y: np.ndarray, weight: Optional[np.ndarray], reduction: str
    ) -> np.ndarray:
        log_x, log_1mx = _clamped_logs(x)
        loss = -(y * log_x + (1 - y) * log_1mx)
        if weight is not None:
            loss = loss * weight
        ctx.save_for_backward(x, y)
        ctx.args = weight, reduction
        if reduction == "none":
            return loss
        return np.asarray(loss.mean() if reduction == "mean" else loss.sum(), dtype=x.dtype)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[Any, Any]:
        x, y = ctx.saved_tensors
        weight, reduction = ctx.args
        scale = grad if weight is None else grad * weight
        if reduction == "mean":
            scale = scale / max(x.size, 1)
        dx = dy = None
        if ctx.needs_input_grad[0]:
            dx = ((x - y) / np.maximum((1 - x) * x, _EPSILON) * scale).astype(x.dtype)
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore"):
                dy = ((np.log1p(-x) - np.log(x)) * scale).astype(y.dtype)
        return dx, dy


def _clamped_logs(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log x and log(1 - x), each at least -100 (so x = 0 or 1 gives a finite loss)."""
    with np.errstate(divide="ignore"):  # log(0) = -inf before the clamp
        return np.maximum(np.log(x), _LOG_FLOOR), np.maximum(np.log1p(-x), _LOG_FLOOR)
