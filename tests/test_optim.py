"""optim.Optimizer / optim.SGD bookkeeping and gradient clipping: errors, repr, state_dict.

Trajectories against stored torch numbers are in test_optim_reference.py. Here: torch's
messages (checked against live torch when it is installed), the update rule written out
by hand in numpy, parameter groups, params without a gradient, state_dict round trips and
the clipping utilities' edge cases.
"""

from __future__ import annotations

import copy
import math
import re
from typing import Any

import numpy as np
import pytest

import minitorch_rnn as mt

nn, optim = mt.nn, mt.optim


def numpy_of(t: Any) -> np.ndarray:
    return np.asarray(t.detach().numpy())


def param(*values: float) -> mt.Tensor:
    return mt.tensor(np.array(values, dtype=np.float64), requires_grad=True)


def with_grad(p: mt.Tensor, *grad: float) -> mt.Tensor:
    p.grad = mt.tensor(np.array(grad, dtype=p.dtype))
    return p


# --------------------------------------------------------------------------- construction errors

SGD_ERRORS = [
    ({"lr": -0.1}, ValueError, "Invalid learning rate: -0.1"),
    ({"momentum": -1}, ValueError, "Invalid momentum value: -1"),
    ({"weight_decay": -1}, ValueError, "Invalid weight_decay value: -1"),
    ({"nesterov": True}, ValueError, "Nesterov momentum requires a momentum and zero dampening"),
    ({"momentum": 0.9, "dampening": 0.1, "nesterov": True}, ValueError,
     "Nesterov momentum requires a momentum and zero dampening"),
]  # fmt: skip


@pytest.mark.parametrize(("options", "error", "message"), SGD_ERRORS)
def test_sgd_option_errors_are_torchs(options: dict[str, Any], error: type, message: str) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        optim.SGD([param(1.0)], **options)
    torch = pytest.importorskip("torch")
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        torch.optim.SGD([torch.zeros(1, requires_grad=True)], **options)


