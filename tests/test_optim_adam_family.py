"""optim.Adam, AdamW, Adagrad and RMSprop against PyTorch, and their bookkeeping.

The stored half replays every case of ``optim_cases.TRAJECTORY_CASES`` (each optimizer's
options, alone and combined, in float64 and float32: 50 steps, parameters of four shapes,
one of them stepped only every third step and one never) and compares all parameters
after every step, and the final state, with ``tests/reference/optim2.npz`` (written by
``tests/reference/make_reference_optim2.py``). No torch needed.

Then: torch's option errors, the update written out by hand, and, when torch is installed,
a small network trained by both libraries with random options. The optimizers' state, param
groups and state_dicts are tested in test_optim_adam_family_state.py.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from optim_cases import STEPS, flat_history, flat_state, run_trajectory
from reference_data import TOLERANCE, case_ids, read_arrays, read_cases, to_numpy

import minitorch_rnn as mt

nn, optim = mt.nn, mt.optim
NAMES = ["Adam", "AdamW", "Adagrad", "RMSprop"]


def param64(values: list[float]) -> mt.Tensor:
    return mt.tensor(np.array(values, dtype=np.float64), requires_grad=True)


# --------------------------------------------------------------------------- stored trajectories

TRAJECTORY_CASES = [case for case in read_cases("optim2.npz") if case["kind"] == "trajectory"]


def assert_same_array(got: np.ndarray, expected: np.ndarray, what: str) -> None:
    assert got.shape == expected.shape, f"{what}: shape {got.shape}, torch gives {expected.shape}"
    assert got.dtype == expected.dtype, f"{what}: dtype {got.dtype}, torch gives {expected.dtype}"
    np.testing.assert_allclose(got, expected, err_msg=what, **TOLERANCE[expected.dtype.name])


@pytest.mark.parametrize("case", TRAJECTORY_CASES, ids=case_ids(TRAJECTORY_CASES))
def test_trajectory_matches_torch(case: dict[str, Any]) -> None:
    """All parameters after each of the 50 steps, then the state, equal torch's."""
    ref = read_arrays("optim2.npz")[case["id"]]
    optimizer, params, history = run_trajectory(mt, case)
    ours = flat_history(history)
    for step in range(STEPS + 1):  # the first step that differs is the one reported
        assert_same_array(ours[step], ref["params"][step], f"parameters after step {step}")
    state = flat_state(optimizer, params)
    assert sorted(state) == sorted(key[len("state/") :] for key in ref if key.startswith("state/"))
    for key, value in state.items():
        assert_same_array(value, ref[f"state/{key}"], f"state {key!r}")


def test_the_stored_cases_cover_every_option() -> None:
    """Each option of each optimizer is set to a non-default value in some stored case."""
    options = {
        "Adam": {"lr", "betas", "eps", "weight_decay", "amsgrad", "maximize", "decoupled_weight_decay"},
        "AdamW": {"lr", "weight_decay", "amsgrad", "maximize"},
        "Adagrad": {"lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps", "maximize"},
        "RMSprop": {"lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize"},
    }  # fmt: skip
    for name, wanted in options.items():
        cases = [c for c in TRAJECTORY_CASES if c["optimizer"] == name]
        assert {c["dtype"] for c in cases} == {"float32", "float64"}
        assert set().union(*(c["options"] for c in cases)) == wanted, name


# --------------------------------------------------------------------------- torch's errors

