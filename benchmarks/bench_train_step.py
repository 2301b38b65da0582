"""One RNN training step, three ways: hand-written NumPy BPTT, minitorch_rnn, and torch (CPU).

minitorch_rnn runs twice more, compiled (docs/compile.md): ``compile(net)`` is
``mt.compile(net)`` with the loss, backward and update around it eager, and ``compile(step)`` is
``mt.compile(step)`` -- forward, backward and SGD's update recorded once and replayed.

    python benchmarks/bench_train_step.py                 # all workloads, full repeats
    python benchmarks/bench_train_step.py --quick         # a few repeats (CI smoke)
    python benchmarks/bench_train_step.py --json out.json --repeat 200 --workload seed
    python benchmarks/bench_train_step.py --memory        # tracemalloc: peak, flat over steps
    python benchmarks/bench_train_step.py --profile medium  # cProfile of minitorch_rnn's step
    python benchmarks/bench_train_step.py --profile medium --profile-what step  # the compiled one

One training step = ``nn.RNN`` forward (tanh, biases) + ``nn.Linear`` head on the last output
+ MSE loss + full BPTT backward + plain SGD update, in float32, with identical weights and data
for every implementation (``numpy_bptt.init_params`` makes them; the others load them with
``load_state_dict``). The implementations are timed *interleaved* in one process -- one step
of each in turn, the order rotated every round (A B C, B C A, C A B, ...) -- so that machine
drift and another process's load hit all of them alike; the table shows per-step medians and
each one's ratio to the hand-written NumPy. NumPy's BLAS is pinned to one thread by default
(``--threads N`` for N, ``--threads 0`` to leave it as found; threadpoolctl does it), as issue
17's targets are stated, and torch gets as many threads as NumPy's BLAS has.
Objects alive before the timed loop (torch's, mostly) are frozen out of the cycle collector's
walks (``gc.freeze``; ``--no-gc-freeze`` to not): sharing a process with torch would otherwise
make each collection that minitorch_rnn's tape triggers walk ~150,000 extra objects.

torch's OpenMP threads busy-wait for a while after each parallel op. Interleaved, that spinning
steals the cores from whatever runs next -- NumPy's BLAS threads most of all -- and made the
hand-written NumPy look ~25% slower on the medium workload (so every ratio to it looked
better). So ``OMP_WAIT_POLICY=PASSIVE`` is set before torch is imported (unless you set it
yourself): then its idle threads sleep, and torch itself gets faster too.

Nothing here asserts a time: the benchmark prints, tests only check that it runs and that
the three implementations agree (tests/test_benchmark_smoke.py).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

try:
    import resource  # page fault counts (Unix only)
except ImportError:
    resource = None  # type: ignore[assignment]

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch loads: see the docstring
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy_bptt  # noqa: E402  (the hand-written reference, next to this file)

LR = 0.01
OUT_FEATURES = 1  # the Linear head predicts one number per sequence
GOALS = {"seed": 2.0, "medium": 1.3, "long": 2.0}  # issue 6: ratio to hand-written NumPy
COMPILED_GOALS = {"seed": 1.5, "medium": 1.1, "long": 1.3}  # issue 17: the faster compiled one


@dataclass(frozen=True)
class Workload:
    name: str
    input_size: int
    hidden_size: int
    num_layers: int
    seq_len: int
    batch: int
    repeat: int  # default number of timed rounds
    warmup: int

    def describe(self) -> str:
        return (
            f"RNN({self.input_size}, {self.hidden_size}, {self.num_layers}) "
            f"T={self.seq_len} B={self.batch}"
        )


WORKLOADS = {
    "seed": Workload("seed", 10, 20, 2, 5, 3, repeat=600, warmup=30),
    "medium": Workload("medium", 32, 128, 2, 50, 32, repeat=120, warmup=5),
    "long": Workload("long", 8, 64, 1, 500, 16, repeat=60, warmup=3),
}


def make_problem(
    w: Workload, seed: int = 0, dtype: Any = np.float32
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Weights (torch's state_dict names, see numpy_bptt), input x (T, B, I), target (B, O)."""
    params = numpy_bptt.init_params(
        w.input_size, w.hidden_size, w.num_layers, OUT_FEATURES, seed=seed, dtype=dtype
    )
    rng = np.random.default_rng(seed + 1)
    x = rng.standard_normal((w.seq_len, w.batch, w.input_size)).astype(dtype)
    target = rng.standard_normal((w.batch, OUT_FEATURES)).astype(dtype)
    return params, x, target


