"""Tutorial-style programs (tests/compat/programs.py) run unchanged on minitorch_rnn, and give
torch 2.13's numbers step by step when torch is installed (CI installs it)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import minitorch_rnn

from .programs import PROGRAMS


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
def test_runs_unchanged_and_matches_torch(program: Any) -> None:
    ours = program(minitorch_rnn)
    assert ours and all(math.isfinite(v) for v in ours)
    torch = pytest.importorskip("torch")
    theirs = program(torch)
    np.testing.assert_allclose(ours, theirs, rtol=2e-4, atol=1e-5)
