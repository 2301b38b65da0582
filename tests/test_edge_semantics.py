"""torch's semantics at the edges (issue 12): integer powers with negative exponents, add/sub
with `alpha`, float16 times or over one number (float32 'opmath'), number / tensor, max/min
along a dim of bools. Each rule is checked against live torch over many dtype combinations."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import minitorch_rnn as mt

torch = pytest.importorskip("torch")

# The grids reach overflow and inf - inf on purpose; numpy says so with a RuntimeWarning (torch is
# silent). What is compared is the values, dtypes and errors.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
VALUES = {
    "bool": [False, True],
    "uint8": [0, 1, 2, 255],
    "int8": [-128, -3, -1, 0, 1, 2, 127],
    "int16": [-2, -1, 0, 1, 5],
    "int32": [-2, -1, 0, 1, 3],
    "int64": [-2, -1, 0, 1, 3, 2**40],
    "float16": [-1.5, 0.0, 2.0, 1e-3],
    "float32": [-2.0, 0.0, 0.5, 3.0],
    "float64": [-2.0, 0.0, 0.1, 3.0],
}


def outcome(lib: Any, f: Callable[[Any], Any]) -> Any:
    """What `f(lib)` gives: (dtype name, values) or (error type, message)."""
    try:
        r = f(lib)
    except Exception as e:  # noqa: BLE001  (the error is what is compared)
        return type(e).__name__, str(e)
    if isinstance(r, tuple):
        return tuple(outcome(lib, lambda _, x=x: x) for x in r)
    return str(r.dtype).split(".")[-1], np.asarray(r.tolist(), dtype=np.float64)


def same(a: Any, b: Any, ulps: bool = False) -> bool:
    if isinstance(a, tuple) and a and isinstance(a[0], tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a[1], str) or isinstance(b[1], str):
        return a == b
    if a[0] != b[0] or a[1].shape != b[1].shape:
        return False
    x, y = a[1], b[1]
    if ulps:  # float results: to the last bits (torch's pow, sqrt differ from numpy's there)
        return bool(np.allclose(x, y, rtol=1e-6, atol=0, equal_nan=True))
    return bool(np.all((x == y) | (np.isnan(x) & np.isnan(y))))


def check(f: Callable[[Any], Any], ulps: bool = False) -> None:
    theirs, ours = outcome(torch, f), outcome(mt, f)
    assert same(ours, theirs, ulps), f"minitorch_rnn {ours} != torch {theirs}"


def t(lib: Any, dtype: str, values: Any = None) -> Any:
    return lib.tensor(VALUES[dtype] if values is None else values, dtype=getattr(lib, dtype))


# ---- integer powers ---------------------------------------------------------------------------
@pytest.mark.parametrize("da,db", list(itertools.product(DTYPES, DTYPES)))
def test_pow_of_two_tensors_matches_torch(da: str, db: str) -> None:
    """Integers to negative integer tensor powers are values (torch's powi: 1 for a base of 1,
    +-1 for -1, 0 otherwise); bool ** bool is not implemented; sizes are checked first."""
    n = len(VALUES[da])
    other = (VALUES[db] * n)[:n]
    check(lambda lib: t(lib, da) ** t(lib, db, other), ulps=True)
    for v in VALUES[db]:
        check(lambda lib, v=v: t(lib, da) ** lib.tensor(v, dtype=getattr(lib, db)), ulps=True)
        check(lambda lib, v=v: lib.tensor(v, dtype=getattr(lib, db)) ** t(lib, da), ulps=True)
    check(lambda lib: t(lib, da)[:2] ** t(lib, db, (VALUES[db] * 3)[:3]))


@pytest.mark.parametrize("dtype", DTYPES)
def test_pow_with_a_number_matches_torch(dtype: str) -> None:
    """Only a negative Python-number exponent of an integer (or bool) tensor is refused (a
    RuntimeError); a number base takes any integer tensor exponent; bool ** True is a copy."""
    for s in [-2, -1, 0, 1, 2, 3, True, False, 0.5, -1.0, 2.0]:
        check(lambda lib, s=s: t(lib, dtype) ** s, ulps=True)
        check(lambda lib, s=s: s ** t(lib, dtype), ulps=True)
        check(lambda lib, s=s: t(lib, dtype)[0].pow(s), ulps=True)


# ---- add and sub with alpha -------------------------------------------------------------------
ALPHAS = [0, 2, 300, -1, -128, 128, -255, 256, True, False, 0.5, 65520.0, float("inf")]
ALPHA_DTYPES = ["bool", "uint8", "int8", "int64", "float16", "float32"]


@pytest.mark.parametrize("op", ["add", "sub", "add_", "sub_", "number", "0-d", "mismatch"])
def test_add_and_sub_with_alpha_match_torch(op: str) -> None:
    """alpha is checked against the result's dtype (a bool alpha only for bool results, a float
    one only for float results) and cast to it, with torch's overflow error; the result dtype
    is that of self and other alone (bool.add(bool, alpha=0) is bool)."""
    calls = {
        "add": lambda a, b, al: a.add(b, alpha=al),
        "sub": lambda a, b, al: a.sub(b, alpha=al),
        "add_": lambda a, b, al: a.clone().add_(b, alpha=al),
        "sub_": lambda a, b, al: a.clone().sub_(b, alpha=al),
        "number": lambda a, b, al: a.add(2, alpha=al),
        "0-d": lambda a, b, al: a.add(b[0], alpha=al),
        "mismatch": lambda a, b, al: a.add(b.repeat(3), alpha=al),
    }
    for da, db in itertools.product(ALPHA_DTYPES, ALPHA_DTYPES):
        if op in ("sub", "sub_") and "bool" in (da, db):
            continue  # (bool subtraction is refused before alpha is looked at)
        if op.endswith("_") and da == "uint8" and db.startswith("int"):
            continue  # (uint8 += int8 tensor: in-place casting, not alpha's rule)
        for alpha in ALPHAS:

            def f(lib: Any, alpha: Any = alpha, da: str = da, db: str = db) -> Any:
                a = lib.tensor([1.5, 1e-3], dtype=getattr(lib, da))
                b = lib.tensor([7.25, 3.0], dtype=getattr(lib, db))
                return calls[op](a, b, alpha)

            check(f, ulps=da == db == "float32")  # (torch fuses float32's multiply-add)


def test_add_alpha_is_one_node_with_torchs_gradient() -> None:
    for lib in (torch, mt):
        x = lib.tensor([1.5, 3.0], dtype=lib.float16, requires_grad=True)
        y = lib.tensor([0.1, 7.0], dtype=lib.float16, requires_grad=True)
        z = x.sub(y, alpha=3.0000001)
        assert z.grad_fn.name() == "SubBackward0"
        z.sum().backward()
        assert y.grad.tolist() == [-3.0, -3.0] and x.grad.tolist() == [1.0, 1.0]


def test_half_add_alpha_rounds_the_product_as_torch_does_for_small_tensors() -> None:
    for lib in (torch, mt):  # -60000 + 2 * 60000 overflows float16 in the product
        x, y = lib.tensor(-60000.0, dtype=lib.half), lib.tensor(60000.0, dtype=lib.half)
        assert math.isinf(x.add(y, alpha=2).item())


# ---- float16 times / over one number ----------------------------------------------------------
HALF = np.array([0.0, -0.0, 1e-5, 3.0, 6e-8, 65504.0, 1.0, -2.5, np.inf, np.nan], np.float16)
NUMBERS = [1e-45, 100000, 100000.0, 1 / 3, 65520.0, 1e-7, 0.0, True, -3, float("inf")]


@pytest.mark.parametrize(
    "name",
    ["mul", "rmul", "div", "rdiv", "floordiv", "mul_", "div_", "add", "sub", "rsub", "pow"],
)
def test_float16_with_a_number_matches_torch(name: str) -> None:
    """mul, div and floor_divide of float16 by ONE number keep it in float32 and round once
    (``half(0.) / 1e-45`` is 0); add, sub and pow round it to float16 first; ``s / x`` is
    torch's ``x.reciprocal() * s`` (``1e-45 / half(0.)`` is inf)."""
    calls = {
        "mul": lambda x, s: x * s,
        "rmul": lambda x, s: s * x,
        "div": lambda x, s: x / s,
        "rdiv": lambda x, s: s / x,
        "floordiv": lambda x, s: x // s,
        "mul_": lambda x, s: x.clone().mul_(s),
        "div_": lambda x, s: x.clone().div_(s),
        "add": lambda x, s: x + s,
        "sub": lambda x, s: x - s,
        "rsub": lambda x, s: s - x,
        "pow": lambda x, s: x ** (s if s is not True else 2),
    }
    for s in NUMBERS:
        if name in ("sub", "rsub") and s is True:
            continue  # (bool subtraction)
        if name == "pow" and s in (100000, 100000.0, 65520.0):
            continue  # (torch refuses an exponent float16 cannot hold; not this rule)
        check(lambda lib, s=s: calls[name](lib.tensor(HALF), s))
        check(lambda lib, s=s: calls[name](lib.tensor(HALF[3]), s))


