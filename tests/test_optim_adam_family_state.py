"""optim.Adam, AdamW, Adagrad and RMSprop: state, param groups, zero_grad, state_dict.

State is created when torch creates it, with torch's names; param groups act as separate
optimizers; a step changes the parameters in place and bumps their version counters;
state_dict round trips (through deepcopy and through mt.save / mt.load) resume training
exactly; and, when torch is installed, reprs and whole state_dicts equal torch's and torch's
state loads into ours. (Trajectories against torch: test_optim_adam_family.py.)
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from reference_data import TOLERANCE, to_numpy

import minitorch_rnn as mt

nn, optim = mt.nn, mt.optim
NAMES = ["Adam", "AdamW", "Adagrad", "RMSprop"]


def param64(values: list[float]) -> mt.Tensor:
    return mt.tensor(np.array(values, dtype=np.float64), requires_grad=True)


def assert_same_array(got: np.ndarray, expected: np.ndarray, what: str) -> None:
    assert got.shape == expected.shape, f"{what}: shape {got.shape}, torch gives {expected.shape}"
    assert got.dtype == expected.dtype, f"{what}: dtype {got.dtype}, torch gives {expected.dtype}"
    np.testing.assert_allclose(got, expected, err_msg=what, **TOLERANCE[expected.dtype.name])


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
