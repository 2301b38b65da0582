"""How fast torch's random streams are reproduced: a million numbers, against NumPy's own.

    python benchmarks/bench_random.py            # the table (torch too, when installed)
    python benchmarks/bench_random.py --quick    # fewer repeats (CI smoke)
    python benchmarks/bench_random.py --n 100000

NumPy's ``Generator.standard_normal`` / ``.random`` (ziggurat and a multiply, in C) is the
yardstick: the ratio says how much reproducing torch's bits costs. minitorch_rnn's float32
``randn`` is torch's AVX2 Box-Muller step by step in NumPy -- Cephes log/sin/cos polynomials
and exactly-rounded fused multiply-adds, each a few array passes -- so it is a few times NumPy's
ziggurat. float64 ``randn`` calls the C library's log, sin and cos once per number (NumPy's own
round differently), which costs more. Each entry is the best of `--repeat` runs. Nothing here
asserts a time (tests/test_benchmark_smoke.py only runs it).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import minitorch_rnn as mt  # noqa: E402


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    """The fastest of `repeat` runs, in seconds (the least disturbed by the machine)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def cases(n: int) -> list[tuple[str, Callable[[], Any], Callable[[], Any], Optional[Any]]]:
    """(name, minitorch_rnn call, NumPy's own equivalent, torch's call or None)."""
    rng = np.random.default_rng(0)
    try:
        import torch
    except ImportError:
        torch = None
    f32 = np.float32
    t32 = torch.float32 if torch else None
    t64 = torch.float64 if torch else None
    return [
        ("rand float32", lambda: mt.rand(n), lambda: rng.random(n, dtype=f32),
         torch and (lambda: torch.rand(n, dtype=t32))),
        ("randn float32", lambda: mt.randn(n), lambda: rng.standard_normal(n, dtype=f32),
         torch and (lambda: torch.randn(n, dtype=t32))),
        ("rand float64", lambda: mt.rand(n, dtype=mt.float64), lambda: rng.random(n),
         torch and (lambda: torch.rand(n, dtype=t64))),
        ("randn float64", lambda: mt.randn(n, dtype=mt.float64), lambda: rng.standard_normal(n),
         torch and (lambda: torch.randn(n, dtype=t64))),
        ("randint 0..9", lambda: mt.randint(10, (n,)), lambda: rng.integers(0, 10, n),
         torch and (lambda: torch.randint(10, (n,)))),
        ("randperm", lambda: mt.randperm(n), lambda: rng.permutation(n),
         torch and (lambda: torch.randperm(n))),
    ]  # fmt: skip


def main(argv: Optional[list[str]] = None) -> list[dict[str, Any]]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1_000_000, help="numbers per call")
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--quick", action="store_true", help="n=10000, 2 repeats")
    args = p.parse_args(argv)
    n, repeat = (10_000, 2) if args.quick else (args.n, args.repeat)
    print(f"{n:,} numbers per call, best of {repeat}")
    print(f"{'':16}{'minitorch_rnn':>15}{'NumPy':>11}{'torch':>11}{'mt / NumPy':>12}")
    rows = []
    for name, ours, numpys, torchs in cases(n):
        t_mt, t_np = best_of(ours, repeat), best_of(numpys, repeat)
        t_torch = best_of(torchs, repeat) if torchs else None
        torch_col = f"{t_torch * 1e3:8.1f} ms" if t_torch is not None else f"{'-':>11}"
        print(f"{name:16}{t_mt * 1e3:12.1f} ms{t_np * 1e3:8.1f} ms{torch_col}{t_mt / t_np:11.1f}x")
        rows.append({"name": name, "minitorch": t_mt, "numpy": t_np, "torch": t_torch})
    return rows


if __name__ == "__main__":
    main()
