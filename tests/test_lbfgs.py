"""optim.LBFGS against PyTorch: the closure protocol, both line-search settings, the options.

The stored half replays ``optim_cases.LBFGS_CASES`` (float64 Rosenbrock over two parameters
plus one that never gets a gradient; no line search and strong Wolfe; history_size, max_iter,
max_eval, lr, tolerance_grad, tolerance_change) and compares, after each ``step(closure)``,
the parameters, the returned loss and the counters ``func_evals`` and ``n_iter`` -- equal
counters mean the same iterations, line-search trials and stopping decisions as torch's.
The live half trains real models through autograd closures in both libraries.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from optim_cases import LBFGS_CASES, rosenbrock, run_lbfgs
from reference_data import TOLERANCE, case_ids, read_arrays, read_cases, to_numpy

import minitorch_rnn as mt

nn, optim = mt.nn, mt.optim
STORED = [case for case in read_cases("optim2.npz") if case["kind"] == "lbfgs"]


def test_every_case_is_stored() -> None:
    assert [c["id"] for c in STORED] == [c["id"] for c in LBFGS_CASES]


@pytest.mark.parametrize("case", STORED, ids=case_ids(STORED))
def test_lbfgs_matches_torch(case: dict[str, Any]) -> None:
    ref = read_arrays("optim2.npz")[case["id"]]
    results = run_lbfgs(mt, case)
    for k, result in enumerate(results):
        what = f"after step(closure) {k + 1}"
        assert result["func_evals"] == ref["func_evals"][k], f"func_evals {what}"
        assert result["n_iter"] == ref["n_iter"][k], f"n_iter {what}"
        np.testing.assert_allclose(result["loss"], ref["loss"][k], err_msg=f"loss {what}", **TOLERANCE["float64"])
        for name in ("a", "b"):
            np.testing.assert_allclose(result[name], ref[name][k], err_msg=f"{name} {what}", **TOLERANCE["float64"])


def test_the_cases_exercise_each_stopping_rule() -> None:
    """The stored runs stop for each of torch's reasons (so matching them means something)."""
    ref = read_arrays("optim2.npz")
    iters = {c["id"]: np.diff(ref[c["id"]]["n_iter"], prepend=0) for c in STORED}
    evals = {c["id"]: np.diff(ref[c["id"]]["func_evals"], prepend=0) for c in STORED}
    assert list(iters["defaults"][:2]) == [20, 20] and iters["defaults"][2] < 20  # max_iter, then tolerances
    assert list(iters["history3_iter7"]) == [7] * 4
    # the line search's first trial, then at most max_ls = max_eval - 1 more: it ran out
    assert evals["strong_wolfe_max_eval4"].max() == 5
    # near the minimum the gradient is within tolerance_grad: step() returns after one call
    assert list(iters["strong_wolfe_tolerance_grad"][2:]) == [0, 0]
    assert list(evals["strong_wolfe_tolerance_grad"][2:]) == [1, 1]


# --------------------------------------------------------------------------- options and errors


def test_invalid_lr_and_param_groups_are_refused_like_torch() -> None:
    p = mt.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match=re.escape("Invalid learning rate: -1")):
        optim.LBFGS([p], lr=-1)
    with pytest.raises(ValueError, match=re.escape("LBFGS doesn't support per-parameter options (parameter groups)")):
        optim.LBFGS([{"params": [p]}, {"params": [mt.zeros(1, requires_grad=True)]}])


def test_step_needs_a_closure() -> None:
    optimizer = optim.LBFGS([mt.zeros(2, requires_grad=True)])
    with pytest.raises(TypeError, match="closure"):
        optimizer.step()  # type: ignore[call-arg]


def test_unknown_line_search_is_refused() -> None:
    p = mt.tensor(np.ones(2), requires_grad=True)
    optimizer = optim.LBFGS([p], line_search_fn="armijo")

    def closure() -> mt.Tensor:
        optimizer.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="^only 'strong_wolfe' is supported$"):
        optimizer.step(closure)


