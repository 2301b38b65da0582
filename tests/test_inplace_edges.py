"""torch's semantics at the edges of in-place ops and of Python numbers (issue 12).

* An in-place binary op checks, in torch's order: the leaf, the op's own rules (no bool
  subtraction, no negative integer power), the shapes, then the dtype it computes in -- which
  may be cast back within its category (uint8 += int8 computes in int16 and wraps).
* A number that torch *converts* into a dtype -- fill_, masked_fill_, ``x[i] = v``, clamp's
  bounds, pow's exponent -- is checked against the dtype's range (c10's `checked_convert`):
  ``uint8.fill_(300)`` is an error, ``uint8.fill_(-1)`` is 255.

The hand-written cases run on both libraries; the sweeps compare minitorch_rnn with live torch
over every dtype pair, so a rule that only fits the examples fails.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import minitorch_rnn as mt

LIBS = ["minitorch_rnn", "torch"]
DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


@pytest.fixture(params=LIBS)
def lib(request: Any) -> Any:
    return pytest.importorskip(request.param)


def message(make: Callable[[], Any]) -> str:
    with pytest.raises(Exception) as info:
        make()
    return f"{type(info.value).__name__}: {info.value}"


# ---- in-place binary ops: the order of the checks, the dtype named, the cast back --------------
def test_the_shape_is_checked_before_the_dtype(lib: Any) -> None:
    x = lib.zeros(3, dtype=lib.long)
    assert message(lambda: x.add_(lib.zeros(2, 3, dtype=lib.half))) == (
        "RuntimeError: output with shape [3] doesn't match the broadcast shape [2, 3]"
    )
    assert message(lambda: lib.zeros(2, dtype=lib.bool).mul_(lib.zeros(0))) == (
        "RuntimeError: The size of tensor a (2) must match the size of tensor b (0) at "
        "non-singleton dimension 0"
    )


@pytest.mark.parametrize(("other", "name"), [("half", "Half"), ("double", "Double"), ("long", "Float")])
def test_div_names_the_type_it_computes_in(lib: Any, other: str, name: str) -> None:
    x = lib.zeros(1, 1, dtype=lib.long)
    assert message(lambda: x.div_(lib.ones(1, dtype=getattr(lib, other)))) == (
        f"RuntimeError: result type {name} can't be cast to the desired output type Long"
    )


def test_a_result_is_cast_back_within_its_category(lib: Any) -> None:
    x = lib.tensor([200, 1], dtype=lib.uint8)
    x.add_(lib.tensor([100, -2], dtype=lib.int8))  # int16 [300, -1] -> uint8 [44, 255]
    assert x.tolist() == [44, 255]
    y = lib.tensor([1.5], dtype=lib.half)
    y.mul_(lib.tensor([2.0], dtype=lib.float64))  # computed in float64, written back as half
    assert y.dtype == lib.half and y.tolist() == [3.0]


def test_bool_subtraction_is_refused_first(lib: Any) -> None:
    two = "RuntimeError: Subtraction, the `-` operator, with two bool tensors is not supported."
    one = "RuntimeError: Subtraction, the `-` operator, with a bool tensor is not supported."
    b = lib.tensor([True])
    assert message(lambda: b - lib.tensor([False])).startswith(two)
    assert message(lambda: b.sub_(lib.zeros(3, dtype=lib.bool))).startswith(two)  # not the shape
    assert message(lambda: b - True).startswith(two)  # a Python bool is a bool operand
    assert message(lambda: lib.tensor(0.0) - lib.tensor(False)).startswith(one)
    assert message(lambda: lib.zeros(2).sub_(True)).startswith(one)
    assert lib.zeros(2).sub_(np.True_).tolist() == [-1.0, -1.0]  # a numpy bool is a float
    leaf = lib.zeros(2, requires_grad=True)  # the leaf is checked before anything else
    assert "a leaf Variable" in message(lambda: leaf.sub_(lib.zeros(2, dtype=lib.bool)))


def test_pow_of_a_bool_tensor(lib: Any) -> None:
    assert message(lambda: lib.tensor(False).pow_(2)) == (
        "RuntimeError: result type Long can't be cast to the desired output type Bool"
    )
    negative = "RuntimeError: Integers to negative integer powers are not allowed."
    assert message(lambda: lib.tensor(False).pow_(-1)) == negative
    assert message(lambda: lib.tensor([True]) ** -1) == negative
    assert (lib.tensor([True, False]) ** True).tolist() == [True, False]  # bool ** bool is bool
    x = lib.tensor([True, False])
    assert x.pow_(False).tolist() == [True, True] and x.dtype == lib.bool


# ---- numbers torch converts with a check ---------------------------------------------------------
def test_fill_checks_the_number(lib: Any) -> None:
    u8 = lib.zeros((), dtype=lib.uint8)
    overflow = "RuntimeError: value cannot be converted to type {} without overflow"
    assert message(lambda: u8.fill_(1e30)) == overflow.format("uint8_t")
    assert message(lambda: u8.fill_(-1.0)) == overflow.format("uint8_t")  # a float: no wrapping
    assert message(lambda: u8.fill_(float("nan"))) == overflow.format("uint8_t")
    assert u8.fill_(-1).item() == 255  # an int wraps, down to -255
    assert message(lambda: lib.zeros(2, dtype=lib.int8).fill_(128)) == overflow.format("int8_t")
    assert message(lambda: lib.zeros(2, dtype=lib.half).fill_(1e30)) == overflow.format("c10::Half")
    assert lib.zeros(2, dtype=lib.half).fill_(float("inf")).tolist() == [float("inf")] * 2
    assert message(lambda: lib.zeros(2).fill_(1e300)) == overflow.format("float")
    assert lib.zeros(1, dtype=lib.half).fill_(1e30).tolist() == [float("inf")]  # one entry: no check
    assert lib.zeros(2, dtype=lib.bool).fill_(1e300).tolist() == [True, True]  # bool takes anything
    assert message(lambda: lib.full((2,), 300, dtype=lib.uint8)) == overflow.format("uint8_t")
    assert message(lambda: lib.full_like(lib.zeros(2), 1e300)) == overflow.format("float")
    assert lib.full((2,), np.int64(300)).dtype == lib.int64


def test_assigned_and_masked_numbers_are_checked(lib: Any) -> None:
    x = lib.zeros(3, dtype=lib.uint8)
    overflow = "RuntimeError: value cannot be converted to type uint8_t without overflow"
    assert message(lambda: x.__setitem__(0, 300)) == overflow
    assert message(lambda: x.masked_fill_(x == 0, 300)) == overflow
    x[0] = -1
    assert x.tolist() == [255, 0, 0]
    h = lib.zeros(2, dtype=lib.half)
    h[0] = 70000  # x[i] = v does not check half
    assert h.tolist() == [float("inf"), 0.0]
    assert "c10::Half" in message(lambda: h.masked_fill_(h == 0, 70000))  # masked_fill_ does
    c = lib.tensor([True, False, True])
    assert message(lambda: lib.where(c, x, 300)) == overflow  # where too, as x[i] = v
    assert lib.where(c, x, -1).tolist() == [255, 255, 0]
    assert lib.where(c[:2], h, 1e300).tolist() == [float("inf"), float("inf")]


def test_clamp_converts_its_bounds(lib: Any) -> None:
    x = lib.zeros(3, dtype=lib.uint8)
    assert x.clamp_(np.int64(-1), 1).tolist() == [1, 1, 1]  # -1 is 255 as uint8
    assert lib.zeros(2, dtype=lib.uint8).clamp(-1).tolist() == [255, 255]
    assert "uint8_t" in message(lambda: lib.zeros(2, dtype=lib.uint8).clamp(300))
    assert "c10::Half" in message(lambda: lib.zeros(2, dtype=lib.half).clamp_(max=1e30))
    nan = float("nan")
    assert np.isnan(lib.tensor([1.0, 2.0]).clamp(nan).tolist()).all()  # a NaN bound is NaN
    assert lib.tensor([1.0, nan, 3.0]).clamp(3, 1).tolist()[::2] == [1.0, 1.0]
    assert "not implemented for 'Bool'" in message(lambda: lib.tensor([True]).clamp(True))


def test_pow_converts_its_exponent(lib: Any) -> None:
    half = lib.ones(2, dtype=lib.half)
    overflow = "RuntimeError: value cannot be converted to type {} without overflow"
    assert message(lambda: half**1e30) == overflow.format("c10::Half")
    assert message(lambda: half.pow_(70000)) == overflow.format("c10::Half")
    assert message(lambda: lib.ones(2, dtype=lib.int8).pow_(300)) == overflow.format("int8_t")
    assert message(lambda: lib.ones(2, dtype=lib.int32) ** 2**63) == overflow.format("int64_t")
    assert (lib.ones(2) ** 1e300).tolist() == [1.0, 1.0]  # float32 takes it as a double
    assert (lib.ones(2, dtype=lib.int32) ** 70000).tolist() == [1, 1]
    assert (lib.ones(2, dtype=lib.uint8) ** np.True_).dtype == lib.float32  # a float exponent


# ---- sweeps against live torch ---------------------------------------------------------------
def _outcome(run: Callable[..., Any], *args: Any) -> tuple[Any, ...]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = run(*args)
    except Exception as e:  # noqa: BLE001 -- any error is an outcome to compare
        return ("error", type(e).__name__, str(e).split("\n")[0])
    if r is None:
        return ("ok",)
    values = np.asarray(r.tolist(), dtype=float)
    return ("ok", str(r.dtype).split(".")[-1], values.round(6).tolist())


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    if a[0] != b[0] or a[:2] != b[:2] or len(a) != len(b):
        return False
    if a[0] == "error" or len(a) == 1:
        return a == b
    return bool(np.array_equal(np.array(a[2]), np.array(b[2]), equal_nan=True))


INPLACE_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "add_": lambda a, b: a.add_(b),
    "sub_": lambda a, b: a.sub_(b),
    "mul_": lambda a, b: a.mul_(b),
    "div_": lambda a, b: a.div_(b),
    "clamp_": lambda a, b: a.clamp_(b),
    "clamp_max_": lambda a, b: a.clamp_(None, b),
}
SHAPES = [((3,), (2, 3)), ((3,), (3,)), ((3,), ()), ((), (3,)), ((2,), (0,)), ((1, 3), (3,))]


@pytest.mark.parametrize("op", list(INPLACE_OPS))
def test_inplace_ops_match_torch_over_every_dtype_pair(op: str) -> None:
    torch = pytest.importorskip("torch")
    wrong = []
    for da, db in itertools.product(DTYPES, DTYPES):
        for sa, sb in SHAPES:
            a = (np.arange(int(np.prod(sa))).reshape(sa) % 3 + 1).astype(da)
            b = (np.arange(int(np.prod(sb))).reshape(sb) % 2 + 2).astype(db)
            ours = _outcome(INPLACE_OPS[op], mt.tensor(a), mt.tensor(b))
            theirs = _outcome(INPLACE_OPS[op], torch.tensor(a), torch.tensor(b))
            if not _same(ours, theirs):
                wrong.append((da, sa, db, sb, ours, theirs))
    assert not wrong, wrong[:5]


NUMBER_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "fill_": lambda x, v: x.fill_(v),
    "new_full": lambda x, v: x.new_full((3,), v),
    "masked_fill_": lambda x, v: x.masked_fill_(x == x, v),
    "masked_fill": lambda x, v: x.masked_fill(x != x, v),
    "setitem": lambda x, v: x.__setitem__(0, v) or x,
    "clamp": lambda x, v: x.clamp(v),
    "clamp_": lambda x, v: x.clamp_(max=v),
    "pow": lambda x, v: x**v,
    "pow_": lambda x, v: x.pow_(v),
    "where": lambda x, v: x.where(x != x, v),
    "add_": lambda x, v: x.add_(v),
    "sub": lambda x, v: x - v,
}
NUMBERS = [0, 1, 2, -1, 300, -300, 70000, 2**40, 0.5, -1.5, 255.5, -1.0, 65519.0, True,
           False, float("nan"), float("inf"), float("-inf"), 1e-45, 1e30, 1e300,
           np.int64(-1), np.int64(300), np.float32(1e30), np.float64(-1.0), np.True_]


@pytest.mark.parametrize("op", list(NUMBER_OPS))
def test_number_operands_match_torch_over_every_dtype(op: str) -> None:
    torch = pytest.importorskip("torch")
    wrong = []
    for dtype, v in itertools.product(DTYPES, NUMBERS):
        if op == "setitem" and isinstance(v, np.generic):
            continue  # (torch refuses numpy scalars as values: another difference, issue 12)
        a = np.ones(2, dtype=dtype)
        ours = _outcome(NUMBER_OPS[op], mt.tensor(a), v)
        theirs = _outcome(NUMBER_OPS[op], torch.tensor(a), v)
        if not _same(ours, theirs):
            wrong.append((dtype, v, ours, theirs))
    assert not wrong, wrong[:5]


def test_the_gradient_of_a_false_exponent(lib: Any) -> None:
    # torch's zero gradient is for the number 0; x ** False takes the formula: 0 * x^-1
    x = lib.tensor([0.0, 2.0], requires_grad=True)
    (x**False).sum().backward()
    assert np.isnan(x.grad.tolist()[0]) and x.grad.tolist()[1] == 0.0
    y = lib.tensor([0.0, 2.0], requires_grad=True)
    (y**0).sum().backward()
    assert y.grad.tolist() == [0.0, 0.0]
