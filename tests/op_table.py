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
