"""Every primitive op of minitorch_rnn, one `Function` subclass each."""

from .matmul import Addmm, MatMul
from .pointwise import Add, Clone, Div, Exp, Log, Mul, Neg, Pow, Relu, Sigmoid, Sub, Tanh, ToCopy
from .reduce import Max, MaxDim, Mean, Sum
from .shape import Cat, Index, Permute, Reshape, Squeeze, Stack, Transpose, Unbind, Unsqueeze, View

__all__ = [
    "Add",
    "Addmm",
    "Cat",
    "Clone",
    "Div",
    "Exp",
    "Index",
    "Log",
    "MatMul",
    "Max",
    "MaxDim",
    "Mean",
    "Mul",
    "Neg",
    "Permute",
    "Pow",
    "Relu",
    "Reshape",
    "Sigmoid",
    "Squeeze",
    "Stack",
    "Sub",
    "Sum",
    "Tanh",
    "ToCopy",
    "Transpose",
    "Unbind",
    "Unsqueeze",
    "View",
]
