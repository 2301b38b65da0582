"""Exercise 6, solved: BPTT for one tanh layer (see stub.py for the lesson)."""

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
    """The gradients of one tanh RNN layer, by the chain rule, last step first."""
    d_ih, d_hh = np.zeros_like(weight_ih), np.zeros_like(weight_hh)
    d_b = np.zeros(len(weight_hh))
    dh_next = np.zeros_like(h0)  # da_{t+1} W_hh: what reaches h_t from step t + 1
    for t in reversed(range(len(xs))):
        dh = dhs[t] + dh_next
        da = dh * (1 - hs[t] * hs[t])
        h_prev = hs[t - 1] if t > 0 else h0
        d_ih += da.T @ xs[t]
        d_hh += da.T @ h_prev
        d_b += da.sum(axis=0)
        dh_next = da @ weight_hh
    return {"weight_ih": d_ih, "weight_hh": d_hh, "bias_ih": d_b, "bias_hh": d_b, "h0": dh_next}
