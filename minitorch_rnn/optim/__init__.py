"""Optimizers with torch's names: `Optimizer` (the bookkeeping), one file per update rule
(`SGD`, `Adam`, `AdamW`, `Adagrad`, `RMSprop`, `LBFGS`), and `lr_scheduler`."""

from . import lr_scheduler
from .adagrad import Adagrad, adagrad
from .adam import Adam, adam
from .adamw import AdamW
from .lbfgs import LBFGS
from .optimizer import Optimizer
from .rmsprop import RMSprop, rmsprop
from .sgd import SGD, sgd

__all__ = [
    "LBFGS",
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "Optimizer",
    "RMSprop",
    "adagrad",
    "adam",
    "lr_scheduler",
    "rmsprop",
    "sgd",
]
