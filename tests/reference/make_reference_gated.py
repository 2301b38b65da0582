"""Write torch's numbers for nn.LSTM, nn.GRU, their cells and packed batches: gated.npz.

Run it once, with torch installed, from the repository root::

    python tests/reference/make_reference_gated.py

The cases and the code that runs them are in ``tests/gated_cases.py``, shared with the test
(``tests/test_gated_reference.py``), which runs the same code with minitorch_rnn. Parameters
and inputs are not stored: both sides draw them from the case id. The file holds:

* ``__cases__``: JSON, one dict per case: its settings and ``layout``, the list of
  ``[name, shape]`` of the numbers torch computed (output, h_n, c_n, then the gradient of every
  input and parameter), in order;
* ``__meta__``: JSON, which torch / numpy made the file, and four numbers `Draw` gave (the
  tests check that their numpy draws the same);
* ``{case id}``: one flat array (the case's dtype) with those numbers, in ``layout`` order.
"""

from __future__ import annotations

import json
import pathlib
import sys
import warnings

import numpy as np
import torch

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests/: gated_cases.py
from gated_cases import Draw, all_cases, run_case  # noqa: E402


def main() -> None:
    torch.use_deterministic_algorithms(True)
    warnings.filterwarnings("ignore", message="LSTM with projections is not supported")
    cases, arrays = [], {}
    for case in all_cases():
        results = run_case(torch, case)
        layout = [[name, list(value.shape)] for name, value in results]
        arrays[case["id"]] = np.concatenate([value.detach().numpy().ravel() for _, value in results])
        cases.append({**case, "layout": layout})
    meta = {
        "torch": torch.__version__,
        "numpy": np.__version__,
        "made_by": pathlib.Path(__file__).name,
        "first_draws": Draw("check", "float64")((4,)).tolist(),  # the tests check numpy agrees
    }
    path = HERE / "gated.npz"
    np.savez_compressed(
        path, __cases__=np.array(json.dumps(cases)), __meta__=np.array(json.dumps(meta)), **arrays
    )
    print(f"{path.name}: {len(cases)} cases, {path.stat().st_size / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
