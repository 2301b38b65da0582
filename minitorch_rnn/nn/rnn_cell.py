"""`RNNCell`: one step of the Elman recurrence, for code that writes its own loop over time,
and `RNNCellBase`, what it shares with `LSTMCell` and `GRUCell`."""

from __future__ import annotations

import math
from typing import Any, Optional

from .._tensor import Tensor
from ..creation import zeros
from . import init
from .module import Module
from .rnn_base import _check_same_dtype, _empty_parameter


class RNNCellBase(Module):
    """What `RNNCell`, `LSTMCell` and `GRUCell` share: torch's parameters, init, checks, repr.

    ``weight_ih`` (G * hidden_size, input_size), ``weight_hh`` (G * hidden_size, hidden_size)
    and, with bias, ``bias_ih`` and ``bias_hh`` (G * hidden_size,), where G = `num_chunks` is
    the number of gates (1 for RNNCell, 4 for LSTMCell, 3 for GRUCell).
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, dtype: Any = None
    ) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = _empty_parameter((num_chunks * hidden_size, input_size), dtype)
        self.weight_hh = _empty_parameter((num_chunks * hidden_size, hidden_size), dtype)
        if bias:
            self.bias_ih = _empty_parameter((num_chunks * hidden_size,), dtype)
            self.bias_hh = _empty_parameter((num_chunks * hidden_size,), dtype)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as torch."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _batch(self, name: str, input: Tensor, hx: Optional[Tensor]) -> tuple[Tensor, Tensor, bool]:
        """torch's prologue of RNNCell and GRUCell (`name`): 1-D or 2-D input and state, an
        unbatched one made a batch of one, a missing state zeros; and whether it was batched."""
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected hidden to be 1D or 2D, got {hx.dim()}D instead")
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            hx = zeros(input.size(0), self.hidden_size, dtype=input.dtype)
        elif not is_batched:
            hx = hx.unsqueeze(0)
        return input, hx, is_batched

    def _check_input(self, input: Tensor) -> None:
        """torch's checks (made in C++ there), in its order and words."""
        if input.size(1) != self.input_size:
            raise RuntimeError(
                f"input has inconsistent input_size: got {input.size(1)} expected {self.input_size}"
            )

    def _check_hidden(self, input: Tensor, hx: Tensor, index: int = 0) -> None:
        """... and for each state tensor (h is hidden0, an LSTM's c hidden1)."""
        if input.size(0) != hx.size(0):
            raise RuntimeError(
                f"Input batch size {input.size(0)} doesn't match hidden{index} batch size "
                f"{hx.size(0)}"
            )
        if hx.size(1) != self.hidden_size:
            raise RuntimeError(
                f"hidden{index} has inconsistent hidden_size: got {hx.size(1)}, "
                f"expected {self.hidden_size}"
            )

    def extra_repr(self) -> str:
        """``10, 20, bias=False, nonlinearity=relu`` (torch prints the name without quotes)."""
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s


class RNNCell(RNNCellBase):
    r"""One step of an Elman RNN: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)``.

    With ``nonlinearity='relu'``, ReLU replaces tanh. Loop over a sequence yourself (see the
    example), or use `RNN`, which does the same for whole sequences and stacks of layers.

    Args:
        input_size: the number of features of the input x (H_in).
        hidden_size: the number of features of the hidden state h (H_out).
        bias: if ``False``, the cell has no b_ih and b_hh. Default: ``True``
        nonlinearity: ``'tanh'`` or ``'relu'``. Default: ``'tanh'``. As in torch, another
            value is only refused when the cell is called.
        dtype: the parameters' dtype. Default: float32

    Inputs: input, hidden
        * **input**: (N, H_in) or unbatched (H_in,).
        * **hidden**: (N, H_out) or unbatched (H_out,): the current hidden state.
          Default: zeros.

    Outputs: h'
        * **h'**: (N, H_out) or unbatched (H_out,): the next hidden state.

    Attributes:
        weight_ih: (hidden_size, input_size)
        weight_hh: (hidden_size, hidden_size)
        bias_ih, bias_hh: (hidden_size,)
        All are initialised from U(-sqrt(k), sqrt(k)) with k = 1 / hidden_size.

    Examples::

        >>> import minitorch_rnn as torch
        >>> from minitorch_rnn import nn
        >>> rnn = nn.RNNCell(10, 20)
        >>> input = torch.randn(6, 3, 10)
        >>> hx = torch.randn(3, 20)
        >>> output = []
        >>> for i in range(6):
        ...     hx = rnn(input[i], hx)
        ...     output.append(hx)
        >>> hx.shape
        (3, 20)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        dtype: Any = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=1, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Optional[Tensor] = None) -> Tensor:
        input, hx, is_batched = self._batch("RNNCell", input, hx)
        activation = {"tanh": Tensor.tanh, "relu": Tensor.relu}.get(self.nonlinearity)
        if activation is None:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        self._check_forward_args(input, hx)

        h = input @ self.weight_ih.T
        if self.bias:
            h = h + self.bias_ih
        h = h + hx @ self.weight_hh.T
        if self.bias:
            h = h + self.bias_hh
        h = activation(h)  # h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)
        return h if is_batched else h.squeeze(0)

    def _check_forward_args(self, input: Tensor, hx: Tensor) -> None:
        self._check_input(input)
        self._check_hidden(input, hx)
        _check_same_dtype(input, self.weight_ih)
        _check_same_dtype(hx, self.weight_hh)
