"""minitorch_rnn.optim.SGD and gradient clipping against PyTorch's own numbers.

The stored half reads ``tests/reference/sgd.npz`` and ``tests/reference/clip.npz``
(written by ``tests/reference/make_reference_nn.py`` with torch 2.13) and runs without
torch.  The SGD cases replay 20 steps of every valid option combination on one fixed
loss and compare the parameters after every step; two of the four parameters have no
gradient on some or all steps, because torch skips those entirely.

The live half (bottom of the file) needs torch and is skipped without it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from reference_data import TOLERANCE, case_ids, read_arrays, read_cases, to_numpy

import minitorch_rnn as mt

# --------------------------------------------------------------------------- helpers


def assert_same_array(got: np.ndarray, expected: np.ndarray, what: str) -> None:
    """Same shape, same dtype and the same numbers (within the dtype's tolerance) as torch."""
    expected = np.asarray(expected)
    assert got.shape == expected.shape, f"{what}: shape {got.shape}, torch gives {expected.shape}"
    assert got.dtype == expected.dtype, f"{what}: dtype {got.dtype}, torch gives {expected.dtype}"
    np.testing.assert_allclose(got, expected, err_msg=what, **TOLERANCE[expected.dtype.name])


def assert_matches_torch(actual: Any, expected: np.ndarray, what: str) -> None:
    """``actual`` is one of our tensors; compare it with torch's stored array."""
    assert actual is not None, f"{what}: got None, torch has a value"
    assert_same_array(to_numpy(actual), expected, what)


def param_with_grad(grad: np.ndarray) -> Any:
    """A parameter whose .grad is exactly ``grad``: d/dp sum(p * g) = g.

    The parameter is all ones, not zeros, so an inf in ``grad`` gives inf, not 0 * inf = nan.
    """
    param = mt.tensor(np.ones_like(grad), requires_grad=True)
    (param * mt.tensor(grad)).sum().backward()
    return param


# --------------------------------------------------------------------------- SGD trajectories

SGD_CASES = read_cases("sgd.npz")
MOMENTUM_CASES = [case for case in SGD_CASES if case["momentum"] != 0]
SGD_OPTION_NAMES = ("lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize")
# weight and bias are used on every step, "sometimes" only on steps 0, 3, 6, ...
# (its grad is None in between), "unused" never: torch must leave it exactly alone.
SGD_PARAM_NAMES = ("weight", "bias", "sometimes", "unused")


def sgd_loss(params: dict[str, Any], x: Any, y: Any, step: int, sometimes_every: int) -> Any:
    """The fixed loss of the stored trajectories (the generator's ``sgd_loss``, written with mt)."""
    F = mt.nn.functional
    loss = F.mse_loss(F.linear(x, params["weight"], params["bias"]), y)
    if step % sometimes_every == 0:
        loss = loss + (params["sometimes"] * params["sometimes"]).sum()
    return loss


def run_sgd(case: dict[str, Any]) -> tuple[Any, dict[str, Any], list[np.ndarray], dict[str, list[np.ndarray]]]:
    """Replay a stored case with our SGD; return optimizer, params, losses and per-step params."""
    shared = read_arrays("sgd.npz")
    x, y = mt.tensor(shared["data"]["x"]), mt.tensor(shared["data"]["y"])
    params = {name: mt.tensor(shared["init"][name].copy(), requires_grad=True) for name in SGD_PARAM_NAMES}
    # lr=None in a case means "use the default" (torch: 1e-3), so it is left out.
    options = {name: case[name] for name in SGD_OPTION_NAMES if case[name] is not None}
    optimizer = mt.optim.SGD(list(params.values()), **options)

    losses: list[np.ndarray] = []
    history: dict[str, list[np.ndarray]] = {name: [to_numpy(p).copy()] for name, p in params.items()}
    for step in range(case["steps"]):
        for p in params.values():
            p.grad = None  # what zero_grad() does by default (set_to_none=True)
        loss = sgd_loss(params, x, y, step, case["sometimes_every"])
        loss.backward()
        optimizer.step()
        losses.append(to_numpy(loss))
        for name, p in params.items():
            history[name].append(to_numpy(p).copy())
    return optimizer, params, losses, history


@pytest.mark.parametrize("case", SGD_CASES, ids=case_ids(SGD_CASES))
def test_sgd_trajectory_matches_torch(case: dict[str, Any]) -> None:
    """Parameters after each of 20 steps equal torch's; the first step that differs is reported."""
    ref = read_arrays("sgd.npz")[case["id"]]
    _, params, losses, history = run_sgd(case)
    assert params["unused"].grad is None
    for step in range(case["steps"]):
        assert_same_array(losses[step], ref["loss"][step], f"loss at step {step}")
        for name in SGD_PARAM_NAMES:
            assert_same_array(history[name][step + 1], ref[f"params/{name}"][step + 1],
                              f"{name} after step {step + 1}")


@pytest.mark.parametrize("case", MOMENTUM_CASES, ids=case_ids(MOMENTUM_CASES))
def test_sgd_momentum_buffer_matches_torch(case: dict[str, Any]) -> None:
    """optimizer.state[p]['momentum_buffer'] holds torch's buffer; a param never stepped has none."""
    ref = read_arrays("sgd.npz")[case["id"]]
    optimizer, params, _, _ = run_sgd(case)
    for name, p in params.items():
        state = optimizer.state.get(p, {})
        if f"momentum_buffer/{name}" in ref:
            assert_matches_torch(state.get("momentum_buffer"), ref[f"momentum_buffer/{name}"], f"buffer of {name}")
        else:
            assert state.get("momentum_buffer") is None, f"{name} never had a gradient, so torch keeps no buffer"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"lr": -0.1}, "Invalid learning rate"),
        ({"lr": 0.1, "momentum": -0.5}, "Invalid momentum value"),
        ({"lr": 0.1, "weight_decay": -1.0}, "Invalid weight_decay value"),
        ({"lr": 0.1, "nesterov": True}, "Nesterov momentum requires a momentum and zero dampening"),
        ({"lr": 0.1, "momentum": 0.9, "dampening": 0.5, "nesterov": True},
         "Nesterov momentum requires a momentum and zero dampening"),
    ],
    ids=["negative_lr", "negative_momentum", "negative_weight_decay", "nesterov_without_momentum",
         "nesterov_with_dampening"],
)
def test_sgd_rejects_invalid_options_like_torch(options: dict[str, Any], message: str) -> None:
    param = mt.tensor(np.zeros(3), requires_grad=True)
    with pytest.raises(ValueError, match=message):
        mt.optim.SGD([param], **options)


