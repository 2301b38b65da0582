"""``x[i] = v``, ``copy_``, ``fill_``, ``masked_fill_`` and in-place ops at torch's edges, compared
with torch live: which values are accepted, how the value's shape and dtype are fitted (basic
indexing copies and casts, advanced indexing does not), the leaf error's wording, and when
shared memory is refused."""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pytest

import minitorch_rnn as mt

torch = pytest.importorskip("torch")


def outcome(lib: Any, program: str) -> Any:
    """Run `program` (statements; `L` is the library, `x` the tensor it changes) and say what
    happened: torch's error (its name for itself replaced by ours), or x's dtype and values."""
    env: dict[str, Any] = {"L": lib, "np": np}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(program, env)
    except Exception as e:  # noqa: BLE001 -- the error is what we compare
        return type(e).__name__, re.sub(r"\btorch\b", "minitorch_rnn", str(e))
    x = env["x"]
    return str(x.dtype).split(".")[-1], x.detach().double().tolist()


def same_as_torch(program: str) -> None:
    assert outcome(mt, program) == outcome(torch, program)


# ---- 1. the value's shape: leading 1s dropped, then expand (basic); broadcast (advanced) -----

VALUE_SHAPES = [
    "x = L.zeros(1); x[0] = x",  # works: [1] loses its leading 1
    "x = L.zeros(2); x[0] = x",  # expand(...{[2]}, size=[]) ...
    "x = L.zeros(1, 2); x[:, 0] = x",  # The expanded size of the tensor (1) must match ...
    "x = L.zeros(3); x[1:] = L.ones(1, 1, 2)",
    "x = L.zeros(3); x[1:] = L.ones(2, 1)",
    "x = L.zeros((), dtype=L.bool); x[None] = L.zeros(0, 0, 0, dtype=L.bool)",  # CPUBoolType
    "x = L.zeros(1, 1, 2, dtype=L.half); x[None] = x[0, 0, []]",
    "x = L.zeros(2, 2); x[[], 0, None] = x",  # shape mismatch: value tensor of shape ...
    "x = L.zeros(3); x[[0, 1]] = L.ones(1, 1, 2)",
    "x = L.zeros(3); x[[0, 1]] = L.ones(2, 1)",
    "x = L.zeros(3); x[[0, 1]] = L.ones(0, 3)",
    "x = L.zeros(2, 3); x[[0, 1], 1:] = L.arange(2.)",
]


@pytest.mark.parametrize("program", VALUE_SHAPES)
def test_value_shape_rules_as_torch(program: str) -> None:
    same_as_torch(program)


# ---- 2. shared memory: MemoryOverlap.cpp's rules ------------------------------------------

OVERLAP = [
    # setitem, basic: copy_ refuses partial overlap (same memory, other strides or offsets)
    "x = L.zeros(1, 1); x[0] = x",  # the 0-d value expanded has stride 0, x[0] stride 1
    "x = L.zeros(1, 1, 2); x[0] = x",  # full overlap: fine
    "x = L.zeros(1, 1, 1); x[0, 0, 0] = x",
    "x = L.arange(4.); x[0:2] = x[1:3]",
    "x = L.arange(4.); x[0:2] = x[2:4]",
    "x = L.arange(4.).reshape(2, 2); x[:] = x.t()",
    "x = L.arange(4.).reshape(2, 2); x[0] = x[0]",
    "x = L.arange(4.); x[0:2] = x[3]",  # a 0-d value fills (cloned if it is x's)
    "x = L.zeros(2); x[None] = x",
    "x = L.zeros(1); x[None] = x",
    "x = L.arange(6.).reshape(2, 3); x[None] = x[None]",  # torch's strides for a None dim
    # setitem, advanced: index_put_ refuses any overlap with the value or an index
    "x = L.zeros(2); x[[]] = x",
    "x = L.zeros(1); x[[]] = x",
    "x = L.arange(4.); x[[1]] = x[1]",
    "x = L.tensor([0, 1]); x[x] = 5",
    "x = L.tensor([0, 1, 0]); x[x[1:]] = 5",
    # ... but a mask with a one-entry value is masked_fill_: only partial overlap is refused
    "x = L.tensor([True, False]); x[x] = True",
    "y = L.zeros(4, dtype=L.bool); x = y[:2]; x[y[1:3]] = True",
    "y = L.zeros(4, dtype=L.bool); x = y[:2]; x[y[1:3]] = L.tensor([True, True])",
    # expanded tensors: copy_ refuses, fill_ and index_put_ / masked_fill_ write
    "x = L.zeros(1).expand(3); x[0] = 5",
    "x = L.zeros(1).expand(3); x[:] = 5",
    "x = L.zeros(1).expand(3); x[...] = L.ones(1)",
    "x = L.zeros(1).expand(3); x[[0]] = 5",
    "x = L.zeros(1).expand(3); x[L.tensor([True, False, True])] = 5",
    "x = L.zeros(1).expand(3); x.fill_(2)",
    "x = L.zeros(1).expand(3); x.zero_()",
    "x = L.zeros(1).expand(3); x.fill_(L.tensor(1.))",
    "x = L.zeros(1).expand(3); x.masked_fill_(L.tensor([True, False, True]), 5)",
    "x = L.zeros(1).expand(3); x.copy_(L.ones(3))",
    "x = L.zeros(1).expand(3); x[...] = x",
    # in-place ops: the memory is checked before the shape and the dtype
    "x = L.zeros(1, dtype=L.long).expand(3); x.tanh_()",
    "x = L.zeros(1, dtype=L.long).expand(3); x.add_(L.zeros(3, 3))",
    "x = L.zeros(1, dtype=L.long).expand(3); x.clamp_(L.zeros(3), None)",
    "x = L.zeros(1, dtype=L.long).expand(3); x.div_(2)",
    "x = L.zeros(1, requires_grad=True).expand(3); x.fill_(L.ones(2))",
    "x = L.arange(4.); x[:2].add_(x[1:3])",
    "x = L.arange(4.); x[:2].mul_(x[1:3])",
    "x = L.arange(4.); x[:2].div_(x[2:4] + 1)",
    "x = L.arange(4.); x[:2].copy_(x[1:3])",
    "x = L.arange(4.).reshape(2, 2); x.t().add_(x)",
    "x = L.arange(4.).reshape(2, 2); x.add_(x)",
    "x = L.zeros(1, 1); x[0].add_(x[0, 0])",
    "x = L.arange(4.); x[:2].fill_(x[1])",
    # index_put_ checks the memory before it broadcasts the indices and checks their bounds
    "x = L.zeros(1, 1); x[L.tensor([0, 0, 0]), None, [[]]] = x",
    "x = L.zeros(1, 1); x[L.tensor([0, 0, 0]), None, [[]]] = x.clone()",
    "x = L.zeros(1, 1); x[L.tensor([5])] = x",
    "x = L.zeros(1, 1); x[L.zeros(3, dtype=L.bool)] = x",  # (a mask's shape comes first)
]


