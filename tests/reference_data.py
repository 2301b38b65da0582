"""Reading the stored torch reference data in tests/reference/*.npz (shared by the test files).

Each file holds arrays under ``{case}/{field}`` keys and a JSON list of case settings under
``__cases__``; ``tests/reference/make_reference_nn.py`` writes them with torch 2.13.
"""

from __future__ import annotations

import functools
import json
import pathlib
from typing import Any

import numpy as np

REFERENCE_DIR = pathlib.Path(__file__).resolve().parent / "reference"

# float64 should agree with torch to rounding.  In float32, torch's own result is up to
# ~40% of this budget away from the exact (float64) answer on these cases, which leaves
# room for another correct float32 implementation that rounds differently.
TOLERANCE: dict[str, dict[str, float]] = {
    "float64": {"rtol": 1e-10, "atol": 1e-12},
    "float32": {"rtol": 1e-5, "atol": 2e-6},
}


def read_cases(filename: str) -> list[dict[str, Any]]:
    """The ``__cases__`` list of one reference file: one dict of settings per case."""
    with np.load(REFERENCE_DIR / filename) as archive:
        cases: list[dict[str, Any]] = json.loads(str(archive["__cases__"]))
    return cases


@functools.cache
def read_arrays(filename: str) -> dict[str, dict[str, np.ndarray]]:
    """All ``{case}/{field}`` arrays of one file as ``{case: {field: array}}`` (read once)."""
    by_case: dict[str, dict[str, np.ndarray]] = {}
    with np.load(REFERENCE_DIR / filename) as archive:
        for key in archive.files:
            if key.startswith("__"):
                continue
            case_id, field = key.split("/", 1)
            by_case.setdefault(case_id, {})[field] = archive[key]
    return by_case


def case_ids(cases: list[dict[str, Any]]) -> list[str]:
    return [case["id"] for case in cases]


def to_numpy(tensor: Any) -> np.ndarray:
    """Like torch, a tensor that tracks gradients must be detached before ``.numpy()``."""
    return np.asarray(tensor.detach().numpy())
