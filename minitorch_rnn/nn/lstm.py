r"""The LSTM: `lstm_cell` (the equations of one time step), `LSTMCell` (that step as a module)
and `LSTM` (layers of it over whole sequences, run by the loop in `rnn_loop.py`).

One step, as on torch's `nn.LSTM` page (sigma is the sigmoid, * the elementwise product)::

    i_t = sigma(x_t W_ii^T + b_ii + h_{t-1} W_hi^T + b_hi)     input gate: how much to write
    f_t = sigma(x_t W_if^T + b_if + h_{t-1} W_hf^T + b_hf)     forget gate: how much to keep
    g_t = tanh (x_t W_ig^T + b_ig + h_{t-1} W_hg^T + b_hg)     cell candidate: what to write
    o_t = sigma(x_t W_io^T + b_io + h_{t-1} W_ho^T + b_ho)     output gate: how much to show
    c_t = f_t * c_{t-1} + i_t * g_t                           the cell state
    h_t = o_t * tanh(c_t)

torch stores the four W_i* side by side as one ``weight_ih`` (4 * hidden_size, input_size), in
the order i, f, g, o (likewise ``weight_hh`` and the biases), so all four gates come out of one
matmul per step, and the gates are its four column blocks.

Why it learns long delays where `nn.RNN` cannot: going back one step, the gradient of c_{t-1}
is the gradient of c_t times f_t -- a *sum* path, with no W_hh and no tanh' in it. With f_t
near 1, it arrives many steps back almost intact (docs/lstm_gru.md measures it).
"""

from __future__ import annotations

from typing import Any, Optional

from .._tensor import Tensor
from ..autograd.grad_mode import scope
from ..creation import zeros
from ..functional import addmm
from . import functional as F
from .rnn_base import RNNBase, _check_same_dtype
from .rnn_cell import RNNCellBase
from .rnn_loop import State, Weights

__all__ = ["LSTM", "LSTMCell", "lstm_cell"]


def lstm_cell(
    x_proj: Tensor, h: Tensor, c: Tensor, w_hh_T: Tensor, w_hr_T: Optional[Tensor] = None
) -> tuple[Tensor, Tensor]:
    """One LSTM step: (h_t, c_t) from x_proj = x_t W_ih^T + b_ih + b_hh (N, 4H) and (h, c).

    Each gate runs in a scope named after it, so `viz.make_dot` draws it as a labelled box.
    With a projection (w_hr_T, torch's proj_size > 0), h_t = (o_t * tanh(c_t)) W_hr^T.
    """
    H = c.shape[-1]
    # the four gates' pre-activations side by side, (N, 4H): i | f | g | o
    gates = addmm(x_proj, h, w_hh_T)  # x_t W_ih^T + b_ih + b_hh  +  h_{t-1} W_hh^T
    with scope("i: input gate"):
        i = gates[:, 0:H].sigmoid()
    with scope("f: forget gate"):
        f = gates[:, H : 2 * H].sigmoid()
    with scope("g: cell candidate"):
        g = gates[:, 2 * H : 3 * H].tanh()
    with scope("o: output gate"):
        o = gates[:, 3 * H : 4 * H].sigmoid()
    c = f * c + i * g  # c_t = f_t * c_{t-1} + i_t * g_t: the gradient's additive path
    h = o * c.tanh()  # h_t = o_t * tanh(c_t)
    if w_hr_T is not None:
        h = h @ w_hr_T  # h_t = W_hr (o_t * tanh(c_t)): the projection to proj_size
    return h, c