def test_sgd_zero_grad_sets_grads_to_none() -> None:
    """torch >= 2.0: zero_grad() defaults to set_to_none=True, so the next step skips unused params."""
    param = param_with_grad(np.ones(3))
    optimizer = mt.optim.SGD([param], lr=0.1)
    optimizer.zero_grad()
    assert param.grad is None


# --------------------------------------------------------------------------- gradient clipping

CLIP_CASES = read_cases("clip.npz")
CLIP_NORM_CASES = [case for case in CLIP_CASES if case["kind"] == "norm"]
CLIP_VALUE_CASES = [case for case in CLIP_CASES if case["kind"] == "value"]
CLIPPED_PARAMS = 3  # grad_before/p0 .. p2


@pytest.mark.parametrize("case", CLIP_NORM_CASES, ids=case_ids(CLIP_NORM_CASES))
def test_clip_grad_norm_matches_torch(case: dict[str, Any]) -> None:
    """Total norm and clipped grads equal torch's; a param whose grad is None is ignored and stays None."""
    ref = read_arrays("clip.npz")[case["id"]]
    params = [param_with_grad(ref[f"grad_before/p{i}"]) for i in range(CLIPPED_PARAMS)]
    no_grad = mt.tensor(np.zeros(2, dtype=case["dtype"]), requires_grad=True)
    norm_type = float(case["norm_type"])  # "inf" -> math.inf
    total_norm = mt.nn.utils.clip_grad_norm_(params + [no_grad], case["max_norm"], norm_type=norm_type)
    assert_matches_torch(total_norm, ref["total_norm"], "total norm")
    for i, p in enumerate(params):
        assert_matches_torch(p.grad, ref[f"grad_after/p{i}"], f"grad of p{i} after clipping")
    assert no_grad.grad is None


@pytest.mark.parametrize("case", CLIP_VALUE_CASES, ids=case_ids(CLIP_VALUE_CASES))
def test_clip_grad_value_matches_torch(case: dict[str, Any]) -> None:
    """Every grad element is clamped into [-clip_value, clip_value], in place; returns None."""
    ref = read_arrays("clip.npz")[case["id"]]
    params = [param_with_grad(ref[f"grad_before/p{i}"]) for i in range(CLIPPED_PARAMS)]
    assert mt.nn.utils.clip_grad_value_(params, case["clip_value"]) is None
    for i, p in enumerate(params):
        assert_matches_torch(p.grad, ref[f"grad_after/p{i}"], f"grad of p{i} after clipping")


