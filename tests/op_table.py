"""One table of op cases that drives every op test.

Each `OpCase` holds a function ``fn(lib, *xs)`` written only with API that PyTorch and
minitorch_rnn share, so the very same lambda runs with ``lib=torch`` and
``lib=minitorch_rnn``. Three kinds of test read this table:

* ``test_ops_reference.py`` compares our values and gradients with torch's, stored in
  ``reference/ops.npz`` (made by ``reference/make_reference_ops.py``) or computed live;
* ``test_ops_gradcheck.py`` compares our gradients with finite differences;
* the reference script itself runs every case through torch.

To add an op, add a case here and re-run ``python tests/reference/make_reference_ops.py``.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Optional, Union

import numpy as np

Shape = tuple[int, ...]

# Where an input's values are drawn from. Finite differences (and torch's own choices) are
# only well defined away from kinks, so each op says which values it is safe to feed it.
DOMAINS = {
    "any": "standard normal values",
    "positive": "uniform in [0.5, 2): for log, sqrt-like powers and denominators",
    "away_from_zero": "|x| in [0.5, 2) with a random sign: relu and 1/x never straddle 0",
    "distinct": "all values at least 0.2 apart: max never has to choose between ties",
    "ties": "integers -1, 0, 1: deliberately ON the kinks, to pin down torch's choices",
    "between_integers": "k + [0.1, 0.4) or k + [0.6, 0.9): floor, ceil and round stay put nearby",
}


@dataclass(frozen=True)
class OpCase:
    """One op under test: what to feed it and what to compute.

    `fn` returns a tensor, or a tuple of tensors (like ``x.max(dim=1)``, which gives
    ``(values, indices)``); the tests backpropagate through the first one and compare all.
    `smooth=False` marks cases that sit on a kink on purpose (ties, relu at 0): their
    gradient is a convention to match, not a derivative finite differences can check.
    """

    name: str
    shapes: tuple[Shape, ...]
    fn: Callable[..., Any]
    domain: Union[str, tuple[str, ...]] = "any"  # one for all inputs, or one per input
    float32: bool = False  # also store a float32 reference, to check dtype and fp32 numbers
    smooth: bool = True

    def input_domains(self) -> tuple[str, ...]:
        if isinstance(self.domain, str):
            return (self.domain,) * len(self.shapes)
        return self.domain


def draw_values(domain: str, shape: Shape, rng: np.random.Generator) -> np.ndarray:
    """Draw float64 values of `shape` from `domain` (see DOMAINS)."""
    if domain == "any":
        return rng.standard_normal(shape)
    if domain == "positive":
        return rng.uniform(0.5, 2.0, shape)
    if domain == "away_from_zero":
        return rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    if domain == "distinct":  # a shuffled staircase 0.25 apart, jittered by less than 0.05
        size = int(np.prod(shape))
        steps = rng.permutation(size) - (size - 1) / 2
        return (0.25 * steps + rng.uniform(0.0, 0.05, size)).reshape(shape)
    if domain == "ties":
        return rng.integers(-1, 2, shape).astype(np.float64)
    if domain == "between_integers":
        frac = rng.uniform(0.1, 0.4, shape) + rng.choice([0.0, 0.5], shape)
        return rng.integers(-3, 3, shape) + frac
    raise ValueError(f"unknown domain {domain!r}; expected one of {list(DOMAINS)}")


def make_inputs(
    case: OpCase, rng: np.random.Generator, dtype: Any = np.float64
) -> list[np.ndarray]:
    """Numpy inputs for `case`, drawn in float64 and then cast, so both dtypes see one set of values."""
    return [
        np.asarray(draw_values(domain, shape, rng)).astype(dtype)
        for domain, shape in zip(case.input_domains(), case.shapes)
    ]


def case_rng(name: str, salt: int = 0) -> np.random.Generator:
    """A generator seeded by the case name, so adding a case never changes another case's data.

    salt 0: the stored reference data; other salts: fresh draws for live and gradcheck tests.
    """
    return np.random.default_rng([zlib.crc32(name.encode()), salt])


# ---------------------------------------------------------------------------------------
# Running a case with either library
# ---------------------------------------------------------------------------------------


@dataclass
class CaseResult:
    """What one run of a case produced, as numpy arrays."""

    outputs: list[np.ndarray]  # every output; we backpropagate through outputs[0]
    grad_out: np.ndarray  # the upstream gradient fed to outputs[0].backward(...)
    grads: list[Optional[np.ndarray]]  # .grad of every input (None: no gradient reached it)


def to_tensor(lib: ModuleType, array: np.ndarray, requires_grad: bool = False) -> Any:
    """`lib.tensor` with the dtype stated, so float32 stays float32 in both libraries."""
    dtype = lib.float32 if array.dtype == np.float32 else lib.float64
    return lib.tensor(array, dtype=dtype, requires_grad=requires_grad)


def as_outputs(result: Any) -> tuple[Any, ...]:
    """A case returns one tensor or a (values, indices) pair; make it always a tuple."""
    if hasattr(result, "backward"):  # a tensor (the max pair has no .backward)
        return (result,)
    return tuple(result)


def first_output(result: Any) -> Any:
    """The output we differentiate: the tensor itself, or `values` of a (values, indices) pair."""
    return as_outputs(result)[0]


def to_numpy(tensor: Any) -> np.ndarray:
    return np.asarray(tensor.detach().numpy())


def run_case(
    lib: ModuleType,
    case: OpCase,
    arrays: list[np.ndarray],
    grad_out: Optional[np.ndarray] = None,
    rng: Optional[np.random.Generator] = None,
) -> CaseResult:
    """Run `case` forward and backward with `lib` (torch or minitorch_rnn).

    Backpropagates `grad_out`, or, if that is None, a standard-normal one drawn from `rng`
    with the output's shape and dtype -- a random upstream gradient checks every entry of the
    Jacobian-vector product, where ``out.sum().backward()`` would weight them all alike.
    """
    inputs = [to_tensor(lib, a, requires_grad=True) for a in arrays]
    outputs = as_outputs(case.fn(lib, *inputs))
    out = to_numpy(outputs[0])
    if grad_out is None:
        assert rng is not None, "pass grad_out or an rng to draw it from"
        grad_out = np.asarray(rng.standard_normal(out.shape)).astype(out.dtype)
    outputs[0].backward(to_tensor(lib, grad_out))
    grads = [None if x.grad is None else to_numpy(x.grad) for x in inputs]
    return CaseResult([to_numpy(o) for o in outputs], grad_out, grads)


# ---------------------------------------------------------------------------------------
# Helpers for cases that need more than one expression
# ---------------------------------------------------------------------------------------


def max_values_unpacked(lib: ModuleType, x: Any) -> Any:
    """Tuple-unpacking of ``max(dim)``, as torch users write it."""
    values, indices = x.max(dim=1)
    return values


def log_softmax(lib: ModuleType, x: Any) -> Any:
    """log softmax over the last dim, the stable way: shift by the row max first."""
    z = x - x.max(dim=-1).values.unsqueeze(-1)
    return z - z.exp().sum(dim=-1, keepdim=True).log()


def nll_loss(lib: ModuleType, x: Any) -> Any:
    """Cross-entropy of 3 rows of logits against targets [4, 0, 2], via integer-array indexing."""
    return -log_softmax(lib, x)[[0, 1, 2], [4, 0, 2]].mean()


def rnn_cell(lib: ModuleType, x: Any, h: Any, w_ih: Any, w_hh: Any, b: Any) -> Any:
    """One Elman step, ``h' = tanh(x W_ih^T + h W_hh^T + b)``, as nn.RNN computes it."""
    return lib.tanh(x @ w_ih.T + h @ w_hh.T + b)


