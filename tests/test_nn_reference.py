"""minitorch_rnn.nn against PyTorch's own numbers.

The stored half reads ``tests/reference/*.npz`` (written by
``tests/reference/make_reference_nn.py`` with torch 2.13), so it runs without torch.
Each case loads torch's parameters into our module with ``load_state_dict``, runs the
same forward pass, backpropagates the same weighted sum and compares every number:
output, final hidden state and the gradient of the input, the initial hidden state and
every parameter.

The live half (bottom of the file) needs torch and is skipped without it: it moves
freshly initialised weights between the two libraries in both directions.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from reference_data import TOLERANCE, case_ids, read_arrays, read_cases, to_numpy

import minitorch_rnn as mt

# --------------------------------------------------------------------------- helpers


def assert_matches_torch(actual: Any, expected: np.ndarray, what: str) -> None:
    """Same shape, same dtype and the same numbers (within the dtype's tolerance) as torch."""
    assert actual is not None, f"{what}: got None, torch has a value (did the gradient reach it?)"
    got = to_numpy(actual)
    assert got.shape == expected.shape, f"{what}: shape {got.shape}, torch gives {expected.shape}"
    assert got.dtype == expected.dtype, f"{what}: dtype {got.dtype}, torch gives {expected.dtype}"
    np.testing.assert_allclose(got, expected, err_msg=what, **TOLERANCE[expected.dtype.name])


def torch_state_dict(ref: dict[str, np.ndarray], names: list[str]) -> dict[str, np.ndarray]:
    """The stored torch state_dict of a case: ``param/weight_ih_l0`` -> ``weight_ih_l0``."""
    return {name: ref[f"param/{name}"] for name in names}


def check_parameter_grads(model: Any, ref: dict[str, np.ndarray], names: list[str]) -> None:
    params = dict(model.named_parameters())
    for name in names:
        assert_matches_torch(params[name].grad, ref[f"grad/{name}"], f"grad of {name}")


# --------------------------------------------------------------------------- nn.RNN

RNN_CASES = read_cases("rnn.npz")


def build_rnn(case: dict[str, Any]) -> Any:
    return mt.nn.RNN(
        case["input_size"],
        case["hidden_size"],
        num_layers=case["num_layers"],
        nonlinearity=case["nonlinearity"],
        bias=case["bias"],
        batch_first=case["batch_first"],
        bidirectional=case["bidirectional"],
        dtype=getattr(mt, case["dtype"]),
    )


@pytest.mark.parametrize("case", RNN_CASES, ids=case_ids(RNN_CASES))
def test_rnn_matches_torch(case: dict[str, Any]) -> None:
    """Forward and backprop-through-time of nn.RNN give torch's numbers for every option."""
    ref = read_arrays("rnn.npz")[case["id"]]
    model = build_rnn(case)
    model.load_state_dict(torch_state_dict(ref, case["param_names"]))

    x = mt.tensor(ref["input"], requires_grad=True)
    if case["h0"]:
        h0 = mt.tensor(ref["h0"], requires_grad=True)
        output, h_n = model(x, h0)
    else:
        output, h_n = model(x)
    assert_matches_torch(output, ref["output"], "output")
    assert_matches_torch(h_n, ref["h_n"], "h_n")

    # Backprop a weighted sum so every output element gets its own upstream gradient.
    loss = (output * mt.tensor(ref["g_out"])).sum() + (h_n * mt.tensor(ref["g_h"])).sum()
    loss.backward()
    assert_matches_torch(x.grad, ref["grad/input"], "grad of input")
    if case["h0"]:
        assert_matches_torch(h0.grad, ref["grad/h0"], "grad of h0")
    check_parameter_grads(model, ref, case["param_names"])


# Parameter names/shapes do not depend on nonlinearity, batch_first, input layout or h0.
RNN_LAYOUT_CASES = [
    case
    for case in RNN_CASES
    if case["nonlinearity"] == "tanh"
    and not case["batch_first"]
    and not case["unbatched"]
    and case["h0"]
    and case["dtype"] == "float64"
]


@pytest.mark.parametrize("case", RNN_LAYOUT_CASES, ids=case_ids(RNN_LAYOUT_CASES))
def test_rnn_parameters_are_named_and_ordered_like_torch(case: dict[str, Any]) -> None:
    """Same names, same order, same shapes: so torch checkpoints load and optimizers see params alike."""
    ref = read_arrays("rnn.npz")[case["id"]]
    ours = list(build_rnn(case).named_parameters())
    assert [name for name, _ in ours] == case["param_names"]
    for name, param in ours:
        assert to_numpy(param).shape == ref[f"param/{name}"].shape, name


def test_rnn_unbatched_input_needs_2d_h0() -> None:
    """torch: 'For unbatched 2-D input, hx should also be 2-D but got 3-D tensor'."""
    model = mt.nn.RNN(3, 4)
    x = mt.tensor(np.zeros((5, 3), dtype=np.float32))
    h0_batched = mt.tensor(np.zeros((1, 1, 4), dtype=np.float32))
    with pytest.raises(RuntimeError, match="2-D"):
        model(x, h0_batched)


# --------------------------------------------------------------------------- nn.RNNCell

RNNCELL_CASES = read_cases("rnncell.npz")


@pytest.mark.parametrize("case", RNNCELL_CASES, ids=case_ids(RNNCELL_CASES))
def test_rnncell_matches_torch(case: dict[str, Any]) -> None:
    """One step h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), batched (N, H) or unbatched (H,)."""
    ref = read_arrays("rnncell.npz")[case["id"]]
    cell = mt.nn.RNNCell(
        case["input_size"],
        case["hidden_size"],
        bias=case["bias"],
        nonlinearity=case["nonlinearity"],
        dtype=getattr(mt, case["dtype"]),
    )
    assert [name for name, _ in cell.named_parameters()] == case["param_names"]
    cell.load_state_dict(torch_state_dict(ref, case["param_names"]))

    x = mt.tensor(ref["input"], requires_grad=True)
    if case["hx"]:
        hx = mt.tensor(ref["hx"], requires_grad=True)
        output = cell(x, hx)
    else:
        output = cell(x)
    assert_matches_torch(output, ref["output"], "output")

    (output * mt.tensor(ref["g_out"])).sum().backward()
    assert_matches_torch(x.grad, ref["grad/input"], "grad of input")
    if case["hx"]:
        assert_matches_torch(hx.grad, ref["grad/hx"], "grad of hx")
    check_parameter_grads(cell, ref, case["param_names"])


# --------------------------------------------------------------------------- Linear, losses, softmax

LINEAR_LOSS_CASES = read_cases("linear_loss.npz")


def cases_of_kind(kind: str) -> list[dict[str, Any]]:
    return [case for case in LINEAR_LOSS_CASES if case["kind"] == kind]


LINEAR_CASES = cases_of_kind("linear")
MSE_CASES = cases_of_kind("mse")
CROSS_ENTROPY_CASES = cases_of_kind("cross_entropy")
SOFTMAX_CASES = cases_of_kind("log_softmax") + cases_of_kind("softmax")


@pytest.mark.parametrize("case", LINEAR_CASES, ids=case_ids(LINEAR_CASES))
def test_linear_module_matches_torch(case: dict[str, Any]) -> None:
    """nn.Linear: y = x W^T + b on the last axis, for 1-D, 2-D and 3-D inputs."""
    ref = read_arrays("linear_loss.npz")[case["id"]]
    names = ["weight", "bias"] if case["bias"] else ["weight"]
    layer = mt.nn.Linear(
        case["in_features"],
        case["out_features"],
        bias=case["bias"],
        dtype=getattr(mt, case["dtype"]),
    )
    assert [name for name, _ in layer.named_parameters()] == names
    layer.load_state_dict(torch_state_dict(ref, names))

    x = mt.tensor(ref["input"], requires_grad=True)
    output = layer(x)
    assert_matches_torch(output, ref["output"], "output")
    (output * mt.tensor(ref["g_out"])).sum().backward()
    assert_matches_torch(x.grad, ref["grad/input"], "grad of input")
    check_parameter_grads(layer, ref, names)


@pytest.mark.parametrize("case", LINEAR_CASES, ids=case_ids(LINEAR_CASES))
def test_functional_linear_matches_torch(case: dict[str, Any]) -> None:
    """F.linear(x, weight, bias) is the same computation without a module around it."""
    ref = read_arrays("linear_loss.npz")[case["id"]]
    x = mt.tensor(ref["input"], requires_grad=True)
    weight = mt.tensor(ref["param/weight"], requires_grad=True)
    bias = mt.tensor(ref["param/bias"], requires_grad=True) if case["bias"] else None
    output = mt.nn.functional.linear(x, weight, bias)
    assert_matches_torch(output, ref["output"], "output")
    (output * mt.tensor(ref["g_out"])).sum().backward()
    assert_matches_torch(x.grad, ref["grad/input"], "grad of input")
    assert_matches_torch(weight.grad, ref["grad/weight"], "grad of weight")
    if bias is not None:
        assert_matches_torch(bias.grad, ref["grad/bias"], "grad of bias")


@pytest.mark.parametrize("api", ["module", "functional"])
@pytest.mark.parametrize("case", MSE_CASES, ids=case_ids(MSE_CASES))
def test_mse_loss_matches_torch(case: dict[str, Any], api: str) -> None:
    """mean/sum give a 0-d tensor, 'none' the elementwise squares; the target gets a gradient too."""
    ref = read_arrays("linear_loss.npz")[case["id"]]
    x = mt.tensor(ref["input"], requires_grad=True)
    target = mt.tensor(ref["target"], requires_grad=True)
    if api == "module":
        output = mt.nn.MSELoss(reduction=case["reduction"])(x, target)
    else:
        output = mt.nn.functional.mse_loss(x, target, reduction=case["reduction"])
    assert_matches_torch(output, ref["output"], "loss")
    (output * mt.tensor(ref["g_out"])).sum().backward()
    assert_matches_torch(x.grad, ref["grad/input"], "grad of input")
    assert_matches_torch(target.grad, ref["grad/target"], "grad of target")


@pytest.mark.parametrize("api", ["module", "functional"])
@pytest.mark.parametrize("case", CROSS_ENTROPY_CASES, ids=case_ids(CROSS_ENTROPY_CASES))
def test_cross_entropy_matches_torch(case: dict[str, Any], api: str) -> None:
    """Class-index targets; logits scaled by 50 must not overflow (log-sum-exp shift)."""
    ref = read_arrays("linear_loss.npz")[case["id"]]
    logits = mt.tensor(ref["input"], requires_grad=True)
    target = mt.tensor(ref["target"])  # int64 class indices, (N,) or 0-d for one unbatched sample
    if api == "module":
        output = mt.nn.CrossEntropyLoss(reduction=case["reduction"])(logits, target)
    else:
        output = mt.nn.functional.cross_entropy(logits, target, reduction=case["reduction"])
    assert_matches_torch(output, ref["output"], "loss")
    (output * mt.tensor(ref["g_out"])).sum().backward()
    assert_matches_torch(logits.grad, ref["grad/input"], "grad of logits")


@pytest.mark.parametrize("case", SOFTMAX_CASES, ids=case_ids(SOFTMAX_CASES))
def test_softmax_family_matches_torch(case: dict[str, Any]) -> None:
    """log_softmax / softmax along a given dim, including logits scaled by 50."""
    ref = read_arrays("linear_loss.npz")[case["id"]]
    x = mt.tensor(ref["input"], requires_grad=True)
    function = getattr(mt.nn.functional, case["kind"])
    output = function(x, dim=case["dim"])
    assert_matches_torch(output, ref["output"], case["kind"])
    (output * mt.tensor(ref["g_out"])).sum().backward()
    assert_matches_torch(x.grad, ref["grad/input"], "grad of input")


# --------------------------------------------------------------------------- initialisation and dtype


def test_rnn_initialisation_follows_torch() -> None:
    """torch draws every RNN weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), in float32."""
    hidden_size = 16
    bound = 1 / math.sqrt(hidden_size)
    for module in (
        mt.nn.RNN(5, hidden_size, num_layers=2, bidirectional=True),
        mt.nn.RNNCell(5, hidden_size),
    ):
        for name, param in module.named_parameters():
            values = to_numpy(param)
            assert values.dtype == np.float32, f"{name}: default dtype is float32 in torch"
            assert np.all(np.abs(values) <= bound), f"{name}: outside U(-{bound}, {bound})"
            assert values.std() > bound / 4, f"{name}: does not look uniformly random"


def test_linear_initialisation_follows_torch() -> None:
    """torch's Linear (kaiming_uniform with a=sqrt(5)) ends up at U(-1/sqrt(in), 1/sqrt(in)) for W and b."""
    in_features = 25
    bound = 1 / math.sqrt(in_features)
    for name, param in mt.nn.Linear(in_features, 30).named_parameters():
        values = to_numpy(param)
        assert values.dtype == np.float32, f"{name}: default dtype is float32 in torch"
        assert np.all(np.abs(values) <= bound), f"{name}: outside U(-{bound}, {bound})"
        assert values.std() > bound / 4, f"{name}: does not look uniformly random"


@pytest.mark.parametrize("convert", ["double", "to_float64"])
def test_module_conversion_to_float64(convert: str) -> None:
    """model.double() and model.to(float64) convert every parameter in place and return the model."""
    model = mt.nn.RNN(3, 4, num_layers=2)
    before = {name: to_numpy(p).copy() for name, p in model.named_parameters()}
    result = model.double() if convert == "double" else model.to(mt.float64)
    assert result is model
    for name, param in model.named_parameters():
        values = to_numpy(param)
        assert values.dtype == np.float64, name
        np.testing.assert_array_equal(values, before[name].astype(np.float64), err_msg=name)


# --------------------------------------------------------------------------- live comparisons with torch


def run_ours(
    model: Any, inputs: list[np.ndarray], upstream: list[np.ndarray]
) -> dict[str, np.ndarray]:
    """Forward ``inputs`` through our model, backprop ``sum(out_i * upstream_i)``, collect numbers."""
    leaves = [mt.tensor(a, requires_grad=True) for a in inputs]
    outputs = model(*leaves)
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    loss = (outputs[0] * mt.tensor(upstream[0])).sum()
    for out, g in zip(outputs[1:], upstream[1:]):
        loss = loss + (out * mt.tensor(g)).sum()
    loss.backward()
    result = {f"out{i}": to_numpy(out) for i, out in enumerate(outputs)}
    result.update({f"grad/in{i}": to_numpy(leaf.grad) for i, leaf in enumerate(leaves)})
    result.update({f"grad/{name}": to_numpy(p.grad) for name, p in model.named_parameters()})
    return result


def run_torch(
    torch: Any, model: Any, inputs: list[np.ndarray], upstream: list[np.ndarray]
) -> dict[str, np.ndarray]:
    """The same as run_ours, with torch."""
    leaves = [torch.tensor(a, requires_grad=True) for a in inputs]
    outputs = model(*leaves)
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    loss = (outputs[0] * torch.tensor(upstream[0])).sum()
    for out, g in zip(outputs[1:], upstream[1:]):
        loss = loss + (out * torch.tensor(g)).sum()
    loss.backward()
    result = {f"out{i}": out.detach().numpy() for i, out in enumerate(outputs)}
    result.update({f"grad/in{i}": leaf.grad.numpy() for i, leaf in enumerate(leaves)})
    result.update({f"grad/{name}": p.grad.numpy() for name, p in model.named_parameters()})
    return result


def assert_same_results(ours: dict[str, np.ndarray], theirs: dict[str, np.ndarray]) -> None:
    assert sorted(ours) == sorted(theirs)
    for key, expected in theirs.items():
        np.testing.assert_allclose(ours[key], expected, err_msg=key, **TOLERANCE["float64"])


def upstream_like(
    torch: Any, torch_model: Any, inputs: list[np.ndarray], rng: np.random.Generator
) -> list[np.ndarray]:
    """Random upstream gradients shaped like the model's outputs (found by a torch forward pass)."""
    with torch.no_grad():
        outputs = torch_model(*[torch.tensor(a) for a in inputs])
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    return [rng.standard_normal(tuple(out.shape)) for out in outputs]


LIVE_RNN_CONFIGS = [
    {
        "num_layers": 1,
        "nonlinearity": "tanh",
        "bias": True,
        "batch_first": False,
        "bidirectional": False,
    },
    {
        "num_layers": 2,
        "nonlinearity": "relu",
        "bias": False,
        "batch_first": True,
        "bidirectional": True,
    },
    {
        "num_layers": 3,
        "nonlinearity": "tanh",
        "bias": True,
        "batch_first": False,
        "bidirectional": True,
    },
]
LIVE_RNN_IDS = ["L1_tanh", "L2_relu_nobias_bf_bi", "L3_tanh_bi"]


@pytest.mark.parametrize("config", LIVE_RNN_CONFIGS, ids=LIVE_RNN_IDS)
@pytest.mark.parametrize("direction", ["ours_into_torch", "torch_into_ours"])
def test_live_rnn_weights_move_between_libraries(config: dict[str, Any], direction: str) -> None:
    """A state_dict from either library loads into the other and both compute the same thing."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    ours = mt.nn.RNN(5, 6, dtype=mt.float64, **config)
    theirs = torch.nn.RNN(5, 6, dtype=torch.float64, **config)
    if direction == "ours_into_torch":
        theirs.load_state_dict(
            {k: torch.from_numpy(to_numpy(v).copy()) for k, v in ours.state_dict().items()}
        )
    else:
        ours.load_state_dict({k: v.numpy().copy() for k, v in theirs.state_dict().items()})

    batch_shape = (3, 4) if config["batch_first"] else (4, 3)  # (N, L) or (L, N)
    directions = 2 if config["bidirectional"] else 1
    inputs = [
        rng.standard_normal((*batch_shape, 5)),
        rng.standard_normal((directions * config["num_layers"], 3, 6)),
    ]
    upstream = upstream_like(torch, theirs, inputs, rng)
    assert_same_results(
        run_ours(ours, inputs, upstream), run_torch(torch, theirs, inputs, upstream)
    )


@pytest.mark.parametrize("direction", ["ours_into_torch", "torch_into_ours"])
@pytest.mark.parametrize("module", ["RNNCell", "Linear"])
def test_live_cell_and_linear_weights_move_between_libraries(module: str, direction: str) -> None:
    """Same round trip for nn.RNNCell and nn.Linear."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    ours = getattr(mt.nn, module)(5, 6, dtype=mt.float64)
    theirs = getattr(torch.nn, module)(5, 6, dtype=torch.float64)
    if direction == "ours_into_torch":
        theirs.load_state_dict(
            {k: torch.from_numpy(to_numpy(v).copy()) for k, v in ours.state_dict().items()}
        )
    else:
        ours.load_state_dict({k: v.numpy().copy() for k, v in theirs.state_dict().items()})
    inputs = [rng.standard_normal((4, 5))]
    upstream = upstream_like(torch, theirs, inputs, rng)
    assert_same_results(
        run_ours(ours, inputs, upstream), run_torch(torch, theirs, inputs, upstream)
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_live_cross_entropy_on_random_logits(reduction: str) -> None:
    """Fresh random logits (some huge) and targets: our cross_entropy and its gradient equal torch's."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((6, 7)) * np.array(
        [[1.0], [10.0], [100.0], [1.0], [1000.0], [0.01]]
    )
    target = rng.integers(0, 7, size=6)

    ours_in = mt.tensor(logits, requires_grad=True)
    ours = mt.nn.functional.cross_entropy(ours_in, mt.tensor(target), reduction=reduction)
    theirs_in = torch.tensor(logits, requires_grad=True)
    theirs = torch.nn.functional.cross_entropy(theirs_in, torch.tensor(target), reduction=reduction)
    np.testing.assert_allclose(to_numpy(ours), theirs.detach().numpy(), **TOLERANCE["float64"])

    upstream = rng.standard_normal(tuple(theirs.shape))
    (ours * mt.tensor(upstream)).sum().backward()
    (theirs * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(
        to_numpy(ours_in.grad), theirs_in.grad.numpy(), **TOLERANCE["float64"]
    )
