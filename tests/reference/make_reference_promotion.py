"""Write torch 2.13's type-promotion table to tests/reference/promotion.json.

    python tests/reference/make_reference_promotion.py

For every pair of dtypes, with each operand a tensor with dims or a 0-d tensor, and for each
dtype with a Python bool, int and float: the dtype of ``a + b``. tests/test_promotion.py checks
`minitorch_rnn.dtypes.result_type` (and real ops) against it without torch.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
SCALARS = {"bool": True, "int": 2, "float": 1.5}


def main() -> None:
    table = []
    for a in DTYPES:
        for b in DTYPES:
            for da in (1, 0):
                for db in (1, 0):
                    x = torch.zeros((3,) * da, dtype=getattr(torch, a))
                    y = torch.zeros((3,) * db, dtype=getattr(torch, b))
                    table.append([a, da, b, db, str(torch.result_type(x, y)).split(".")[1]])
        for name, value in SCALARS.items():
            for da in (1, 0):
                x = torch.zeros((3,) * da, dtype=getattr(torch, a))
                table.append([a, da, name, -1, str(torch.result_type(x, value)).split(".")[1]])
    out = Path(__file__).with_name("promotion.json")
    out.write_text(json.dumps({"torch": torch.__version__, "table": table}) + "\n")
    print(f"wrote {len(table)} rows to {out}")


if __name__ == "__main__":
    main()