@pytest.mark.parametrize("other", ["0-d float32", "0-d float64", "0-d int64", "(1,) int64"])
def test_float16_times_a_one_element_tensor_matches_torch(other: str) -> None:
    def make(lib: Any) -> Any:
        dt, shape = other.split(" ")[1], () if other.startswith("0-d") else (1,)
        return lib.full(shape, 100000, dtype=getattr(lib, dt))

    for f in [
        lambda lib: lib.tensor(HALF) * make(lib),
        lambda lib: make(lib) * lib.tensor(HALF),  # (the number comes first: float16)
        lambda lib: lib.tensor(HALF) / (1 / make(lib)),
        lambda lib: lib.tensor(HALF).mul_(make(lib)),
    ]:
        check(f)


def test_float16_times_a_number_keeps_gradient_dtypes() -> None:
    for lib in (torch, mt):
        x = lib.tensor([1e-5, 2.0], dtype=lib.half, requires_grad=True)
        w = lib.tensor(100000.0, requires_grad=True)  # a float32 0-d tensor
        y = x * w
        (y.float().sum() + (x / 1e-45).float().sum()).backward()
        assert y.dtype == lib.half and x.grad.dtype == lib.half and w.grad.dtype == lib.float32
        assert math.isinf(x.grad[1].item()) and abs(w.grad.item() - 2.0) < 1e-2


