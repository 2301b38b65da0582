"""Containers: `nn.Sequential` (modules applied one after another), `nn.ModuleList` and
`nn.ModuleDict` (a list and a dict of modules whose parameters the parent can see)."""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from typing import Any, Optional, Union

from .module import Module


class Sequential(Module):
    """Feed the input through each module in turn: ``Sequential(a, b)(x) == b(a(x))``.

    The modules are registered under "0", "1", ... (or the keys of an OrderedDict), so their
    parameters are named "0.weight", "2.bias", ..., as in torch.

    Example::

        >>> model = nn.Sequential(nn.Linear(10, 20), nn.Tanh(), nn.Linear(20, 2))
        >>> model[0]
        Linear(in_features=10, out_features=20, bias=True)
    """

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for key, module in args[0].items():
                self.add_module(key, module)
        else:
            for index, module in enumerate(args):
                self.add_module(str(index), module)

    def forward(self, input: Any) -> Any:
        for module in self:
            input = module(input)
        return input

    def __getitem__(self, index: Union[int, slice]) -> Module:
        if isinstance(index, slice):  # keeps the original keys, as torch does
            return Sequential(OrderedDict(list(self._modules.items())[index]))
        size = len(self)
        index = operator.index(index)
        if not -size <= index < size:
            raise IndexError(f"index {index} is out of range")
        return list(self._modules.values())[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> Sequential:
        """Add `module` at the end (under the next number) and return self."""
        self.add_module(str(len(self)), module)
        return self


class ModuleList(Module):
    """A Python list of modules that the parent Module can see.

    A plain ``self.layers = [nn.Linear(...), ...]`` hides the layers from `parameters()`,
    `state_dict()` and `train()`; a ModuleList registers each one under "0", "1", ..., so
    ``layers.0.weight`` is found. It has no `forward`: loop over it yourself.

    Example::

        >>> self.layers = nn.ModuleList([nn.Linear(10, 10) for _ in range(3)])
        >>> for layer in self.layers:
        ...     x = layer(x).tanh()
    """

    def __init__(self, modules: Optional[Iterable[Module]] = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _key(self, index: int) -> str:
        """The registered name of position `index` (negative counts from the end)."""
        index = operator.index(index)
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} is out of range")
        return str(index % len(self))

    def __getitem__(self, index: Union[int, slice]) -> Any:
        if isinstance(index, slice):
            return type(self)(list(self._modules.values())[index])
        return self._modules[self._key(index)]

    def __setitem__(self, index: int, module: Module) -> None:
        self.add_module(self._key(index), module)

    def __delitem__(self, index: Union[int, slice]) -> None:
        if isinstance(index, slice):
            for k in range(len(self))[index]:
                del self._modules[str(k)]
        else:
            del self._modules[self._key(index)]
        # renumber, so the names stay "0", "1", ... with no gaps (as torch)
        modules = list(self._modules.values())
        self._modules.clear()
        for i, module in enumerate(modules):
            self._modules[str(i)] = module

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList([*self, *other])

    def append(self, module: Module) -> ModuleList:
        """Add `module` at the end and return self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Add each of `modules` at the end and return self."""
        if not isinstance(modules, Iterable):
            raise TypeError(
                "ModuleList.extend should be called with an iterable, but got "
                + type(modules).__name__
            )
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Put `module` before position `index`; the ones after it move up by one."""
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._modules.clear()
        for i, m in enumerate(modules):
            self._modules[str(i)] = m

    def pop(self, index: int = -1) -> Module:
        module = self[index]
        del self[index]
        return module

    def __repr__(self) -> str:
        """torch's: a run of identical modules prints once, as ``(0-2): 3 x Linear(...)``."""
        if len(self) == 0:
            return "ModuleList()"
        blocks: list[tuple[int, int, str]] = []  # (first index, last index, repr)
        for i, module in enumerate(self):
            text = repr(module)
            if blocks and blocks[-1][2] == text:
                blocks[-1] = (blocks[-1][0], i, text)
            else:
                blocks.append((i, i, text))
        lines = []
        for first, last, text in blocks:
            if first == last:
                lines.append(f"({first}): {text}")
            else:
                lines.append(f"({first}-{last}): {last - first + 1} x {text}")
        body = "\n".join(lines).replace("\n", "\n  ")
        return f"{type(self).__name__}(\n  {body}\n)"


class ModuleDict(Module):
    """A Python dict of modules (string keys, insertion order) that the parent Module can see.

    Each module is registered under its key, so ``heads.sentiment.weight`` is a parameter name.
    Like `ModuleList`, it has no `forward`.

    Example::

        >>> self.heads = nn.ModuleDict({"tag": nn.Linear(20, 5), "score": nn.Linear(20, 1)})
        >>> out = self.heads["tag"](h)
    """

    def __init__(self, modules: Optional[Mapping[str, Module]] = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def clear(self) -> None:
        self._modules.clear()

    def pop(self, key: str) -> Module:
        module = self[key]
        del self[key]
        return module

    def keys(self) -> KeysView[str]:
        return self._modules.keys()

    def items(self) -> ItemsView[str, Module]:
        return self._modules.items()

    def values(self) -> ValuesView[Module]:
        return self._modules.values()

    def update(self, modules: Any) -> None:
        """Add (or replace) modules from a mapping or from an iterable of (key, module) pairs."""
        if not isinstance(modules, Iterable):
            raise TypeError(
                "ModuleDict.update should be called with an iterable of key/value pairs, "
                "but got " + type(modules).__name__
            )
        if isinstance(modules, Mapping):
            for key, module in modules.items():
                self[key] = module
            return
        for j, pair in enumerate(modules):
            pair = list(pair) if isinstance(pair, Iterable) else pair
            if not isinstance(pair, list):
                raise TypeError(
                    f"ModuleDict update sequence element #{j} should be Iterable; is"
                    + type(pair).__name__
                )
            if len(pair) != 2:
                raise ValueError(
                    f"ModuleDict update sequence element #{j} has length {len(pair)}; 2 is required"
                )
            self[pair[0]] = pair[1]
