r"""The GRU: `gru_cell` (the equations of one time step), `GRUCell` (that step as a module)
and `GRU` (layers of it over whole sequences, run by the loop in `rnn_loop.py`).

One step, as on torch's `nn.GRU` page (sigma is the sigmoid, * the elementwise product)::

    r_t = sigma(x_t W_ir^T + b_ir + h_{t-1} W_hr^T + b_hr)         reset gate
    z_t = sigma(x_t W_iz^T + b_iz + h_{t-1} W_hz^T + b_hz)         update gate
    n_t = tanh (x_t W_in^T + b_in + r_t * (h_{t-1} W_hn^T + b_hn))  new gate (the candidate)
    h_t = (1 - z_t) * n_t + z_t * h_{t-1}

torch stores W_ir, W_iz, W_in side by side as one ``weight_ih`` (3 * hidden_size, input_size)
in the order r, z, n (likewise ``weight_hh`` and the biases). Unlike the LSTM, b_hn sits
inside ``r_t * (...)``, so b_ih and b_hh cannot be added to each other beforehand.

The gradient's shortcut: h_t = z_t * h_{t-1} + ..., so going back one step the gradient of
h_{t-1} gets the gradient of h_t times z_t directly, without W_hh or a tanh' in the way.
"""

from __future__ import annotations

from typing import Any, Optional

from .._tensor import Tensor
from ..autograd.grad_mode import scope
from ..functional import addmm
from . import functional as F
from .rnn_base import RNNBase, _check_same_dtype
from .rnn_cell import RNNCellBase
from .rnn_loop import State, Weights

__all__ = ["GRU", "GRUCell", "gru_cell"]


def gru_cell(x_proj: Tensor, h: Tensor, w_hh_T: Tensor, b_hh: Optional[Tensor] = None) -> Tensor:
    """One GRU step: h_t from x_proj = x_t W_ih^T + b_ih (N, 3H) and h = h_{t-1} (N, H).

    Each gate runs in a scope named after it, so `viz.make_dot` draws it as a labelled box.
    """
    H = h.shape[-1]
    # h's part of the three gates, side by side (N, 3H): r | z | n
    h_proj = h @ w_hh_T if b_hh is None else addmm(b_hh, h, w_hh_T)  # h_{t-1} W_hh^T + b_hh
    with scope("r: reset gate"):
        r = (x_proj[:, 0:H] + h_proj[:, 0:H]).sigmoid()
    with scope("z: update gate"):
        z = (x_proj[:, H : 2 * H] + h_proj[:, H : 2 * H]).sigmoid()
    with scope("n: new gate"):
        n = (x_proj[:, 2 * H : 3 * H] + r * h_proj[:, 2 * H : 3 * H]).tanh()
    return (1 - z) * n + z * h  # h_t = (1 - z_t) * n_t + z_t * h_{t-1}


