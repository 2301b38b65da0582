"""How far back does the gradient reach? ‖∂L/∂h_t‖ for every step t of a 50-step sequence.

Backpropagation through time sends the gradient of a loss at the last step back through the
recurrence, one step at a time::

    ∂L/∂h_{t-1} = (∂L/∂h_t * f'(a_t)) @ W_hh          (a_t: the pre-activation, f: tanh or relu)

Every step back multiplies by W_hh and by f'(a_t). If those factors are mostly below 1, the
gradient *vanishes* on its way back and the early steps learn nothing from the late loss; if
they are above 1, it *explodes*, and one SGD step can wreck the weights.

This example measures it. An `nn.RNNCell` runs over 50 steps by hand, and every hidden state
h_t calls ``h.retain_grad()``, so after ``loss.backward()`` each one holds ∂L/∂h_t in
``h.grad``. The loss L is the cross-entropy at the *last* step only (the symbol seen `--delay`
steps before the end), so all of the gradient at step t has come back through 49 - t steps.

Four networks are compared: tanh or relu, each trained with and without gradient clipping
(on the echo task of ``train_toy_sequence.py``, with 50-step sequences), once at
initialisation and once after a short training. One picture: ``out/gradient_flow/gradient_flow.png``.

    python examples/gradient_flow.py                 # about 5 s
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any, Optional

import numpy as np

import minitorch_rnn as mt
from minitorch_rnn import nn, optim
from minitorch_rnn.nn import functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))  # find _common.py from anywhere
from _common import (  # noqa: E402
    Clock,
    default_out,
    output_folder,
    pyplot,
    save_figure,
    single_threaded_blas,
)
from train_toy_sequence import make_batch  # noqa: E402  (the same echo task)

CONFIGS = [("tanh", True), ("tanh", False), ("relu", True), ("relu", False)]  # (f, clipped?)
TINY = 1e-300  # an exact 0 cannot go on a log scale: it is drawn at the bottom instead


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Plot ‖∂L/∂h_t‖ for every time step: tanh vs relu, with and without "
        "clipping, at initialisation and after training.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--seq-len", type=int, default=50, help="time steps per sequence")
    p.add_argument("--delay", type=int, default=5, help="the echo task's delay")
    p.add_argument("--symbols", type=int, default=8, help="alphabet size")
    p.add_argument("--hidden-size", type=int, default=64)
    p.add_argument("--steps", type=int, default=150, help="training steps for each network")
    p.add_argument("--lr", type=float, default=0.3, help="SGD learning rate (high on purpose)")
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--clip", type=float, default=1.0, help="max gradient norm when clipping")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=default_out(__file__), help="folder for the picture")
    args = p.parse_args(argv)
    if not 0 < args.delay < args.seq_len:
        p.error("--delay must be at least 1 and smaller than --seq-len")
    return args


class Model(nn.Module):
    """An RNNCell we loop over by hand (so we can hold on to every h_t) and a linear head."""

    def __init__(self, symbols: int, hidden_size: int, nonlinearity: str) -> None:
        super().__init__()
        # float64: the gradients we want to see can be 1e-40 and smaller, below float32's range
        self.cell = nn.RNNCell(symbols, hidden_size, nonlinearity=nonlinearity, dtype=mt.float64)
        self.head = nn.Linear(hidden_size, symbols, dtype=mt.float64)

    def forward(self, x: mt.Tensor) -> list[mt.Tensor]:
        """Every hidden state h_0 ... h_{L-1} (each (N, hidden)), keeping their gradients."""
        h = None  # the cell starts from zeros
        states = []
        for x_t in x.unbind(0):
            h = self.cell(x_t, h)  # h_t = f(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)
            if h.requires_grad:
                h.retain_grad()  # after backward, h.grad = ∂L/∂h_t (a non-leaf keeps it only if asked)
            states.append(h)
        return states


def echo_batch(args: argparse.Namespace, batch_size: int) -> tuple[mt.Tensor, mt.Tensor]:
    _, x, y = make_batch(batch_size, args.seq_len, args.symbols, args.delay)
    return x.double(), y


def training_loss(model: Model, x: mt.Tensor, y: mt.Tensor, delay: int) -> mt.Tensor:
    """The echo task's loss at every step t >= delay (what the networks are trained on)."""
    scores = model.head(mt.stack(model(x)[delay:]))  # (L - delay, N, symbols)
    return F.cross_entropy(scores.reshape(-1, scores.shape[-1]), y.reshape(-1))


def gradient_per_step(model: Model, x: mt.Tensor, y: mt.Tensor) -> tuple[float, np.ndarray]:
    """The loss at the last step only, and ‖∂L/∂h_t‖ for every t (norm over batch and units)."""
    states = model(x)
    loss = F.cross_entropy(model.head(states[-1]), y[-1])  # y[-1]: seen `delay` steps earlier
    model.zero_grad()
    loss.backward()
    norms = np.array([np.linalg.norm(h.grad.numpy()) for h in states])
    model.zero_grad()
    return loss.item(), norms


