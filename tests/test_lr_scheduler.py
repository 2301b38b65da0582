"""optim.lr_scheduler: StepLR, ExponentialLR and ReduceLROnPlateau against PyTorch.

The stored half replays ``optim_cases.SCHEDULER_CASES`` (40 epochs, two param groups; for
ReduceLROnPlateau both modes, both threshold modes, patience, cooldown, factor, min_lr as a
number and a list, eps) and compares ``get_last_lr()`` after every epoch with
``tests/reference/optim2.npz``. Then torch's errors and warnings, state_dict round trips
(also through mt.save / mt.load), and live comparisons of whole state_dicts.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from optim_cases import EPOCHS, METRICS, SCHEDULER_CASES, run_scheduler
from reference_data import case_ids, read_arrays, read_cases

import minitorch_rnn as mt

optim = mt.optim
lr_scheduler = mt.optim.lr_scheduler
STORED = [case for case in read_cases("optim2.npz") if case["kind"] == "scheduler"]


def test_every_case_is_stored() -> None:
    assert [c["id"] for c in STORED] == [c["id"] for c in SCHEDULER_CASES]


@pytest.mark.parametrize("case", STORED, ids=case_ids(STORED))
def test_learning_rates_match_torch(case: dict[str, Any]) -> None:
    """The same float operations in the same order: the lr's are equal, not just close."""
    expected = read_arrays("optim2.npz")[case["id"]]["lrs"]
    _, lrs = run_scheduler(mt, case)
    assert lrs.shape == (EPOCHS, 2)
    for epoch in range(EPOCHS):
        np.testing.assert_array_equal(lrs[epoch], expected[epoch], err_msg=f"lr's after epoch {epoch}")


def test_the_plateau_cases_reduce_and_hold() -> None:
    """Sanity of the stored data: every plateau case reduces at least once; min_lr holds."""
    for case in STORED:
        lrs = read_arrays("optim2.npz")[case["id"]]["lrs"]
        if case["scheduler"] == "ReduceLROnPlateau":
            assert (lrs[-1] < lrs[0]).any() or case["options"].get("patience", 10) >= 10, case["id"]
            min_lr = case["options"].get("min_lr", 0)
            assert (lrs >= np.broadcast_to(min_lr, 2)).all()


def make_optimizer() -> Any:
    p, q = mt.zeros(2, requires_grad=True), mt.zeros(1, requires_grad=True)
    return optim.SGD([{"params": [p]}, {"params": [q], "lr": 0.5}], lr=0.1)


# --------------------------------------------------------------------------- by hand


def test_step_lr_and_exponential_lr_by_hand() -> None:
    optimizer = make_optimizer()
    scheduler = lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    assert scheduler.get_last_lr() == [0.1, 0.5] and scheduler.last_epoch == 0
    seen = []
    for _ in range(5):
        optimizer.step()
        scheduler.step()
        seen.append(optimizer.param_groups[0]["lr"])
    assert seen == [0.1, 0.05, 0.05, 0.025, 0.025]
    assert optimizer.param_groups[0]["initial_lr"] == 0.1 and scheduler.base_lrs == [0.1, 0.5]

    optimizer = make_optimizer()
    scheduler = lr_scheduler.ExponentialLR(optimizer, gamma=0.5)
    for _ in range(3):
        scheduler.step()
    assert scheduler.get_last_lr() == [0.1 * 0.5**3, 0.5 * 0.5**3]


def test_reduce_on_plateau_by_hand() -> None:
    optimizer = make_optimizer()
    scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, patience=1, cooldown=1, min_lr=[0.0, 0.3])
    lrs = []
    for metric in [1.0, 2.0, 2.0, 2.0, 2.0, 0.5]:
        scheduler.step(mt.tensor(metric))  # a 0-d tensor works, as in torch
        lrs.append(scheduler.get_last_lr())
    # epoch 2 is bad (1 <= patience), epoch 3 too: reduce (the 2nd group only to its min_lr,
    # 0.3) and cool down; epoch 4's bad value falls in the cooldown, epoch 5's is the first
    # bad one again, epoch 6 improves: no second reduction
    expected = [[0.1, 0.5], [0.1, 0.5]] + [[0.1 * 0.1, 0.3]] * 4
    assert lrs == expected
    assert scheduler.best == 0.5 and scheduler.num_bad_epochs == 0


# --------------------------------------------------------------------------- errors and warnings

