"""Checks for exercise 5: your step against nn.RNNCell and your loop against nn.RNN, values and
every gradient (float64, shapes chosen so that no transpose slips through)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import minitorch_rnn as mt
from minitorch_rnn import nn

from .._harness import calling, expect_close

N, H_IN, H = 2, 3, 4


def grads_of(tensors: dict[str, Any]) -> dict[str, Any]:
    out = {name: t.grad.numpy().copy() for name, t in tensors.items()}
    for t in tensors.values():
        t.grad = None
    return out


def run(m: ModuleType) -> str:
    mt.manual_seed(5)
    cell = nn.RNNCell(H_IN, H, dtype=mt.float64)
    x = mt.randn(N, H_IN, dtype=mt.float64, requires_grad=True)
    h = mt.randn(N, H, dtype=mt.float64, requires_grad=True)
    g = mt.randn(N, H, dtype=mt.float64)
    tensors = {"x": x, "h": h, **dict(cell.named_parameters())}
    (cell(x, h) * g).sum().backward()
    expected = grads_of(tensors)
    weights = [cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh]
    with calling(f"rnn_step with x {(N, H_IN)} and h {(N, H)}"):
        out = m.rnn_step(x, h, *weights)
        expect_close("your rnn_step", out, cell(x, h), source="nn.RNNCell gives", rtol=1e-12)
        (out * g).sum().backward()
    for name, grad in grads_of(tensors).items():
        expect_close(
            f"the gradient of {name} through your rnn_step",
            grad,
            expected[name],
            source="through nn.RNNCell it is",
            rtol=1e-10,
        )

    L = 7
    rnn = nn.RNN(H_IN, H, dtype=mt.float64)
    xs = mt.randn(L, N, H_IN, dtype=mt.float64, requires_grad=True)
    h0 = mt.randn(N, H, dtype=mt.float64, requires_grad=True)
    g = mt.randn(L, N, H, dtype=mt.float64)
    g_last = mt.randn(N, H, dtype=mt.float64)
    tensors = {"xs": xs, "h0": h0, **dict(rnn.named_parameters())}
    output, h_n = rnn(xs, h0.unsqueeze(0))
    ((output * g).sum() + (h_n[0] * g_last).sum()).backward()
    expected = grads_of(tensors)
    with calling(f"rnn_forward with xs {(L, N, H_IN)} and h0 {(N, H)}"):
        got_output, got_last = m.rnn_forward(xs, h0, *rnn.parameters())
        expect_close("your rnn_forward's output", got_output, output, source="nn.RNN gives")
        expect_close("your rnn_forward's h_n", got_last, h_n[0], source="nn.RNN gives")
        ((got_output * g).sum() + (got_last * g_last).sum()).backward()
    for name, grad in grads_of(tensors).items():
        expect_close(
            f"the gradient of {name} through your rnn_forward",
            grad,
            expected[name],
            source="through nn.RNN it is",
            rtol=1e-10,
        )
    return f"your loop over {L} steps gives nn.RNN's output and all its gradients"