def rnn_unrolled(lib: ModuleType, xs: Any, w_ih: Any, w_hh: Any) -> Any:
    """Three steps sharing one set of weights: their gradients must accumulate (BPTT)."""
    h = lib.tanh(xs[0] @ w_ih.T)
    states = [h]
    for t in range(1, 3):
        h = lib.tanh(xs[t] @ w_ih.T + h @ w_hh.T)
        states.append(h)
    return lib.stack(states, dim=0)


def gated(lib: ModuleType, a: Any, b: Any, c: Any) -> Any:
    """A GRU-like blend: ``z * tanh(b) + (1 - z) * c`` with ``z = sigmoid(a)``."""
    z = a.sigmoid()
    return z * b.tanh() + (1.0 - z) * c


MASK = [[True, False, True, False], [False, False, True, True], [True, True, False, False]]


def clamp_tensor_bounds(lib: ModuleType, x: Any, lo: Any, hi: Any) -> Any:
    """Bounds that are tensors (broadcast against x); where lo > hi torch's result is hi."""
    return x.clamp(lo, hi)


def prod_with_zero(lib: ModuleType, x: Any) -> Any:
    """One zero in row 1, two in row 2: prod's backward must not divide by them."""
    zeros = lib.tensor([[1.0, 1.0, 1.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]], dtype=x.dtype)
    return (x * zeros).prod(dim=1)


def topk_then_gather_back(lib: ModuleType, x: Any) -> Any:
    """Greedy decoding's pattern: the top 2 per row, then those values looked up again."""
    values, indices = x.topk(2, dim=1)
    return values * 2 + x.gather(1, indices)


# ---------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------

BINARY_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
}

