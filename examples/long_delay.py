"""Remember the first symbol: nn.RNN fails a long delay that nn.LSTM and nn.GRU learn.

The task: a sequence starts with one of 4 symbols, then `--seq-len - 1` random *distractor*
symbols follow; at the end the network must say which symbol came first::

    input   C  x  z  y  x  x  w  z ... y      (80 steps; C is the one to remember)
    target                               C    (only here: a single loss, at the last step)

All the information sits at t = 0 and the only loss at t = 79, so the only gradient that can
teach "keep the first symbol" must travel back 79 steps. In nn.RNN every step back multiplies
it by W_hh and tanh' (docs/rnn_bptt.md, section 6): it arrives ~1e-20 times smaller, and the
RNN stays at chance. In an LSTM the cell state is updated by *adding*, c_t = f_t * c_{t-1} +
i_t * g_t, so going back a step only multiplies by the forget gate f_t; in a GRU, h_t =
z_t * h_{t-1} + (1 - z_t) * n_t does the same with the update gate z_t. When those gates are
near 1, the gradient arrives almost whole.

Near 1 *at the start*: torch initialises every bias from U(-1/sqrt(H), 1/sqrt(H)), so f and z
start near 0.5, and 0.5^79 is as hopeless as the RNN. So, as Keras does by default and
"chrono initialisation" (Tallec & Ollivier, 2018) argues, this example starts the gates open:
``--gate-bias 4`` adds 4 to the forget gate's bias (f ~ 0.98) and subtracts 4 from the input
gate's (so 79 distractors do not overwrite the cell), and adds 4 to the GRU's update gate
(whose z couples the two: keep z, write 1 - z). ``--gate-bias 0`` is torch's initialisation.

The picture, ``out/long_delay/long_delay.png``: ||dL/dh_t|| for every step t, at initialisation
and after training, for the three cells on the same task -- and the held-out accuracy.

    python examples/long_delay.py                    # RNN, LSTM and GRU; about a minute
    python examples/long_delay.py --gate-bias 0      # torch's init: the gates start half shut
"""

from __future__ import annotations

import argparse
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

LAYERS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
CELLS = {"rnn": nn.RNNCell, "lstm": nn.LSTMCell, "gru": nn.GRUCell}
COLOURS = {"rnn": "C3", "lstm": "C0", "gru": "C2"}
TINY = 1e-300  # an exact 0 cannot go on a log scale


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Remember the first symbol of a long sequence: nn.RNN vs nn.LSTM vs nn.GRU.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--cells", default="rnn,lstm,gru", help="which to train, comma-separated")
    p.add_argument("--seq-len", type=int, default=80, help="the first symbol, then distractors")
    p.add_argument("--symbols", type=int, default=4, help="symbols to remember (and distractors)")
    p.add_argument("--hidden-size", type=int, default=32)
    p.add_argument("--gate-bias", type=float, default=4.0, help="start the gates open (0: torch's init)")
    p.add_argument("--lr", type=float, default=0.02, help="Adam's learning rate")
    p.add_argument("--clip", type=float, default=1.0, help="max gradient norm")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--steps", type=int, default=400, help="at most this many Adam steps per cell")
    p.add_argument("--target-accuracy", type=float, default=0.99)
    p.add_argument("--held-out", type=int, default=256, help="held-out sequences to score")
    p.add_argument("--log-every", type=int, default=25)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=default_out(__file__), help="folder for the picture")
    args = p.parse_args(argv)
    args.cells = args.cells.split(",")
    if not set(args.cells) <= set(LAYERS):
        p.error(f"--cells: choose from {', '.join(LAYERS)}")
    return args