ERRORS = [
    ("Adam", {"lr": -1.0}, ValueError, "Invalid learning rate: -1.0"),
    ("Adam", {"eps": -1e-8}, ValueError, "Invalid epsilon value: -1e-08"),
    ("Adam", {"betas": (1.0, 0.999)}, ValueError, "Invalid beta parameter at index 0: 1.0"),
    ("Adam", {"betas": (0.9, -0.1)}, ValueError, "Invalid beta parameter at index 1: -0.1"),
    ("Adam", {"weight_decay": -0.1}, ValueError, "Invalid weight_decay value: -0.1"),
    ("Adam", {"betas": (0, 0.999)}, ValueError, "betas must be either both floats or both Tensors"),
    ("Adam", {"fused": True, "foreach": True}, RuntimeError, "`fused` and `foreach` cannot be `True` together."),
    ("AdamW", {"lr": -0.5}, ValueError, "Invalid learning rate: -0.5"),
    ("AdamW", {"weight_decay": -1}, ValueError, "Invalid weight_decay value: -1"),
    ("Adagrad", {"lr": -1}, ValueError, "Invalid learning rate: -1"),
    ("Adagrad", {"lr_decay": -1}, ValueError, "Invalid lr_decay value: -1"),
    ("Adagrad", {"weight_decay": -1}, ValueError, "Invalid weight_decay value: -1"),
    ("Adagrad", {"initial_accumulator_value": -1}, ValueError,
     "Invalid initial_accumulator_value value: -1"),
    ("Adagrad", {"eps": -1}, ValueError, "Invalid epsilon value: -1"),
    ("RMSprop", {"lr": -1}, ValueError, "Invalid learning rate: -1"),
    ("RMSprop", {"eps": -1}, ValueError, "Invalid epsilon value: -1"),
    ("RMSprop", {"momentum": -1}, ValueError, "Invalid momentum value: -1"),
    ("RMSprop", {"weight_decay": -1}, ValueError, "Invalid weight_decay value: -1"),
    ("RMSprop", {"alpha": -1}, ValueError, "Invalid alpha value: -1"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "options", "error", "message"), ERRORS,
                         ids=[f"{e[0]}-{'-'.join(e[1])}" for e in ERRORS])  # fmt: skip
def test_option_errors_are_torchs(name: str, options: dict[str, Any], error: type, message: str) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        getattr(optim, name)([mt.zeros(1, requires_grad=True)], **options)
    torch = pytest.importorskip("torch")
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)], **options)


@pytest.mark.parametrize("name", NAMES)
def test_differentiable_steps_are_not_supported(name: str) -> None:
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        getattr(optim, name)([mt.zeros(1, requires_grad=True)], differentiable=True)


@pytest.mark.parametrize("name", NAMES)
def test_the_base_class_checks_apply(name: str) -> None:
    with pytest.raises(ValueError, match="^optimizer got an empty parameter list$"):
        getattr(optim, name)([])
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        getattr(optim, name)([mt.ones(1, requires_grad=True) * 2])


# --------------------------------------------------------------------------- the update by hand


def test_adam_is_the_textbook_equation() -> None:
    """Three steps of Adam (L2 weight decay, amsgrad) written as in the paper, in numpy."""
    lr, beta1, beta2, eps, wd = 0.1, 0.8, 0.9, 1e-6, 0.05
    p = param64([1.0, -2.0])
    optimizer = optim.Adam([p], lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=wd, amsgrad=True)
    theta, m, v, v_max = np.array([1.0, -2.0]), np.zeros(2), np.zeros(2), np.zeros(2)
    for t, g in enumerate([np.array([0.5, 1.0]), np.array([-1.0, 3.0]), np.array([0.2, 0.0])], 1):
        p.grad = mt.tensor(g)
        optimizer.step()
        g = g + wd * theta
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        v_max = np.maximum(v_max, v)
        theta = theta - lr * (m / (1 - beta1**t)) / (np.sqrt(v_max / (1 - beta2**t)) + eps)
        np.testing.assert_allclose(to_numpy(p), theta, rtol=1e-14)
    state = optimizer.state[p]
    assert float(state["step"]) == 3.0 and state["step"].dtype == np.float32
    np.testing.assert_allclose(to_numpy(state["exp_avg"]), m, rtol=1e-14)
    np.testing.assert_allclose(to_numpy(state["max_exp_avg_sq"]), v_max, rtol=1e-14)


def test_adamw_decays_the_weights_not_the_gradient() -> None:
    """AdamW is Adam with decoupled decay: p * (1 - lr * wd), then the plain Adam step."""
    a, b = param64([3.0]), param64([3.0])
    adamw = optim.AdamW([a], lr=0.1, weight_decay=0.5)
    adam = optim.Adam([b], lr=0.1, weight_decay=0.5, decoupled_weight_decay=True)
    a.grad, b.grad = mt.tensor(np.array([2.0])), mt.tensor(np.array([2.0]))
    adamw.step()
    adam.step()
    # first Adam step: m_hat / sqrt(v_hat) = g / |g| = 1
    assert to_numpy(a)[0] == to_numpy(b)[0] == pytest.approx(3.0 * (1 - 0.1 * 0.5) - 0.1)
    assert adamw.param_groups[0]["decoupled_weight_decay"] is True


