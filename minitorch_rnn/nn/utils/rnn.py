"""Variable-length batches: padding, packing, and `PackedSequence`, with torch's names.

Real sequences have different lengths. Two ways to put them in one batch:

* **padded**: a (T, B, *) tensor, each sequence followed by `padding_value` up to the longest
  (`pad_sequence`). Simple, but an RNN would also run over the padding, and its final state
  would be the state after the padding.
* **packed**: the sequences sorted longest first, then read time step by time step, keeping only
  the sequences still running. For lengths 3, 2, 1 (a1 a2 a3 / b1 b2 / c1)::

      data        = [a1 b1 c1 | a2 b2 | a3]      (sum of lengths, *): no padding at all
      batch_sizes = [3, 2, 1]                    how many sequences are running at each t

  `nn.RNN`, `nn.LSTM` and `nn.GRU` accept a `PackedSequence`: at step t they update only the
  first ``batch_sizes[t]`` states, so every sequence stops at its own end, and `h_n` holds each
  sequence's state after its *last real* element.

`sorted_indices` remembers how the batch was sorted (``enforce_sorted=False``), and
`unsorted_indices` undoes it, so the outputs and states come back in the caller's order.

Everything here is built from tensor primitives (indexing, cat, stack), so gradients flow
through packing and unpacking like through any other op.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple, Optional, Union

import numpy as np

from ..._tensor import Tensor
from ...creation import full, tensor
from ...functional import cat, stack

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpad_sequence",
    "pack_sequence",
    "unpack_sequence",
]


class PackedSequence(NamedTuple):
    """A packed batch: ``data`` (sum of lengths, *), ``batch_sizes`` (T,) int64, and the
    permutations ``sorted_indices`` / ``unsorted_indices`` (None when the batch came sorted).

    Make one with `pack_padded_sequence` or `pack_sequence`, not by hand. It unpacks like a
    tuple: ``data, batch_sizes, sorted_indices, unsorted_indices = packed``.
    """

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Optional[Tensor] = None
    unsorted_indices: Optional[Tensor] = None

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """The same packing with ``data.to(...)`` (batch_sizes and the indices stay int64)."""
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else self._replace(data=data)

    def double(self) -> PackedSequence:
        return self._replace(data=self.data.double())

    def float(self) -> PackedSequence:
        return self._replace(data=self.data.float())

    def cpu(self) -> PackedSequence:
        return self

    @property
    def is_cuda(self) -> bool:
        return False


def _packed(data: Tensor, batch_sizes: Tensor, sorted_indices: Optional[Tensor]) -> PackedSequence:
    return PackedSequence(data, batch_sizes, sorted_indices, invert_permutation(sorted_indices))


def invert_permutation(permutation: Optional[Tensor]) -> Optional[Tensor]:
    """The inverse permutation: ``out[permutation[i]] = i`` (None stays None)."""
    if permutation is None:
        return None
    perm = permutation.numpy()
    inverse = np.empty_like(perm)
    inverse[perm] = np.arange(len(perm))
    return tensor(inverse)


def _lengths_array(lengths: Union[Tensor, Sequence[int]]) -> np.ndarray:
    values = lengths.numpy() if isinstance(lengths, Tensor) else lengths
    return np.asarray(values).astype(np.int64)


def pack_padded_sequence(
    input: Tensor,
    lengths: Union[Tensor, Sequence[int]],
    batch_first: bool = False,
    enforce_sorted: bool = True,
) -> PackedSequence:
    """Pack a padded batch (T, B, *) -- or (B, T, *) with ``batch_first`` -- of `lengths`.

    With ``enforce_sorted=True`` the lengths must already decrease; with ``False`` the batch
    is sorted here (longest first, ties in their original order) and the packing remembers
    the permutation. Returns a `PackedSequence`; entries past each length are never read.
    """
    lengths_np = _lengths_array(lengths)
    sorted_indices = None
    if not enforce_sorted:
        order = np.argsort(-lengths_np, kind="stable")  # torch.sort(descending=True), stable
        lengths_np = lengths_np[order]
        sorted_indices = tensor(order)
        batch_dim = 0 if batch_first else 1
        input = input[(slice(None),) * batch_dim + (order,)]
    if batch_first:
        input = input.transpose(0, 1)  # (T, B, *): step t is input[t]
    if len(lengths_np) != input.shape[1]:
        raise RuntimeError(
            "Expected `len(lengths)` to be equal to batch_size, but got "
            f"{len(lengths_np)} (batch_size={input.shape[1]})"
        )
    if (lengths_np <= 0).any():
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in "
            "'lengths' that is <= 0"
        )
    if (np.diff(lengths_np) > 0).any():
        raise RuntimeError(
            "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
            "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
            "pack_sequence to sidestep this requirement if you do not need ONNX exportability."
        )
    if lengths_np[0] > input.shape[0]:
        raise RuntimeError(
            f"Expected the longest length ({lengths_np[0]}) to be at most the padded length "
            f"({input.shape[0]})"
        )
    # batch_sizes[t] = how many sequences are longer than t
    batch_sizes = (lengths_np[None, :] > np.arange(lengths_np[0])[:, None]).sum(1)
    data = cat([input[t, :n] for t, n in enumerate(batch_sizes)])
    return _packed(data, tensor(batch_sizes.astype(np.int64)), sorted_indices)


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: Optional[int] = None,
) -> tuple[Tensor, Tensor]:
    """Undo the packing: the padded batch (T, B, *) and the lengths (B,) int64, in the order
    the sequences had before packing. ``total_length`` pads T further (e.g. to the input's T)."""
    data, batch_sizes_t, _, unsorted_indices = sequence
    batch_sizes = batch_sizes_t.numpy()
    max_seq_length = len(batch_sizes)
    if total_length is not None:
        if total_length < max_seq_length:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being "
                f"{max_seq_length}"
            )
        max_seq_length = total_length
    batch, features = int(batch_sizes[0]), tuple(data.shape[1:])
    steps, start = [], 0
    for n in batch_sizes:  # step t: its n rows, then padding for the sequences that ended
        rows = data[start : start + n]
        start += n
        if n < batch:
            rows = cat([rows, full((batch - n, *features), padding_value, dtype=data.dtype)])
        steps.append(rows)
    for _ in range(max_seq_length - len(batch_sizes)):
        steps.append(full((batch, *features), padding_value, dtype=data.dtype))
    padded = stack(steps, dim=1 if batch_first else 0)
    lengths = (batch_sizes[None, :] > np.arange(batch)[:, None]).sum(1).astype(np.int64)
    if unsorted_indices is not None:
        order = unsorted_indices.numpy()
        padded = padded[(slice(None),) * (0 if batch_first else 1) + (order,)]
        lengths = lengths[order]
    return padded, tensor(lengths)


