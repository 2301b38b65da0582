"""Record PyTorch's results for every call in ``tests/value_table.py`` into ``values.npz``.

Run from the repository root, with torch installed (only this script needs it):

    python tests/reference/make_reference_values.py

For call ``name`` it stores ``name/0``, ``name/1``, ... -- the result's tensors and Python
values as numpy arrays, in order (see `value_table.as_arrays`).
``__meta__/torch_version`` records which torch produced them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # so `value_table` imports
from value_table import CALLS, as_arrays  # noqa: E402

OUT_FILE = Path(__file__).resolve().parent / "values.npz"


def main() -> None:
    entries: dict[str, np.ndarray] = {"__meta__/torch_version": np.array(torch.__version__)}
    for name, call in CALLS.items():
        for k, array in enumerate(as_arrays(call(torch))):
            entries[f"{name}/{k}"] = array
    np.savez_compressed(OUT_FILE, **entries)
    size_kb = OUT_FILE.stat().st_size / 1024
    print(f"wrote {OUT_FILE.name}: {len(CALLS)} calls, {len(entries) - 1} arrays, {size_kb:.0f} KB")


if __name__ == "__main__":
    main()
