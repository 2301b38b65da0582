"""What every check shares: loading the learner's file, a time limit, and messages with numbers.

A check is a function ``run(module) -> str`` that calls the learner's code on chosen inputs and
compares what comes back with a trusted answer (finite differences, minitorch_rnn itself, or
the math). At the first wrong answer it raises `Failure` with a message that says what was
called, what came back and what was expected -- never anything about how the code is written.
"""

from __future__ import annotations

import importlib.util
import itertools
import signal
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np


class Failure(Exception):
    """A wrong answer. The message is the line `check` prints after ``FAIL name:``."""


class TimeLimit(Exception):
    """The learner's code ran longer than the check allows (an endless loop?)."""


_loaded = itertools.count()
_current: list[Path] = []  # the file being checked, so an error can name its line


def load(path: Path) -> ModuleType:
    """Import the learner's file by its path, as a fresh module each time (no caching)."""
    name = f"ladder_{path.stem.lstrip('0123456789_')}_{next(_loaded)}"
    _current[:] = [path]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look a class's module up here
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


def explain(error: BaseException, path: Path) -> str:
    """An exception from the learner's code as one line: what, and where in their file."""
    line, function = "", ""
    frames = list(traceback.walk_tb(error.__traceback__))
    for summary, (frame, _) in reversed(
        list(zip(traceback.extract_tb(error.__traceback__), frames))
    ):
        if Path(summary.filename).resolve() == path.resolve():
            line = f" (line {summary.lineno} of {path.name}: {summary.line})"
            code = frame.f_code  # Mul.forward rather than forward (co_qualname: Python 3.11+)
            function = getattr(code, "co_qualname", code.co_name)
            break
    if isinstance(error, NotImplementedError) and function:
        return f"{function} is not written yet: it raises NotImplementedError{line}"
    if isinstance(error, RecursionError):
        return f"RecursionError: maximum recursion depth exceeded{line} -- use a loop and a stack"
    return f"{type(error).__name__}: {error}{line}"


@contextmanager
def calling(what: str) -> Iterator[None]:
    """Say `what` was being called when the learner's code raises (a Failure passes through)."""
    try:
        yield
    except (Failure, TimeLimit, NotImplementedError):
        raise
    except Exception as error:
        raise Failure(f"{what}: {explain(error, _current[0])}") from error


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise `TimeLimit` in the code inside after `seconds` (main thread only: elsewhere, none)."""
    if threading.current_thread() is not threading.main_thread() or not seconds:
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise TimeLimit(f"still running after {seconds:g} s -- an endless loop?")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ---- comparing answers ----------------------------------------------------------------------
def fmt(x: Any) -> str:
    """A number or a small array, short: 0.6128, [1.5, -2], shape (3, 4)."""
    a = np.asarray(x)
    if a.ndim == 0:
        return f"{a.item():.4g}" if a.dtype.kind in "fc" else str(a.item())
    if a.size <= 6:
        return "[" + ", ".join(fmt(v) for v in a.ravel()) + "]"
    return f"an array of shape {tuple(a.shape)}"


def as_array(value: Any, what: str) -> np.ndarray:
    """The learner's answer as a float array (a Tensor, a number or an array)."""
    if hasattr(value, "detach") and hasattr(value, "numpy"):
        value = value.detach().numpy()
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise Failure(f"{what} should be numbers, got {type(value).__name__}: {value!r}") from None


def expect_close(
    what: str,
    got: Any,
    expected: Any,
    *,
    at: str = "",
    rtol: float = 1e-6,
    atol: float = 1e-9,
    inputs: Any = None,
    source: str = "the right answer is",
) -> None:
    """Fail unless `got` has `expected`'s shape and values, naming the worst entry.

    `inputs`, an array of the same shape, names the input at that entry (an elementwise op:
    "at x=0.5 gives 0.61"); `at` describes the call ("for a (3, 4) and b (4,)").
    """
    got_a = as_array(got, what)
    exp_a = as_array(expected, "the expected value")
    where = f" {at}" if at else ""
    if got_a.shape != exp_a.shape:
        raise Failure(
            f"{what}{where} has shape {tuple(got_a.shape)}, expected {tuple(exp_a.shape)}"
        )
    if np.allclose(got_a, exp_a, rtol=rtol, atol=atol, equal_nan=False):
        return
    error = np.abs(got_a - exp_a)
    error = np.where(np.isnan(error), np.inf, error)
    i = np.unravel_index(int(np.argmax(error)), error.shape) if error.ndim else ()
    if inputs is not None:
        spot = f" at x={fmt(np.asarray(inputs)[i])}"
    elif got_a.ndim:
        spot = f" at index {list(map(int, i))}"
    else:
        spot = ""
    raise Failure(
        f"{what}{where}{spot} gives {fmt(got_a[i])}, {source} {fmt(exp_a[i])}"
        + (f" (largest difference {error.max():.3g})" if got_a.size > 1 else "")
    )


def numerical_gradient(f: Any, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """The checks' own central differences of a number-valued `f` with respect to array `x`."""
    grad = np.zeros_like(x, dtype=np.float64)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = float(f(x))
        x[i] = old - eps
        down = float(f(x))
        x[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad
