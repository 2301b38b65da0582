"""`torch.cuda`, as scripts ask it: there is no GPU here, so the answer is always no.

``device = "cuda" if torch.cuda.is_available() else "cpu"`` picks the CPU; seeding calls are
accepted and do nothing (as torch's do on a machine without CUDA).
"""

from __future__ import annotations

from typing import Any

from .device import NO_GPU


def is_available() -> bool:
    """False: minitorch_rnn computes with NumPy on the CPU."""
    return False


def device_count() -> int:
    """0."""
    return 0


def manual_seed(seed: int) -> None:
    """Accepted and ignored, as torch does without CUDA."""


def manual_seed_all(seed: int) -> None:
    """Accepted and ignored, as torch does without CUDA."""


def synchronize(device: Any = None) -> None:
    """Nothing to wait for on the CPU."""


def current_device() -> int:
    """The error: there is no CUDA device."""
    raise RuntimeError(NO_GPU.format(what="'cuda'"))


def empty_cache() -> None:
    """Nothing to free."""
