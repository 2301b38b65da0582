"""Write torch's random numbers for tests/test_random.py: ``tests/reference/random.npz``.

Run it once, with torch installed, from the repository root::

    python tests/reference/make_reference_random.py

For each sequence of `tests/random_calls.py` (a seed, then a list of calls) it stores every
call's result under ``{sequence id}/{i}``; plus torch's generator state bytes
(``state/...``), the README's seed session (``session/...``) and the shuffled batches of a
DataLoader (``data/...``). The tests replay the same
calls on minitorch_rnn and compare bit for bit, without torch installed.
"""

from __future__ import annotations

import json
import pathlib
import sys

import numpy as np
import torch

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from random_calls import CALLS, SEQUENCES, data_pipeline  # noqa: E402


def session() -> dict[str, np.ndarray]:
    """README's 'A taste': the weights, inputs and outputs torch prints after manual_seed(0)."""
    torch.manual_seed(0)
    rnn = torch.nn.RNN(10, 20, 2)
    input = torch.randn(5, 3, 10)
    h0 = torch.randn(2, 3, 20)
    output, hn = rnn(input, h0)
    output.sum().backward()
    arrays = {f"param/{n}": p.detach().numpy() for n, p in rnn.named_parameters()}
    arrays.update(input=input.numpy(), h0=h0.numpy(), output=output.detach().numpy())
    arrays.update({"hn": hn.detach().numpy(), "grad/weight_hh_l0": rnn.weight_hh_l0.grad.numpy()})
    return {f"session/{k}": v for k, v in arrays.items()}


def states() -> dict[str, np.ndarray]:
    """torch.get_rng_state() after a seed, after draws, and with a cached normal."""
    out = {}
    torch.manual_seed(5)
    out["state/seeded_5"] = torch.get_rng_state().numpy()
    torch.rand(700)  # past one twist of the 624-word state
    out["state/after_700"] = torch.get_rng_state().numpy()
    torch.randn(3)  # leaves a normal cached
    out["state/cached_normal"] = torch.get_rng_state().numpy()
    out["state/next_after_cached"] = torch.randn(4).numpy()
    return out


def main() -> None:
    arrays: dict[str, np.ndarray] = {}
    for seq_id, seed, names in SEQUENCES:
        torch.manual_seed(seed)
        for i, name in enumerate(names):
            arrays[f"{seq_id}/{i}"] = CALLS[name](torch).detach().numpy()
    for seed in (0, 3):
        for use_generator in (False, True):
            for i, t in enumerate(data_pipeline(torch, seed, use_generator)):
                arrays[f"data/seed{seed}_generator{int(use_generator)}/{i}"] = t.numpy()
    arrays.update(states())
    arrays.update(session())
    meta = {"torch": torch.__version__, "numpy": np.__version__}
    cases = [{"id": seq_id, "seed": seed, "calls": names} for seq_id, seed, names in SEQUENCES]
    np.savez_compressed(
        HERE / "random.npz", __meta__=json.dumps(meta), __cases__=json.dumps(cases), **arrays
    )


if __name__ == "__main__":
    main()
