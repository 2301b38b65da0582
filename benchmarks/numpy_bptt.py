"""Backpropagation through time by hand, in plain NumPy: the measuring stick of the benchmark.

The model is the benchmark's one training step, written out with no tape at all::

    output, h_n = RNN(input_size, hidden_size, num_layers)(x)      # tanh, with biases
    prediction  = Linear(hidden_size, out_features)(output[-1])    # head on the last step
    loss        = mean((prediction - target) ** 2)                 # MSE
    p          -= lr * dloss/dp                                    # plain SGD, every parameter

Parameters live in one dict keyed by the ``state_dict`` names of a torch module with two
children, ``rnn`` (an ``nn.RNN``) and ``head`` (an ``nn.Linear``)::

    rnn.weight_ih_l{k}  (H, I_k)    rnn.bias_ih_l{k}  (H,)     I_0 = input_size, I_k = H after
    rnn.weight_hh_l{k}  (H, H)      rnn.bias_hh_l{k}  (H,)
    head.weight         (O, H)      head.bias         (O,)

so the very same arrays load into torch and into minitorch_rnn with ``load_state_dict``.

What makes it fast (min-char-rnn style): per layer, the input projection of all T steps is
*one* matmul before the loop; only ``h @ W_hh^T`` stays inside it. Backward runs the loop in
reverse for the one thing that must be sequential -- the gradient flowing back through
``h_{t-1}`` -- and then gets each weight gradient from *one* matmul over all T*B rows.

Shapes: ``x`` is (T, B, I) (torch's default, not batch-first); ``h0`` is (L, B, H).
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

Params = dict[str, np.ndarray]


def layer_names(layer: int) -> tuple[str, str, str, str]:
    """torch's names of one layer's weights: W_ih, W_hh, b_ih, b_hh."""
    return (
        f"rnn.weight_ih_l{layer}",
        f"rnn.weight_hh_l{layer}",
        f"rnn.bias_ih_l{layer}",
        f"rnn.bias_hh_l{layer}",
    )


def num_layers_of(params: Params) -> int:
    return sum(1 for name in params if name.startswith("rnn.weight_ih_l"))


def init_params(
    input_size: int,
    hidden_size: int,
    num_layers: int,
    out_features: int,
    seed: int = 0,
    dtype: Any = np.float32,
) -> Params:
    """torch's default initialisation: every entry uniform in +-1/sqrt(fan), fan = H for the RNN."""
    rng = np.random.default_rng(seed)

    def uniform(shape: tuple[int, ...], fan: int) -> np.ndarray:
        bound = 1.0 / np.sqrt(fan)
        return rng.uniform(-bound, bound, size=shape).astype(dtype)

    params: Params = {}
    for k in range(num_layers):
        w_ih, w_hh, b_ih, b_hh = layer_names(k)
        fan_in = input_size if k == 0 else hidden_size
        params[w_ih] = uniform((hidden_size, fan_in), hidden_size)
        params[w_hh] = uniform((hidden_size, hidden_size), hidden_size)
        params[b_ih] = uniform((hidden_size,), hidden_size)
        params[b_hh] = uniform((hidden_size,), hidden_size)
    params["head.weight"] = uniform((out_features, hidden_size), hidden_size)
    params["head.bias"] = uniform((out_features,), hidden_size)
    return params


def forward(
    params: Params, x: np.ndarray, target: np.ndarray, h0: Optional[np.ndarray] = None
) -> tuple[np.ndarray, dict[str, Any]]:
    """The loss, and `cache`: exactly the activations that backward will need."""
    T, B, _ = x.shape
    L = num_layers_of(params)
    H = params["rnn.weight_hh_l0"].shape[0]
    if h0 is None:
        h0 = np.zeros((L, B, H), dtype=x.dtype)

    layer_inputs = []  # what each layer read: x, then the outputs of the layer below
    hiddens = []  # per layer, (T + 1, B, H): h[0] = h0[k], then h[t + 1] = h_t for t < T
    inp = x
    for k in range(L):
        w_ih, w_hh, b_ih, b_hh = (params[n] for n in layer_names(k))
        h = np.empty((T + 1, B, H), dtype=x.dtype)
        h[0] = h0[k]
        z = h[1:]  # step t's pre-activation z_t is built in h[t + 1], then replaced by tanh(z_t)
        # The input projection of all T steps at once: one (T*B, I) @ (I, H) matmul.
        np.matmul(inp.reshape(T * B, -1), w_ih.T, out=z.reshape(T * B, H))
        z += b_ih + b_hh
        w_hh_T = w_hh.T
        for t in range(T):
            # h_t = tanh(x_t W_ih^T + b_ih + b_hh + h_{t-1} W_hh^T)
            z[t] += h[t] @ w_hh_T
            np.tanh(z[t], out=z[t])
        layer_inputs.append(inp)
        hiddens.append(h)
        inp = h[1:]  # this layer's outputs (a view) feed the next layer

    last = hiddens[-1][T]  # output[-1]: the top layer's hidden state after the last step
    pred = last @ params["head.weight"].T + params["head.bias"]
    diff = pred - target
    loss = np.mean(diff * diff)
    cache = {"layer_inputs": layer_inputs, "hiddens": hiddens, "diff": diff}
    return loss, cache


