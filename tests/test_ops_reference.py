"""Values and gradients of every op in `op_table`, compared with PyTorch's.

Two sources of truth:

* stored: ``reference/ops.npz``, recorded by ``reference/make_reference_ops.py``, so these
  tests run without torch installed;
* live: when torch is installed, freshly drawn inputs go through both libraries.

Besides the numbers, every comparison checks shapes and dtypes: float32 in, float32 out
(and float32 gradients), as in torch.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from op_table import CASES, CASES_BY_NAME, FLOAT32_CASES, OpCase, case_rng, make_inputs, run_case

import minitorch_rnn as mt

REFERENCE_FILE = Path(__file__).parent / "reference" / "ops.npz"

# float64 should agree with torch to rounding; float32 to a few units in the last place.
TOLERANCE = {
    np.dtype(np.float64): dict(rtol=1e-10, atol=1e-12),
    np.dtype(np.float32): dict(rtol=1e-5, atol=1e-6),
}

# (case, dtype) pairs: every case in float64, the float32-marked ones in float32 too.
RUNS = [pytest.param(case, np.float64, id=case.name) for case in CASES] + [
    pytest.param(case, np.float32, id=f"{case.name}-f32") for case in FLOAT32_CASES
]


@pytest.fixture(scope="module")
def reference() -> dict[str, np.ndarray]:
    with np.load(REFERENCE_FILE) as npz:
        return {key: npz[key] for key in npz.files}


def assert_same(actual: np.ndarray, expected: np.ndarray, what: str) -> None:
    """Same shape, same dtype, and values equal up to the dtype's tolerance."""
    assert actual.shape == expected.shape, (
        f"{what}: shape {actual.shape} != torch's {expected.shape}"
    )
    assert actual.dtype == expected.dtype, (
        f"{what}: dtype {actual.dtype} != torch's {expected.dtype}"
    )
    if np.issubdtype(expected.dtype, np.integer):  # indices: exact
        np.testing.assert_array_equal(actual, expected, err_msg=what)
    else:
        np.testing.assert_allclose(actual, expected, err_msg=what, **TOLERANCE[expected.dtype])


def stored_list(reference: dict[str, np.ndarray], prefix: str, kind: str) -> list[np.ndarray]:
    """``prefix/in0, prefix/in1, ...`` (kind='in') as a list, in order."""
    entries = []
    while f"{prefix}/{kind}{len(entries)}" in reference:
        entries.append(reference[f"{prefix}/{kind}{len(entries)}"])
    return entries


def stored_outputs(reference: dict[str, np.ndarray], prefix: str) -> list[np.ndarray]:
    """``prefix/out`` and, for a (values, indices) pair, ``prefix/out1``."""
    outputs = [reference[f"{prefix}/out"]]
    while f"{prefix}/out{len(outputs)}" in reference:
        outputs.append(reference[f"{prefix}/out{len(outputs)}"])
    return outputs


def test_reference_covers_the_table(reference: dict[str, np.ndarray]) -> None:
    """A case added to the table without re-running the script would silently go untested."""
    stored = {key.split("/")[0] for key in reference if not key.startswith("__meta__")}
    missing = sorted(set(CASES_BY_NAME) - stored)
    stale = sorted(stored - set(CASES_BY_NAME))
    hint = "re-run `python tests/reference/make_reference_ops.py`"
    assert not missing, f"no reference data for {missing}; {hint}"
    assert not stale, f"reference data for cases no longer in the table: {stale}; {hint}"
    for case in FLOAT32_CASES:
        assert f"{case.name}/f32/out" in reference, f"no float32 reference for {case.name}; {hint}"


@pytest.mark.parametrize("case, dtype", RUNS)
def test_matches_stored_torch(case: OpCase, dtype: type, reference: dict[str, np.ndarray]) -> None:
    prefix = case.name if dtype == np.float64 else f"{case.name}/f32"
    inputs = stored_list(reference, prefix, "in")
    assert inputs and inputs[0].dtype == dtype

    result = run_case(mt, case, inputs, grad_out=reference[f"{prefix}/grad_out"])

    torch_outputs = stored_outputs(reference, prefix)
    assert len(result.outputs) == len(torch_outputs), f"{case.name}: number of outputs"
    for k, (ours, theirs) in enumerate(zip(result.outputs, torch_outputs)):
        assert_same(ours, theirs, f"{case.name}: output {k}")
    for k, (grad, torch_grad) in enumerate(
        zip(result.grads, stored_list(reference, prefix, "grad_in"))
    ):
        assert grad is not None, f"{case.name}: input {k} received no gradient"
        assert_same(grad, torch_grad, f"{case.name}: gradient of input {k}")


def test_tensor_dtype_attribute(reference: dict[str, np.ndarray]) -> None:
    """`.dtype` itself (not only the numpy array behind it) says float32 for float32 inputs."""
    x = mt.tensor(reference["tanh/f32/in0"], requires_grad=True)
    y = x.tanh() * 2.0 + 1
    assert x.dtype == mt.float32 and y.dtype == mt.float32
    y.sum().backward()
    assert x.grad.dtype == mt.float32


