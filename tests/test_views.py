"""Views and in-place changes at torch's edges (issue 12):

* the message of the check that protects saved tensors, for every kind of saved tensor;
* a view asks its base: ``requires_grad`` after ``x.requires_grad_()`` or ``x.add_(w)``, and
  its ``grad_fn`` derived again (``AsStridedBackward0``) after an in-place change;
* torch's forbidden cases: a piece of ``split``/``chunk``/``unbind``, or a view made under
  ``no_grad()``, changed in place while gradients are recorded (or read after its base was).

Each program runs on both libraries; with torch installed the two accounts must be equal, and
the messages checked here without torch are torch's, copied.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

import minitorch_rnn as mt

Program = Callable[[ModuleType, list[Any]], None]
PROGRAMS: dict[str, Program] = {}


def program(f: Program) -> Program:
    PROGRAMS[f.__name__] = f
    return f


def account(lib: ModuleType, f: Program) -> list[Any]:
    """What `f` noted, ending with the error it raised (torch's name for itself replaced)."""
    notes: list[Any] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            f(lib, notes)
        except Exception as e:  # noqa: BLE001 -- the error is part of the behaviour
            notes.append(error(e))
    return notes


def error(e: Exception) -> str:
    return f"{type(e).__name__}: " + re.sub(r"\btorch\b", "minitorch_rnn", str(e))


def attempt(notes: list[Any], f: Callable[[], Any]) -> None:
    try:
        f()
        notes.append("ok")
    except Exception as e:  # noqa: BLE001
        notes.append(error(e))


def node_name(t: Any) -> Any:
    """A view's grad_fn where the two libraries name it alike (ours: IndexBackward0 for x[0:2],
    torch's SliceBackward0 -- see docs/differences.md)."""
    try:
        fn = t.grad_fn
    except RuntimeError as e:
        return f"RuntimeError: {str(e)[:60]}"
    if fn is None:
        return None
    name = fn.name()
    return name if name in {"AsStridedBackward0", "SplitBackward0", "UnbindBackward0"} else "node"


def state(t: Any) -> tuple[Any, ...]:
    try:
        leaf: Any = t.is_leaf
    except RuntimeError as e:
        leaf = f"RuntimeError: {str(e)[:60]}"
    return t.requires_grad, leaf, node_name(t)


def grad(t: Any) -> Any:
    return None if t.grad is None else t.grad.tolist()


# ---- 1. the saved-tensor check's message ------------------------------------------------------


def modified(*what: str, anomaly: bool = False) -> str:
    hint = (
        "the backtrace further above shows the operation that failed to compute its gradient. "
        "The variable in question was changed in there or anywhere later. Good luck!"
        if anomaly
        else "enable anomaly detection to find the operation that failed to compute its "
        "gradient, with minitorch_rnn.autograd.set_detect_anomaly(True, check_nan=False)."
    )
    return (
        "RuntimeError: one of the variables needed for gradient computation has been modified by "
        f"an inplace operation: {''.join(what)}. Hint: {hint}"
    )


SAVED = {  # name: (program, torch's message)
    "saved_output": (
        lambda lib: _backward(lib.tensor([0.5, 1.0], requires_grad=True).tanh(), "mul_"),
        modified(
            "[minitorch_rnn.FloatTensor [2]], which is output 0 of Tanh, is at version 1; "
            "expected version 0 instead"
        ),
    ),
    "saved_0d_output_changed_twice": (
        lambda lib: _backward(lib.tensor(0.5, dtype=lib.float64, requires_grad=True).exp(), 2),
        modified(
            "[minitorch_rnn.DoubleTensor []], which is output 0 of Exp, is at version 2; "
            "expected version 0 instead"
        ),
    ),
    "saved_leaf_input": (
        lambda lib: _saved_input(lib, leaf=True),
        modified("[minitorch_rnn.HalfTensor [1, 2]] is at version 1; expected version 0 instead"),
    ),
    "saved_nonleaf_input_names_its_history_now": (
        lambda lib: _saved_input(lib, leaf=False),
        modified(
            "[minitorch_rnn.HalfTensor [1, 2]], which is output 0 of Add, is at version 1; "
            "expected version 0 instead"
        ),
    ),
    "index_tensor": (
        lambda lib: _index(lib, lib.tensor([0, 1], dtype=lib.int32)),
        modified("[minitorch_rnn.IntTensor [2]] is at version 1; expected version 0 instead"),
    ),
    "mask": (
        lambda lib: _index(lib, lib.tensor([True, False, True])),
        modified("[CPUBoolType [3]] is at version 1; expected version 0 instead"),
    ),
    "view_derived_again": (
        lambda lib: _saved_view(lib),
        modified(
            "[minitorch_rnn.FloatTensor [2]], which is output 0 of AsStrided, is at version 1; "
            "expected version 0 instead"
        ),
    ),
    "an_inplace_op_that_saved_its_result": (
        lambda lib: _backward(_inplace_result(lib, lib.tensor([0.5, 1.0], requires_grad=True)), 1),
        modified(
            "[minitorch_rnn.FloatTensor [2]], which is output 0 of Sigmoid, is at version 2; "
            "expected version 1 instead"
        ),
    ),
    "an_inplace_op_on_a_view_that_saved_its_result": (  # (the view is gone: its node's name)
        lambda lib: _backward(_inplace_result(lib, lib.ones(3, requires_grad=True), view=True), 1),
        modified(
            "[minitorch_rnn.FloatTensor [2]], which is output 0 of Sigmoid, is at version 2; "
            "expected version 1 instead"
        ),
    ),
    "an_inplace_op_on_a_view_kept_that_saved_its_result": (  # (the view's own node now)
        lambda lib: _inplace_on_kept_view(lib),
        modified(
            "[minitorch_rnn.FloatTensor [2]], which is output 0 of AsStrided, is at version 2; "
            "expected version 1 instead"
        ),
    ),
    "anomaly_mode_hint": (
        lambda lib: _anomaly(lib),
        modified(
            "[minitorch_rnn.FloatTensor [2]], which is output 0 of Sigmoid, is at version 1; "
            "expected version 0 instead",
            anomaly=True,
        ),
    ),
}


def _backward(y: Any, change: Any) -> None:
    for _ in range(change if isinstance(change, int) else 1):
        y.mul_(2)
    y.sum().backward()


def _inplace_result(lib: ModuleType, x: Any, view: bool = False) -> Any:
    y = x * 1
    (y[1:] if view else y).sigmoid_()  # saves its result: y (or the view) now holds it
    return y


def _inplace_on_kept_view(lib: ModuleType) -> None:
    y = lib.ones(3, requires_grad=True) * 1
    v = y[1:]
    v.sigmoid_()
    y.mul_(2)
    y.sum().backward()


def _saved_input(lib: ModuleType, leaf: bool) -> None:
    x = lib.ones(1, 2, dtype=lib.float16, requires_grad=True)
    w = lib.ones(1, 2, dtype=lib.float16) if leaf else x * 1
    y = x * w
    if leaf:
        w.add_(1)
    else:
        w.add_(1)  # recorded: w's history is now an AddBackward0
    y.sum().backward()


def _index(lib: ModuleType, index: Any) -> None:
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x[index]
    index.fill_(0 if index.dtype != lib.bool else True)
    y.sum().backward()


def _saved_view(lib: ModuleType) -> None:
    h = lib.tensor([0.5, 1.0, 2.0], requires_grad=True) * 1
    v = h[0:2]
    y = v * v
    with lib.no_grad():
        h.add_(1)  # v's grad_fn is derived again when the check names it
    y.sum().backward()


def _anomaly(lib: ModuleType) -> None:
    with lib.autograd.detect_anomaly():
        y = lib.tensor([0.5, 1.0], requires_grad=True).sigmoid()
        y.add_(1)
        y.sum().backward()


@program
def leaves_done_before_the_error_have_their_gradient(lib: ModuleType, notes: list[Any]) -> None:
    for engine in ("plain", "fast"):
        prev = mt.autograd.set_engine(engine)  # (torch: the same program twice)
        x = lib.tensor([0.5], requires_grad=True)
        w = lib.tensor(2.0, requires_grad=True)  # only after the failing node: accumulated
        u = lib.tensor(3.0, requires_grad=True)  # before it as well: not
        v = lib.tensor([1.0], requires_grad=True)  # another branch of the sum: accumulated
        w.grad = lib.tensor(10.0)
        w.register_hook(lambda g: notes.append(("hook", g.tolist())))
        y = (x * u).tanh()
        y.tanh_()
        y.add_(w * u)
        attempt(notes, lambda y=y, v=v: (y + v * v).sum().backward())
        notes.append((grad(x), grad(w), grad(u), grad(v)))
        mt.autograd.set_engine(prev)


@pytest.mark.parametrize("name", sorted(SAVED))
def test_saved_tensor_message_is_torchs(name: str) -> None:
    run, message = SAVED[name]
    notes = account(mt, lambda lib, notes: run(lib))
    assert notes == [message]


def test_the_anomaly_report_names_the_node() -> None:
    with pytest.warns(UserWarning, match="Error detected in SigmoidBackward0"):
        with pytest.raises(RuntimeError):
            _anomaly(mt)


@pytest.mark.parametrize("name", sorted(SAVED))
def test_saved_tensor_message_against_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    run = SAVED[name][0]
    assert account(torch, lambda lib, notes: run(lib)) == [SAVED[name][1]]


# ---- 2. a view asks its base ------------------------------------------------------------------

VIEWS: dict[str, Callable[[Any], Any]] = {
    "x[None]": lambda x: x[None],
    "x[1]": lambda x: x[1],
    "x[0:1, 1:]": lambda x: x[0:1, 1:],
    "x[..., 0]": lambda x: x[..., 0],
    "view": lambda x: x.view(6),
    "reshape": lambda x: x.reshape(3, 2),
    "flatten": lambda x: x.flatten(),
    "view_as": lambda x: x.view_as(x),
    "t": lambda x: x.t(),
    "T": lambda x: x.T,
    "transpose": lambda x: x.transpose(0, 1),
    "permute": lambda x: x.permute(1, 0),
    "expand": lambda x: x[None].expand(2, 2, 3),
    "unsqueeze": lambda x: x.unsqueeze(1),
    "squeeze": lambda x: x[None].squeeze(0),
    "narrow": lambda x: x.narrow(1, 1, 2),
    "split": lambda x: x.split(1)[1],
    "chunk": lambda x: x.chunk(2, 1)[0],
    "unbind": lambda x: x.unbind(1)[2],
    "detach (not a view on the tape)": lambda x: x.detach(),
    "x[[0]] (a copy)": lambda x: x[[0]],
}


@program
def base_requires_grad_later(lib: ModuleType, notes: list[Any]) -> None:
    for make in VIEWS.values():
        x = lib.zeros(2, 3)
        v = make(x)
        x.requires_grad_()
        notes.append(state(v))
        y = v * 2
        notes.append(y.requires_grad)
        attempt(notes, lambda y=y: y.sum().backward())  # nothing to send a gradient to
        notes.append((grad(x), v.is_leaf and grad(v)))
        x.requires_grad_(False)
        notes.append(state(v))


@program
def base_changed_in_place_by_a_tensor_that_requires_grad(lib: ModuleType, notes: list[Any]) -> None:
    for make in VIEWS.values():
        x = lib.zeros(2, 3)
        v = make(x)
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        x.add_(w)
        notes.append(state(v))
        attempt(notes, lambda v=v: (v * 2).sum().backward())
        notes.append(grad(w))


@program
def base_changed_under_no_grad(lib: ModuleType, notes: list[Any]) -> None:
    x = lib.zeros(2, 3)
    v = x[1]
    x.requires_grad_()
    with lib.no_grad():
        x.add_(1)
        notes.append(state(v))  # derived again even under no_grad: x.grad flows through v
    (v * 3).sum().backward()
    notes.append(grad(x))
    x = lib.zeros(3)
    v = x[0:2]
    x.add_(1)  # nothing requires grad: v stays as it was ...
    x.requires_grad_()
    notes.append(state(v))  # ... until its base does: the change is seen then


@program
def a_view_that_requires_grad_itself(lib: ModuleType, notes: list[Any]) -> None:
    x = lib.zeros(3)
    v = x[0:2]
    v.requires_grad_()
    notes.append((state(v), state(x)))
    v.sum().backward()
    notes.append((grad(v), grad(x)))
    attempt(notes, lambda: v.mul_(2))


@program
def a_view_made_under_no_grad_asks_its_base(lib: ModuleType, notes: list[Any]) -> None:
    x = lib.zeros(3, requires_grad=True)
    with lib.no_grad():
        v = x[0:2]
    notes.append(state(v))
    y = v * 2
    notes.append(state(y))
    y.sum().backward()
    notes.append(grad(x))


def test_a_view_asks_its_base() -> None:
    x = mt.zeros(())
    v = x[None]
    x.requires_grad_()
    assert (v.requires_grad, v.is_leaf, v.grad_fn) == (True, True, None)
    w = mt.ones(3, requires_grad=True)
    x = mt.zeros(2, 3)
    v = x.T
    x.add_(w)
    assert v.requires_grad and not v.is_leaf
    assert v.grad_fn is not None and v.grad_fn.name() == "AsStridedBackward0"
    v.sum().backward()
    assert w.grad is not None and w.grad.tolist() == [2.0, 2.0, 2.0]


# ---- 3. views torch cannot rebase ------------------------------------------------------------

MULTI = (
    " This view is the output of a function that returns multiple views. Such functions do not "
    "allow the output views to be modified inplace. You should replace the inplace operation by "
    "an out-of-place one."
)
NO_GRAD = (
    " Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify "
    "your code by moving both the view and the inplace either both inside the no_grad block (if "
    "you don't want the inplace to be tracked) or both outside (if you want the inplace to be "
    "tracked)."
)


@program
def pieces_changed_in_place(lib: ModuleType, notes: list[Any]) -> None:
    pieces = {
        "split": lambda x: x.split(2),
        "split sizes": lambda x: x.split([1, 3]),
        "chunk": lambda x: x.chunk(2),
        "unbind": lambda x: x.unbind(),
        "iteration": lambda x: list(x),
        "split of nothing": lambda x: x[:0].split(1),
    }
    for make in pieces.values():
        x = lib.zeros(4, requires_grad=True).clone()
        *_, last = make(x)
        attempt(notes, lambda last=last: last.tanh_())
        attempt(notes, lambda last=last: last.add_(1))
        notes.append(x.tolist())  # nothing was written


@program
def pieces_when_nothing_requires_grad(lib: ModuleType, notes: list[Any]) -> None:
    x = lib.zeros(4)
    a, b = x.split(2)
    a.add_(1)  # allowed: nothing to record
    notes.append((x.tolist(), state(b)))
    w = lib.ones(2, requires_grad=True)
    attempt(notes, lambda: b.mul_(w))  # now something would be recorded
    x.requires_grad_()
    attempt(notes, lambda: b.mul_(2))  # b requires grad through its base
    notes.append(state(b))


@program
def pieces_read_after_their_base_changed(lib: ModuleType, notes: list[Any]) -> None:
    for grad_mode in (True, False):
        x = lib.zeros(4, requires_grad=True).clone()
        a, b = x.split(2)
        with lib.set_grad_enabled(grad_mode):
            x.mul_(2)
        notes.append((state(a), state(b), repr(a)))
        attempt(notes, lambda a=a: a * 2)
        attempt(notes, lambda a=a: a.detach())
        attempt(notes, lambda a=a: a.requires_grad_())
    x = lib.zeros(4, requires_grad=True).clone()
    a, b = x.unbind()[:2]
    with lib.no_grad():
        a.add_(1)  # allowed under no_grad; reading either piece then is not
    notes.append((state(a), state(b)))
    x.sum().backward()


@program
def views_of_pieces(lib: ModuleType, notes: list[Any]) -> None:
    x = lib.zeros(4, 2, requires_grad=True).clone()
    a, b = x.split(2)
    attempt(notes, lambda: a.view(4).mul_(2))
    for index in [(Ellipsis,), (slice(None),), (slice(0, 2),), ([0],), (None,)]:
        attempt(notes, lambda i=index[0]: a.__setitem__(i, 1.0))
    for index in [0, (slice(None), 1), (slice(0, 1),), (slice(None), None), (0, Ellipsis)]:
        attempt(notes, lambda i=index: b.__setitem__(i, 1.0))


@program
def views_made_under_no_grad(lib: ModuleType, notes: list[Any]) -> None:
    x = lib.zeros(3, requires_grad=True)
    with lib.no_grad():
        v = x[0:2]
    attempt(notes, lambda: v.mul_(2))
    v2 = v[0:1]
    notes.append(state(v2)[:2])
    attempt(notes, lambda: v2.mul_(2))
    with lib.no_grad():
        v.mul_(2)  # allowed: both under no_grad
        x.add_(1)
    notes.append((state(v), state(x)))
    y = lib.zeros(3)
    with lib.no_grad():
        u = y[1:]
    y.add_(lib.ones(3, requires_grad=True))
    notes.append(state(u))
    z = lib.zeros(3)
    with lib.no_grad():
        s = z[1:]
    z.add_(1)  # nothing requires grad: no error
    notes.append(state(s))


def test_pieces_changed_in_place() -> None:
    a, b = mt.zeros(4, requires_grad=True).clone().split(2)
    with pytest.raises(RuntimeError) as e:
        b.tanh_()
    assert str(e.value) == "Output 1 of Split is a view and is being modified inplace." + MULTI
    a, b = mt.zeros(4).chunk(2)
    with pytest.raises(RuntimeError) as e:
        a.mul_(mt.ones(2, requires_grad=True))
    assert str(e.value) == (
        "A view was created in no_grad mode and is being modified inplace with grad mode enabled."
        + MULTI
    )
    x = mt.zeros(3, requires_grad=True)
    with mt.no_grad():
        v = x[1:]
    with pytest.raises(RuntimeError) as e:
        v.add_(1)
    assert str(e.value) == (
        "A view was created in no_grad mode and is being modified inplace with grad mode enabled."
        + NO_GRAD
    )


def test_a_stale_piece_raises_when_read() -> None:
    x = mt.zeros(4, requires_grad=True).clone()
    a, b = x.unbind()[:2]
    with mt.no_grad():
        x.mul_(2)
    assert b.requires_grad  # (asks nothing that could fail, as torch)
    with pytest.raises(RuntimeError) as e:
        b.is_leaf  # noqa: B018
    assert str(e.value) == (
        "Output 1 of Unbind is a view and its base or another view of its base has been "
        "modified inplace." + MULTI
    )
    assert repr(b) == "tensor(0., grad_fn=<Invalid>)"


def test_split_is_one_node() -> None:
    x = mt.tensor([1.0, 2.0, 3.0, 4.0, 5.0], requires_grad=True)
    a, b = x.split([2, 3])
    c, d, e = x.chunk(3)
    assert a.grad_fn is b.grad_fn and a.grad_fn.name() == "SplitWithSizesBackward0"
    assert c.grad_fn is e.grad_fn and c.grad_fn.name() == "SplitBackward0"
    assert (b._output_nr, e._output_nr) == (1, 2)
    (b * b).sum().backward()  # a unused: zeros for it
    assert x.grad is not None and x.grad.tolist() == [0.0, 0.0, 6.0, 8.0, 10.0]


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_views_against_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = account(mt, PROGRAMS[name]), account(torch, PROGRAMS[name])
    assert ours == theirs
