"""The exercise ladder (minitorch_rnn/exercises): the command line, the reference solutions, and
above all the checks -- they must catch wrong answers, not only missing ones.

Two kinds of wrong answers are tried on every exercise:

* hand-written mutants of the reference solutions: the mistakes learners make (a sign, a
  dropped term, a wrong axis, ``=`` for ``+=``, a forgotten ``detach()``); every one must fail;
* machine-made one-change mutants (tests/mutate.py); at least 90% must fail, in every exercise
  (a few mutants change nothing at all, and no check can catch those).
"""

from __future__ import annotations

import ast
import random
import re
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from mutate import mutants

import minitorch_rnn as mt
from minitorch_rnn import nn
from minitorch_rnn.exercises import BY_NAME, LADDER, check, check_file, init
from minitorch_rnn.exercises.__main__ import main

ROOT = Path(__file__).resolve().parent.parent


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(args)
    return code, capsys.readouterr().out.splitlines()


# ---- the command line ---------------------------------------------------------------------------
def test_list_names_every_exercise_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = run_cli(["list"], capsys)
    assert code == 0
    assert [line.split()[1] for line in lines] == [e.name for e in LADDER]
    assert [line.split()[0] for line in lines] == [f"{i}." for i in range(1, len(LADDER) + 1)]
    assert [e.name for e in LADDER] == [
        "derivative", "value", "tape", "functions", "rnn_step", "bptt", "sgd", "clip",
        "truncated_bptt",
    ]  # fmt: skip


def test_stubs_fail_every_check_as_not_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run_cli(["init", str(tmp_path)], capsys)
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(e.filename for e in LADDER)
    for exercise in LADDER:  # a stub teaches, has signatures, and leaves the work to you
        text = (tmp_path / exercise.filename).read_text()
        assert text.startswith('"""Exercise ') and "raise NotImplementedError" in text
        assert "Hint" in text and f"check DIR {exercise.name}" in text
    code, lines = run_cli(["check", str(tmp_path)], capsys)
    assert code == 1
    assert len(lines) == len(LADDER)
    for line, exercise in zip(lines, LADDER):
        assert line.startswith(f"FAIL {exercise.name}: "), line
        assert "is not written yet" in line and re.search(r"line \d+ of", line), line


def test_solutions_pass_every_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_cli(["init", str(tmp_path), "--solved"], capsys)
    start = time.perf_counter()
    code, lines = run_cli(["check", str(tmp_path)], capsys)
    seconds = time.perf_counter() - start
    assert code == 0, lines
    assert [line.split()[:2] for line in lines[:-1]] == [["PASS", e.name] for e in LADDER]
    together = re.fullmatch(
        r"ALL PASS: your Tanh, SGD, clipping and truncated-BPTT loop together train nn.RNN to "
        r"(\d+\.\d)% held-out accuracy on the echo stream",
        lines[-1],
    )
    assert together and float(together.group(1)) >= 99.0, lines[-1]
    # where a piece is plugged into the framework, it trains the toy task to 99%
    for name in ("functions", "sgd", "clip", "truncated_bptt"):
        line = next(line for line in lines if line.startswith(f"PASS {name} "))
        accuracy = float(re.search(r"(\d+\.\d)% held-out accuracy", line).group(1))  # type: ignore[union-attr]
        assert accuracy >= 99.0, line
    each = {r.name: r.seconds for r in check(tmp_path)}
    with capsys.disabled():
        print(f"\nthe whole ladder checks in {seconds:.1f} s:", *lines, sep="\n  ")
        print("  one by one:", ", ".join(f"{n} {t:.2f} s" for n, t in each.items()))
    assert seconds < 120  # seconds on an idle machine; generous for a loaded one


def test_check_some_by_name_and_refuse_unknown_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    init(tmp_path, solved=True)
    code, lines = run_cli(["check", str(tmp_path), "clip", "derivative"], capsys)
    assert code == 0 and [line.split()[1] for line in lines] == ["derivative", "clip"]
    assert main(["check", str(tmp_path), "nonsense"]) == 2
    assert "no exercise named nonsense" in capsys.readouterr().err


