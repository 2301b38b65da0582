"""minitorch_rnn: a tiny, readable autograd engine on NumPy with PyTorch's API.

    import minitorch_rnn as torch       # the seed's spelling works
    x = torch.randn(5, 3, 10)

Read it in this order: `_tensor.py` (the Tensor) -> `autograd/function.py` (one op = one
Function) -> `ops/` (the primitives) -> `autograd/plain.py` (the backward pass) -> `nn/`
-> `optim/` -> `viz/`.
"""

from math import e, inf, nan, pi  # torch.pi & co. are plain Python floats too

from . import (  # viz imports graphviz only when drawing
    accelerator,
    autograd,
    backends,
    cuda,
    nn,
    ops,
    optim,
    serialization,
    viz,
)
from ._placeholders import UnsupportedError, module_getattr
from ._tensor import Tensor
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .creation import (
    arange,
    from_numpy,
    full,
    is_floating_point,
    is_tensor,
    manual_seed,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    tensor,
    zeros,
    zeros_like,
)
from .device import device
from .dtypes import bool_ as bool
from .dtypes import (
    double,
    float16,
    float32,
    float64,
    half,
    int8,
    int16,
    int32,
    int64,
    long,
    short,
    uint8,
)
from .dtypes import float_ as float
from .dtypes import int_ as int
from .functional import (
    add,
    addmm,
    argmax,
    cat,
    clone,
    div,
    exp,
    log,
    matmul,
    max,
    mean,
    mul,
    neg,
    permute,
    pow,
    relu,
    reshape,
    sigmoid,
    squeeze,
    stack,
    sub,
    sum,
    tanh,
    transpose,
    unbind,
    unsqueeze,
)
from .legacy import (
    BoolTensor,
    ByteTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
)
from .serialization import load, save

__version__ = "0.1.0"

__all__ = [
    "BoolTensor",
    "ByteTensor",
    "DoubleTensor",
    "FloatTensor",
    "HalfTensor",
    "IntTensor",
    "LongTensor",
    "Tensor",
    "UnsupportedError",
    "accelerator",
    "backends",
    "cuda",
    "e",
    "inf",
    "nan",
    "pi",
    "bool",
    "device",
    "double",
    "float",
    "half",
    "int",
    "int8",
    "int16",
    "short",
    "uint8",
    "add",
    "addmm",
    "arange",
    "argmax",
    "autograd",
    "cat",
    "clone",
    "div",
    "enable_grad",
    "exp",
    "float16",
    "float32",
    "float64",
    "from_numpy",
    "full",
    "int32",
    "int64",
    "is_floating_point",
    "is_grad_enabled",
    "is_tensor",
    "load",
    "log",
    "long",
    "manual_seed",
    "matmul",
    "max",
    "mean",
    "mul",
    "neg",
    "nn",
    "no_grad",
    "ones",
    "ones_like",
    "ops",
    "optim",
    "permute",
    "pow",
    "rand",
    "randint",
    "randn",
    "relu",
    "reshape",
    "save",
    "serialization",
    "set_grad_enabled",
    "sigmoid",
    "squeeze",
    "stack",
    "sub",
    "sum",
    "tanh",
    "tensor",
    "transpose",
    "unbind",
    "unsqueeze",
    "viz",
    "zeros",
    "zeros_like",
]

# torch's other public names: importable placeholders that raise UnsupportedError when used
__getattr__ = module_getattr(__name__, "torch")