# ---- the three implementations: same interface, step() -> loss (before the update) ---------
class NumpyBPTT:
    name = "numpy"

    def __init__(self, w: Workload, params: dict, x: np.ndarray, target: np.ndarray) -> None:
        self.params = {k: v.copy() for k, v in params.items()}
        self.x, self.target = x, target

    def step(self, lr: float = LR) -> float:
        return numpy_bptt.train_step(self.params, self.x, self.target, lr)

    def forward_backward(self) -> Any:
        loss, cache = numpy_bptt.forward(self.params, self.x, self.target)
        return loss, numpy_bptt.backward(self.params, cache)

    def saved_bytes(self) -> int:
        return numpy_bptt.saved_bytes(numpy_bptt.forward(self.params, self.x, self.target)[1])


def minitorch_missing() -> Optional[str]:
    """Why minitorch_rnn cannot run the step yet (None when it can)."""
    try:
        import minitorch_rnn as mt

        mt.nn.RNN, mt.nn.Linear, mt.nn.functional.mse_loss, mt.optim.SGD  # noqa: B018
    except (ImportError, AttributeError) as e:
        return f"{type(e).__name__}: {e}"
    return None


class Minitorch:
    name = "minitorch"

    def __init__(self, w: Workload, params: dict, x: np.ndarray, target: np.ndarray) -> None:
        import minitorch_rnn as mt

        dtype = mt.float64 if x.dtype == np.float64 else mt.float32

        class Model(mt.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.rnn = mt.nn.RNN(w.input_size, w.hidden_size, w.num_layers, dtype=dtype)
                self.head = mt.nn.Linear(w.hidden_size, OUT_FEATURES, dtype=dtype)

            def forward(self, x: Any) -> Any:  # (what mt.compile(net) records)
                output, _ = self.rnn(x)
                return self.head(output[-1])

        self.mt = mt
        self.model = Model()
        self.model.load_state_dict(params)
        self.x, self.target = mt.tensor(x), mt.tensor(target)
        self.optimizer = mt.optim.SGD(self.model.parameters(), lr=LR)
        self.mse_loss = mt.nn.functional.mse_loss

    def loss(self) -> Any:
        output, _ = self.model.rnn(self.x)
        return self.mse_loss(self.model.head(output[-1]), self.target)

    def step(self, lr: float = LR) -> float:
        self.optimizer.zero_grad()
        loss = self.loss()
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def forward_backward(self) -> Any:
        self.optimizer.zero_grad()
        loss = self.loss()
        loss.backward()
        return loss

    def grads(self) -> dict[str, np.ndarray]:
        return {n: p.grad._data for n, p in self.model.named_parameters()}


class CompiledModule(Minitorch):
    """``step_net = mt.compile(net)``; the step around it stays eager (docs/compile.md)."""

    name = "compile(net)"

    def __init__(self, w: Workload, params: dict, x: np.ndarray, target: np.ndarray) -> None:
        super().__init__(w, params, x, target)
        self.step_net = self.mt.compile(self.model)

    def loss(self) -> Any:
        return self.mse_loss(self.step_net(self.x), self.target)


class CompiledStep(Minitorch):
    """``train_step = mt.compile(step)``: forward, backward and SGD's update, replayed."""

    name = "compile(step)"

    def __init__(self, w: Workload, params: dict, x: np.ndarray, target: np.ndarray) -> None:
        super().__init__(w, params, x, target)
        model, opt, mse_loss = self.model, self.optimizer, self.mse_loss

        def step(x: Any, y: Any) -> Any:
            opt.zero_grad()
            loss = mse_loss(model(x), y)
            loss.backward()
            opt.step()
            return loss

        self.train_step = self.mt.compile(step)

    def step(self, lr: float = LR) -> float:
        return float(self.train_step(self.x, self.target)._data)


def torch_missing() -> Optional[str]:
    try:
        import torch  # noqa: F401
    except ImportError as e:
        return f"ImportError: {e}"
    return None


class Torch:
    name = "torch"

    def __init__(self, w: Workload, params: dict, x: np.ndarray, target: np.ndarray) -> None:
        import torch

        dtype = torch.float64 if x.dtype == np.float64 else torch.float32

        class Model(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.rnn = torch.nn.RNN(w.input_size, w.hidden_size, w.num_layers, dtype=dtype)
                self.head = torch.nn.Linear(w.hidden_size, OUT_FEATURES, dtype=dtype)

        self.model = Model()
        self.model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in params.items()})
        self.x, self.target = torch.from_numpy(x.copy()), torch.from_numpy(target.copy())
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=LR)
        self.mse_loss = torch.nn.functional.mse_loss

    def step(self, lr: float = LR) -> float:
        self.optimizer.zero_grad()
        output, _ = self.model.rnn(self.x)
        loss = self.mse_loss(self.model.head(output[-1]), self.target)
        loss.backward()
        self.optimizer.step()
        return loss.item()