# ---- the data and the model ---------------------------------------------------------------------
def make_batch(batch_size: int, seq_len: int, symbols: int) -> tuple[mt.Tensor, mt.Tensor]:
    """One-hot inputs (L, N, 2 * symbols) and targets (N,): the symbol at t = 0.

    The symbol to remember uses channels 0 .. symbols - 1, the distractors the others.
    """
    first = np.asarray(mt.randint(0, symbols, (batch_size,)).numpy())
    distractors = np.asarray(mt.randint(symbols, 2 * symbols, (seq_len - 1, batch_size)).numpy())
    seq = np.concatenate([first[None], distractors])
    return mt.from_numpy(np.eye(2 * symbols, dtype=np.float32)[seq]), mt.from_numpy(first)


class FirstSymbolNet(nn.Module):
    """An nn.RNN, nn.LSTM or nn.GRU reads the sequence; a Linear head reads its last state."""

    def __init__(self, cell: str, symbols: int, hidden_size: int, gate_bias: float) -> None:
        super().__init__()
        self.cell = cell
        self.rnn = LAYERS[cell](2 * symbols, hidden_size)
        self.head = nn.Linear(hidden_size, symbols)
        open_gates(self.rnn, cell, gate_bias)

    def forward(self, x: mt.Tensor) -> mt.Tensor:
        output, _ = self.rnn(x)
        return self.head(output[-1])  # (N, symbols): one guess, at the end


@mt.no_grad()
def open_gates(rnn: Any, cell: str, bias: float) -> None:
    """Start the gated cells remembering: the gates' biases are blocks of hidden_size entries
    in torch's order -- LSTM (i, f, g, o), GRU (r, z, n)."""
    H = rnn.hidden_size
    if cell == "lstm":
        rnn.bias_ih_l0[H : 2 * H] += bias  # forget gate f ~ sigmoid(4) = 0.98: keep c
        rnn.bias_ih_l0[0:H] -= bias  # input gate i ~ 0.02: do not let distractors in
    elif cell == "gru":
        rnn.bias_ih_l0[H : 2 * H] += bias  # update gate z ~ 0.98: keep h (and write 1 - z)


# ---- how far back does the gradient reach? -------------------------------------------------------
def gradient_per_step(model: FirstSymbolNet, x: mt.Tensor, y: mt.Tensor) -> np.ndarray:
    """||dL/dh_t|| for every t: the same network run as a cell in a hand-written loop, keeping
    every h_t's gradient (`retain_grad`), as examples/gradient_flow.py does for nn.RNNCell.

    In float64: the RNN's gradient at t = 0 is ~1e-20 at initialisation and smaller after
    training, below what float32 can hold (it would show as an exact 0)."""
    cell = CELLS[model.cell](x.shape[-1], model.rnn.hidden_size, dtype=mt.float64)
    weights = {k.removesuffix("_l0"): v.double() for k, v in model.rnn.state_dict().items()}
    cell.load_state_dict(weights)
    head_w, head_b = (p.detach().double() for p in (model.head.weight, model.head.bias))
    state: Any = None
    hs = []
    for x_t in x.double().unbind(0):
        state = cell(x_t, state)
        h = state[0] if model.cell == "lstm" else state
        h.retain_grad()
        hs.append(h)
    loss = F.cross_entropy(F.linear(hs[-1], head_w, head_b), y)
    loss.backward()
    return np.array([np.linalg.norm(h.grad.numpy()) for h in hs])


# ---- training ----------------------------------------------------------------------------------
def train(args: argparse.Namespace, cell: str, held_out: tuple[mt.Tensor, mt.Tensor]) -> dict:
    mt.manual_seed(args.seed)  # the same initial weights (where shared) and data for every cell
    model = FirstSymbolNet(cell, args.symbols, args.hidden_size, args.gate_bias)
    probe = (held_out[0][:, :64], held_out[1][:64])
    init_norms = gradient_per_step(model, *probe)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    clock = Clock()
    history: dict[str, list[float]] = {"step": [], "accuracy": []}
    reached = None
    for step in range(1, args.steps + 1):
        x, y = make_batch(args.batch_size, args.seq_len, args.symbols)
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        optimizer.step()
        if step % args.log_every == 0 or step == args.steps:
            with mt.no_grad():
                accuracy = float((model(held_out[0]).argmax(-1) == held_out[1]).numpy().mean())
            history["step"].append(step)
            history["accuracy"].append(accuracy)
            print(f"  {cell:4s} step {step:4d} | loss {loss.item():.3f} | held-out accuracy "
                  f"{accuracy:6.1%} | {clock():5.1f} s")  # fmt: skip
            if accuracy >= args.target_accuracy:
                reached = step
                break
    if not history["step"]:  # --steps 0: only the gradient at initialisation
        with mt.no_grad():
            history["step"].append(0)
            history["accuracy"].append(
                float((model(held_out[0]).argmax(-1) == held_out[1]).numpy().mean())
            )
    return {
        "reached": reached,
        "accuracy": history["accuracy"][-1],
        "history": history,
        "seconds": clock(),
        "init_norms": init_norms,
        "trained_norms": gradient_per_step(model, *probe),
    }


