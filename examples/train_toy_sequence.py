"""Train an RNN on a task that needs memory, and watch backpropagation through time work.

The task, *echo*: the network reads a stream of random symbols, one per time step, and at
every step t it must say which symbol it read `delay` steps earlier::

    input   c a d d b a c b d a ...
    target  . . . c a d d b a c ...      (delay = 3: the first 3 steps have no target)

By default the alphabet is a, b, c, d and the delay is 10 steps.

The current input says nothing about the answer, so the network has to carry every symbol in
its hidden state for `delay` steps. For the same reason, the gradient of the loss at step t
has to travel back through `delay` multiplications by W_hh to reach the input that mattered.
That is backpropagation through time (BPTT), and ``loss.backward()`` does it by walking back
the tape that `nn.RNN`'s loop over time steps recorded.

The model: `nn.RNN` (one-hot symbol in, hidden state out) and `nn.Linear` (hidden state ->
one score per symbol), trained with cross-entropy, `optim.SGD` with momentum and
`nn.utils.clip_grad_norm_`. It is scored on held-out sequences it never trained on.

    python examples/train_toy_sequence.py                # a few seconds; --help for the flags
    python examples/train_toy_sequence.py --delay 12 --seq-len 28     # a longer memory
    python examples/train_toy_sequence.py --cell lstm                 # or gru: a gated cell

Pictures go to ``out/train_toy_sequence/``: the learning curve (PNG) and the computation graph
of one training step on a short sequence (SVG), one box per time step.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any, Optional

import numpy as np

import minitorch_rnn as mt
from minitorch_rnn import nn, optim, viz
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

ALPHABET = "abcdefghijklmnopqrstuvwxyz"


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Train nn.RNN to echo the symbol it saw --delay steps ago (BPTT).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    task = p.add_argument_group("the task")
    task.add_argument(
        "--delay", type=int, default=10, help="echo the symbol seen this many steps ago"
    )
    task.add_argument("--seq-len", type=int, default=24, help="time steps per sequence")
    task.add_argument("--symbols", type=int, default=4, help="alphabet size (at most 26)")
    model = p.add_argument_group("the model")
    model.add_argument("--hidden-size", type=int, default=64)
    model.add_argument("--layers", type=int, default=1, help="stacked RNN layers (num_layers)")
    model.add_argument(
        "--cell",
        choices=["rnn", "lstm", "gru"],
        default="rnn",
        help="nn.RNN, or a gated cell: nn.LSTM or nn.GRU (docs/lstm_gru.md)",
    )
    model.add_argument(
        "--nonlinearity", choices=["tanh", "relu"], default="tanh", help="nn.RNN's (--cell rnn)"
    )
    train = p.add_argument_group("training")
    train.add_argument("--lr", type=float, default=0.1, help="SGD learning rate")
    train.add_argument("--momentum", type=float, default=0.9, help="SGD momentum")
    train.add_argument(
        "--lr-halve-every",
        type=int,
        default=400,
        help="halve the learning rate every this many steps (0: never)",
    )
    train.add_argument("--clip", type=float, default=1.0, help="max gradient norm (0: no clipping)")
    train.add_argument("--batch-size", type=int, default=32)
    train.add_argument("--steps", type=int, default=3000, help="at most this many SGD steps")
    train.add_argument(
        "--target-accuracy",
        type=float,
        default=0.99,
        help="stop once held-out accuracy reaches this; exit 1 if it never does",
    )
    train.add_argument("--held-out", type=int, default=512, help="held-out sequences to score")
    train.add_argument("--log-every", type=int, default=25, help="steps between progress lines")
    train.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=default_out(__file__), help="folder for the pictures")
    args = p.parse_args(argv)
    if not 0 < args.delay < args.seq_len:
        p.error("--delay must be at least 1 and smaller than --seq-len")
    if not 2 <= args.symbols <= len(ALPHABET):
        p.error(f"--symbols must be between 2 and {len(ALPHABET)}")
    return args


# ---- the data ---------------------------------------------------------------------------------
def make_batch(batch_size: int, seq_len: int, symbols: int, delay: int) -> tuple[Any, Any, Any]:
    """`batch_size` random sequences of `seq_len` symbols, as three tensors:

    symbols (L, N) int64, one-hot inputs (L, N, symbols) float32, targets (L - delay, N).
    The target at step t >= delay is the symbol read at step t - delay, so the targets are
    just the first L - delay symbols of each sequence.
    """
    seq = mt.randint(0, symbols, (seq_len, batch_size))
    x = mt.from_numpy(np.eye(symbols, dtype=np.float32)[seq.numpy()])
    y = seq[: seq_len - delay]
    return seq, x, y


# ---- the model --------------------------------------------------------------------------------
class EchoNet(nn.Module):
    """nn.RNN (or nn.LSTM, nn.GRU) reads the one-hot symbols; nn.Linear turns each hidden state
    into symbol scores."""

    def __init__(
        self, symbols: int, hidden_size: int, num_layers: int, nonlinearity: str, cell: str = "rnn"
    ) -> None:
        super().__init__()
        if cell == "rnn":
            self.rnn = nn.RNN(symbols, hidden_size, num_layers, nonlinearity=nonlinearity)
        else:  # the gated cells have no nonlinearity option; their output is h_t just the same
            self.rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[cell](symbols, hidden_size, num_layers)
        self.head = nn.Linear(hidden_size, symbols)

    def forward(self, x: mt.Tensor) -> mt.Tensor:
        output, _ = self.rnn(x)  # (L, N, hidden): the top layer's h_t for every t
        return self.head(output)  # (L, N, symbols): a score for each symbol at each step


def echo_loss(logits: mt.Tensor, y: mt.Tensor, delay: int) -> tuple[mt.Tensor, float]:
    """Cross-entropy over the steps that have a target (t >= delay), and the accuracy there."""
    scored = logits[delay:]  # (L - delay, N, symbols)
    loss = F.cross_entropy(scored.reshape(-1, scored.shape[-1]), y.reshape(-1))
    accuracy = float((scored.argmax(-1) == y).numpy().mean())
    return loss, accuracy


@mt.no_grad()
def evaluate(model: EchoNet, x: mt.Tensor, y: mt.Tensor, delay: int) -> tuple[float, float]:
    """Loss and accuracy on held-out data (no tape is recorded)."""
    loss, accuracy = echo_loss(model(x), y, delay)
    return loss.item(), accuracy


# ---- training ---------------------------------------------------------------------------------
def train(args: argparse.Namespace, model: EchoNet, held_out: tuple[Any, Any, Any]) -> dict:
    _, x_test, y_test = held_out
    optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    clock = Clock()
    initial_loss, initial_acc = evaluate(model, x_test, y_test, args.delay)
    history: dict[str, list[float]] = {
        "step": [0],
        "train_loss": [math.nan],
        "test_loss": [initial_loss],
        "test_acc": [initial_acc],
        "grad_norm": [math.nan],
    }
    print(
        f"step {0:>5} | held-out loss {initial_loss:.3f} acc {initial_acc:6.1%} "
        f"(chance: {1 / args.symbols:.1%})"
    )
    window_loss, window_norm = [], []
    reached_at: Optional[tuple[int, float]] = None
    step = 0
    for step in range(1, args.steps + 1):
        if args.lr_halve_every and step % args.lr_halve_every == 0:
            for group in optimizer.param_groups:  # what torch's optim.lr_scheduler.StepLR does
                group["lr"] /= 2
        _, x, y = make_batch(args.batch_size, args.seq_len, args.symbols, args.delay)
        loss, _ = echo_loss(model(x), y, args.delay)

        optimizer.zero_grad()
        loss.backward()  # BPTT: back through the head, then every time step of the RNN
        norm = nn.utils.clip_grad_norm_(model.parameters(), args.clip or math.inf)
        optimizer.step()

        window_loss.append(loss.item())
        window_norm.append(norm.item())
        if step % args.log_every == 0 or step == args.steps:
            test_loss, test_acc = evaluate(model, x_test, y_test, args.delay)
            history["step"].append(step)
            history["train_loss"].append(float(np.mean(window_loss)))
            history["test_loss"].append(test_loss)
            history["test_acc"].append(test_acc)
            history["grad_norm"].append(float(np.mean(window_norm)))
            print(
                f"step {step:>5} | train loss {np.mean(window_loss):.3f} | held-out loss "
                f"{test_loss:.3f} acc {test_acc:6.1%} | grad-norm {np.mean(window_norm):6.3f}"
                f" | {clock():5.1f} s"
            )
            window_loss, window_norm = [], []
            if test_acc >= args.target_accuracy:
                reached_at = (step, clock())
                print(
                    f"reached {args.target_accuracy:.0%} held-out accuracy after {step} steps "
                    f"in {clock():.1f} s"
                )
                break
    return {
        "history": history,
        "initial_loss": initial_loss,
        "reached_at": reached_at,
        "steps": step,
        "seconds": clock(),
    }


def failure_message(args: argparse.Namespace, steps: int, accuracy: float) -> str:
    """What went wrong when the target was not reached, and what to try."""
    lines = [
        f"target {args.target_accuracy:.0%} not reached in {steps} steps "
        f"(held-out accuracy {accuracy:.1%}, chance {1 / args.symbols:.0%})."
    ]
    if args.cell == "rnn":
        lines += [
            f"The answer at step t was read at step t - {args.delay}: its gradient must travel back "
            f"{args.delay} steps, and in nn.RNN each step multiplies it by W_hh and tanh' -- it "
            "fades (vanishing gradients; examples/gradient_flow.py draws it).",
            "Try a gated cell, whose additive state keeps the gradient alive: --cell lstm or "
            "--cell gru (docs/lstm_gru.md, examples/long_delay.py); keep gradient clipping on "
            f"(--clip, now {args.clip or 'off'}) so the steps that do get a gradient stay stable; "
            "or a shorter --delay.",
        ]
    else:
        lines.append(
            "Try more --steps, a smaller --lr, or gradient clipping (--clip, now "
            f"{args.clip or 'off'})."
        )
    return "\n".join(lines)


def show_one(model: EchoNet, held_out: tuple[Any, Any, Any], delay: int) -> None:
    """Print one held-out sequence with its targets and the model's answers."""
    seq, x, _ = held_out
    with mt.no_grad():
        guess = model(x[:, :1]).argmax(-1).numpy()[:, 0]
    text = lambda symbols: " ".join(ALPHABET[s] for s in symbols)
    print("  input  ", text(seq.numpy()[:, 0]))
    print("  target ", ". " * delay + text(seq.numpy()[:-delay, 0]))
    print("  output ", ". " * delay + text(guess[delay:]))


