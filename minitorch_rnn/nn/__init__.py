"""Neural-network building blocks on the engine, with torch's names.

torch's other `nn` names (``nn.Transformer``, ``nn.Conv2d``, ...) are importable placeholders
that raise `minitorch_rnn.UnsupportedError` when used (see `_placeholders.py`).
"""

from .._placeholders import module_getattr
from . import functional, init, utils
from .activation import Dropout, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .container import ModuleDict, ModuleList, Sequential
from .embedding import Embedding
from .flatten import Flatten, Unflatten
from .gru import GRU, GRUCell
from .linear import Identity, Linear
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from .lstm import LSTM, LSTMCell
from .module import Module
from .parameter import Parameter
from .rnn import RNN, RNNBase, RNNCell
from .rnn_cell import RNNCellBase

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "Dropout",
    "Embedding",
    "Flatten",
    "GRU",
    "GRUCell",
    "HuberLoss",
    "Identity",
    "L1Loss",
    "LSTM",
    "LSTMCell",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "Module",
    "ModuleDict",
    "ModuleList",
    "NLLLoss",
    "Parameter",
    "RNN",
    "RNNBase",
    "RNNCell",
    "RNNCellBase",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "SmoothL1Loss",
    "Softmax",
    "Tanh",
    "Unflatten",
    "functional",
    "init",
    "utils",
]

# torch's other nn names: importable placeholders that raise UnsupportedError when used
__getattr__ = module_getattr(__name__, "torch.nn")
