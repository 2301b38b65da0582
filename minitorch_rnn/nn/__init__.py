"""Neural-network building blocks on the engine, with torch's names."""

from . import init
from .module import Module
from .parameter import Parameter
from .rnn import RNN, RNNBase, RNNCell

__all__ = ["Module", "Parameter", "RNN", "RNNBase", "RNNCell", "init"]