def test_empty_parameter_list() -> None:
    with pytest.raises(ValueError, match="^optimizer got an empty parameter list$"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD(nn.Tanh().parameters(), lr=0.1)  # a model without parameters


def test_a_bare_tensor_is_a_type_error() -> None:
    """torch names the legacy type (torch.FloatTensor); we name ours the same way."""
    with pytest.raises(
        TypeError,
        match="^params argument given to the optimizer should be an iterable of Tensors or "
        "dicts, but got minitorch_rnn.FloatTensor$",
    ):
        optim.SGD(nn.Parameter(mt.zeros(3)), lr=0.1)


def test_only_leaf_tensors_can_be_optimized() -> None:
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but one of the params is float"):
        optim.SGD([1.0], lr=0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([param(1.0) * 2], lr=0.1)


def test_param_group_errors() -> None:
    p = param(1.0)
    optimizer = optim.SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        optimizer.add_param_group({"params": [p]})
    with pytest.raises(TypeError, match="organized in ordered collections"):
        optimizer.add_param_group({"params": {param(2.0)}})
    with pytest.raises(TypeError, match="param_group must be a dict"):
        optimizer.add_param_group([param(2.0)])  # type: ignore[arg-type]


def test_differentiable_steps_are_not_supported() -> None:
    with pytest.raises(NotImplementedError):
        optim.SGD([param(1.0)], differentiable=True)


# --------------------------------------------------------------------------- repr and groups

SGD_REPR = """SGD (
Parameter Group 0
    dampening: 0
    differentiable: False
    foreach: None
    fused: None
    lr: 0.1
    maximize: False
    momentum: 0.9
    nesterov: False
    weight_decay: 0

Parameter Group 1
    dampening: 0
    differentiable: False
    foreach: None
    fused: None
    lr: 0.5
    maximize: False
    momentum: 0.9
    nesterov: False
    weight_decay: 0
)"""


def test_repr_is_torchs() -> None:
    optimizer = optim.SGD([param(1.0)], lr=0.1, momentum=0.9)
    optimizer.add_param_group({"params": [param(2.0)], "lr": 0.5})
    assert repr(optimizer) == SGD_REPR


@pytest.mark.parametrize(
    "options",
    [{}, {"lr": 0.1, "momentum": 0.9, "nesterov": True}, {"lr": 0.01, "weight_decay": 1e-4, "maximize": True}],
    ids=["defaults", "nesterov", "weight_decay_maximize"],
)
def test_repr_and_param_groups_match_live_torch(options: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    ours = optim.SGD([param(1.0), param(2.0)], **options)
    theirs = torch.optim.SGD([torch.zeros(1, requires_grad=True) for _ in range(2)], **options)
    assert repr(ours) == repr(theirs)
    assert ours.state_dict() == theirs.state_dict()  # no state yet: groups only


def test_defaults_fill_each_group() -> None:
    a, b = param(1.0), param(2.0)
    optimizer = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.9)
    first, second = optimizer.param_groups
    assert first["lr"] == 0.1 and second["lr"] == 0.5
    assert first["momentum"] == second["momentum"] == 0.9
    assert second["params"] == [b] or second["params"][0] is b
    with_grad(a, 1.0)
    with_grad(b, 1.0)
    optimizer.step()
    np.testing.assert_allclose(numpy_of(a), [0.9])
    np.testing.assert_allclose(numpy_of(b), [1.5])


# --------------------------------------------------------------------------- the update


def test_momentum_dampening_and_weight_decay_by_hand() -> None:
    """Three steps of torch's rule, written out: the first buffer is the (decayed) gradient."""
    lr, mu, tau, wd = 0.1, 0.9, 0.25, 0.01
    p = param(1.0, -2.0)
    optimizer = optim.SGD([p], lr=lr, momentum=mu, dampening=tau, weight_decay=wd)
    theta = np.array([1.0, -2.0])
    grads = [np.array([0.5, 1.0]), np.array([-1.0, 2.0]), np.array([0.25, 0.0])]
    buffer = None
    for g in grads:
        with_grad(p, *g)
        optimizer.step()
        d = g + wd * theta
        buffer = d if buffer is None else mu * buffer + (1 - tau) * d
        theta = theta - lr * buffer
        np.testing.assert_allclose(numpy_of(p), theta, rtol=1e-14)
    np.testing.assert_allclose(numpy_of(optimizer.state[p]["momentum_buffer"]), buffer, rtol=1e-14)


def test_nesterov_and_maximize_by_hand() -> None:
    lr, mu = 0.2, 0.5
    p = param(3.0)
    optimizer = optim.SGD([p], lr=lr, momentum=mu, nesterov=True, maximize=True)
    theta, buffer = 3.0, None
    for g in [1.0, -0.5, 2.0]:
        with_grad(p, g)
        optimizer.step()
        d = -g
        buffer = d if buffer is None else mu * buffer + d
        theta -= lr * (d + mu * buffer)
        assert numpy_of(p)[0] == pytest.approx(theta, rel=1e-14)


def test_params_without_grad_are_skipped_and_get_no_state() -> None:
    stepped, skipped = param(1.0), param(1.0)
    optimizer = optim.SGD([stepped, skipped], lr=0.1, momentum=0.9, weight_decay=0.5)
    with_grad(stepped, 1.0)
    optimizer.step()
    assert numpy_of(skipped)[0] == 1.0  # weight decay would have moved it
    assert skipped not in optimizer.state
    assert "momentum_buffer" in optimizer.state[stepped]


def test_zero_grad_to_none_or_to_zeros_changes_what_step_does() -> None:
    """A zero gradient is still a step (weight decay moves the param); None is no step."""
    p = with_grad(param(1.0), 1.0)
    optimizer = optim.SGD([p], lr=0.1, weight_decay=1.0)
    optimizer.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(numpy_of(p.grad), [0.0])
    optimizer.step()
    assert numpy_of(p)[0] == pytest.approx(0.9)
    optimizer.zero_grad()
    assert p.grad is None
    optimizer.step()
    assert numpy_of(p)[0] == pytest.approx(0.9)


def test_step_updates_the_same_parameter_objects_off_the_tape() -> None:
    model = nn.Linear(3, 2)
    weight = model.weight
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    model(mt.randn(4, 3)).sum().backward()
    before = numpy_of(weight).copy()
    optimizer.step()
    assert model.weight is weight and weight.is_leaf and weight.requires_grad
    np.testing.assert_allclose(numpy_of(weight), before - 0.1 * numpy_of(weight.grad), rtol=1e-6)


def test_step_returns_the_closures_loss() -> None:
    p = param(2.0)
    optimizer = optim.SGD([p], lr=0.25)

    def closure() -> mt.Tensor:
        optimizer.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    loss = optimizer.step(closure)
    assert float(numpy_of(loss)) == 4.0
    assert numpy_of(p)[0] == pytest.approx(1.0)  # 2 - 0.25 * 2 * 2


def test_sgd_trains_a_small_model() -> None:
    """Linear regression with a known answer: SGD + MSELoss should find it."""
    mt.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3))
    true_w = np.array([[2.0, -1.0, 0.5]])
    y = x @ true_w.T + 0.3
    model = nn.Linear(3, 1, dtype=mt.float64)
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for _ in range(400):
        optimizer.zero_grad()
        nn.MSELoss()(model(mt.tensor(x)), mt.tensor(y)).backward()
        optimizer.step()
    np.testing.assert_allclose(numpy_of(model.weight), true_w, atol=1e-6)
    np.testing.assert_allclose(numpy_of(model.bias), [0.3], atol=1e-6)