def test_number_over_tensor_is_reciprocal_times_number() -> None:
    for dt in ["float16", "float32", "float64", "int64", "bool", "uint8"]:
        check(lambda lib, dt=dt: 1e-45 / t(lib, dt), ulps=True)
        check(lambda lib, dt=dt: 3 / t(lib, dt), ulps=True)
    check(lambda lib: 1e-3 / lib.tensor([2e-39, 3e-39]))  # 1/x overflows float32 first: inf


# ---- max and min along a dim of bools ---------------------------------------------------------
@pytest.mark.parametrize(
    "call",
    [
        lambda x: x.max(0),
        lambda x: x.min(dim=0),
        lambda x: x.max(1, keepdim=True),
        lambda x: x.min(-1, keepdim=True),
        lambda x: x.max(),
        lambda x: x.min(),
        lambda x: x.argmax(),
        lambda x: x.argmin(0),
        lambda x: x.topk(1),
        lambda x: x.sort(0),
    ],
)
@pytest.mark.parametrize("shape", [(2, 3), (0, 2), (2, 0), ()])
def test_bool_reductions_match_torch(call: Callable[[Any], Any], shape: tuple[int, ...]) -> None:
    """max/min along a dim take bools (torch refuses only argmax/argmin, and topk)."""
    values = np.array([True, False, False, True, True, False])[: int(np.prod(shape))]
    check(lambda lib: call(lib.tensor(values.reshape(shape))))


