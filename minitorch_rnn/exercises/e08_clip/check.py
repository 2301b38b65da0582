"""Checks for exercise 8: your clipping against nn.utils.clip_grad_norm_ -- large gradients,
small ones, zero ones, a parameter without a gradient, a generator; then training."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

import minitorch_rnn as mt
from minitorch_rnn import nn

from .._echo import train_echo
from .._harness import Failure, as_array, calling, expect_close

CASES: list[tuple[str, list[Any], float]] = [  # (what, grad scales (None: none), max_norm)
    ("gradients of joint norm ~5 and max_norm=1", [1.0, 2.0, 0.5], 1.0),
    ("gradients of joint norm ~5 and max_norm=10 (nothing to do)", [1.0, 2.0, 0.5], 10.0),
    ("one parameter without a gradient", [1.5, None, 1.0], 0.5),
    ("all-zero gradients", [0.0, 0.0, 0.0], 1.0),
    ("one parameter only", [3.0], 2.0),
]


def params_with_grads(scales: list[Any], seed: int) -> list[Any]:
    rng = np.random.default_rng(seed)
    params = []
    for k, scale in enumerate(scales):
        p = nn.Parameter(mt.tensor(rng.normal(size=(2 + k, 3))))
        if scale is not None:
            p.grad = mt.tensor(rng.normal(size=(2 + k, 3)) * scale)
        params.append(p)
    return params


def run(m: ModuleType) -> str:
    for i, (what, scales, max_norm) in enumerate(CASES):
        ours, yours = params_with_grads(scales, i), params_with_grads(scales, i)
        expected = nn.utils.clip_grad_norm_(ours, max_norm)
        with calling(f"clip_grad_norm_ with {what}"):
            got = m.clip_grad_norm_((p for p in yours), max_norm)  # a generator, as torch's
        expect_close(
            "the norm your clip_grad_norm_ returns",
            got,
            expected,
            at=f"with {what}",
            source="the norm before clipping is",
            rtol=1e-10,
        )
        for k, (p, q) in enumerate(zip(yours, ours)):
            if q.grad is None:
                continue
            expect_close(
                f"parameter {k}'s gradient after your clip_grad_norm_",
                as_array(p.grad, "p.grad"),
                q.grad,
                at=f"with {what}",
                source="clipped by nn.utils.clip_grad_norm_ it is",
                rtol=1e-10,
            )
    trained = train_echo(clip=m.clip_grad_norm_)
    if trained.accuracy < 0.99:
        raise Failure(f"nn.RNN trained with your clipping reached only {trained} on the echo task")
    return f"with your clipping nn.RNN reaches {trained} on the echo task"
