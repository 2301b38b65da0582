"""Placeholders: torch's names that minitorch_rnn does not implement, and one clear error.

A script written for PyTorch often *mentions* more than it uses: ``from torch.nn import
Transformer`` at the top, a class that subclasses ``nn.TransformerEncoderLayer`` but is never
built, ``torch.vmap`` behind a flag. So that such a script gets as far as it can, every
public name of torch 2.13 (``torch.__all__``, ``torch.nn``, ``torch.nn.functional``; the list
is ``_torch_names.txt``, written by ``tests/reference/make_torch_names.py``) that we do not
define exists here as a *placeholder*: a class that can be imported and subclassed, and that
raises `UnsupportedError` the moment it is used -- called, instantiated, or asked for an
attribute:

    >>> from minitorch_rnn.nn import Transformer          # fine
    >>> class MyModel(Transformer): ...                    # fine
    >>> Transformer(d_model=16)
    minitorch_rnn.UnsupportedError: minitorch_rnn is a small NumPy CPU framework for learning;
    torch.nn.Transformer is not part of it (see docs/differences.md)

The mechanism is a module-level ``__getattr__`` (PEP 562): Python calls it only when normal
lookup fails, so whatever the package really defines always wins, and a placeholder
disappears by itself the day the name is implemented.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import pathlib
from collections.abc import Callable
from typing import Any, NoReturn

__all__ = ["UnsupportedError", "module_getattr", "placeholder", "torch_names"]

NAMES_FILE = pathlib.Path(__file__).with_name("_torch_names.txt")


class UnsupportedError(NotImplementedError):
    """A PyTorch feature that minitorch_rnn does not have.

    A subclass of `NotImplementedError` (itself a `RuntimeError`), so ``except RuntimeError``
    and ``except NotImplementedError`` both catch it.
    """


def unsupported(torch_name: str) -> NoReturn:
    """Raise the one message every placeholder gives."""
    raise UnsupportedError(
        f"minitorch_rnn is a small NumPy CPU framework for learning; {torch_name} is not part "
        "of it (see docs/differences.md)"
    )


class _PlaceholderMeta(type):
    """The type of a placeholder class: asking it for an attribute (``torch.cuda.Stream.x``)
    is using it too, so that raises the clear error instead of a bare AttributeError."""

    _torch_name: str

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("_"):  # Python's own probing (copy, pickle, typing, pytest)
            raise AttributeError(name)
        unsupported(f"{cls._torch_name}.{name}")

    def __repr__(cls) -> str:
        return f"<placeholder for {cls._torch_name}>"


class _Placeholder(metaclass=_PlaceholderMeta):
    _torch_name = "this name"

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        # (a subclass that a user wrote names the torch class it derives from)
        base = next(c for c in cls.__mro__ if "_torch_name" in c.__dict__)
        unsupported(base.__dict__["_torch_name"])


@functools.cache
def placeholder(torch_name: str) -> type:
    """The placeholder class for `torch_name` (e.g. ``"torch.nn.Transformer"``); one per name,
    so ``nn.Transformer is nn.Transformer`` and ``isinstance`` checks behave."""
    short = torch_name.rsplit(".", 1)[-1]
    return _PlaceholderMeta(
        short,
        (_Placeholder,),
        {
            "_torch_name": torch_name,
            "__doc__": (
                f"Placeholder for {torch_name}: importable and subclassable; using it raises "
                "UnsupportedError."
            ),
        },
    )


@functools.cache
def torch_names() -> dict[str, frozenset[str]]:
    """The stored lists: ``{"torch": {...}, "torch.nn": {...}, "torch.nn.functional": {...}}``."""
    sections: dict[str, set[str]] = {}
    current: set[str] = set()
    for line in NAMES_FILE.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), set())
        else:
            current.add(line)
    return {section: frozenset(names) for section, names in sections.items()}


def module_getattr(module_name: str, torch_module: str) -> Callable[[str], Any]:
    """A PEP 562 ``__getattr__`` for `module_name` that answers torch's names with placeholders.

    Used as ``__getattr__ = module_getattr(__name__, "torch.nn")`` at the bottom of a module.
    A submodule of ours that is not imported yet is imported instead (``mt.x`` must never hide
    a real ``minitorch_rnn/x.py``); any other unknown name is an ordinary AttributeError.
    """

    def __getattr__(name: str) -> Any:
        if name in torch_names().get(torch_module, ()):
            if _has_submodule(module_name, name):
                return importlib.import_module(f"{module_name}.{name}")
            return placeholder(f"{torch_module}.{name}")
        raise AttributeError(f"module '{module_name}' has no attribute '{name}'")

    return __getattr__


@functools.cache
def _has_submodule(module_name: str, name: str) -> bool:
    try:
        return importlib.util.find_spec(f"{module_name}.{name}") is not None
    except ModuleNotFoundError:  # `module_name` is a file, not a package: no submodules
        return False
