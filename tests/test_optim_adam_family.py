"""optim.Adam, AdamW, Adagrad and RMSprop against PyTorch, and their bookkeeping.

The stored half replays every case of ``optim_cases.TRAJECTORY_CASES`` (each optimizer's
options, alone and combined, in float64 and float32: 50 steps, parameters of four shapes,
one of them stepped only every third step and one never) and compares all parameters
after every step, and the final state, with ``tests/reference/optim2.npz`` (written by
``tests/reference/make_reference_optim2.py``). No torch needed.

Then: torch's option errors, the update written out by hand, state created when torch
creates it, param groups, zero_grad, the version counter, state_dict round trips (also
through mt.save / mt.load), and, when torch is installed, live comparisons: reprs,
state_dicts, torch's state loaded into ours, and real models trained by both libraries.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
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


# --------------------------------------------------------------------------- state and groups


def test_state_is_created_when_torch_creates_it() -> None:
    """Adam, AdamW, RMSprop: on a parameter's first step; Adagrad: in the constructor."""
    for name in NAMES:
        stepped, idle = mt.ones(2, requires_grad=True), mt.ones(2, requires_grad=True)
        optimizer = getattr(optim, name)([stepped, idle], lr=0.1)
        stepped.grad = mt.ones(2)
        optimizer.step()
        assert float(optimizer.state[stepped]["step"]) == 1.0
        assert np.array_equal(to_numpy(idle), [1.0, 1.0]), f"{name} moved a param without grad"
        if name == "Adagrad":
            assert float(optimizer.state[idle]["step"]) == 0.0
        else:
            assert idle not in optimizer.state, name


def test_param_groups_are_independent_optimizers() -> None:
    """Two groups with their own options give what two separate optimizers give."""
    rng = np.random.default_rng(0)
    a, b = (mt.tensor(rng.standard_normal(3), requires_grad=True) for _ in range(2))
    a2, b2 = (mt.tensor(to_numpy(t).copy(), requires_grad=True) for t in (a, b))
    together = optim.Adam([a], lr=0.1, amsgrad=True)
    together.add_param_group({"params": b, "lr": 0.01, "betas": (0.5, 0.6), "amsgrad": False})
    separate = [optim.Adam([a2], lr=0.1, amsgrad=True), optim.Adam([b2], lr=0.01, betas=(0.5, 0.6))]
    for _ in range(5):
        g = rng.standard_normal((2, 3))
        a.grad, b.grad, a2.grad, b2.grad = (mt.tensor(x) for x in (g[0], g[1], g[0], g[1]))
        together.step()
        for o in separate:
            o.step()
    np.testing.assert_array_equal(to_numpy(a), to_numpy(a2))
    np.testing.assert_array_equal(to_numpy(b), to_numpy(b2))
    assert "max_exp_avg_sq" in together.state[a] and "max_exp_avg_sq" not in together.state[b]


def test_zero_grad_to_zeros_still_steps_to_none_skips() -> None:
    p = param64([1.0])
    optimizer = optim.RMSprop([p], lr=0.1, momentum=0.9)
    p.grad = mt.tensor(np.array([1.0]))
    optimizer.step()
    after_one = to_numpy(p)[0]
    optimizer.zero_grad(set_to_none=False)  # a zero gradient: the momentum still moves p
    optimizer.step()
    assert to_numpy(p)[0] < after_one
    optimizer.zero_grad()
    assert p.grad is None
    before = to_numpy(p)[0]
    optimizer.step()
    assert to_numpy(p)[0] == before


@pytest.mark.parametrize("name", NAMES)
def test_step_changes_the_parameters_in_place_and_bumps_their_version(name: str) -> None:
    """The same Parameter objects move; a graph that saved them before the step refuses backward."""
    model = nn.Linear(3, 2)
    weight = model.weight
    optimizer = getattr(optim, name)(model.parameters(), lr=0.1)
    model(mt.randn(4, 3)).sum().backward()
    stale = (model.weight * model.weight).sum()  # saves the weight at its current version
    version, before = weight._version, to_numpy(weight).copy()
    optimizer.step()
    assert model.weight is weight and weight.is_leaf and weight.requires_grad
    assert weight._version > version and not np.array_equal(to_numpy(weight), before)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        stale.backward()


@pytest.mark.parametrize("name", NAMES)
def test_step_returns_the_closures_loss(name: str) -> None:
    p = param64([2.0])
    optimizer = getattr(optim, name)([p], lr=0.1)

    def closure() -> mt.Tensor:
        optimizer.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    assert float(optimizer.step(closure)) == 4.0
    assert to_numpy(p.grad)[0] == 4.0 and to_numpy(p)[0] < 2.0


# --------------------------------------------------------------------------- state_dict

OPTIONS = {
    "Adam": {"lr": 0.05, "amsgrad": True, "weight_decay": 0.01},
    "AdamW": {"lr": 0.05, "betas": (0.8, 0.9)},
    "Adagrad": {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1},
    "RMSprop": {"lr": 0.01, "momentum": 0.9, "centered": True},
}


