"""The exercise ladder: write the engine yourself, one piece at a time, and check each piece.

    python -m minitorch_rnn.exercises list              # the exercises, in order
    python -m minitorch_rnn.exercises init DIR          # one file of stubs per exercise
    python -m minitorch_rnn.exercises check DIR         # PASS or FAIL (with numbers) for each
    python -m minitorch_rnn.exercises check DIR tape    # just one (or a few)
    python -m minitorch_rnn.exercises init DIR --solved # reference solutions (for teachers)

Each exercise is a folder here: ``stub.py`` (what `init` hands out: a docstring that teaches,
the signatures, ``raise NotImplementedError`` where your code goes, a hint), ``solution.py``
(what ``init --solved`` hands out) and ``check.py`` (what `check` runs). A check loads your
file by its path and calls your functions on chosen inputs; it judges what they return,
never how they are written. Where your piece fits the real framework, the check plugs it in:
your Tanh runs inside `nn.RNN` and trains the toy task.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Union

from ._harness import Failure, TimeLimit, explain, load, time_limit

__all__ = ["LADDER", "Exercise", "Result", "check", "check_file", "init", "select"]

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Exercise:
    number: int
    name: str
    title: str

    @property
    def folder(self) -> str:
        return f"e{self.number:02d}_{self.name}"

    @property
    def filename(self) -> str:
        """The learner's file: ``01_derivative.py``."""
        return f"{self.number:02d}_{self.name}.py"

    def source(self, solved: bool = False) -> str:
        return (HERE / self.folder / ("solution.py" if solved else "stub.py")).read_text()


LADDER = [
    Exercise(
        1, "derivative", "the numerical derivative, the ruler every gradient is checked against"
    ),
    Exercise(2, "value", "a scalar autograd Value (micrograd-sized): +, *, **, tanh, backward"),
    Exercise(3, "tape", "the backward pass over a tape: topological order, gradients add up"),
    Exercise(4, "functions", "Mul, MatMul, Tanh, Sum as Functions, broadcasting-aware"),
    Exercise(5, "rnn_step", "one RNN step, then a loop over time, matching nn.RNN"),
    Exercise(6, "bptt", "backpropagation through time by hand, checked against the tape"),
    Exercise(7, "sgd", "SGD with momentum, weight decay and Nesterov: torch's update rule"),
    Exercise(8, "clip", "gradient clipping by the joint norm of all gradients"),
    Exercise(9, "truncated_bptt", "a truncated-BPTT training loop: chunks, detach, clip, step"),
]
BY_NAME = {e.name: e for e in LADDER}


@dataclass
class Result:
    name: str
    passed: bool
    message: str  # what is wrong (FAIL), or what your piece achieved (PASS; may be empty)
    seconds: float

    def __str__(self) -> str:
        if self.passed:
            return f"PASS {self.name}" + (f"  ({self.message})" if self.message else "")
        return f"FAIL {self.name}: {self.message}"


def init(directory: Union[str, Path], solved: bool = False, force: bool = False) -> list[Path]:
    """Write one file per exercise into `directory`; keep files already there unless `force`."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for exercise in LADDER:
        path = folder / exercise.filename
        if path.exists() and not force:
            continue  # never overwrite a learner's work
        path.write_text(exercise.source(solved))
        written.append(path)
    return written


def check_file(exercise: Exercise, path: Path, seconds: float = 120.0) -> Result:
    """Run one exercise's checks on the file at `path`."""
    start = time.perf_counter()
    passed, message = False, ""
    if not path.exists():
        message = f"{path} not found (write it with: python -m minitorch_rnn.exercises init DIR)"
    else:
        checks = importlib.import_module(f"{__name__}.{exercise.folder}.check")
        try:
            with time_limit(seconds):
                message = checks.run(load(path))
            passed = True
        except Failure as failure:
            message = str(failure)
        except TimeLimit as stop:
            message = str(stop)
        except Exception as error:  # the learner's code raised: say what, and where
            message = explain(error, path)
    return Result(exercise.name, passed, message, time.perf_counter() - start)


def select(names: tuple[str, ...] = ()) -> list[Exercise]:
    """The exercises called `names` (all of them when empty), in ladder order."""
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise ValueError(f"no exercise named {', '.join(unknown)} (see: list)")
    return [e for e in LADDER if not names or e.name in names]


def check(directory: Union[str, Path], names: tuple[str, ...] = ()) -> list[Result]:
    """Check the exercises `names` (all of them when empty) in `directory`, in ladder order."""
    return [check_file(e, Path(directory) / e.filename) for e in select(names)]
