"""Draw docs/images/w_hh_sum_over_time.png: the per-step terms of W_hh.grad (rnn_bptt.md).

    python docs/make_bptt_images.py      # needs matplotlib (pip install -e ".[plot]")

An untrained nn.RNN(1, 16) over 30 steps, the loss on the last output only. Its W_hh.grad is a
sum of one term per time step (`mt.autograd.contributions`); the picture shows each term's norm
against the step it came from, for tanh and ReLU.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import minitorch_rnn as mt
from minitorch_rnn import nn

OUT = Path(__file__).resolve().parent / "images" / "w_hh_sum_over_time.png"


def term_norms(nonlinearity: str, steps: int = 30, seed: int = 0) -> list[float]:
    """‖term_t‖ for t = 0..steps-1: W_hh.grad's term from each time step."""
    mt.manual_seed(seed)
    rnn = nn.RNN(1, 16, nonlinearity=nonlinearity)
    output, _ = rnn(mt.randn(steps, 1, 1))
    loss = output[-1].sum()
    (terms,) = mt.autograd.contributions(loss, [rnn.weight_hh_l0])
    by_step = {int(t.scope[-1].removeprefix("t=")): float(np.linalg.norm(t.grad)) for t in terms}
    return [by_step.get(t, 0.0) for t in range(steps)]


def main() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=120)
    for nonlinearity, style in (("tanh", "o-"), ("relu", "s--")):
        norms = term_norms(nonlinearity)
        # (t = 0's term is exactly 0: it is h_{-1}^T g, and h_{-1} = h_0 = 0 here)
        ax.semilogy(range(1, len(norms)), norms[1:], style, ms=3, label=nonlinearity)
    ax.set_xlabel("time step t whose term it is (the loss reads step 29)")
    ax.set_ylabel("‖term_t‖ of W_hh.grad")
    ax.set_title("W_hh.grad = Σ_t term_t: the terms far from the loss are tiny")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    OUT.parent.mkdir(exist_ok=True)
    fig.savefig(OUT)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