def plot(results: dict[str, dict], args: argparse.Namespace, folder: Path) -> Optional[Path]:
    plt = pyplot()
    if plt is None:
        return None
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(13, 4.8), gridspec_kw={"width_ratios": [3, 2]})
    steps = np.arange(args.seq_len)
    for cell, r in results.items():
        name = LAYERS[cell].__name__
        ax0.plot(steps, np.maximum(r["init_norms"], TINY), color=COLOURS[cell], ls=":",
                 label=f"{name}, at initialisation")  # fmt: skip
        ax0.plot(steps, np.maximum(r["trained_norms"], TINY), color=COLOURS[cell],
                 label=f"{name}, after training")  # fmt: skip
        done = f"{r['reached']} steps" if r["reached"] else f"not in {args.steps} steps"
        ax1.plot(r["history"]["step"], [100 * a for a in r["history"]["accuracy"]],
                 color=COLOURS[cell], label=f"{name}: {done}")  # fmt: skip
    ax0.set(yscale="log", xlabel="time step t (the symbol to remember is at t = 0, the loss at the end)",
            ylabel="‖∂L/∂h_t‖ (log scale)", title="How far back the gradient reaches")  # fmt: skip
    ax0.legend(fontsize=8, loc="lower right")
    ax1.axhline(100 / args.symbols, color="grey", ls=":", label="chance")
    ax1.set(xlabel="Adam step", ylabel="held-out accuracy (%)", ylim=(0, 101),
            title=f"Remember the first of {args.seq_len} symbols")  # fmt: skip
    ax1.legend(fontsize=9, loc="center right")
    fig.suptitle(f"nn.RNN vs nn.LSTM vs nn.GRU (hidden size {args.hidden_size}, gate bias "
                 f"{args.gate_bias:g})")  # fmt: skip
    fig.tight_layout()
    return save_figure(plt, fig, folder / "long_delay.png")


def main(argv: Optional[list[str]] = None) -> dict:
    args = parse_args(argv)
    folder = output_folder(args.out)
    mt.manual_seed(args.seed + 1)
    held_out = make_batch(args.held_out, args.seq_len, args.symbols)
    print(f"task: remember the first of {args.seq_len} symbols ({args.symbols} to remember, "
          f"chance {1 / args.symbols:.0%}); the only loss is at the last step")  # fmt: skip
    results = {}
    for cell in args.cells:
        results[cell] = r = train(args, cell, held_out)
        outcome = f"reached {args.target_accuracy:.0%} after {r['reached']} steps" if r["reached"] \
            else f"did not learn it in {args.steps} steps (accuracy {r['accuracy']:.1%})"  # fmt: skip
        print(f"{LAYERS[cell].__name__:4s}: {outcome}, {r['seconds']:.1f} s | ‖∂L/∂h_0‖ "
              f"{r['init_norms'][0]:.1e} at init, {r['trained_norms'][0]:.1e} trained")  # fmt: skip
    path = plot(results, args, folder)
    return {"results": results, "files": [path] if path else []}


if __name__ == "__main__":
    single_threaded_blas()  # for the script only: importing this file changes nothing
    main()
