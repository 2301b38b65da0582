"""x[index] as torch reads it: where advanced-index dims go, every ``...``, bools, and torch's
errors in torch's order; also reshape's -1 errors and cat/stack's order of checks. Compared
with torch live, on hand-picked indices and on a few hundred generated ones."""

from __future__ import annotations

import random
import warnings
from typing import Any

import numpy as np
import pytest

import minitorch_rnn as mt

torch = pytest.importorskip("torch")


def outcome(fn: Any) -> Any:
    """What `fn()` gives, or its error's type and message."""
    try:
        return ("ok", fn())
    except Exception as e:  # noqa: BLE001 -- the error is the result compared
        return ("error", type(e).__name__, str(e))


def arange(lib: Any, shape: tuple[int, ...]) -> Any:
    return lib.arange(int(np.prod(shape)), dtype=lib.float32).reshape(shape) + 1


def get(lib: Any, shape: tuple[int, ...], index: Any) -> Any:
    """x[index]: its shape and values, then x's gradient of a weighted sum of it."""
    x = arange(lib, shape).requires_grad_(True)
    y = x[index(lib)]
    (y * arange(lib, tuple(y.shape))).sum().backward()
    return tuple(y.shape), y.tolist(), x.grad.tolist()


def put(lib: Any, shape: tuple[int, ...], index: Any) -> Any:
    """x[index] = (a value of the indexed shape), and x afterwards."""
    x = arange(lib, shape)
    x[index(lib)] = arange(lib, tuple(x[index(lib)].shape)) + 100
    return x.tolist()


