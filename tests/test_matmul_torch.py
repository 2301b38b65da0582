"""Matrix products at the edges, against live torch: which kernel torch sends each shape case
to and what it then refuses (mixed dtypes, bool, sizes) in which words; addmm's alpha and beta
on integer tensors, with nothing to sum, and where alpha = inf meets a 0."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import minitorch_rnn as mt

torch = pytest.importorskip("torch")

LAYOUTS = ("contiguous", "transposed", "strided")


def make(lib, shape, dtype, layout="contiguous", requires_grad=False, values=None):
    """The same tensor in both libraries; `layout` gives it the same memory order in both."""
    n = math.prod(shape)
    a = np.asarray(values if values is not None else np.arange(n) % 3, dtype=np.float64)
    a = a.reshape(shape).astype(dtype)
    if layout == "transposed" and a.ndim >= 2:
        dims = tuple(reversed(range(a.ndim)))
        t = lib.tensor(np.ascontiguousarray(a.transpose(dims))).permute(*dims).detach()
    elif layout == "strided" and a.ndim >= 1:
        t = lib.tensor(np.repeat(a, 2, axis=-1))[..., ::2].detach()
    else:
        t = lib.tensor(a)
    return t.requires_grad_(True) if requires_grad and dtype.startswith("float") else t


def outcome(f, lib, specs, backward=False):
    """What `f` does with these operands: the error (type, message), or the result and grads."""
    ts = [make(lib, *s) for s in specs]
    try:
        out = f(lib, *ts)
        if backward and out.requires_grad:
            out.sum().backward()
    except Exception as e:  # noqa: BLE001 -- the error *is* the outcome compared
        return type(e).__name__, str(e).replace("torch.", "minitorch_rnn.")
    grads = [None if t.grad is None else t.grad.numpy().astype(np.float64) for t in ts]
    return str(out.dtype).split(".")[-1], out.detach().numpy().astype(np.float64), grads


def assert_same(f, specs, backward=False):
    ours, theirs = outcome(f, mt, specs, backward), outcome(f, torch, specs, backward)
    assert ours[0] == theirs[0], (specs, ours, theirs)
    if isinstance(theirs[1], str):
        assert ours[1] == theirs[1], specs
        return
    pairs = [(ours[1], theirs[1]), *zip(ours[2], theirs[2])]
    for x, y in pairs:
        assert (x is None) == (y is None), specs
        same = x is None or x.shape == y.shape and np.allclose(x, y, rtol=1e-3, equal_nan=True)
        assert same, (specs, ours, theirs)


SHAPES = [(3,), (2,), (0,), (2, 3), (3, 2), (0, 3), (3, 0), (2, 2, 3), (2, 3, 2), (1, 3, 2),
          (2, 0, 3), (2, 1, 3, 2), (5, 9, 9), (2, 8, 9)]  # fmt: skip
DTYPE_PAIRS = [("float32", "float32"), ("float32", "float64"), ("bool", "bool"), ("uint8", "bool"),
               ("bool", "float32"), ("int64", "int64"), ("float16", "float32")]  # fmt: skip


@pytest.mark.parametrize("sa", SHAPES, ids=str)
def test_matmul_every_shape_case_like_torch(sa):
    """a @ b over shapes x dtype pairs x memory layouts x requires_grad: torch's dot, mv, mm,
    folded mm/mv (which depends on layout and requires_grad) and bmm, each with its own checks --
    size before dtype for mv and mm, dtype first for dot, bool refused unless nothing is summed,
    and a mixed-dtype batched product with nothing to sum computed in b's dtype."""
    rng = np.random.default_rng(len(sa))
    for sb, (da, db) in itertools.product(SHAPES, DTYPE_PAIRS):
        la, lb = rng.choice(LAYOUTS), rng.choice(LAYOUTS)
        ga, gb = bool(rng.random() < 0.4), bool(rng.random() < 0.4)
        assert_same(lambda lib, a, b: a @ b, [(sa, da, la, ga), (sb, db, lb, gb)], backward=True)


@pytest.mark.parametrize("method", ["mm", "bmm"])
def test_mm_and_bmm_like_torch(method):
    """torch.mm is matmul's 2-D case; torch.bmm does not broadcast its batch, and checks dtypes
    per kernel: torch's own loop for small products, MKL or one mm per item for large ones."""
    rng = np.random.default_rng(0)
    shapes = [(2, 3), (3, 2), (0, 3), (2, 2, 3), (2, 3, 2), (1, 3, 2), (2, 0, 3), (5, 9, 9),
              (2, 8, 9), (2, 9, 8)]  # fmt: skip
    for sa, sb, (da, db) in itertools.product(shapes, shapes, DTYPE_PAIRS):
        specs = [(sa, da, rng.choice(LAYOUTS)), (sb, db, rng.choice(LAYOUTS))]
        assert_same(lambda lib, a, b: getattr(a, method)(b), specs)