def train(model: Model, args: argparse.Namespace, clip: bool, probe: tuple) -> dict[str, Any]:
    """`args.steps` steps of SGD on the echo task; the loss before and after, on `probe`."""
    optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    with mt.no_grad():
        before = training_loss(model, *probe, args.delay).item()
    largest = 0.0
    for _ in range(args.steps):
        loss = training_loss(model, *echo_batch(args, args.batch_size), args.delay)
        optimizer.zero_grad()
        loss.backward()
        norm = nn.utils.clip_grad_norm_(model.parameters(), args.clip if clip else math.inf)
        largest = max(largest, norm.item())
        optimizer.step()
    with mt.no_grad():
        after = training_loss(model, *probe, args.delay).item()
    return {"loss_before": before, "loss_after": after, "largest_grad_norm": largest}


def plot(results: dict, args: argparse.Namespace, folder: Path) -> Optional[Path]:
    plt = pyplot()
    if plt is None:
        return None
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(13, 4.8), sharey=True)
    steps = np.arange(args.seq_len)
    colours = {"tanh": "C0", "relu": "C3"}
    for nonlinearity in ("tanh", "relu"):  # at init, clipping has not done anything yet
        norms = results[(nonlinearity, True)]["init_norms"]
        ax0.plot(steps, np.maximum(norms, TINY), color=colours[nonlinearity], label=nonlinearity)
    for (nonlinearity, clip), r in results.items():
        label = f"{nonlinearity}, {'clipped' if clip else 'not clipped'}: task loss {r['loss_after']:.2f}"
        ax1.plot(
            steps,
            np.maximum(r["trained_norms"], TINY),
            color=colours[nonlinearity],
            ls="-" if clip else "--",
            label=label,
        )
    for ax, title in (
        (ax0, "At initialisation (clipping has not acted yet)"),
        (ax1, f"After {args.steps} SGD steps (lr {args.lr:g}, momentum {args.momentum:g})"),
    ):
        ax.set_yscale("log")
        answer = args.seq_len - 1 - args.delay
        ax.axvline(answer, color="grey", ls=":", lw=1)
        ax.text(
            answer - 0.5,
            0.98,
            "the answer\nwas read here",
            transform=ax.get_xaxis_transform(),
            ha="right",
            va="top",
            fontsize=8,
            color="grey",
        )
        ax.set(title=title, xlabel="time step t (the loss is at the last step)")
        ax.legend(loc="lower right", fontsize=9)
    ax0.set_ylabel("‖∂L/∂h_t‖ (log scale)")
    fig.suptitle(
        "Vanishing and exploding gradients in backprop through time "
        f"(nn.RNNCell, hidden size {args.hidden_size})"
    )
    fig.tight_layout()
    return save_figure(plt, fig, folder / "gradient_flow.png")


def main(argv: Optional[list[str]] = None) -> dict:
    args = parse_args(argv)
    folder = output_folder(args.out)
    clock = Clock()
    mt.manual_seed(args.seed)
    probe = echo_batch(args, 256)  # one fixed batch to measure on, never trained on
    results: dict[tuple[str, bool], dict[str, Any]] = {}
    for nonlinearity, clip in CONFIGS:
        mt.manual_seed(args.seed)  # the same initial weights and data for all four
        model = Model(args.symbols, args.hidden_size, nonlinearity)
        _, init_norms = gradient_per_step(model, *probe)
        r = train(model, args, clip, probe)
        _, trained_norms = gradient_per_step(model, *probe)
        r.update(init_norms=init_norms, trained_norms=trained_norms)
        results[(nonlinearity, clip)] = r
        name = f"{nonlinearity}, {'clipped' if clip else 'not clipped'}"
        last = args.seq_len - 1
        print(
            f"{name:<17} | loss {r['loss_before']:.2f} -> {r['loss_after']:.2f} | largest ‖∇θ‖ "
            f"{r['largest_grad_norm']:6.3g} | ‖∂L/∂h_0‖ {init_norms[0]:.1e} -> {trained_norms[0]:.1e}"
            f" | ‖∂L/∂h_{last}‖ {init_norms[-1]:.1e} -> {trained_norms[-1]:.1e} | {clock():4.1f} s"
        )
    path = plot(results, args, folder)
    best = results[("tanh", True)]
    print(f"final: loss={best['loss_after']:.4f} (tanh, clipped)")
    return {
        "initial_loss": best["loss_before"],
        "final_loss": best["loss_after"],
        "results": results,
        "seconds": clock(),
        "files": [path] if path else [],
    }


if __name__ == "__main__":
    single_threaded_blas()  # for the script only: importing this file changes nothing
    main()
