"""Values without gradients, torch's errors, and the factories' device/dtype arguments.

* every call in `value_table.py` against torch's results, stored in ``reference/values.npz``
  (runs without torch) and live when torch is installed: same values, shapes and dtypes;
* the mistakes a PyTorch user makes with these ops get torch's exception and words, checked
  on both libraries;
* what a table cannot say: memory shared by ``from_numpy``, the mask and index tensors that
  backward reads being watched for in-place changes, devices other than the CPU.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from value_table import CALLS, as_arrays

import minitorch_rnn as mt

REFERENCE_FILE = Path(__file__).parent / "reference" / "values.npz"
TOLERANCE = {  # linspace's values may differ from torch's fused multiply-add by an ulp
    np.dtype(np.float64): dict(rtol=1e-12, atol=0),
    np.dtype(np.float32): dict(rtol=2e-7, atol=1e-7),
    np.dtype(np.float16): dict(rtol=0, atol=0),
}


@pytest.fixture(scope="module")
def reference() -> dict[str, np.ndarray]:
    with np.load(REFERENCE_FILE) as npz:
        return {key: npz[key] for key in npz.files}


def run(lib: Any, name: str) -> list[np.ndarray]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # var() of one entry: torch warns, the value is the point
        return as_arrays(CALLS[name](lib))


def assert_same(ours: list[np.ndarray], theirs: list[np.ndarray], name: str) -> None:
    assert len(ours) == len(theirs), f"{name}: {len(ours)} results, torch gives {len(theirs)}"
    for k, (a, b) in enumerate(zip(ours, theirs)):
        what = f"{name}: result {k}"
        assert a.shape == b.shape, f"{what}: shape {a.shape} != torch's {b.shape}"
        assert a.dtype == b.dtype, f"{what}: dtype {a.dtype} != torch's {b.dtype}"
        if a.dtype.kind == "f":
            np.testing.assert_allclose(a, b, err_msg=what, **TOLERANCE[a.dtype])  # NaN == NaN
        else:
            np.testing.assert_array_equal(a, b, err_msg=what)


def test_reference_covers_the_table(reference: dict[str, np.ndarray]) -> None:
    stored = {key.split("/")[0] for key in reference if not key.startswith("__meta__")}
    hint = "re-run `python tests/reference/make_reference_values.py`"
    assert set(CALLS) == stored, f"table and stored data differ; {hint}"


@pytest.mark.parametrize("name", list(CALLS))
def test_matches_stored_torch(name: str, reference: dict[str, np.ndarray]) -> None:
    theirs = []
    while f"{name}/{len(theirs)}" in reference:
        theirs.append(reference[f"{name}/{len(theirs)}"])
    assert_same(run(mt, name), theirs, name)


@pytest.mark.parametrize("name", list(CALLS))
def test_matches_live_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    assert_same(run(mt, name), run(torch, name), name)


# ---------------------------------------------------------------------------------------
# torch's errors, on both libraries
# ---------------------------------------------------------------------------------------


def _z(t: Any) -> Any:
    return t.zeros(3, 4)


ERRORS = [  # (case, call on a library, exception, torch 2.13's message)
    ("clamp_no_bounds", lambda t: _z(t).clamp(), RuntimeError,
     "torch.clamp: At least one of 'min' or 'max' must not be None"),
    ("where_float_condition", lambda t: t.where(t.ones(3), t.zeros(3), t.zeros(3)), RuntimeError,
     "where expected condition to be a boolean tensor, but got a tensor with dtype Float"),
    ("where_shapes", lambda t: t.where(t.ones(3, dtype=t.bool), t.zeros(2), 1.0), RuntimeError,
     "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0"),
    ("masked_fill_float_mask", lambda t: _z(t).masked_fill(t.ones(3, 4), 1.0), RuntimeError,
     "masked_fill_ only supports boolean masks, but got mask with dtype float"),
    ("masked_fill_long_mask", lambda t: _z(t).masked_fill(t.ones(4, dtype=t.int64), 1.0),
     RuntimeError, "masked_fill_ only supports boolean masks, but got mask with dtype long int"),
    ("masked_fill_vector_value", lambda t: _z(t).masked_fill(_z(t) > 0, t.ones(4)), RuntimeError,
     "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with 1 "
     "dimension(s)."),
    ("masked_fill_shapes", lambda t: t.zeros(3).masked_fill(t.ones(4, dtype=t.bool), 1.0),
     RuntimeError,
     "The size of tensor a (4) must match the size of tensor b (3) at non-singleton dimension 0"),
    ("masked_fill__long_mask", lambda t: _z(t).masked_fill_(t.ones(4, dtype=t.int64), 1.0),
     RuntimeError, "masked_fill_ only supports boolean masks, but got mask with dtype long int"),
    ("masked_fill__wider_mask", lambda t: t.zeros(4).masked_fill_(_z(t) > 0, 1.0), RuntimeError,
     "output with shape [4] doesn't match the broadcast shape [3, 4]"),
    ("clamp__int_by_float", lambda t: t.tensor([1, 5]).clamp_(2.5), RuntimeError,
     "result type Float can't be cast to the desired output type long int"),
    ("clamp__no_bounds", lambda t: _z(t).clamp_(), RuntimeError,
     "torch.clamp: At least one of 'min' or 'max' must not be None"),
    ("masked_select_float_mask", lambda t: _z(t).masked_select(t.ones(4)), RuntimeError,
     "masked_select: expected BoolTensor for mask"),
    ("gather_float_index", lambda t: _z(t).gather(1, t.zeros(3, 2)), RuntimeError,
     "gather(): Expected dtype int32/int64 for index"),
    ("gather_index_ndim", lambda t: _z(t).gather(1, t.zeros(3, dtype=t.int64)), RuntimeError,
     "Index tensor must have the same number of dimensions as input tensor"),
    ("gather_index_too_big", lambda t: _z(t).gather(1, t.zeros(4, 2, dtype=t.int64)),
     RuntimeError, "Size does not match at dimension 0 expected index [4, 2] to be no larger "
     "than self [3, 4] apart from dimension 1"),
    ("gather_out_of_bounds", lambda t: _z(t).gather(1, t.full((3, 2), 4)), RuntimeError,
     "index 4 is out of bounds for dimension 1 with size 4"),
    ("gather_negative", lambda t: _z(t).gather(1, t.tensor([[-1]])), RuntimeError,
     "index -1 is out of bounds for dimension 1 with size 4"),
    ("gather_dim", lambda t: _z(t).gather(2, t.zeros(3, 4, dtype=t.int64)), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    ("index_select_matrix", lambda t: _z(t).index_select(1, t.tensor([[0]])), IndexError,
     "index_select(): Index is supposed to be a vector"),
    ("index_select_out_of_bounds", lambda t: _z(t).index_select(1, t.tensor([4])), RuntimeError,
     "INDICES element is out of DATA bounds, id=4 axis_dim=4"),
    ("index_select_float_index", lambda t: _z(t).index_select(1, t.tensor([0.0])), RuntimeError,
     "index_select(): Expected dtype int32 or int64 for index"),
    ("topk_too_many", lambda t: _z(t).topk(5), RuntimeError, "selected index k out of range"),
    ("topk_negative", lambda t: _z(t).topk(-1), RuntimeError, "selected index k out of range"),
    ("topk_dim", lambda t: _z(t).topk(1, dim=2), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    ("sort_dim", lambda t: _z(t).sort(dim=-3), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got -3)"),
    ("flip_same_dim_twice", lambda t: t.zeros(3).flip(0, 0), RuntimeError,
     "dim 0 appears multiple times in the list of dims"),
    ("flip_dim", lambda t: t.zeros(3).flip(1), IndexError,
     "Dimension out of range (expected to be in range of [-1, 0], but got 1)"),
    ("min_of_nothing", lambda t: t.zeros(0).min(), RuntimeError,
     "min(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
     "reduction dim with the 'dim' argument."),
    ("min_over_empty_dim", lambda t: t.zeros(2, 0).min(1), IndexError,
     "min(): Expected reduction dim 1 to have non-zero size."),
    ("argmax_of_nothing", lambda t: t.zeros(0).argmax(), IndexError,
     "argmax(): Expected reduction dim to be specified for input.numel() == 0."),
    ("argmin_over_empty_dim", lambda t: t.zeros(2, 0).argmin(1), IndexError,
     "argmin(): Expected reduction dim 1 to have non-zero size."),
    ("var_of_integers", lambda t: t.tensor([1, 2]).var(), RuntimeError,
     "std and var only support floating point and complex dtypes"),
    ("std_of_integers", lambda t: t.tensor([1, 2]).std(), RuntimeError,
     "std and var only support floating point and complex dtypes"),
    ("invert_float", lambda t: ~_z(t), TypeError,
     "~ (operator.invert) is only implemented on integer and Boolean-type tensors"),
    ("and_float", lambda t: _z(t) & (_z(t) > 0), NotImplementedError,
     "\"bitwise_and_cpu\" not implemented for 'Float'"),
    ("or_float_number", lambda t: t.tensor([1, 2]) | 1.5, NotImplementedError,
     "\"bitwise_or_cpu\" not implemented for 'Float'"),
    ("abs_bool", lambda t: t.tensor([True]).abs(), NotImplementedError,
     "\"abs_cpu\" not implemented for 'Bool'"),
    ("allclose_dtypes", lambda t: t.allclose(t.zeros(2), t.zeros(2, dtype=t.float64)),
     RuntimeError, "Float did not match Double"),
    ("allclose_shapes", lambda t: t.allclose(t.zeros(2), t.zeros(3)), RuntimeError,
     "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0"),
    ("maximum_number", lambda t: t.maximum(t.zeros(2), 2), TypeError,
     "maximum(): argument 'other' (position 2) must be Tensor, not int"),
    ("logical_and_number", lambda t: t.zeros(2).logical_and(True), TypeError,
     "logical_and(): argument 'other' (position 1) must be Tensor, not bool"),
    ("mm_not_matrix", lambda t: t.zeros(2, 3, 4).mm(t.zeros(4, 2)), RuntimeError,
     "self must be a matrix"),
    ("bmm_not_3d", lambda t: t.zeros(3, 4).bmm(t.zeros(2, 4, 2)), RuntimeError,
     "batch1 must be a 3D tensor"),
    ("t_of_3d", lambda t: t.zeros(2, 3, 4).t(), RuntimeError,
     "t() expects a tensor with <= 2 dimensions, but self is 3D"),
    ("narrow_too_far", lambda t: _z(t).narrow(1, 3, 2), RuntimeError,
     "start (3) + length (2) exceeds dimension size (4)."),
    ("chunk_zero", lambda t: _z(t).chunk(0), RuntimeError,
     "chunk expects `chunks` to be greater than 0, got: 0"),
    ("split_sizes_sum", lambda t: _z(t).split([1, 1], dim=1), RuntimeError,
     "split_with_sizes expects split_sizes to sum exactly to 4 (input tensor's size at dimension "
     "1), but got split_sizes=[1, 1]"),
    ("index_from_float", lambda t: [1, 2][t.tensor(0.0)], TypeError,
     "only integer tensors of a single element can be converted to an index"),
    ("index_from_two", lambda t: [1, 2][t.tensor([0, 1])], TypeError,
     "only integer tensors of a single element can be converted to an index"),
    ("linspace_negative_steps", lambda t: t.linspace(0, 1, -1), RuntimeError,
     "number of steps must be non-negative"),
    ("arange_zero_step", lambda t: t.arange(0, 5, 0), RuntimeError, "step must be nonzero"),
    ("arange_int_step_rounds_to_zero", lambda t: t.arange(0, 2, 0.5, dtype=t.int64),
     ValueError, "step must be nonzero"),
    ("arange_wrong_sign", lambda t: t.arange(0, 5, -1), RuntimeError,
     "upper bound and lower bound inconsistent with step sign"),
    ("zeros_unknown_keyword", lambda t: t.zeros(2, sizes=3), TypeError,
     "zeros() got an unexpected keyword argument 'sizes'"),
    ("eye_negative", lambda t: t.eye(-1), RuntimeError, "n must be greater or equal to 0, got -1"),
    ("eye_negative_m", lambda t: t.eye(2, -1), RuntimeError,
     "m must be greater or equal to 0, got -1"),
]  # fmt: skip


@pytest.mark.parametrize("lib_name", ["minitorch_rnn", "torch"])
@pytest.mark.parametrize(
    ("make", "error", "message"), [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS]
)
def test_mistakes_get_torchs_error(make: Any, error: type, message: str, lib_name: str) -> None:
    lib = pytest.importorskip(lib_name)
    with pytest.raises(error) as info:
        make(lib)
    assert str(info.value) == message


# ---------------------------------------------------------------------------------------
# What the tables cannot say
# ---------------------------------------------------------------------------------------


def test_from_numpy_shares_memory_both_ways() -> None:
    a = np.arange(3.0)
    t = mt.from_numpy(a)
    a[0] = 10.0
    t[1] = 20.0
    assert t.tolist() == [10.0, 20.0, 2.0] and a.tolist() == [10.0, 20.0, 2.0]
    assert t.dtype == mt.float64
    with pytest.raises(TypeError, match="expected np.ndarray"):
        mt.from_numpy([1.0])


@pytest.mark.parametrize(
    "make",
    [
        lambda d: mt.zeros(2, device=d),
        lambda d: mt.ones(2, device=d),
        lambda d: mt.empty(2, device=d),
        lambda d: mt.full((2,), 1.0, device=d),
        lambda d: mt.tensor([1.0], device=d),
        lambda d: mt.arange(3, device=d),
        lambda d: mt.linspace(0, 1, 3, device=d),
        lambda d: mt.eye(2, device=d),
        lambda d: mt.zeros_like(mt.zeros(2), device=d),
        lambda d: mt.ones_like(mt.zeros(2), device=d),
        lambda d: mt.full_like(mt.zeros(2), 3, device=d),
        lambda d: mt.empty_like(mt.zeros(2), device=d),
        lambda d: mt.zeros(2).new_zeros(2, device=d),
        lambda d: mt.zeros(2).new_ones(2, device=d),
        lambda d: mt.zeros(2).new_full((2,), 1.0, device=d),
        lambda d: mt.zeros(2).new_empty(2, device=d),
        lambda d: mt.zeros(2).new_tensor([1.0], device=d),
    ],
)
def test_factories_take_the_cpu_and_refuse_a_gpu(make: Any) -> None:
    for cpu in (None, "cpu", mt.device("cpu")):
        assert make(cpu).device == mt.device("cpu")
    with pytest.raises(RuntimeError, match="runs on the CPU only; there is no 'cuda' device"):
        make("cuda")
    with pytest.raises(RuntimeError, match="no 'cuda:0' device"):
        make(0)


def test_factories_take_requires_grad_and_dtype() -> None:
    made = [
        mt.linspace(0, 1, 3, requires_grad=True),
        mt.eye(2, requires_grad=True),
        mt.arange(3.0, requires_grad=True),
        mt.full_like(mt.zeros(2), 1.5, requires_grad=True),
        mt.empty(2, requires_grad=True),
        mt.zeros(2, dtype=mt.float64).new_zeros(3, requires_grad=True),
        mt.zeros(1).new_tensor([2.0, 3.0], dtype=mt.float64, requires_grad=True),
    ]
    assert all(t.requires_grad and t.is_leaf for t in made)
    assert made[5].dtype == mt.float64 and made[6].dtype == mt.float64
    with pytest.raises(RuntimeError, match="Only Tensors of floating point"):
        mt.arange(3, requires_grad=True)


@pytest.mark.parametrize(
    "use",
    [
        lambda x, m, i: mt.where(m, x, 0.0),
        lambda x, m, i: x.masked_fill(m, 0.0),
        lambda x, m, i: x.gather(0, i),
        lambda x, m, i: x.index_select(0, i),
    ],
    ids=["where", "masked_fill", "gather", "index_select"],
)
def test_changing_a_mask_or_index_before_backward_is_an_error(use: Any) -> None:
    # backward reads the mask / index: torch refuses when it changed in place since
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    m, i = mt.tensor([True, False, True]), mt.tensor([2, 0])
    y = use(x, m, i)
    m[0], i[0] = False, 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


@pytest.mark.parametrize("lib_name", ["minitorch_rnn", "torch"])
def test_where_does_not_hide_a_nan_gradient_on_the_side_not_taken(lib_name: str) -> None:
    # The well-known trap, as torch has it: where() sends the unchosen side a ZERO gradient,
    # and log's backward then computes 0 / 0 = NaN at x = 0. (Mask the input, not the output.)
    lib = pytest.importorskip(lib_name)
    x = lib.tensor([1.0, 0.0], requires_grad=True)
    lib.where(x > 0, x.log(), 0.0).sum().backward()
    assert x.grad[0].item() == 1.0 and x.grad[1].isnan().item()
    x.grad = None
    safe = lib.where(x > 0, x, 1.0)  # the fix: log of a safe input
    lib.where(x > 0, safe.log(), 0.0).sum().backward()
    assert x.grad.tolist() == [1.0, 0.0]


def test_softmax_methods_are_nn_functionals() -> None:
    x = mt.tensor([[1.0, 2.0, 0.5]])
    np.testing.assert_allclose(x.softmax(-1).numpy(), mt.nn.functional.softmax(x, -1).numpy())
    np.testing.assert_allclose(x.log_softmax(1).numpy(), mt.nn.functional.log_softmax(x, 1).numpy())


def test_detach_in_place_and_shape_changes_refuse_views_and_grads() -> None:
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    assert y.detach_() is y and y.grad_fn is None and not y.requires_grad
    with pytest.raises(RuntimeError, match="Can't detach views in-place"):
        x.detach()[0:1].detach_()
    with pytest.raises(RuntimeError, match="do not require grad"):
        x.unsqueeze_(0)