def test_a_missing_file_fails_and_says_how_to_make_it(tmp_path: Path) -> None:
    (result,) = check(tmp_path, ("tape",))
    assert (
        not result.passed and "03_tape.py not found" in result.message and "init" in result.message
    )


def test_init_keeps_a_learners_work_unless_forced(tmp_path: Path) -> None:
    mine = tmp_path / "01_derivative.py"
    mine.write_text("# my work\n")
    written = init(tmp_path)
    assert mine.read_text() == "# my work\n" and mine not in written and len(written) == 8
    init(tmp_path, solved=True, force=True)
    assert mine.read_text() == BY_NAME["derivative"].source(solved=True)


def test_an_endless_loop_fails_after_the_time_limit(tmp_path: Path) -> None:
    path = tmp_path / "01_derivative.py"
    path.write_text("def numerical_derivative(f, x, eps=1e-6):\n    while True:\n        pass\n")
    result = check_file(BY_NAME["derivative"], path, seconds=0.5)
    assert not result.passed and "still running after 0.5 s" in result.message


def test_the_exercises_ship_with_the_package() -> None:
    """`packages = find:` takes every folder with an __init__.py: each exercise's three files."""
    setuptools = pytest.importorskip("setuptools")
    packages = setuptools.find_packages(str(ROOT), include=["minitorch_rnn*"])
    for exercise in LADDER:
        assert f"minitorch_rnn.exercises.{exercise.folder}" in packages
        folder = ROOT / "minitorch_rnn" / "exercises" / exercise.folder
        assert {"__init__.py", "stub.py", "solution.py", "check.py"} <= {
            p.name for p in folder.iterdir()
        }


# ---- checks judge behaviour: other correct code passes ------------------------------------------
OTHER_CORRECT = {
    "derivative": [
        (
            "return (f(x + eps) - f(x - eps)) / (2 * eps)",
            "h = eps\n    return 0.5 * (f(x + h) - f(x - h)) / h",
        )
    ],
    "tape": [  # a depth-first search with its own stack, finishing order reversed
        (
            "    uses: dict[Node, int] = {}",
            "    order, done, stack = [], set(), [(root, False)]\n"
            "    while stack:\n"
            "        node, expanded = stack.pop()\n"
            "        if expanded:\n"
            "            order.append(node)\n"
            "        elif node not in done:\n"
            "            done.add(node)\n"
            "            stack.append((node, True))\n"
            "            stack.extend((i, False) for i in node.inputs if i not in done)\n"
            "    return order[::-1]\n"
            "    uses: dict[Node, int] = {}",
        )
    ],
    "functions": [("return np.broadcast_to(grad, ctx.shape)", "return grad * np.ones(ctx.shape)")],
    "sgd": [("p.sub_(self.lr * g)", "p.add_(g, alpha=-self.lr)")],
}


@pytest.mark.parametrize("name", sorted(OTHER_CORRECT))
def test_other_correct_code_passes(name: str, tmp_path: Path) -> None:
    exercise = BY_NAME[name]
    source = exercise.source(solved=True)
    for old, new in OTHER_CORRECT[name]:
        assert source.count(old) == 1, old
        source = source.replace(old, new)
    path = tmp_path / exercise.filename
    path.write_text(source)
    result = check_file(exercise, path)
    assert result.passed, result.message


