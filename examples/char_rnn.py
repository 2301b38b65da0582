"""A character-level RNN on Shakespeare's sonnets, trained with truncated BPTT.

The model reads the text one character at a time and learns to predict the next one. The text
is far too long to backpropagate through in one go (the tape would hold every step), so it is
cut into chunks of `--chunk` characters. Training walks through the chunks in order and:

* carries the hidden state's *values* from one chunk into the next (the model keeps its
  memory of what came before), but
* cuts the tape between them with ``h = h.detach()``, so each ``backward()`` only goes back
  to the start of its own chunk. That is *truncated* backpropagation through time.

Without the ``detach()``, the second chunk's ``backward()`` walks on into the first chunk's
graph, whose saved tensors the first ``backward()`` already freed, and you get PyTorch's famous
error, "Trying to backward through the graph a second time". ``--no-detach`` shows it.

To train faster, the text is split into `--batch-size` equal parts read side by side: batch
row b always continues its own part, so each row's hidden state carries over correctly.

Every `--sample-every` steps the model writes a few lines of its own, one character at a time,
feeding each sampled character back in. The text is small (5 KB), so the model partly learns
it by heart and the loss is measured on the text it trains on: the point here is the mechanics
of truncated BPTT, not the poetry.

    python examples/char_rnn.py               # about 7 s
    python examples/char_rnn.py --no-detach   # the error, caught and explained
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

# Eight of Shakespeare's sonnets (XVIII, XXIX, XXX, LV, LX, LXXIII, CXVI, CXXX), first printed in
# 1609 and in the public domain everywhere; modern spelling, as in Project Gutenberg's edition.
TEXT = Path(__file__).resolve().parent / "data" / "sonnets.txt"


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Train a character-level nn.RNN on a small text with truncated BPTT.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--text", default=str(TEXT), help="a UTF-8 text file to learn")
    p.add_argument("--hidden-size", type=int, default=128)
    p.add_argument("--chunk", type=int, default=25, help="characters per truncated-BPTT chunk")
    p.add_argument("--batch-size", type=int, default=16, help="parts of the text read side by side")
    p.add_argument("--steps", type=int, default=3000, help="SGD steps (one chunk each)")
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--clip", type=float, default=1.0, help="max gradient norm")
    p.add_argument("--log-every", type=int, default=250)
    p.add_argument("--sample-every", type=int, default=1000, help="steps between samples")
    p.add_argument("--sample-length", type=int, default=200, help="characters per sample")
    p.add_argument("--temperature", type=float, default=0.7, help="lower: safer, duller samples")
    p.add_argument(
        "--no-detach",
        action="store_true",
        help="forget h.detach() between chunks, to see (and read about) the error",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=default_out(__file__), help="folder for the picture")
    return p.parse_args(argv)


class CharRNN(nn.Module):
    """Characters (one-hot) -> nn.RNN -> nn.Linear -> a score for every possible next character."""

    def __init__(self, vocab_size: int, hidden_size: int) -> None:
        super().__init__()
        self.vocab_size = vocab_size
        self.rnn = nn.RNN(vocab_size, hidden_size)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, codes: np.ndarray, h: mt.Tensor) -> tuple[mt.Tensor, mt.Tensor]:
        """codes: (L, N) character indices; h: (1, N, hidden). Returns scores (L, N, V) and h_n."""
        x = mt.from_numpy(np.eye(self.vocab_size, dtype=np.float32)[codes])
        output, h = self.rnn(x, h)
        return self.head(output), h


class Chunks:
    """The text as `batch_size` side-by-side parts, served `length` characters at a time."""

    def __init__(self, codes: np.ndarray, batch_size: int, length: int) -> None:
        part = len(codes) // batch_size
        self.parts = codes[: part * batch_size].reshape(batch_size, part).T  # (part, N)
        self.length = length
        self.position = 0

    def next(self) -> tuple[np.ndarray, np.ndarray, bool]:
        """(inputs (L, N), targets (L, N): the characters one further, new pass through the text?)."""
        start_over = self.position + self.length + 1 > len(self.parts)
        if start_over:
            self.position = 0
        p = self.position
        self.position += self.length
        return self.parts[p : p + self.length], self.parts[p + 1 : p + self.length + 1], start_over


@mt.no_grad()
def sample(model: CharRNN, chars: list[str], start: str, length: int, temperature: float) -> str:
    """Let the model write: feed `start`, then keep feeding back the character it picks."""
    rng = np.random.default_rng(0)  # its own generator, so sampling does not change training
    index = {c: i for i, c in enumerate(chars)}
    h = mt.zeros(1, 1, model.rnn.hidden_size)
    scores, h = model(np.array([[index[c]] for c in start]), h)
    out = []
    for _ in range(length):
        logits = scores[-1, 0].numpy().astype(np.float64) / temperature
        p = np.exp(logits - logits.max())
        code = int(rng.choice(len(chars), p=p / p.sum()))
        out.append(chars[code])
        scores, h = model(np.array([[code]]), h)
    return start + "".join(out)


NO_DETACH_EXPLAINED = """\
What happened: chunk 2 started from chunk 1's last hidden state h, which still carries chunk 1's
graph (its grad_fn). So chunk 2's loss.backward() walked on into chunk 1's graph, whose saved
tensors chunk 1's backward() had already freed, and the engine refused to go on.
The fix is one line between the chunks:  h = h.detach()  -- the same numbers, no history.
retain_graph=True would also silence the error, but every chunk would then backpropagate
through ALL earlier chunks: slower at every step, more memory, and not what you meant."""


def train(args: argparse.Namespace) -> dict:
    text = Path(args.text).read_text(encoding="utf-8")
    chars = sorted(set(text))
    codes = np.array([chars.index(c) for c in text])
    unigram = np.bincount(codes) / len(codes)
    # Two yardsticks for the loss: guessing uniformly, and knowing only how common each letter is
    uniform_loss = math.log(len(chars))
    unigram_loss = float(-(unigram * np.log(unigram)).sum())
    print(
        f"text: {Path(args.text).name}, {len(text):,} characters, {len(chars)} distinct; "
        f"loss of a uniform guess {uniform_loss:.2f}, of letter frequencies {unigram_loss:.2f}"
    )
    model = CharRNN(len(chars), args.hidden_size)
    optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    chunks = Chunks(codes, args.batch_size, args.chunk)
    h = mt.zeros(1, args.batch_size, args.hidden_size)
    clock = Clock()
    history: dict[str, list] = {"step": [], "loss": [], "samples": []}
    window: list[float] = []
    for step in range(1, args.steps + 1):
        inputs, targets, start_over = chunks.next()
        if start_over:  # back at the start of the text: the old memory belongs elsewhere
            h = mt.zeros(1, args.batch_size, args.hidden_size)
        scores, h = model(inputs, h)
        loss = F.cross_entropy(scores.reshape(-1, len(chars)), mt.from_numpy(targets.reshape(-1)))
        optimizer.zero_grad()
        try:
            loss.backward()
        except RuntimeError as err:
            if "backward through the graph a second time" not in str(err):
                raise
            print(f"\nstep {step}: RuntimeError: {err}\n\n{NO_DETACH_EXPLAINED}")
            return {"error": str(err), "failed_at_step": step}
        norm = nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        optimizer.step()
        if not args.no_detach:
            h = h.detach()  # truncated BPTT: keep the values, cut the tape

        window.append(loss.item())
        if step == 1:
            history["initial_loss"] = loss.item()
        if step % args.log_every == 0 or step == args.steps:
            history["step"].append(step)
            history["loss"].append(float(np.mean(window)))
            print(
                f"step {step:>5} | loss {np.mean(window):.3f} | grad-norm {norm.item():5.2f} "
                f"| {clock():5.1f} s"
            )
            window = []
        if step % args.sample_every == 0 or step == args.steps:
            text_out = sample(model, chars, "Shall ", args.sample_length, args.temperature)
            history["samples"].append((step, text_out))
            print(f"--- sample after {step} steps ---\n{text_out}\n---")
    history.update(
        chars=chars, uniform_loss=uniform_loss, unigram_loss=unigram_loss, seconds=clock()
    )
    return history


def plot(history: dict, args: argparse.Namespace, folder: Path) -> Optional[Path]:
    plt = pyplot()
    if plt is None:
        return None
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot(
        [0] + history["step"],
        [history["initial_loss"]] + history["loss"],
        marker="o",
        ms=3,
        label=f"training loss (first step, then mean of each {args.log_every} steps)",
    )
    ax.axhline(history["uniform_loss"], color="grey", ls=":", label="uniform guess: log(V)")
    ax.axhline(history["unigram_loss"], color="grey", ls="--", label="letter frequencies only")
    ax.set(
        title=f"Character-level nn.RNN on {Path(args.text).name}, truncated BPTT "
        f"({args.chunk}-character chunks)",
        xlabel="SGD step (one chunk each)",
        ylabel="cross-entropy per character (nats)",
        ylim=(0, None),
    )
    ax.legend()
    fig.tight_layout()
    return save_figure(plt, fig, folder / "char_rnn_loss.png")


def main(argv: Optional[list[str]] = None) -> dict:
    args = parse_args(argv)
    mt.manual_seed(args.seed)
    folder = output_folder(args.out)
    history = train(args)
    if "error" in history:  # --no-detach: the demonstration ended as it should
        return history
    path = plot(history, args, folder)
    samples = folder / "samples.txt"
    samples.write_text(
        "".join(f"--- after {step} steps ---\n{s}\n\n" for step, s in history["samples"]),
        encoding="utf-8",
    )
    print(f"saved {samples}")
    final = history["loss"][-1]
    print(f"final: loss={final:.4f} (letter frequencies alone: {history['unigram_loss']:.4f})")
    return {
        "initial_loss": history["initial_loss"],
        "final_loss": final,
        "unigram_loss": history["unigram_loss"],
        "sample": history["samples"][-1][1],
        "seconds": history["seconds"],
        "files": [f for f in (path, samples) if f is not None],
    }


if __name__ == "__main__":
    single_threaded_blas()  # for the script only: importing this file changes nothing
    main()
