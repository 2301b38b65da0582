"""A PyTorch tutorial's training script, run on minitorch_rnn: the same seed, the same losses.

    python examples/same_seed_as_torch.py             # minitorch_rnn
    python examples/same_seed_as_torch.py --torch     # the same file on PyTorch, if installed
    python examples/same_seed_as_torch.py --compare   # both, side by side

The script below the imports is plain PyTorch -- ``manual_seed``, random data, an ``nn.RNN``
with a ``Linear`` head and ``Dropout``, a shuffling ``DataLoader``, ``SGD`` with momentum -- and
only ``torch`` changes. minitorch_rnn draws every random number as torch's CPU generator does
(weights, data, dropout masks, batch order), so the losses it prints are torch's, from the
first step on; the two differ only where float32 rounds differently in a matrix product
(~1e-7 relative), far below the printed digits.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any, Optional


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    which = p.add_mutually_exclusive_group()
    which.add_argument("--torch", action="store_true", help="run the script on PyTorch")
    which.add_argument("--compare", action="store_true", help="run both, side by side")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def train(torch: Any, epochs: int = 3, seed: int = 0) -> list[float]:
    """The tutorial: learn the sum of a sequence of numbers; returns each step's loss."""
    nn = torch.nn
    DataLoader, TensorDataset = torch.utils.data.DataLoader, torch.utils.data.TensorDataset

    torch.manual_seed(seed)
    x = torch.randn(96, 6, 1)  # 96 sequences of 6 numbers, batch first
    y = x.sum(1) / 3

    class Summer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn = nn.RNN(1, 16, batch_first=True)
            self.drop = nn.Dropout(0.1)
            self.head = nn.Linear(16, 1)

        def forward(self, seq: Any) -> Any:
            out, _ = self.rnn(seq)
            return self.head(self.drop(out[:, -1]))

    model = Summer()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
    losses = []
    for _ in range(epochs):
        for xb, yb in loader:
            loss = nn.functional.mse_loss(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return losses


def main(argv: Optional[list[str]] = None) -> dict[str, Any]:
    args = parse_args(argv)
    names = ["minitorch_rnn", "torch"] if args.compare else ["torch" if args.torch else "minitorch_rnn"]
    runs = {name: train(importlib.import_module(name), args.epochs, args.seed) for name in names}
    print("step  " + "  ".join(f"{name:>13}" for name in names))
    for step, losses in enumerate(zip(*runs.values())):
        print(f"{step:4d}  " + "  ".join(f"{loss:13.4f}" for loss in losses))
    return {"losses": runs}


if __name__ == "__main__":
    main()
