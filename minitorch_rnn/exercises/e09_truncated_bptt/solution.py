"""Exercise 9, solved: the truncated-BPTT loop (see stub.py for the lesson)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import minitorch_rnn as mt
from minitorch_rnn import Tensor, nn
from minitorch_rnn.nn import functional as F


class StreamModel(nn.Module):
    """nn.RNN and a linear head, reading a stream of one-hot symbols a chunk at a time."""

    def __init__(self, symbols: int, hidden_size: int, dtype: Any = None) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        self.rnn = nn.RNN(symbols, hidden_size, dtype=dtype)
        self.head = nn.Linear(hidden_size, symbols, dtype=dtype)

    def forward(self, x: Tensor, h: Tensor) -> tuple[Tensor, Tensor]:
        """x (L, N, symbols), h (1, N, H) -> scores (L, N, symbols), the last state (1, N, H)."""
        output, h = self.rnn(x, h)
        return self.head(output), h


def train_truncated(
    model: StreamModel,
    xs: Tensor,
    ys: Tensor,
    chunk_len: int,
    optimizer: Any,
    max_norm: float,
    clip: Callable[[Any, float], Any] = nn.utils.clip_grad_norm_,
) -> list[float]:
    """Train on the stream xs (T, N, symbols) with targets ys (T, N), chunk by chunk.

    Clip with ``clip(model.parameters(), max_norm)`` (yours from exercise 8 fits). Returns the
    loss of every chunk (``loss.item()``), in order.
    """
    T, N, V = xs.shape
    h = mt.zeros(1, N, model.hidden_size, dtype=xs.dtype)
    losses = []
    for start in range(0, T, chunk_len):
        scores, h = model(xs[start : start + chunk_len], h)
        loss = F.cross_entropy(scores.flatten(0, 1), ys[start : start + chunk_len].flatten())
        optimizer.zero_grad()
        loss.backward()  # through this chunk only: h came in detached
        clip(model.parameters(), max_norm)
        optimizer.step()
        h = h.detach()  # keep the numbers, cut the tape
        losses.append(loss.item())
    return losses