# --------------------------------------------------------------------------- state_dict


def train(model: Any, optimizer: Any, steps: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        optimizer.zero_grad()
        x, y = rng.standard_normal((8, 3)), rng.standard_normal((8, 2))
        nn.MSELoss()(model(mt.tensor(x)), mt.tensor(y)).backward()
        optimizer.step()


def test_state_dict_layout_is_torchs() -> None:
    model = nn.Sequential(nn.Linear(3, 4, dtype=mt.float64), nn.Linear(4, 2, dtype=mt.float64))
    optimizer = optim.SGD([{"params": model[0].parameters()}, {"params": model[1].parameters(), "lr": 0.5}],
                          lr=0.1, momentum=0.9)  # fmt: skip
    state = optimizer.state_dict()
    assert state["state"] == {}
    assert [g["params"] for g in state["param_groups"]] == [[0, 1], [2, 3]]
    assert [g["lr"] for g in state["param_groups"]] == [0.1, 0.5]
    train(model, optimizer, 1, seed=0)
    state = optimizer.state_dict()
    assert sorted(state["state"]) == [0, 1, 2, 3]
    assert state["state"][2]["momentum_buffer"] is optimizer.state[model[1].weight]["momentum_buffer"]


def test_load_state_dict_resumes_training_exactly() -> None:
    mt.manual_seed(3)
    model = nn.Linear(3, 2, dtype=mt.float64)
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)
    train(model, optimizer, 3, seed=1)
    # Both state_dicts hold the live tensors (as torch's do): copy them before training on.
    saved_model = copy.deepcopy(model.state_dict())
    saved_optimizer = copy.deepcopy(optimizer.state_dict())
    train(model, optimizer, 4, seed=2)  # the uninterrupted run

    resumed = nn.Linear(3, 2, dtype=mt.float64)
    resumed.load_state_dict(saved_model)
    resumed_optimizer = optim.SGD(resumed.parameters(), lr=1.0)  # options come from the dict
    resumed_optimizer.load_state_dict(saved_optimizer)
    assert resumed_optimizer.param_groups[0]["lr"] == 0.05
    assert resumed_optimizer.param_groups[0]["params"][0] is resumed.weight
    buffer = resumed_optimizer.state[resumed.weight]["momentum_buffer"]
    assert buffer is not optimizer.state[model.weight]["momentum_buffer"]  # a copy
    train(resumed, resumed_optimizer, 4, seed=2)
    for name, p in model.named_parameters():
        np.testing.assert_array_equal(numpy_of(dict(resumed.named_parameters())[name]), numpy_of(p))


def test_load_state_dict_layout_errors_are_torchs() -> None:
    optimizer = optim.SGD([param(1.0)], lr=0.1)
    with pytest.raises(ValueError, match="loaded state dict has a different number of parameter groups"):
        optimizer.load_state_dict({"state": {}, "param_groups": []})
    with pytest.raises(ValueError, match="contains a parameter group that doesn't match the size"):
        optimizer.load_state_dict({"state": {}, "param_groups": [{"params": [0, 1], "lr": 0.1}]})