class GRU(RNNBase):
    r"""A multi-layer gated recurrent unit (GRU) RNN, over a whole input sequence.

    Each layer computes, for every element of the input sequence, the step `gru_cell` (the
    equations at the top of this file). For layer k > 0, x_t is the output h_t of layer
    k - 1, after dropout in training mode.

    Args:
        input_size: the number of features of each x_t (H_in).
        hidden_size: the number of features of h_t (H_out).
        num_layers: how many GRUs to stack. Default: 1
        bias: if ``False``, no b_ih and b_hh. Default: ``True``
        batch_first: if ``True``, input and output are (N, L, feature) instead of
            (L, N, feature); h_0 and h_n are not affected. Default: ``False``
        dropout: dropout probability on the outputs of every layer but the last, in
            training mode. Default: 0
        bidirectional: if ``True``, each layer also runs over the reversed sequence.
            Default: ``False``
        dtype: the parameters' dtype. Default: float32

    Inputs: input, h_0
        * **input**: (L, H_in) unbatched, (L, N, H_in), (N, L, H_in) with batch_first, or
          a `PackedSequence`.
        * **h_0**: (D * num_layers, N, H_out), or (D * num_layers, H_out) unbatched.
          Default: zeros.

    Outputs: output, h_n
        * **output**: (L, N, D * H_out) (or as the input's layout, or a PackedSequence): h_t
          of the last layer for every t.
        * **h_n**: (D * num_layers, N, H_out): the final h of every layer and direction.

    Attributes:
        weight_ih_l[k]: (W_ir|W_iz|W_in), (3 * hidden_size, input_size) for k = 0, else
            (3 * hidden_size, D * hidden_size)
        weight_hh_l[k]: (W_hr|W_hz|W_hn), (3 * hidden_size, hidden_size)
        bias_ih_l[k], bias_hh_l[k]: (3 * hidden_size,)
        The reverse direction's have the suffix ``_reverse``. All from U(-sqrt(k), sqrt(k)),
        k = 1 / hidden_size.

    Examples::

        >>> import minitorch_rnn as torch
        >>> from minitorch_rnn import nn
        >>> rnn = nn.GRU(10, 20, 2)
        >>> input = torch.randn(5, 3, 10)
        >>> h0 = torch.randn(2, 3, 20)
        >>> output, hn = rnn(input, h0)
        >>> output.shape, hn.shape
        ((5, 3, 20), (2, 3, 20))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = None,
        proj_size: Any = None,
    ) -> None:
        if proj_size is not None:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__(
            "GRU",
            input_size,
            hidden_size,
            num_layers=num_layers,
            bias=bias,
            batch_first=batch_first,
            dropout=dropout,
            bidirectional=bidirectional,
            dtype=dtype,
        )

    def _project_input(self, x: Tensor, w: Weights) -> Tensor:
        return F.linear(x, w.w_ih, w.b_ih)  # x_t W_ih^T + b_ih: b_hh stays inside the step

    def _step_weights(self, w: Weights) -> tuple[Any, ...]:
        return w.w_hh.T, w.b_hh

    def _step(self, x_proj: Tensor, state: State, *step_weights: Any) -> State:
        (h,) = state
        return (gru_cell(x_proj, h, *step_weights),)


class GRUCell(RNNCellBase):
    r"""One GRU step: ``h' = cell(x, h)``, the equations of `gru_cell`.

    Args:
        input_size: the number of features of x. hidden_size: of h.
        bias: if ``False``, no b_ih and b_hh. Default: ``True``
        dtype: the parameters' dtype. Default: float32

    Inputs: input, hidden
        * **input**: (N, input_size) or unbatched (input_size,).
        * **hidden**: (N, hidden_size) or unbatched (hidden_size,). Default: zeros.

    Outputs: h', (N, hidden_size) or unbatched (hidden_size,).

    Attributes:
        weight_ih: (3 * hidden_size, input_size), weight_hh: (3 * hidden_size, hidden_size),
        bias_ih, bias_hh: (3 * hidden_size,); gates in the order r, z, n. All from
        U(-sqrt(k), sqrt(k)), k = 1 / hidden_size.

    Examples::

        >>> import minitorch_rnn as torch
        >>> from minitorch_rnn import nn
        >>> cell = nn.GRUCell(10, 20)
        >>> input = torch.randn(6, 3, 10)
        >>> hx = torch.randn(3, 20)
        >>> for i in range(6):
        ...     hx = cell(input[i], hx)
        >>> hx.shape
        (3, 20)
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, dtype: Any = None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, dtype=dtype)

    def forward(self, input: Tensor, hx: Optional[Tensor] = None) -> Tensor:
        input, hx, is_batched = self._batch("GRUCell", input, hx)
        self._check_input(input)
        self._check_hidden(input, hx)
        _check_same_dtype(input, self.weight_ih)
        _check_same_dtype(hx, self.weight_hh)

        h = gru_cell(
            F.linear(input, self.weight_ih, self.bias_ih), hx, self.weight_hh.T, self.bias_hh
        )
        return h if is_batched else h.squeeze(0)