def test_tensor_from_python_floats_goes_straight_into_the_dtype() -> None:
    for dt in ["float64", "float16"]:  # (float16 goes through float32 in torch: 2049.0001 is 2048)
        check(lambda lib, dt=dt: lib.tensor([1.1, 0.1, 2049.0001], dtype=getattr(lib, dt)))


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int64", "float16", "float32"])
def test_pow_exponent_must_fit_the_dtype_as_in_torch(dtype: str) -> None:
    """torch casts a number exponent to the result's dtype with its overflow check (float16
    ** 1e5 and int8 ** 300 are errors, float32 ** 1e39 is not); a negative one is refused
    first for integers."""
    for s in [300, 256, -300, 2**63, 1e5, -65520.0, 65504.1, float("inf"), float("nan"), 1e39]:
        check(lambda lib, s=s: t(lib, dtype) ** s, ulps=True)


def test_pow_exponent_of_int32_and_int16_is_checked_too() -> None:
    check(lambda lib: lib.tensor([1], dtype=lib.int32) ** 2**40)
    check(lambda lib: lib.tensor([1], dtype=lib.int16) ** 40000)
    check(lambda lib: lib.tensor([1], dtype=lib.int32) ** 2.5e10)


# ---- sizes: what torch's argument parser takes as a shape, and its words for the rest --------

SIZE_CALLS = [
    "{m}.zeros(5).reshape(2.5)",
    "{m}.zeros(4).reshape(True)",
    "{m}.zeros(4).reshape('a')",
    "{m}.zeros(4).reshape((4.0,))",
    "{m}.zeros(4).reshape(4, None)",
    "{m}.zeros(6).reshape(2, {m}.tensor(3))",
    "{m}.zeros(6).reshape(2, {m}.tensor(3.))",
    "{m}.zeros(6).reshape(np.int64(2), 3)",
    "{m}.zeros(1).reshape([True])",
    "{m}.zeros(5).view(2, 2.5)",
    "{m}.zeros(5).expand(2.5)",
    "{m}.zeros(2, 3).permute(0, 1.0)",
    "{m}.zeros(2, 3).repeat(2, 1.5)",
    "{m}.zeros(2, 3).flip(0.0)",
    "{m}.zeros(2.5)",
    "{m}.ones((2, 3.0))",
    "{m}.ones((2.0, 3))",
    "{m}.ones([2, True])",
    "{m}.ones(2, True)",
    "{m}.ones((True, 2))",
    "{m}.ones(size=(2, 2.0))",
    "{m}.randn(2, 2.0)",
    "{m}.rand(1.5)",
]


@pytest.mark.parametrize("call", SIZE_CALLS)
def test_sizes_as_torch_parses_them(call: str) -> None:
    def outcome(lib: Any) -> Any:
        try:
            return tuple(eval(call.format(m="lib"), {"lib": lib, "np": np}).shape)
        except Exception as e:  # the type and first line of the message
            return type(e).__name__, str(e).splitlines()[0]

    assert outcome(mt) == outcome(torch)


# ---- true division of a tensor by a number: the number is not wrapped into the tensor's dtype --


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int64", "bool", "float16", "float32"])
@pytest.mark.parametrize("number", [-1, 300, -300, 2**40, -2.5, True, np.int64(-1), 1e-45, 1e30])
@pytest.mark.parametrize("reverse", [False, True])
def test_true_division_by_a_number(dtype: str, number: Any, reverse: bool) -> None:
    def outcome(lib: Any) -> Any:
        x = lib.tensor([1, 2, 0]).to(getattr(lib, dtype))
        r = number / x if reverse else x / number
        return str(r.dtype).replace("torch.", ""), np.array(r.tolist(), dtype=float)

    (mt_dtype, mt_values), (torch_dtype, torch_values) = outcome(mt), outcome(torch)
    assert mt_dtype == torch_dtype
    np.testing.assert_array_equal(mt_values, torch_values)  # (uint8 / -1 was 0.0039, not -1)


# ---- pow's three nodes, named as torch names them; mt.pow takes a number base ----------------


