"""`RNNBase`: what every recurrent layer shares -- options, torch's parameter names and
initialisation, the input checks, the repr, and the loop over layers and directions.

A subclass (`RNN`) supplies `_run_direction`: one layer over the sequence in one direction.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import scope
from ..dtypes import dtype_name, float32, scalar_type_name, to_dtype
from ..functional import cat, stack
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

    def flatten_parameters(self) -> None:
        """Does nothing, as torch's does on a CPU: on a GPU it packs the weights into one
        block of memory for cuDNN. Kept so code that calls it after ``.cuda()`` runs here."""

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


def _type(value: Any) -> str:
    return type(value).__name__
