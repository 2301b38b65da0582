"""nn.LSTM, nn.GRU, LSTMCell, GRUCell: torch's names, reprs and errors, the gates in the picture,
finite-difference gradients, dropout, and the properties that need no torch.

Numbers against stored torch data are in test_gated_reference.py; packing is in test_packing.py.
"""

from __future__ import annotations

import doctest
import math
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import minitorch_rnn as mt
from minitorch_rnn.autograd import gradcheck, retain_values
from minitorch_rnn.autograd.plain import topological_order
from minitorch_rnn.nn import functional as F
from minitorch_rnn.nn import gru as gru_module
from minitorch_rnn.nn import lstm as lstm_module
from minitorch_rnn.nn import rnn_loop

F64 = {"rtol": 1e-10, "atol": 1e-12}


def numpy_of(t: Any) -> np.ndarray:
    return np.asarray(t.detach().numpy())


def torch_or_skip() -> Any:
    return pytest.importorskip("torch")


def test_docstring_examples_run() -> None:
    results = [
        doctest.testmod(m, optionflags=doctest.NORMALIZE_WHITESPACE) for m in (lstm_module, gru_module)
    ]
    assert sum(r.attempted for r in results) >= 15
    assert sum(r.failed for r in results) == 0


# --------------------------------------------------------------------------- names, shapes, init, repr

CONFIGS = [
    ("LSTM", {"num_layers": 2, "bidirectional": True}),
    ("LSTM", {"num_layers": 3, "proj_size": 2, "bidirectional": True}),
    ("LSTM", {"bias": False, "proj_size": 1}),
    ("GRU", {"num_layers": 3, "bidirectional": True}),
    ("GRU", {"bias": False, "num_layers": 2}),
]


@pytest.mark.parametrize("kind, kwargs", CONFIGS, ids=[f"{k}-{v}" for k, v in CONFIGS])
def test_parameter_names_and_shapes_match_live_torch(kind: str, kwargs: dict[str, Any]) -> None:
    torch = torch_or_skip()
    ours = [(n, p.shape) for n, p in getattr(mt.nn, kind)(4, 5, **kwargs).named_parameters()]
    theirs = [(n, tuple(p.shape)) for n, p in getattr(torch.nn, kind)(4, 5, **kwargs).named_parameters()]
    assert ours == theirs


def test_parameter_names_and_shapes_without_torch() -> None:
    lstm = mt.nn.LSTM(3, 5, num_layers=2, bidirectional=True, proj_size=2)
    shapes = dict((n, p.shape) for n, p in lstm.named_parameters())
    assert list(shapes)[:5] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0"]
    assert shapes["weight_ih_l0"] == (20, 3) and shapes["weight_hh_l0"] == (20, 2)
    assert shapes["weight_ih_l1_reverse"] == (20, 4)  # two directions of proj_size 2
    assert shapes["weight_hr_l1_reverse"] == (2, 5)
    gru = mt.nn.GRU(3, 5, bias=False)
    assert [(n, p.shape) for n, p in gru.named_parameters()] == [("weight_ih_l0", (15, 3)), ("weight_hh_l0", (15, 5))]
    cell = mt.nn.LSTMCell(3, 5, bias=False)
    assert [(n, p.shape) for n, p in cell.named_parameters()] == [("weight_ih", (20, 3)), ("weight_hh", (20, 5))]
    assert cell.bias_ih is None
    assert isinstance(cell, mt.nn.RNNCellBase) and isinstance(mt.nn.GRU(1, 2), mt.nn.RNNBase)


