"""autograd.contributions: the terms of each gradient, one per time step for W_hh, summing to it."""

from __future__ import annotations

import numpy as np
import pytest

import minitorch_rnn as mt
from minitorch_rnn import nn


@pytest.mark.parametrize("dtype, tol", [(mt.float64, 1e-12), (mt.float32, 1e-5)])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_terms_sum_to_the_gradient(dtype: np.dtype, tol: float, bidirectional: bool) -> None:
    mt.manual_seed(1)
    rnn = nn.RNN(3, 5, num_layers=2, bidirectional=bidirectional).to(dtype)
    out, hn = rnn(mt.randn(6, 2, 3, dtype=dtype))
    loss = (out * out).sum() + hn.sum()
    params = list(rnn.parameters())
    terms = mt.autograd.contributions(loss, params)
    grads = mt.autograd.grad(loss, params)
    for (name, _), ts, g in zip(rnn.named_parameters(), terms, grads):
        total = sum(t.grad for t in ts)
        scale = max(1.0, float(np.abs(g.numpy()).max()))
        np.testing.assert_allclose(total, g.numpy(), rtol=tol, atol=tol * scale, err_msg=name)
        if name.startswith("weight_hh"):  # one term per time step, labelled with it
            steps = sorted(int(t.scope[-1].removeprefix("t=")) for t in ts)
            assert steps == list(range(6)), name
            assert all(t.grad.shape == (5, 5) and t.node == "AddmmBackward0" for t in ts)
    assert all(p.grad is None for p in params)  # nothing written to .grad


def test_terms_come_in_backward_order_and_map_through_views() -> None:
    w = mt.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x = mt.tensor([[1.0, 0.0]])
    wt = w.T
    y = (x @ wt).sum() + (x @ wt * 3).sum() + w.sum()
    (terms,) = mt.autograd.contributions(y, [w])
    # newest first: w.sum(), then the second matmul, then the first -- each through w.T's view
    assert [t.node for t in terms] == ["SumBackward0", "MatMulBackward0", "MatMulBackward0"]
    for t in terms:
        assert t.grad.shape == (2, 2)
    np.testing.assert_allclose(sum(t.grad for t in terms), [[5.0, 1.0], [5.0, 1.0]])
    y.backward()  # the graph was kept
    np.testing.assert_allclose(w.grad.numpy(), [[5.0, 1.0], [5.0, 1.0]])
