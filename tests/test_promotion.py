"""torch's type promotion, from the stored table (tests/reference/promotion.json, torch 2.13):
`dtypes.result_type` and the ops that use it (add, mul, sub, div, cat, unary float functions)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import minitorch_rnn as mt
from minitorch_rnn.dtypes import result_type

TABLE = json.loads((Path(__file__).parent / "reference" / "promotion.json").read_text())["table"]
SCALARS = {"bool": True, "int": 2, "float": 1.5}


def operand(dtype: str, ndim: int) -> Any:
    if ndim < 0:
        return SCALARS[dtype]
    return mt.zeros(*(3,) * ndim, dtype=np.dtype(dtype))


def test_the_table_is_torchs() -> None:
    assert len(TABLE) == 9 * 9 * 4 + 9 * 3 * 2
    wrong = [
        row for row in TABLE
        if result_type(operand(row[0], row[1]), operand(row[2], row[3])).name != row[4]
    ]
    assert not wrong, wrong[:10]


@pytest.mark.parametrize("op", ["add", "mul", "sub"])
def test_binary_ops_give_the_tables_dtype(op: str) -> None:
    for a, da, b, db, expected in TABLE:
        x, y = operand(a, da), operand(b, db)
        try:
            result = getattr(x, op)(y)
        except RuntimeError as e:  # torch refuses bool - bool
            assert op == "sub" and a == b == "bool" or (op == "sub" and "bool" in str(e))
            continue
        assert result.dtype.name == expected, (op, a, da, b, db)


def test_division_and_float_functions_of_integers_are_float32() -> None:
    ints = mt.tensor([1, 2, 4])
    assert (ints / ints).dtype == mt.float32 and (ints / 2).dtype == mt.float32
    for fn in ("tanh", "exp", "log", "sigmoid"):
        assert getattr(ints, fn)().dtype == mt.float32
        assert getattr(mt.tensor([True, False]), fn)().dtype == mt.float32
    assert (mt.tensor([1, 2]) * 2.5).dtype == mt.float32
    assert mt.tensor(np.float64(1.5)).dtype == mt.float64  # a numpy scalar keeps its dtype


def test_cat_promotes_like_torch() -> None:
    parts = [mt.ones(2), mt.ones(2, dtype=mt.int64), mt.ones(2, dtype=mt.bool)]
    assert mt.cat(parts).dtype == mt.float32
    assert mt.cat([mt.ones(2, dtype=mt.int32), mt.ones(2, dtype=mt.int64)]).dtype == mt.int64
    assert mt.stack([mt.ones(2, dtype=mt.float16), mt.ones(2, dtype=mt.int64)]).dtype == mt.float16


def test_float_gradients_keep_their_dtype_through_promotion() -> None:
    w = mt.ones(3, requires_grad=True)  # float32
    (w * mt.tensor([1, 2, 3]) + mt.tensor(2.0, dtype=mt.float64)).sum().backward()
    assert w.grad.dtype == mt.float32 and w.grad.tolist() == [1.0, 2.0, 3.0]


def test_live_table_against_torch() -> None:
    torch = pytest.importorskip("torch")
    for a, da, b, db, expected in TABLE:
        x = torch.zeros((3,) * da, dtype=getattr(torch, a))
        y = SCALARS[b] if db < 0 else torch.zeros((3,) * db, dtype=getattr(torch, b))
        assert str(torch.result_type(x, y)).split(".")[1] == expected
