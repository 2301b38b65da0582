"""The same starting numbers in both libraries, whatever their random streams.

Each parameter, in ``named_parameters()`` order, is filled from one NumPy generator seeded by
the program (U(-0.3, 0.3)), so torch and minitorch_rnn start from the same weights and their
losses can be compared step by step.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def same_start(lib: Any, model: Any, seed: int = 0) -> Any:
    rng = np.random.default_rng(seed)
    with lib.no_grad():
        for _, p in model.named_parameters():
            values = rng.uniform(-0.3, 0.3, size=tuple(p.shape))
            p.copy_(lib.tensor(values, dtype=p.dtype))
    return model


def data(lib: Any, shape: tuple[int, ...], seed: int, scale: float = 1.0) -> Any:
    """Float32 standard normal data of `shape`: the same numbers in either library."""
    values = np.random.default_rng(seed).standard_normal(shape).astype(np.float32) * scale
    return lib.tensor(values)


def ints(lib: Any, high: int, shape: tuple[int, ...], seed: int) -> Any:
    """int64 class labels / token ids in [0, high)."""
    return lib.tensor(np.random.default_rng(seed).integers(0, high, size=shape))
