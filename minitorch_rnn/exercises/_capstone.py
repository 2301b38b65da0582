"""The top of the ladder: the learner's own pieces, all together, train a recurrent network.

Run by ``check`` once every exercise has passed: nn.RNN with *your* Tanh (exercise 4), trained
by *your* truncated-BPTT loop (9) with *your* SGD (7) and *your* clipping (8), learns to echo a
stream it reads in chunks.
"""

from __future__ import annotations

from pathlib import Path

import minitorch_rnn as mt
from minitorch_rnn import nn

from ._echo import HIDDEN, SYMBOLS, learn_echo_stream
from ._harness import load


def all_together(folder: Path) -> float:
    """Held-out accuracy of the model your four pieces train (your files in `folder`)."""
    functions = load(folder / "04_functions.py")
    sgd = load(folder / "07_sgd.py")
    clip = load(folder / "08_clip.py")
    loop = load(folder / "09_truncated_bptt.py")
    mt.manual_seed(0)
    model = loop.StreamModel(SYMBOLS, HIDDEN)
    model.rnn = nn.RNN(SYMBOLS, HIDDEN, nonlinearity=functions.Tanh)  # your Tanh inside
    return learn_echo_stream(
        loop.train_truncated,
        model,
        make_optimizer=lambda ps: sgd.SGD(ps, lr=0.1, momentum=0.9),
        clip=clip.clip_grad_norm_,
    )