# ---- pictures ---------------------------------------------------------------------------------
def plot_curves(history: dict, args: argparse.Namespace, folder: Path) -> Optional[Path]:
    plt = pyplot()
    if plt is None:
        return None
    fig, (ax_loss, ax_acc, ax_norm) = plt.subplots(1, 3, figsize=(14, 4))
    steps = history["step"]
    ax_loss.plot(
        steps[1:], history["train_loss"][1:], label="training batches (mean since last point)"
    )
    ax_loss.plot(steps, history["test_loss"], label="held-out sequences")
    if args.lr_halve_every:
        for i, step in enumerate(range(args.lr_halve_every, steps[-1] + 1, args.lr_halve_every)):
            ax_loss.axvline(
                step, color="grey", ls=":", label="learning rate halved" if i == 0 else None
            )
    ax_loss.set(
        title="Cross-entropy loss", xlabel="SGD step", ylabel="loss (log scale)", yscale="log"
    )
    ax_loss.legend(loc="upper right")
    ax_acc.plot(
        steps, [100 * a for a in history["test_acc"]], color="C1", label="held-out accuracy"
    )
    ax_acc.axhline(
        100 * args.target_accuracy,
        color="grey",
        ls="--",
        label=f"target {args.target_accuracy:.0%}",
    )
    ax_acc.axhline(100 / args.symbols, color="grey", ls=":", label="chance")
    ax_acc.set(title="Held-out accuracy", xlabel="SGD step", ylabel="accuracy (%)", ylim=(0, 101))
    ax_acc.legend(loc="center right")
    ax_norm.plot(steps[1:], history["grad_norm"][1:], color="C2", label="‖∇‖ before clipping")
    if args.clip:
        ax_norm.axhline(args.clip, color="grey", ls="--", label=f"clipped to {args.clip:g}")
    ax_norm.set(
        title="Gradient norm", xlabel="SGD step", ylabel="‖∂L/∂θ‖ (log scale)", yscale="log"
    )
    ax_norm.legend()
    cell = {"rnn": f"nn.RNN ({args.nonlinearity})", "lstm": "nn.LSTM", "gru": "nn.GRU"}[args.cell]
    fig.suptitle(
        f"{cell} echoes the symbol seen {args.delay} steps ago "
        f"(hidden size {args.hidden_size}, layers {args.layers})"
    )
    fig.tight_layout()
    return save_figure(plt, fig, folder / "learning_curve.png")


