"""Record torch's answers for the fuzz corpus, ``fuzz_corpus.json``; optionally hunt for more.

Run from the repository root, with torch installed (only this script and the live fuzzer
need it)::

    python tests/reference/make_fuzz_corpus.py               # re-record the corpus
    python tests/reference/make_fuzz_corpus.py --search 300  # ... and look for new differences

The corpus holds op-chain cases (see ``tests/fuzz_chain.py``), each with torch's summary of
running it: values, dtypes, shapes, ``.grad``s, or the error's type and message.
``test_fuzz_torch.py`` replays every case with minitorch_rnn and compares, without torch.

Three sources of cases, all kept on every run:

* ``CURATED`` below: hand-written cases for each class of issue 12 (most of them agree);
* the cases already in the corpus (the fuzzer found them once; keep them, fixed or not);
* with ``--search N``: for each profile of ``fuzz_strategies.PROFILES``, hypothesis draws up to
  N cases, and every *new kind* of difference from torch (see `signature`) is shrunk to a
  minimal case and added.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # this checkout's package, and the fuzz modules
from fuzz_chain import differences, run  # noqa: E402

import minitorch_rnn as mt  # noqa: E402

CORPUS_FILE = Path(__file__).resolve().parent / "fuzz_corpus.json"
NAN, INF = float("nan"), float("inf")

# ---- writing cases by hand ------------------------------------------------------------------


def T(values: Any, dtype: str = "float32", grad: bool = False, shape: Any = None,
      layout: str = "contiguous") -> list[Any]:
    """A "tensor" step: `values` (nested lists or a number) as a leaf of `dtype`."""
    a = np.array(values, dtype=np.float64 if dtype.startswith("float") else dtype)
    if shape is not None:
        a = a.reshape(shape)
    spec = {"values": a.ravel().tolist(), "shape": list(a.shape), "dtype": dtype, "layout": layout}
    return ["tensor", spec, grad]


def R(i: int, k: Any = None) -> dict[str, Any]:
    return {"ref": i if k is None else [i, k]}


def S(start: Any = None, stop: Any = None, step: Any = None) -> dict[str, Any]:
    return {"slice": [start, stop, step]}


def tup(*items: Any) -> dict[str, Any]:
    return {"tuple": list(items)}


def C(*steps: Any, backward: Any = "sum") -> dict[str, Any]:
    return {"steps": [list(s) for s in steps], "backward": backward}


ELLIPSIS = {"ellipsis": True}

CURATED: dict[str, tuple[str, dict[str, Any]]] = {
    # -- type promotion: ints, bools, float16/32/64, Python and numpy scalars, 0-d tensors ----
    "int_plus_float_scalar": ("promotion", C(T([1, 2], "int64"), ["add", R(0), 1.5])),
    "int_plus_0d_double": ("promotion", C(T([1, 2], "int64"), T(1.5, "float64"), ["add", R(0), R(1)])),
    "float_times_0d_double_grads": ("promotion", C(T([1.0, 2.0], grad=True), T(2.0, "float64", True), ["mul", R(0), R(1)])),
    "half_times_numpy_double": ("promotion", C(T([1.0, 2.0], "float16", True), ["mul", R(0), {"np": ["float64", 2.5]}])),
    "bool_plus_bool": ("promotion", C(T([True, False], "bool"), ["add", R(0), R(0)], backward=None)),
    "uint8_plus_int8": ("promotion", C(T([200], "uint8"), T([-1], "int8"), ["add", R(0), R(1)], backward=None)),
    "int_plus_half_tensor": ("promotion", C(T([1, 2], "int64"), T([0.5, 0.25], "float16", True), ["add", R(0), R(1)])),
    "cat_int_and_float": ("promotion", C(T([1, 2], "int64"), T([0.5], grad=True), ["cat", [R(0), R(1)], 0])),
    "stack_half_and_double": ("promotion", C(T([1.0], "float16", True), T([2.0], "float64", True), ["stack", [R(0), R(1)], 0])),
    "tanh_of_int": ("promotion", C(T([0, 1, 2], "int64"), ["tanh", R(0)], backward=None)),
    "sigmoid_of_bool": ("promotion", C(T([True, False], "bool"), ["sigmoid", R(0)], backward=None)),
    "int_div_int": ("promotion", C(T([1, 2], "int64"), ["div", R(0), 2], backward=None)),
    "int_pow_float": ("promotion", C(T([1, 4], "int64"), ["pow", R(0), 0.5], backward=None)),
    "bool_minus_bool": ("promotion", C(T([True], "bool"), ["sub", R(0), R(0)], backward=None)),
    "bool_minus_int": ("promotion", C(T([True], "bool"), ["sub", R(0), 1], backward=None)),
    # -- casts on and off the tape -------------------------------------------------------------
    "long_leaves_the_tape": ("casts", C(T([1.5, 2.5], grad=True), ["long", R(0)], ["mul", R(0), R(1)])),
    "to_double_on_the_tape": ("casts", C(T([1.5], grad=True), ["to", R(0), {"dtype": "float64"}], ["exp", R(1)])),
    "half_and_back": ("casts", C(T([1.0001, 3.0], grad=True), ["half", R(0)], ["float", R(1)], backward="grad")),
    "bool_cast_of_graph_tensor": ("casts", C(T([0.0, 2.0], grad=True), ["bool", R(0)], ["mul", R(0), R(1)])),
    # -- NaN, inf, zero, subnormal: forward and backward ---------------------------------------
    "relu_at_zero_then_log": ("special_values", C(T([0.0, 1.0], grad=True), ["relu", R(0)], ["log", R(1)])),
    "max_with_nan": ("special_values", C(T([1.0, NAN, 3.0], grad=True), ["max", R(0)])),
    "max_dim_with_nan": ("special_values", C(T([[1.0, NAN], [3.0, 2.0]], grad=True), ["max_dim", R(0), 1, False])),
    "div_by_zero": ("special_values", C(T([1.0, 0.0, -1.0], grad=True), T([0.0, 0.0, 0.0], grad=True), ["div", R(0), R(1)])),
    "log_of_zero_and_negative": ("special_values", C(T([0.0, -1.0], grad=True), ["log", R(0)])),
    "sqrt_of_zero": ("special_values", C(T([0.0, 4.0], grad=True), ["pow", R(0), 0.5])),
    "sigmoid_of_infs": ("special_values", C(T([INF, -INF, 0.0], grad=True), ["sigmoid", R(0)])),
    "tanh_of_infs": ("special_values", C(T([INF, -INF, NAN], grad=True), ["tanh", R(0)])),
    "exp_overflow": ("special_values", C(T([100.0, -INF], grad=True), ["exp", R(0)])),
    "addmm_beta_zero_ignores_nan": ("special_values", C(T([NAN, INF], grad=True), T([[1.0, 2.0]], grad=True), T([[1.0, 0.0], [0.0, 1.0]], grad=True), ["addmm", R(0), R(1), R(2), 0, 1])),
    "addmm_alpha_zero_ignores_nan": ("special_values", C(T(0.0, grad=True), T([[0.0]], grad=True), T([[NAN]], grad=True), ["addmm", R(0), R(1), R(2), 0, 0])),
    "mean_of_empty": ("special_values", C(T([], grad=True), ["mean", R(0)])),
    "matmul_inf_times_zero": ("special_values", C(T([[INF, 0.0]], grad=True), T([[0.0], [1.0]], grad=True), ["matmul", R(0), R(1)])),
    "one_over_subnormal": ("special_values", C(T([1e-45, -1e-45], grad=True), ["rdiv", R(0), 1.0])),
    "half_subnormal_times_big": ("special_values", C(T([6e-8], "float16", True), ["mul", R(0), 60000.0])),
    # -- in place: graph tensors, views, index tensors, Parameter, requires_grad_(False) -------
    "setitem_on_zeros": ("inplace", C(T([1.0, 2.0, 3.0], grad=True), T([[0.0] * 3] * 2), ["mul", R(0), 2], ["setitem", R(1), 0, R(2)], ["mul", R(0), R(0)], ["setitem", R(1), 1, R(4)])),
    "inplace_on_a_view": ("inplace", C(T([1.0, 2.0, 3.0], grad=True), ["mul", R(0), 1], ["getitem", R(1), S(1)], ["mul_", R(2), 3], ["mul", R(1), R(1)])),
    "inplace_on_a_saved_output": ("inplace", C(T([0.5, 1.0], grad=True), ["tanh", R(0)], ["mul_", R(1), 2])),
    "inplace_on_a_saved_0d_output": ("inplace", C(T(0.5, grad=True), ["exp", R(0)], ["add_", R(1), 1])),
    "index_tensor_changed": ("inplace", C(T([1.0, 1.0, 1.0], grad=True), T([0, 0, 1], "int64"), ["getitem", R(0), R(1)], ["setitem", R(1), 0, 2], ["sum", R(2)])),
    "mask_changed": ("inplace", C(T([1.0, 2.0, 3.0], grad=True), T([True, False, True], "bool"), ["getitem", R(0), R(1)], ["setitem", R(1), 1, True], ["sum", R(2)])),
    "parameter_shares_version": ("inplace", C(T([[1.0, 1.0]]), ["Parameter", R(0)], ["mul", R(1), R(1)], ["add_", R(0), 1], ["sum", R(2)])),
    "requires_grad_off_after_forward": ("inplace", C(T([1.0, 1.0], grad=True), ["mul", R(0), 2], ["requires_grad_", R(0), False], ["sum", R(1)])),
    "long_div_half_inplace": ("inplace", C(T([[0]], "int64"), T([0.0], "float16"), ["div_", R(0), R(1)], backward=None)),
    "leaf_inplace_refused": ("inplace", C(T([1.0], grad=True), ["add_", R(0), 1], backward=None)),
    "masked_fill_on_graph": ("inplace", C(T([1.0, -2.0], grad=True), ["mul", R(0), 1], T([False, True], "bool"), ["masked_fill_", R(1), R(2), 0.0])),
    # -- indexing ----------------------------------------------------------------------------
    "index_nested_list": ("indexing", C(T(np.arange(12.0).reshape(3, 4), grad=True), ["getitem", R(0), [[0, 1], [2, 3]]], backward="grad")),
    "index_tuple_of_lists": ("indexing", C(T(np.arange(12.0).reshape(3, 4), grad=True), ["getitem", R(0), tup([0, 2, 0], [1, 1, 3])], backward="grad")),
    "index_empty_list": ("indexing", C(T(np.arange(6.0).reshape(3, 2), grad=True), ["getitem", R(0), []])),
    "index_bool_mask": ("indexing", C(T([[1.0, 2.0], [3.0, 4.0]], grad=True), T([[True, False], [False, True]], "bool"), ["getitem", R(0), R(1)], backward="grad")),
    "index_negative": ("indexing", C(T(np.arange(6.0).reshape(2, 3), grad=True), ["getitem", R(0), tup(-1, -2)])),
    "index_step_slice": ("indexing", C(T(np.arange(6.0), grad=True), ["getitem", R(0), S(None, None, 2)], backward="grad")),
    "index_ellipsis_none": ("indexing", C(T(np.arange(6.0).reshape(2, 3), grad=True), ["getitem", R(0), tup(ELLIPSIS, None, 0)], backward="grad")),
    "index_split_advanced": ("indexing", C(T(np.arange(24.0).reshape(2, 3, 4), grad=True), ["getitem", R(0), tup([0, 1], S(), [0, 3])], backward="grad")),
    "index_0d_with_slice": ("indexing", C(T(1.0, grad=True), ["getitem", R(0), S(0, 1)], backward=None)),
    # -- empty tensors ------------------------------------------------------------------------
    "matmul_inner_zero": ("empty", C(T(np.zeros((2, 0)), grad=True), T(np.zeros((0, 3)), grad=True), ["matmul", R(0), R(1)])),
    "batched_matmul_empty_batch": ("empty", C(T(np.zeros((0, 2, 3)), grad=True), T(np.ones((3, 4)), grad=True), ["matmul", R(0), R(1)])),
    "sum_over_empty_dim": ("empty", C(T(np.zeros((0, 3)), grad=True), ["sum_dim", R(0), 0, False], backward="grad")),
    "max_of_empty": ("empty", C(T(np.zeros((0,)), grad=True), ["max", R(0)])),
    "cat_with_empty": ("empty", C(T(np.ones((2, 3)), grad=True), T(np.zeros((0, 3)), grad=True), ["cat", [R(0), R(1)], 0], backward="grad")),
    "reshape_empty_infer": ("empty", C(T(np.zeros((2, 0)), grad=True), ["reshape", R(0), tup(0, -1)], backward=None)),
    # -- errors: type and message as torch's ----------------------------------------------------
    "matmul_of_0d": ("errors", C(T(2.0), T([1.0]), ["matmul", R(0), R(1)])),
    "dim_out_of_range": ("errors", C(T([1.0]), ["sum_dim", R(0), 3, False])),
    "no_broadcast": ("errors", C(T([1.0, 2.0]), T([1.0, 2.0, 3.0]), ["add", R(0), R(1)])),
    "view_bad_shape": ("errors", C(T([1.0, 2.0, 3.0]), ["view", R(0), tup(2, 2)])),
    "int_requires_grad": ("errors", C(T([1, 2], "int64", grad=True))),
    "backward_without_grad": ("errors", C(T([1.0]), ["mul", R(0), 2])),
    "matmul_mixed_dtypes": ("errors", C(T([[1.0]], "float64"), T([[1.0]]), ["matmul", R(0), R(1)])),
}


# ---- finding new cases ------------------------------------------------------------------------


def case_id(kind: str, case: dict[str, Any]) -> str:
    """A stable name: the class, the last op, and a hash of the case."""
    digest = hashlib.sha1(json.dumps(case, sort_keys=True).encode()).hexdigest()[:8]
    last = case["steps"][-1][0] if case["steps"] else "none"
    return f"{kind}-{last}-{digest}"


def signature(diffs: list[str]) -> str:
    """The kind of a difference: its first line, without numbers and values."""
    s = re.sub(r"\[[^\]]*\]", "[..]", diffs[0])
    return re.sub(r"-?\d+(\.\d+)?(e[-+]?\d+)?", "N", s)[:200]


def compare(case: dict[str, Any]) -> list[str]:
    ours, theirs = run(mt, case), run(torch, case)
    if theirs["error"] and "INTERNAL ASSERT" in theirs["error"]["message"]:
        return []  # torch's own bug (e.g. `False ** t`): nothing to compare with
    return differences(case, ours, theirs)


def search(
    kind: str, budget: int, seen: set[str], max_new: int, deadline: float, seed: Any = None
) -> dict:
    """Up to `max_new` minimal cases of `kind` whose difference from torch is new."""
    from fuzz_strategies import PROFILES, cases
    from hypothesis import HealthCheck, find, settings
    from hypothesis.errors import NoSuchExample
    from test_fuzz_torch import known_difference

    found = {}
    # derandomized: the same examples on every run, unless a --seed asks for others
    config = settings(max_examples=budget, deadline=None, database=None,
                      derandomize=seed is None, suppress_health_check=list(HealthCheck))
    if seed is not None:
        random.seed(f"{seed}-{kind}")
    for _ in range(max_new):
        if time.time() > deadline:
            break

        def new_difference(case: dict[str, Any]) -> bool:
            d = compare(case)
            return bool(d) and signature(d) not in seen and known_difference(case, d) is None

        try:
            case = find(cases(PROFILES[kind]), new_difference, settings=config)
        except NoSuchExample:
            break
        d = compare(case)
        seen.add(signature(d))
        found[case_id(kind, case)] = {"class": kind, "case": case, "found": d[0]}
        print(f"  {kind}: {d[0][:160]}")
    return found


def passing_examples(kind: str, n: int) -> dict:
    """`n` cases of `kind` with at least three steps on which we agree with torch today."""
    from fuzz_strategies import PROFILES, cases
    from hypothesis import HealthCheck, given, settings

    found: dict[str, Any] = {}

    @settings(max_examples=100, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(cases(PROFILES[kind]))
    def collect(case: dict[str, Any]) -> None:
        if len(found) < n and len(case["steps"]) >= 4 and case["backward"] and not compare(case):
            found[case_id(kind, case)] = {"class": kind, "case": case, "found": None}

    collect()
    return found


def dumps(corpus: dict[str, Any]) -> str:
    """JSON with one line per case, so that a change to the corpus reads as a short diff."""
    lines = [f'"{name}": {json.dumps(entry, sort_keys=True)}' for name, entry in corpus["cases"].items()]
    return (
        f'{{"torch_version": {json.dumps(corpus["torch_version"])},\n"cases": {{\n'
        + ",\n".join(lines)
        + "\n}}\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--search", type=int, default=0, help="examples per profile and hunt")
    parser.add_argument("--max-new", type=int, default=8, help="new differences per profile")
    parser.add_argument("--minutes", type=float, default=10.0, help="time budget of the search")
    parser.add_argument("--passing", type=int, default=0, help="passing cases to add per profile")
    parser.add_argument("--profiles", nargs="*", help="only these profiles (default: all)")
    parser.add_argument("--seed", type=int, help="explore other examples than the default ones")
    options = parser.parse_args()
    torch.use_deterministic_algorithms(True)

    old = json.loads(CORPUS_FILE.read_text())["cases"] if CORPUS_FILE.exists() else {}
    entries = {name: {"class": k, "case": c, "found": None} for name, (k, c) in CURATED.items()}
    entries.update({name: e for name, e in old.items() if name not in CURATED})
    if options.search or options.passing:
        from fuzz_strategies import PROFILES

        seen = {signature(d) for e in entries.values() if (d := compare(e["case"]))}
        deadline = time.time() + 60 * options.minutes
        for kind in options.profiles or PROFILES:
            if options.search:
                entries.update(
                    search(kind, options.search, seen, options.max_new, deadline, options.seed)
                )
            if options.passing:
                entries.update(passing_examples(kind, options.passing))

    corpus = {"torch_version": torch.__version__, "cases": {}}
    for name, entry in sorted(entries.items()):
        corpus["cases"][name] = {**entry, "torch": run(torch, entry["case"])}
    CORPUS_FILE.write_text(dumps(corpus))
    differ = sum(bool(compare(e["case"])) for e in entries.values())
    print(f"wrote {CORPUS_FILE.name}: {len(entries)} cases, {differ} differ from torch today")


if __name__ == "__main__":
    main()
