"""Small graphs to draw: the ones the command line and the pictures in ``docs/`` use.

Each function runs a forward pass (keeping values for ``show_values``), optionally a
backward pass (keeping gradients for ``show_grads``), and returns the output tensor and the
names of its parameters and data (``input``, ``h0``), ready for ``make_dot(root, params)``.
"""

from __future__ import annotations

from .. import autograd, creation, nn, random, sampling
from .._tensor import Tensor

Demo = tuple[Tensor, dict[str, Tensor]]


def expression(backward: bool = True, seed: int = 0) -> Demo:
    """One tanh neuron and a squared loss: ``loss = sum(tanh(x @ w + b) ** 2)``."""
    random.manual_seed(seed)
    x = sampling.randn(2, 3, requires_grad=True)  # an input that wants its gradient
    w = nn.Parameter(sampling.randn(3, 1))
    b = nn.Parameter(creation.zeros(1))
    with autograd.retain_values(), autograd.scope("neuron"):
        y = (x @ w + b).tanh()
    with autograd.retain_values():
        loss = (y * y).sum()
    if backward:
        with autograd.retain_grads():
            loss.backward()
    return loss, {"x": x, "w": w, "b": b}


def rnn(
    input_size: int = 10,
    hidden_size: int = 20,
    num_layers: int = 2,
    steps: int = 3,
    batch: int = 3,
    bidirectional: bool = False,
    loss: str = "sum",
    backward: bool = True,
    seed: int = 0,
) -> Demo:
    """The seed's ``nn.RNN(10, 20, 2)`` on a random (steps, batch, input_size) sequence.

    ``loss="sum"`` sums every output; ``loss="last"`` sums only the last time step's, so the
    gradient has to flow back through every step to reach the first ones (and fades).
    """
    random.manual_seed(seed)
    model = nn.RNN(input_size, hidden_size, num_layers, bidirectional=bidirectional)
    input = sampling.randn(steps, batch, input_size)
    h0 = sampling.randn(num_layers * (2 if bidirectional else 1), batch, hidden_size)
    with autograd.retain_values():
        output, hn = model(input, h0)
        if loss == "last":
            root = output[-1].sum()
        elif loss == "sum":
            root = output.sum()
        else:
            raise ValueError(f"loss must be 'sum' or 'last', got {loss!r}")
    if backward:
        with autograd.retain_grads():
            root.backward()
    return root, {"input": input, "h0": h0, **dict(model.named_parameters())}