def test_max_eval_defaults_to_five_quarters_of_max_iter() -> None:
    assert optim.LBFGS([mt.zeros(1, requires_grad=True)], max_iter=9).param_groups[0]["max_eval"] == 11


# --------------------------------------------------------------------------- behaviour


def quadratic_closure(optimizer: Any, x: Any, a: np.ndarray, b: np.ndarray) -> Any:
    """0.5 x^T A x - b^T x through autograd; the minimum is A^-1 b."""
    A, B = mt.tensor(a), mt.tensor(b)

    def closure() -> Any:
        optimizer.zero_grad()
        loss = 0.5 * (x * (A @ x)).sum() - (B * x).sum()
        loss.backward()
        return loss

    return closure


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_solves_a_quadratic_through_autograd(line_search_fn: str | None) -> None:
    rng = np.random.default_rng(0)
    m = rng.standard_normal((5, 5))
    a, b = m @ m.T + 5 * np.eye(5), rng.standard_normal(5)
    x = mt.tensor(np.zeros(5), requires_grad=True)
    optimizer = optim.LBFGS([x], line_search_fn=line_search_fn, tolerance_grad=1e-12, tolerance_change=0)
    closure = quadratic_closure(optimizer, x, a, b)
    first = optimizer.step(closure)
    assert float(first) == 0.0  # step returns the loss of its first closure call
    optimizer.step(closure)
    np.testing.assert_allclose(to_numpy(x), np.linalg.solve(a, b), rtol=1e-8)


def test_already_optimal_returns_at_once() -> None:
    """A gradient within tolerance_grad: one closure call, nothing moves, no direction kept."""
    x = mt.tensor(np.ones(4), requires_grad=True)  # the Rosenbrock minimum
    optimizer = optim.LBFGS([x])

    def closure() -> mt.Tensor:
        optimizer.zero_grad()
        f, g = rosenbrock(to_numpy(x))
        x.grad = mt.tensor(g)
        return mt.tensor(np.array(f))

    assert float(optimizer.step(closure)) == 0.0
    assert optimizer.state[x] == {"func_evals": 1, "n_iter": 0}
    np.testing.assert_array_equal(to_numpy(x), np.ones(4))


def test_state_keys_are_torchs() -> None:
    a = mt.tensor(np.array([-1.0, 1.5, 0.5]), requires_grad=True)
    optimizer = optim.LBFGS([a], history_size=4, max_iter=6)

    def closure() -> mt.Tensor:
        optimizer.zero_grad()
        f, g = rosenbrock(to_numpy(a))
        a.grad = mt.tensor(g)
        return mt.tensor(np.array(f))

    optimizer.step(closure)
    state = optimizer.state[a]
    assert list(state) == ["func_evals", "n_iter", "al", "d", "t", "old_dirs", "old_stps", "ro",
                           "H_diag", "prev_flat_grad", "prev_loss"]  # fmt: skip
    assert len(state["al"]) == 4 and 0 < len(state["old_dirs"]) <= 4
    assert isinstance(state["d"], mt.Tensor) and state["d"].shape == (3,)
    assert state["n_iter"] == 6


@pytest.mark.parametrize("through", ["deepcopy", "mt.save"])
def test_state_dict_round_trip_resumes_exactly(through: str, tmp_path: Path) -> None:
    case = {"options": {"line_search_fn": "strong_wolfe", "history_size": 3, "max_iter": 4}}

    def make() -> tuple[Any, Any, Any]:
        a = mt.tensor(np.array([-1.2, 1.0, 0.3, 0.8]), requires_grad=True)
        optimizer = optim.LBFGS([a], **case["options"])

        def closure() -> mt.Tensor:
            optimizer.zero_grad()
            f, g = rosenbrock(to_numpy(a))
            a.grad = mt.tensor(g)
            return mt.tensor(np.array(f))

        return a, optimizer, closure

    a, optimizer, closure = make()
    for _ in range(2):
        optimizer.step(closure)
    if through == "deepcopy":
        saved = copy.deepcopy((to_numpy(a).copy(), optimizer.state_dict()))
    else:
        mt.save({"a": a.detach(), "optimizer": optimizer.state_dict()}, tmp_path / "lbfgs.npz")
        loaded = mt.load(tmp_path / "lbfgs.npz")
        saved = (to_numpy(loaded["a"]), loaded["optimizer"])
    for _ in range(2):
        optimizer.step(closure)

    b, resumed, resumed_closure = make()
    with mt.no_grad():
        b.copy_(mt.tensor(saved[0]))
    resumed.load_state_dict(saved[1])
    for _ in range(2):
        resumed.step(resumed_closure)
    np.testing.assert_array_equal(to_numpy(b), to_numpy(a))
    assert resumed.state[b]["func_evals"] == optimizer.state[a]["func_evals"]


