"""`nn.functional`: layers and losses as plain functions, built from the engine's primitives.

Most functions here are a few tensor operations, so their gradient comes from the tape:
`linear` is an Addmm (x W^T + b as one node), `dropout` a Mul by a mask. Three are single
nodes with a backward of their own, in `_functions.py`: `softmax`, `log_softmax` and
`embedding`. The losses are in `functional_losses.py` and re-exported here. Read a function
as the formula in its docstring.

    import minitorch_rnn.nn.functional as F
    loss = F.cross_entropy(F.linear(x, W, b), target)
"""

from __future__ import annotations

import warnings
from typing import Any, Optional

import numpy as np

from .._args import wrap_dim as _wrap_dim
from .._placeholders import module_getattr, unsupported
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..dtypes import scalar_type_name
from . import _functions
from .functional_losses import (  # the losses live in their own file; F.nll_loss is here too
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dropout",
    "embedding",
    "huber_loss",
    "l1_loss",
    "linear",
    "log_softmax",
    "mse_loss",
    "nll_loss",
    "one_hot",
    "relu",
    "sigmoid",
    "smooth_l1_loss",
    "softmax",
    "tanh",
]


# ---- layers ----------------------------------------------------------------------------------
def linear(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None) -> Tensor:
    """y = x W^T + b, applied to the last dim of `input`.

    Shapes: input (*, in_features), weight (out_features, in_features), bias (out_features,)
    -> output (*, out_features). `*` is any number of leading dims, including none.
    """
    if input.dtype != weight.dtype:  # numpy would quietly promote; torch refuses
        raise RuntimeError(
            "expected m1 and m2 to have the same dtype, but got: "
            f"{_torch_dtype(input).lower()} != {_torch_dtype(weight).lower()}"
        )
    if bias is not None and bias.dtype != weight.dtype:
        raise RuntimeError(
            "self and mat2 must have the same dtype, but got "
            f"{_torch_dtype(bias)} and {_torch_dtype(weight)}"
        )
    if bias is not None and input.ndim == 2:
        return bias.addmm(input, weight.T)  # bias + input @ weight.T as one node, as torch does
    if bias is not None and input.ndim > 2 and input.is_contiguous():
        # Fold the leading dims into rows, as torch does: then one addmm adds the bias in
        # place, where a matmul and then an add would write a second full-size array.
        rows = bias.addmm(input.view(-1, input.shape[-1]), weight.T)
        return rows.view(*input.shape[:-1], weight.shape[0])
    output = input @ weight.T
    if bias is not None:
        output = output + bias
    return output


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Inverted dropout: zero each entry with probability `p`, scale the rest by 1 / (1 - p).

    The scaling keeps the expected value of every entry unchanged, so nothing needs to change
    at evaluation time (`training=False` returns `input` itself). The mask is made as torch's
    CPU dropout makes it -- ``empty_like(input).bernoulli_(1 - p).div_(1 - p)`` -- so after
    `mt.manual_seed` it is torch's mask. Backward multiplies the gradient by the same mask (it
    is one Mul on the tape).
    """
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if inplace:
        raise NotImplementedError(
            "minitorch_rnn does not record in-place operations on the tape; use inplace=False"
        )
    if not training or p == 0.0:
        return input
    if p == 1.0:  # every entry dropped (and no division by zero)
        return input * 0.0
    noise = Tensor(np.empty(input.shape, dtype=input.dtype)).bernoulli_(1 - p)  # 1: keep
    noise._data /= np.asarray(1.0 - p, dtype=input.dtype)
    return input * noise


# ---- activations: one primitive each, under torch's functional names ---------------------------
def tanh(input: Tensor) -> Tensor:
    """tanh(x) = (e^x - e^-x) / (e^x + e^-x), elementwise."""
    return input.tanh()


def relu(input: Tensor) -> Tensor:
    """max(x, 0), elementwise."""
    return input.relu()


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + e^-x), elementwise."""
    return input.sigmoid()