def available() -> dict[str, Any]:
    """name -> class for what can run here; name -> reason string for what cannot."""
    found: dict[str, Any] = {"numpy": NumpyBPTT}
    found["minitorch"] = minitorch_missing() or Minitorch
    found["compile(net)"] = minitorch_missing() or CompiledModule
    found["compile(step)"] = minitorch_missing() or CompiledStep
    found["torch"] = torch_missing() or Torch
    return found


def build(w: Workload, dtype: Any = np.float32, seed: int = 0) -> list[Any]:
    """One instance of every runnable implementation, all from the same weights and data."""
    params, x, target = make_problem(w, seed=seed, dtype=dtype)
    return [cls(w, params, x, target) for cls in available().values() if not isinstance(cls, str)]


# ---- the machine ---------------------------------------------------------------------------
def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def blas_threads() -> tuple[Optional[int], str]:
    """NumPy's BLAS threads, from threadpoolctl if it is installed (else unknown)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None, "unknown (pip install threadpoolctl to see NumPy's BLAS threads)"
    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    mine = [i for i in blas if "numpy" in i.get("filepath", "")] or blas
    if not mine:
        return None, "unknown (threadpoolctl found no BLAS)"
    i = mine[0]
    desc = f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')})"
    return int(i["num_threads"]), desc


def machine_info(threads: Optional[int], blas: str) -> dict[str, Any]:
    info: dict[str, Any] = {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas,
        "blas_threads": threads if threads is not None else "unknown",
    }
    if hasattr(os, "sched_getaffinity"):
        info["usable_cores"] = len(os.sched_getaffinity(0))
    if not torch_missing():
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
        info["omp_wait_policy"] = os.environ.get("OMP_WAIT_POLICY")
    if hasattr(os, "getloadavg"):
        info["load_average_at_start"] = [round(x, 2) for x in os.getloadavg()]
    return info


# ---- timing ---------------------------------------------------------------------------------
def minor_page_faults() -> int:
    """Page faults of this process so far (0 where `resource` is missing, i.e. on Windows).

    Each costs the kernel a fresh zeroed 4 KiB page -- ~1.6 us on the VM we measured on -- and
    a step pays them again for memory the allocator gave back to the system after the last one.
    """
    if resource is None:
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def time_interleaved(
    impls: list[Any], repeat: int, warmup: int, faults: Optional[dict[str, int]] = None
) -> dict[str, list[float]]:
    """Per-step seconds of each implementation, one step of each per round, order rotated.

    `faults`, if given, receives each implementation's page faults over all timed steps.
    """
    for impl in impls:
        for _ in range(warmup):
            impl.step()
    times: dict[str, list[float]] = {impl.name: [] for impl in impls}
    counted = {impl.name: 0 for impl in impls}
    clock = time.perf_counter
    for r in range(repeat):
        k = r % len(impls)
        for impl in impls[k:] + impls[:k]:
            f0 = minor_page_faults()
            t0 = clock()
            impl.step()
            times[impl.name].append(clock() - t0)
            counted[impl.name] += minor_page_faults() - f0
    if faults is not None:
        faults.update(counted)
    return times


def summarise(times: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    out = {}
    for name, ts in times.items():
        ms = sorted(t * 1e3 for t in ts)
        q = statistics.quantiles(ms, n=4) if len(ms) > 1 else [ms[0]] * 3
        out[name] = {"median_ms": q[1], "p25_ms": q[0], "p75_ms": q[2], "min_ms": ms[0]}
    ref = out["numpy"]["median_ms"]
    for name, s in out.items():
        s["ratio"] = s["median_ms"] / ref  # what the table shows: ratio of the medians
        # the median of per-round ratios (same round, so same machine load): a drift check
        s["paired_ratio"] = statistics.median(a / b for a, b in zip(times[name], times["numpy"]))
    return out


def run_timing(
    names: list[str],
    repeat: Optional[int],
    quick: bool,
    freeze: bool = True,
    dtype: Any = np.float32,
) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for name in names:
        w = WORKLOADS[name]
        impls = build(w, dtype=dtype)
        losses = {impl.name: impl.step() for impl in impls}  # one step each: they must agree
        n = 3 if quick else (repeat or w.repeat)
        if freeze:
            # Importing torch leaves ~150,000 objects that every full collection of Python's
            # cycle collector would walk -- while minitorch_rnn's tape triggers collections.
            # Freezing what exists now keeps that cost (of sharing a process with torch) out of
            # minitorch_rnn's times; the collector still runs on everything made from now on.
            gc.collect()
            gc.freeze()
        faults: dict[str, int] = {}
        # (a compiled step records twice, then replays once interpreted before its generated
        # code runs: --quick warms up past that, so its 3 rounds time what a long run would)
        times = time_interleaved(impls, n, 4 if quick else w.warmup, faults)
        if freeze:
            gc.unfreeze()
        results[name] = {
            "workload": w.describe(),
            "repeat": n,
            "first_step_loss": losses,
            "stats": summarise(times),
            "page_faults_per_step": {k: v / n for k, v in faults.items()},
        }
        print(f"  {name:7s} {w.describe():28s} done ({n} interleaved rounds)", flush=True)
    return results


def print_table(results: dict[str, dict[str, Any]], missing: dict[str, str]) -> None:
    cols = ["numpy", "minitorch", "compile(net)", "compile(step)", "torch"]
    head = f"{'workload':8s} {'shape':28s}" + "".join(f"{c + ' ms':>17s}" for c in cols)
    head += f"{'minitorch/np':>14s}{'net/np':>8s}{'step/np':>9s}{'torch/np':>10s}{'goal':>7s}"
    head += f"{'compiled goal':>15s}  verdict"
    print(head)
    print("-" * len(head))
    for name, r in results.items():
        s = r["stats"]
        row = f"{name:8s} {r['workload']:28s}"
        for c in cols:
            row += f"{s[c]['median_ms']:17.3f}" if c in s else f"{'-':>17s}"
        mt_ratio = s["minitorch"]["ratio"] if "minitorch" in s else None
        th_ratio = s["torch"]["ratio"] if "torch" in s else None
        net_ratio = s["compile(net)"]["ratio"] if "compile(net)" in s else None
        step_ratio = s["compile(step)"]["ratio"] if "compile(step)" in s else None
        row += f"{mt_ratio:13.2f}x" if mt_ratio is not None else f"{'-':>14s}"
        row += f"{net_ratio:7.2f}x" if net_ratio is not None else f"{'-':>8s}"
        row += f"{step_ratio:8.2f}x" if step_ratio is not None else f"{'-':>9s}"
        row += f"{th_ratio:9.2f}x" if th_ratio is not None else f"{'-':>10s}"
        goal = GOALS.get(name)
        row += f"{goal:6.1f}x" if goal else f"{'':7s}"
        compiled_goal = COMPILED_GOALS.get(name)
        row += f"{compiled_goal:14.1f}x" if compiled_goal else f"{'':15s}"
        verdict = []
        if r["repeat"] < 10:  # --quick: a smoke test, not a measurement
            print(row + "  (too few rounds for a verdict)")
            continue
        if mt_ratio is not None and goal:
            verdict.append("goal met" if mt_ratio <= goal else "goal missed")
        best = min((r for r in (net_ratio, step_ratio) if r is not None), default=None)
        if best is not None and compiled_goal:
            verdict.append("compiled goal " + ("met" if best <= compiled_goal else "missed"))
        if mt_ratio is not None and th_ratio is not None:
            verdict.append("beats torch" if mt_ratio < th_ratio else "slower than torch")
        print(row + "  " + ", ".join(verdict))
    print("(per-step medians of interleaved runs; ratios are to the hand-written NumPy BPTT)")
    for name, r in results.items():
        per_step = r.get("page_faults_per_step", {})
        if any(per_step.values()):
            counts = " / ".join(f"{c} {per_step[c]:.0f}" for c in cols if c in per_step)
            print(f"page faults per step, {name}: {counts}")
    for name, why in missing.items():
        print(f"not run: {name}: {why}")


# ---- memory ---------------------------------------------------------------------------------
def peak_bytes(fn: Any) -> int:
    """Peak tracemalloc bytes above the starting point while `fn()` runs (and its garbage)."""
    gc.collect()
    started = tracemalloc.is_tracing()
    if not started:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    result = fn()
    peak = tracemalloc.get_traced_memory()[1] - base
    del result
    if not started:
        tracemalloc.stop()
    return peak


def flat_memory(impl: Any, steps: int) -> dict[str, int]:
    """tracemalloc's current bytes after steps 100, 1000 and `steps` (collected first)."""
    checkpoints = sorted({min(100, steps), min(1000, steps), steps} - {0})
    flat: dict[str, int] = {}
    tracemalloc.start()
    for i in range(1, steps + 1):
        impl.step()
        if i in checkpoints:
            gc.collect()
            flat[str(i)] = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return flat