def pad_sequence(
    sequences: Union[Tensor, Iterable[Tensor]],
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack sequences of lengths L_i (each (L_i, *)) into (max L_i, B, *), or (B, max L_i, *)
    with ``batch_first``, filling with `padding_value` on the right (or the left)."""
    if not isinstance(sequences, Iterable):
        raise RuntimeError(
            "pad_sequence: Expected iterable for input sequences, but got arg of type: "
            f"{type(sequences)}"
        )
    sequences = tuple(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise RuntimeError(
            f"Expected padding_side to be one of left or right, but got {padding_side}."
        )
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - s.shape[0]
        if missing:
            pad = full((missing, *s.shape[1:]), padding_value, dtype=s.dtype)
            s = cat([s, pad] if padding_side == "right" else [pad, s])
        padded.append(s)
    return stack(padded, dim=0 if batch_first else 1)


def unpad_sequence(
    padded_sequences: Tensor, lengths: Union[Tensor, Sequence[int]], batch_first: bool = False
) -> list[Tensor]:
    """The inverse of `pad_sequence`: a list of the B sequences, each cut to its length."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[: int(n)] for seq, n in zip(padded_sequences.unbind(0), _lengths_array(lengths))]


def pack_sequence(sequences: list[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences (each (L_i, *)): `pad_sequence`, then `pack_padded_sequence`."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The inverse of `pack_sequence`: the list of sequences, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
