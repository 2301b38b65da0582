"""The benchmark's hand-written NumPy BPTT (benchmarks/numpy_bptt.py) computes the right gradients.

The benchmark compares minitorch_rnn's speed with this reference, so the reference has to do
the same work and get the same numbers: checked here in float64 against minitorch_rnn's tape,
against torch when it is installed, and against finite differences on its own.
"""

from __future__ import annotations

import pathlib
import sys

import numpy as np
import pytest

import minitorch_rnn as mt

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "benchmarks"))
import numpy_bptt  # noqa: E402

# (input_size, hidden_size, num_layers, seq_len, batch, out_features)
CONFIGS = [
    (10, 20, 2, 5, 3, 1),  # the benchmark's seed workload
    (3, 4, 1, 7, 2, 3),
    (4, 5, 3, 6, 1, 2),
    (2, 3, 2, 1, 4, 1),  # a single time step
]
IDS = ["seed", "one-layer", "three-layers", "T=1"]
TIGHT = {"rtol": 1e-10, "atol": 1e-12}


def problem(config, dtype=np.float64, seed=0):
    n_in, H, L, T, B, n_out = config
    params = numpy_bptt.init_params(n_in, H, L, n_out, seed=seed, dtype=dtype)
    rng = np.random.default_rng(seed + 100)
    x = rng.standard_normal((T, B, n_in)).astype(dtype)
    target = rng.standard_normal((B, n_out)).astype(dtype)
    h0 = rng.standard_normal((L, B, H)).astype(dtype)
    return params, x, target, h0


def reference(params, x, target, h0=None):
    loss, cache = numpy_bptt.forward(params, x, target, h0)
    return loss, numpy_bptt.backward(params, cache)


@pytest.mark.parametrize("use_h0", [False, True], ids=["h0=zeros", "h0=random"])
@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_gradients_match_minitorch_tape(config, use_h0):
    n_in, H, L, T, B, n_out = config
    params, x, target, h0 = problem(config)
    if not use_h0:
        h0 = None
    loss, grads = reference(params, x, target, h0)

    rnn = mt.nn.RNN(n_in, H, L, dtype=mt.float64)
    head = mt.nn.Linear(H, n_out, dtype=mt.float64)
    rnn.load_state_dict({k[4:]: v for k, v in params.items() if k.startswith("rnn.")})
    head.load_state_dict({k[5:]: v for k, v in params.items() if k.startswith("head.")})
    args = (mt.tensor(x),) if h0 is None else (mt.tensor(x), mt.tensor(h0))
    output, _ = rnn(*args)
    ours = mt.nn.functional.mse_loss(head(output[-1]), mt.tensor(target))
    ours.backward()

    np.testing.assert_allclose(loss, ours.item(), **TIGHT)
    tape = {f"rnn.{n}": p.grad._data for n, p in rnn.named_parameters()}
    tape.update({f"head.{n}": p.grad._data for n, p in head.named_parameters()})
    assert tape.keys() == grads.keys()
    for name, g in grads.items():
        np.testing.assert_allclose(g, tape[name], err_msg=name, **TIGHT)


@pytest.mark.parametrize("use_h0", [False, True], ids=["h0=zeros", "h0=random"])
@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_gradients_match_torch(config, use_h0):
    torch = pytest.importorskip("torch")
    n_in, H, L, T, B, n_out = config
    params, x, target, h0 = problem(config)
    if not use_h0:
        h0 = None
    loss, grads = reference(params, x, target, h0)

    rnn = torch.nn.RNN(n_in, H, L, dtype=torch.float64)
    head = torch.nn.Linear(H, n_out, dtype=torch.float64)
    rnn.load_state_dict({k[4:]: torch.from_numpy(v) for k, v in params.items() if k[:4] == "rnn."})
    head.load_state_dict(
        {k[5:]: torch.from_numpy(v) for k, v in params.items() if k[:5] == "head."}
    )
    args = (torch.from_numpy(x),) if h0 is None else (torch.from_numpy(x), torch.from_numpy(h0))
    output, _ = rnn(*args)
    theirs = torch.nn.functional.mse_loss(head(output[-1]), torch.from_numpy(target))
    theirs.backward()

    np.testing.assert_allclose(loss, theirs.item(), **TIGHT)
    named = {f"rnn.{n}": p for n, p in rnn.named_parameters()}
    named.update({f"head.{n}": p for n, p in head.named_parameters()})
    assert named.keys() == grads.keys()
    for name, g in grads.items():
        np.testing.assert_allclose(g, named[name].grad.numpy(), err_msg=name, **TIGHT)


def test_gradients_match_finite_differences():
    """Without any library: central differences of the loss, a few entries of every parameter."""
    params, x, target, h0 = problem(CONFIGS[2], seed=3)
    _, grads = reference(params, x, target, h0)
    rng = np.random.default_rng(0)
    eps = 1e-6
    for name, p in params.items():
        for flat in rng.choice(p.size, size=min(4, p.size), replace=False):
            idx = np.unravel_index(flat, p.shape)
            old = p[idx]
            p[idx] = old + eps
            up = numpy_bptt.forward(params, x, target, h0)[0]
            p[idx] = old - eps
            down = numpy_bptt.forward(params, x, target, h0)[0]
            p[idx] = old
            np.testing.assert_allclose(
                grads[name][idx], (up - down) / (2 * eps), rtol=1e-5, atol=1e-9, err_msg=name
            )


def test_train_step_is_sgd_and_stays_float32():
    """train_step = forward, backward, p -= lr * grad; no float64 sneaks into a float32 step."""
    params, x, target, _ = problem(CONFIGS[0], dtype=np.float32)
    before = {k: v.copy() for k, v in params.items()}
    loss, cache = numpy_bptt.forward(params, x, target)
    grads = numpy_bptt.backward(params, cache)
    assert loss.dtype == np.float32
    assert all(g.dtype == np.float32 and g.shape == params[k].shape for k, g in grads.items())
    assert all(a.dtype == np.float32 for a in cache["hiddens"])

    lr = 0.1
    returned = numpy_bptt.train_step(params, x, target, lr)
    assert returned == pytest.approx(float(loss))
    for k, p in params.items():
        assert p.dtype == np.float32
        np.testing.assert_allclose(p, before[k] - lr * grads[k], rtol=1e-6, atol=1e-7)
    assert numpy_bptt.forward(params, x, target)[0] < loss  # a small step downhill


def test_saved_bytes_counts_the_activations():
    config = (8, 64, 1, 500, 16, 1)  # the long workload
    params, x, target, _ = problem(config, dtype=np.float32)
    _, cache = numpy_bptt.forward(params, x, target)
    T, B, n_in, H = 500, 16, 8, 64
    # hidden states (T + 1 with h0), the input, the head's (B, O) residual
    assert numpy_bptt.saved_bytes(cache) == 4 * ((T + 1) * B * H + T * B * n_in + B * 1)
