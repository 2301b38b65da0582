"""The cases of tests/reference/gated.npz -- nn.LSTM, nn.GRU, their cells, and packed batches
through nn.RNN, nn.LSTM and nn.GRU -- written once for both libraries.

`run_case(lib, case)` takes ``torch`` or ``minitorch_rnn`` (their APIs agree), draws the
parameters and inputs from `Draw` (numpy's PCG64, seeded by the case id), runs forward and
backward, and returns every number worth comparing, named. The reference script runs it with
torch and stores the results as one flat array per case; test_gated_reference.py runs it with
minitorch_rnn and compares. Nothing but the results is stored, which keeps 700+ cases under
1 MB.
"""

from __future__ import annotations

import itertools
import zlib
from typing import Any

import numpy as np

INPUT_SIZE, HIDDEN_SIZE, PROJ_SIZE, SEQ_LEN, BATCH = 3, 3, 2, 4, 2
# Packed cases: four sequences, out of order, one of them as long as the padding.
PACKED_LENGTHS = [3, 1, 4, 3]
SORTED_LENGTHS = sorted(PACKED_LENGTHS, reverse=True)


class Draw:
    """Deterministic numbers for one case: uniform on [-bound, bound], drawn in float64."""

    def __init__(self, case_id: str, dtype: str) -> None:
        self.rng = np.random.default_rng(zlib.crc32(case_id.encode()))
        self.dtype = dtype

    def __call__(self, shape: tuple[int, ...], bound: float = 1.0) -> np.ndarray:
        return self.rng.uniform(-bound, bound, size=shape).astype(self.dtype)


def _tag(case: dict[str, Any]) -> str:
    keys = [k for k in case if k not in ("kind", "dtype")]
    bits = "_".join(f"{k}{int(v) if isinstance(v, bool) else v}" for k, v in ((k, case[k]) for k in keys))
    return f"{case['kind']}_{bits}_{'f32' if case['dtype'] == 'float32' else 'f64'}"


def layer_cases() -> list[dict[str, Any]]:
    """nn.LSTM (with and without proj_size) and nn.GRU over every option nn.RNN's grid has.

    3-layer cases have dropout=0.25 and run in eval mode (dropout is then the identity, as in
    torch); training-mode dropout is random, so test_lstm_gru.py checks its rate instead.
    """
    cases = []
    kinds = [("LSTM", 0), ("LSTM", PROJ_SIZE), ("GRU", 0)]
    for (kind, proj), layers, bias, bf, bi, unb, h0, dtype in itertools.product(
        kinds, (1, 2, 3), (True, False), (False, True), (False, True), (False, True),
        (False, True), ("float64", "float32"),
    ):  # fmt: skip
        case = {"kind": kind, "proj": proj, "layers": layers, "bias": bias, "bf": bf, "bi": bi,
                "unb": unb, "h0": h0, "dtype": dtype}  # fmt: skip
        cases.append({"id": _tag(case), **case})
    return cases


def cell_cases() -> list[dict[str, Any]]:
    cases = []
    for kind, bias, unb, hx, dtype in itertools.product(
        ("LSTMCell", "GRUCell"), (True, False), (False, True), (False, True), ("float64", "float32")
    ):
        case = {"kind": kind, "bias": bias, "unb": unb, "hx": hx, "dtype": dtype}
        cases.append({"id": _tag(case), **case})
    return cases


def packed_cases() -> list[dict[str, Any]]:
    """Packed batches through RNN, LSTM (also projected) and GRU, sorted or not, h0 or not."""
    cases = []
    kinds = [("RNN", 0), ("LSTM", 0), ("LSTM", PROJ_SIZE), ("GRU", 0)]
    for (kind, proj), layers, bi, sorted_, h0, dtype in itertools.product(
        kinds, (1, 2), (False, True), (True, False), (False, True), ("float64", "float32")
    ):
        # enforce_sorted=True needs the lengths sorted; batch_first alternates with it
        case = {"kind": kind, "proj": proj, "layers": layers, "bi": bi, "sorted": sorted_,
                "bf": not sorted_ and layers == 2, "h0": h0, "dtype": dtype, "packed": True}  # fmt: skip
        cases.append({"id": _tag(case), **case})
    return cases


def _load(lib: Any, module: Any, draw: Draw) -> None:
    """Parameters from U(-1/sqrt(H), 1/sqrt(H)), like torch's init, in state_dict order."""
    bound = 1 / np.sqrt(module.hidden_size)
    shapes = [(name, tuple(p.shape)) for name, p in module.named_parameters()]
    module.load_state_dict({name: lib.tensor(draw(shape, bound)) for name, shape in shapes})