# ---- hand-written mutants: the mistakes learners make, every one must fail -----------------------
HAND_MUTANTS: list[tuple[str, str, str, str, str]] = [  # (exercise, mistake, old, new, in message)
    ("derivative", "one-sided difference", "(f(x + eps) - f(x - eps)) / (2 * eps)", "(f(x + eps) - f(x)) / eps", "central difference is"),
    ("derivative", "x not put back", "x[i] = old  # put it back", "pass  #", "changed x"),
    ("derivative", "half the step in the gradient", "grad[i] = (up - down) / (2 * eps)", "grad[i] = (up - down) / eps", "gives"),
    ("value", "= for += in mul", "self.grad += out.grad * other.data", "self.grad = out.grad * other.data", "finite differences give"),
    ("value", "tanh' sign flipped", "self.grad += out.grad * (1 - t * t)", "self.grad += out.grad * (t * t - 1)", "tanh"),
    ("value", "pow without the exponent factor", "out.grad * exponent * self.data", "out.grad * self.data", "**"),
    ("value", "mul's derivatives swapped", "self.grad += out.grad * other.data", "self.grad += out.grad * self.data", "a.grad"),
    ("tape", "= for + when gradients meet", "inp.grad = g if inp.grad is None else inp.grad + g", "inp.grad = g", "finite differences give"),
    ("tape", "no waiting for all uses", "            if uses[inp] == 0:\n                ready.append(inp)", "            ready.append(inp)", "appears twice"),
    ("tape", "recursion", "    uses: dict[Node, int] = {}", "    out = []\n    def visit(n):\n        if n not in out:\n            for i in n.inputs:\n                visit(i)\n            out.append(n)\n    visit(root)\n    return out[::-1]\n    uses: dict[Node, int] = {}", "RecursionError"),
    ("functions", "tanh' from the output, not squared", "return grad * (1 - y * y)", "return grad * (1 - y)", "finite differences give"),
    ("functions", "Mul without unbroadcast", "return unbroadcast(grad * b, a.shape), unbroadcast(grad * a, b.shape)", "return grad * b, grad * a", "invalid gradient"),
    ("functions", "MatMul's weight gradient transposed", "return grad @ b.T, a.T @ grad", "return grad @ b.T, grad.T @ a", "MatMul"),
    ("functions", "Sum puts the axis back in the wrong place", "np.expand_dims(grad, ctx.dim)", "np.expand_dims(grad, 0)", "Sum"),
    ("functions", "unbroadcast drops the size-1 axes", "keepdims=True", "keepdims=False", "unbroadcast"),
    ("rnn_step", "W_hh not transposed", "h @ weight_hh.T", "h @ weight_hh", "nn.RNNCell gives"),
    ("rnn_step", "a bias dropped", " + bias_hh).tanh()", ").tanh()", "nn.RNNCell gives"),
    ("rnn_step", "h not carried over", "h = rnn_step(xs[t], h,", "h = rnn_step(xs[t], h0,", "nn.RNN gives"),
    ("bptt", "not through time", "dh = dhs[t] + dh_next", "dh = dhs[t]", "the tape gives"),
    ("bptt", "hs[-1] as h_{-1}", "h_prev = hs[t - 1] if t > 0 else h0", "h_prev = hs[t - 1]", "weight_hh"),
    ("bptt", "bias summed over the wrong axis", "d_b += da.sum(axis=0)", "d_b += da.sum(axis=1)", "line 26 of 06_bptt.py: d_b += da.sum(axis=1)"),
    ("bptt", "= for += over time", "d_hh += da.T @ h_prev", "d_hh = da.T @ h_prev", "weight_hh"),
    ("sgd", "momentum as an average (dampened)", "self.momentum * b + g", "self.momentum * b + (1 - self.momentum) * g", "optim.SGD gives"),
    ("sgd", "weight decay pushes the wrong way", "g = g + self.weight_decay * p", "g = g - self.weight_decay * p", "weight_decay=0.1"),
    ("sgd", "uphill", "p.sub_(self.lr * g)", "p.add_(self.lr * g)", "optim.SGD gives"),
    ("sgd", "zero_grad forgets nothing", "            p.grad = None", "            pass", "after your zero_grad, parameter 0's gradient is still"),
    ("clip", "each parameter clipped on its own", "    grads = [p.grad for p in parameters if p.grad is not None]\n    total = math.sqrt(sum((g * g).sum().item() for g in grads))", "    grads = [p.grad for p in parameters if p.grad is not None]\n    for g in grads:\n        n = math.sqrt((g * g).sum().item())\n        if n > max_norm:\n            g.mul_(max_norm / (n + 1e-6))\n    return 0.0\n    total = math.sqrt(sum((g * g).sum().item() for g in grads))", "the norm before clipping is"),
    ("clip", "no square root", "total = math.sqrt(sum(", "total = (sum(", "the norm before clipping is"),
    ("clip", "always scales", "if scale < 1:", "if True:", "max_norm=10"),
    ("truncated_bptt", "no detach", "        h = h.detach()  # keep the numbers, cut the tape", "        pass", "detach h between chunks"),
    ("truncated_bptt", "h reset every chunk", "scores, h = model(xs[start : start + chunk_len], h)", "scores, h = model(xs[start : start + chunk_len], h * 0)", "the check's loop gives"),
    ("truncated_bptt", "no zero_grad", "        optimizer.zero_grad()\n", "", "the check's loop gives"),
    ("truncated_bptt", "clip after the step", "        clip(model.parameters(), max_norm)\n        optimizer.step()", "        optimizer.step()\n        clip(model.parameters(), max_norm)", "the check's loop gives"),
    ("truncated_bptt", "the clip it is given ignored", "        clip(model.parameters(), max_norm)", "        nn.utils.clip_grad_norm_(model.parameters(), max_norm)", "called the `clip` it was given 0 times"),
    ("truncated_bptt", "the last, shorter chunk dropped", "range(0, T, chunk_len)", "range(0, T - chunk_len + 1, chunk_len)", "(4 + 4 + 2 steps)"),
]  # fmt: skip