def backward(params: Params, cache: dict[str, Any]) -> Params:
    """d(loss)/d(every parameter), by the chain rule run backwards through time."""
    layer_inputs, hiddens, diff = cache["layer_inputs"], cache["hiddens"], cache["diff"]
    L = len(hiddens)
    T1, B, H = hiddens[0].shape
    T = T1 - 1
    grads: Params = {}

    # loss = mean(diff^2)  ->  dloss/dpred = 2 * diff / (number of entries)
    dpred = diff * (2.0 / diff.size)
    last = hiddens[-1][T]
    grads["head.weight"] = dpred.T @ last  # (O, B) @ (B, H)
    grads["head.bias"] = dpred.sum(axis=0)

    d_head = dpred @ params["head.weight"]  # dL/d(output[-1]): the head read the last step only
    d_out = None  # dL/d(this layer's outputs) from the layer above, (T, B, H); none for the top

    for k in reversed(range(L)):
        w_ih, w_hh, b_ih, b_hh = layer_names(k)
        h = hiddens[k]
        W_hh = params[w_hh]
        # The backward recurrence. With z_t the pre-activation and h_t = tanh(z_t):
        #   dL/dh_t = d_out[t]               (from above: the layer above; the head at t = T-1)
        #           + dL/dz_{t+1} @ W_hh     (from the future: h_t also fed step t+1)
        #   dL/dz_t = dL/dh_t * (1 - h_t^2)  (tanh' written with tanh's own output)
        # The second term makes it sequential, from the last step back to the first. tanh'
        # does not depend on it: computed for all steps at once, then scaled in place into dz.
        dz = h[1:] * h[1:]
        np.subtract(1, dz, out=dz)  # tanh'(z_t) = 1 - h_t^2, every step, in one buffer
        dh = d_head if d_out is None else np.zeros((B, H), dtype=dz.dtype)  # dL/dh_{T-1} so far
        for t in reversed(range(T)):
            if d_out is not None:
                dh = dh + d_out[t]
            dz[t] *= dh
            dh = dz[t] @ W_hh  # flows back into h_{t-1}
        # dh is now dL/dh0[k] (the gradient of the initial hidden state); unused here.

        # Every step used the same weights, so their gradients sum over steps -- and over the
        # batch. Stacking (T, B) into T*B rows makes each sum one matmul.
        dz2 = dz.reshape(T * B, H)
        inp2 = layer_inputs[k].reshape(T * B, -1)
        grads[w_ih] = dz2.T @ inp2  # sum_t dz_t^T x_t
        grads[w_hh] = dz2.T @ h[:T].reshape(T * B, H)  # sum_t dz_t^T h_{t-1}
        grads[b_ih] = dz2.sum(axis=0)
        grads[b_hh] = grads[b_ih].copy()
        if k > 0:  # the gradient reaching the layer below, whose outputs were our inputs
            d_out = (dz2 @ params[w_ih]).reshape(T, B, H)
    return grads


def sgd_step(params: Params, grads: Params, lr: float) -> None:
    """p <- p - lr * grad, in place (as torch.optim.SGD without momentum)."""
    for name, p in params.items():
        p -= lr * grads[name]


def train_step(params: Params, x: np.ndarray, target: np.ndarray, lr: float) -> float:
    """One step of the benchmark: forward, BPTT, SGD. Returns the loss before the update."""
    loss, cache = forward(params, x, target)
    sgd_step(params, backward(params, cache), lr)
    return float(loss)


def saved_bytes(cache: dict[str, Any]) -> int:
    """Bytes of the activations forward keeps for backward (inputs counted once, views free)."""
    arrays = [*cache["hiddens"], cache["diff"], cache["layer_inputs"][0]]
    return sum(a.nbytes for a in arrays)