# Shape pairs for every binary op: same shape, then each way numpy/torch broadcasting works.
BROADCAST_PAIRS: list[tuple[Shape, Shape]] = [
    ((3, 4), (3, 4)),
    ((3, 4), (4,)),  # missing leading dim
    ((4,), (3, 4)),
    ((2, 3, 4), (3, 1)),  # missing leading dim and a size-1 dim
    ((1, 4), (3, 1)),  # both sides stretch
    ((5, 1, 4), (3, 1)),
    ((), (3, 4)),  # a 0-d tensor against a matrix
    ((3, 4), ()),
]


def shape_tag(shape: Shape) -> str:
    """(3, 4) -> '3x4'; () -> 'scalar'. Used to name generated cases."""
    return "x".join(map(str, shape)) if shape else "scalar"


def binary_cases() -> list[OpCase]:
    """add/sub/mul/div for every pair in BROADCAST_PAIRS; denominators stay positive."""
    cases = []
    for op, fn in BINARY_OPS.items():
        for a, b in BROADCAST_PAIRS:
            cases.append(
                OpCase(
                    name=f"{op}_{shape_tag(a)}_{shape_tag(b)}",
                    shapes=(a, b),
                    fn=lambda lib, x, y, fn=fn: fn(x, y),  # bind fn now, not at call time
                    domain=("any", "positive") if op == "div" else "any",
                    float32=(a, b) in [((3, 4), (4,)), ((5, 1, 4), (3, 1)), ((), (3, 4))],
                )
            )
    return cases


C = OpCase  # short alias: the table below reads as one case per line