def draw_training_step(model: EchoNet, args: argparse.Namespace, folder: Path) -> Optional[Path]:
    """The tape of one training step on a short sequence, drawn by `minitorch_rnn.viz`.

    The sequence has delay + 1 steps, so only its last step has a target: the gradient of
    that one loss flows back through every time step to the first input, the one it echoes.

    `retain_values` / `retain_grads` make the nodes keep what the drawing shows; normal
    training never pays for that. Each time step of the RNN is one box ("t=3"), because
    `nn.RNN` runs each step inside ``mt.autograd.scope(f"t={t}")``.
    """
    _, x, y = make_batch(2, args.delay + 1, args.symbols, args.delay)
    with mt.autograd.retain_values():
        loss, _ = echo_loss(model(x), y, args.delay)
    model.zero_grad()
    with mt.autograd.retain_grads():
        loss.backward()
    dot = viz.make_dot(loss, params=dict(model.named_parameters()), show_grads=True, max_steps=None)
    model.zero_grad()
    try:
        path = Path(viz.render(dot, folder / "training_step_graph.svg"))
    except viz.GraphvizNotFound as err:
        print(f"graph not drawn: {err}")
        return None
    print(f"saved {path}")
    return path


def main(argv: Optional[list[str]] = None) -> dict:
    args = parse_args(argv)
    mt.manual_seed(args.seed)
    folder = output_folder(args.out)
    # Held-out sequences are drawn once, before training; every training batch is new. With
    # 8 symbols there are 8^20 possible sequences, so the model cannot have seen these ones.
    held_out = make_batch(args.held_out, args.seq_len, args.symbols, args.delay)
    model = EchoNet(args.symbols, args.hidden_size, args.layers, args.nonlinearity, args.cell)
    n_params = sum(p.numel() for p in model.parameters())
    print(
        f"task : echo the symbol seen {args.delay} steps ago ({args.symbols} symbols, "
        f"sequences of {args.seq_len}, batches of {args.batch_size})"
    )
    print(
        f"model: {model.rnn} + {model.head}, {n_params:,} parameters; SGD lr={args.lr} "
        f"momentum={args.momentum}, clip={args.clip or 'off'}"
    )

    result = train(args, model, held_out)
    final_loss, accuracy = evaluate(model, held_out[1], held_out[2], args.delay)
    if result["reached_at"] is None:
        print(failure_message(args, result["steps"], accuracy))
    print("one held-out sequence:")
    show_one(model, held_out, args.delay)
    files = [plot_curves(result["history"], args, folder), draw_training_step(model, args, folder)]
    print(f"final: loss={final_loss:.4f} accuracy={accuracy:.4f}")
    return {
        "initial_loss": result["initial_loss"],
        "final_loss": final_loss,
        "accuracy": accuracy,
        "reached": accuracy >= args.target_accuracy,
        "steps": result["steps"],
        "seconds": result["seconds"],
        "files": [f for f in files if f is not None],
    }


if __name__ == "__main__":
    single_threaded_blas()  # for the script only: importing this file changes nothing
    sys.exit(0 if main()["reached"] else 1)