def _backward(lib: Any, draw: Draw, results: list[tuple[str, Any]]) -> None:
    """Backpropagate sum(result * g) over the results, each with its own random g."""
    loss = sum((value * lib.tensor(draw(tuple(value.shape)))).sum() for _, value in results)
    loss.backward()


def run_case(lib: Any, case: dict[str, Any]) -> list[tuple[str, Any]]:
    """Forward and backward of one case in `lib`; the named tensors to compare, in order."""
    if case["kind"].endswith("Cell"):
        return _run_cell(lib, case)
    draw = Draw(case["id"], case["dtype"])
    dtype = getattr(lib, case["dtype"])
    kwargs: dict[str, Any] = {"num_layers": case["layers"], "bidirectional": case["bi"],
                              "batch_first": case["bf"], "dtype": dtype}  # fmt: skip
    if not case.get("packed"):
        kwargs["bias"] = case["bias"]
    if case["proj"]:
        kwargs["proj_size"] = case["proj"]
    if case["layers"] == 3:
        kwargs["dropout"] = 0.25
    module = getattr(lib.nn, case["kind"])(INPUT_SIZE, HIDDEN_SIZE, **kwargs)
    if case["layers"] == 3:
        module.eval()
    _load(lib, module, draw)

    packed = case.get("packed", False)
    batch = len(PACKED_LENGTHS) if packed else BATCH
    seq = max(PACKED_LENGTHS) if packed else SEQ_LEN
    unbatched = case.get("unb", False)
    if unbatched:
        x_shape: tuple[int, ...] = (seq, INPUT_SIZE)
    else:
        x_shape = (batch, seq, INPUT_SIZE) if case["bf"] else (seq, batch, INPUT_SIZE)
    x = lib.tensor(draw(x_shape), requires_grad=True)
    num_states = case["layers"] * (2 if case["bi"] else 1)
    state_batch = () if unbatched else (batch,)
    leaves = [("input", x)]
    hx = None
    if case["h0"]:
        h0 = lib.tensor(draw((num_states, *state_batch, case["proj"] or HIDDEN_SIZE)), requires_grad=True)
        leaves.append(("h0", h0))
        hx = h0
        if case["kind"] == "LSTM":
            c0 = lib.tensor(draw((num_states, *state_batch, HIDDEN_SIZE)), requires_grad=True)
            leaves.append(("c0", c0))
            hx = (h0, c0)

    if packed:
        lengths = SORTED_LENGTHS if case["sorted"] else PACKED_LENGTHS
        utils = lib.nn.utils.rnn
        inp = utils.pack_padded_sequence(x, lengths, batch_first=case["bf"], enforce_sorted=case["sorted"])
        out_packed, state = module(inp, hx)
        output, out_lengths = utils.pad_packed_sequence(
            out_packed, batch_first=case["bf"], padding_value=0.5, total_length=seq + 1
        )
        assert list(out_lengths.numpy()) == lengths
    else:
        output, state = module(x, hx)
    results = [("output", output)]
    if case["kind"] == "LSTM":
        results += [("h_n", state[0]), ("c_n", state[1])]
    else:
        results.append(("h_n", state))
    _backward(lib, draw, results)
    grads = [(f"grad/{name}", leaf.grad) for name, leaf in leaves]
    grads += [(f"grad/{name}", p.grad) for name, p in module.named_parameters()]
    return results + grads


def _run_cell(lib: Any, case: dict[str, Any]) -> list[tuple[str, Any]]:
    draw = Draw(case["id"], case["dtype"])
    cell = getattr(lib.nn, case["kind"])(INPUT_SIZE, HIDDEN_SIZE, bias=case["bias"],
                                         dtype=getattr(lib, case["dtype"]))  # fmt: skip
    _load(lib, cell, draw)
    batch = () if case["unb"] else (BATCH,)
    x = lib.tensor(draw((*batch, INPUT_SIZE)), requires_grad=True)
    leaves = [("input", x)]
    hx = None
    if case["hx"]:
        h = lib.tensor(draw((*batch, HIDDEN_SIZE)), requires_grad=True)
        leaves.append(("h", h))
        hx = h
        if case["kind"] == "LSTMCell":
            c = lib.tensor(draw((*batch, HIDDEN_SIZE)), requires_grad=True)
            leaves.append(("c", c))
            hx = (h, c)
    out = cell(x, hx)
    results = [("h'", out[0]), ("c'", out[1])] if case["kind"] == "LSTMCell" else [("h'", out)]
    _backward(lib, draw, results)
    grads = [(f"grad/{name}", leaf.grad) for name, leaf in leaves]
    grads += [(f"grad/{name}", p.grad) for name, p in cell.named_parameters()]
    return results + grads


def all_cases() -> list[dict[str, Any]]:
    return layer_cases() + cell_cases() + packed_cases()
