"""Recurrent layers: `RNNCell` (one time step) and `RNN` (layers of cells run over a sequence).

Both compute the Elman recurrence of torch's `nn.RNN` page,

    h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)        (or relu instead of tanh)

out of the engine's primitives (matmul, add, tanh, stack, ...). No backward is written here:
the tape records every time step, and `backward()` walking it back *is* backpropagation
through time. Names, shapes, initialisation, reprs and error messages are torch's, so a
`state_dict` moves between the two libraries in either direction.

Variable-length batches: pass a `PackedSequence` (see `nn.utils.rnn`).
"""

from __future__ import annotations

from typing import Any

from .._tensor import Tensor
from ..functional import addmm
from .rnn_base import ACTIVATIONS, RNNBase
from .rnn_cell import RNNCell
from .rnn_loop import State, Weights

__all__ = ["RNN", "RNNBase", "RNNCell"]


class RNN(RNNBase):
    r"""A multi-layer Elman RNN with tanh or ReLU, over a whole input sequence.

    For each element of the input sequence, each layer computes

        h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)

    where h_t is the hidden state at time t, x_t the input at time t (for layer k > 0: the
    output h_t of layer k - 1, after dropout) and h_{t-1} the layer's hidden state at time
    t - 1, or the initial hidden state at t = 0. With ``nonlinearity='relu'``, ReLU replaces
    tanh. `_step` below is that equation, one time step; the loop over time steps, layers
    and directions (`rnn_loop.py`) is shared with `LSTM` and `GRU`.

    Args:
        input_size: the number of features of each x_t (H_in).
        hidden_size: the number of features of the hidden state h_t (H_out).
        num_layers: how many RNNs to stack, each reading the outputs of the one below.
            Default: 1
        nonlinearity: ``'tanh'`` or ``'relu'`` (also the 4th positional argument, as torch;
            like torch's, the repr does not show it). Default: ``'tanh'``. Not in torch: your
            own, a `Function` subclass or a function of a Tensor (the exercises plug yours in)
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
          (N, L, H_in), or a `PackedSequence` of variable-length sequences (then output is
          a PackedSequence too, and h_n holds each sequence's state at its own last step).
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
        nonlinearity: Any = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = None,
        proj_size: Any = None,
    ) -> None:
        if proj_size is not None:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if nonlinearity == "tanh" or callable(nonlinearity):  # callable: your own (its mode: tanh)
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

    def _step_weights(self, w: Weights) -> tuple[Any, ...]:
        """W_hh^T (transposed once per layer and direction) and the nonlinearity."""
        activation = ACTIVATIONS[self.mode]
        if callable(self.nonlinearity):  # your own: a Function subclass (its apply) or a function
            activation = getattr(self.nonlinearity, "apply", self.nonlinearity)
        return w.w_hh.T, activation

    def _step(self, x_proj: Tensor, state: State, w_hh_T: Tensor, activation: Any) -> State:
        """One time step: h_t = tanh(x_t W_ih^T + b_ih + b_hh  +  h_{t-1} W_hh^T).

        x_proj holds x_t W_ih^T + b_ih + b_hh, computed for every t before the loop (the
        loop itself is `rnn_loop.py`, shared with LSTM and GRU). addmm(b, h, W) is b + h @ W
        as one tape node (torch's cell does the same).
        """
        (h,) = state
        return (activation(addmm(x_proj, h, w_hh_T)),)