@pytest.mark.parametrize(
    "name, mistake, old, new, said", HAND_MUTANTS, ids=[f"{m[0]}: {m[1]}" for m in HAND_MUTANTS]
)
def test_hand_written_mutant_fails(
    name: str, mistake: str, old: str, new: str, said: str, tmp_path: Path
) -> None:
    exercise = BY_NAME[name]
    source = exercise.source(solved=True)
    assert source.count(old) == 1, f"{old!r} is not in the solution once"
    path = tmp_path / exercise.filename
    path.write_text(source.replace(old, new))
    result = check_file(exercise, path)
    assert not result.passed, f"{mistake}: the check passed it"
    assert said in result.message, result.message
    assert str(result).startswith(f"FAIL {name}: ")
    if "Error" not in result.message:  # a wrong number is reported with numbers
        assert re.search(r"\d", result.message), result.message


def test_a_wrong_tanh_derivative_is_reported_with_numbers(tmp_path: Path) -> None:
    exercise = BY_NAME["functions"]
    path = tmp_path / exercise.filename
    path.write_text(exercise.source(solved=True).replace("(1 - y * y)", "(1 - y)"))
    message = check_file(exercise, path).message
    x, got, true = map(float, re.fullmatch(
        r"your Tanh.backward at x=(\S+) gives (\S+), finite differences give (\S+) \(.*\)", message
    ).groups())  # type: ignore[union-attr]  # fmt: skip
    assert got == pytest.approx(1 - np.tanh(x), rel=1e-3)
    assert true == pytest.approx(1 - np.tanh(x) ** 2, rel=1e-3)


# ---- machine-made mutants: >= 90% caught, in every exercise --------------------------------------
MAX_MUTANTS = 150  # per exercise; more are sampled with a fixed seed (today all fit)


