"""Exercise 5, solved: the Elman step and the loop over time (see stub.py for the lesson)."""

from __future__ import annotations

import minitorch_rnn as mt
from minitorch_rnn import Tensor


def rnn_step(
    x: Tensor, h: Tensor, weight_ih: Tensor, weight_hh: Tensor, bias_ih: Tensor, bias_hh: Tensor
) -> Tensor:
    """The next hidden state h' (N, H) from the input x (N, H_in) and the state h (N, H)."""
    return (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).tanh()


def rnn_forward(
    xs: Tensor, h0: Tensor, weight_ih: Tensor, weight_hh: Tensor, bias_ih: Tensor, bias_hh: Tensor
) -> tuple[Tensor, Tensor]:
    """Run `rnn_step` over a sequence: xs (L, N, H_in) from h0 (N, H)."""
    h = h0
    outputs = []
    for t in range(xs.shape[0]):
        h = rnn_step(xs[t], h, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(h)
    return mt.stack(outputs), h
