"""nn.LSTM, nn.GRU, LSTMCell, GRUCell and packed batches against torch 2.13's numbers.

The stored half reads ``tests/reference/gated.npz`` (``make_reference_gated.py``), so it runs
without torch: 736 cases -- LSTM (also with proj_size) and GRU over nn.RNN's grid of options
(layers, bias, batch_first, bidirectional, unbatched, initial state, float32 / float64; dropout
in eval mode), both cells, and packed batches (sorted or not) through RNN, LSTM and GRU. Each
compares the outputs, the final states and the gradient of every input, initial state and
parameter. The cases themselves are in ``gated_cases.py``, run here with minitorch_rnn and
there with torch.

The live half (bottom) runs a few cases through torch itself when it is installed.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from gated_cases import Draw, run_case
from reference_data import REFERENCE_DIR, TOLERANCE, case_ids, read_cases, to_numpy

import minitorch_rnn as mt

CASES = read_cases("gated.npz")


def stored(case_id: str) -> np.ndarray:
    return _arrays()[case_id]


_CACHE: dict[str, np.ndarray] = {}


def _arrays() -> dict[str, np.ndarray]:
    if not _CACHE:
        with np.load(REFERENCE_DIR / "gated.npz") as archive:
            _CACHE.update({k: archive[k] for k in archive.files if not k.startswith("__")})
    return _CACHE


def unflatten(flat: np.ndarray, layout: list[list[Any]]) -> dict[str, np.ndarray]:
    """The case's flat array back into its named arrays."""
    out, start = {}, 0
    for name, shape in layout:
        size = int(np.prod(shape))
        out[name] = flat[start : start + size].reshape(shape)
        start += size
    assert start == flat.size
    return out


def test_numpy_draws_what_it_drew_for_torch() -> None:
    """The inputs are not stored but drawn again: this would say so if numpy's stream changed."""
    with np.load(REFERENCE_DIR / "gated.npz") as archive:
        meta = json.loads(str(archive["__meta__"]))
    assert Draw("check", "float64")((4,)).tolist() == meta["first_draws"]
    assert meta["torch"].startswith("2.13")


def test_the_grid_is_as_large_as_nn_rnns() -> None:
    kinds = [c["kind"] + ("_proj" if c.get("proj") else "") for c in CASES if not c.get("packed")]
    assert {k: kinds.count(k) for k in set(kinds)} == {
        "LSTM": 192, "LSTM_proj": 192, "GRU": 192, "LSTMCell": 16, "GRUCell": 16
    }  # fmt: skip
    assert len(read_cases("rnn.npz")) == 384  # nn.RNN's: 3 layers x 2 nonlinearities x 2^6
    assert sum(1 for c in CASES if c.get("packed")) == 128


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_matches_torch(case: dict[str, Any]) -> None:
    expected = unflatten(stored(case["id"]), case["layout"])
    ours = run_case(mt, case)
    assert [name for name, _ in ours] == list(expected), "the same results, in the same order"
    for name, value in ours:
        assert value is not None, f"{name}: None, torch has a value"
        got = to_numpy(value)
        want = expected[name]
        assert got.shape == want.shape, f"{name}: shape {got.shape}, torch {want.shape}"
        assert got.dtype == want.dtype, f"{name}: dtype {got.dtype}, torch {want.dtype}"
        np.testing.assert_allclose(got, want, err_msg=name, **TOLERANCE[case["dtype"]])


# --------------------------------------------------------------------------- live, with torch

LIVE = [c for c in CASES if c["dtype"] == "float64" and (c.get("packed") or c["kind"].endswith("Cell") or (c["layers"] == 2 and c["bi"]))][::7]


@pytest.mark.parametrize("case", LIVE, ids=case_ids(LIVE))
def test_live_torch_agrees(case: dict[str, Any]) -> None:
    """The same code run by torch now gives what is stored, and what we give."""
    torch = pytest.importorskip("torch")
    theirs = run_case(torch, case)
    ours = run_case(mt, case)
    for (name, t), (_, o) in zip(theirs, ours):
        np.testing.assert_allclose(to_numpy(o), t.detach().numpy(), err_msg=name, **TOLERANCE["float64"])
