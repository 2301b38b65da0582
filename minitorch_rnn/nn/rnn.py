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

from typing import Any, Optional

from .._tensor import Tensor
from ..autograd.grad_mode import scope
from ..creation import zeros
from ..functional import addmm, stack
from . import functional as F
from .parameter import Parameter
from .rnn_base import ACTIVATIONS, RNNBase
from .rnn_cell import RNNCell

__all__ = ["RNN", "RNNBase", "RNNCell"]


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
        nonlinearity: Any = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = None,
    ) -> None:
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
        if callable(self.nonlinearity):  # your own: a Function subclass (its apply) or a function
            activation = getattr(self.nonlinearity, "apply", self.nonlinearity)

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
