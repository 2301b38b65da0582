"""A table of calls whose *values* (and dtypes) must be torch's, with no gradient to check.

The companion of `op_table.py` for what has no derivative: indices (argmax, argsort, topk),
tests (isnan, isclose), logic (``~``, ``&``), integer and bool inputs, the factories
(arange, linspace, eye, ``*_like``, ``new_*``) and Python results (``tolist``, ``numel``).
Each call is ``fn(lib)``, written with API torch and minitorch_rnn share.

* ``test_ops_values.py`` compares our results with torch's, stored in
  ``reference/values.npz`` (made by ``reference/make_reference_values.py``) or live;
* the reference script runs every call through torch.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

NAN, INF = float("nan"), float("inf")

# Inputs, as plain data so both libraries build the same tensors.
FLOATS = [[1.5, -0.5, NAN, 2.5], [INF, -2.5, 0.5, -0.0], [3.0, 3.0, -1.0, 0.0]]
TIES = [[1.0, 3.0, 3.0, 2.0, 3.0, 0.0], [0.0, 0.0, -1.0, 0.0, 5.0, 5.0]]
INTS = [[3, -2, 0, 7], [1, 1, -5, 2]]
BOOLS = [[True, False, True], [False, False, True]]


def _f(lib: ModuleType) -> Any:
    return lib.tensor(FLOATS)


def _t(lib: ModuleType) -> Any:
    return lib.tensor(TIES)


def _i(lib: ModuleType) -> Any:
    return lib.tensor(INTS)


def _b(lib: ModuleType) -> Any:
    return lib.tensor(BOOLS)


def letters_at(lib: ModuleType) -> Any:
    """`__index__`: a one-element integer tensor indexes a Python list (``letters[topi]``)."""
    letters = "abcdef"
    topi = lib.tensor([[0.1, 0.7, 0.2]]).topk(1).indices[0][0]
    return lib.tensor([ord(letters[topi]), ord(letters[lib.tensor([[2]])])])


def in_place_shapes(lib: ModuleType) -> Any:
    """unsqueeze_/squeeze_/fill_/zero_ change the tensor itself and return it."""
    x = lib.tensor([1.0, 2.0, 3.0])
    assert x.unsqueeze_(0) is x
    y = lib.zeros(2, 1).squeeze_(1).fill_(4.0)
    z = lib.ones(2, dtype=lib.int64).zero_()
    return x, y, z


CALLS: dict[str, Callable[[ModuleType], Any]] = {
    # -- indices ---------------------------------------------------------------------------
    "argmax_all": lambda lib: _t(lib).argmax(),
    "argmax_dim_ties": lambda lib: _t(lib).argmax(dim=1),
    "argmax_keepdim": lambda lib: _t(lib).argmax(1, keepdim=True),
    "argmax_all_keepdim": lambda lib: _t(lib).argmax(keepdim=True),
    "argmax_nan": lambda lib: _f(lib).argmax(dim=1),
    "argmin_all": lambda lib: _t(lib).argmin(),
    "argmin_dim": lambda lib: lib.argmin(_t(lib), dim=0),
    "argmin_keepdim": lambda lib: _t(lib).argmin(-1, keepdim=True),
    "argmin_nan": lambda lib: _f(lib).argmin(1),
    "max_dim_ints": lambda lib: _i(lib).max(1),
    "min_dim_ints": lambda lib: _i(lib).min(0),
    "min_all_nan": lambda lib: _f(lib).min(),
    "min_dim_nan": lambda lib: _f(lib).min(1),
    "argsort": lambda lib: _t(lib).argsort(stable=True),
    "argsort_descending": lambda lib: lib.argsort(_t(lib), dim=1, descending=True, stable=True),
    "argsort_nan": lambda lib: _f(lib).argsort(dim=1, stable=True),
    "argsort_nan_descending": lambda lib: _f(lib).argsort(dim=1, descending=True, stable=True),
    "sort_ties": lambda lib: _t(lib).sort(stable=True),
    "sort_nan_dim0": lambda lib: _f(lib).sort(dim=0, stable=True),
    "sort_ints_descending": lambda lib: _i(lib).sort(descending=True, stable=True),
    "sort_bools": lambda lib: _b(lib).sort(stable=True),
    # (topk's order among equal entries is unspecified in torch: these inputs have no ties)
    "topk_nan": lambda lib: _f(lib)[:2].topk(2),
    "topk_smallest_nan": lambda lib: _f(lib)[:2].topk(2, largest=False),
    "topk_ints": lambda lib: _i(lib)[0].topk(3),
    "topk_k0": lambda lib: _i(lib).topk(0),
    "letters_at_topi": letters_at,
    # -- logic -----------------------------------------------------------------------------
    "any_all": lambda lib: (_b(lib).any(), _b(lib).all(), _i(lib).any(1), _f(lib).all(0)),
    "any_uint8": lambda lib: lib.tensor([0, 3], dtype=lib.uint8).any(),
    "all_keepdim": lambda lib: _b(lib).all(dim=1, keepdim=True),
    "isnan_isinf_isfinite": lambda lib: (_f(lib).isnan(), lib.isinf(_f(lib)), _f(lib).isfinite()),
    "isnan_ints": lambda lib: _i(lib).isnan(),
    "isclose": lambda lib: _f(lib).isclose(_f(lib) + 1e-6),
    "isclose_equal_nan": lambda lib: lib.isclose(_f(lib), _f(lib), equal_nan=True),
    "allclose": lambda lib: (
        lib.allclose(_t(lib), _t(lib) + 1e-9),
        _t(lib).allclose(_t(lib) + 1e-3),
        lib.allclose(_f(lib), _f(lib), equal_nan=True),
        _f(lib).allclose(_f(lib)),
    ),
    "logical_not_and_or_xor": lambda lib: (
        _i(lib).logical_not(),
        lib.logical_and(_f(lib), _f(lib) > 0),
        _b(lib).logical_or(_b(lib).flip(0)),
        lib.logical_xor(_b(lib), lib.tensor(True)),
    ),
    "invert": lambda lib: (~_b(lib), ~_i(lib)),
    "bitwise_bools": lambda lib: (_b(lib) & _b(lib).flip(1), _b(lib) | _b(lib).flip(0), _b(lib) ^ True),
    "bitwise_ints": lambda lib: (_i(lib) & 6, 1 | _i(lib), _i(lib) ^ _b(lib)[0].sum()),
    "bitwise_bool_int": lambda lib: _b(lib) & lib.tensor([[1, 0, 3]]),
    "comparisons_nan": lambda lib: (_f(lib) == _f(lib), _f(lib) != 0.5, _f(lib).ge(0)),
    # -- integers, bools and special values through the math ------------------------------
    "sign_floor_ceil_round": lambda lib: (_f(lib).sign(), _f(lib).floor(), lib.ceil(_f(lib)), _f(lib).round()),
    "round_halves": lambda lib: lib.tensor([0.5, 1.5, 2.5, -0.5, -1.5]).round(),
    "round_decimals": lambda lib: (
        lib.tensor([1.2345, 2.5, -0.125]).round(decimals=2),
        lib.tensor([1234.5, 250.0, -151.0]).round(decimals=-2),
    ),
    "int_sign_abs_square": lambda lib: (_i(lib).sign(), _i(lib).abs(), lib.square(_i(lib)), _b(lib).square()),
    "int_floor_round": lambda lib: (_i(lib).floor(), _i(lib).ceil(), _i(lib).round()),
    "bool_sign": lambda lib: _b(lib).sign(),
    "int_to_float_functions": lambda lib: (_i(lib).sqrt(), _i(lib).sin(), lib.cos(_i(lib)), _i(lib).rsqrt()),
    "special_values": lambda lib: (_f(lib).sqrt(), _f(lib).abs(), _f(lib).rsqrt(), _f(lib).square()),
    "clamp_ints": lambda lib: (_i(lib).clamp(-1, 2), _i(lib).clamp(min=0), _i(lib).clamp(max=1)),
    "clamp_int_by_float": lambda lib: _i(lib).clamp(-1.5, 2.5),
    "clamp_int_by_tensors": lambda lib: _i(lib).clamp(lib.tensor([0, 1, 2, 3]), lib.tensor(2)),
    "clamp_nan": lambda lib: (_f(lib).clamp(-1, 1), _f(lib).clamp(lib.tensor(-1.0), lib.tensor(1.0))),
    "clamp_crossed": lambda lib: _f(lib).clip(1.0, -1.0),
    "clamp_in_place": lambda lib: (
        _f(lib).clamp_(-1, 1),
        _i(lib).clamp_(lib.tensor([0, 0, 1, 1]), lib.tensor(3)),
        _f(lib).clamp_(max=lib.tensor([0.0, 1.0, 2.0, 3.0])),
        _i(lib).clip_(0, 2),
    ),
    "maximum_minimum_nan": lambda lib: (lib.maximum(_f(lib), lib.tensor([0.0, 0.0, 9.0, NAN])), _f(lib).minimum(lib.zeros(4))),
    "maximum_ints": lambda lib: lib.maximum(_i(lib), lib.tensor([0, 0, 9, -9])),
    "where_dtypes": lambda lib: (
        lib.where(_b(lib), lib.tensor([1, 2, 3]), 2.5),
        lib.where(_b(lib), 1.0, 0),
        lib.where(_b(lib), lib.tensor([1, 2, 3]), lib.tensor(0.5, dtype=lib.float64)),
        lib.where(_b(lib), 1, 0),
    ),
    "where_one_argument": lambda lib: lib.where(_b(lib)),
    "masked_fill_ints": lambda lib: _i(lib).masked_fill(_i(lib) > 0, 9.7),
    "masked_fill_bool_value": lambda lib: _f(lib).masked_fill(_f(lib).isnan(), True),
    "cumsum_ints_bools": lambda lib: (_i(lib).cumsum(1), _b(lib).cumsum(dim=0), _f(lib).cumsum(0)),
    "prod_ints": lambda lib: (_i(lib).prod(), _i(lib).prod(1), _b(lib).prod(0, keepdim=True)),
    "var_std_edge": lambda lib: (
        lib.zeros(3).var(),
        lib.ones(1).var(),
        lib.ones(1).std(correction=0),
        lib.tensor([1.0, 2.0]).var(unbiased=False),
        lib.tensor([[1.0, 2.0], [3.0, 5.0]]).std(1, True, True),
    ),
    "gather_ints": lambda lib: _i(lib).gather(1, lib.tensor([[3, 3], [0, 2]])),
    "index_select_ints": lambda lib: _i(lib).index_select(1, lib.tensor([2, 0, 2])),
    "index_select_0d_index": lambda lib: _f(lib).index_select(0, lib.tensor(1)),
    "masked_select_ints": lambda lib: _i(lib).masked_select(_i(lib) > 0),
    "flip_ints": lambda lib: (_i(lib).flip(1), _i(lib).flip((0, 1))),
    "t_of_1d": lambda lib: lib.tensor([1, 2]).t(),
    "split_chunk_shapes": lambda lib: tuple(
        lib.tensor(p.shape) for p in (*lib.arange(10).split(4), *lib.arange(10).chunk(4))
    ),
    "numel": lambda lib: (lib.numel(_f(lib)), _i(lib).numel()),
    "tolist": lambda lib: (_i(lib).tolist(), lib.tensor(2.5).tolist()),
    "in_place_shape_changes": in_place_shapes,
    "softmax_method_f64": lambda lib: _t(lib).softmax(1, dtype=lib.float64),
    # -- edges: empty, 0-d, other dtypes ----------------------------------------------------
    "edge_empty": lambda lib: (
        lib.zeros(0).topk(0),
        lib.zeros(2, 0).sort(),
        lib.zeros(2, 3).gather(1, lib.zeros(2, 0, dtype=lib.int64)),
        lib.zeros(0).var(),
        lib.zeros(0).prod(),
        lib.zeros(0).cumsum(0),
        lib.zeros(3).masked_select(lib.zeros(3, dtype=lib.bool)),
        lib.zeros(3, 2).index_select(0, lib.zeros(0, dtype=lib.int64)),
        lib.zeros(0).any(),
        lib.zeros(0).all(),
    ),
    "edge_0d": lambda lib: (
        lib.tensor(2.0).topk(1),
        lib.tensor(2.0).sort(),
        lib.tensor(2.0).argsort(),
        lib.tensor(5.0).gather(0, lib.tensor(0)),
        lib.tensor(3.0).prod(0),
        lib.tensor(3.0).cumsum(0),
        lib.tensor(3.0).flip(0),
        lib.tensor(3.0).index_select(0, lib.tensor([0])),
        lib.tensor(3.0).min(0),
        lib.tensor(3.0).argmin(0, keepdim=True),
        lib.where(lib.tensor(True), lib.tensor(1.0), lib.tensor(2.0)),
    ),
    "edge_dtypes": lambda lib: (
        lib.tensor([4.0], dtype=lib.float16).sqrt(),
        lib.tensor([-3], dtype=lib.int8).abs(),
        lib.tensor([0, 3], dtype=lib.uint8).sign(),
        lib.tensor([3], dtype=lib.int32).square(),
        lib.tensor([3], dtype=lib.int32).cumsum(0),
        lib.tensor([3], dtype=lib.int32).prod(),
        lib.tensor([3.0, 1.0], dtype=lib.float16).var(),
        lib.tensor([2.5, 3.5], dtype=lib.float16).round(),
        lib.zeros(2).clamp(lib.tensor([0.5, 1.0], dtype=lib.float64)),
        lib.zeros(2).clamp(lib.tensor(0.5, dtype=lib.float64)),
        lib.where(lib.tensor([True, False]), lib.tensor([1, 2]), lib.tensor([True, False])),
        lib.where(lib.tensor([True, False]), lib.tensor([1.0, 2.0], dtype=lib.float16), 3.5),
        lib.tensor([True, False]).masked_fill(lib.tensor([True, True]), False),
        lib.maximum(lib.tensor([1, 5]), lib.tensor([2.5, 0.5])),
        lib.minimum(lib.tensor([True, False]), lib.tensor([True, True])),
        lib.linspace(0, 1, 5, dtype=lib.float16),
        lib.eye(2, dtype=lib.bool),
    ),
    # -- factories -------------------------------------------------------------------------
    "arange": lambda lib: (lib.arange(5), lib.arange(1, 4), lib.arange(0, 1, 0.1), lib.arange(5.0)),
    "arange_steps": lambda lib: (lib.arange(10, 0, -3), lib.arange(-2, 3.3, 0.3), lib.arange(0.5, 7.3, 0.7)),
    "arange_dtype": lambda lib: (lib.arange(5, dtype=lib.float64), lib.arange(0, 2.5, 1.5, dtype=lib.int64),
        lib.arange(-0.5, 3.7, 1.2, dtype=lib.int64),
        lib.arange(1, 4, dtype=lib.float32)),
    "linspace": lambda lib: (lib.linspace(0, 1, 5), lib.linspace(-3.3, 5.1, 11), lib.linspace(0, 10, 7)),
    "linspace_edges": lambda lib: (lib.linspace(2, 2, 3), lib.linspace(0, 1, 1), lib.linspace(0, 1, 0)),
    "linspace_dtypes": lambda lib: (
        lib.linspace(0, 10, 5, dtype=lib.int64),
        lib.linspace(-1, 1, 9, dtype=lib.float64),
        lib.linspace(lib.tensor(0.0), 1, 3),
    ),
    "eye": lambda lib: (lib.eye(3), lib.eye(2, 3), lib.eye(3, 1, dtype=lib.int64), lib.eye(0)),
    "like_factories": lambda lib: (
        lib.zeros_like(_i(lib)),
        lib.ones_like(_f(lib), dtype=lib.float64),
        lib.full_like(_i(lib), 2.7),
        lib.full_like(_f(lib), 7),
        lib.empty_like(_b(lib)).shape == (2, 3),
    ),
    "new_factories": lambda lib: (
        _i(lib).new_zeros(2, 3),
        _f(lib).new_ones((2,)),
        _f(lib).new_full((2, 2), 3),
        _f(lib).new_tensor([1, 2]),
        _i(lib).new_tensor([1.5, 2.5]),
        _f(lib).double().new_zeros(1),
        _f(lib).new_zeros(2, dtype=lib.int64),
        _i(lib).new_empty(3).shape == (3,),
    ),
    "full": lambda lib: (lib.full((2,), 3), lib.full((2, 1), True), lib.full((1,), 0.5), lib.full((2,), 1, dtype=lib.float64)),
    "empty_shape": lambda lib: (lib.empty(2, 3).shape == (2, 3), lib.empty((4,), dtype=lib.int64).dtype == lib.int64),
    "size_keyword": lambda lib: (
        lib.zeros(size=(2, 3)),
        lib.ones(size=[2], dtype=lib.int64),
        lib.empty(size=(1, 2)).shape == (1, 2),
        lib.full(size=(2,), fill_value=1.5),
        _i(lib).new_zeros(size=(3,)),
        _f(lib).new_ones(size=(1, 2)),
    ),
    "tensor_device_cpu": lambda lib: (
        lib.tensor([1.0], device="cpu"),
        lib.zeros(2, device=lib.device("cpu")),
        lib.ones(1, device=None),
        lib.arange(3, device="cpu"),
        lib.eye(2, device="cpu"),
        lib.linspace(0, 1, 3, device="cpu"),
        lib.zeros_like(_f(lib), device="cpu"),
        _f(lib).new_ones(2, device="cpu"),
    ),
}


def as_arrays(result: Any) -> list[np.ndarray]:
    """A call's result -- a tensor, a number, a list, or a tuple of them -- as numpy arrays."""
    if isinstance(result, tuple):
        return [a for item in result for a in as_arrays(item)]
    if hasattr(result, "detach"):  # a tensor of either library
        return [np.asarray(result.detach().numpy())]
    return [np.asarray(result)]
