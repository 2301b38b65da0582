"""Exercise 6 -- backpropagation through time by hand, for one layer, checked against the tape.

In exercise 5 the tape did the backward pass for you. Now do it yourself, in plain NumPy,
for one tanh layer over T steps. Write a_t for what goes into the tanh:

    a_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh        h_t = tanh(a_t)     (h_{-1} = h0)

The loss reads every h_t directly (through the output at step t: that part is `dhs[t]`, given)
*and* through all later steps, because h_t feeds h_{t+1}. So, walking back from the last step:

    dh_t  = dhs[t] + da_{t+1} W_hh          the second term is "through time" (none at t = T-1)
    da_t  = dh_t * (1 - h_t^2)              tanh' written with tanh's output
    dW_ih += da_t^T x_t      dW_hh += da_t^T h_{t-1}      db_ih += da_t summed over the batch
    and db_hh gets the same as db_ih; dh0 = da_0 W_hh

Every step used the same weights, so their gradients are sums over the steps (+=). The check
runs `nn.RNN` on the tape with the same weights and compares all five gradients
(examples/bptt_by_hand.py does the same with a softmax head on top).

Check your work:  python -m minitorch_rnn.exercises check DIR bptt
"""

from __future__ import annotations

import numpy as np


def bptt(
    xs: np.ndarray,
    h0: np.ndarray,
    hs: np.ndarray,
    dhs: np.ndarray,
    weight_ih: np.ndarray,
    weight_hh: np.ndarray,
) -> dict[str, np.ndarray]:
    """The gradients of one tanh RNN layer, by the chain rule, last step first.

    xs (T, N, H_in): the inputs; h0 (N, H): the initial state; hs (T, N, H): the states h_t
    that forward computed; dhs (T, N, H): dL/dh_t from the outputs at step t alone.
    Returns {"weight_ih": (H, H_in), "weight_hh": (H, H), "bias_ih": (H,), "bias_hh": (H,),
    "h0": (N, H)}: dL/d(each).
    """
    # Hint: h_{t-1} is hs[t - 1], except at t = 0, where it is h0 (hs[-1] is the *last* state).
    raise NotImplementedError
