"""torch.utils's part that learners use: ``utils.data`` (datasets, samplers, DataLoader)."""

from . import data

__all__ = ["data"]
