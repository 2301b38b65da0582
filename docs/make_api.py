"""Write docs/api.md from the package's own `__all__` lists and docstrings.

    python docs/make_api.py          # rewrite docs/api.md
    python docs/make_api.py --check  # exit 1 if docs/api.md is out of date (the tests run this)
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
from pathlib import Path

API = Path(__file__).resolve().parent / "api.md"
sys.path.insert(0, str(API.parent.parent))  # document this checkout, not another installed copy

# Tensor's slots have no docstrings of their own.
SLOTS = {
    "data": "The same memory as a Tensor outside autograd (torch's `.data`); prefer `detach()`.",
    "grad": "After `backward()`: d(output)/d(this tensor), for leaves (and `retain_grad()` ones).",
    "grad_fn": "The tape node (a `Function`) that made this tensor; `None` for leaves.",
}

SECTIONS = [
    ("minitorch_rnn", "Tensors, factories and math (`import minitorch_rnn as mt`)"),
    ("minitorch_rnn.random", "Random numbers, as torch's CPU generator (`mt.random`)"),
    ("minitorch_rnn.autograd", "The tape (`mt.autograd`)"),
    ("minitorch_rnn.nn", "Layers and losses (`mt.nn`)"),
    ("minitorch_rnn.nn.functional", "Functions (`mt.nn.functional`, usually `F`)"),
    ("minitorch_rnn.nn.init", "Initialisation (`mt.nn.init`)"),
    ("minitorch_rnn.nn.utils", "Gradient utilities (`mt.nn.utils`)"),
    ("minitorch_rnn.nn.utils.rnn", "Variable-length batches (`mt.nn.utils.rnn`)"),
    ("minitorch_rnn.optim", "Optimizers (`mt.optim`)"),
    ("minitorch_rnn.optim.lr_scheduler", "Learning-rate schedules (`mt.optim.lr_scheduler`)"),
    ("minitorch_rnn.serialization", "Files (`mt.save`, `mt.load`, `mt.serialization`)"),
    ("minitorch_rnn.utils.data", "Data loading (`mt.utils.data`)"),
    ("minitorch_rnn.viz", "Drawing the tape (`mt.viz`)"),
]


def first_line(obj: object) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.strip().split("\n\n")[0].replace("\n", " ")


def escape(text: str) -> str:
    return text.replace("|", "\\|")


class _Named:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


def signature(obj: object) -> str:
    """The call signature without type annotations: easier to read in a table."""
    try:
        sig = inspect.signature(obj)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    params = [
        p.replace(annotation=inspect.Parameter.empty, default=_Named(p.default.__name__))
        if inspect.ismodule(p.default)  # `pickle`, not "<module 'pickle' from '/usr/...'>"
        else p.replace(annotation=inspect.Parameter.empty)
        for p in sig.parameters.values()
    ]
    return str(sig.replace(parameters=params, return_annotation=inspect.Signature.empty))


def render() -> str:
    out = [
        "# API reference",
        "",
        "Generated from the docstrings by [`make_api.py`](make_api.py); every name here is",
        "exported in its module's `__all__`. The names, arguments and meanings are PyTorch's",
        "unless the line says otherwise ([what differs](differences.md)).",
        "",
    ]
    for module_name, title in SECTIONS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        out += [f"## {title}", "", "| name | what it is |", "|---|---|"]
        for name in sorted(getattr(module, "__all__", []), key=str.lower):
            obj = getattr(module, name)
            if inspect.ismodule(obj):
                what = f"module — {first_line(obj)}"
                out.append(f"| `{name}` | {what} |")
                continue
            sig = signature(obj) if callable(obj) else ""
            what = first_line(obj) if (callable(obj) or inspect.isclass(obj)) else f"`{obj!r}`"
            if inspect.isclass(obj):
                what = what or "class"
            out.append(f"| `{name}{sig}` | {escape(what)} |")
        out.append("")
    tensor = importlib.import_module("minitorch_rnn").Tensor
    out += ["## `Tensor` methods and attributes", "", "| name | what it is |", "|---|---|"]
    members: dict[str, object] = {}
    for cls in reversed(tensor.__mro__[:-1]):  # Tensor and its mixins (_tensor_math.py, ...)
        members.update(vars(cls))
    for name, member in sorted(members.items()):
        if name.startswith("_"):
            continue
        member = member.fget if isinstance(member, property) else member
        what = SLOTS.get(name) or first_line(member)
        out.append(f"| `{name}` | {escape(what)} |")
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="only check that api.md is current")
    args = parser.parse_args()
    text = render()
    if args.check:
        if not API.exists() or API.read_text(encoding="utf-8") != text:
            print("docs/api.md is out of date: run python docs/make_api.py", file=sys.stderr)
            return 1
        return 0
    API.write_text(text, encoding="utf-8")
    print(f"wrote {API}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
