"""Regression with an RNN: read a sine wave and predict its next value (MSE loss).

Each training sequence is a stretch of ``sin(w t + phase)`` with a random phase and a random
frequency w from --min-freq to --max-freq (radians per step). At every step t the model sees
the value at t and predicts the value at t + 1. One value alone does not say where the wave
goes next (up or down? how fast?), so the RNN has to work it out from the steps before: the
gradient of each prediction flows back through time to the values it used.

After training, the picture shows a held-out wave: the truth, the one-step predictions, and a
*closed-loop* continuation, where the model is fed its own predictions instead of the truth
and so has to carry the rhythm by itself.

    python examples/sine_wave.py              # about 4 s
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Optional

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


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Train nn.RNN to predict the next value of a sine wave (MSE).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--seq-len", type=int, default=40, help="time steps per training sequence")
    p.add_argument("--min-freq", type=float, default=0.1, help="slowest wave (radians/step)")
    p.add_argument("--max-freq", type=float, default=0.3, help="fastest wave (radians/step)")
    p.add_argument("--hidden-size", type=int, default=32)
    p.add_argument("--nonlinearity", choices=["tanh", "relu"], default="tanh")
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--clip", type=float, default=1.0, help="max gradient norm (0: no clipping)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--steps", type=int, default=1500, help="SGD steps")
    p.add_argument("--log-every", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=default_out(__file__), help="folder for the pictures")
    return p.parse_args(argv)


def waves(
    batch_size: int, length: int, args: argparse.Namespace, freq: Optional[float] = None
) -> np.ndarray:
    """(length, batch_size, 1) float32: sin(w t + phase), random w and phase for each column."""
    # drawn from the package generator, so mt.manual_seed repeats them (as torch.rand would)
    if freq is None:
        freq = mt.zeros(batch_size, dtype=mt.float64).uniform_(args.min_freq, args.max_freq).numpy()
    phase = mt.zeros(batch_size, dtype=mt.float64).uniform_(0, 2 * math.pi).numpy()
    t = np.arange(length)[:, None]
    return np.sin(freq * t + phase)[:, :, None].astype(np.float32)


class NextValue(nn.Module):
    """nn.RNN reads one number per step; nn.Linear turns each hidden state into the next one."""

    def __init__(self, hidden_size: int, nonlinearity: str) -> None:
        super().__init__()
        self.rnn = nn.RNN(1, hidden_size, nonlinearity=nonlinearity)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x: mt.Tensor, h: Optional[mt.Tensor] = None) -> tuple[mt.Tensor, mt.Tensor]:
        """x: (L, N, 1) -> predictions (L, N, 1) for steps 1 .. L, and the last hidden state."""
        output, h = self.rnn(x, h)
        return self.head(output), h


def mse_on(model: NextValue, wave: np.ndarray) -> mt.Tensor:
    """Predict wave[1:] from wave[:-1]: the loss of one batch."""
    prediction, _ = model(mt.from_numpy(wave[:-1]))
    return F.mse_loss(prediction, mt.from_numpy(wave[1:]))


@mt.no_grad()
def closed_loop(model: NextValue, warmup: np.ndarray, steps: int) -> np.ndarray:
    """Read `warmup` (L, 1, 1), then feed the model its own predictions for `steps` steps."""
    prediction, h = model(mt.from_numpy(warmup))
    value = prediction[-1:]  # (1, 1, 1): the prediction after the last true value
    out = []
    for _ in range(steps):
        out.append(value.item())
        prediction, h = model(value, h)
        value = prediction
    return np.array(out)


def plot(model: NextValue, history: dict, args: argparse.Namespace, folder: Path) -> Optional[Path]:
    plt = pyplot()
    if plt is None:
        return None
    mt.manual_seed(args.seed + 1)  # one held-out wave, twice as long as the training ones
    freq = float(mt.zeros(1, dtype=mt.float64).uniform_(args.min_freq, args.max_freq))
    wave = waves(1, 2 * args.seq_len + 1, args, freq)
    half = args.seq_len
    with mt.no_grad():
        one_step, _ = model(mt.from_numpy(wave[:-1]))
    continuation = closed_loop(model, wave[: half + 1], len(wave) - half - 2)

    fig, (ax_loss, ax_wave) = plt.subplots(
        1, 2, figsize=(14, 4.5), gridspec_kw={"width_ratios": [1, 2]}
    )
    ax_loss.plot(history["step"][1:], history["train"][1:], label="training batches")
    ax_loss.plot(history["step"], history["test"], label="held-out waves")
    ax_loss.set(
        title="Mean squared error", xlabel="SGD step", ylabel="MSE (log scale)", yscale="log"
    )
    ax_loss.axhline(history["repeat_last"], color="grey", ls=":", label="repeat the last value")
    ax_loss.legend()

    t = np.arange(len(wave))
    ax_wave.plot(t, wave[:, 0, 0], color="black", lw=1, label="truth")
    ax_wave.plot(
        t[1:],
        one_step.numpy()[:, 0, 0],
        "o",
        ms=3,
        color="C0",
        label="one step ahead (reads the true values)",
    )
    ax_wave.plot(
        t[half + 2 :],
        continuation,
        "--",
        color="C3",
        lw=2,
        label="closed loop (reads its own predictions)",
    )
    ax_wave.axvline(half + 1, color="grey", ls=":", lw=1)
    ax_wave.text(
        half + 1.5,
        1.45,
        "from here on the model\nreads its own predictions",
        va="top",
        fontsize=8,
        color="grey",
    )
    ax_wave.set(
        title=f"A held-out wave (frequency {freq:.3f} rad/step): predictions against the truth",
        xlabel="time step t",
        ylabel="value",
        ylim=(-1.6, 1.6),
    )
    ax_wave.legend(loc="lower left", fontsize=9)
    fig.tight_layout()
    return save_figure(plt, fig, folder / "sine_wave.png")


def main(argv: Optional[list[str]] = None) -> dict:
    args = parse_args(argv)
    mt.manual_seed(args.seed)
    folder = output_folder(args.out)
    held_out = waves(256, args.seq_len + 1, args)  # drawn once; every training batch is new
    model = NextValue(args.hidden_size, args.nonlinearity)
    optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    with mt.no_grad():
        initial_loss = mse_on(model, held_out).item()
    # A yardstick: "the next value equals this one" needs no learning at all
    repeat_last = float(np.mean((held_out[1:] - held_out[:-1]) ** 2))
    print(
        f"step     0 | held-out MSE {initial_loss:.5f} (repeating the last value scores "
        f"{repeat_last:.5f})"
    )
    clock = Clock()
    history: dict = {"step": [0], "train": [math.nan], "test": [initial_loss]}
    history["repeat_last"] = repeat_last
    window: list[float] = []
    for step in range(1, args.steps + 1):
        loss = mse_on(model, waves(args.batch_size, args.seq_len + 1, args))
        optimizer.zero_grad()
        loss.backward()
        norm = nn.utils.clip_grad_norm_(model.parameters(), args.clip or math.inf)
        optimizer.step()
        window.append(loss.item())
        if step % args.log_every == 0 or step == args.steps:
            with mt.no_grad():
                test = mse_on(model, held_out).item()
            history["step"].append(step)
            history["train"].append(float(np.mean(window)))
            history["test"].append(test)
            print(
                f"step {step:>5} | train MSE {np.mean(window):.5f} | held-out MSE {test:.5f} "
                f"| grad-norm {norm.item():6.3f} | {clock():5.1f} s"
            )
            window = []
    path = plot(model, history, args, folder)
    final = history["test"][-1]
    print(f"final: loss={final:.6f} (held-out MSE; it started at {initial_loss:.4f})")
    return {
        "initial_loss": initial_loss,
        "final_loss": final,
        "seconds": clock(),
        "files": [path] if path else [],
    }


if __name__ == "__main__":
    single_threaded_blas()  # for the script only: importing this file changes nothing
    main()