def run_memory(names: list[str], steps: int, quick: bool) -> dict[str, Any]:
    """Peak of one forward+backward, and whether memory stays flat over many steps."""
    out: dict[str, Any] = {"peak": {}}
    have_mt = minitorch_missing() is None
    for name in names:
        w = WORKLOADS[name]
        params, x, target = make_problem(w)
        ref = NumpyBPTT(w, params, x, target)
        ref.step()  # warm: first-call allocations are not the step's
        row: dict[str, Any] = {
            "saved_activations_bytes": ref.saved_bytes(),
            "numpy_peak_bytes": peak_bytes(ref.forward_backward),
        }
        if have_mt:
            mt_impl = Minitorch(w, params, x, target)
            mt_impl.step()
            mt_impl.optimizer.zero_grad()
            row["minitorch_peak_bytes"] = peak_bytes(mt_impl.forward_backward)
            row["ratio"] = row["minitorch_peak_bytes"] / row["numpy_peak_bytes"]
            # a whole step (update included), hand-written against mt.compile(step), replaying
            compiled = CompiledStep(w, params, x, target)
            for _ in range(4):  # records twice (no .grad yet, then .grad), replays once with
                compiled.step()  # replay.py's interpreter, then writes the step as Python
            row["numpy_step_peak_bytes"] = peak_bytes(ref.step)
            row["compiled_step_peak_bytes"] = peak_bytes(compiled.step)
            row["compiled_ratio"] = row["compiled_step_peak_bytes"] / row["numpy_step_peak_bytes"]
        out["peak"][name] = row

    print("\npeak memory of one forward+backward (tracemalloc, gradients included)")
    print(
        f"{'workload':8s}{'saved acts':>14s}{'numpy peak':>14s}{'minitorch peak':>16s}{'ratio':>8s}"
    )
    for name, row in out["peak"].items():
        line = f"{name:8s}{_mb(row['saved_activations_bytes']):>14s}{_mb(row['numpy_peak_bytes']):>14s}"
        if "minitorch_peak_bytes" in row:
            line += f"{_mb(row['minitorch_peak_bytes']):>16s}{row['ratio']:7.2f}x"
        print(line)
    if have_mt:
        print("peak memory of one whole step (update included): hand-written vs mt.compile(step)")
        for name, row in out["peak"].items():
            print(
                f"{name:8s}{_mb(row['numpy_step_peak_bytes']):>14s}"
                f"{_mb(row['compiled_step_peak_bytes']):>16s}{row['compiled_ratio']:7.2f}x"
            )

    if not have_mt:
        print("flat-memory check skipped: minitorch_rnn cannot run the step yet")
        return out
    # Flat over many steps: the graph of one step must be gone before the next. At each
    # checkpoint a full collection first empties CPython's free lists (freed tuples, lists, ...
    # kept for reuse, up to a cap): tracemalloc counts those as allocated, and their filling
    # up over the first few hundred steps would look like growth. What is left is what lives.
    w = WORKLOADS["seed"]
    impl = Minitorch(w, *make_problem(w))
    steps = 20 if quick else steps
    out["flat_compiled"] = flat_memory(CompiledStep(w, *make_problem(w)), steps)
    print("\nflat memory, seed workload, mt.compile(step), tracemalloc current after step n:")
    print("  " + ", ".join(f"n={k}: {_mb(v)}" for k, v in out["flat_compiled"].items()))
    checkpoints = sorted({min(100, steps), min(1000, steps), steps} - {0})
    flat: dict[str, int] = {}
    tracemalloc.start()
    for i in range(1, steps + 1):
        impl.step()
        if i in checkpoints:
            gc.collect()
            flat[str(i)] = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    # Objects that only the cycle collector frees, per step (0: refcounting frees the graph).
    gc.collect()
    gc.disable()
    try:
        impl.step()
        cyclic = gc.collect()
    finally:
        gc.enable()
    out["flat"] = {"workload": "seed", "current_bytes_after_step": flat, "cyclic_garbage": cyclic}
    print(f"\nflat memory, seed workload, tracemalloc current after step n ({steps} steps):")
    print("  " + ", ".join(f"n={k}: {_mb(v)}" for k, v in flat.items()))
    for a, b in zip(checkpoints, checkpoints[1:]):
        print(f"  growth from step {a} to step {b}: {flat[str(b)] - flat[str(a)]:+d} bytes")
    print(f"  objects freed only by the cycle collector after one step: {cyclic}")

    # A long sequence trains at all (iterative backward, no recursion limit).
    if not quick:
        long_w = Workload("T5000", 8, 64, 1, 5000, 16, repeat=1, warmup=0)
        impl = Minitorch(long_w, *make_problem(long_w))
        t0 = time.perf_counter()
        loss0 = impl.step()
        loss1 = impl.step()
        dt = (time.perf_counter() - t0) / 2
        out["t5000"] = {"seconds_per_step": dt, "losses": [loss0, loss1]}
        print(f"\nRNN(8, 64, 1) T=5000 B=16: {dt:.2f} s/step, loss {loss0:.5f} -> {loss1:.5f}")
    return out