def same(shape: tuple[int, ...], index: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for f in (get, put):
            ours = outcome(lambda f=f: f(mt, shape, index))
            assert ours == outcome(lambda f=f: f(torch, shape, index))


def literal(i: Any) -> Any:
    return lambda lib: i


CASES = [
    # where the advanced dims go: an int selects first, it is not advanced (numpy: [0, 1])
    ((2, 2), (0, None, [])),
    ((2, 3, 4), (0, slice(None), [0, 1])),
    ((2, 3, 4), ([1], slice(None), 0)),
    ((2, 3, 4), (slice(None), 0, [2, 0])),
    ((2, 3, 4), ([0], None, [1])),
    ((2, 3, 4), (1, [0, 2], None, [1, 3])),
    ((2, 3, 4), (np.array(0), slice(None), [0])),
    # several ellipses, bools
    ((1, 1), (Ellipsis, Ellipsis)),
    ((2, 3), (Ellipsis, 0, Ellipsis)),
    ((2, 3), (Ellipsis, Ellipsis, 0)),
    ((2, 3), (Ellipsis, Ellipsis, None)),
    ((2, 3), (True, [0, 1])),
    ((2, 3), (True, None, False)),
    ((), (True, None, False)),
    # errors
    ((), 0),
    ((), 1),
    ((), (0,)),
    ((), slice(0, 1)),
    ((), [0]),
    ((2, 2), (None, 0, 2)),
    ((0,), [0]),
    ((2, 3), ([], [0, 1])),
    ((2, 3), slice(None, None, 0)),
    ((2, 3), slice(None, None, -1)),
    ((2, 3), (5, slice(None, None, 0))),
    ((2, 3, 4), ([0], slice(None), [9])),
    ((2, 3, 4), ([0, 9], [9, 0])),
    ((2, 2), (0, np.zeros(0, dtype=bool))),
    ((2, 3), (np.zeros(3, dtype=bool), [0, 1, 9])),
    ((2, 3), (np.zeros((2, 3), dtype=bool), 0)),
    ((2, 3), 1.5),
    ((2, 3), ([0], 1.5)),
    ((2, 3), np.bool_(True)),
    ((2, 0), ([[0, 1], [2, 0]], None)),  # an empty result: torch reads no index value
]


@pytest.mark.parametrize("shape, index", CASES, ids=[repr(c) for c in CASES])
def test_index_as_torch(shape: tuple[int, ...], index: Any) -> None:
    same(shape, literal(index))


def test_tensor_indices_as_torch() -> None:
    same((2, 3), lambda lib: (lib.tensor(1), [0]))  # a 0-d integer tensor selects
    same((2, 3, 4), lambda lib: (lib.tensor(0), slice(None), [0]))
    same((2, 3), lambda lib: (slice(None), lib.tensor(True)))
    same((2, 3), lambda lib: lib.tensor([0.0]))
    same((2, 3), lambda lib: (lib.tensor([0.0]), 5))  # the select's error comes first
    same((2, 3), lambda lib: lib.ones(2, 3, dtype=lib.bool))
    same((2, 3, 4), lambda lib: (lib.ones(2, 3, dtype=lib.bool), 0))


def random_item(r: random.Random) -> Any:
    k = r.random()
    if k < 0.2:
        return r.randint(-3, 3)
    if k < 0.35:
        starts, steps = [None, -3, -1, 0, 1, 2, 5], [None, None, None, 1, 2, 0, -1]
        return slice(r.choice(starts), r.choice(starts), r.choice(steps))
    if k < 0.45:
        return None
    if k < 0.52:
        return Ellipsis
    if k < 0.57:
        return r.random() < 0.5
    if k < 0.75:
        return [r.randint(-3, 3) for _ in range(r.randint(0, 3))]
    if k < 0.82:
        return [[r.randint(-2, 2) for _ in range(2)] for _ in range(r.randint(1, 2))]
    shape = tuple(r.randint(0, 3) for _ in range(r.randint(1, 2)))
    return np.array([r.random() < 0.6 for _ in range(int(np.prod(shape)))]).reshape(shape)


def test_generated_indices_as_torch() -> None:
    """Values, gradients, assignment and errors over generated index tuples: any mix of ints,
    slices, None, ..., bools, integer lists and masks, into tensors with 0-d and size-0 dims."""
    r = random.Random(12)
    for _ in range(300):
        shape = tuple(r.randint(0, 3) for _ in range(r.randint(0, 3)))
        index = tuple(random_item(r) for _ in range(r.randint(1, 4)))
        same(shape, literal(index))


RESHAPES = [
    ((2, 0), (0, -1)),
    ((2, 0), (-1, 0)),
    ((2, 0), (3, -1)),
    ((0,), (-1, 5, 0)),
    ((6,), (-1, -1)),
    ((6,), (-2, 3)),
    ((6,), (-1, -2)),
    ((6,), (0, -1)),
    ((6,), (4, -1)),
    ((6,), (7,)),
]


@pytest.mark.parametrize("shape, new", RESHAPES, ids=[repr(c) for c in RESHAPES])
def test_reshape_and_view_errors_as_torch(shape: tuple[int, ...], new: tuple[int, ...]) -> None:
    for method in ("reshape", "view"):
        ours = outcome(lambda m=method: tuple(getattr(mt.zeros(shape), m)(*new).shape))
        theirs = outcome(lambda m=method: tuple(getattr(torch.zeros(shape), m)(*new).shape))
        assert ours == theirs


JOINS = [
    ("stack", [(0,), (1,)], 2),
    ("stack", [(), (1,)], 2),
    ("stack", [(0,), (1,)], 1),
    ("cat", [(0,), (1,)], 2),
    ("cat", [(0,), (2, 3)], 1),  # a 1-D empty tensor joins anything (torch's legacy rule)
    ("cat", [(2, 3), (0,), (3, 3)], 1),
    ("cat", [(0,), (0,)], 5),
    ("cat", [(2, 3), (4, 3, 1)], 7),
    ("cat", [(), (2,)], 5),
    ("cat", [], 0),
]


@pytest.mark.parametrize("name, shapes, dim", JOINS, ids=[repr(c) for c in JOINS])
def test_cat_and_stack_check_in_torchs_order(name: str, shapes: list[Any], dim: int) -> None:
    def run(lib: Any) -> Any:
        xs = [lib.ones(s, requires_grad=True) for s in shapes]
        y = getattr(lib, name)(xs, dim=dim)
        y.sum().backward()
        return tuple(y.shape), [tuple(x.grad.shape) for x in xs]

    assert outcome(lambda: run(mt)) == outcome(lambda: run(torch))


@pytest.mark.parametrize(
    "index",
    [[0], (0, [0]), (slice(None), [5]), (0, 0), (Ellipsis, [0]), (None, [0]), [True], 0],
    ids=repr,
)
def test_setitem_on_a_leaf_checks_in_torchs_order(index: Any) -> None:
    """torch checks that x may be written after the basic items and before the advanced ones:
    a leaf's error wins over an index out of range, and names a view only if the basic items
    made one."""

    def run(lib: Any) -> Any:
        x = lib.zeros(2, 3, requires_grad=True)
        x[index] = 1

    assert outcome(lambda: run(mt)) == outcome(lambda: run(torch))


@pytest.mark.parametrize("index", [[0, None], [0, slice(None)], [[0]], [0, Ellipsis], [0, 1]])
def test_a_list_read_as_a_tuple_warns_as_torch(index: list[Any]) -> None:
    """torch warns whenever it reads a list as a tuple of indices, for x[seq] and x[seq] = v;
    the warning points at that line."""

    def caught(lib: Any, assign: bool) -> list[Any]:
        x = lib.zeros(2, 3)
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            if assign:
                x[index] = 1
            else:
                x[index]
        return seen

    for assign in (False, True):
        ours, theirs = caught(mt, assign), caught(torch, assign)
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert str(b.message).startswith(str(a.message)) and a.filename == __file__
