"""The benchmark still runs, and its implementations do the same step. Never a timing assertion."""

from __future__ import annotations

import json
import pathlib
import sys

import numpy as np
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "benchmarks"))
import bench_train_step as bench  # noqa: E402

SEED = bench.WORKLOADS["seed"]


def test_minitorch_and_reference_are_both_in_the_benchmark():
    found = bench.available()
    assert found["numpy"] is bench.NumpyBPTT
    assert found["minitorch"] is bench.Minitorch, found["minitorch"]  # a string says why not


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_implementation_gives_the_same_losses(dtype):
    """Same loss on step 1, and on step 2 -- i.e. after one identical SGD update."""
    impls = bench.build(SEED, dtype=dtype)
    names = [impl.name for impl in impls]
    assert names[:2] == ["numpy", "minitorch"]
    losses = np.array([[impl.step() for _ in range(2)] for impl in impls])
    tol = {"rtol": 1e-5, "atol": 1e-7} if dtype == np.float32 else {"rtol": 1e-11, "atol": 1e-13}
    for name, row in zip(names[1:], losses[1:]):
        np.testing.assert_allclose(row, losses[0], err_msg=name, **tol)
    assert losses[0, 1] < losses[0, 0]  # the update went downhill


def test_quick_interleaved_timing_and_summary():
    impls = bench.build(SEED)
    times = bench.time_interleaved(impls, repeat=3, warmup=1)
    assert {name: len(ts) for name, ts in times.items()} == {impl.name: 3 for impl in impls}
    stats = bench.summarise(times)
    assert stats["numpy"]["ratio"] == 1.0
    assert all(s["median_ms"] > 0 for s in stats.values())


def test_main_quick_on_seed_writes_json(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert bench.main(["--quick", "--workload", "seed", "--memory", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "seed" in printed and "minitorch/np" in printed
    report = json.loads(out.read_text())
    assert report["timing"]["seed"]["stats"]["numpy"]["ratio"] == 1.0
    assert "minitorch" in report["timing"]["seed"]["stats"]
    faults = report["timing"]["seed"]["page_faults_per_step"]
    assert set(faults) == set(report["timing"]["seed"]["stats"]) and min(faults.values()) >= 0
    peak = report["memory"]["peak"]["seed"]
    assert peak["saved_activations_bytes"] > 0 and peak["minitorch_peak_bytes"] > 0
    assert report["machine"]["cores"] >= 1


def test_profile_mode_prints_functions():
    text = bench.run_profile("seed", steps=2, top=5)
    assert "tottime" in text and "cProfile of minitorch_rnn" in text


def test_a_float32_step_stays_float32_everywhere():
    """No accidental float64 upcast: every value on the tape and every gradient is float32."""
    from minitorch_rnn import autograd
    from minitorch_rnn.autograd.plain import topological_order

    params, x, target = bench.make_problem(bench.WORKLOADS["seed"])
    impl = bench.Minitorch(bench.WORKLOADS["seed"], params, x, target)
    with autograd.retain_values(), autograd.retain_grads():
        loss = impl.loss()
        loss.backward()
    nodes = topological_order([loss.grad_fn])
    assert len(nodes) > 30
    for node in nodes:
        values = node.output_value if isinstance(node.output_value, list) else [node.output_value]
        dtypes = {np.asarray(v).dtype for v in values} | {g.dtype for g in node.grad_outputs}
        assert dtypes == {np.dtype(np.float32)}, (node.name(), dtypes)
    for name, p in impl.model.named_parameters():
        assert p.grad.dtype == np.float32, name


def test_bench_random_runs():
    import bench_random

    rows = bench_random.main(["--quick"])
    assert [r["name"] for r in rows][:2] == ["rand float32", "randn float32"]
    assert all(r["minitorch"] > 0 and r["numpy"] > 0 for r in rows)