def _mb(n: int) -> str:
    return f"{n / 2**20:.2f} MiB" if abs(n) >= 2**20 else f"{n / 2**10:.1f} KiB"


# ---- profile --------------------------------------------------------------------------------
PROFILED = {"eager": Minitorch, "net": CompiledModule, "step": CompiledStep}


def run_profile(name: str, steps: Optional[int], top: int = 25, which: str = "eager") -> str:
    """cProfile of minitorch_rnn's training step; the top functions by own time.

    `which`: the eager step, or the compiled module (``net``) or compiled step (``step``).
    """
    why = minitorch_missing()
    if why:
        return f"cannot profile minitorch_rnn: {why}"
    w = WORKLOADS[name]
    impl = PROFILED[which](w, *make_problem(w))
    for _ in range(4):  # (a compiled step records twice, replays once to note its backward
        impl.step()  # schedule, then writes itself as Python: what follows is the replay)
    steps = steps or max(3, min(50, w.repeat // 4))
    gc.collect()
    gc.freeze()  # as in run_timing: torch's objects are not minitorch_rnn's collector cost
    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    profiler.enable()
    for _ in range(steps):
        impl.step()
    profiler.disable()
    wall = (time.perf_counter() - t0) / steps
    gc.unfreeze()
    buf = io.StringIO()
    stats = pstats.Stats(profiler, stream=buf)
    stats.sort_stats("tottime").print_stats(top)
    head = (
        f"cProfile of minitorch_rnn ({which}), {name} workload ({w.describe()}), {steps} steps, "
        f"{wall * 1e3:.1f} ms/step under the profiler; calls are totals over the {steps} steps"
    )
    return head + "\n" + buf.getvalue()


# ---- command line ---------------------------------------------------------------------------
def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--workload", choices=list(WORKLOADS), action="append", help="(repeatable)")
    p.add_argument(
        "--quick",
        action="store_true",
        help="3 rounds after 4 warm-up steps: a smoke test, no verdict",
    )
    p.add_argument("--repeat", type=int, help="timed rounds per workload")
    p.add_argument("--json", metavar="PATH", help="write the results here")
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="BLAS / torch threads (default 1, as issue 17's targets; 0: leave as found)",
    )
    p.add_argument("--memory", action="store_true", help="tracemalloc peak and flat-memory check")
    p.add_argument("--memory-steps", type=int, default=1000, help="steps of the flat check")
    p.add_argument("--profile", choices=list(WORKLOADS), help="cProfile minitorch_rnn's step")
    p.add_argument("--profile-steps", type=int)
    p.add_argument(
        "--profile-what",
        choices=list(PROFILED),
        default="eager",
        help="profile the eager step, mt.compile(net) or mt.compile(step)",
    )
    p.add_argument("--no-timing", action="store_true", help="only --memory / --profile")
    p.add_argument(
        "--dtype",
        choices=["float32", "float64"],
        default="float32",
        help="float32 is the measuring stick; float64 has no subnormal slow-down in 'long'",
    )
    p.add_argument(
        "--no-gc-freeze",
        action="store_true",
        help="let the cycle collector walk torch's objects during minitorch_rnn's steps too",
    )
    args = p.parse_args(argv)
    names = args.workload or list(WORKLOADS)

    threads, blas = blas_threads()
    limiter = None
    if args.threads:
        try:
            from threadpoolctl import threadpool_limits

            limiter = threadpool_limits(limits=args.threads, user_api="blas")
            threads, blas = blas_threads()  # (what the BLAS now says it has)
        except ImportError:
            print("--threads needs threadpoolctl; set OPENBLAS_NUM_THREADS before starting instead")
    torch_threads = None
    if not torch_missing():
        import torch

        torch_threads = torch.get_num_threads()  # (put back at the end)
        torch.set_num_threads(threads or os.cpu_count() or 1)

    info = machine_info(threads, blas)
    print(
        f"machine: {info['cpu']}, {info['cores']} cores"
        + (f" ({info['usable_cores']} usable)" if "usable_cores" in info else "")
    )
    print(f"numpy {info['numpy']}, BLAS {blas}, BLAS threads: {info['blas_threads']}")
    if "torch" in info:
        print(
            f"torch {info['torch']}, torch.set_num_threads({info['torch_threads']}), "
            f"OMP_WAIT_POLICY={info['omp_wait_policy']}"
        )
    if "load_average_at_start" in info:
        print(f"load average: {info['load_average_at_start']} (other processes share the CPU)")

    found = available()
    missing = {k: v for k, v in found.items() if isinstance(v, str)}
    report: dict[str, Any] = {"machine": info, "lr": LR, "out_features": OUT_FEATURES}

    if not args.no_timing:
        print(f"\ntiming (interleaved, {args.dtype}):", flush=True)
        report["timing"] = run_timing(
            names, args.repeat, args.quick, not args.no_gc_freeze, np.dtype(args.dtype)
        )
        report["dtype"] = args.dtype
        report["gc_freeze"] = not args.no_gc_freeze
        if hasattr(os, "getloadavg"):
            info["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
        print()
        print_table(report["timing"], missing)
    if args.memory:
        report["memory"] = run_memory(names, args.memory_steps, args.quick)
    if args.profile:
        text = run_profile(args.profile, args.profile_steps, which=args.profile_what)
        report["profile"] = {"workload": args.profile, "text": text}
        print("\n" + text)
    report["missing"] = missing
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)
        print(f"wrote {args.json}")
    if limiter is not None:
        limiter.restore_original_limits()
    if torch_threads is not None:
        torch.set_num_threads(torch_threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
