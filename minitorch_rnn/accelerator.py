"""`torch.accelerator`: there is none here."""

from __future__ import annotations

from typing import Any


def is_available() -> bool:
    """False: minitorch_rnn runs on the CPU only."""
    return False


def current_accelerator(check_available: bool = False) -> Any:
    """None: no accelerator."""
    return None


def device_count() -> int:
    """0."""
    return 0
