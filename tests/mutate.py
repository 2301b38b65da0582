"""A small AST mutator: every one-change mutant of a Python file, to test that checks catch them.

Each mutant changes one thing the way a slip of the keyboard or of the mind would: ``+`` for
``-``, ``*`` for ``/``, a comparison turned round, a constant nudged (0 -> 1, 1 -> 0 or 2,
n -> 0 or n + 1, True <-> False), a term of a sum dropped (``a + b`` -> ``a`` or ``b``), a
sign dropped, ``+=`` written as ``=``, another ``axis=``/``dim=``, the first two arguments of
a call swapped, a call on a line of its own left out (``optimizer.zero_grad()``), a
one-argument call unwrapped (``reversed(range(T))`` -> ``range(T)``), or a ``.T`` dropped.
Type annotations and docstrings are left alone. Some mutants do not change behaviour at all
(equivalent mutants): no check can catch those.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SWAP_BINOP: dict[type, type] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.MatMult: ast.Mult,
    ast.Pow: ast.Mult,
}
ARITHMETIC = tuple(SWAP_BINOP)
NEGATE_COMPARE: dict[type, type] = {
    ast.Lt: ast.GtE,
    ast.GtE: ast.Lt,
    ast.Gt: ast.LtE,
    ast.LtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
TURN_COMPARE: dict[type, type] = {
    ast.Lt: ast.Gt,
    ast.Gt: ast.Lt,
    ast.LtE: ast.GtE,
    ast.GtE: ast.LtE,
}
AXIS_WORDS = {"axis", "dim", "axes"}


@dataclass(frozen=True)
class Mutant:
    line: int
    what: str  # e.g. "+ -> -", "drop right of +", "+= -> ="
    source: str


def _skipped(tree: ast.AST) -> set[int]:
    """ids of nodes inside annotations and docstrings: mutating those changes nothing."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        parts: list[Any] = []
        if isinstance(node, ast.arg) and node.annotation:
            parts.append(node.annotation)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns:
            parts.append(node.returns)
        if isinstance(node, ast.AnnAssign):
            parts.append(node.annotation)
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Subscript):
            parts.append(node.value)  # a type alias: Number = Union[int, float]
        for part in parts:
            skip.update(id(n) for n in ast.walk(part))
    return skip


def _edits(node: ast.AST) -> list[tuple[str, Callable[[ast.AST], ast.AST]]]:
    """The one-change edits of `node`: (description, function returning the replacement)."""
    out: list[tuple[str, Callable[[ast.AST], ast.AST]]] = []
    sym = lambda op: {  # noqa: E731
        ast.Add: "+",
        ast.Sub: "-",
        ast.Mult: "*",
        ast.Div: "/",
        ast.MatMult: "@",
        ast.Pow: "**",
    }.get(type(op), type(op).__name__)

    if isinstance(node, ast.BinOp) and isinstance(node.op, ARITHMETIC):
        new_op = SWAP_BINOP[type(node.op)]
        out.append((f"{sym(node.op)} -> {sym(new_op())}", lambda n: _set(n, "op", new_op())))
        out.append((f"drop right of {sym(node.op)}", lambda n: n.left))
        out.append((f"drop left of {sym(node.op)}", lambda n: n.right))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not)):
        out.append(("drop unary " + type(node.op).__name__, lambda n: n.operand))
    elif isinstance(node, ast.Compare):
        op = type(node.ops[0])
        if op in NEGATE_COMPARE:
            new = NEGATE_COMPARE[op]
            out.append((f"{op.__name__} -> {new.__name__}", lambda n: _set_first_op(n, new)))
        if op in TURN_COMPARE:
            new2 = TURN_COMPARE[op]
            out.append((f"{op.__name__} -> {new2.__name__}", lambda n: _set_first_op(n, new2)))
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
        v = node.value
        values = [1] if v == 0 else [0, 2] if v == 1 else [0, v + 1]
        for new_v in values:
            out.append((f"{v!r} -> {new_v!r}", lambda n, nv=new_v: ast.Constant(type(v)(nv))))
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        out.append((f"{node.value} -> {not node.value}", lambda n: ast.Constant(not n.value)))
    elif isinstance(node, ast.AugAssign):
        out.append(("augmented -> =", lambda n: ast.Assign([n.target], n.value, lineno=n.lineno)))
        if type(node.op) in SWAP_BINOP:
            new_aug = SWAP_BINOP[type(node.op)]
            out.append(
                (f"{sym(node.op)}= -> {sym(new_aug())}=", lambda n: _set(n, "op", new_aug()))
            )
    elif isinstance(node, ast.keyword) and node.arg in AXIS_WORDS:
        value = node.value
        if isinstance(value, ast.Constant) and type(value.value) is int:
            k = value.value
            new_k = k + 1 if k >= 0 else k - 1
            out.append(
                (f"{node.arg}={k} -> {new_k}", lambda n: ast.keyword(n.arg, ast.Constant(new_k)))
            )
        else:
            out.append((f"{node.arg}=... -> 0", lambda n: ast.keyword(n.arg, ast.Constant(0))))
    elif isinstance(node, ast.Attribute) and node.attr == "T":
        out.append(("drop .T", lambda n: n.value))
    elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        out.append(("drop the call " + ast.unparse(node.value)[:40], lambda n: ast.Pass()))
    elif isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
        name = ast.unparse(node.func)
        out.append((f"unwrap {name}(...)", lambda n: n.args[0]))
    elif (
        isinstance(node, ast.Call)
        and len(node.args) >= 2
        and not any(isinstance(a, ast.Starred) for a in node.args[:2])
    ):
        out.append(
            (
                "swap the first two arguments",
                lambda n: _set(n, "args", [n.args[1], n.args[0], *n.args[2:]]),
            )
        )
    return out


def _set(node: ast.AST, field: str, value: Any) -> ast.AST:
    setattr(node, field, value)
    return node


def _set_first_op(node: Any, op: type) -> ast.AST:
    node.ops = [op(), *node.ops[1:]]
    return node


def _replace(parent: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for field, value in ast.iter_fields(parent):
        if value is old:
            setattr(parent, field, new)
            return
        if isinstance(value, list):
            for i, item in enumerate(value):
                if item is old:
                    value[i] = new
                    return
    raise ValueError("node not found in its parent")


def mutants(source: str) -> list[Mutant]:
    """Every one-change mutant of `source`, in source order."""
    tree = ast.parse(source)
    skip = _skipped(tree)
    sites = [
        (i, what)
        for i, node in enumerate(ast.walk(tree))
        if id(node) not in skip
        for what, _ in _edits(node)
    ]
    result = []
    for i, what in sites:
        clone = copy.deepcopy(tree)
        nodes = list(ast.walk(clone))
        node = nodes[i]
        parents = {id(c): p for p in nodes for c in ast.iter_child_nodes(p)}
        edit = dict(_edits(node))[what]
        new = edit(node)
        if new is not node:
            _replace(parents[id(node)], node, new)
        ast.fix_missing_locations(clone)
        result.append(Mutant(getattr(node, "lineno", 0), what, ast.unparse(clone)))
    return result