def test_the_fuzzers_matmul_repros():
    z = lambda lib, shape, dtype: lib.zeros(shape, dtype=getattr(lib, dtype))  # noqa: E731
    for f in [
        lambda lib: z(lib, (0, 0, 1), "bool") @ z(lib, (0,), "bool"),  # sizes before bool
        lambda lib: z(lib, (0, 0), "bool") @ z(lib, (0,), "bool"),  # empty: computed
        lambda lib: z(lib, (2, 2), "uint8") @ z(lib, (2,), "bool"),  # addmv's dtype words
        lambda lib: z(lib, (2, 3), "int64") @ z(lib, (1,), "bool"),  # sizes before dtypes
        lambda lib: z(lib, (1, 1), "bool") @ z(lib, (1,), "float16"),
    ]:
        assert_same(lambda lib, f=f: f(lib), [])


SCALARS = [0, 1, -1, 2, 0.5, -0.5, 1.5, 2.7, True, False, 255, -255, 256, 128, -129, 1e20, 1e39,
           math.inf, -math.inf, math.nan, np.float32(0.5), np.int64(3), 0.1]  # fmt: skip


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int32", "int64", "float16", "float32"])
def test_addmm_alpha_and_beta_like_torch(dtype):
    """torch's gemm reads alpha and beta in the kernel's type: integers truncate (0.5 -> 0) and
    wrap into unsigned (-1 -> 255), a value that does not fit is an error; bool has no kernel;
    with nothing to sum (k = 0) the result is input * beta, refused as x.mul_(0.5) would be."""
    rng = np.random.default_rng(1)
    for (si, s1, s2), _ in itertools.product(
        [((2, 2), (2, 3), (3, 2)), ((2,), (2, 0), (0, 2)), ((0, 2), (0, 3), (3, 2)), ((2, 1), (2, 3), (3, 2))],
        range(20),
    ):  # fmt: skip
        beta, alpha = (SCALARS[i] for i in rng.integers(len(SCALARS), size=2))
        specs = [(s, dtype, "contiguous", bool(rng.random() < 0.5), rng.integers(0, 3, math.prod(s)))
                 for s in (si, s1, s2)]  # fmt: skip
        f = lambda lib, c, a, b, beta=beta, alpha=alpha: lib.addmm(c, a, b, beta=beta, alpha=alpha)  # noqa: E731
        assert_same(f, specs, backward=True)


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # (out.sum() of inf and -inf)
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_addmm_alpha_inf_meets_zeros_like_torch(dtype):
    """alpha = inf: where the gemm multiplies alpha into each term, a term 0 * inf is NaN; where
    it scales the finished sum, only a zero sum is. Which one depends on the kernel and the
    operands' memory layout. The gradients scale finished products, as torch's backward does."""
    rng = np.random.default_rng(2)
    for (m, k, n), _ in itertools.product(itertools.product([1, 2, 3], repeat=3), range(4)):
        la, lb = rng.choice(LAYOUTS, size=2)
        alpha = rng.choice([math.inf, -math.inf, 2.5])
        values = lambda *s: rng.choice([0.0, 1.0, -2.0], size=math.prod(s))  # noqa: E731
        specs = [((m, n), dtype, "contiguous", True, values(m, n)),
                 ((m, k), dtype, la, True, values(m, k)),
                 ((k, n), dtype, lb, True, values(k, n))]  # fmt: skip
        f = lambda lib, c, a, b, alpha=alpha: lib.addmm(c, a, b, beta=0, alpha=alpha)  # noqa: E731
        assert_same(f, specs, backward=True)


def test_addmm_checks_dtypes_before_dims():
    for dtypes, shapes in itertools.product(
        itertools.product(["float32", "float64", "bool"], repeat=3),
        [((2, 2), (2, 3), (3, 2)), ((2, 2), (3,), (3, 2)), ((2, 2), (2, 3), (2, 2)), ((3, 3), (2, 3), (3, 2))],
    ):  # fmt: skip
        specs = [(s, d) for s, d in zip(shapes, dtypes)]
        assert_same(lambda lib, c, a, b: lib.addmm(c, a, b), specs)