@pytest.mark.parametrize("program", OVERLAP)
def test_shared_memory_as_torch(program: str) -> None:
    same_as_torch(program)


# ---- 3. the leaf: x[...], x[:], x[[0]] write to x itself; x[0], x[None] to a view -------

LEAF = [
    f"x = L.zeros(2, requires_grad=True); x[{i}] = 0"
    for i in ["...", "()", ":", "0:5", "0:2:1", "0:1", "-2:", "::2", "None", "True", "0", "[0]",
              "[0], None", "L.tensor([True, False])", "..., None", "False"]
] + [
    "x = L.zeros((), requires_grad=True); x[...] = 0",
    "x = L.zeros((), requires_grad=True); x.masked_fill_(L.tensor(False), 0)",
    "x = L.zeros(2, requires_grad=True); x.masked_fill_(L.tensor([True, False, True]), 1.)",
    "x = L.zeros(2, requires_grad=True); x[[7]] = 1.",  # the leaf comes before the bounds
    "x = L.zeros(2, requires_grad=True); x[0] = L.zeros(5)",  # ... but after expand's error
    "x = L.zeros(1, requires_grad=True).expand(3); x.tanh_()",  # ... and before the memory
]


@pytest.mark.parametrize("program", LEAF)
def test_leaf_wording_as_torch(program: str) -> None:
    same_as_torch(program)


# ---- 4. which values __setitem__ takes -------------------------------------------------

VALUES = [
    "1", "1.5", "True", "np.int64(2)", "np.int8(-1)", "np.uint8(3)", "np.float64(1.5)",
    "np.float32(1.5)", "np.float16(1)", "np.bool_(True)", "np.complex64(1)", "2 + 0j", "1 + 2j",
    "np.array(1.5)", "[1.0]", "(1, 2)", "None", "'a'", "2 ** 63", "L.tensor(2.5)",
]


@pytest.mark.parametrize("dtype", ["half", "long", "bool"])
@pytest.mark.parametrize("value", VALUES)
def test_value_kinds_as_torch(value: str, dtype: str) -> None:
    same_as_torch(f"x = L.zeros(2, dtype=L.{dtype}); x[0] = {value}")


def test_value_is_converted_before_the_index_is_read() -> None:
    same_as_torch("x = L.zeros(2, requires_grad=True); x[None] = np.float32(0)")
    same_as_torch("x = L.zeros(2); x[False] = 'a'")
    same_as_torch("x = L.zeros(2); x[False] = L.ones(7)")  # x[False] checks nothing else


# ---- 5. casts: copy_ casts, index_put_ does not (but its masked_fill_ shortcut does) -------