ERRORS = [
    (lambda o: lr_scheduler.StepLR(None, 3), TypeError, "NoneType is not an Optimizer"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(None), TypeError, "NoneType is not an Optimizer"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=1.0), ValueError, "Factor should be < 1.0."),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, mode="mx"), ValueError, "mode mx is unknown!"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, threshold_mode="x"), ValueError, "threshold mode x is unknown!"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, "expected 2 min_lrs, got 1"),
]  # fmt: skip


@pytest.mark.parametrize(("make", "error", "message"), ERRORS, ids=[e[2] for e in ERRORS])
def test_errors_are_torchs(make: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        make(make_optimizer())


def test_resuming_needs_initial_lr() -> None:
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups\\[0\\]"):
        lr_scheduler.StepLR(make_optimizer(), 3, last_epoch=4)
    optimizer = make_optimizer()
    for group in optimizer.param_groups:
        group["initial_lr"] = group["lr"]
    scheduler = lr_scheduler.StepLR(optimizer, 3, last_epoch=4)  # resumes at epoch 5
    assert scheduler.last_epoch == 5


def test_get_lr_outside_step_warns() -> None:
    scheduler = lr_scheduler.StepLR(make_optimizer(), 3)
    with pytest.warns(UserWarning, match=re.escape("please use `get_last_lr()`")):
        scheduler.get_lr()


def test_step_with_an_epoch_is_deprecated_and_uses_the_closed_form() -> None:
    scheduler = lr_scheduler.StepLR(make_optimizer(), 2, gamma=0.5)
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)` was not necessary"):
        scheduler.step(5)
    assert scheduler.get_last_lr() == [0.1 * 0.5**2, 0.5 * 0.5**2]


# --------------------------------------------------------------------------- state_dict


@pytest.mark.parametrize("name", ["StepLR", "ExponentialLR", "ReduceLROnPlateau"])
@pytest.mark.parametrize("through", ["state_dict", "mt.save"])
def test_state_dict_resumes_the_schedule(name: str, through: str, tmp_path: Path) -> None:
    options = {"StepLR": {"step_size": 3}, "ExponentialLR": {"gamma": 0.8},
               "ReduceLROnPlateau": {"patience": 1, "mode": "max"}}[name]  # fmt: skip

    def advance(optimizer: Any, scheduler: Any, epochs: range) -> list[list[float]]:
        out = []
        for epoch in epochs:
            optimizer.step()
            scheduler.step(METRICS[epoch]) if name == "ReduceLROnPlateau" else scheduler.step()
            out.append(scheduler.get_last_lr())
        return out

    optimizer = make_optimizer()
    scheduler = getattr(lr_scheduler, name)(optimizer, **options)
    advance(optimizer, scheduler, range(10))
    checkpoint = {"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}
    if through == "mt.save":  # ReduceLROnPlateau's state holds inf (its mode_worse)
        mt.save(checkpoint, tmp_path / "sched.npz")
        checkpoint = mt.load(tmp_path / "sched.npz")
    uninterrupted = advance(optimizer, scheduler, range(10, 25))

    optimizer2 = make_optimizer()
    scheduler2 = getattr(lr_scheduler, name)(optimizer2, **options)
    optimizer2.load_state_dict(checkpoint["optimizer"])
    scheduler2.load_state_dict(checkpoint["scheduler"])
    assert advance(optimizer2, scheduler2, range(10, 25)) == uninterrupted


# --------------------------------------------------------------------------- live comparisons


@pytest.mark.parametrize("case", SCHEDULER_CASES, ids=case_ids(SCHEDULER_CASES))
def test_live_state_dict_equals_torchs(case: dict[str, Any]) -> None:
    """Every attribute torch keeps (last_epoch, base_lrs, best, num_bad_epochs, ...) is ours too."""
    torch = pytest.importorskip("torch")
    ours, ours_lrs = run_scheduler(mt, case)
    theirs, their_lrs = run_scheduler(torch, case)
    np.testing.assert_array_equal(ours_lrs, their_lrs)
    assert ours.state_dict() == theirs.state_dict()


def test_live_scheduler_drives_adam_like_torch() -> None:
    """StepLR changing Adam's lr mid-run: both libraries take the same steps."""
    torch = pytest.importorskip("torch")
    results = []
    for lib in (torch, mt):
        p = lib.tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
        optimizer = lib.optim.Adam([p], lr=0.1)
        scheduler = lib.optim.lr_scheduler.StepLR(optimizer, step_size=4, gamma=0.3)
        for step in range(12):
            optimizer.zero_grad()
            p.grad = lib.tensor(np.cos(np.arange(3.0) + step))
            optimizer.step()
            scheduler.step()
        results.append(p.detach().numpy().copy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-14)
