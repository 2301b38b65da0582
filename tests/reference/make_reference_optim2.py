"""Record PyTorch's optimizer trajectories, LBFGS runs and scheduler lr's into ``optim2.npz``.

Run from the repository root, with torch installed (only this script needs it):

    python tests/reference/make_reference_optim2.py

The runs themselves are defined once, in ``tests/optim_cases.py``, for both libraries; this
script runs them with torch and stores, under ``{case id}/...``:

* Adam, AdamW, Adagrad, RMSprop (``TRAJECTORY_CASES``, float64 and float32): ``params``,
  all parameters flattened into one row, before and after every step, ``(STEPS + 1, n)``,
  and the final optimizer state, ``state/{key}`` (see ``flat_state``);
* LBFGS (``LBFGS_CASES``, float64): after each ``step(closure)``, ``a`` and ``b`` stacked,
  the returned ``loss``, and the state's ``func_evals`` and ``n_iter``;
* schedulers (``SCHEDULER_CASES``): ``lrs``, ``get_last_lr()`` after each epoch.

``__cases__`` lists the cases (JSON); ``__meta__`` records the torch and numpy versions.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # so `optim_cases` imports
from optim_cases import (  # noqa: E402
    LBFGS_CASES,
    SCHEDULER_CASES,
    TRAJECTORY_CASES,
    flat_history,
    flat_state,
    run_lbfgs,
    run_scheduler,
    run_trajectory,
)

OUT_FILE = Path(__file__).resolve().parent / "optim2.npz"


def main() -> None:
    arrays: dict[str, np.ndarray] = {}
    cases: list[dict[str, Any]] = []

    for case in TRAJECTORY_CASES:
        # foreach=False: the plain per-parameter loop (torch's default on CPU anyway)
        optimizer, params, history = run_trajectory(torch, case, foreach=False)
        arrays[f"{case['id']}/params"] = flat_history(history)
        for key, value in flat_state(optimizer, params).items():
            arrays[f"{case['id']}/state/{key}"] = value
        cases.append({"kind": "trajectory", **case})

    for case in LBFGS_CASES:
        results = run_lbfgs(torch, case)
        arrays[f"{case['id']}/a"] = np.stack([r["a"] for r in results])
        arrays[f"{case['id']}/b"] = np.stack([r["b"] for r in results])
        arrays[f"{case['id']}/loss"] = np.array([r["loss"] for r in results])
        arrays[f"{case['id']}/func_evals"] = np.array([r["func_evals"] for r in results])
        arrays[f"{case['id']}/n_iter"] = np.array([r["n_iter"] for r in results])
        cases.append({"kind": "lbfgs", **case})

    for case in SCHEDULER_CASES:
        _, lrs = run_scheduler(torch, case)
        arrays[f"{case['id']}/lrs"] = lrs
        cases.append({"kind": "scheduler", **case})

    meta = {"torch": torch.__version__, "numpy": np.__version__, "made_by": Path(__file__).name}
    np.savez_compressed(
        OUT_FILE, __cases__=np.array(json.dumps(cases)), __meta__=np.array(json.dumps(meta)), **arrays
    )
    counts = {kind: sum(c["kind"] == kind for c in cases) for kind in ("trajectory", "lbfgs", "scheduler")}
    print(f"wrote {OUT_FILE.name}: {counts}, {OUT_FILE.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
