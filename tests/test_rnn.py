"""nn.RNN and nn.RNNCell: the seed session, torch's errors and reprs, dropout, gradients, scopes.

Numbers against stored torch data live in test_nn_reference.py. Here: the seed page as a
test, every message checked against live torch when it is installed (the same case runs
on both libraries), properties that need no torch (bidirectional = two one-way RNNs,
RNN = a loop of RNNCell, batch_first = a transpose), finite-difference gradient checks,
the scope tags the graph drawer relies on, and a 1,000-step sequence.
"""

from __future__ import annotations

import doctest
import math
import re
import warnings
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import minitorch_rnn as mt
from minitorch_rnn.autograd import gradcheck, retain_values
from minitorch_rnn.autograd.plain import topological_order
from minitorch_rnn.nn import rnn as rnn_module
from minitorch_rnn.nn import rnn_cell as rnn_cell_module

F32 = {"rtol": 1e-5, "atol": 1e-6}
F64 = {"rtol": 1e-10, "atol": 1e-12}


def numpy_of(t: Any) -> np.ndarray:
    return np.asarray(t.detach().numpy())


def torch_or_skip() -> Any:
    return pytest.importorskip("torch")


def copy_into_torch(torch: Any, ours: Any, theirs: Any) -> None:
    """Load our state_dict into a torch module, as the issue says: {k: from_numpy(v.numpy())}."""
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})


# --------------------------------------------------------------------------- the seed session


def test_seed_session() -> None:
    """The seed page, with minitorch_rnn in place of torch."""
    import minitorch_rnn as torch
    from minitorch_rnn import nn

    rnn = nn.RNN(10, 20, 2)
    assert repr(rnn) == "RNN(10, 20, num_layers=2)"
    input = torch.randn(5, 3, 10)
    h0 = torch.randn(2, 3, 20)
    output, hn = rnn(input, h0)
    assert output.shape == (5, 3, 20)
    assert hn.shape == (2, 3, 20)
    assert output.dtype == torch.float32 and hn.dtype == torch.float32
    # the last layer's state at the last step is both the last output and the last h_n
    assert (output[-1] == hn[-1]).numpy().all()
    assert not (output[0] == hn[-1]).numpy().all()
    assert output.grad_fn is not None and hn.grad_fn is not None


def test_seed_session_gives_torchs_numbers() -> None:
    """The same session with our weights copied into torch.nn.RNN: same output, h_n and gradients."""
    torch = torch_or_skip()
    mt.manual_seed(0)
    ours = mt.nn.RNN(10, 20, 2)
    theirs = torch.nn.RNN(10, 20, 2)
    copy_into_torch(torch, ours, theirs)

    x, h0 = mt.randn(5, 3, 10, requires_grad=True), mt.randn(2, 3, 20, requires_grad=True)
    tx = torch.tensor(numpy_of(x), requires_grad=True)
    th0 = torch.tensor(numpy_of(h0), requires_grad=True)
    output, hn = ours(x, h0)
    t_output, t_hn = theirs(tx, th0)
    np.testing.assert_allclose(numpy_of(output), t_output.detach().numpy(), **F32)
    np.testing.assert_allclose(numpy_of(hn), t_hn.detach().numpy(), **F32)

    (output.sum() + (hn * hn).sum()).backward()
    (t_output.sum() + (t_hn * t_hn).sum()).backward()
    np.testing.assert_allclose(numpy_of(x.grad), tx.grad.numpy(), **F32)
    np.testing.assert_allclose(numpy_of(h0.grad), th0.grad.numpy(), **F32)
    t_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(numpy_of(p.grad), t_params[name].grad.numpy(), err_msg=name, **F32)


def test_docstring_examples_run() -> None:
    """The Examples sections of RNN and RNNCell are the learner's first copy-paste."""
    results = [
        doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        for module in (rnn_module, rnn_cell_module)
    ]
    assert sum(r.attempted for r in results) >= 10
    assert sum(r.failed for r in results) == 0


# --------------------------------------------------------------------------- names, shapes, init, repr


def test_parameter_names_order_and_shapes() -> None:
    rnn = mt.nn.RNN(10, 20, num_layers=2, bidirectional=True)
    expected = []
    for layer, in_size in ((0, 10), (1, 40)):
        for suffix in ("", "_reverse"):
            expected += [
                (f"weight_ih_l{layer}{suffix}", (20, in_size)),
                (f"weight_hh_l{layer}{suffix}", (20, 20)),
                (f"bias_ih_l{layer}{suffix}", (20,)),
                (f"bias_hh_l{layer}{suffix}", (20,)),
            ]
    assert [(n, p.shape) for n, p in rnn.named_parameters()] == expected
    assert list(rnn.state_dict()) == [n for n, _ in expected]
    no_bias = mt.nn.RNN(10, 20, bias=False)
    assert [n for n, _ in no_bias.named_parameters()] == ["weight_ih_l0", "weight_hh_l0"]
    cell = mt.nn.RNNCell(10, 20, bias=False)
    assert [n for n, _ in cell.named_parameters()] == ["weight_ih", "weight_hh"]
    assert cell.bias_ih is None and cell.bias_hh is None