@pytest.mark.parametrize("expr", ["x ** 2", "x ** y", "2 ** x", "L.pow(2, x)", "L.pow(x, y)"])
def test_pow_nodes_as_torch(expr: str) -> None:
    def outcome(lib: Any) -> Any:
        x = lib.tensor([0.5, 2.0], requires_grad=True)
        y = lib.tensor([1.0, 3.0], requires_grad=True)
        r = eval(expr, {"L": lib, "x": x, "y": y})
        r.sum().backward()
        name = r.grad_fn.name() if lib is mt else type(r.grad_fn).__name__
        return name, r.tolist(), x.grad.tolist()

    assert outcome(mt) == outcome(torch)


# ---- found by the live fuzzer at 4,000 examples a profile ---------------------------------

FUZZ_4000 = [
    # an empty view of a leaf is still a view: in place on it is refused
    "x = L.zeros(2, 3, 3, requires_grad=True); v = x[0, :0]; v.add_(v)",
    "x = L.zeros(0, 0, requires_grad=True); v = x.reshape(0, 0); v.add_(v + v)",
    # expand names the sizes as given, -1 included, and refuses a leading -1
    "L.zeros(1, 2, 2, dtype=L.bool).expand(1, -1, 3)",
    "L.zeros(3).expand(-1, 3)",
    "L.zeros(1, 2, 2).expand(1, 3, 3)",  # (the last dim that does not fit)
    "L.zeros(2, 1).expand(-1)",
    # pow's backward computes exponent - 1 in the exponent's own dtype
    "x = L.tensor(0., dtype=L.half, requires_grad=True); (x ** L.tensor(False)).sum().backward()",
    "x = L.tensor(0., requires_grad=True); (x.log() ** L.tensor(32752., dtype=L.half)).backward()"
    "; out = x.grad",
    # at 8,000: an operand that shares the output's memory is checked before it is cast
    "x = L.tensor([0]); v = x[0]; v.div_(x)",
    "x = L.tensor([0., 1.]); x[:1].div_(x[1:].long()); out = x",
    # view() never copies
    "L.zeros(3, 2).t().view(6)",
    "L.zeros(4, 6)[::2].view(12)",
    "x = L.zeros(4, 6)[:, ::2].view(12); out = x",
    # in place on an empty view of an expanded tensor: an empty gradient, not a refusal
    "x = L.zeros((), requires_grad=True); a = (x + x).expand(0).transpose(0, 0); a.tanh_()"
    "; a.sum().backward(); out = x.grad",
    # sigmoid is 1 / (1 + e^-x) as torch computes it: 0 where e^-x overflows (so this gradient
    # is 0, not 1); an empty expand of a leaf is a view of it
    "x = L.tensor(1.401298464324817e-45, requires_grad=True); x.log().sigmoid().backward()"
    "; out = x.grad",
    "x = L.zeros(0, 0, dtype=L.half, requires_grad=True); v = x.expand(0, 0); v.add_(v)",
    # (-inf) ** 0.5 is C's pow, inf, also for 0-d tensors; max() and min() save x and the result
    "out = float('-inf') ** L.tensor(0.5)",
    "out = L.tensor(float('-inf')) ** L.tensor([0.5, -0.5, 3.0])",
    "x = L.tensor(0., dtype=L.half, requires_grad=True); y = x.max(); y.tanh_(); y.backward()",
    "x = L.tensor([1., 3.], requires_grad=True); z = x * 1; y = z.min(); z.add_(1); y.backward()",
    # pow's exponent gradient is grad * where(base == 0 and exponent >= 0, 0, ...): inf * 0 = nan
    "b = L.tensor(1., dtype=L.half, requires_grad=True); (L.tensor(0., dtype=L.half) ** b).log()"
    ".backward(); out = b.grad",
    "b = L.tensor(1., requires_grad=True); (0.0 ** b).log().backward(); out = b.grad",
    # repeat of an empty tensor is writable
    "x = L.zeros(0, dtype=L.bool).repeat(2); x.add_(x); out = x",
]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_sigmoid_values_as_torch(dtype: str) -> None:
    xs = [*np.linspace(-30, 30, 121), -1000.0, -800.0, -104.0, -90.0, -88.0, 800.0]
    ours = mt.tensor(xs, dtype=getattr(mt, dtype)).sigmoid().tolist()
    theirs = torch.tensor(xs, dtype=getattr(torch, dtype)).sigmoid().tolist()
    if dtype == "float16":  # computed in float32 and rounded once, as torch's
        assert ours == theirs
    np.testing.assert_allclose(ours, theirs, rtol=3e-7 if dtype == "float32" else 1e-15, atol=0)


