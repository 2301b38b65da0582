"""The toy task a learner's pieces are plugged into: echo the symbol seen `delay` steps ago.

The same task as examples/train_toy_sequence.py, made small enough to train in about a second:
4 symbols, a delay of 3, sequences of 10, `nn.RNN(4, 16)` and a linear head, cross-entropy,
SGD with momentum and gradient clipping. Each piece can be swapped for the learner's own.
`train_echo` trains on batches of short sequences; `learn_echo_stream` on long streams read
a chunk at a time (truncated BPTT), with the learner's loop.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import minitorch_rnn as mt
from minitorch_rnn import nn, optim
from minitorch_rnn.nn import functional as F

SYMBOLS, DELAY, SEQ_LEN, HIDDEN, BATCH = 4, 3, 10, 16, 32


@dataclass
class Trained:
    accuracy: float  # on held-out sequences, at the steps that have a target
    steps: int  # SGD steps taken (training stops at the target accuracy)

    def __str__(self) -> str:
        return f"{self.accuracy:.1%} held-out accuracy after {self.steps} steps"


def batch(n: int) -> tuple[mt.Tensor, mt.Tensor]:
    """`n` random sequences: one-hot inputs (L, n, SYMBOLS) and targets (L - DELAY, n)."""
    seq = mt.randint(0, SYMBOLS, (SEQ_LEN, n))
    x = mt.from_numpy(np.eye(SYMBOLS, dtype=np.float32)[seq.numpy()])
    return x, seq[: SEQ_LEN - DELAY]


class EchoNet(nn.Module):
    def __init__(self, nonlinearity: Any = "tanh") -> None:
        super().__init__()
        self.rnn = nn.RNN(SYMBOLS, HIDDEN, nonlinearity=nonlinearity)
        self.head = nn.Linear(HIDDEN, SYMBOLS)

    def forward(self, x: mt.Tensor) -> mt.Tensor:
        return self.head(self.rnn(x)[0])[DELAY:]  # scores at the steps that have a target


def train_echo(
    nonlinearity: Any = "tanh",
    make_optimizer: Callable[[list[Any]], Any] = lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
    clip: Callable[[list[Any], float], Any] = nn.utils.clip_grad_norm_,
    target: float = 0.99,
    max_steps: int = 800,
    seed: int = 0,
) -> Trained:
    """Train until `target` held-out accuracy (checked every 25 steps) or `max_steps`."""
    mt.manual_seed(seed)
    x_test, y_test = batch(256)
    model = EchoNet(nonlinearity)
    params = list(model.parameters())
    optimizer = make_optimizer(params)
    accuracy, step = 0.0, 0
    for step in range(1, max_steps + 1):
        x, y = batch(BATCH)
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, SYMBOLS), y.reshape(-1))
        if not math.isfinite(loss.item()):
            break
        optimizer.zero_grad()
        loss.backward()
        clip(params, 1.0)
        optimizer.step()
        if step % 25 == 0:
            with mt.no_grad():
                accuracy = float((model(x_test).argmax(-1) == y_test).numpy().mean())
            if accuracy >= target:
                break
    return Trained(accuracy, step)


# ---- the same task on long streams, read in chunks (truncated BPTT) ---------------------------
def echo_stream(steps: int, n: int, delay: int, dtype: Any) -> tuple[mt.Tensor, mt.Tensor]:
    """n streams of symbols, one-hot (steps, n, V); the target at t is the symbol at t - delay."""
    seq = mt.randint(0, SYMBOLS, (steps + delay, n)).numpy()
    xs = mt.tensor(np.eye(SYMBOLS)[seq[delay:]], dtype=dtype)
    return xs, mt.tensor(seq[:steps])


def learn_echo_stream(
    train_truncated: Callable[..., Any],
    model: nn.Module,
    make_optimizer: Callable[[Any], Any] = lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
    clip: Callable[[Any, float], Any] = nn.utils.clip_grad_norm_,
    chunk_len: int = 10,
) -> float:
    """Train `model` (``model(x, h) -> (scores, h)``) with `train_truncated` on 32 streams of
    2,000 steps; return its accuracy on 64 new streams, read the same way."""
    xs, ys = echo_stream(2000, BATCH, DELAY, mt.float32)
    train_truncated(model, xs, ys, chunk_len, make_optimizer(model.parameters()), 1.0, clip=clip)
    xs, ys = echo_stream(300, 64, DELAY, mt.float32)
    h = mt.zeros(1, 64, HIDDEN)
    right = []
    with mt.no_grad():
        for start in range(0, 300, chunk_len):
            scores, h = model(xs[start : start + chunk_len], h)
            right.append((scores.argmax(-1) == ys[start : start + chunk_len]).numpy())
    return float(np.concatenate(right)[DELAY:].mean())