class LSTM(RNNBase):
    r"""A multi-layer long short-term memory (LSTM) RNN, over a whole input sequence.

    Each layer computes, for every element of the input sequence, the step `lstm_cell` (the
    equations at the top of this file). For layer k > 0, x_t is the output h_t of layer
    k - 1, after dropout in training mode.

    Args:
        input_size: the number of features of each x_t (H_in).
        hidden_size: the number of features of the cell state c_t (H_cell).
        num_layers: how many LSTMs to stack. Default: 1
        bias: if ``False``, no b_ih and b_hh. Default: ``True``
        batch_first: if ``True``, input and output are (N, L, feature) instead of
            (L, N, feature); h and c are not affected. Default: ``False``
        dropout: dropout probability on the outputs of every layer but the last, in
            training mode. Default: 0
        bidirectional: if ``True``, each layer also runs over the reversed sequence.
            Default: ``False``
        proj_size: if > 0, h_t is projected to this size by ``weight_hr_l[k]``. Default: 0
        dtype: the parameters' dtype. Default: float32

    Inputs: input, (h_0, c_0)
        * **input**: (L, H_in) unbatched, (L, N, H_in), (N, L, H_in) with batch_first, or
          a `PackedSequence`.
        * **h_0**: (D * num_layers, N, H_out), or (D * num_layers, H_out) unbatched.
        * **c_0**: (D * num_layers, N, H_cell), or (D * num_layers, H_cell) unbatched.
          Both default to zeros when ``(h_0, c_0)`` is not given.

        where D = 2 if bidirectional else 1, H_out = proj_size if > 0 else hidden_size.

    Outputs: output, (h_n, c_n)
        * **output**: (L, N, D * H_out) (or as the input's layout, or a PackedSequence): h_t
          of the last layer for every t.
        * **h_n**, **c_n**: the final h and c of every layer and direction.

    Attributes:
        weight_ih_l[k]: (W_ii|W_if|W_ig|W_io), (4 * hidden_size, input_size) for k = 0, else
            (4 * hidden_size, D * H_out)
        weight_hh_l[k]: (W_hi|W_hf|W_hg|W_ho), (4 * hidden_size, H_out)
        bias_ih_l[k], bias_hh_l[k]: (4 * hidden_size,)
        weight_hr_l[k]: (proj_size, hidden_size), only when proj_size > 0
        The reverse direction's have the suffix ``_reverse``. All from U(-sqrt(k), sqrt(k)),
        k = 1 / hidden_size.

    Scopes, as for `RNN`: ``"layer 0"`` (or ``"layer 0 reverse"``), ``"t=3"``, and inside a
    step one per gate (``"i: input gate"``, ...), so `viz.make_dot` draws the gates.

    Examples::

        >>> import minitorch_rnn as torch
        >>> from minitorch_rnn import nn
        >>> rnn = nn.LSTM(10, 20, 2)
        >>> input = torch.randn(5, 3, 10)
        >>> h0, c0 = torch.randn(2, 3, 20), torch.randn(2, 3, 20)
        >>> output, (hn, cn) = rnn(input, (h0, c0))
        >>> output.shape, hn.shape, cn.shape
        ((5, 3, 20), (2, 3, 20), (2, 3, 20))
        >>> nn.LSTM(10, 20, proj_size=5)
        LSTM(10, 20, proj_size=5)
    """

    _has_cell_state = True

    def __init__(
        self,
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
        super().__init__(
            "LSTM",
            input_size,
            hidden_size,
            num_layers=num_layers,
            bias=bias,
            batch_first=batch_first,
            dropout=dropout,
            bidirectional=bidirectional,
            proj_size=proj_size,
            dtype=dtype,
        )

    def get_expected_cell_size(
        self, input: Tensor, batch_sizes: Optional[Tensor] = None
    ) -> tuple[int, int, int]:
        num_states, mini_batch, _ = self.get_expected_hidden_size(input, batch_sizes)
        return (num_states, mini_batch, self.hidden_size)

    def check_forward_args(
        self, input: Tensor, hidden: tuple[Tensor, Tensor], batch_sizes: Optional[Tensor] = None
    ) -> None:
        self.check_input(input, batch_sizes)
        self.check_hidden_size(
            hidden[0],
            self.get_expected_hidden_size(input, batch_sizes),
            "Expected hidden[0] size {}, got {}",
        )
        self.check_hidden_size(
            hidden[1],
            self.get_expected_cell_size(input, batch_sizes),
            "Expected hidden[1] size {}, got {}",
        )
        self._check_like_torchs_kernel(input, hidden[0], batch_sizes)

    def _step_weights(self, w: Weights) -> tuple[Any, ...]:
        return w.w_hh.T, (w.w_hr.T if w.w_hr is not None else None)

    def _step(self, x_proj: Tensor, state: State, *step_weights: Any) -> State:
        h, c = state
        return lstm_cell(x_proj, h, c, *step_weights)


class LSTMCell(RNNCellBase):
    r"""One LSTM step: ``h', c' = cell(x, (h, c))``, the equations of `lstm_cell`.

    Args:
        input_size: the number of features of x. hidden_size: of h and c.
        bias: if ``False``, no b_ih and b_hh. Default: ``True``
        dtype: the parameters' dtype. Default: float32

    Inputs: input, (h_0, c_0)
        * **input**: (N, input_size) or unbatched (input_size,).
        * **h_0**, **c_0**: (N, hidden_size) or unbatched (hidden_size,). Default: zeros.

    Outputs: (h_1, c_1), each (N, hidden_size) or unbatched (hidden_size,).

    Attributes:
        weight_ih: (4 * hidden_size, input_size), weight_hh: (4 * hidden_size, hidden_size),
        bias_ih, bias_hh: (4 * hidden_size,); gates in the order i, f, g, o. All from
        U(-sqrt(k), sqrt(k)), k = 1 / hidden_size.

    Examples::

        >>> import minitorch_rnn as torch
        >>> from minitorch_rnn import nn
        >>> cell = nn.LSTMCell(10, 20)
        >>> input = torch.randn(2, 3, 10)  # (time_steps, batch, input_size)
        >>> hx, cx = torch.randn(3, 20), torch.randn(3, 20)
        >>> for i in range(input.size(0)):
        ...     hx, cx = cell(input[i], (hx, cx))
        >>> hx.shape, cx.shape
        ((3, 20), (3, 20))
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, dtype: Any = None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, dtype=dtype)

    def forward(
        self, input: Tensor, hx: Optional[tuple[Tensor, Tensor]] = None
    ) -> tuple[Tensor, Tensor]:
        if input.dim() not in (1, 2):
            raise ValueError(f"LSTMCell: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if hx is not None:
            for idx, value in enumerate(hx):
                if value.dim() not in (1, 2):
                    raise ValueError(
                        f"LSTMCell: Expected hx[{idx}] to be 1D or 2D, got {value.dim()}D instead"
                    )
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            zero = zeros(input.size(0), self.hidden_size, dtype=input.dtype)
            hx = (zero, zero)
        elif not is_batched:
            hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        self._check_input(input)
        self._check_hidden(input, hx[0], 0)
        self._check_hidden(input, hx[1], 1)
        _check_same_dtype(input, self.weight_ih)
        _check_same_dtype(hx[0], self.weight_hh)

        b = self.bias_ih + self.bias_hh if self.bias else None
        h, c = lstm_cell(F.linear(input, self.weight_ih, b), hx[0], hx[1], self.weight_hh.T)
        return (h, c) if is_batched else (h.squeeze(0), c.squeeze(0))
