"""Recurrent layers: `RNNCell` (one time step) and `RNN` (layers of cells run over a sequence).

Both compute the Elman recurrence of torch's `nn.RNN` page,

    h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)        (or relu instead of tanh)

out of the engine's primitives (matmul, add, tanh, stack, ...). No backward is written here:
the tape records every time step, and `backward()` walking it back *is* backpropagation
through time. Names, shapes, initialisation, reprs and error messages are torch's, so a
`state_dict` moves between the two libraries in either direction.

PackedSequence (variable-length batches) is not supported: pad the sequences instead.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable
from typing import Any, Optional

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import scope
from ..creation import zeros
from ..dtypes import dtype_name, float32, scalar_type_name, to_dtype
from ..functional import addmm, cat, stack
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

# The nonlinearity of each mode, as an unbound Tensor method: ACTIVATIONS[mode](z) == z.tanh()
ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "RNN_TANH": Tensor.tanh,
    "RNN_RELU": Tensor.relu,
}


def _check_same_dtype(mat1: Tensor, weight: Tensor) -> None:
    """torch refuses to multiply a float64 state with float32 weights (numpy would upcast)."""
    if mat1.dtype != weight.dtype:
        a, b = (scalar_type_name(t.dtype) for t in (mat1, weight))
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {a} and {b}")


def _empty_parameter(shape: tuple[int, ...], dtype: Any) -> Parameter:
    """An uninitialised Parameter (`reset_parameters` fills it), with torch's error for n < 0."""
    if any(n < 0 for n in shape):
        n = next(n for n in shape if n < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: {list(shape)}")
    return Parameter(np.empty(shape, dtype=to_dtype(dtype) or float32))


class RNNBase(Module):
    """What every recurrent layer shares: options, parameters, initialisation, checks, repr.

    For layer ``k`` and each direction it registers, in torch's order (the reverse direction
    adds ``_reverse`` to each name, e.g. ``weight_ih_l0_reverse``)::

        weight_ih_l{k}   (hidden_size, input_size) for k = 0, else (hidden_size, D * hidden_size)
        weight_hh_l{k}   (hidden_size, hidden_size)
        bias_ih_l{k}     (hidden_size,)            only when bias=True
        bias_hh_l{k}     (hidden_size,)            only when bias=True

    all drawn from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)). ``mode`` is ``"RNN_TANH"`` or
    ``"RNN_RELU"`` (torch's LSTM and GRU modes are not part of minitorch_rnn). Use `RNN`.
    """

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        # torch's checks, in torch's order and words
        if (
            not isinstance(dropout, numbers.Number)
            or isinstance(dropout, bool)
            or not 0 <= dropout <= 1
        ):
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of "
                "an element being zeroed"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero "
                "dropout expects num_layers greater than 1, but got "
                f"dropout={dropout} and num_layers={num_layers}",
                stacklevel=3,  # point at the line that built the RNN
            )
        for name, value, expected in (
            ("bias", bias, bool),
            ("batch_first", batch_first, bool),
            ("input_size", input_size, int),
        ):
            if not isinstance(value, expected):
                raise TypeError(
                    f"{name} should be of type {expected.__name__}, got: {_type(value)}"
                )
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: {_type(hidden_size)}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if mode not in ACTIVATIONS:
            raise ValueError(
                f"Unrecognized RNN mode: {mode} (minitorch_rnn has {list(ACTIVATIONS)})"
            )

        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional

        num_directions = 2 if bidirectional else 1
        self._all_weights: list[list[str]] = []  # parameter names per (layer, direction)
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input_size = input_size if layer == 0 else hidden_size * num_directions
                shapes: dict[str, tuple[int, ...]] = {
                    "weight_ih": (hidden_size, layer_input_size),
                    "weight_hh": (hidden_size, hidden_size),
                }
                if bias:  # two biases where one would do: torch keeps both (cuDNN's layout)
                    shapes.update(bias_ih=(hidden_size,), bias_hh=(hidden_size,))
                suffix = "_reverse" if direction == 1 else ""
                names = []
                for kind, shape in shapes.items():
                    names.append(f"{kind}_l{layer}{suffix}")
                    setattr(self, names[-1], _empty_parameter(shape, dtype))
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters of each (layer, direction), e.g. ``[[w_ih, w_hh, b_ih, b_hh], ...]``."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def reset_parameters(self) -> None:
        """Every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as torch."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    # ---- checks, in torch's words ---------------------------------------------------------
    def check_input(self, input: Tensor) -> None:
        weight = self.weight_ih_l0
        if input.dtype != weight.dtype:
            have, want = dtype_name(input.dtype), dtype_name(weight.dtype)
            raise ValueError(
                f"RNN input dtype ({have}) does not match weight dtype ({want}). "
                f"Convert input: input.to({want}), or convert model: model.to({have})"
            )
        if input.dim() != 3:
            raise RuntimeError(f"input must have 3 dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(
                "input.size(-1) must be equal to input_size. "
                f"Expected {self.input_size}, got {input.size(-1)}"
            )

    def get_expected_hidden_size(self, input: Tensor) -> tuple[int, int, int]:
        mini_batch = input.size(0) if self.batch_first else input.size(1)
        num_directions = 2 if self.bidirectional else 1
        return (self.num_layers * num_directions, mini_batch, self.hidden_size)

    def check_hidden_size(self, hx: Tensor, expected_hidden_size: tuple[int, int, int]) -> None:
        if hx.size() != expected_hidden_size:
            raise RuntimeError(
                f"Expected hidden size {expected_hidden_size}, got {list(hx.size())}"
            )

    def check_forward_args(self, input: Tensor, hidden: Tensor) -> None:
        self.check_input(input)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input))
        # torch makes these two checks in C++, after the ones above
        if input.size(1 if self.batch_first else 0) == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
        _check_same_dtype(hidden, self.weight_hh_l0)

    def extra_repr(self) -> str:
        """``10, 20, num_layers=2, dropout=0.5``: only the options that differ from the default."""
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


def _type(value: Any) -> str:
    return type(value).__name__


class RNN(RNNBase):
    r"""A multi-layer Elman RNN with tanh or ReLU, over a whole input sequence.

    For each element of the input sequence, each layer computes

        h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)

    where h_t is the hidden state at time t, x_t the input at time t (for layer k > 0: the
    output h_t of layer k - 1, after dropout) and h_{t-1} the layer's hidden state at time
    t - 1, or the initial hidden state at t = 0. With ``nonlinearity='relu'``, ReLU replaces
    tanh. `_run_direction` below is that equation, one time step at a time; `_run_layers`
    stacks the layers and directions.

    Args:
        input_size: the number of features of each x_t (H_in).
        hidden_size: the number of features of the hidden state h_t (H_out).
        num_layers: how many RNNs to stack, each reading the outputs of the one below.
            Default: 1
        nonlinearity: ``'tanh'`` or ``'relu'`` (also the 4th positional argument, as torch;
            like torch's, the repr does not show it). Default: ``'tanh'``
        bias: if ``False``, the layer has no b_ih and b_hh. Default: ``True``
        batch_first: if ``True``, input and output are (N, L, feature) instead of
            (L, N, feature); h_0 and h_n are not affected. Default: ``False``
        dropout: if non-zero, dropout with this probability on the outputs of every layer
            except the last, in training mode only (inverted dropout, drawn from the
            package generator, so `manual_seed` repeats it). Default: 0
        bidirectional: if ``True``, each layer also runs over the reversed sequence.
            Default: ``False``
        dtype: the parameters' dtype. Default: float32

    Inputs: input, h_0
        * **input**: (L, H_in) unbatched, (L, N, H_in) or, with ``batch_first=True``,
          (N, L, H_in). PackedSequence is not supported: pad your sequences instead.
        * **h_0**: (D * num_layers, H_out) unbatched or (D * num_layers, N, H_out): the
          initial hidden state of each layer and direction. Default: zeros.

        where N = batch size, L = sequence length, D = 2 if bidirectional else 1,
        H_in = input_size and H_out = hidden_size.

    Outputs: output, h_n
        * **output**: (L, D * H_out) unbatched, (L, N, D * H_out) or, with
          ``batch_first=True``, (N, L, D * H_out): h_t of the *last* layer for every t. When
          bidirectional, ``output[..., :H_out]`` is the forward direction and
          ``output[..., H_out:]`` the reverse one.
        * **h_n**: (D * num_layers, H_out) unbatched or (D * num_layers, N, H_out): the final
          hidden state of every layer and direction, ordered layer 0 forward, layer 0
          reverse, layer 1 forward, ...

    Attributes:
        weight_ih_l[k]: (hidden_size, input_size) for k = 0, else
            (hidden_size, num_directions * hidden_size)
        weight_hh_l[k]: (hidden_size, hidden_size)
        bias_ih_l[k], bias_hh_l[k]: (hidden_size,)
        The reverse direction's have the suffix ``_reverse``. All are initialised from
        U(-sqrt(k), sqrt(k)) with k = 1 / hidden_size.

    Each layer and direction runs inside ``autograd.scope("layer 0")`` (or
    ``"layer 0 reverse"``) and each time step inside ``scope("t=3")``, so every node of the
    tape says where it came from, and `viz.make_dot` can group them.

    Examples::

        >>> import minitorch_rnn as torch
        >>> from minitorch_rnn import nn
        >>> rnn = nn.RNN(10, 20, 2)
        >>> rnn
        RNN(10, 20, num_layers=2)
        >>> input = torch.randn(5, 3, 10)
        >>> h0 = torch.randn(2, 3, 20)
        >>> output, hn = rnn(input, h0)
        >>> output.shape, hn.shape
        ((5, 3, 20), (2, 3, 20))
        >>> bool((output[-1] == hn[-1]).numpy().all())  # the last layer's last step
        True
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = None,
    ) -> None:
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(
                f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'."
            )
        super().__init__(
            mode,
            input_size,
            hidden_size,
            num_layers=num_layers,
            bias=bias,
            batch_first=batch_first,
            dropout=dropout,
            bidirectional=bidirectional,
            dtype=dtype,
        )
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Optional[Tensor] = None) -> tuple[Tensor, Tensor]:
        """``output, h_n = rnn(input, h_0)``: shapes in the class docstring."""
        # 1. Bring every layout to input (L, N, H_in) and hx (D * num_layers, N, H_out).
        if input.dim() not in (2, 3):
            raise ValueError(
                f"RNN: Expected input to be 2D or 3D, got {input.dim()}D tensor instead"
            )
        is_batched = input.dim() == 3
        batch_dim = 0 if self.batch_first else 1
        if not is_batched:  # one sequence: make it a batch of one
            input = input.unsqueeze(batch_dim)
            if hx is not None:
                if hx.dim() != 2:
                    raise RuntimeError(
                        "For unbatched 2-D input, hx should also be 2-D but got "
                        f"{hx.dim()}-D tensor"
                    )
                hx = hx.unsqueeze(1)
        elif hx is not None and hx.dim() != 3:
            raise RuntimeError(
                f"For batched 3-D input, hx should also be 3-D but got {hx.dim()}-D tensor"
            )
        if hx is None:
            num_directions = 2 if self.bidirectional else 1
            batch_size = input.size(0) if self.batch_first else input.size(1)
            hx = zeros(
                self.num_layers * num_directions, batch_size, self.hidden_size, dtype=input.dtype
            )
        self.check_forward_args(input, hx)
        if self.batch_first:
            input = input.transpose(0, 1)

        # 2. The recurrence.
        output, h_n = self._run_layers(input, hx)

        # 3. Back to the caller's layout.
        if self.batch_first:
            output = output.transpose(0, 1)
        if not is_batched:
            output, h_n = output.squeeze(batch_dim), h_n.squeeze(1)
        return output, h_n

    def _run_layers(self, x: Tensor, hx: Tensor) -> tuple[Tensor, Tensor]:
        """Every layer over the whole sequence: x (L, N, H_in), hx (D * num_layers, N, H_out)."""
        num_directions = 2 if self.bidirectional else 1
        h0 = hx.unbind(0)  # one initial state per (layer, direction), in h_n's order
        weights = self.all_weights  # [w_ih, w_hh, b_ih, b_hh] per (layer, direction), same order
        h_n = []
        layer_input = x
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(num_directions):
                k = layer * num_directions + direction
                with scope(f"layer {layer}" + (" reverse" if direction == 1 else "")):
                    out, h_last = self._run_direction(
                        layer_input, h0[k], weights[k], reverse=direction == 1
                    )
                outputs.append(out)
                h_n.append(h_last)
            # the forward direction fills [..., :H_out], the reverse one [..., H_out:]
            layer_input = outputs[0] if num_directions == 1 else cat(outputs, dim=2)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, p=self.dropout, training=True)
        return layer_input, stack(h_n)

    def _run_direction(
        self, x: Tensor, h: Tensor, weights: list[Parameter], reverse: bool
    ) -> tuple[Tensor, Tensor]:
        """One layer in one direction: the outputs h_t for every t (L, N, H_out), and the last h."""
        w_ih, w_hh, *biases = weights
        # x_t W_ih^T + b_ih + b_hh does not depend on h: compute it for every t at once, as
        # one Linear over all L * N rows (the two (H_out,) biases added to each other first).
        x_proj = F.linear(x, w_ih, biases[0] + biases[1] if biases else None)  # (L, N, H_out)
        x_proj_t = x_proj.unbind(0)  # L tensors (N, H_out) from one tape node
        w_hh_T = w_hh.T  # transposed once, not at every step
        activation = ACTIVATIONS[self.mode]

        seq_len = len(x_proj_t)
        outputs = []
        for t in reversed(range(seq_len)) if reverse else range(seq_len):
            with scope(f"t={t}"):
                # h_t = tanh(x_t W_ih^T + b_ih + b_hh  +  h_{t-1} W_hh^T); addmm(b, h, W) is
                # b + h @ W as one tape node (torch's cell does the same)
                h = activation(addmm(x_proj_t[t], h, w_hh_T))
            outputs.append(h)
        if reverse:  # output[t] belongs to input position t in both directions
            outputs.reverse()
        del x_proj, x_proj_t  # no node saved the projections: free them before stack copies
        return stack(outputs), h


