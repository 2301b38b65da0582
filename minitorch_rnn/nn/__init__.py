"""Neural-network building blocks on the engine, with torch's names."""

from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["Module", "Parameter", "init"]
