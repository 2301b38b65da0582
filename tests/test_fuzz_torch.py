"""Differential fuzzing: random op chains must do what they do in torch.

A case is a short chain of ops written as data (``fuzz_chain.py``): tensors of every dtype,
shapes with 0-d and size-0 dims and non-contiguous layouts, NaN/inf/subnormal values, Python
and numpy scalars, views, indexing, in-place changes, casts. Running it gives a summary --
every result's values, dtype, shape, requires_grad and is_leaf, every tensor's ``.grad`` after
backward, or the error's type and message -- and ours must equal torch's.

Two layers:

* **the corpus** (``reference/fuzz_corpus.json``, made by ``reference/make_fuzz_corpus.py``):
  cases the fuzzer once found to differ, and hand-written ones for each class of issue 12,
  stored with torch's summaries. Replayed without torch.
* **the live fuzzer**: hypothesis draws new cases (``fuzz_strategies.py``) and runs them on
  both libraries. Only when torch is installed. ``FUZZ_EXAMPLES=2000`` draws more per profile
  (the suite's default, 100, is derandomized, so CI is quick and deterministic).

A difference that is known but not fixed yet is listed in `KNOWN_DIFFERENCES`: its corpus
cases are expected to fail (strict: when fixed they pass, the test fails, and the entry should
be removed), and the live fuzzer does not report it again.

When the live fuzzer reports a new difference: ``python tests/reference/make_fuzz_corpus.py
--search 1000 --seed 1`` shrinks it (and others of new kinds) to small cases in the corpus; file
them under a new `Known` entry (or fix the package).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fuzz_chain import differences, run

import minitorch_rnn as mt

CORPUS_FILE = Path(__file__).parent / "reference" / "fuzz_corpus.json"
CORPUS: dict[str, Any] = json.loads(CORPUS_FILE.read_text())["cases"]
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))


@dataclass(frozen=True)
class Known:
    """A class of difference from torch, not fixed yet."""

    repro: str  # the smallest torch program that shows it, and what differs
    pattern: str  # a regular expression: in a difference's first line, or in the case's JSON
    cases: tuple[str, ...]  # the corpus cases that show it


KNOWN_DIFFERENCES: list[Known] = [
]


def known_difference(case: dict[str, Any], diffs: list[str]) -> Known | None:
    """The known class of a difference: its pattern matches the first line (or the case)."""
    text = diffs[0] + "\n" + json.dumps(case)
    for known in KNOWN_DIFFERENCES:
        if re.search(known.pattern, text, re.DOTALL):
            return known
    return None


def _corpus_params() -> list[Any]:
    xfail = {name: k for k in KNOWN_DIFFERENCES for name in k.cases}
    params = []
    for name in sorted(CORPUS):
        marks = []
        if name in xfail:
            marks = [pytest.mark.xfail(strict=True, reason=xfail[name].repro)]
        params.append(pytest.param(name, marks=marks, id=name))
    return params


# ---- the corpus: no torch needed --------------------------------------------------------------


@pytest.mark.parametrize("name", _corpus_params())
def test_corpus_case_matches_torch(name: str) -> None:
    entry = CORPUS[name]
    diffs = differences(entry["case"], run(mt, entry["case"]), entry["torch"])
    assert not diffs, "\n".join([f"{name}: {json.dumps(entry['case'])}", *diffs])


def test_known_differences_name_corpus_cases() -> None:
    for known in KNOWN_DIFFERENCES:
        assert known.cases, f"no corpus case shows {known.repro!r}"
        missing = [name for name in known.cases if name not in CORPUS]
        assert not missing, f"not in the corpus: {missing}"


def test_known_patterns_find_their_cases() -> None:
    """The live fuzzer recognises a known class by its pattern: it must find the class's cases."""
    for known in KNOWN_DIFFERENCES:
        for name in known.cases:
            entry = CORPUS[name]
            diffs = differences(entry["case"], run(mt, entry["case"]), entry["torch"])
            if diffs:  # (fixed ones show in test_corpus_case_matches_torch)
                assert known_difference(entry["case"], diffs) is known, f"{name}: {diffs[0]}"


def test_corpus_covers_every_class() -> None:
    from fuzz_strategies import PROFILES

    classes = {entry["class"] for entry in CORPUS.values()}
    assert set(PROFILES) <= classes, f"no corpus case for {set(PROFILES) - classes}"


def test_the_comparison_sees_differences() -> None:
    """The machinery itself: a dtype, a NaN in a new place, a .grad missing, an error."""
    case = {"steps": [["tensor", {"values": [1.0, 2.0], "shape": [2], "dtype": "float32"}, True],
                      ["mul", {"ref": 0}, 2]], "backward": "sum"}
    ours = run(mt, case)
    assert differences(case, ours, ours) == []
    theirs = json.loads(json.dumps(ours))
    theirs["values"][1]["dtype"] = "float64"
    theirs["values"][1]["values"][0] = float("nan")
    theirs["grads"][0] = None
    theirs["error"] = {"where": "backward", "type": "RuntimeError", "message": "no"}
    found = "\n".join(differences(case, ours, theirs))
    for what in ["error: none", "step 1 (mul) dtype", "step 1 (mul) values", "step 0 (tensor) .grad"]:
        assert what in found


# ---- live: torch installed ----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_still_is_what_torch_does(name: str) -> None:
    """The stored answers are torch's: a new torch version that changed one shows here."""
    torch = pytest.importorskip("torch")
    entry = CORPUS[name]
    diffs = differences(entry["case"], run(torch, entry["case"]), entry["torch"])
    assert not diffs, "re-run tests/reference/make_fuzz_corpus.py?\n" + "\n".join(diffs)


def _profiles() -> list[str]:
    from fuzz_strategies import PROFILES

    return list(PROFILES)


@pytest.mark.parametrize("profile", _profiles())
def test_fuzz_against_torch(profile: str) -> None:
    torch = pytest.importorskip("torch")
    from fuzz_strategies import PROFILES, cases
    from hypothesis import HealthCheck, given, settings

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(cases(PROFILES[profile]))
    def agrees(case: dict[str, Any]) -> None:
        theirs = run(torch, case)
        if theirs["error"] and "INTERNAL ASSERT" in theirs["error"]["message"]:
            return  # torch's own bug (``False ** t``): nothing to compare with
        diffs = differences(case, run(mt, case), theirs)
        if diffs and known_difference(case, diffs) is None:
            raise AssertionError("\n".join([json.dumps(case), *diffs]))

    agrees()
