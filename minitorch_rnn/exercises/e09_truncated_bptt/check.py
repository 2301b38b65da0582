"""Checks for exercise 9: your loop against the check's own, on the same model, data and SGD --
every chunk's loss and every weight afterwards -- then your loop learns to echo a stream."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import minitorch_rnn as mt
from minitorch_rnn import nn, optim
from minitorch_rnn.nn import functional as F

from .._echo import HIDDEN, SYMBOLS, echo_stream, learn_echo_stream
from .._harness import Failure, calling, expect_close

V, H = 4, 5
CASES = [(12, 4, 0.05), (10, 4, 10.0), (7, 3, 0.2), (5, 5, 0.1)]  # (T, chunk_len, max_norm)


class Reference(nn.Module):
    """The stub's StreamModel, as the check's own copy."""

    def __init__(self, symbols: int, hidden_size: int, dtype: Any = None) -> None:
        super().__init__()
        self.rnn = nn.RNN(symbols, hidden_size, dtype=dtype)
        self.head = nn.Linear(hidden_size, symbols, dtype=dtype)

    def forward(self, x: mt.Tensor, h: mt.Tensor) -> tuple[mt.Tensor, mt.Tensor]:
        output, h = self.rnn(x, h)
        return self.head(output), h


def reference_loop(model: Any, xs: Any, ys: Any, chunk_len: int, opt: Any, max_norm: float) -> list:
    T, N, _ = xs.shape
    h = mt.zeros(1, N, H, dtype=xs.dtype)
    losses = []
    for start in range(0, T, chunk_len):
        scores, h = model(xs[start : start + chunk_len], h)
        loss = F.cross_entropy(scores.reshape(-1, V), ys[start : start + chunk_len].reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        opt.step()
        h = h.detach()
        losses.append(loss.item())
    return losses


def run(m: ModuleType) -> str:
    mt.manual_seed(9)
    for steps, chunk_len, max_norm in CASES:
        xs, ys = echo_stream(steps, 3, 2, mt.float64)  # (V = SYMBOLS = 4)
        ours = Reference(V, H, dtype=mt.float64)
        with calling("StreamModel(4, 5, dtype=mt.float64)"):
            yours = m.StreamModel(V, H, dtype=mt.float64)
        yours.load_state_dict(ours.state_dict())
        expected = reference_loop(
            ours, xs, ys, chunk_len, optim.SGD(ours.parameters(), lr=0.5, momentum=0.9), max_norm
        )
        what = f"for T={steps} in chunks of {chunk_len}, max_norm={max_norm}"
        opt = optim.SGD(yours.parameters(), lr=0.5, momentum=0.9)
        clipped: list[float] = []

        def clip(params: Any, limit: float, clipped: list[float] = clipped) -> Any:
            clipped.append(limit)
            return nn.utils.clip_grad_norm_(params, limit)

        with calling(f"train_truncated {what}"):
            try:
                got = list(m.train_truncated(yours, xs, ys, chunk_len, opt, max_norm, clip=clip))
            except RuntimeError as err:
                if "second time" in str(err):
                    raise Failure(
                        f"train_truncated {what}: the backward of a chunk reached into the "
                        "chunk before (its graph was already freed) -- detach h between chunks"
                    ) from None
                raise
        sizes = [min(chunk_len, steps - s) for s in range(0, steps, chunk_len)]
        if len(got) != len(expected):
            raise Failure(
                f"train_truncated {what} returned {len(got)} losses; there are {len(sizes)} "
                f"chunks ({' + '.join(map(str, sizes))} steps)"
            )
        if clipped != [max_norm] * len(sizes):
            raise Failure(
                f"train_truncated {what} called the `clip` it was given {len(clipped)} times "
                f"(max_norm {sorted(set(clipped))}); once per chunk, with max_norm={max_norm}"
            )
        for k, (a, b) in enumerate(zip(got, expected)):
            expect_close(
                f"the loss of chunk {k} (steps {k * chunk_len}-{k * chunk_len + sizes[k] - 1})",
                a,
                b,
                at=what,
                source="the check's loop gives",
                rtol=1e-9,
            )
        for (name, p), q in zip(yours.named_parameters(), ours.parameters()):
            expect_close(
                f"{name} after your loop",
                p,
                q,
                at=what,
                source="after the check's loop it is",
                rtol=1e-9,
            )
    mt.manual_seed(0)
    accuracy = learn_echo_stream(m.train_truncated, m.StreamModel(SYMBOLS, HIDDEN))
    if accuracy < 0.99:
        raise Failure(
            f"trained by your loop, the model echoes a new stream only {accuracy:.1%} right"
        )
    return f"your loop trains nn.RNN to {accuracy:.1%} held-out accuracy on an echo stream"