@pytest.mark.parametrize("program", FUZZ_4000)
def test_fuzzer_finds_as_torch(program: str) -> None:
    def outcome(lib: Any) -> Any:
        env: dict[str, Any] = {"L": lib}
        try:
            exec(program, env)
        except Exception as e:
            return type(e).__name__, str(e).replace("minitorch_rnn", "torch")
        out = env.get("out")
        return None if out is None else repr(out.tolist())  # (repr: nan equals nan)

    assert outcome(mt) == outcome(torch)


DIV_VALUES = {
    "uint8": [0, 1, 255],
    "int8": [-1, 0, 127],
    "int64": [-5, 0, 7],
    "bool": [True, False, True],
    "float16": [0.0, -1.5, 2.0],
    "float32": [0.0, -1.0, 3.0],
}


@pytest.mark.parametrize("a_dtype", list(DIV_VALUES))
@pytest.mark.parametrize("b_dtype", list(DIV_VALUES))
@pytest.mark.parametrize("a_dims, b_dims", [(1, 0), (0, 1), (1, 1)])
def test_true_division_of_tensors(a_dtype: str, b_dtype: str, a_dims: int, b_dims: int) -> None:
    """Integer tensors go to float each on its own: int8(-1) / uint8(0) is -inf, not 255 / 0."""

    def outcome(lib: Any) -> Any:
        va, vb = DIV_VALUES[a_dtype], DIV_VALUES[b_dtype]
        a = lib.tensor(va if a_dims else va[0], dtype=getattr(lib, a_dtype))
        b = lib.tensor(vb if b_dims else vb[0], dtype=getattr(lib, b_dtype))
        r = a / b
        return str(r.dtype).replace("torch.", ""), np.array(r.tolist(), dtype=float)

    (mt_dtype, mt_values), (torch_dtype, torch_values) = outcome(mt), outcome(torch)
    assert mt_dtype == torch_dtype
    np.testing.assert_array_equal(mt_values, torch_values)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("number", [1e-45, 0.0, 2.0, 0.5, -2.0, 3])
@pytest.mark.parametrize("exponent", [0.0, 1.0, 2.5])
def test_number_to_a_tensor_power_gradient(dtype: str, number: Any, exponent: float) -> None:
    """d c^x/dx = c^x ln(c) with c the number as given (1e-45 ** half: ln(1e-45), not ln(0))."""

    def outcome(lib: Any) -> Any:
        x = lib.tensor([exponent], dtype=getattr(lib, dtype), requires_grad=True)
        (number**x).sum().backward()
        return np.array(x.grad.tolist())

    np.testing.assert_allclose(outcome(mt), outcome(torch), rtol=1e-3)


def test_half_addmm_sums_in_float32_as_torch() -> None:
    """-3 * 32752 overflows float16 on its own; torch adds 32752 in float32 first: -65504."""
    rng = np.random.default_rng(0)
    cases = [([[-3.0, 0.0], [0.0, 0.0]], [[0.0, 32752.0], [0.0, 0.0]], [[32752.0]])]
    for _ in range(100):
        m, n, p = rng.integers(1, 5, 3)
        cases.append(
            (
                rng.standard_normal((m, n)) * rng.choice([1, 100, 3000]),
                rng.standard_normal((n, p)) * rng.choice([1, 100, 30]),
                rng.standard_normal((m, p)) * 1000,
            )
        )
    for a, b, c in cases:
        a, b, c = (np.asarray(v, dtype=np.float16) for v in (a, b, c))
        ours = mt.addmm(mt.tensor(c), mt.tensor(a), mt.tensor(b)).numpy()
        theirs = torch.addmm(torch.tensor(c), torch.tensor(a), torch.tensor(b)).numpy()
        np.testing.assert_array_equal(ours, theirs)
