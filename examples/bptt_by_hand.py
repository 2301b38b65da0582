"""Backpropagation through time by hand, checked against the tape: the proof you can run.

A one-layer tanh RNN reads a text one character at a time and, at every step, scores which
character comes next (the model of Karpathy's min-char-rnn)::

    a_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh        x_t: one-hot character t
    h_t = tanh(a_t)                                         h_{-1} = h0
    z_t = h_t W_hy^T + b_y                                  scores for the next character
    L   = mean over t of  -log softmax(z_t)[y_t]            y_t: the index of character t+1

`backward_by_hand` derives every gradient with the chain rule, walking the steps in reverse.
The one line that makes it *through time* is ``dh = dz_t W_hy + dh_next``: the hidden state h_t
feeds both this step's scores and the next step, so its gradient is the sum of both.

Then the same weights (`nn.RNN` + `nn.Linear`, in float64) run forward on the tape and
``loss.backward()`` computes the same gradients. The script prints the largest absolute
difference for each parameter and exits with status 1 if one exceeds --tolerance (1e-9).

    python examples/bptt_by_hand.py
    python examples/bptt_by_hand.py --text "any text you like" --hidden-size 16
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional

import numpy as np

import minitorch_rnn as mt
from minitorch_rnn import nn
from minitorch_rnn.nn import functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))  # find _common.py from anywhere
from _common import default_out, output_folder, pyplot, save_figure  # noqa: E402

Arrays = dict[str, np.ndarray]


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Derive BPTT by hand for a 1-layer tanh RNN with a softmax head and check "
        "it against the tape.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--text", default="backpropagation through time", help="the training text")
    p.add_argument("--hidden-size", type=int, default=8)
    p.add_argument("--tolerance", type=float, default=1e-9, help="largest difference allowed")
    p.add_argument(
        "--forget-time",
        action="store_true",
        help="leave out the gradient from step t+1 (dh_next), to watch the check catch it",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=default_out(__file__), help="folder for the picture")
    args = p.parse_args(argv)
    if len(args.text) < 2:
        p.error("--text needs at least two characters (an input and its next character)")
    return args


# ---- by hand: plain NumPy, no tape --------------------------------------------------------------
def forward_by_hand(p: Arrays, xs: np.ndarray, ys: np.ndarray, h0: np.ndarray) -> tuple:
    """The loss, and what backward needs: every h_t and every softmax p_t.

    xs: (T, V) one-hot inputs; ys: (T,) target indices; h0: (H,). Weights in `p` are named
    and shaped as torch's: weight_ih (H, V), weight_hh (H, H), weight_hy (V, H), biases.
    """
    T = len(xs)
    hs = {-1: h0}  # hs[t] = h_t; hs[-1] is the initial state
    probs = {}
    loss = 0.0
    for t in range(T):
        a = xs[t] @ p["weight_ih"].T + p["bias_ih"] + hs[t - 1] @ p["weight_hh"].T + p["bias_hh"]
        hs[t] = np.tanh(a)
        z = hs[t] @ p["weight_hy"].T + p["bias_y"]
        e = np.exp(z - z.max())  # softmax, shifted so exp cannot overflow
        probs[t] = e / e.sum()
        loss += -np.log(probs[t][ys[t]]) / T  # cross-entropy, averaged over the T steps
    return loss, hs, probs


def backward_by_hand(
    p: Arrays, xs: np.ndarray, ys: np.ndarray, hs: dict, probs: dict, through_time: bool = True
) -> Arrays:
    """dL/d(every parameter) and dL/dh0, by the chain rule, last step first.

    ``through_time=False`` drops the gradient that reaches h_t from step t + 1: the classic
    mistake (backpropagation *at* each time step, not *through* time) that the check catches.
    """
    T = len(xs)
    grads = {name: np.zeros_like(value) for name, value in p.items()}
    dh_next = np.zeros_like(hs[0])  # dL/dh_t arriving from step t + 1 (nothing after the last)
    for t in reversed(range(T)):
        # softmax + cross-entropy together: dL/dz_t = (p_t - onehot(y_t)) / T
        dz = probs[t].copy()
        dz[ys[t]] -= 1
        dz /= T
        grads["weight_hy"] += np.outer(dz, hs[t])
        grads["bias_y"] += dz
        # h_t feeds this step's scores AND the next step: add both gradients (this is BPTT)
        dh = dz @ p["weight_hy"] + dh_next
        da = dh * (1 - hs[t] ** 2)  # tanh'(a) = 1 - tanh(a)^2 = 1 - h_t^2
        grads["weight_ih"] += np.outer(da, xs[t])
        grads["weight_hh"] += np.outer(da, hs[t - 1])
        grads["bias_ih"] += da
        grads["bias_hh"] += da
        dh_next = da @ p["weight_hh"]  # on to h_{t-1}
        if not through_time:
            dh_next = np.zeros_like(dh_next)
    grads["h0"] = da @ p["weight_hh"]
    return grads


# ---- on the tape: the same model with minitorch_rnn ---------------------------------------------
def backward_on_tape(
    rnn: nn.RNN, head: nn.Linear, xs: np.ndarray, ys: np.ndarray, h0: np.ndarray
) -> tuple[float, Arrays]:
    """The same loss with nn.RNN + nn.Linear, and the gradients `loss.backward()` finds."""
    x = mt.tensor(xs).reshape(len(xs), 1, -1)  # (T, batch 1, V): nn.RNN wants a batch dim
    h = mt.tensor(h0).reshape(1, 1, -1).requires_grad_()  # (layers, batch, H); we want its grad
    output, _ = rnn(x, h)
    scores = head(output.reshape(len(xs), -1))  # (T, V)
    loss = F.cross_entropy(scores, mt.tensor(ys))
    loss.backward()
    grads = {
        "weight_ih": rnn.weight_ih_l0.grad,
        "weight_hh": rnn.weight_hh_l0.grad,
        "bias_ih": rnn.bias_ih_l0.grad,
        "bias_hh": rnn.bias_hh_l0.grad,
        "weight_hy": head.weight.grad,
        "bias_y": head.bias.grad,
        "h0": h.grad.reshape(-1),
    }
    return loss.item(), {name: g.numpy() for name, g in grads.items()}


def plot(differences: dict[str, float], args: argparse.Namespace, folder: Path) -> Optional[Path]:
    plt = pyplot()
    if plt is None:
        return None
    names = list(differences)
    values = [max(differences[n], 1e-20) for n in names]  # an exact 0 sits at the bottom
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.bar(names, values, color="C0", label="largest |by hand - tape|")
    ax.axhline(args.tolerance, color="C3", ls="--", label=f"tolerance {args.tolerance:g}")
    ax.axhline(np.finfo(np.float64).eps, color="grey", ls=":", label="float64 epsilon (2.2e-16)")
    ax.set(
        yscale="log",
        ylim=(1e-20, 1),
        title=f"BPTT by hand vs the tape: {len(args.text) - 1} steps, hidden size {args.hidden_size}"
        + (" (--forget-time)" if args.forget_time else ""),
        xlabel="gradient of",
        ylabel="largest absolute difference (log scale)",
    )
    ax.legend(loc="upper right")
    fig.tight_layout()
    return save_figure(plt, fig, folder / "bptt_by_hand.png")


def main(argv: Optional[list[str]] = None) -> dict:
    args = parse_args(argv)
    folder = output_folder(args.out)
    mt.manual_seed(args.seed)

    chars = sorted(set(args.text))
    index = {c: i for i, c in enumerate(chars)}
    V, H = len(chars), args.hidden_size
    codes = np.array([index[c] for c in args.text])
    xs = np.eye(V)[codes[:-1]]  # (T, V) one-hot characters 0 .. T-1
    ys = codes[1:]  # (T,) the character that follows each

    # float64 throughout, so "the same" means equal to ~1e-15, not ~1e-7
    rnn = nn.RNN(V, H, dtype=mt.float64)
    head = nn.Linear(H, V, dtype=mt.float64)
    h0 = mt.randn(H, dtype=mt.float64).numpy() * 0.5
    p = {  # the same arrays, by torch's names; the hand-written code only reads them
        "weight_ih": rnn.weight_ih_l0.detach().numpy(),
        "weight_hh": rnn.weight_hh_l0.detach().numpy(),
        "bias_ih": rnn.bias_ih_l0.detach().numpy(),
        "bias_hh": rnn.bias_hh_l0.detach().numpy(),
        "weight_hy": head.weight.detach().numpy(),
        "bias_y": head.bias.detach().numpy(),
    }

    loss_hand, hs, probs = forward_by_hand(p, xs, ys, h0)
    grads_hand = backward_by_hand(p, xs, ys, hs, probs, through_time=not args.forget_time)
    loss_tape, grads_tape = backward_on_tape(rnn, head, xs, ys, h0)

    print(f"text {args.text!r}: {len(ys)} steps, {V} characters, hidden size {H}, float64")
    if args.forget_time:
        print("--forget-time: the hand-written backward leaves out dh_next, as a bug would")
    print(f"loss  by hand {loss_hand:.15f}   on the tape {loss_tape:.15f}")
    print(f"{'gradient of':<12} {'shape':<10} {'largest |by hand - tape|':>25}")
    differences = {}
    for name, g in grads_hand.items():
        differences[name] = float(np.abs(g - grads_tape[name]).max())
        print(f"{name:<12} {str(g.shape):<10} {differences[name]:>25.3e}")
    largest = max(differences.values())
    ok = largest <= args.tolerance and abs(loss_hand - loss_tape) <= args.tolerance
    path = plot(differences, args, folder)
    verdict = "agree" if ok else "DISAGREE"
    print(f"final: largest difference={largest:.3e} (tolerance {args.tolerance:g}): they {verdict}")
    return {
        "loss": loss_tape,
        "loss_difference": abs(loss_hand - loss_tape),
        "differences": differences,
        "largest_difference": largest,
        "ok": ok,
        "files": [path] if path else [],
    }


if __name__ == "__main__":
    sys.exit(0 if main()["ok"] else 1)