@pytest.mark.parametrize("make", [
    lambda: mt.nn.LSTM(5, 7, num_layers=2, bidirectional=True, proj_size=3),
    lambda: mt.nn.GRU(5, 7, num_layers=2, bidirectional=True),
    lambda: mt.nn.LSTMCell(5, 7), lambda: mt.nn.GRUCell(5, 7),
], ids=["LSTM", "GRU", "LSTMCell", "GRUCell"])  # fmt: skip
def test_init_is_uniform_within_bound_and_follows_manual_seed(make: Callable[[], Any]) -> None:
    bound = 1 / math.sqrt(7)  # 1/sqrt(hidden_size) for every parameter, also weight_hr
    mt.manual_seed(3)
    a = make()
    mt.manual_seed(3)
    b = make()
    for (name, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        assert np.all(np.abs(numpy_of(p)) <= bound), name
        np.testing.assert_array_equal(numpy_of(p), numpy_of(q), err_msg=name)
    everything = np.concatenate([numpy_of(p).ravel() for p in a.parameters()])
    assert abs(everything.mean()) < 0.1 * bound
    assert abs(everything.std() - bound / math.sqrt(3)) < 0.1 * bound


REPRS = [
    (lambda nn: nn.LSTM(10, 20, 2), "LSTM(10, 20, num_layers=2)"),
    (lambda nn: nn.LSTM(10, 20, proj_size=5, num_layers=2, bidirectional=True),
     "LSTM(10, 20, proj_size=5, num_layers=2, bidirectional=True)"),
    (lambda nn: nn.LSTM(10, 20, 3, False, True, 0.25, True),
     "LSTM(10, 20, num_layers=3, bias=False, batch_first=True, dropout=0.25, bidirectional=True)"),
    (lambda nn: nn.GRU(10, 20, 2, dropout=0.5), "GRU(10, 20, num_layers=2, dropout=0.5)"),
    (lambda nn: nn.GRU(10, 20, batch_first=True), "GRU(10, 20, batch_first=True)"),
    (lambda nn: nn.LSTMCell(10, 20), "LSTMCell(10, 20)"),
    (lambda nn: nn.LSTMCell(10, 20, bias=False), "LSTMCell(10, 20, bias=False)"),
    (lambda nn: nn.GRUCell(10, 20, False), "GRUCell(10, 20, bias=False)"),
]  # fmt: skip


@pytest.mark.parametrize("lib_name", ["minitorch_rnn", "torch"])
@pytest.mark.parametrize("build, expected", REPRS, ids=[r for _, r in REPRS])
def test_repr_is_torchs(build: Callable[[Any], Any], expected: str, lib_name: str) -> None:
    lib = mt if lib_name == "minitorch_rnn" else torch_or_skip()
    assert repr(build(lib.nn)) == expected


# --------------------------------------------------------------------------- errors, in torch's words

ERRORS: list[tuple[str, Callable[[Any], Any], type, str]] = [
    ("proj_too_big", lambda t: t.nn.LSTM(10, 20, proj_size=20), ValueError, "proj_size has to be smaller than hidden_size"),
    ("proj_negative", lambda t: t.nn.LSTM(10, 20, proj_size=-1), ValueError,
     "proj_size should be a positive integer or zero to disable projections"),
    ("gru_proj", lambda t: t.nn.GRU(10, 20, proj_size=2), ValueError,
     "proj_size argument is only supported for LSTM, not RNN or GRU"),
    ("rnn_proj", lambda t: t.nn.RNN(10, 20, proj_size=2), ValueError,
     "proj_size argument is only supported for LSTM, not RNN or GRU"),
    ("lstm_hidden_0", lambda t: t.nn.LSTM(10, 0), ValueError, "hidden_size must be greater than zero"),
    ("gru_dropout", lambda t: t.nn.GRU(10, 20, 2, dropout=1.5), ValueError,
     "dropout should be a number in range [0, 1] representing the probability of an element being zeroed"),
    ("lstm_input_4d", lambda t: t.nn.LSTM(10, 20)(t.randn(5, 3, 2, 10)), ValueError,
     "LSTM: Expected input to be 2D or 3D, got 4D instead"),
    ("gru_input_1d", lambda t: t.nn.GRU(10, 20)(t.randn(10)), ValueError,
     "GRU: Expected input to be 2D or 3D, got 1D instead"),
    ("lstm_batched_2d_hx", lambda t: t.nn.LSTM(10, 20)(t.randn(5, 3, 10), (t.randn(3, 20), t.randn(1, 3, 20))),
     RuntimeError, "For batched 3-D input, hx and cx should also be 3-D but got (2-D, 3-D) tensors"),
    ("lstm_unbatched_3d_hx", lambda t: t.nn.LSTM(10, 20)(t.randn(5, 10), (t.randn(1, 3, 20), t.randn(1, 20))),
     RuntimeError, "For unbatched 2-D input, hx and cx should also be 2-D but got (3-D, 2-D) tensors"),
    ("gru_batched_2d_hx", lambda t: t.nn.GRU(10, 20)(t.randn(5, 3, 10), t.randn(3, 20)), RuntimeError,
     "For batched 3-D input, hx should also be 3-D but got 2-D tensor"),
    ("lstm_h_size", lambda t: t.nn.LSTM(10, 20)(t.randn(5, 3, 10), (t.randn(2, 3, 20), t.randn(1, 3, 20))),
     RuntimeError, "Expected hidden[0] size (1, 3, 20), got [2, 3, 20]"),
    ("lstm_c_size", lambda t: t.nn.LSTM(10, 20)(t.randn(5, 3, 10), (t.randn(1, 3, 20), t.randn(1, 3, 7))),
     RuntimeError, "Expected hidden[1] size (1, 3, 20), got [1, 3, 7]"),
    ("lstm_proj_h_size", lambda t: t.nn.LSTM(10, 20, proj_size=5)(t.randn(5, 3, 10), (t.randn(1, 3, 20), t.randn(1, 3, 20))),
     RuntimeError, "Expected hidden[0] size (1, 3, 5), got [1, 3, 20]"),
    ("gru_hx_size", lambda t: t.nn.GRU(10, 20, 2)(t.randn(5, 3, 10), t.randn(1, 3, 20)), RuntimeError,
     "Expected hidden size (2, 3, 20), got [1, 3, 20]"),
    ("gru_input_size", lambda t: t.nn.GRU(10, 20)(t.randn(5, 3, 7)), RuntimeError,
     "input.size(-1) must be equal to input_size. Expected 10, got 7"),
    ("lstm_input_dtype", lambda t: t.nn.LSTM(10, 20)(t.randn(5, 3, 10, dtype=t.float64)), ValueError,
     "RNN input dtype ({lib}.float64) does not match weight dtype ({lib}.float32). "
     "Convert input: input.to({lib}.float32), or convert model: model.to({lib}.float64)"),
    ("gru_hx_dtype", lambda t: t.nn.GRU(10, 20)(t.randn(5, 3, 10), t.randn(1, 3, 20, dtype=t.float64)),
     RuntimeError, "mat1 and mat2 must have the same dtype, but got Double and Float"),
    ("lstm_empty", lambda t: t.nn.LSTM(10, 20)(t.randn(0, 3, 10)), RuntimeError,
     "Expected sequence length to be larger than 0 in RNN"),
    ("gru_empty", lambda t: t.nn.GRU(10, 20)(t.randn(0, 3, 10)), RuntimeError,
     "Expected sequence length to be larger than 0 in RNN"),
    # the cells
    ("lstmcell_input_size", lambda t: t.nn.LSTMCell(10, 20)(t.randn(3, 7)), RuntimeError,
     "input has inconsistent input_size: got 7 expected 10"),
    ("lstmcell_h_batch", lambda t: t.nn.LSTMCell(10, 20)(t.randn(3, 10), (t.randn(4, 20), t.randn(3, 20))),
     RuntimeError, "Input batch size 3 doesn't match hidden0 batch size 4"),
    ("lstmcell_c_batch", lambda t: t.nn.LSTMCell(10, 20)(t.randn(3, 10), (t.randn(3, 20), t.randn(4, 20))),
     RuntimeError, "Input batch size 3 doesn't match hidden1 batch size 4"),
    ("lstmcell_h_size", lambda t: t.nn.LSTMCell(10, 20)(t.randn(3, 10), (t.randn(3, 7), t.randn(3, 20))),
     RuntimeError, "hidden0 has inconsistent hidden_size: got 7, expected 20"),
    ("lstmcell_c_size", lambda t: t.nn.LSTMCell(10, 20)(t.randn(3, 10), (t.randn(3, 20), t.randn(3, 7))),
     RuntimeError, "hidden1 has inconsistent hidden_size: got 7, expected 20"),
    ("lstmcell_hx_3d", lambda t: t.nn.LSTMCell(10, 20)(t.randn(3, 10), (t.randn(2, 3, 20), t.randn(3, 20))),
     ValueError, "LSTMCell: Expected hx[0] to be 1D or 2D, got 3D instead"),
    ("lstmcell_input_3d", lambda t: t.nn.LSTMCell(10, 20)(t.randn(2, 3, 10)), ValueError,
     "LSTMCell: Expected input to be 1D or 2D, got 3D instead"),
    ("lstmcell_dtype", lambda t: t.nn.LSTMCell(10, 20)(t.randn(3, 10, dtype=t.float64)), RuntimeError,
     "mat1 and mat2 must have the same dtype, but got Double and Float"),
    ("lstmcell_h_dtype", lambda t: t.nn.LSTMCell(10, 20)(t.randn(3, 10), (t.randn(3, 20, dtype=t.float64), t.randn(3, 20))),
     RuntimeError, "mat1 and mat2 must have the same dtype, but got Double and Float"),
    ("grucell_input_size", lambda t: t.nn.GRUCell(10, 20)(t.randn(3, 7)), RuntimeError,
     "input has inconsistent input_size: got 7 expected 10"),
    ("grucell_input_3d", lambda t: t.nn.GRUCell(10, 20)(t.randn(2, 3, 10)), ValueError,
     "GRUCell: Expected input to be 1D or 2D, got 3D instead"),
    ("grucell_hidden_3d", lambda t: t.nn.GRUCell(10, 20)(t.randn(3, 10), t.randn(2, 3, 20)), ValueError,
     "GRUCell: Expected hidden to be 1D or 2D, got 3D instead"),
    ("grucell_batch", lambda t: t.nn.GRUCell(10, 20)(t.randn(3, 10), t.randn(4, 20)), RuntimeError,
     "Input batch size 3 doesn't match hidden0 batch size 4"),
    ("grucell_hidden_size", lambda t: t.nn.GRUCell(10, 20)(t.randn(3, 10), t.randn(3, 7)), RuntimeError,
     "hidden0 has inconsistent hidden_size: got 7, expected 20"),
    ("grucell_unbatched_batched_hx", lambda t: t.nn.GRUCell(10, 20)(t.randn(10), t.randn(3, 20)), RuntimeError,
     "hidden0 has inconsistent hidden_size: got 3, expected 20"),
    ("cell_negative", lambda t: t.nn.LSTMCell(10, -1), RuntimeError,
     "Trying to create tensor with negative dimension -4: [-4, 10]"),
]  # fmt: skip


@pytest.mark.parametrize("lib_name", ["minitorch_rnn", "torch"])
@pytest.mark.parametrize("make, error, message", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors_are_torchs(make: Callable[[Any], Any], error: type, message: str, lib_name: str) -> None:
    lib = mt if lib_name == "minitorch_rnn" else torch_or_skip()
    with pytest.raises(error) as info:
        make(lib)
    assert str(info.value) == message.format(lib=lib_name)


@pytest.mark.parametrize("lib_name", ["minitorch_rnn", "torch"])
def test_dropout_with_one_layer_warns(lib_name: str) -> None:
    lib = mt if lib_name == "minitorch_rnn" else torch_or_skip()
    with pytest.warns(UserWarning, match=re.escape("but got dropout=0.5 and num_layers=1")):
        lib.nn.LSTM(10, 20, dropout=0.5)
    with pytest.warns(UserWarning, match=re.escape("but got dropout=0.5 and num_layers=1")):
        lib.nn.GRU(10, 20, dropout=0.5)


# --------------------------------------------------------------------------- properties without torch


def test_lstm_is_a_loop_over_lstmcell_and_the_equations() -> None:
    """One layer = LSTMCell at every step = the six equations written in numpy."""
    mt.manual_seed(0)
    lstm = mt.nn.LSTM(3, 4, dtype=mt.float64)
    cell = mt.nn.LSTMCell(3, 4, dtype=mt.float64)
    cell.load_state_dict({k.removesuffix("_l0"): v for k, v in lstm.state_dict().items()})
    x, h, c = (mt.randn(*s, dtype=mt.float64) for s in ((5, 2, 3), (2, 4), (2, 4)))
    out, (h_n, c_n) = lstm(x, (h.unsqueeze(0), c.unsqueeze(0)))
    W, U, b1, b2 = (numpy_of(p) for p in lstm.parameters())
    sig = lambda z: 1 / (1 + np.exp(-z))
    hn, cn = numpy_of(h), numpy_of(c)
    for t in range(5):
        h, c = cell(x[t], (h, c))
        z = numpy_of(x[t]) @ W.T + b1 + hn @ U.T + b2
        i, f, g, o = sig(z[:, :4]), sig(z[:, 4:8]), np.tanh(z[:, 8:12]), sig(z[:, 12:])
        cn = f * cn + i * g
        hn = o * np.tanh(cn)
        np.testing.assert_allclose(numpy_of(out[t]), numpy_of(h), **F64)
        np.testing.assert_allclose(numpy_of(h), hn, **F64)
    np.testing.assert_allclose(numpy_of(h_n[0]), hn, **F64)
    np.testing.assert_allclose(numpy_of(c_n[0]), cn, **F64)


def test_gru_is_a_loop_over_grucell_and_the_equations() -> None:
    mt.manual_seed(1)
    gru = mt.nn.GRU(3, 4, dtype=mt.float64)
    cell = mt.nn.GRUCell(3, 4, dtype=mt.float64)
    cell.load_state_dict({k.removesuffix("_l0"): v for k, v in gru.state_dict().items()})
    x, h = mt.randn(5, 2, 3, dtype=mt.float64), mt.randn(2, 4, dtype=mt.float64)
    out, h_n = gru(x, h.unsqueeze(0))
    W, U, b1, b2 = (numpy_of(p) for p in gru.parameters())
    sig = lambda z: 1 / (1 + np.exp(-z))
    hn = numpy_of(h)
    for t in range(5):
        h = cell(x[t], h)
        a, b = numpy_of(x[t]) @ W.T + b1, hn @ U.T + b2
        r, z = sig(a[:, :4] + b[:, :4]), sig(a[:, 4:8] + b[:, 4:8])
        n = np.tanh(a[:, 8:] + r * b[:, 8:])
        hn = (1 - z) * n + z * hn
        np.testing.assert_allclose(numpy_of(out[t]), numpy_of(h), **F64)
        np.testing.assert_allclose(numpy_of(h), hn, **F64)
    np.testing.assert_allclose(numpy_of(h_n[0]), hn, **F64)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_batch_first_unbatched_and_missing_state(kind: str) -> None:
    a = getattr(mt.nn, kind)(3, 4, num_layers=2, bidirectional=True, dtype=mt.float64)
    b = getattr(mt.nn, kind)(3, 4, num_layers=2, bidirectional=True, batch_first=True, dtype=mt.float64)
    b.load_state_dict(a.state_dict())
    x = mt.randn(5, 2, 3, dtype=mt.float64)
    out, state = a(x)
    out_bf, state_bf = b(x.transpose(0, 1))
    np.testing.assert_array_equal(numpy_of(out_bf), numpy_of(out).transpose(1, 0, 2))
    zeros = mt.zeros(4, 2, 4, dtype=mt.float64)
    out0, state0 = a(x, (zeros, zeros) if kind == "LSTM" else zeros)
    np.testing.assert_array_equal(numpy_of(out0), numpy_of(out))
    one, one_state = a(x[:, 1])  # unbatched: (L, H_in) -> (L, 2H), states (4, H)
    np.testing.assert_allclose(numpy_of(one), numpy_of(out)[:, 1], **F64)
    parts = one_state if kind == "LSTM" else (one_state,)
    full = state if kind == "LSTM" else (state,)
    for p, f in zip(parts, full):
        assert p.shape == (4, 4)
        np.testing.assert_allclose(numpy_of(p), numpy_of(f)[:, 1], **F64)


# --------------------------------------------------------------------------- dropout


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_training_dropout_rate_and_scaling(kind: str, monkeypatch: Any) -> None:
    """In training mode the output of every layer but the last goes through F.dropout(p):
    about a fraction p of it zeroed, the rest scaled by 1 / (1 - p); in eval mode, no dropout."""
    calls: list[tuple[np.ndarray, np.ndarray, float]] = []
    real_dropout = F.dropout

    def spy(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Any:
        out = real_dropout(input, p=p, training=training)
        calls.append((numpy_of(input), numpy_of(out), p))
        return out

    monkeypatch.setattr(rnn_loop.F, "dropout", spy)
    p = 0.3
    rnn = getattr(mt.nn, kind)(8, 64, num_layers=3, dropout=p, dtype=mt.float64)
    x = mt.randn(20, 10, 8, dtype=mt.float64)
    rnn(x)
    assert len(calls) == 2  # after layer 0 and layer 1, not after the last
    for before, after, rate in calls:
        assert rate == p and before.shape == (20, 10, 64)
        kept = after != 0
        np.testing.assert_allclose(after[kept] / before[kept], 1 / (1 - p), rtol=1e-12)
        sigma = math.sqrt(p * (1 - p) / before.size)
        assert abs((~kept).mean() - p) < 5 * sigma  # 5 sigma is about 0.011 here
    calls.clear()
    rnn.eval()
    rnn(x)
    assert calls == []


# --------------------------------------------------------------------------- finite differences

GRADCHECK = [
    ("LSTM", {}),
    ("LSTM", {"num_layers": 2, "bidirectional": True}),
    ("LSTM", {"proj_size": 2, "bias": False, "batch_first": True}),
    ("GRU", {}),
    ("GRU", {"num_layers": 2, "bidirectional": True, "bias": False}),
]


@pytest.mark.parametrize("kind, kwargs", GRADCHECK, ids=[f"{k}-{v}" for k, v in GRADCHECK])
def test_layer_gradcheck(kind: str, kwargs: dict[str, Any]) -> None:
    """d(output, final state) / d(input, initial state, every parameter) = finite differences."""
    mt.manual_seed(0)
    rnn = getattr(mt.nn, kind)(2, 3, dtype=mt.float64, **kwargs)
    d = (2 if kwargs.get("bidirectional") else 1) * kwargs.get("num_layers", 1)
    x = mt.randn(*((2, 3, 2) if kwargs.get("batch_first") else (3, 2, 2)), dtype=mt.float64, requires_grad=True)
    h0 = mt.randn(d, 2, kwargs.get("proj_size") or 3, dtype=mt.float64, requires_grad=True)
    c0 = mt.randn(d, 2, 3, dtype=mt.float64, requires_grad=True)
    params = list(rnn.parameters())
    if kind == "LSTM":
        def f(x: Any, h0: Any, c0: Any, *_: Any) -> Any:
            out, (h, c) = rnn(x, (h0, c0))
            return out, h, c

        assert gradcheck(f, [x, h0, c0, *params])
    else:
        assert gradcheck(lambda x, h0, *_: rnn(x, h0), [x, h0, *params])


@pytest.mark.parametrize("kind", ["LSTMCell", "GRUCell"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batch_shape", [(), (3,)], ids=["unbatched", "batched"])
def test_cell_gradcheck(kind: str, bias: bool, batch_shape: tuple[int, ...]) -> None:
    mt.manual_seed(1)
    cell = getattr(mt.nn, kind)(2, 3, bias=bias, dtype=mt.float64)
    x = mt.randn(*batch_shape, 2, dtype=mt.float64, requires_grad=True)
    h = mt.randn(*batch_shape, 3, dtype=mt.float64, requires_grad=True)
    c = mt.randn(*batch_shape, 3, dtype=mt.float64, requires_grad=True)
    if kind == "LSTMCell":
        assert gradcheck(lambda x, h, c, *_: cell(x, (h, c)), [x, h, c, *cell.parameters()])
    else:
        assert gradcheck(lambda x, h, *_: cell(x, h), [x, h, *cell.parameters()])


# --------------------------------------------------------------------------- the unrolled graph


def nodes_by_scope(*roots: Any) -> dict[tuple[str, ...], Counter]:
    by_scope: dict[tuple[str, ...], Counter] = {}
    for node in topological_order([r.grad_fn for r in roots]):
        by_scope.setdefault(node.scope, Counter())[node.name()] += 1
    return by_scope


LSTM_GATES = ["i: input gate", "f: forget gate", "g: cell candidate", "o: output gate"]


def test_unrolled_lstm_graph_counts() -> None:
    """2 layers x 2 directions x 3 steps: every step has one matmul for all four gates, each
    gate a slice and its nonlinearity in its own scope, and the cell update c = f*c + i*g."""
    lstm = mt.nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    x = mt.randn(3, 2, 3, requires_grad=True)
    h0, c0 = mt.randn(4, 2, 4, requires_grad=True), mt.randn(4, 2, 4, requires_grad=True)
    with retain_values():
        out, (h_n, c_n) = lstm(x, (h0, c0))
    by_scope = nodes_by_scope(out, h_n, c_n)
    layers = ["layer 0", "layer 0 reverse", "layer 1", "layer 1 reverse"]
    steps = {(layer, f"t={t}") for layer in layers for t in range(3)}
    gates = {(*step, gate) for step in steps for gate in LSTM_GATES}
    assert set(by_scope) == {()} | {(layer,) for layer in layers} | steps | gates
    for layer in layers:
        assert by_scope[(layer,)] == {"AddBackward0": 1, "PermuteBackward0": 2, "ViewBackward0": 2,
                                      "AddmmBackward0": 1, "UnbindBackward0": 1, "StackBackward0": 1}  # fmt: skip
    for step in steps:
        # gates = addmm(x_proj, h, W_hh^T); c = f*c + i*g (2 Mul, 1 Add); h = o * tanh(c)
        assert by_scope[step] == {"AddmmBackward0": 1, "MulBackward0": 3, "AddBackward0": 1, "TanhBackward0": 1}
        for gate in LSTM_GATES:
            act = "TanhBackward0" if gate.startswith("g") else "SigmoidBackward0"
            assert by_scope[(*step, gate)] == {"IndexBackward0": 1, act: 1}, (step, gate)
    glue = by_scope[()]  # h0/c0 split per layer, the directions joined, h_n and c_n stacked
    assert glue == {"UnbindBackward0": 2, "CatBackward0": 2, "StackBackward0": 2}
    total = sum(sum(c.values()) for c in by_scope.values())
    assert total == 6 + 4 * 8 + 12 * (6 + 8)


def test_gru_graph_has_its_three_gates() -> None:
    gru = mt.nn.GRU(3, 4)
    out, h_n = gru(mt.randn(2, 1, 3, requires_grad=True))
    by_scope = nodes_by_scope(out, h_n)
    for t in range(2):
        step = ("layer 0", f"t={t}")
        assert by_scope[(*step, "r: reset gate")] == {"IndexBackward0": 2, "AddBackward0": 1, "SigmoidBackward0": 1}
        assert by_scope[(*step, "z: update gate")] == {"IndexBackward0": 2, "AddBackward0": 1, "SigmoidBackward0": 1}
        assert by_scope[(*step, "n: new gate")] == {
            "IndexBackward0": 2, "MulBackward0": 1, "AddBackward0": 1, "TanhBackward0": 1}  # fmt: skip
        # h_proj = addmm(b_hh, h, W_hh^T); h' = (1 - z) * n + z * h
        assert by_scope[step] == {"AddmmBackward0": 1, "SubBackward0": 1, "MulBackward0": 2, "AddBackward0": 1}


def test_viz_draws_the_gates_as_labelled_boxes() -> None:
    lstm = mt.nn.LSTM(2, 3)
    out, _ = lstm(mt.randn(2, 1, 2))
    dot = mt.viz.make_dot(out.sum(), params=dict(lstm.named_parameters()), max_steps=None)
    source = dot.source if hasattr(dot, "source") else str(dot)
    for label in ["t=0", "t=1", *LSTM_GATES]:
        assert f'label="{label}"' in source or f"label={label}" in source, label
    for name in ["weight_ih_l0", "weight_hh_l0"]:  # each weight drawn once
        assert source.count(name) == 1, name


def test_viz_folds_a_long_lstm_like_a_long_rnn() -> None:
    """The gate scopes sit inside the "t=k" steps, so the drawer folds long sequences as usual."""
    lstm = mt.nn.LSTM(2, 3, bidirectional=True)
    out, _ = lstm(mt.randn(20, 1, 2))
    source = mt.viz.make_dot(out[-1].sum(), dict(lstm.named_parameters()), max_steps=6).source
    assert "14 more steps" in source and 'label="t=19"' in source and 'label="t=10"' not in source