class RNNCell(Module):
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
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = _empty_parameter((hidden_size, input_size), dtype)
        self.weight_hh = _empty_parameter((hidden_size, hidden_size), dtype)
        if bias:
            self.bias_ih = _empty_parameter((hidden_size,), dtype)
            self.bias_hh = _empty_parameter((hidden_size,), dtype)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.nonlinearity = nonlinearity
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as torch."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def forward(self, input: Tensor, hx: Optional[Tensor] = None) -> Tensor:
        if input.dim() not in (1, 2):
            raise ValueError(f"RNNCell: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(f"RNNCell: Expected hidden to be 1D or 2D, got {hx.dim()}D instead")
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            hx = zeros(input.size(0), self.hidden_size, dtype=input.dtype)
        elif not is_batched:
            hx = hx.unsqueeze(0)
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
        """torch's checks (made in C++ there), in its order and words."""
        if input.size(1) != self.input_size:
            raise RuntimeError(
                f"input has inconsistent input_size: got {input.size(1)} expected {self.input_size}"
            )
        if input.size(0) != hx.size(0):
            raise RuntimeError(
                f"Input batch size {input.size(0)} doesn't match hidden0 batch size {hx.size(0)}"
            )
        if hx.size(1) != self.hidden_size:
            raise RuntimeError(
                f"hidden0 has inconsistent hidden_size: got {hx.size(1)}, "
                f"expected {self.hidden_size}"
            )
        _check_same_dtype(input, self.weight_ih)
        _check_same_dtype(hx, self.weight_hh)

    def extra_repr(self) -> str:
        """``10, 20, bias=False, nonlinearity=relu`` (torch prints the name without quotes)."""
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.nonlinearity != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s
