"""Checks for exercise 7: your SGD against optim.SGD, parameter by parameter, step by step, in
four settings; then your SGD trains nn.RNN on the echo task."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

import minitorch_rnn as mt
from minitorch_rnn import nn, optim

from .._echo import train_echo
from .._harness import Failure, as_array, calling, expect_close, fmt

SETTINGS: list[dict[str, Any]] = [
    {"lr": 0.1},
    {"lr": 0.05, "momentum": 0.9},
    {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1},
    {"lr": 0.02, "momentum": 0.8, "weight_decay": 0.01, "nesterov": True},
]
STEPS = 4


def make_params(seed: int) -> list[Any]:
    rng = np.random.default_rng(seed)
    shapes = [(3, 4), (3,), (2,)]  # the last one gets no gradient: step must leave it alone
    return [nn.Parameter(mt.tensor(rng.normal(size=s))) for s in shapes]


def loss_of(params: list[Any], x: Any, y: Any) -> Any:
    w, b, _ = params
    return (((x @ w.T + b).tanh() - y) ** 2).sum()


def run(m: ModuleType) -> str:
    rng = np.random.default_rng(7)
    for setting in SETTINGS:
        ours, yours = make_params(1), make_params(1)
        reference = optim.SGD(ours, **setting)
        with calling(f"SGD(params, {_text(setting)})"):
            opt = m.SGD((p for p in yours), **setting)  # a generator, as model.parameters()
        for step in range(1, STEPS + 1):
            x, y = mt.tensor(rng.normal(size=(5, 4))), mt.tensor(rng.normal(size=(5, 3)))
            reference.zero_grad()
            loss_of(ours, x, y).backward()
            reference.step()
            with calling(f"zero_grad, at step {step} with {_text(setting)}"):
                opt.zero_grad()
            for k, p in enumerate(yours):
                if p.grad is not None and np.any(as_array(p.grad, "p.grad") != 0):
                    raise Failure(
                        f"after your zero_grad, parameter {k}'s gradient is still "
                        f"{fmt(as_array(p.grad, 'p.grad'))}: it should be None (or zeros)"
                    )
            loss_of(yours, x, y).backward()
            with calling(f"step {step} with {_text(setting)}"):
                opt.step()
            for k, (p, q) in enumerate(zip(yours, ours)):
                expect_close(
                    f"parameter {k} after your step {step}",
                    p,
                    q,
                    at=f"with {_text(setting)}",
                    source="optim.SGD gives",
                    rtol=1e-10,
                )
    trained = train_echo(make_optimizer=lambda ps: m.SGD(ps, lr=0.1, momentum=0.9))
    if trained.accuracy < 0.99:
        raise Failure(f"nn.RNN trained by your SGD reached only {trained} on the echo task")
    return f"your SGD trains nn.RNN to {trained} on the echo task"


def _text(setting: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in setting.items())