CASES: list[OpCase] = (
    binary_cases()
    + [
        # -- a binary op meeting itself, and Python / NumPy scalars on either side ------------
        C("add_self", ((3, 4),), lambda lib, x: x + x),
        C("mul_self", ((3, 4),), lambda lib, x: x * x),
        C("add_scalar_right", ((3, 4),), lambda lib, x: x + 2, float32=True),
        C("add_scalar_left", ((3, 4),), lambda lib, x: 2 + x, float32=True),
        C("sub_scalar_right", ((3, 4),), lambda lib, x: x - 1.0),
        C("sub_scalar_left", ((3, 4),), lambda lib, x: 1.0 - x, float32=True),
        C("mul_scalar_right", ((3, 4),), lambda lib, x: x * 3),
        C("mul_scalar_left", ((3, 4),), lambda lib, x: 3 * x, float32=True),
        C("div_scalar_right", ((3, 4),), lambda lib, x: x / 2),
        C("div_scalar_left", ((3, 4),), lambda lib, x: 2 / x, "away_from_zero", float32=True),
        C("remainder", ((3, 4), (3, 4)), lambda lib, x, y: x % y, ("any", "positive")),
        C("remainder_scalar", ((3, 4),), lambda lib, x: x % 0.75, float32=True),
        # A NumPy float64 scalar counts as a Python number in torch: float32 stays float32.
        C("mul_np_float64_right", ((3, 4),), lambda lib, x: x * np.float64(2.5), float32=True),
        C("sub_np_float64_left", ((3, 4),), lambda lib, x: np.float64(1.5) - x, float32=True),
        # -- unary ---------------------------------------------------------------------------
        C("neg", ((3, 4),), lambda lib, x: -x, float32=True),
        C("neg_scalar", ((),), lambda lib, x: -x),
        C("pow_2", ((3, 4),), lambda lib, x: x**2, float32=True),
        C("pow_3", ((3, 4),), lambda lib, x: x**3),
        C("pow_0", ((3, 4),), lambda lib, x: x**0),
        C("pow_half", ((3, 4),), lambda lib, x: x**0.5, "positive", float32=True),
        C("pow_2_5", ((3, 4),), lambda lib, x: x**2.5, "positive"),
        C("pow_minus_1", ((3, 4),), lambda lib, x: x**-1, "away_from_zero"),
        C("pow_minus_half", ((3, 4),), lambda lib, x: x**-0.5, "positive"),
        C("tanh", ((3, 4),), lambda lib, x: x.tanh(), float32=True),
        C("tanh_function", ((2, 3),), lambda lib, x: lib.tanh(x)),
        C("relu", ((3, 4),), lambda lib, x: x.relu(), "away_from_zero", float32=True),
        C("relu_function", ((2, 3),), lambda lib, x: lib.relu(x), "away_from_zero"),
        C("relu_at_zero", ((4, 5),), lambda lib, x: x.relu(), "ties", smooth=False),
        C("sigmoid", ((3, 4),), lambda lib, x: x.sigmoid(), float32=True),
        C("sigmoid_function", ((2, 3),), lambda lib, x: lib.sigmoid(4.0 * x)),
        C("exp", ((3, 4),), lambda lib, x: x.exp(), float32=True),
        C("exp_function", ((2, 3),), lambda lib, x: lib.exp(x)),
        C("exp_scalar", ((),), lambda lib, x: x.exp()),
        C("log", ((3, 4),), lambda lib, x: x.log(), "positive", float32=True),
        C("log_function", ((2, 3),), lambda lib, x: lib.log(x), "positive"),
        # -- matmul: every rank combination torch.matmul accepts ------------------------------
        C("matmul_1d_1d", ((4,), (4,)), lambda lib, a, b: a @ b),  # dot product -> 0-d
        C("matmul_1d_2d", ((4,), (4, 3)), lambda lib, a, b: a @ b),
        C("matmul_2d_1d", ((3, 4), (4,)), lambda lib, a, b: a @ b),
        C("matmul_2d_2d", ((3, 4), (4, 2)), lambda lib, a, b: a @ b, float32=True),
        C("matmul_function", ((3, 4), (4, 2)), lambda lib, a, b: lib.matmul(a, b)),
        C("matmul_3d_3d", ((2, 3, 4), (2, 4, 5)), lambda lib, a, b: a @ b, float32=True),
        C("matmul_3d_2d", ((2, 3, 4), (4, 5)), lambda lib, a, b: a @ b),
        C("matmul_2d_3d", ((3, 4), (2, 4, 5)), lambda lib, a, b: a @ b),
        C("matmul_batch_broadcast", ((2, 1, 3, 4), (5, 4, 2)), lambda lib, a, b: a @ b),
        # -- addmm: input + m1 @ m2 as one node (nn.RNN's step, nn.Linear on 2-D input) -------
        C("addmm_bias_row", ((4,), (3, 5), (5, 4)), lambda lib, c, a, b: lib.addmm(c, a, b), float32=True),
        C("addmm_full_input", ((3, 4), (3, 5), (5, 4)), lambda lib, c, a, b: lib.addmm(c, a, b)),
        C("addmm_column_input", ((3, 1), (3, 5), (5, 4)), lambda lib, c, a, b: c.addmm(a, b)),
        C("addmm_beta_alpha", ((4,), (3, 5), (5, 4)), lambda lib, c, a, b: lib.addmm(c, a, b, beta=0.5, alpha=-2.0)),
        C("matmul_1d_3d", ((4,), (2, 4, 3)), lambda lib, a, b: lib.matmul(a, b)),
        C("matmul_3d_1d", ((2, 3, 4), (4,)), lambda lib, a, b: lib.matmul(a, b)),
        # -- reductions ----------------------------------------------------------------------
        C("sum_all", ((2, 3, 4),), lambda lib, x: x.sum(), float32=True),
        C("sum_1d", ((5,),), lambda lib, x: x.sum()),
        C("sum_scalar", ((),), lambda lib, x: x.sum()),
        C("sum_dim0", ((2, 3, 4),), lambda lib, x: x.sum(dim=0)),
        C("sum_dim_neg", ((2, 3, 4),), lambda lib, x: x.sum(dim=-1), float32=True),
        C("sum_dim_tuple", ((2, 3, 4),), lambda lib, x: x.sum(dim=(0, 2))),
        C("sum_keepdim", ((2, 3, 4),), lambda lib, x: x.sum(dim=1, keepdim=True)),
        C("sum_tuple_keepdim", ((2, 3, 4),), lambda lib, x: x.sum(dim=(-1, 0), keepdim=True)),
        C("mean_all", ((2, 3, 4),), lambda lib, x: x.mean(), float32=True),
        C("mean_dim0", ((2, 3, 4),), lambda lib, x: x.mean(dim=0)),
        C("mean_dim_neg", ((2, 3, 4),), lambda lib, x: x.mean(dim=-2)),
        C("mean_dim_tuple", ((2, 3, 4),), lambda lib, x: x.mean(dim=(0, 2)), float32=True),
        C("mean_keepdim", ((2, 3, 4),), lambda lib, x: x.mean(dim=2, keepdim=True)),
        C("mean_tuple_keepdim", ((2, 3, 4),), lambda lib, x: x.mean(dim=(0, 1), keepdim=True)),
        C("max_all", ((3, 4),), lambda lib, x: x.max(), "distinct", float32=True),
        C("max_dim_values", ((3, 4),), lambda lib, x: x.max(dim=1).values, "distinct"),
        C("max_dim_neg_index0", ((2, 3, 4),), lambda lib, x: x.max(dim=-1)[0], "distinct"),
        C("max_dim_unpacked", ((3, 4),), max_values_unpacked, "distinct"),
        C("max_dim_pair", ((3, 4),), lambda lib, x: x.max(dim=0), "distinct", float32=True),
        C("max_1d_dim0_pair", ((5,),), lambda lib, x: x.max(dim=0), "distinct"),
        # On ties torch splits max()'s gradient evenly but gives max(dim)'s to one index only.
        C("max_all_ties", ((3, 4),), lambda lib, x: x.max(), "ties", smooth=False),
        C("max_dim_ties_pair", ((4, 5),), lambda lib, x: x.max(dim=1), "ties", smooth=False),
        # -- shape ops -----------------------------------------------------------------------
        C("reshape_2d", ((2, 3, 4),), lambda lib, x: x.reshape(6, 4), float32=True),
        C("reshape_infer", ((2, 3, 4),), lambda lib, x: x.reshape(4, -1)),
        C("reshape_flat", ((2, 3, 4),), lambda lib, x: x.reshape(-1)),
        C("reshape_add_ones", ((3, 4),), lambda lib, x: x.reshape(1, 3, 1, 4)),
        C("view_2d", ((2, 3, 4),), lambda lib, x: x.view(3, 8)),
        C("view_flat", ((2, 3, 4),), lambda lib, x: x.view(-1)),
        C("transpose_2d", ((3, 4),), lambda lib, x: x.transpose(0, 1), float32=True),
        C("transpose_3d", ((2, 3, 4),), lambda lib, x: x.transpose(0, 2)),
        C("transpose_neg", ((2, 3, 4),), lambda lib, x: x.transpose(-1, -2)),
        C("permute_3d", ((2, 3, 4),), lambda lib, x: x.permute(2, 0, 1), float32=True),
        C("permute_neg", ((2, 3, 4),), lambda lib, x: x.permute(-1, 0, 1)),
        C("permute_then_reshape", ((2, 3, 4),), lambda lib, x: x.permute(2, 0, 1).reshape(4, 6)),
        C("T_2d", ((3, 4),), lambda lib, x: x.T),
        C("unsqueeze_0", ((3, 4),), lambda lib, x: x.unsqueeze(0)),
        C("unsqueeze_1", ((3, 4),), lambda lib, x: x.unsqueeze(1)),
        C("unsqueeze_neg", ((3, 4),), lambda lib, x: x.unsqueeze(-1), float32=True),
        C("unsqueeze_scalar", ((),), lambda lib, x: x.unsqueeze(0)),
        C("squeeze_all", ((1, 3, 1, 4),), lambda lib, x: x.squeeze(), float32=True),
        C("squeeze_dim0", ((1, 3, 1, 4),), lambda lib, x: x.squeeze(0)),
        C("squeeze_dim_neg", ((1, 3, 1, 4),), lambda lib, x: x.squeeze(-2)),
        C("squeeze_dim_not_one", ((1, 3, 1, 4),), lambda lib, x: x.squeeze(1)),  # a no-op in torch
        # -- indexing (x is 4x3 unless said otherwise) ---------------------------------------
        C("index_int", ((4, 3),), lambda lib, x: x[1], float32=True),
        C("index_neg_int", ((4, 3),), lambda lib, x: x[-1]),
        C("index_slice", ((4, 3),), lambda lib, x: x[1:3]),
        C("index_step_slice", ((4, 3),), lambda lib, x: x[::2]),
        C("index_neg_slice", ((4, 3),), lambda lib, x: x[-3:-1]),
        C("index_int_slice", ((4, 3),), lambda lib, x: x[1, 1:3]),
        C("index_slice_neg_int", ((4, 3),), lambda lib, x: x[:, -1]),
        C("index_two_ints", ((4, 3),), lambda lib, x: x[2, 1]),  # -> 0-d
        C("index_3d_mixed", ((3, 4, 2),), lambda lib, x: x[1:, 2, ::2]),
        C("index_chained", ((4, 3),), lambda lib, x: x[1:][::2]),
        C(
            "index_array_repeated",
            ((4, 3),),
            lambda lib, x: x[np.array([0, 2, 0, -1])],
            float32=True,
        ),
        C("index_list_repeated", ((4, 3),), lambda lib, x: x[[3, 1, 1]]),
        C("index_slice_then_list", ((4, 3),), lambda lib, x: x[:, [0, 2, 0]]),
        C("index_two_lists", ((4, 3),), lambda lib, x: x[[0, 3, 0], [2, 0, 2]]),  # (0,2) twice
        # -- joining -------------------------------------------------------------------------
        C("stack_dim0", ((3, 4), (3, 4)), lambda lib, a, b: lib.stack([a, b], dim=0), float32=True),
        C("stack_dim1", ((3, 4), (3, 4)), lambda lib, a, b: lib.stack([a, b], dim=1)),
        C("stack_dim_neg", ((3, 4), (3, 4)), lambda lib, a, b: lib.stack([a, b], dim=-1)),
        C("stack_three", ((2,), (2,), (2,)), lambda lib, a, b, c: lib.stack([a, b, c])),
        C("stack_scalars", ((), (), ()), lambda lib, a, b, c: lib.stack([a, b, c])),
        C("stack_same_twice", ((3,),), lambda lib, x: lib.stack([x, x * 2.0], dim=0)),
        C("cat_dim0", ((2, 3), (4, 3)), lambda lib, a, b: lib.cat([a, b], dim=0), float32=True),
        C("cat_dim1", ((2, 3), (2, 1), (2, 2)), lambda lib, a, b, c: lib.cat([a, b, c], dim=1)),
        C("cat_dim_neg", ((2, 3, 1), (2, 3, 2)), lambda lib, a, b: lib.cat([a, b], dim=-1)),
        C("cat_1d", ((3,), (2,)), lambda lib, a, b: lib.cat([a, b])),
        C("cat_same_twice", ((2, 3),), lambda lib, x: lib.cat([x, x], dim=1)),
        # -- more elementwise functions ------------------------------------------------------
        C("sqrt", ((3, 4),), lambda lib, x: x.sqrt(), "positive", float32=True),
        C("sqrt_function", ((2, 3),), lambda lib, x: lib.sqrt(x), "positive"),
        C("rsqrt", ((3, 4),), lambda lib, x: x.rsqrt(), "positive", float32=True),
        C("rsqrt_function", ((2, 3),), lambda lib, x: lib.rsqrt(x), "positive"),
        C("sin", ((3, 4),), lambda lib, x: x.sin(), float32=True),
        C("sin_function", ((2, 3),), lambda lib, x: lib.sin(3.0 * x)),
        C("cos", ((3, 4),), lambda lib, x: x.cos(), float32=True),
        C("cos_function", ((2, 3),), lambda lib, x: lib.cos(3.0 * x)),
        C("abs", ((3, 4),), lambda lib, x: x.abs(), "away_from_zero", float32=True),
        C("abs_function", ((2, 3),), lambda lib, x: lib.abs(x), "away_from_zero"),
        C("abs_at_zero", ((4, 5),), lambda lib, x: x.abs(), "ties", smooth=False),
        C("square", ((3, 4),), lambda lib, x: x.square(), float32=True),
        C("square_function", ((2, 3),), lambda lib, x: lib.square(x)),
        C("sign", ((3, 4),), lambda lib, x: x.sign(), "away_from_zero"),
        C("sign_times_x", ((3, 4),), lambda lib, x: x.sign() * x, "away_from_zero", float32=True),
        C("floor", ((3, 4),), lambda lib, x: x.floor(), "between_integers", float32=True),
        C("ceil", ((3, 4),), lambda lib, x: lib.ceil(x), "between_integers"),
        C("round", ((3, 4),), lambda lib, x: x.round(), "between_integers"),
        C("round_plus_x", ((3, 4),), lambda lib, x: lib.round(x) + x, "between_integers", float32=True),
        C("round_decimals", ((3, 4),), lambda lib, x: x.round(decimals=2) * x, smooth=False),
        # -- clamp, where, masked_fill, minimum/maximum --------------------------------------
        C("clamp", ((3, 4),), lambda lib, x: x.clamp(-0.5, 0.5), float32=True),
        C("clamp_min_only", ((3, 4),), lambda lib, x: x.clamp(min=0.2)),
        C("clamp_max_only", ((3, 4),), lambda lib, x: lib.clamp(x, max=-0.1)),
        C("clip", ((3, 4),), lambda lib, x: lib.clip(x, -1, 1)),
        C("clamp_at_bounds", ((4, 5),), lambda lib, x: x.clamp(-1, 0), "ties", smooth=False),
        C("clamp_crossed_bounds", ((3, 4),), lambda lib, x: x.clamp(0.5, -0.5)),
        C("clamp_tensor_bounds", ((3, 4), (3, 4), (4,)), clamp_tensor_bounds, float32=True),
        C("clamp_tensor_min", ((3, 4), (3, 1)), lambda lib, x, lo: x.clamp(min=lo)),
        C("clamp_tensor_max_0d", ((3, 4), ()), lambda lib, x, hi: lib.clamp(x, max=hi)),
        C("clamp_in_place", ((3, 4),), lambda lib, x: (x * 1).clamp_(-0.5, 0.5)),
        C("clamp_in_place_tensor_bounds", ((3, 4), (4,), (3, 1)), lambda lib, x, lo, hi: (x * 1).clamp_(lo, hi)),
        C("masked_fill_in_place", ((3, 4),), lambda lib, x: (x * 1).masked_fill_(lib.tensor(MASK), 0.5)),
        C("where", ((3, 4), (3, 4)), lambda lib, a, b: lib.where(a > b, a * 2, b), float32=True),
        C("where_broadcast", ((3, 1), (4,)), lambda lib, a, b: lib.where(lib.tensor(MASK), a, b)),
        C("where_scalar_other", ((3, 4),), lambda lib, x: lib.where(x > 0, x, 0.0), "away_from_zero"),
        C("where_method", ((3, 4), (3, 4)), lambda lib, a, b: a.where(lib.tensor(MASK), b)),
        C("masked_fill", ((3, 4),), lambda lib, x: x.masked_fill(lib.tensor(MASK), -1.0), float32=True),
        C("masked_fill_row_mask", ((3, 4),), lambda lib, x: x.masked_fill(lib.tensor(MASK[0]), 0.0)),
        C("masked_fill_wider_mask", ((4,),), lambda lib, x: x.masked_fill(lib.tensor(MASK), 2.0)),
        C("masked_fill_tensor_value", ((3, 4), ()), lambda lib, x, v: x.masked_fill(lib.tensor(MASK), v)),
        C("maximum", ((3, 4), (4,)), lambda lib, a, b: lib.maximum(a, b), float32=True),
        C("minimum", ((3, 4), (3, 1)), lambda lib, a, b: lib.minimum(a, b), float32=True),
        C("max_other", ((3, 4), (3, 4)), lambda lib, a, b: a.max(b)),
        C("min_other", ((3, 4), (3, 4)), lambda lib, a, b: lib.min(a, b)),
        C("maximum_ties", ((4, 5), (4, 5)), lambda lib, a, b: lib.maximum(a, b), "ties", smooth=False),
        C("minimum_ties", ((4, 5), (5,)), lambda lib, a, b: lib.minimum(a, b), "ties", smooth=False),
        # -- more reductions -----------------------------------------------------------------
        C("min_all", ((3, 4),), lambda lib, x: x.min(), "distinct", float32=True),
        C("min_dim_pair", ((3, 4),), lambda lib, x: x.min(dim=1), "distinct", float32=True),
        C("min_dim_keepdim_pair", ((3, 4),), lambda lib, x: lib.min(x, 0, keepdim=True), "distinct"),
        C("max_dim_keepdim_pair", ((2, 3, 4),), lambda lib, x: x.max(-2, True), "distinct"),
        C("min_all_ties", ((3, 4),), lambda lib, x: x.min(), "ties", smooth=False),
        C("min_dim_ties_pair", ((4, 5),), lambda lib, x: x.min(dim=1), "ties", smooth=False),
        C("var_all", ((3, 4),), lambda lib, x: x.var(), float32=True),
        C("var_dim", ((3, 4),), lambda lib, x: x.var(dim=1)),
        C("var_dims_keepdim", ((2, 3, 4),), lambda lib, x: x.var(dim=(0, 2), keepdim=True)),
        C("var_biased", ((3, 4),), lambda lib, x: x.var(0, unbiased=False)),
        C("var_correction", ((3, 4),), lambda lib, x: lib.var(x, dim=-1, correction=0)),
        C("std_all", ((3, 4),), lambda lib, x: x.std(), float32=True),
        C("std_dim", ((3, 4),), lambda lib, x: lib.std(x, 1)),
        C("std_keepdim_biased", ((3, 4),), lambda lib, x: x.std(0, keepdim=True, correction=0)),
        C("prod_all", ((2, 3),), lambda lib, x: x.prod(), float32=True),
        C("prod_dim", ((3, 4),), lambda lib, x: x.prod(dim=1)),
        C("prod_keepdim", ((3, 4),), lambda lib, x: lib.prod(x, 0, keepdim=True)),
        C("prod_with_zero", ((3, 3),), prod_with_zero),
        C("prod_all_one_zero", ((3,),), lambda lib, x: (x * lib.tensor([1.0, 0.0, 1.0], dtype=x.dtype)).prod()),
        C("cumsum", ((3, 4),), lambda lib, x: x.cumsum(dim=1), float32=True),
        C("cumsum_dim0", ((3, 4),), lambda lib, x: lib.cumsum(x, 0)),
        C("cumsum_neg_dim", ((2, 3, 4),), lambda lib, x: x.cumsum(-2)),
        # -- sorting and selecting -----------------------------------------------------------
        C("sort_pair", ((3, 4),), lambda lib, x: x.sort(dim=1), "distinct", float32=True),
        C("sort_descending_pair", ((3, 4),), lambda lib, x: x.sort(0, descending=True), "distinct"),
        C("sort_function_values", ((5,),), lambda lib, x: lib.sort(x).values, "distinct"),
        C("topk_pair", ((3, 5),), lambda lib, x: x.topk(2), "distinct", float32=True),
        C("topk_smallest_pair", ((3, 5),), lambda lib, x: x.topk(3, largest=False), "distinct"),
        C("topk_dim0_pair", ((4, 3),), lambda lib, x: lib.topk(x, 1, dim=0), "distinct"),
        C("topk_then_gather", ((3, 5),), topk_then_gather_back, "distinct"),
        C("gather_dim1", ((3, 4),), lambda lib, x: x.gather(1, lib.tensor([[0, 0], [3, 1], [2, 2]])), float32=True),
        C("gather_dim0", ((3, 4),), lambda lib, x: lib.gather(x, 0, lib.tensor([[2, 0, 1, 2]]))),
        C("gather_longer_index", ((2, 3),), lambda lib, x: x.gather(1, lib.tensor([[0, 1, 2, 1], [2, 2, 0, 0]]))),
        C("index_select_dim0", ((4, 3),), lambda lib, x: x.index_select(0, lib.tensor([3, 0, 3])), float32=True),
        C("index_select_dim1", ((4, 3),), lambda lib, x: lib.index_select(x, 1, lib.tensor([2, 1]))),
        C("masked_select", ((3, 4),), lambda lib, x: x.masked_select(lib.tensor(MASK))),
        C("masked_select_broadcast", ((3, 1),), lambda lib, x: lib.masked_select(x, lib.tensor(MASK))),
        C("flip_dim0", ((3, 4),), lambda lib, x: x.flip(0), float32=True),
        C("flip_two_dims", ((2, 3, 4),), lambda lib, x: lib.flip(x, (0, -1))),
        # -- splitting, narrowing, matrix products ------------------------------------------
        C("split_equal", ((4, 3),), lambda lib, x: x.split(2), float32=True),
        C("split_sizes", ((4, 5),), lambda lib, x: lib.split(x, [1, 3, 1], dim=1)),
        C("chunk", ((5, 3),), lambda lib, x: x.chunk(2)),
        C("narrow", ((4, 5),), lambda lib, x: x.narrow(1, 1, 3), float32=True),
        C("t", ((3, 4),), lambda lib, x: x.t()),
        C("t_contiguous", ((3, 4),), lambda lib, x: x.t().contiguous() * 2),
        C("mm", ((3, 4), (4, 2)), lambda lib, a, b: a.mm(b), float32=True),
        C("bmm", ((2, 3, 4), (2, 4, 5)), lambda lib, a, b: lib.bmm(a, b), float32=True),
        C("expand", ((3, 1),), lambda lib, x: x.expand(2, 3, 4)),
        C("repeat", ((2, 3),), lambda lib, x: x.repeat(2, 1, 2)),
        C("flatten", ((2, 3, 4),), lambda lib, x: x.flatten(1)),
        C("pow_tensor_exponent", ((3, 4), (3, 4)), lambda lib, a, b: a**b, "positive"),
        C("pow_number_base", ((3, 4),), lambda lib, x: 2.0**x),
        C("pow_0d_tensor_exponent", ((3, 4), ()), lambda lib, a, e: a**e, "positive", float32=True),
        # -- softmax as methods --------------------------------------------------------------
        C("softmax_method", ((3, 5),), lambda lib, x: x.softmax(dim=1), float32=True),
        C("log_softmax_method", ((3, 5),), lambda lib, x: x.log_softmax(-1), float32=True),
        C("softmax_function", ((3, 5),), lambda lib, x: lib.softmax(x, 0)),
        # -- composites: several ops, reused inputs ------------------------------------------
        C("log_softmax", ((3, 5),), log_softmax, "distinct", float32=True),
        C("softmax", ((3, 5),), lambda lib, x: x.exp() / x.exp().sum(dim=1, keepdim=True)),
        C("nll_loss", ((3, 5),), nll_loss, "distinct", float32=True),
        C(
            "linear_tanh",
            ((4, 3), (3, 5), (5,)),
            lambda lib, x, w, b: lib.tanh(x @ w + b),
            float32=True,
        ),
        C("rnn_cell", ((2, 3), (2, 4), (4, 3), (4, 4), (4,)), rnn_cell, float32=True),
        C("rnn_unrolled", ((3, 2, 3), (4, 3), (4, 4)), rnn_unrolled),
        C("mse", ((3, 4), (3, 4)), lambda lib, y, t: ((y - t) ** 2).mean(), float32=True),
        C("reuse", ((3, 4),), lambda lib, x: x * x + x.exp() * x - x.tanh()),
        C("gated", ((2, 3), (2, 3), (2, 3)), gated),
    ]
)

CASES_BY_NAME: dict[str, OpCase] = {case.name: case for case in CASES}
assert len(CASES_BY_NAME) == len(CASES), "case names must be unique"

FLOAT32_CASES: list[OpCase] = [case for case in CASES if case.float32]
SMOOTH_CASES: list[OpCase] = [case for case in CASES if case.smooth]