# --------------------------------------------------------------------------- live comparisons


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("history_size", [100, 2])
def test_live_lbfgs_trains_a_network_like_torch(line_search_fn: str | None, history_size: int) -> None:
    """A Linear-tanh-Linear regression, float64, closures that call backward, 3 steps."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(history_size)
    x, y = rng.standard_normal((20, 3)), rng.standard_normal((20, 1))
    ours_model = nn.Sequential(nn.Linear(3, 6, dtype=mt.float64), nn.Tanh(), nn.Linear(6, 1, dtype=mt.float64))
    theirs_model = torch.nn.Sequential(torch.nn.Linear(3, 6), torch.nn.Tanh(), torch.nn.Linear(6, 1)).double()
    theirs_model.load_state_dict({k: torch.tensor(to_numpy(v)) for k, v in ours_model.state_dict().items()})
    options = {"lr": 0.8, "max_iter": 10, "history_size": history_size, "line_search_fn": line_search_fn}
    ours, theirs = optim.LBFGS(ours_model.parameters(), **options), torch.optim.LBFGS(theirs_model.parameters(), **options)

    def ours_closure() -> Any:
        ours.zero_grad()
        loss = nn.functional.mse_loss(ours_model(mt.tensor(x)), mt.tensor(y))
        loss.backward()
        return loss

    def theirs_closure() -> Any:
        theirs.zero_grad()
        loss = torch.nn.functional.mse_loss(theirs_model(torch.tensor(x)), torch.tensor(y))
        loss.backward()
        return loss

    for _ in range(3):
        ours_loss, theirs_loss = ours.step(ours_closure), theirs.step(theirs_closure)
        assert float(ours_loss) == pytest.approx(theirs_loss.item(), rel=1e-9)
        first = next(iter(theirs_model.parameters()))
        assert ours.state[ours_model[0].weight]["func_evals"] == theirs.state[first]["func_evals"]
    for key, value in theirs_model.state_dict().items():
        # two autograd engines round the gradients differently: 1e-8 rather than 1e-10
        np.testing.assert_allclose(to_numpy(ours_model.state_dict()[key]), value.numpy(), rtol=1e-8, atol=1e-10,
                                   err_msg=key)  # fmt: skip


def test_live_repr_and_param_groups_equal_torchs() -> None:
    torch = pytest.importorskip("torch")
    options = {"lr": 0.5, "max_iter": 7, "line_search_fn": "strong_wolfe", "history_size": 5}
    ours = optim.LBFGS([mt.zeros(2, requires_grad=True)], **options)
    theirs = torch.optim.LBFGS([torch.zeros(2, requires_grad=True)], **options)
    assert repr(ours) == repr(theirs)
    assert ours.state_dict() == theirs.state_dict()


def test_live_state_keys_equal_torchs() -> None:
    torch = pytest.importorskip("torch")
    keys = []
    for lib in (torch, mt):
        a = lib.tensor(np.array([-1.0, 1.5, 0.5]), requires_grad=True)
        optimizer = lib.optim.LBFGS([a], history_size=4, max_iter=6)

        def closure() -> Any:
            optimizer.zero_grad()  # noqa: B023
            f, g = rosenbrock(a.detach().numpy())  # noqa: B023
            a.grad = lib.tensor(g)  # noqa: B023
            return lib.tensor(np.array(f))  # noqa: B023

        optimizer.step(closure)
        keys.append(list(optimizer.state_dict()["state"][0]))
    assert keys[0] == keys[1]
