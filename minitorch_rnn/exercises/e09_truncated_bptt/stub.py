"""Exercise 9 -- a truncated-BPTT training loop: chunks, a carried state, detach, clip, step.

A long stream (a book, a sensor's readings) cannot go through backward in one piece: the tape
would hold every step. Truncated BPTT cuts it into chunks of `chunk_len` steps. The hidden
state's *values* flow from one chunk into the next, so the network still remembers across
the cut; the *gradient* stops at the cut, because after each chunk the state is detached:

    h = zeros (1, N, H)
    for each chunk of the stream (the last one may be shorter):
        scores, h = model(chunk of xs, h)           scores (len, N, V)
        loss = cross-entropy of scores against the chunk of ys
        optimizer.zero_grad(); loss.backward()      backward through this chunk only
        clip(model.parameters(), max_norm); optimizer.step()
        h = h.detach()                              keep the numbers, cut the tape

Forget `detach()` and the second chunk's backward walks into the first chunk's graph, whose
saved values the first backward already freed: PyTorch's famous "Trying to backward through
the graph a second time". (examples/char_rnn.py trains this way; docs/rnn_bptt.md section 5.)

The check runs your loop and its own on the same model, data and optimizer and compares the
losses and the weights; then your loop trains a model to echo a stream it reads in chunks.

Check your work:  python -m minitorch_rnn.exercises check DIR truncated_bptt
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import minitorch_rnn as mt  # noqa: F401  (mt.zeros)
from minitorch_rnn import Tensor, nn
from minitorch_rnn.nn import functional as F  # noqa: F401  (F.cross_entropy)


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
    # Hint: `for start in range(0, T, chunk_len)` and `xs[start : start + chunk_len]` (a slice
    # past the end stops at the end). `F.cross_entropy(scores.flatten(0, 1), y.flatten())`;
    # mt.zeros(1, N, H, dtype=xs.dtype) to start.
    raise NotImplementedError
