"""nn.utils.rnn: padding and packing, and PackedSequence through nn.RNN, nn.LSTM and nn.GRU.

Stored torch numbers for packed batches are in test_gated_reference.py. Here: what packing
*means* (a packed batch gives each sequence exactly what running it alone gives), round trips,
gradients by finite differences, and torch's errors and indices, live when torch is installed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import minitorch_rnn as mt
from minitorch_rnn.autograd import gradcheck
from minitorch_rnn.nn.utils.rnn import (
    PackedSequence,
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
    unpack_sequence,
    unpad_sequence,
)

F64 = {"rtol": 1e-10, "atol": 1e-12}


def numpy_of(t: Any) -> np.ndarray:
    return np.asarray(t.detach().numpy())


def test_import_paths_are_torchs() -> None:
    from minitorch_rnn.nn.utils import clip_grad_norm_  # the module that became a package

    assert clip_grad_norm_ is mt.nn.utils.clip_grad_norm_
    assert mt.nn.utils.rnn.pack_padded_sequence is pack_padded_sequence


def test_packing_layout_by_hand() -> None:
    """Lengths 3, 1, 2 (unsorted): sorted to 3, 2, 1, then read time step by time step."""
    x = mt.tensor(np.array([[1.0, 10.0, 100.0], [2.0, 0.0, 200.0], [3.0, 0.0, 0.0]]))  # (T=3, B=3)
    packed = pack_padded_sequence(x.unsqueeze(-1), [3, 1, 2], enforce_sorted=False)
    assert isinstance(packed, PackedSequence) and isinstance(packed, tuple)
    assert numpy_of(packed.data).ravel().tolist() == [1.0, 100.0, 10.0, 2.0, 200.0, 3.0]
    assert packed.batch_sizes.tolist() == [3, 2, 1]
    assert packed.sorted_indices.tolist() == [0, 2, 1]
    assert packed.unsorted_indices.tolist() == [0, 2, 1]
    padded, lengths = pad_packed_sequence(packed, padding_value=-1.0)
    assert lengths.tolist() == [3, 1, 2]
    expected = np.array([[1.0, 10.0, 100.0], [2.0, -1.0, 200.0], [3.0, -1.0, -1.0]])
    np.testing.assert_array_equal(numpy_of(padded)[..., 0], expected)


def test_pad_sequence_right_left_and_batch_first() -> None:
    a, b = mt.ones(3, 2), mt.ones(1, 2) * 2
    right = numpy_of(pad_sequence([a, b], padding_value=-1))
    assert right.shape == (3, 2, 2) and right[:, 1, 0].tolist() == [2.0, -1.0, -1.0]
    left = numpy_of(pad_sequence([a, b], batch_first=True, padding_value=-1, padding_side="left"))
    assert left.shape == (2, 3, 2) and left[1, :, 0].tolist() == [-1.0, -1.0, 2.0]


@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_sequence_round_trip_and_gradient(enforce_sorted: bool) -> None:
    lengths = [4, 3, 3, 1] if enforce_sorted else [2, 4, 1, 3]
    seqs = [mt.randn(n, 2, dtype=mt.float64, requires_grad=True) for n in lengths]
    packed = pack_sequence(seqs, enforce_sorted=enforce_sorted)
    assert packed.data.shape == (sum(lengths), 2)
    back = unpack_sequence(packed)
    for s, r in zip(seqs, back):
        np.testing.assert_array_equal(numpy_of(s), numpy_of(r))
    sum((r * (i + 1)).sum() for i, r in enumerate(back)).backward()
    for i, s in enumerate(seqs):  # every element went through packing and back once
        np.testing.assert_array_equal(numpy_of(s.grad), np.full((lengths[i], 2), i + 1.0))
    padded = pad_sequence(seqs, batch_first=True)
    for s, r in zip(seqs, unpad_sequence(padded, mt.tensor(lengths), batch_first=True)):
        np.testing.assert_array_equal(numpy_of(s), numpy_of(r))


def build(kind: str, **kwargs: Any) -> Any:
    mt.manual_seed(0)
    return getattr(mt.nn, kind)(3, 4, dtype=mt.float64, **kwargs)


KINDS = [("RNN", {}), ("LSTM", {}), ("LSTM", {"proj_size": 2}), ("GRU", {})]


@pytest.mark.parametrize("kind, extra", KINDS, ids=["RNN", "LSTM", "LSTM-proj", "GRU"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_batch_is_each_sequence_run_alone(kind: str, extra: dict[str, Any], bidirectional: bool) -> None:
    """The meaning of packing: each sequence gets its own output and final state, as if it ran
    alone -- the padding never enters the recurrence (in either direction)."""
    rnn = build(kind, num_layers=2, bidirectional=bidirectional, **extra)
    lengths = [2, 5, 1, 4]
    seqs = [mt.randn(n, 3, dtype=mt.float64) for n in lengths]
    out, state = rnn(pack_sequence(seqs, enforce_sorted=False))
    padded, out_lengths = pad_packed_sequence(out, batch_first=True)
    assert out_lengths.tolist() == lengths
    states = state if kind == "LSTM" else (state,)
    for i, s in enumerate(seqs):
        alone, alone_state = rnn(s)  # unbatched: (L, H_in)
        np.testing.assert_allclose(numpy_of(padded)[i, : lengths[i]], numpy_of(alone), **F64)
        assert not numpy_of(padded)[i, lengths[i] :].any()  # padding stays zero
        for part, alone_part in zip(states, alone_state if kind == "LSTM" else (alone_state,)):
            np.testing.assert_allclose(numpy_of(part)[:, i], numpy_of(alone_part), **F64)


@pytest.mark.parametrize("kind, extra", KINDS, ids=["RNN", "LSTM", "LSTM-proj", "GRU"])
def test_packed_initial_state_follows_the_callers_order(kind: str, extra: dict[str, Any]) -> None:
    rnn = build(kind, bidirectional=True, **extra)
    lengths = [1, 3, 2]
    seqs = [mt.randn(n, 3, dtype=mt.float64) for n in lengths]
    h_size = extra.get("proj_size", 4)
    h0 = mt.randn(2, 3, h_size, dtype=mt.float64)
    c0 = mt.randn(2, 3, 4, dtype=mt.float64)
    hx = (h0, c0) if kind == "LSTM" else h0
    _, state = rnn(pack_sequence(seqs, enforce_sorted=False), hx)
    for i, s in enumerate(seqs):
        one = (h0[:, i], c0[:, i]) if kind == "LSTM" else h0[:, i]
        _, alone = rnn(s, one)
        for part, alone_part in zip(state if kind == "LSTM" else (state,), alone if kind == "LSTM" else (alone,)):
            np.testing.assert_allclose(numpy_of(part)[:, i], numpy_of(alone_part), **F64)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_packed_gradcheck(kind: str) -> None:
    """Gradients through packing, the shrinking and growing batch, and unpacking."""
    rnn = mt.nn.__dict__[kind](2, 2, bidirectional=True, dtype=mt.float64)
    x = mt.randn(3, 3, 2, dtype=mt.float64, requires_grad=True)
    h0 = mt.randn(2, 3, 2, dtype=mt.float64, requires_grad=True)
    c0 = mt.randn(2, 3, 2, dtype=mt.float64, requires_grad=True)

    def f(x: Any, h0: Any, c0: Any, *_: Any) -> Any:
        packed = pack_padded_sequence(x, [2, 3, 1], enforce_sorted=False)
        out, state = rnn(packed, (h0, c0) if kind == "LSTM" else h0)
        padded, _ = pad_packed_sequence(out)
        return (padded, *state) if kind == "LSTM" else (padded, state)

    assert gradcheck(f, [x, h0, c0, *rnn.parameters()])


def test_packed_input_checks() -> None:
    rnn = mt.nn.GRU(3, 4)
    packed = pack_sequence([mt.randn(2, 3), mt.randn(1, 3)])
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 2, 4\), got \[1, 3, 4\]"):
        rnn(packed, mt.zeros(1, 3, 4))
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size"):
        rnn(pack_sequence([mt.randn(2, 5)]))


# --------------------------------------------------------------------------- errors, with torch

ERRORS: list[tuple[str, Callable[[Any], Any], type, str]] = [
    ("unsorted", lambda t: t.nn.utils.rnn.pack_padded_sequence(t.randn(5, 3, 2), [3, 5, 2]), RuntimeError,
     "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass "
     "`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement "
     "if you do not need ONNX exportability."),
    ("length_count", lambda t: t.nn.utils.rnn.pack_padded_sequence(t.randn(5, 3, 2), [5, 3]), RuntimeError,
     "Expected `len(lengths)` to be equal to batch_size, but got 2 (batch_size=3)"),
    ("zero_length", lambda t: t.nn.utils.rnn.pack_padded_sequence(t.randn(5, 3, 2), [5, 3, 0]), RuntimeError,
     "Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0"),
    ("total_length", lambda t: t.nn.utils.rnn.pad_packed_sequence(
        t.nn.utils.rnn.pack_padded_sequence(t.randn(3, 2, 2), [3, 1]), total_length=2), ValueError,
     "Expected total_length to be at least the length of the longest sequence in input, but got "
     "total_length=2 and max sequence length being 3"),
    ("empty_list", lambda t: t.nn.utils.rnn.pad_sequence([]), RuntimeError, "received an empty list of sequences"),
    ("padding_side", lambda t: t.nn.utils.rnn.pad_sequence([t.randn(3, 2)], padding_side="middle"), RuntimeError,
     "Expected padding_side to be one of left or right, but got middle."),
]  # fmt: skip


@pytest.mark.parametrize("lib_name", ["minitorch_rnn", "torch"])
@pytest.mark.parametrize("make, error, message", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors_are_torchs(make: Callable[[Any], Any], error: type, message: str, lib_name: str) -> None:
    lib = mt if lib_name == "minitorch_rnn" else pytest.importorskip("torch")
    with pytest.raises(error) as info:
        make(lib)
    assert str(info.value) == message


def test_sorting_ties_and_indices_match_live_torch() -> None:
    torch = pytest.importorskip("torch")
    lengths = [1, 2, 2, 3, 1, 3]
    x = np.random.default_rng(0).standard_normal((3, 6, 2))
    ours = pack_padded_sequence(mt.tensor(x), lengths, enforce_sorted=False)
    theirs = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), lengths, enforce_sorted=False)
    for field in ("batch_sizes", "sorted_indices", "unsorted_indices"):
        assert getattr(ours, field).tolist() == getattr(theirs, field).tolist(), field
    np.testing.assert_array_equal(numpy_of(ours.data), theirs.data.numpy())
    for batch_first in (False, True):
        for side in ("left", "right"):
            seqs = [x[:n, i] for i, n in enumerate(lengths)]
            a = pad_sequence([mt.tensor(s) for s in seqs], batch_first, 0.5, side)
            b = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first, 0.5, side)
            np.testing.assert_array_equal(numpy_of(a), b.numpy())
