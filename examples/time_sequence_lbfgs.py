"""pytorch/examples' time-sequence prediction, trained with LBFGS and its closure.

The model reads sine waves one value at a time, two recurrent cells deep, and predicts the
next value; after training it keeps going on its own predictions. This is the structure of
`time_sequence_prediction/train.py` in pytorch/examples, which trains with ``optim.LBFGS``
because the whole data set fits in one batch: each ``optimizer.step(closure)`` calls the
closure -- forward, loss, backward -- as often as its iterations and line search need.
There the cells are ``nn.LSTMCell``; here they are ``nn.RNNCell`` (tanh), the cell
minitorch_rnn has, and the waves are shorter so that it runs in seconds.

pytorch/examples takes fixed steps (no line search). Try ``--line-search none``: with this
seed the fixed steps of length lr = 0.8 overshoot and the loss explodes, while the default,
the strong-Wolfe line search, only accepts a step that lowers the loss enough.

    python examples/time_sequence_lbfgs.py          # about 15 s
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Optional

import numpy as np

import minitorch_rnn as mt
from minitorch_rnn import nn, optim

sys.path.insert(0, str(Path(__file__).resolve().parent))  # find _common.py from anywhere
from _common import (  # noqa: E402
    Clock,
    default_out,
    output_folder,
    pyplot,
    save_figure,
    single_threaded_blas,
)


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Predict sine waves with two RNN cells, trained by LBFGS.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--steps", type=int, default=6, help="optimizer.step(closure) calls")
    p.add_argument("--length", type=int, default=120, help="values per wave")
    p.add_argument("--waves", type=int, default=40, help="waves (3 held out for testing)")
    p.add_argument("--hidden-size", type=int, default=24)
    p.add_argument("--lr", type=float, default=0.8)
    p.add_argument("--line-search", choices=["none", "strong_wolfe"], default="strong_wolfe")
    p.add_argument("--future", type=int, default=100, help="values predicted after the data")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=default_out(__file__), help="folder for the picture")
    return p.parse_args(argv)


def sine_waves(n: int, length: int, seed: int, period: float = 20.0) -> np.ndarray:
    """(n, length) float64: sin((t + shift) / period), each wave shifted at random (as in
    pytorch/examples' generate_sine_wave.py)."""
    shift = np.random.default_rng(seed).integers(-4 * int(period), 4 * int(period), size=(n, 1))
    return np.sin((np.arange(length) + shift) / period)


class Sequence(nn.Module):
    """Two stacked cells and a linear read-out, stepped by hand over time."""

    def __init__(self, hidden_size: int) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        self.cell1 = nn.RNNCell(1, hidden_size, dtype=mt.float64)
        self.cell2 = nn.RNNCell(hidden_size, hidden_size, dtype=mt.float64)
        self.linear = nn.Linear(hidden_size, 1, dtype=mt.float64)

    def forward(self, input: mt.Tensor, future: int = 0) -> mt.Tensor:
        """input (batch, time) -> predictions (batch, time + future) of each next value."""
        batch = input.shape[0]
        h1 = mt.zeros(batch, self.hidden_size, dtype=mt.float64)
        h2 = mt.zeros(batch, self.hidden_size, dtype=mt.float64)
        outputs = []
        for input_t in input.unbind(1):
            h1 = self.cell1(input_t.unsqueeze(1), h1)
            h2 = self.cell2(h1, h2)
            output = self.linear(h2)
            outputs.append(output)
        for _ in range(future):  # from here on the model reads its own predictions
            h1 = self.cell1(output, h1)
            h2 = self.cell2(h1, h2)
            output = self.linear(h2)
            outputs.append(output)
        return mt.cat(outputs, dim=1)


def plot(prediction: np.ndarray, known: int, folder: Path) -> Optional[Path]:
    plt = pyplot()
    if plt is None:
        return None
    fig, ax = plt.subplots(figsize=(12, 4))
    for wave, color in zip(prediction, ["C3", "C2", "C0"]):
        ax.plot(np.arange(known), wave[:known], color=color, lw=1.5)
        ax.plot(np.arange(known, len(wave)), wave[known:], ":", color=color, lw=1.5)
    ax.axvline(known, color="grey", ls=":", lw=1)
    ax.set(title="Held-out waves: one step ahead, then (dotted) on its own predictions",
           xlabel="t", ylabel="value")  # fmt: skip
    fig.tight_layout()
    return save_figure(plt, fig, folder / "time_sequence_lbfgs.png")


def main(argv: Optional[list[str]] = None) -> dict[str, Any]:
    args = parse_args(argv)
    mt.manual_seed(args.seed)
    folder = output_folder(args.out)
    data = mt.tensor(sine_waves(args.waves, args.length, args.seed))
    input, target = data[3:, :-1], data[3:, 1:]
    test_input, test_target = data[:3, :-1], data[:3, 1:]

    seq = Sequence(args.hidden_size)
    criterion = nn.MSELoss()
    line_search = None if args.line_search == "none" else args.line_search
    optimizer = optim.LBFGS(seq.parameters(), lr=args.lr, line_search_fn=line_search)
    clock = Clock()
    losses = []
    for i in range(args.steps):

        def closure() -> mt.Tensor:
            optimizer.zero_grad()
            loss = criterion(seq(input), target)
            loss.backward()
            return loss

        loss = optimizer.step(closure)  # the loss before this step's iterations
        losses.append(loss.item())
        with mt.no_grad():
            prediction = seq(test_input, future=args.future)
            test_loss = criterion(prediction[:, : -args.future], test_target).item()
        state = optimizer.state[next(iter(seq.parameters()))]
        print(f"step {i:>2} | train MSE {loss.item():.6f} | test MSE {test_loss:.6f} | "
              f"closure calls so far {state['func_evals']:>3} | {clock():5.1f} s")  # fmt: skip
    with mt.no_grad():
        final = criterion(seq(input), target).item()
    path = plot(prediction.numpy(), test_input.shape[1], folder)
    print(f"final: loss={final:.6f} (train MSE; it started at {losses[0]:.4f})")
    return {"initial_loss": losses[0], "final_loss": final, "test_loss": test_loss,
            "files": [path] if path else []}  # fmt: skip


if __name__ == "__main__":
    single_threaded_blas()  # for the script only: importing this file changes nothing
    main()
