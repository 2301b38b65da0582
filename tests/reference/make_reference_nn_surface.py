"""Record PyTorch's answers for every case in ``tests/nn_surface_table.py`` into ``nn_surface.npz``.

Run from the repository root, with torch installed (only this script needs it):

    python tests/reference/make_reference_nn_surface.py

The layout is that of ``ops.npz`` (see ``make_reference_ops.py``): for case ``name``,
``name/in0, ...`` the inputs, ``name/out`` the output, ``name/grad_out`` the upstream
gradient and ``name/grad_in0, ...`` torch's input gradients; float32-marked cases again
under ``name/f32/...``. It also records each case's ``grad_fn`` name (``name/grad_fn``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # so the tables import
from nn_surface_table import CASES  # noqa: E402
from op_table import OpCase, case_rng, first_output, make_inputs, run_case  # noqa: E402

OUT_FILE = Path(__file__).resolve().parent / "nn_surface.npz"


def record(case: OpCase, dtype: type, prefix: str) -> dict[str, np.ndarray]:
    """Run `case` through torch and return its entries, keyed ``{prefix}/...``."""
    rng = case_rng(case.name)
    arrays = make_inputs(case, rng, dtype)
    result = run_case(torch, case, arrays, rng=rng)
    entries = {f"{prefix}/in{k}": a for k, a in enumerate(arrays)}
    entries[f"{prefix}/out"] = result.outputs[0]
    entries[f"{prefix}/grad_out"] = result.grad_out
    for k, grad in enumerate(result.grads):
        if grad is None:
            raise RuntimeError(f"{case.name}: input {k} gets no gradient; every input should")
        entries[f"{prefix}/grad_in{k}"] = grad
    inputs = [torch.tensor(a, requires_grad=True) for a in arrays]
    entries[f"{prefix}/grad_fn"] = np.array(first_output(case.fn(torch, *inputs)).grad_fn.name())
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