def test_parameter_names_match_live_torch() -> None:
    torch = torch_or_skip()
    for kwargs in ({"num_layers": 3, "bidirectional": True}, {"bias": False, "num_layers": 2}):
        ours = [(n, p.shape) for n, p in mt.nn.RNN(4, 5, **kwargs).named_parameters()]
        theirs = [(n, tuple(p.shape)) for n, p in torch.nn.RNN(4, 5, **kwargs).named_parameters()]
        assert ours == theirs


def test_init_is_uniform_within_bound_and_follows_manual_seed() -> None:
    bound = 1 / math.sqrt(7)
    mt.manual_seed(3)
    a = mt.nn.RNN(5, 7, num_layers=2, bidirectional=True)
    mt.manual_seed(3)
    b = mt.nn.RNN(5, 7, num_layers=2, bidirectional=True)
    for (name, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        assert np.all(np.abs(numpy_of(p)) <= bound), name
        np.testing.assert_array_equal(numpy_of(p), numpy_of(q), err_msg=name)
    everything = np.concatenate([numpy_of(p).ravel() for p in a.parameters()])
    # U(-b, b) has mean 0 and std b/sqrt(3): loose checks that would catch N(0, 1) or U(0, 1)
    assert abs(everything.mean()) < 0.1 * bound
    assert abs(everything.std() - bound / math.sqrt(3)) < 0.1 * bound
    assert mt.nn.RNN(5, 7, dtype=mt.float64).weight_ih_l0.dtype == mt.float64


REPRS = [
    (lambda nn: nn.RNN(10, 20, 2), "RNN(10, 20, num_layers=2)"),
    (lambda nn: nn.RNN(10, 20, num_layers=2, dropout=0.5), "RNN(10, 20, num_layers=2, dropout=0.5)"),
    (lambda nn: nn.RNN(10, 20, 2, dropout=1), "RNN(10, 20, num_layers=2, dropout=1.0)"),
    (lambda nn: nn.RNN(10, 20, bidirectional=True), "RNN(10, 20, bidirectional=True)"),
    (lambda nn: nn.RNN(10, 20, batch_first=True), "RNN(10, 20, batch_first=True)"),
    (lambda nn: nn.RNN(10, 20, bias=False), "RNN(10, 20, bias=False)"),
    # torch's RNN repr leaves the nonlinearity out (RNNBase.extra_repr does not know it)
    (lambda nn: nn.RNN(10, 20, nonlinearity="relu"), "RNN(10, 20)"),
    (lambda nn: nn.RNN(10, 20, 2, "relu"), "RNN(10, 20, num_layers=2)"),
    (
        lambda nn: nn.RNN(10, 20, 3, "relu", False, True, 0.25, True),
        "RNN(10, 20, num_layers=3, bias=False, batch_first=True, dropout=0.25, bidirectional=True)",
    ),
    (lambda nn: nn.RNNCell(10, 20), "RNNCell(10, 20)"),
    (lambda nn: nn.RNNCell(10, 20, bias=False), "RNNCell(10, 20, bias=False)"),
    # ... while RNNCell prints it, without quotes
    (lambda nn: nn.RNNCell(10, 20, nonlinearity="relu"), "RNNCell(10, 20, nonlinearity=relu)"),
    (lambda nn: nn.RNNCell(10, 20, False, "relu"), "RNNCell(10, 20, bias=False, nonlinearity=relu)"),
]


@pytest.mark.parametrize("lib_name", ["minitorch_rnn", "torch"])
@pytest.mark.parametrize("build, expected", REPRS, ids=[r for _, r in REPRS])
def test_repr_is_torchs(build: Callable[[Any], Any], expected: str, lib_name: str) -> None:
    lib = mt if lib_name == "minitorch_rnn" else torch_or_skip()
    assert repr(build(lib.nn)) == expected


def test_nonlinearity_as_fourth_positional_argument_is_used() -> None:
    rnn = mt.nn.RNN(3, 4, 2, "relu", dtype=mt.float64)
    assert rnn.nonlinearity == "relu" and rnn.num_layers == 2 and rnn.bias is True
    x = mt.randn(6, 2, 3, dtype=mt.float64) * 5
    _, h_n = rnn(x[:1])  # one step from h0 = 0: h_1 = relu(x_1 W_ih^T + b_ih + b_hh)
    w, b1, b2 = (numpy_of(getattr(rnn, n)) for n in ("weight_ih_l0", "bias_ih_l0", "bias_hh_l0"))
    expected = np.maximum(numpy_of(x)[0] @ w.T + b1 + b2, 0)
    np.testing.assert_allclose(numpy_of(h_n)[0], expected, **F64)


# --------------------------------------------------------------------------- errors, in torch's words

ERRORS: list[tuple[str, Callable[[Any], Any], type, str]] = [
    # construction
    ("nonlinearity", lambda t: t.nn.RNN(10, 20, nonlinearity="sigmoid"), ValueError,
     "Unknown nonlinearity 'sigmoid'. Select from 'tanh' or 'relu'."),
    ("nonlinearity_positional", lambda t: t.nn.RNN(10, 20, 2, "sigmoid"), ValueError,
     "Unknown nonlinearity 'sigmoid'. Select from 'tanh' or 'relu'."),
    ("dropout_above_1", lambda t: t.nn.RNN(10, 20, 2, dropout=1.5), ValueError,
     "dropout should be a number in range [0, 1] representing the probability of an element being zeroed"),
    ("dropout_negative", lambda t: t.nn.RNN(10, 20, 2, dropout=-0.1), ValueError,
     "dropout should be a number in range [0, 1] representing the probability of an element being zeroed"),
    ("dropout_bool", lambda t: t.nn.RNN(10, 20, 2, dropout=True), ValueError,
     "dropout should be a number in range [0, 1] representing the probability of an element being zeroed"),
    ("hidden_size_0", lambda t: t.nn.RNN(10, 0), ValueError, "hidden_size must be greater than zero"),
    ("hidden_size_negative", lambda t: t.nn.RNN(10, -3), ValueError, "hidden_size must be greater than zero"),
    ("num_layers_0", lambda t: t.nn.RNN(10, 20, 0), ValueError, "num_layers must be greater than zero"),
    ("input_size_0", lambda t: t.nn.RNN(0, 20), ValueError, "input_size must be greater than zero"),
    ("input_size_float", lambda t: t.nn.RNN(10.0, 20), TypeError, "input_size should be of type int, got: float"),
    ("hidden_size_float", lambda t: t.nn.RNN(10, 20.0), TypeError, "hidden_size should be of type int, got: float"),
    ("bias_int", lambda t: t.nn.RNN(10, 20, bias=1), TypeError, "bias should be of type bool, got: int"),
    ("batch_first_int", lambda t: t.nn.RNN(10, 20, batch_first=1), TypeError,
     "batch_first should be of type bool, got: int"),
    ("cell_negative_hidden", lambda t: t.nn.RNNCell(10, -1), RuntimeError,
     "Trying to create tensor with negative dimension -1: [-1, 10]"),
    # RNN.forward
    ("input_size", lambda t: t.nn.RNN(10, 20, 2)(t.randn(5, 3, 7)), RuntimeError,
     "input.size(-1) must be equal to input_size. Expected 10, got 7"),
    ("hidden_size", lambda t: t.nn.RNN(10, 20, 2)(t.randn(5, 3, 10), t.randn(1, 3, 20)), RuntimeError,
     "Expected hidden size (2, 3, 20), got [1, 3, 20]"),
    ("hidden_size_bidirectional",
     lambda t: t.nn.RNN(10, 20, bidirectional=True)(t.randn(5, 3, 10), t.randn(1, 3, 20)), RuntimeError,
     "Expected hidden size (2, 3, 20), got [1, 3, 20]"),
    ("hidden_size_batch_first",
     lambda t: t.nn.RNN(10, 20, 2, batch_first=True)(t.randn(3, 5, 10), t.randn(2, 5, 20)), RuntimeError,
     "Expected hidden size (2, 3, 20), got [2, 5, 20]"),
    ("hidden_size_unbatched", lambda t: t.nn.RNN(10, 20, 2)(t.randn(5, 10), t.randn(1, 20)), RuntimeError,
     "Expected hidden size (2, 1, 20), got [1, 1, 20]"),
    ("batched_input_2d_hx", lambda t: t.nn.RNN(10, 20, 2)(t.randn(5, 3, 10), t.randn(3, 20)), RuntimeError,
     "For batched 3-D input, hx should also be 3-D but got 2-D tensor"),
    ("unbatched_input_3d_hx", lambda t: t.nn.RNN(10, 20, 2)(t.randn(5, 10), t.randn(2, 1, 20)), RuntimeError,
     "For unbatched 2-D input, hx should also be 2-D but got 3-D tensor"),
    ("input_4d", lambda t: t.nn.RNN(10, 20, 2)(t.randn(5, 3, 2, 10)), ValueError,
     "RNN: Expected input to be 2D or 3D, got 4D tensor instead"),
    ("input_1d", lambda t: t.nn.RNN(10, 20, 2)(t.randn(10)), ValueError,
     "RNN: Expected input to be 2D or 3D, got 1D tensor instead"),
    ("input_dtype", lambda t: t.nn.RNN(10, 20, 2)(t.randn(5, 3, 10, dtype=t.float64)), ValueError,
     "RNN input dtype ({lib}.float64) does not match weight dtype ({lib}.float32). "
     "Convert input: input.to({lib}.float32), or convert model: model.to({lib}.float64)"),
    ("hx_dtype", lambda t: t.nn.RNN(10, 20, 2)(t.randn(5, 3, 10), t.randn(2, 3, 20, dtype=t.float64)),
     RuntimeError, "mat1 and mat2 must have the same dtype, but got Double and Float"),
    ("empty_sequence", lambda t: t.nn.RNN(10, 20, 2)(t.randn(0, 3, 10)), RuntimeError,
     "Expected sequence length to be larger than 0 in RNN"),
    # RNNCell.forward
    ("cell_nonlinearity", lambda t: t.nn.RNNCell(10, 20, nonlinearity="sigmoid")(t.randn(3, 10)), RuntimeError,
     "Unknown nonlinearity: sigmoid"),
    ("cell_nonlinearity_before_sizes", lambda t: t.nn.RNNCell(10, 20, nonlinearity="x")(t.randn(3, 7)),
     RuntimeError, "Unknown nonlinearity: x"),
    ("cell_input_3d", lambda t: t.nn.RNNCell(10, 20)(t.randn(2, 3, 10)), ValueError,
     "RNNCell: Expected input to be 1D or 2D, got 3D instead"),
    ("cell_hidden_3d", lambda t: t.nn.RNNCell(10, 20)(t.randn(3, 10), t.randn(2, 3, 20)), ValueError,
     "RNNCell: Expected hidden to be 1D or 2D, got 3D instead"),
    ("cell_input_size", lambda t: t.nn.RNNCell(10, 20)(t.randn(3, 7)), RuntimeError,
     "input has inconsistent input_size: got 7 expected 10"),
    ("cell_input_size_unbatched", lambda t: t.nn.RNNCell(10, 20)(t.randn(7)), RuntimeError,
     "input has inconsistent input_size: got 7 expected 10"),
    ("cell_hidden_size", lambda t: t.nn.RNNCell(10, 20)(t.randn(3, 10), t.randn(3, 7)), RuntimeError,
     "hidden0 has inconsistent hidden_size: got 7, expected 20"),
    ("cell_batch", lambda t: t.nn.RNNCell(10, 20)(t.randn(3, 10), t.randn(4, 20)), RuntimeError,
     "Input batch size 3 doesn't match hidden0 batch size 4"),
    ("cell_unbatched_input_batched_hx", lambda t: t.nn.RNNCell(10, 20)(t.randn(10), t.randn(3, 20)),
     RuntimeError, "hidden0 has inconsistent hidden_size: got 3, expected 20"),
    ("cell_input_dtype", lambda t: t.nn.RNNCell(10, 20)(t.randn(3, 10, dtype=t.float64)), RuntimeError,
     "mat1 and mat2 must have the same dtype, but got Double and Float"),
    ("cell_hx_dtype", lambda t: t.nn.RNNCell(10, 20, dtype=t.float64)(
        t.randn(3, 10, dtype=t.float64), t.randn(3, 20)), RuntimeError,
     "mat1 and mat2 must have the same dtype, but got Float and Double"),
]  # fmt: skip


@pytest.mark.parametrize("lib_name", ["minitorch_rnn", "torch"])
@pytest.mark.parametrize("make, error, message", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors_are_torchs(make: Callable[[Any], Any], error: type, message: str, lib_name: str) -> None:
    """Each case runs on both libraries: same exception type, same text (dtype names aside)."""
    lib = mt if lib_name == "minitorch_rnn" else torch_or_skip()
    expected = message.format(lib=lib_name)
    with pytest.raises(error) as info:
        make(lib)
    assert str(info.value) == expected


@pytest.mark.parametrize("lib_name", ["minitorch_rnn", "torch"])
def test_dropout_with_one_layer_warns(lib_name: str) -> None:
    lib = mt if lib_name == "minitorch_rnn" else torch_or_skip()
    expected = (
        "dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
        "expects num_layers greater than 1, but got dropout=0.5 and num_layers=1"
    )
    with pytest.warns(UserWarning, match=re.escape(expected)):
        lib.nn.RNN(10, 20, dropout=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning when dropout has somewhere to go
        lib.nn.RNN(10, 20, 2, dropout=0.5)
        lib.nn.RNN(10, 20, dropout=0.0)


def test_dropout_warning_points_at_the_callers_line() -> None:
    with pytest.warns(UserWarning) as record:
        mt.nn.RNN(10, 20, dropout=0.5)
    assert record[0].filename == __file__


# --------------------------------------------------------------------------- layouts and directions


def two_rnns_same_weights(**kwargs: Any) -> tuple[Any, Any]:
    """Two float64 RNNs with the same options and weights (kwargs may differ in batch_first)."""
    a = mt.nn.RNN(3, 4, dtype=mt.float64, **kwargs)
    b = mt.nn.RNN(3, 4, dtype=mt.float64, **{**kwargs, "batch_first": not kwargs.get("batch_first", False)})
    b.load_state_dict(a.state_dict())
    return a, b


def test_batch_first_is_a_transpose_of_input_and_output_only() -> None:
    seq_first, batch_first = two_rnns_same_weights(num_layers=2, bidirectional=True)
    x, h0 = mt.randn(5, 2, 3, dtype=mt.float64), mt.randn(4, 2, 4, dtype=mt.float64)
    out, h_n = seq_first(x, h0)
    out_bf, h_n_bf = batch_first(x.transpose(0, 1), h0)  # h0 keeps (D*layers, N, H)
    np.testing.assert_array_equal(numpy_of(out_bf), numpy_of(out).transpose(1, 0, 2))
    np.testing.assert_array_equal(numpy_of(h_n_bf), numpy_of(h_n))


@pytest.mark.parametrize("batch_first", [False, True])
def test_unbatched_input_is_a_batch_of_one(batch_first: bool) -> None:
    rnn = mt.nn.RNN(3, 4, num_layers=2, bidirectional=True, batch_first=batch_first, dtype=mt.float64)
    x, h0 = mt.randn(5, 3, dtype=mt.float64), mt.randn(4, 4, dtype=mt.float64)
    out, h_n = rnn(x, h0)
    assert out.shape == (5, 8) and h_n.shape == (4, 4)
    batched_x = x.unsqueeze(0 if batch_first else 1)
    out_b, h_n_b = rnn(batched_x, h0.unsqueeze(1))
    np.testing.assert_array_equal(numpy_of(out), numpy_of(out_b.squeeze(0 if batch_first else 1)))
    np.testing.assert_array_equal(numpy_of(h_n), numpy_of(h_n_b.squeeze(1)))


def test_missing_h0_means_zeros() -> None:
    rnn = mt.nn.RNN(3, 4, num_layers=2, bidirectional=True)
    x = mt.randn(5, 2, 3)
    out, h_n = rnn(x)
    out0, h_n0 = rnn(x, mt.zeros(4, 2, 4))
    np.testing.assert_array_equal(numpy_of(out), numpy_of(out0))
    np.testing.assert_array_equal(numpy_of(h_n), numpy_of(h_n0))
    assert out.dtype == mt.float32


def test_bidirectional_is_a_forward_and_a_time_reversed_rnn() -> None:
    """output[..., :H] is a one-way RNN; output[..., H:] is one run on the flipped sequence."""
    bi = mt.nn.RNN(3, 4, bidirectional=True, dtype=mt.float64)
    fwd, rev = mt.nn.RNN(3, 4, dtype=mt.float64), mt.nn.RNN(3, 4, dtype=mt.float64)
    sd = bi.state_dict()
    fwd.load_state_dict({k: v for k, v in sd.items() if not k.endswith("_reverse")})
    rev.load_state_dict({k.removesuffix("_reverse"): v for k, v in sd.items() if k.endswith("_reverse")})
    x, h0 = np.random.default_rng(0).standard_normal((6, 2, 3)), np.random.default_rng(1).standard_normal((2, 2, 4))
    out, h_n = bi(mt.tensor(x), mt.tensor(h0))
    out_f, h_f = fwd(mt.tensor(x), mt.tensor(h0[:1]))
    out_r, h_r = rev(mt.tensor(x[::-1].copy()), mt.tensor(h0[1:]))
    np.testing.assert_allclose(numpy_of(out)[..., :4], numpy_of(out_f), **F64)
    np.testing.assert_allclose(numpy_of(out)[..., 4:], numpy_of(out_r)[::-1], **F64)
    np.testing.assert_allclose(numpy_of(h_n), np.concatenate([numpy_of(h_f), numpy_of(h_r)]), **F64)
    # the reverse direction ends at t = 0: its h_n is its output at input position 0
    np.testing.assert_array_equal(numpy_of(h_n)[1], numpy_of(out)[0, :, 4:])


def test_one_layer_rnn_is_a_loop_over_rnncell() -> None:
    rnn = mt.nn.RNN(3, 4, nonlinearity="relu", dtype=mt.float64)
    cell = mt.nn.RNNCell(3, 4, nonlinearity="relu", dtype=mt.float64)
    cell.load_state_dict({k.removesuffix("_l0"): v for k, v in rnn.state_dict().items()})
    x, h = mt.randn(5, 2, 3, dtype=mt.float64), mt.randn(2, 4, dtype=mt.float64)
    out, h_n = rnn(x, h.unsqueeze(0))
    for t in range(5):
        h = cell(x[t], h)
        np.testing.assert_allclose(numpy_of(out[t]), numpy_of(h), **F64)
    np.testing.assert_allclose(numpy_of(h_n[0]), numpy_of(h), **F64)


def test_rnncell_unbatched_and_default_hidden() -> None:
    cell = mt.nn.RNNCell(3, 4, dtype=mt.float64)
    x = mt.randn(3, dtype=mt.float64)
    h = cell(x)
    assert h.shape == (4,)
    np.testing.assert_array_equal(numpy_of(h), numpy_of(cell(x.unsqueeze(0), mt.zeros(1, 4, dtype=mt.float64)))[0])
    w_ih, b_ih, b_hh = (numpy_of(p) for p in (cell.weight_ih, cell.bias_ih, cell.bias_hh))
    np.testing.assert_allclose(numpy_of(h), np.tanh(w_ih @ numpy_of(x) + b_ih + b_hh), **F64)


# --------------------------------------------------------------------------- dropout


def identity_relu_rnn(num_layers: int, p: float, size: int = 64) -> Any:
    """Every layer computes relu(x_t): W_ih = I, W_hh = 0, no bias. So the RNN's output is
    the input (positive here) passed through the dropout between the layers, and nothing else."""
    rnn = mt.nn.RNN(size, size, num_layers, "relu", bias=False, dropout=p, dtype=mt.float64)
    eye, zero = np.eye(size), np.zeros((size, size))
    rnn.load_state_dict({name: eye if "_ih_" in name else zero for name, _ in rnn.named_parameters()})
    return rnn


def test_dropout_in_train_mode_drops_and_rescales() -> None:
    p = 0.3
    rnn = identity_relu_rnn(num_layers=3, p=p)  # two dropouts: after layer 0 and after layer 1
    x = np.random.default_rng(0).uniform(1.0, 2.0, size=(20, 10, 64))
    mt.manual_seed(0)
    out = numpy_of(rnn(mt.tensor(x))[0])
    ratio = out / x  # each entry survived both dropouts (1/(1-p)^2) or was dropped (0)
    kept = ratio != 0
    np.testing.assert_allclose(ratio[kept], 1 / (1 - p) ** 2, rtol=1e-12)
    keep_rate = (1 - p) ** 2
    sigma = math.sqrt(keep_rate * (1 - keep_rate) / x.size)
    assert abs(kept.mean() - keep_rate) < 5 * sigma  # about 6 * 10^-3 here
    assert abs(ratio.mean() - 1) < 5 * sigma / keep_rate  # inverted dropout keeps the mean


def test_dropout_is_not_applied_after_the_last_layer() -> None:
    rnn = identity_relu_rnn(num_layers=2, p=0.5)
    x = np.random.default_rng(1).uniform(1.0, 2.0, size=(4, 3, 64))
    out = numpy_of(rnn(mt.tensor(x))[0])
    ratios = set(np.round(np.unique(out / x), 12))
    assert ratios == {0.0, 2.0}  # one dropout (scale 2), not two (scale 4)


def test_dropout_is_identity_in_eval_mode_and_reproducible_in_train_mode() -> None:
    rnn = identity_relu_rnn(num_layers=3, p=0.5)
    x = mt.tensor(np.random.default_rng(2).uniform(1.0, 2.0, size=(4, 3, 64)))
    rnn.eval()
    assert rnn.training is False
    np.testing.assert_array_equal(numpy_of(rnn(x)[0]), numpy_of(x))
    rnn.train()
    mt.manual_seed(5)
    first = numpy_of(rnn(x)[0])
    mt.manual_seed(5)
    again = numpy_of(rnn(x)[0])
    other = numpy_of(rnn(x)[0])  # the generator moved on: a new mask
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_gradient_flows_through_the_dropout_mask() -> None:
    rnn = identity_relu_rnn(num_layers=2, p=0.5, size=8)
    x = mt.tensor(np.random.default_rng(3).uniform(1.0, 2.0, size=(3, 2, 8)), requires_grad=True)
    out, _ = rnn(x)
    out.sum().backward()
    np.testing.assert_array_equal(numpy_of(x.grad), numpy_of(out) / numpy_of(x))  # = mask / (1-p)


def test_dropout_model_in_eval_mode_matches_torch() -> None:
    torch = torch_or_skip()
    ours = mt.nn.RNN(5, 6, 3, dropout=0.5, bidirectional=True, dtype=mt.float64).eval()
    theirs = torch.nn.RNN(5, 6, 3, dropout=0.5, bidirectional=True, dtype=torch.float64).eval()
    copy_into_torch(torch, ours, theirs)
    x = np.random.default_rng(4).standard_normal((7, 2, 5))
    out, h_n = ours(mt.tensor(x))
    t_out, t_h_n = theirs(torch.tensor(x))
    np.testing.assert_allclose(numpy_of(out), t_out.detach().numpy(), **F64)
    np.testing.assert_allclose(numpy_of(h_n), t_h_n.detach().numpy(), **F64)


# --------------------------------------------------------------------------- gradients (finite differences)

GRADCHECK_CONFIGS = [
    {"num_layers": 1},
    {"num_layers": 2, "nonlinearity": "relu"},
    {"num_layers": 2, "bidirectional": True},
    {"num_layers": 2, "bidirectional": True, "nonlinearity": "relu", "bias": False},
    {"num_layers": 1, "bidirectional": True, "batch_first": True},
]


@pytest.mark.parametrize("config", GRADCHECK_CONFIGS, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
@pytest.mark.parametrize("unbatched", [False, True])
def test_rnn_gradcheck(config: dict[str, Any], unbatched: bool) -> None:
    """d(output, h_n) / d(input, h0, every parameter) from the tape equals finite differences."""
    mt.manual_seed(0)
    rnn = mt.nn.RNN(2, 3, dtype=mt.float64, **config)
    d = (2 if config.get("bidirectional") else 1) * config["num_layers"]
    seq, batch = 4, 2
    if unbatched:
        x_shape: tuple[int, ...] = (seq, 2)
        h_shape: tuple[int, ...] = (d, 3)
    else:
        x_shape = (batch, seq, 2) if config.get("batch_first") else (seq, batch, 2)
        h_shape = (d, batch, 3)
    x = mt.randn(*x_shape, dtype=mt.float64, requires_grad=True)
    h0 = mt.randn(*h_shape, dtype=mt.float64, requires_grad=True)
    params = list(rnn.parameters())
    assert gradcheck(lambda x, h0, *_: rnn(x, h0), [x, h0, *params])


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batch_shape", [(), (3,)], ids=["unbatched", "batched"])
def test_rnncell_gradcheck(nonlinearity: str, bias: bool, batch_shape: tuple[int, ...]) -> None:
    mt.manual_seed(1)
    cell = mt.nn.RNNCell(2, 3, bias=bias, nonlinearity=nonlinearity, dtype=mt.float64)
    x = mt.randn(*batch_shape, 2, dtype=mt.float64, requires_grad=True)
    h = mt.randn(*batch_shape, 3, dtype=mt.float64, requires_grad=True)
    assert gradcheck(lambda x, h, *_: cell(x, h), [x, h, *cell.parameters()])


def test_gradcheck_would_catch_a_wrong_gradient() -> None:
    """The check above can fail: detaching h between steps (no BPTT) is caught."""
    mt.manual_seed(0)
    cell = mt.nn.RNNCell(2, 3, dtype=mt.float64)
    x = mt.randn(4, 1, 2, dtype=mt.float64, requires_grad=False)

    def truncated(w: Any) -> Any:
        h = mt.zeros(1, 3, dtype=mt.float64)
        for t in range(4):
            h = cell(x[t], h.detach() if t == 2 else h)
        return h

    with pytest.raises(mt.autograd.GradcheckError):
        gradcheck(truncated, [cell.weight_hh])


# --------------------------------------------------------------------------- the tape: scopes and size


def test_every_node_carries_its_layer_and_time_step_scope() -> None:
    """2 layers x 2 directions x 3 steps: each step's nodes sit in ("layer k[ reverse]", "t=i")."""
    rnn = mt.nn.RNN(3, 4, num_layers=2, bidirectional=True)
    x, h0 = mt.randn(3, 2, 3, requires_grad=True), mt.randn(4, 2, 4, requires_grad=True)
    with retain_values():
        out, h_n = rnn(x, h0)
    nodes = topological_order([out.grad_fn, h_n.grad_fn])
    layers = ["layer 0", "layer 0 reverse", "layer 1", "layer 1 reverse"]
    by_scope: dict[tuple[str, ...], list[Any]] = {}
    for node in nodes:
        by_scope.setdefault(node.scope, []).append(node)

    allowed = {()} | {(layer,) for layer in layers} | {(layer, f"t={t}") for layer in layers for t in range(3)}
    assert set(by_scope) == allowed  # nothing outside, and every (layer, step) has nodes

    for layer in layers:
        # before the loop, inside the layer but outside the steps: b_ih + b_hh, W_ih^T, the
        # projection x W_ih^T + b (one Addmm between two Views, as torch's linear), unbind,
        # W_hh^T (once), and stacking the outputs after it
        pre = Counter(n.name() for n in by_scope[(layer,)])
        assert pre == {
            "AddBackward0": 1,
            "PermuteBackward0": 2,
            "ViewBackward0": 2,
            "AddmmBackward0": 1,
            "UnbindBackward0": 1,
            "StackBackward0": 1,
        }, layer
        for t in range(3):
            step = by_scope[(layer, f"t={t}")]
            names = Counter(n.name() for n in step)
            assert names == {"AddmmBackward0": 1, "TanhBackward0": 1}, (layer, t)

    def h_at(layer: str, t: int) -> np.ndarray:
        (tanh,) = [n for n in by_scope[(layer, f"t={t}")] if n.name() == "TanhBackward0"]
        return np.asarray(tanh.output_value)

    # "t=i" is the input position in both directions: the last layer's step t is output[t]
    o, h = numpy_of(out), numpy_of(h_n)
    for t in range(3):
        np.testing.assert_array_equal(h_at("layer 1", t), o[t, :, :4])
        np.testing.assert_array_equal(h_at("layer 1 reverse", t), o[t, :, 4:])
    # layer 0 forward ends at t=2, layer 0 reverse at t=0: that is what h_n holds
    np.testing.assert_array_equal(h_at("layer 0", 2), h[0])
    np.testing.assert_array_equal(h_at("layer 0 reverse", 0), h[1])
    # dropout and the join of the two directions sit outside every time step
    glue = Counter(n.name() for n in by_scope[()])
    assert glue["CatBackward0"] == 2 and glue["StackBackward0"] == 1


def test_scopes_do_not_leak_after_forward() -> None:
    rnn = mt.nn.RNN(3, 4)
    rnn(mt.randn(2, 1, 3))
    y = mt.randn(2, requires_grad=True) * 2
    assert y.grad_fn is not None and y.grad_fn.scope == ()


def test_thousand_step_sequence_backpropagates_and_matches_numpy_bptt() -> None:
    """No recursion limit, and the gradients equal a hand-written NumPy BPTT."""
    rnn = mt.nn.RNN(4, 8, dtype=mt.float64)
    rng = np.random.default_rng(0)
    x_np, h0_np, g = rng.standard_normal((1000, 2, 4)), rng.standard_normal((1, 2, 8)), rng.standard_normal((1000, 2, 8))
    x, h0 = mt.tensor(x_np, requires_grad=True), mt.tensor(h0_np, requires_grad=True)
    out, h_n = rnn(x, h0)
    (out * mt.tensor(g)).sum().backward()

    W, U, b1, b2 = (numpy_of(p) for p in rnn.parameters())
    hs = [h0_np[0]]
    for t in range(1000):
        hs.append(np.tanh(x_np[t] @ W.T + b1 + hs[-1] @ U.T + b2))
    dW, dU, db, dx = np.zeros_like(W), np.zeros_like(U), np.zeros_like(b1), np.zeros_like(x_np)
    dh = np.zeros_like(hs[0])
    for t in reversed(range(1000)):
        dz = (g[t] + dh) * (1 - hs[t + 1] ** 2)
        dW += dz.T @ x_np[t]
        dU += dz.T @ hs[t]
        db += dz.sum(0)
        dx[t] = dz @ W
        dh = dz @ U
    np.testing.assert_allclose(numpy_of(out), np.stack(hs[1:]), **F64)
    np.testing.assert_allclose(numpy_of(x.grad), dx, **F64)
    np.testing.assert_allclose(numpy_of(h0.grad)[0], dh, **F64)
    for name, expected in (("weight_ih_l0", dW), ("weight_hh_l0", dU), ("bias_ih_l0", db), ("bias_hh_l0", db)):
        np.testing.assert_allclose(numpy_of(getattr(rnn, name).grad), expected, rtol=1e-9, atol=1e-10, err_msg=name)


# --------------------------------------------------------------------------- state_dict into torch


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"num_layers": 2, "nonlinearity": "relu", "batch_first": True}, {"num_layers": 3, "bidirectional": True, "bias": False}],
    ids=["default", "L2_relu_bf", "L3_bi_nobias"],
)
def test_state_dict_loads_into_torch_rnn(kwargs: dict[str, Any]) -> None:
    torch = torch_or_skip()
    ours = mt.nn.RNN(10, 20, dtype=mt.float64, **kwargs)
    theirs = torch.nn.RNN(10, 20, dtype=torch.float64, **kwargs)
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(6).standard_normal((3, 5, 10))
    out, h_n = ours(mt.tensor(x))
    t_out, t_h_n = theirs(torch.tensor(x))
    np.testing.assert_allclose(numpy_of(out), t_out.detach().numpy(), **F64)
    np.testing.assert_allclose(numpy_of(h_n), t_h_n.detach().numpy(), **F64)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_last_output_gradient_shortcut_matches_the_dense_one(bidirectional: bool) -> None:
    # output[-1] sends its gradient to the last step alone (SelectGrad through Stack); the same
    # loss written with a dense one-hot mask goes the long way. Same gradients, every parameter.
    mt.manual_seed(3)
    rnn = mt.nn.RNN(3, 4, num_layers=2, bidirectional=bidirectional, dtype=mt.float64)
    x = mt.randn(6, 2, 3, dtype=mt.float64, requires_grad=True)

    def grads(loss_of: Any) -> list[np.ndarray]:
        rnn.zero_grad()
        x.grad = None
        output, _ = rnn(x)
        loss_of(output).backward()
        return [x.grad._data.copy()] + [p.grad._data.copy() for p in rnn.parameters()]

    mask = mt.tensor(np.eye(6)[-1][:, None, None])
    shortcut = grads(lambda out: (out[-1] ** 2).sum())
    dense = grads(lambda out: ((out * mask) ** 2).sum())
    for a, b in zip(shortcut, dense):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
