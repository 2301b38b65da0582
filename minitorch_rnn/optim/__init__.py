"""Optimizers with torch's names: `Optimizer` (the bookkeeping) and `SGD` (the update rule)."""

from .optimizer import Optimizer
from .sgd import SGD, sgd

__all__ = ["SGD", "Optimizer", "sgd"]
