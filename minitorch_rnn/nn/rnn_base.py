"""`RNNBase`: what every recurrent layer shares -- options, torch's parameter names and
initialisation, the input checks, the repr, `forward`'s layouts (batch_first, unbatched,
packed) and the loop over layers, directions and time steps.

A subclass (`RNN`, `LSTM`, `GRU`) supplies the equation of one time step, `_step`, on its
state: ``(h,)`` for RNN and GRU, ``(h, c)`` for LSTM. The loop below is written once for all.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable
from typing import Any, Optional, Union

import numpy as np

from .._tensor import Tensor
from ..creation import zeros
from ..dtypes import dtype_name, float32, scalar_type_name, to_dtype
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter
from .rnn_loop import State, Weights, run_layers
from .utils.rnn import PackedSequence

# The nonlinearity of each mode, as an unbound Tensor method: ACTIVATIONS[mode](z) == z.tanh()
ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "RNN_TANH": Tensor.tanh,
    "RNN_RELU": Tensor.relu,
}
# How many blocks of hidden_size rows W_ih and W_hh have: one per gate (LSTM: i, f, g, o)
GATES: dict[str, int] = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


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

        weight_ih_l{k}   (G * hidden_size, input_size) for k = 0, else (G * hidden_size, D * H_out)
        weight_hh_l{k}   (G * hidden_size, H_out)
        bias_ih_l{k}     (G * hidden_size,)            only when bias=True
        bias_hh_l{k}     (G * hidden_size,)            only when bias=True
        weight_hr_l{k}   (proj_size, hidden_size)      only when proj_size > 0 (LSTM)

    all drawn from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)). G is the number of gates
    (1 for ``"RNN_TANH"`` and ``"RNN_RELU"``, 4 for ``"LSTM"``, 3 for ``"GRU"``), stacked in
    torch's order; H_out is proj_size if it is > 0, else hidden_size. Use `RNN`, `LSTM`, `GRU`.
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
        proj_size: int = 0,
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
        if proj_size < 0:
            raise ValueError(
                "proj_size should be a positive integer or zero to disable projections"
            )
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode} (minitorch_rnn has {list(GATES)})")

        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size

        num_directions = 2 if bidirectional else 1
        gate_size = GATES[mode] * hidden_size
        real_hidden_size = proj_size if proj_size > 0 else hidden_size  # H_out: what h holds
        self._all_weights: list[list[str]] = []  # parameter names per (layer, direction)
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input_size = input_size if layer == 0 else real_hidden_size * num_directions
                shapes: dict[str, tuple[int, ...]] = {
                    "weight_ih": (gate_size, layer_input_size),
                    "weight_hh": (gate_size, real_hidden_size),
                }
                if bias:  # two biases where one would do: torch keeps both (cuDNN's layout)
                    shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
                if proj_size > 0:
                    shapes["weight_hr"] = (proj_size, hidden_size)
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

    def _weights(self, k: int) -> Weights:
        """The parameters of (layer, direction) number k, by kind."""
        p = {name.split("_l")[0]: getattr(self, name) for name in self._all_weights[k]}
        return Weights(
            p["weight_ih"], p["weight_hh"], p.get("bias_ih"), p.get("bias_hh"), p.get("weight_hr")
        )

    def reset_parameters(self) -> None:
        """Every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as torch."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """Does nothing, as torch's does on a CPU: on a GPU it packs the weights into one
        block of memory for cuDNN. Kept so code that calls it after ``.cuda()`` runs here."""

    # ---- checks, in torch's words ---------------------------------------------------------
    def check_input(self, input: Tensor, batch_sizes: Optional[Tensor] = None) -> None:
        weight = self.weight_ih_l0
        if input.dtype != weight.dtype:
            have, want = dtype_name(input.dtype), dtype_name(weight.dtype)
            raise ValueError(
                f"RNN input dtype ({have}) does not match weight dtype ({want}). "
                f"Convert input: input.to({want}), or convert model: model.to({have})"
            )
        expected_input_dim = 2 if batch_sizes is not None else 3
        if input.dim() != expected_input_dim:
            raise RuntimeError(
                f"input must have {expected_input_dim} dimensions, got {input.dim()}"
            )
        if self.input_size != input.size(-1):
            raise RuntimeError(
                "input.size(-1) must be equal to input_size. "
                f"Expected {self.input_size}, got {input.size(-1)}"
            )

    def get_expected_hidden_size(
        self, input: Tensor, batch_sizes: Optional[Tensor] = None
    ) -> tuple[int, int, int]:
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0].item())
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        num_directions = 2 if self.bidirectional else 1
        real_hidden_size = self.proj_size if self.proj_size > 0 else self.hidden_size
        return (self.num_layers * num_directions, mini_batch, real_hidden_size)

    def check_hidden_size(
        self,
        hx: Tensor,
        expected_hidden_size: tuple[int, int, int],
        msg: str = "Expected hidden size {}, got {}",
    ) -> None:
        if hx.size() != expected_hidden_size:
            raise RuntimeError(msg.format(expected_hidden_size, list(hx.size())))

    def check_forward_args(
        self, input: Tensor, hidden: Any, batch_sizes: Optional[Tensor] = None
    ) -> None:
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))
        self._check_like_torchs_kernel(input, hidden, batch_sizes)

    def _check_like_torchs_kernel(
        self, input: Tensor, h: Tensor, batch_sizes: Optional[Tensor]
    ) -> None:
        """Two checks torch makes in C++, after the ones above."""
        if batch_sizes is None and input.size(1 if self.batch_first else 0) == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
        _check_same_dtype(h, self.weight_hh_l0)

    def extra_repr(self) -> str:
        """``10, 20, num_layers=2, dropout=0.5``: only the options that differ from the default."""
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
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

    # ---- forward: every layout to (L, N, H_in), the loop, and back ---------------------------
    _has_cell_state = False  # True for the LSTM: its state is the pair (h, c)

    def forward(self, input: Any, hx: Any = None) -> tuple[Any, Any]:
        """``output, h_n = rnn(input, h_0)``, or ``output, (h_n, c_n) = lstm(input, (h_0, c_0))``.

        `input` is (L, N, H_in), (N, L, H_in) with batch_first, (L, H_in) unbatched, or a
        `PackedSequence` -- then `output` is a PackedSequence too. Shapes: the class docstring.
        """
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        # 1. Bring every layout to input (L, N, H_in) and the state (D * num_layers, N, H_out).
        if input.dim() not in (2, 3):
            tensor_word = " tensor" if self.mode in ACTIVATIONS else ""  # torch's RNN says it
            raise ValueError(
                f"{self.mode.split('_')[0]}: Expected input to be 2D or 3D, "
                f"got {input.dim()}D{tensor_word} instead"
            )
        is_batched = input.dim() == 3
        batch_dim = 0 if self.batch_first else 1
        if not is_batched:  # one sequence: make it a batch of one
            input = input.unsqueeze(batch_dim)
        if hx is None:
            hx = self._zero_state(input.size(batch_dim), input.dtype)
        else:
            self._check_state_dims(hx, is_batched)
            if not is_batched:
                hx = self._as_hx(tuple(s.unsqueeze(1) for s in self._as_state(hx)))
        self.check_forward_args(input, hx)
        if self.batch_first:
            input = input.transpose(0, 1)

        # 2. The recurrence.
        output, state = self._run_layers(input, self._as_state(hx))

        # 3. Back to the caller's layout.
        if self.batch_first:
            output = output.transpose(0, 1)
        if not is_batched:
            output, state = output.squeeze(batch_dim), tuple(s.squeeze(1) for s in state)
        return output, self._as_hx(state)

    def _forward_packed(self, input: PackedSequence, hx: Any) -> tuple[PackedSequence, Any]:
        """A packed batch: the same loop, each step on the sequences that are still running."""
        data, batch_sizes, sorted_indices, unsorted_indices = input
        if hx is None:
            hx = self._zero_state(int(batch_sizes[0].item()), data.dtype)
        else:  # the caller's h0 follows the caller's order: bring it to the sorted one
            hx = self.permute_hidden(hx, sorted_indices)
        self.check_forward_args(data, hx, batch_sizes)
        output, state = self._run_layers(data, self._as_state(hx), batch_sizes.tolist())
        packed = PackedSequence(output, batch_sizes, sorted_indices, unsorted_indices)
        return packed, self.permute_hidden(self._as_hx(state), unsorted_indices)

    def permute_hidden(self, hx: Any, permutation: Optional[Tensor]) -> Any:
        """Reorder the batch axis (dim 1) of every state tensor: ``hx[:, permutation]``."""
        if permutation is None:
            return hx
        order = permutation.numpy()
        return self._as_hx(tuple(s[:, order] for s in self._as_state(hx)))

    def _as_state(self, hx: Any) -> State:
        """The state as a tuple: ``(h,)``, or ``(h, c)`` for the LSTM."""
        return tuple(hx) if self._has_cell_state else (hx,)

    def _as_hx(self, state: State) -> Union[Tensor, State]:
        """The state as torch returns it: ``h``, or ``(h, c)`` for the LSTM."""
        return tuple(state) if self._has_cell_state else state[0]

    def _zero_state(self, batch_size: int, dtype: Any) -> Any:
        """h_0 = 0 (and c_0 = 0): the state when the caller gives none."""
        num_states = self.num_layers * (2 if self.bidirectional else 1)
        sizes = [self.proj_size if self.proj_size > 0 else self.hidden_size]
        if self._has_cell_state:
            sizes.append(self.hidden_size)  # c is never projected
        return self._as_hx(tuple(zeros(num_states, batch_size, n, dtype=dtype) for n in sizes))

    def _check_state_dims(self, hx: Any, is_batched: bool) -> None:
        want = 3 if is_batched else 2
        state = self._as_state(hx)
        if any(s.dim() != want for s in state):
            what = "batched 3-D" if is_batched else "unbatched 2-D"
            if self._has_cell_state:
                names, got = "hx and cx", f"({', '.join(f'{s.dim()}-D' for s in state)}) tensors"
            else:
                names, got = "hx", f"{state[0].dim()}-D tensor"
            raise RuntimeError(f"For {what} input, {names} should also be {want}-D but got {got}")

    def _run_layers(
        self, x: Tensor, hx: State, batch_sizes: Optional[list[int]] = None
    ) -> tuple[Tensor, State]:
        """The recurrence over every layer, direction and time step: see `rnn_loop.py`."""
        return run_layers(self, x, hx, batch_sizes)

    # ---- what a subclass supplies ------------------------------------------------------------
    def _project_input(self, x: Tensor, w: Weights) -> Tensor:
        """x_t W_ih^T + b_ih + b_hh for every t (the two bias vectors added to each other first)."""
        return F.linear(x, w.w_ih, w.b_ih + w.b_hh if w.b_ih is not None else None)

    def _step_weights(self, w: Weights) -> tuple[Any, ...]:
        """What `_step` needs besides x and the state, prepared once per layer and direction."""
        return (w.w_hh.T,)

    def _step(self, x_proj: Tensor, state: State, *step_weights: Any) -> State:
        """One time step: the next state from this step's projected input and the last state."""
        raise NotImplementedError


def _type(value: Any) -> str:
    return type(value).__name__
