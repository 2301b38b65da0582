"""Checks for exercise 6: your hand-written gradients against the tape's (nn.RNN, float64), for
one step, for many, and for a loss on the last step alone (all of it must travel back)."""

from __future__ import annotations

from types import ModuleType

import numpy as np

import minitorch_rnn as mt
from minitorch_rnn import nn

from .._harness import Failure, as_array, calling, expect_close

N, H_IN, H = 2, 3, 4


def run(m: ModuleType) -> str:
    mt.manual_seed(6)
    rng = np.random.default_rng(6)
    for steps, last_only in ((1, False), (6, False), (6, True)):
        rnn = nn.RNN(H_IN, H, dtype=mt.float64)
        xs = mt.randn(steps, N, H_IN, dtype=mt.float64)
        h0 = mt.randn(1, N, H, dtype=mt.float64, requires_grad=True)
        dhs = rng.normal(size=(steps, N, H))
        if last_only:
            dhs[:-1] = 0
        output, _ = rnn(xs, h0)
        (output * mt.tensor(dhs)).sum().backward()
        tape = {name: as_array(p.grad, name) for name, p in rnn.named_parameters()}
        tape = {name.removesuffix("_l0"): g for name, g in tape.items()}
        tape["h0"] = as_array(h0.grad, "h0")[0]
        what = f"for T={steps}" + (", loss on the last step only" if last_only else "")
        with calling(f"bptt {what}"):
            got = m.bptt(
                xs.numpy(),
                h0.detach().numpy()[0].copy(),
                output.detach().numpy().copy(),
                dhs.copy(),
                rnn.weight_ih_l0.detach().numpy().copy(),
                rnn.weight_hh_l0.detach().numpy().copy(),
            )
        if not isinstance(got, dict):
            raise Failure(f"bptt should return a dict of gradients, got {type(got).__name__}")
        for name, expected in tape.items():
            if name not in got:
                raise Failure(f"bptt {what}: no {name!r} in what you return")
            expect_close(
                f"your gradient of {name}",
                got[name],
                expected,
                at=what,
                source="the tape gives",
                rtol=1e-9,
            )
    return "all five gradients equal the tape's"