def train(model: Any, optimizer: Any, steps: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        optimizer.zero_grad()
        x, y = rng.standard_normal((8, 3)), rng.standard_normal((8, 2))
        nn.functional.mse_loss(model(mt.tensor(x)), mt.tensor(y)).backward()
        optimizer.step()


def fresh(name: str, checkpoint: dict[str, Any]) -> tuple[Any, Any]:
    model = nn.Linear(3, 2, dtype=mt.float64)
    model.load_state_dict(checkpoint)
    return model, getattr(optim, name)(model.parameters(), lr=1.0)  # options come from the dict


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("through", ["deepcopy", "mt.save"])
def test_load_state_dict_resumes_training_exactly(name: str, through: str, tmp_path: Path) -> None:
    mt.manual_seed(3)
    model = nn.Linear(3, 2, dtype=mt.float64)
    optimizer = getattr(optim, name)(model.parameters(), **OPTIONS[name])
    train(model, optimizer, 3, seed=1)
    if through == "deepcopy":  # state_dicts hold the live tensors (as torch's): copy them
        saved_model, saved_optimizer = copy.deepcopy((model.state_dict(), optimizer.state_dict()))
    else:
        mt.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, tmp_path / "ckpt.npz")
        checkpoint = mt.load(tmp_path / "ckpt.npz")
        saved_model, saved_optimizer = checkpoint["model"], checkpoint["optimizer"]
    train(model, optimizer, 4, seed=2)  # the uninterrupted run

    resumed, resumed_optimizer = fresh(name, saved_model)
    resumed_optimizer.load_state_dict(saved_optimizer)
    assert resumed_optimizer.param_groups[0]["lr"] == OPTIONS[name]["lr"]
    state = resumed_optimizer.state[resumed.weight]
    assert state["step"].dtype == np.float32 and float(state["step"]) == 3.0
    train(resumed, resumed_optimizer, 4, seed=2)
    for (key, ours), theirs in zip(resumed.state_dict().items(), model.state_dict().values()):
        np.testing.assert_array_equal(to_numpy(ours), to_numpy(theirs), err_msg=key)


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_layout(name: str) -> None:
    model = nn.Linear(3, 2, dtype=mt.float64)
    optimizer = getattr(optim, name)(model.parameters(), **OPTIONS[name])
    train(model, optimizer, 2, seed=0)
    state_dict = optimizer.state_dict()
    assert state_dict["param_groups"][0]["params"] == [0, 1]
    assert state_dict["state"][0]["step"] is optimizer.state[model.weight]["step"]  # not copies
    expected = {
        "Adam": ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"],
        "AdamW": ["step", "exp_avg", "exp_avg_sq"],
        "Adagrad": ["step", "sum"],
        "RMSprop": ["step", "square_avg", "momentum_buffer", "grad_avg"],
    }[name]
    assert list(state_dict["state"][1]) == expected


# --------------------------------------------------------------------------- live comparisons


@pytest.mark.parametrize("name", NAMES)
def test_live_repr_and_state_dict_equal_torchs(name: str) -> None:
    torch = pytest.importorskip("torch")
    ours_model, theirs_model = nn.Linear(3, 2, dtype=mt.float64), torch.nn.Linear(3, 2, dtype=torch.float64)
    theirs_model.load_state_dict({k: torch.tensor(to_numpy(v)) for k, v in ours_model.state_dict().items()})
    options = OPTIONS[name]
    ours = getattr(optim, name)([{"params": [ours_model.weight]}, {"params": [ours_model.bias], "lr": 0.5}], **options)
    theirs = getattr(torch.optim, name)([{"params": [theirs_model.weight]}, {"params": [theirs_model.bias], "lr": 0.5}],
                                        **options)  # fmt: skip
    assert repr(ours) == repr(theirs)
    x, y = np.random.default_rng(1).standard_normal((8, 3)), np.random.default_rng(2).standard_normal((8, 2))
    for _ in range(3):
        ours.zero_grad()
        nn.functional.mse_loss(ours_model(mt.tensor(x)), mt.tensor(y)).backward()
        ours.step()
        theirs.zero_grad()
        torch.nn.functional.mse_loss(theirs_model(torch.tensor(x)), torch.tensor(y)).backward()
        theirs.step()
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert ours_sd["param_groups"] == theirs_sd["param_groups"]
    assert list(ours_sd["state"]) == list(theirs_sd["state"])
    for i, their_state in theirs_sd["state"].items():
        assert list(ours_sd["state"][i]) == list(their_state)
        for key, value in their_state.items():
            assert_same_array(to_numpy(ours_sd["state"][i][key]), value.numpy(), f"state[{i}][{key!r}]")


@pytest.mark.parametrize("name", NAMES)
def test_live_torch_state_loads_into_ours_and_training_continues_alike(name: str) -> None:
    torch = pytest.importorskip("torch")
    theirs_model = torch.nn.Linear(3, 2, dtype=torch.float64)
    theirs = getattr(torch.optim, name)(theirs_model.parameters(), **OPTIONS[name])
    rng = np.random.default_rng(4)
    batches = [(rng.standard_normal((8, 3)), rng.standard_normal((8, 2))) for _ in range(6)]
    for x, y in batches[:3]:
        theirs.zero_grad()
        torch.nn.functional.mse_loss(theirs_model(torch.tensor(x)), torch.tensor(y)).backward()
        theirs.step()

    ours_model = nn.Linear(3, 2, dtype=mt.float64)
    ours_model.load_state_dict({k: mt.tensor(v.detach().numpy().copy()) for k, v in theirs_model.state_dict().items()})
    ours = getattr(optim, name)(ours_model.parameters())
    theirs_sd = theirs.state_dict()
    ours.load_state_dict({"state": {i: {k: v.numpy() for k, v in s.items()} for i, s in theirs_sd["state"].items()},
                          "param_groups": theirs_sd["param_groups"]})  # fmt: skip
    for x, y in batches[3:]:
        ours.zero_grad()
        nn.functional.mse_loss(ours_model(mt.tensor(x)), mt.tensor(y)).backward()
        ours.step()
        theirs.zero_grad()
        torch.nn.functional.mse_loss(theirs_model(torch.tensor(x)), torch.tensor(y)).backward()
        theirs.step()
    for key, value in theirs_model.state_dict().items():
        assert_same_array(to_numpy(ours_model.state_dict()[key]), value.numpy(), key)


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
