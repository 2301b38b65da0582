"""Record PyTorch's answers for every case in ``tests/op_table.py`` into ``ops.npz``.

Run from the repository root, with torch installed (only this script needs it):

    python tests/reference/make_reference_ops.py

For each case it draws float64 inputs from the case's domain (seeded by the case name),
runs the case with torch, backpropagates a fixed random ``grad_out`` through the first
output, and stores, for case ``name``::

    name/in0, name/in1, ...           inputs
    name/out, name/out1, ...          outputs (out1: e.g. the indices of max(dim))
    name/grad_out                     the upstream gradient
    name/grad_in0, name/grad_in1, ... torch's input gradients

Cases marked ``float32=True`` are stored again under ``name/f32/...`` with float32 inputs.
``__meta__/torch_version`` records which torch produced the numbers.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # so `op_table` imports
from op_table import CASES, OpCase, case_rng, make_inputs, run_case  # noqa: E402

OUT_FILE = Path(__file__).resolve().parent / "ops.npz"


def record(case: OpCase, dtype: type, prefix: str) -> dict[str, np.ndarray]:
    """Run `case` through torch and return its entries, keyed ``{prefix}/...``."""
    rng = case_rng(case.name)  # the same seed for both dtypes: float32 sees the same values
    arrays = make_inputs(case, rng, dtype)
    result = run_case(torch, case, arrays, rng=rng)

    entries = {f"{prefix}/in{k}": a for k, a in enumerate(arrays)}
    for k, out in enumerate(result.outputs):
        entries[f"{prefix}/out" if k == 0 else f"{prefix}/out{k}"] = out
    entries[f"{prefix}/grad_out"] = result.grad_out
    for k, grad in enumerate(result.grads):
        if grad is None:
            raise RuntimeError(f"{case.name}: input {k} gets no gradient; every input should")
        entries[f"{prefix}/grad_in{k}"] = grad

    assert result.outputs[0].dtype == dtype, f"{case.name}: torch changed the dtype"
    return entries


def main() -> None:
    torch.use_deterministic_algorithms(True)
    entries: dict[str, np.ndarray] = {"__meta__/torch_version": np.array(torch.__version__)}
    for case in CASES:
        entries.update(record(case, np.float64, case.name))
        if case.float32:
            entries.update(record(case, np.float32, f"{case.name}/f32"))
    np.savez_compressed(OUT_FILE, **entries)

    n_f32 = sum(case.float32 for case in CASES)
    size_kb = OUT_FILE.stat().st_size / 1024
    print(f"wrote {OUT_FILE.name}: {len(CASES)} cases ({n_f32} also float32), {size_kb:.0f} KB")


if __name__ == "__main__":
    main()
