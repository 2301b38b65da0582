"""`torch.backends`, as scripts touch it: MPS is not available, cuDNN flags are plain settings."""

from __future__ import annotations

from types import SimpleNamespace

# ``torch.backends.cudnn.deterministic = True`` is a common first line; it changes nothing here
cudnn = SimpleNamespace(
    deterministic=False, benchmark=False, enabled=False, is_available=lambda: False
)
mps = SimpleNamespace(is_available=lambda: False, is_built=lambda: False)

__all__ = ["cudnn", "mps"]