CASTS = [
    "x = L.zeros(2, dtype=L.long); x[0] = L.tensor(1.5)",
    "x = L.zeros(2, dtype=L.long); x[0:1] = L.tensor([1.5])",
    "x = L.zeros(2, dtype=L.long); x[True] = L.tensor(1.5)",  # a lone True is basic
    "x = L.zeros(2, dtype=L.long); x[(True,)] = L.tensor(1.5)",
    "x = L.zeros(2, dtype=L.long); x[L.tensor(1)] = L.tensor(1.5)",  # a 0-d int selects
    "x = L.zeros(2, dtype=L.long); x[L.tensor(True)] = L.tensor(1.5)",
    "x = L.zeros(2, dtype=L.long); x[[0]] = L.tensor(1.5)",
    "x = L.zeros(1, 1, dtype=L.long); x[[], None] = L.tensor(0., dtype=L.half)",
    "x = L.zeros((), dtype=L.half); x[L.tensor(False)] = L.tensor(False)",
    "x = L.zeros(3); x[[0, 1]] = L.zeros(2, dtype=L.long)",
    "x = L.zeros(3); x[[0, 1]] = L.zeros(3, dtype=L.long)",  # the shape is checked first
    "x = L.zeros(3, dtype=L.long); x[L.tensor([True, False, True])] = L.tensor(0.5)",
    "x = L.zeros(3, dtype=L.long); x[L.tensor([True, False, True])] = L.tensor([1.5])",
    "x = L.zeros(3, dtype=L.long); x[L.tensor([True, False, True])] = L.tensor([0.5, 1.5])",
    "x = L.zeros(2, 3, dtype=L.long); x[:, L.tensor([True, False, True])] = L.tensor(1.5)",
    "x = L.zeros(2, 3, dtype=L.long); x[0, L.tensor([True, False, True])] = L.tensor(1.5)",
    "x = L.zeros(2, 3, dtype=L.long); x[L.tensor([True, False]), None] = L.tensor(1.5)",
    "x = L.zeros(2, 3, dtype=L.long); x[L.tensor([True, False]), [0]] = L.tensor(1.5)",
    "x = L.zeros(3, dtype=L.uint8); x[L.tensor([1, 0, 1], dtype=L.uint8)] = L.tensor(1.5)",
]


@pytest.mark.parametrize("program", CASTS)
def test_casts_as_torch(program: str) -> None:
    same_as_torch(program)


def test_gradients_through_a_cast_and_a_masked_fill_as_torch() -> None:
    for lib in (mt, torch):
        v = lib.tensor(2.0, requires_grad=True)
        w = lib.tensor(3.0, requires_grad=True)
        x = lib.zeros(2, 3, dtype=lib.half) * 1
        x[0] = v  # basic: cast to half on the tape
        x[lib.tensor([[False] * 3, [True, False, True]])] = w  # masked: cast too
        x[1:, 1] = lib.ones(1, 1, dtype=lib.half)  # the leading 1 dropped
        (x.float() * lib.arange(6.0).reshape(2, 3)).sum().backward()
        if lib is mt:
            ours = (v.grad.item(), w.grad.item(), v.grad.dtype, x.tolist())
        else:
            theirs = (v.grad.item(), w.grad.item(), v.grad.dtype, x.tolist())
    assert ours[:2] == theirs[:2] and str(ours[2]).split(".")[-1] == str(theirs[2]).split(".")[-1]
    assert ours[3] == theirs[3]


# ---- a sweep: tensors x indices x values (index errors are the indexing tests' business) ---

SWEEP_X = [
    "L.arange(2.)",
    "L.arange(4.).reshape(2, 2)",
    "L.arange(2.).reshape(1, 2)",
    "L.zeros(1, 1)",
    "L.zeros(1).expand(3)",
    "L.arange(6.).reshape(2, 3).t()",
]
SWEEP_INDEX = [
    "...", "()", "0", "-1", "slice(None)", "slice(0, 1)", "slice(-2, None)", "None", "True",
    "(None, 0)", "[0]", "[]", "([0], None)", "x == x", "L.tensor(0)", "L.tensor(True)",
    "(slice(None), 0)", "[0, 0]", "(..., None)",
]
SWEEP_VALUE = [
    "0", "1.5", "np.int64(2)", "np.float32(1)", "L.tensor(2.)", "L.tensor(3)",
    "L.ones(1, dtype=x.dtype)", "L.ones(2, dtype=x.dtype)", "L.ones(1, 1, dtype=x.dtype)", "x",
    "x[0]", "x.t() if x.ndim == 2 else x", "x[None]",
]


@pytest.mark.parametrize("dtype", ["float32", "int64"])
@pytest.mark.parametrize("make", SWEEP_X)
def test_assignment_sweep_as_torch(make: str, dtype: str) -> None:
    differ = []
    for i in SWEEP_INDEX:
        for v in SWEEP_VALUE:
            program = f"x = ({make}).to(L.{dtype}); x[{i}] = {v}"
            theirs = outcome(torch, program)
            if theirs[0] != "IndexError" and outcome(mt, program) != theirs:
                differ.append(program)
    assert not differ, differ
