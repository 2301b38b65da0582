"""Neural-network building blocks on the engine, with torch's names."""

from . import functional, init, utils
from .activation import Dropout, ReLU, Sigmoid, Tanh
from .container import Sequential
from .linear import Linear
from .loss import CrossEntropyLoss, MSELoss
from .module import Module
from .parameter import Parameter
from .rnn import RNN, RNNBase, RNNCell

__all__ = [
    "CrossEntropyLoss",
    "Dropout",
    "Linear",
    "MSELoss",
    "Module",
    "Parameter",
    "RNN",
    "RNNBase",
    "RNNCell",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Tanh",
    "functional",
    "init",
    "utils",
]