# ---- lookups ----------------------------------------------------------------------------------
def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: Optional[int] = None,
    max_norm: Optional[float] = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """out[...] = weight[input[...]]: row i of `weight` for each index i in `input`.

    Shapes: input (*) of int64 indices in [0, num_embeddings), weight (num_embeddings,
    embedding_dim) -> output (*, embedding_dim). One node (``EmbeddingBackward0``): backward
    adds each output row's gradient into the row it came from, except the `padding_idx` row,
    whose gradient stays 0. `max_norm`: the rows looked up are first rescaled *in place* to a
    `norm_type`-norm of at most `max_norm`, as torch does.
    """
    if input.dtype not in (np.int64, np.int32):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got torch.{_torch_dtype(input)}Tensor instead (while "
            "checking arguments for embedding)"
        )
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    if sparse:
        unsupported("torch.nn.functional.embedding(sparse=True)")
    rows = weight.shape[0]
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx %= rows
    indices = input._data
    if indices.size and (indices.min() < 0 or indices.max() >= rows):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _renorm_rows_(weight, np.unique(indices), max_norm, norm_type)
    return _functions.Embedding.apply(
        weight, indices=indices, padding_idx=padding_idx, scale_grad_by_freq=scale_grad_by_freq
    )


def _renorm_rows_(weight: Tensor, rows: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Scale each of `rows` whose norm exceeds max_norm down to max_norm (in place, no tape)."""
    norms = np.linalg.norm(weight._data[rows], ord=norm_type, axis=1)
    too_long = norms > max_norm
    scale = max_norm / (norms[too_long] + 1e-7)  # torch's 1e-7 keeps a zero row finite
    with no_grad():
        scaled = weight._data[rows[too_long]] * scale[:, None].astype(weight.dtype)
        weight[rows[too_long]] = Tensor(scaled)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 (*, num_classes): 1 where the last index equals the class in `tensor`, else 0.

    ``num_classes=-1`` takes one more than the largest class present. Not differentiable.
    """
    if tensor.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    classes = tensor._data
    if num_classes == -1:
        if classes.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(classes.max()) + 1
    if classes.size and classes.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if classes.size and classes.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return Tensor((classes[..., None] == np.arange(num_classes)).astype(np.int64))


# ---- softmax family ----------------------------------------------------------------------------
def log_softmax(
    input: Tensor, dim: Optional[int] = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """log softmax(x)_i = x_i - log sum_j e^{x_j}, along `dim`.

    One node (``LogSoftmaxBackward0``, see `_functions.py`), stable for logits in the
    thousands. `dtype` converts the input first. Leaving `dim` out is torch's deprecated
    form: it warns and picks dim 0 for 0-, 1- and 3-D input, else dim 1.
    """
    return _softmax_family(_functions.LogSoftmax, "log_softmax", input, dim, _stacklevel, dtype)


def softmax(
    input: Tensor, dim: Optional[int] = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """softmax(x)_i = e^{x_i} / sum_j e^{x_j} along `dim` (one node, ``SoftmaxBackward0``);
    `dim` and `dtype` as in `log_softmax`."""
    return _softmax_family(_functions.Softmax, "softmax", input, dim, _stacklevel, dtype)


def _softmax_family(
    op: Any, name: str, input: Tensor, dim: Optional[int], stacklevel: int, dtype: Any
) -> Tensor:
    if dim is None:
        warnings.warn(
            f"Implicit dimension choice for {name} has been deprecated. Change the call to "
            "include dim=X as an argument.",
            stacklevel=stacklevel,
        )
        dim = 0 if input.ndim in (0, 1, 3) else 1
    dim = _wrap_dim(dim, input.ndim)  # torch's IndexError for a dim the input does not have
    if dtype is not None:
        input = input.to(dtype)
    # (a 0-d input is one number: numpy's axis=None reduces over it)
    return op.apply(input, dim=dim if input.ndim else None)


def _torch_dtype(t: Tensor) -> str:
    return scalar_type_name(t.dtype)


# torch's other functional names: importable placeholders that raise UnsupportedError when used
__getattr__ = module_getattr(__name__, "torch.nn.functional")