def test_torch_optimizer_state_loads_into_ours_and_back() -> None:
    torch = pytest.importorskip("torch")
    theirs_model = torch.nn.Linear(3, 2, dtype=torch.float64)
    theirs = torch.optim.SGD(theirs_model.parameters(), lr=0.1, momentum=0.9, dampening=0.1)
    theirs_model(torch.randn(4, 3, dtype=torch.float64)).sum().backward()
    theirs.step()
    theirs_state = theirs.state_dict()

    ours_model = nn.Linear(3, 2, dtype=mt.float64)
    ours = optim.SGD(ours_model.parameters())
    ours.load_state_dict({
        "state": {i: {k: v.numpy() for k, v in s.items()} for i, s in theirs_state["state"].items()},
        "param_groups": theirs_state["param_groups"],
    })  # fmt: skip
    state = ours.state_dict()
    assert state["param_groups"] == theirs_state["param_groups"]
    for i, s in theirs_state["state"].items():
        np.testing.assert_array_equal(numpy_of(state["state"][i]["momentum_buffer"]), s["momentum_buffer"].numpy())


def test_loaded_buffers_take_the_parameters_dtype() -> None:
    p = mt.tensor(np.zeros(2, dtype=np.float32), requires_grad=True)
    optimizer = optim.SGD([p], lr=0.1, momentum=0.9)
    optimizer.load_state_dict({
        "state": {0: {"momentum_buffer": np.ones(2)}},
        "param_groups": [dict(optimizer.param_groups[0], params=[0])],
    })  # fmt: skip
    assert optimizer.state[p]["momentum_buffer"].dtype == np.float32


# --------------------------------------------------------------------------- clipping


def test_clip_grad_norm_returns_the_norm_before_clipping_and_scales_in_place() -> None:
    a, b = with_grad(param(0.0, 0.0), 3.0, 0.0), with_grad(param(0.0), 4.0)
    grad_a = a.grad
    total = mt.nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
    assert total.shape == () and float(numpy_of(total)) == 5.0
    assert a.grad is grad_a  # the same tensor, changed in place
    np.testing.assert_allclose(numpy_of(a.grad), [3 / (5 + 1e-6), 0.0], rtol=1e-14)
    np.testing.assert_allclose(numpy_of(b.grad), [4 / (5 + 1e-6)], rtol=1e-14)


def test_clip_grad_norm_leaves_small_gradients_alone() -> None:
    a = with_grad(param(0.0, 0.0), 0.3, -0.4)
    total = mt.nn.utils.clip_grad_norm_(a, max_norm=1.0)
    assert float(numpy_of(total)) == pytest.approx(0.5)
    np.testing.assert_array_equal(numpy_of(a.grad), [0.3, -0.4])


def test_clip_grad_norm_inf_norm_is_the_largest_entry() -> None:
    a, b = with_grad(param(0.0, 0.0), 1.0, -6.0), with_grad(param(0.0), 2.0)
    total = mt.nn.utils.clip_grad_norm_([a, b], max_norm=3.0, norm_type=math.inf)
    assert float(numpy_of(total)) == 6.0
    np.testing.assert_allclose(numpy_of(a.grad), np.array([1.0, -6.0]) * 3 / (6 + 1e-6), rtol=1e-14)


def test_clip_grad_norm_float32_gradients_give_a_float32_norm() -> None:
    p = mt.tensor(np.zeros(3, dtype=np.float32), requires_grad=True)
    with_grad(p, 1.0, 2.0, 2.0)
    assert mt.nn.utils.clip_grad_norm_([p], 1.0).dtype == np.float32


@pytest.mark.parametrize("bad", [math.inf, math.nan], ids=["inf", "nan"])
def test_clip_grad_norm_non_finite_error_is_torchs(bad: float) -> None:
    message = (
        "The total norm of order 2.0 for gradients from `parameters` is non-finite, so it cannot be "
        "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
        "`error_if_nonfinite=False`"
    )
    p = with_grad(param(0.0, 0.0), 1.0, bad)
    with pytest.raises(RuntimeError, match=re.escape(message)):
        mt.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(numpy_of(p.grad), [1.0, bad])  # nothing was changed
    # without the flag torch scales anyway (and the gradients become nan)
    mt.nn.utils.clip_grad_norm_([p], 1.0)
    assert np.isnan(numpy_of(p.grad)[1])


def test_clip_grad_value_clamps_in_place_and_skips_missing_grads() -> None:
    a, untouched = with_grad(param(0.0, 0.0, 0.0), -3.0, 0.5, 2.0), param(0.0)
    assert mt.nn.utils.clip_grad_value_([a, untouched], clip_value=1.0) is None
    np.testing.assert_array_equal(numpy_of(a.grad), [-1.0, 0.5, 1.0])
    assert untouched.grad is None
