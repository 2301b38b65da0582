"""`nn.Embedding`: a learnable lookup table, one vector per token id (torch's nn/sparse.py)."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .._placeholders import unsupported
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..dtypes import float32, to_dtype
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Embedding(Module):
    r"""Row i of `weight` for every index i of the input: ``embedding(x) == weight[x]``.

    The usual first layer of a language model: token ids in, vectors out. Its gradient is
    nonzero only in the rows that were looked up (added up when an id repeats).

    Args:
        num_embeddings: how many rows (the vocabulary size)
        embedding_dim: the length of each row
        padding_idx: a row that starts at zero and never gets a gradient (for padding tokens)
        max_norm: if set, each row looked up is first rescaled, *in place*, to a norm of at
            most max_norm (measured with `norm_type`)
        scale_grad_by_freq: divide each row's gradient by how often its id occurs in the batch
        dtype: dtype of the weight (default: float32)

    Shape:
        input (*) int64 ids in [0, num_embeddings) -> output (*, embedding_dim)

    Attributes:
        weight: (num_embeddings, embedding_dim), from N(0, 1) (the padding row zero)

    Example::

        >>> emb = nn.Embedding(10, 3, padding_idx=0)
        >>> emb(mt.tensor([[1, 2, 0], [4, 0, 9]])).shape
        (2, 3, 3)
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: Optional[int] = None,
        max_norm: Optional[float] = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Optional[Tensor] = None,
        _freeze: bool = False,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx %= num_embeddings
        if sparse:
            unsupported("torch.nn.Embedding(sparse=True)")
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            shape = (num_embeddings, embedding_dim)
            self.weight = Parameter(np.empty(shape, dtype=to_dtype(dtype) or float32))
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise AssertionError(
                    "Shape of weight does not match num_embeddings and embedding_dim"
                )
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """N(0, 1) from the package-wide generator (`mt.manual_seed`), the padding row zeroed."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0

    def forward(self, input: Tensor) -> Tensor:
        return F.embedding(
            input,
            self.weight,
            self.padding_idx,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.sparse,
        )

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse is not False:
            s += ", sparse=True"
        return s

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor,
        freeze: bool = True,
        padding_idx: Optional[int] = None,
        max_norm: Optional[float] = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:
        """An Embedding whose weight *is* `embeddings` (shared memory); frozen by default."""
        if embeddings.ndim != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        return cls(
            num_embeddings=rows,
            embedding_dim=cols,
            _weight=embeddings,
            _freeze=freeze,
            padding_idx=padding_idx,
            max_norm=max_norm,
            norm_type=norm_type,
            scale_grad_by_freq=scale_grad_by_freq,
            sparse=sparse,
        )