# ---------------------------------------------------------------------------------------
# Type promotion across dtypes. torch's rules, which numpy's do not all share:
# a 0-d tensor, a Python number and a NumPy scalar do not widen a float32 tensor,
# and every gradient comes back in its own input's dtype.
# ---------------------------------------------------------------------------------------

F32, F64 = np.float32, np.float64

# (name, fn, [(shape, dtype) of each input], dtype torch gives the output)
PROMOTIONS: list[tuple[str, Callable[..., Any], list[tuple[tuple[int, ...], type]], type]] = [
    ("f32_add_f64", lambda lib, a, b: a + b, [((3,), F32), ((3,), F64)], F64),
    ("f64_mul_f32", lambda lib, a, b: a * b, [((3,), F64), ((3,), F32)], F64),
    # A 0-d tensor does not widen a tensor with dims -- unless both are 0-d.
    ("f32_sub_f64_0d", lambda lib, a, b: a - b, [((3,), F32), ((), F64)], F32),
    ("f64_0d_div_f32", lambda lib, a, b: a / b, [((), F64), ((2, 3), F32)], F32),
    ("f64_0d_add_f32_0d", lambda lib, a, b: a + b, [((), F64), ((), F32)], F64),
    ("f32_mul_python_float", lambda lib, a: a * 2.5, [((3,), F32)], F32),
    ("f32_mul_np_float64", lambda lib, a: a * np.float64(2.5), [((3,), F32)], F32),
    ("np_float64_sub_f32", lambda lib, a: np.float64(1.5) - a, [((3,), F32)], F32),
    ("f32_pow_np_float64", lambda lib, a: a ** np.float64(2.0), [((3,), F32)], F32),
    ("cat_f32_f64", lambda lib, a, b: lib.cat([a, b]), [((2,), F32), ((3,), F64)], F64),
    ("stack_f64_f32", lambda lib, a, b: lib.stack([a, b]), [((2,), F64), ((2,), F32)], F64),
]


def run_promotion(lib: Any, fn: Callable[..., Any], specs: list) -> tuple[np.dtype, list[np.dtype]]:
    """Return the output's dtype and each input gradient's dtype."""
    rng = np.random.default_rng(0)
    arrays = [np.asarray(rng.uniform(0.5, 2.0, shape)).astype(dtype) for shape, dtype in specs]
    inputs = [to_lib(lib, a) for a in arrays]
    out = fn(lib, *inputs)
    out.sum().backward()
    return out.detach().numpy().dtype, [x.grad.detach().numpy().dtype for x in inputs]


def to_lib(lib: Any, array: np.ndarray) -> Any:
    dtype = lib.float32 if array.dtype == np.float32 else lib.float64
    return lib.tensor(array, dtype=dtype, requires_grad=True)


@pytest.mark.parametrize("fn, specs, expected", [pytest.param(*p[1:], id=p[0]) for p in PROMOTIONS])
def test_dtype_promotion(fn: Callable[..., Any], specs: list, expected: type) -> None:
    out_dtype, grad_dtypes = run_promotion(mt, fn, specs)
    assert out_dtype == expected
    assert grad_dtypes == [np.dtype(dtype) for _, dtype in specs], (
        "a gradient has its input's dtype"
    )


# ---------------------------------------------------------------------------------------
# Live comparison with torch, on inputs neither library has seen before
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("case, dtype", RUNS)
def test_matches_live_torch(case: OpCase, dtype: type) -> None:
    torch = pytest.importorskip("torch")
    arrays = make_inputs(case, case_rng(case.name, salt=1), dtype)
    theirs = run_case(torch, case, arrays, rng=case_rng(case.name, salt=2))
    ours = run_case(mt, case, arrays, grad_out=theirs.grad_out)

    assert len(ours.outputs) == len(theirs.outputs), f"{case.name}: number of outputs"
    for k, (a, b) in enumerate(zip(ours.outputs, theirs.outputs)):
        assert_same(a, b, f"{case.name}: output {k}")
    for k, (a, b) in enumerate(zip(ours.grads, theirs.grads)):
        assert a is not None and b is not None, f"{case.name}: input {k} received no gradient"
        assert_same(a, b, f"{case.name}: gradient of input {k}")


@pytest.mark.parametrize("fn, specs, expected", [pytest.param(*p[1:], id=p[0]) for p in PROMOTIONS])
def test_promotion_table_is_torchs(fn: Callable[..., Any], specs: list, expected: type) -> None:
    """Keep PROMOTIONS honest: torch itself gives the dtypes written there."""
    torch = pytest.importorskip("torch")
    out_dtype, grad_dtypes = run_promotion(torch, fn, specs)
    assert out_dtype == expected
    assert grad_dtypes == [np.dtype(dtype) for _, dtype in specs]
