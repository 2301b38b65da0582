"""`nn.Sequential`: modules applied one after another."""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any, Union

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