@pytest.mark.parametrize("given_as", ["list", "generator", "single_tensor"])
def test_clip_grad_norm_accepts_what_torch_accepts(given_as: str) -> None:
    """A generator must be read once (a second pass would see nothing); a lone tensor is one param."""
    grads = [np.array([3.0, 0.0]), np.array([[0.0, 4.0]])]  # 2-norm 3 and 4, together 5
    if given_as == "single_tensor":
        grads = grads[:1]
    params = [param_with_grad(g) for g in grads]
    if given_as == "list":
        total_norm = mt.nn.utils.clip_grad_norm_(params, 1.0)
    elif given_as == "generator":
        total_norm = mt.nn.utils.clip_grad_norm_((p for p in params), 1.0)
    else:
        total_norm = mt.nn.utils.clip_grad_norm_(params[0], 1.0)
    expected_norm = 3.0 if given_as == "single_tensor" else 5.0
    assert float(to_numpy(total_norm)) == pytest.approx(expected_norm, rel=1e-12)
    scale = 1.0 / (expected_norm + 1e-6)  # torch divides by (total_norm + 1e-6)
    for p, g in zip(params, grads):
        np.testing.assert_allclose(to_numpy(p.grad), g * scale, rtol=1e-12)


def test_clip_grad_norm_without_any_grads_returns_zero() -> None:
    """torch returns tensor(0.) when no parameter has a gradient, and changes nothing."""
    param = mt.tensor(np.ones(3), requires_grad=True)
    total_norm = mt.nn.utils.clip_grad_norm_([param], 1.0)
    assert float(to_numpy(total_norm)) == 0.0
    assert param.grad is None


def test_clip_grad_norm_can_refuse_a_non_finite_norm() -> None:
    """error_if_nonfinite=True raises RuntimeError instead of scaling by inf or nan."""
    param = param_with_grad(np.array([1.0, np.inf]))
    with pytest.raises(RuntimeError, match="non-finite"):
        mt.nn.utils.clip_grad_norm_([param], 1.0, error_if_nonfinite=True)


# --------------------------------------------------------------------------- live comparisons with torch


@pytest.mark.parametrize("seed", range(4), ids=[f"seed{seed}" for seed in range(4)])
def test_live_sgd_on_linear_regression(seed: int) -> None:
    """Random valid SGD options on a Linear + MSE problem: 10 steps in both libraries agree."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    momentum = float(rng.choice([0.0, 0.5, 0.9]))
    nesterov = bool(momentum > 0 and rng.random() < 0.5)
    options = {"lr": float(rng.uniform(0.01, 0.2)), "momentum": momentum,
               "dampening": 0.0 if nesterov else float(rng.choice([0.0, 0.3])),
               "weight_decay": float(rng.choice([0.0, 0.05])), "nesterov": nesterov,
               "maximize": bool(rng.random() < 0.5)}
    x, y = rng.standard_normal((16, 4)), rng.standard_normal((16, 3))

    ours = mt.nn.Linear(4, 3, dtype=mt.float64)
    theirs = torch.nn.Linear(4, 3, dtype=torch.float64)
    theirs.load_state_dict({k: torch.from_numpy(to_numpy(v).copy()) for k, v in ours.state_dict().items()})
    ours_opt = mt.optim.SGD(ours.parameters(), **options)
    theirs_opt = torch.optim.SGD(theirs.parameters(), **options)
    for _ in range(10):
        ours_opt.zero_grad()
        mt.nn.functional.mse_loss(ours(mt.tensor(x)), mt.tensor(y)).backward()
        ours_opt.step()
        theirs_opt.zero_grad()
        torch.nn.functional.mse_loss(theirs(torch.tensor(x)), torch.tensor(y)).backward()
        theirs_opt.step()
    for name, param in theirs.named_parameters():
        ours_param = dict(ours.named_parameters())[name]
        np.testing.assert_allclose(to_numpy(ours_param), param.detach().numpy(), err_msg=f"{name} {options}",
                                   **TOLERANCE["float64"])


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 1.5, math.inf], ids=["p2", "p1", "p1.5", "pinf"])
def test_live_clip_grad_norm(norm_type: float) -> None:
    """Random gradients of several shapes: the same total norm and the same clipped grads."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    grads = [rng.standard_normal(shape) for shape in [(3, 4), (4,), (2, 2, 2)]]
    ours = [param_with_grad(g) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, g in zip(theirs, grads):
        p.grad = torch.tensor(g)
    max_norm = 0.3
    ours_total = mt.nn.utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    theirs_total = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    np.testing.assert_allclose(to_numpy(ours_total), theirs_total.numpy(), **TOLERANCE["float64"])
    for ours_p, theirs_p in zip(ours, theirs):
        np.testing.assert_allclose(to_numpy(ours_p.grad), theirs_p.grad.numpy(), **TOLERANCE["float64"])
