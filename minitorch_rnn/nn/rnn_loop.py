"""The loop every recurrent layer runs: over layers, directions and time steps.

`RNN`, `LSTM` and `GRU` differ only in the equation of one time step (their `_step`) and in
their state -- ``(h,)``, or ``(h, c)`` for the LSTM. Everything else is here, once:

* the layers, each reading the output of the one below (after dropout, in training mode);
* the directions: the reverse one runs over the same inputs from the last t to the first;
* the time steps, each inside ``scope("t=3")`` within ``scope("layer 0")`` (or
  ``"layer 0 reverse"``), so every node of the tape says where it came from and
  `viz.make_dot` draws the network unrolled;
* packed batches (`nn.utils.rnn.PackedSequence`): at step t only the first ``batch_sizes[t]``
  sequences run, so the state has fewer rows as sequences end (forward in time) or more as
  they start (backward in time), and each sequence's final state is taken at its own end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, Optional

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import scope
from ..functional import cat, stack
from . import functional as F
from .parameter import Parameter

if TYPE_CHECKING:
    from .rnn_base import RNNBase

State = tuple[Tensor, ...]  # (h,) or, for the LSTM, (h, c)


class Weights(NamedTuple):
    """The parameters of one layer and direction (None where there is none)."""

    w_ih: Parameter
    w_hh: Parameter
    b_ih: Optional[Parameter]
    b_hh: Optional[Parameter]
    w_hr: Optional[Parameter]  # LSTM with proj_size > 0 only


def run_layers(
    rnn: RNNBase, x: Tensor, hx: State, batch_sizes: Optional[list[int]] = None
) -> tuple[Tensor, State]:
    """Every layer over the whole sequence: x (L, N, H_in) -- or packed data
    (sum of lengths, H_in) with its `batch_sizes` --, each part of hx (D * num_layers, N, .)."""
    num_directions = 2 if rnn.bidirectional else 1
    # one initial state per (layer, direction), in h_n's order: (h0,) or (h0, c0)
    initial = list(zip(*(part.unbind(0) for part in hx)))
    finals = []
    layer_input = x
    for layer in range(rnn.num_layers):
        outputs = []
        for direction in range(num_directions):
            k = layer * num_directions + direction
            with scope(f"layer {layer}" + (" reverse" if direction == 1 else "")):
                out, last = run_direction(
                    rnn, layer_input, initial[k], rnn._weights(k), direction == 1, batch_sizes
                )
            outputs.append(out)
            finals.append(last)
        # the forward direction fills [..., :H_out], the reverse one [..., H_out:]
        layer_input = outputs[0] if num_directions == 1 else cat(outputs, dim=-1)
        if rnn.dropout > 0 and rnn.training and layer < rnn.num_layers - 1:
            layer_input = F.dropout(layer_input, p=rnn.dropout, training=True)
    return layer_input, tuple(stack(parts) for parts in zip(*finals))


def run_direction(
    rnn: RNNBase,
    x: Tensor,
    state: State,
    w: Weights,
    reverse: bool,
    batch_sizes: Optional[list[int]] = None,
) -> tuple[Tensor, State]:
    """One layer in one direction: its output h_t for every t, and its last state."""
    # The part of every step that does not depend on the state (x_t W_ih^T + biases),
    # computed for every t at once, as one Linear over all rows.
    x_proj = rnn._project_input(x, w)
    if batch_sizes is None:
        x_proj_t = list(x_proj.unbind(0))  # L tensors (N, G * H), from one tape node
    else:  # step t of a packed batch: the rows of the batch_sizes[t] sequences running
        starts = np.cumsum([0, *batch_sizes[:-1]]).tolist()
        x_proj_t = [x_proj[s : s + n] for s, n in zip(starts, batch_sizes)]
    step_weights = rnn._step_weights(w)  # e.g. W_hh^T: transposed once, not at every step

    seq_len = len(x_proj_t)
    first = state
    finished: list[State] = []  # packed, forward: the states of sequences that have ended
    if batch_sizes is not None and reverse:  # the shortest sequences start last
        state = tuple(s[: batch_sizes[-1]] for s in first)
    outputs = []
    for t in reversed(range(seq_len)) if reverse else range(seq_len):
        if batch_sizes is not None:
            state = _running_rows(state, batch_sizes[t], first, finished)
        with scope(f"t={t}"):
            state = rnn._step(x_proj_t[t], state, *step_weights)
        outputs.append(state[0])  # the output at t is h_t
    if reverse:  # output[t] belongs to input position t in both directions
        outputs.reverse()
    del x_proj, x_proj_t  # no node saved the projections: free them before stack copies
    if batch_sizes is None:
        return stack(outputs), state
    if finished:  # packed, forward: the last states in batch order (longest first)
        state = tuple(cat([s, *(f[i] for f in reversed(finished))]) for i, s in enumerate(state))
    return cat(outputs), state


def _running_rows(state: State, n: int, first: State, finished: list[State]) -> State:
    """A packed batch at a step where n sequences run: shrink or grow the state's rows."""
    rows = state[0].shape[0]
    if n < rows:  # forward in time: sequences n .. rows-1 have ended; keep their last state
        finished.append(tuple(s[n:] for s in state))
        return tuple(s[:n] for s in state)
    if n > rows:  # backward in time: sequences rows .. n-1 start here, from their h_0
        return tuple(cat([s, s0[rows:n]]) for s, s0 in zip(state, first))
    return state