def test_adagrad_and_rmsprop_by_hand() -> None:
    p, q = param64([2.0]), param64([2.0])
    adagrad = optim.Adagrad([p], lr=0.5, lr_decay=0.1, initial_accumulator_value=1.0)
    rmsprop = optim.RMSprop([q], lr=0.5, alpha=0.9, momentum=0.5, centered=True)
    total, v, g_avg, buf, theta_p, theta_q = 1.0, 0.0, 0.0, 0.0, 2.0, 2.0
    for t, g in enumerate([1.0, -3.0, 0.5], 1):
        p.grad, q.grad = mt.tensor(np.array([g])), mt.tensor(np.array([g]))
        adagrad.step()
        rmsprop.step()
        total += g * g
        theta_p -= 0.5 / (1 + (t - 1) * 0.1) * g / (np.sqrt(total) + 1e-10)
        v = 0.9 * v + 0.1 * g * g
        g_avg = 0.9 * g_avg + 0.1 * g
        buf = 0.5 * buf + g / (np.sqrt(v - g_avg**2) + 1e-8)
        theta_q -= 0.5 * buf
        assert to_numpy(p)[0] == pytest.approx(theta_p, rel=1e-14)
        assert to_numpy(q)[0] == pytest.approx(theta_q, rel=1e-12)


# --------------------------------------------------------------------------- live comparisons


@pytest.mark.parametrize("seed", range(8), ids=[f"seed{seed}" for seed in range(8)])
def test_live_random_options_on_a_small_network(seed: int) -> None:
    """Random valid options; a Linear-tanh-Linear net in float64 trained 15 steps by both."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    name = NAMES[seed % 4]
    maybe = lambda value: value if rng.random() < 0.5 else None  # noqa: E731
    options = {
        "Adam": {"lr": 0.05, "amsgrad": maybe(True), "weight_decay": maybe(0.1), "maximize": maybe(True),
                 "betas": (float(rng.uniform(0, 0.95)), float(rng.uniform(0.5, 0.999)))},
        "AdamW": {"lr": 0.05, "amsgrad": maybe(True), "weight_decay": maybe(0.3), "maximize": maybe(True)},
        "Adagrad": {"lr": 0.1, "lr_decay": maybe(0.1), "weight_decay": maybe(0.1), "maximize": maybe(True),
                    "initial_accumulator_value": maybe(0.3)},
        "RMSprop": {"lr": 0.01, "momentum": maybe(0.9), "centered": maybe(True), "weight_decay": maybe(0.1),
                    "maximize": maybe(True), "alpha": maybe(0.7)},
    }[name]  # fmt: skip
    options = {k: v for k, v in options.items() if v is not None}
    x, y = rng.standard_normal((16, 4)), rng.standard_normal((16, 2))
    ours_model = nn.Sequential(nn.Linear(4, 5, dtype=mt.float64), nn.Tanh(), nn.Linear(5, 2, dtype=mt.float64))
    theirs_model = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2)).double()
    theirs_model.load_state_dict({k: torch.tensor(to_numpy(v)) for k, v in ours_model.state_dict().items()})
    ours, theirs = getattr(optim, name)(ours_model.parameters(), **options), getattr(torch.optim, name)(
        theirs_model.parameters(), **options)  # fmt: skip
    for _ in range(15):
        ours.zero_grad()
        nn.functional.mse_loss(ours_model(mt.tensor(x)), mt.tensor(y)).backward()
        ours.step()
        theirs.zero_grad()
        torch.nn.functional.mse_loss(theirs_model(torch.tensor(x)), torch.tensor(y)).backward()
        theirs.step()
    for key, value in theirs_model.state_dict().items():
        # the gradients come from two autograd engines, rounded differently: 1e-9, not 1e-10
        np.testing.assert_allclose(to_numpy(ours_model.state_dict()[key]), value.numpy(), rtol=1e-9,
                                   atol=1e-11, err_msg=f"{name} {options} {key}")  # fmt: skip
