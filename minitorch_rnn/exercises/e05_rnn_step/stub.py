"""Exercise 5 -- one step of a recurrent network, then the loop over time.

PyTorch's `nn.RNN` computes, for every time step t,

    h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)

x_t is the input at step t, h_{t-1} the hidden state the step before (h0 at the start). The
*same* four parameters are used at every step. Write it with minitorch_rnn's Tensor ops
(``@``, ``.T``, ``+``, ``.tanh()``): every op records a node, so backward() will work through
your code without a line of gradient code -- that is backpropagation through time for free.

Shapes (N: batch size, H_in: input features, H: hidden size):
    x (N, H_in), h (N, H), weight_ih (H, H_in), weight_hh (H, H), bias_ih (H,), bias_hh (H,)

The check compares your numbers and gradients with `nn.RNNCell` and `nn.RNN` (read
nn/rnn_loop.py's `run_direction` and nn/rnn.py's `_step` afterwards: the same loop,
hoisted for speed).

Check your work:  python -m minitorch_rnn.exercises check DIR rnn_step
"""

from __future__ import annotations

import minitorch_rnn as mt  # noqa: F401  (mt.stack: you need it in rnn_forward)
from minitorch_rnn import Tensor


def rnn_step(
    x: Tensor, h: Tensor, weight_ih: Tensor, weight_hh: Tensor, bias_ih: Tensor, bias_hh: Tensor
) -> Tensor:
    """The next hidden state h' (N, H) from the input x (N, H_in) and the state h (N, H)."""
    # Hint: one line. The biases (H,) broadcast over the N rows.
    raise NotImplementedError


def rnn_forward(
    xs: Tensor, h0: Tensor, weight_ih: Tensor, weight_hh: Tensor, bias_ih: Tensor, bias_hh: Tensor
) -> tuple[Tensor, Tensor]:
    """Run `rnn_step` over a sequence: xs (L, N, H_in) from h0 (N, H).

    Returns ``(output, h_n)``: every h_t stacked, (L, N, H), and the last one, (N, H) -- as
    `nn.RNN` does (without its layer axis).
    """
    # Hint: `xs[t]` is step t; `mt.stack(list_of_tensors)` stacks along a new first axis.
    raise NotImplementedError