@pytest.mark.mutation
def test_machine_made_mutants_are_caught(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows, caught_all, total_all = [], 0, 0
    start = time.perf_counter()
    for exercise in LADDER:
        candidates = mutants(exercise.source(solved=True))
        if len(candidates) > MAX_MUTANTS:
            candidates = random.Random(0).sample(candidates, MAX_MUTANTS)
        path = tmp_path / exercise.filename
        path.write_text(ast.unparse(ast.parse(exercise.source(solved=True))))
        assert check_file(exercise, path).passed  # unmutated (comments gone, reformatted): PASS
        survivors = []
        for mutant in candidates:
            ast.parse(mutant.source)
            path.write_text(mutant.source)
            with warnings.catch_warnings():  # a mutant's NaN warnings are not news
                warnings.simplefilter("ignore")
                result = check_file(exercise, path, seconds=30)  # an endless loop: caught
            if result.passed:
                survivors.append(mutant)
        caught = len(candidates) - len(survivors)
        rows.append((exercise.name, caught, len(candidates), survivors))
        caught_all, total_all = caught_all + caught, total_all + len(candidates)
    with capsys.disabled():
        print(f"\nmachine-made mutants caught ({time.perf_counter() - start:.1f} s):")
        for name, caught, n, survivors in rows:
            print(f"  {name:<15} {caught:>3}/{n:<3} {caught / n:6.1%}")
            for mutant in survivors:
                print(f"      survived: line {mutant.line}: {mutant.what}")
        print(f"  {'all':<15} {caught_all:>3}/{total_all:<3} {caught_all / total_all:6.1%}")
    for name, caught, n, _ in rows:
        assert n >= 15, f"{name}: only {n} mutants"
        assert caught / n >= 0.9, f"{name}: {caught}/{n} mutants caught"
    assert caught_all / total_all >= 0.9


def test_the_mutator_makes_each_kind_of_change() -> None:
    source = (
        "def f(a, b, g, xs):\n"
        "    g += a * b - 1\n"
        "    s = g.sum(axis=0)\n"
        "    xs.append(s)\n"
        "    return max(a, b) if a < b else -s + sum(reversed(xs)) @ g.T\n"
    )
    made = {m.what for m in mutants(source)}
    for kind in ("* -> /", "- -> +", "drop right of -", "drop left of *", "augmented -> =",
                 "1 -> 0", "1 -> 2", "axis=0 -> 1", "swap the first two arguments", "Lt -> GtE",
                 "drop unary USub", "+= -> -="):  # fmt: skip
        assert kind in made, kind
    assert any(w.startswith("drop the call xs.append") for w in made)
    assert {"unwrap reversed(...)", "unwrap sum(...)", "drop .T"} <= made
    for m in mutants(source):
        assert m.source != ast.unparse(ast.parse(source))  # each one changes something
        compile(m.source, "mutant", "exec")


# ---- the seam: nn.RNN takes your own nonlinearity -------------------------------------------------
class _Tanh(mt.autograd.Function):
    on_arrays = True

    @staticmethod
    def forward(ctx: object, x: np.ndarray) -> np.ndarray:
        y = np.tanh(x)
        ctx.save_for_backward(y)  # type: ignore[attr-defined]
        return y

    @staticmethod
    def backward(ctx: object, grad: np.ndarray) -> np.ndarray:
        (y,) = ctx.saved_tensors  # type: ignore[attr-defined]
        return grad * (1 - y * y)


@pytest.mark.parametrize("own", [_Tanh, lambda z: z.tanh()], ids=["Function", "function"])
def test_rnn_accepts_your_own_nonlinearity(own: Callable) -> None:
    mt.manual_seed(0)
    builtin = nn.RNN(3, 4, num_layers=2, dtype=mt.float64)
    yours = nn.RNN(3, 4, num_layers=2, nonlinearity=own, dtype=mt.float64)
    yours.load_state_dict(builtin.state_dict())
    assert repr(yours) == repr(builtin) == "RNN(3, 4, num_layers=2)"
    x = mt.randn(5, 2, 3, dtype=mt.float64)
    a, b = builtin(x)[0], yours(x)[0]
    assert np.allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-14)
    a.sum().backward()
    b.sum().backward()
    for p, q in zip(builtin.parameters(), yours.parameters()):
        assert np.allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-12)  # type: ignore[union-attr]
    if own is _Tanh:
        assert b.grad_fn.name() == "StackBackward0"  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="Unknown nonlinearity 'sigmoid'"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
