"""`Module`: the base of every layer. It finds its Parameters and sub-Modules by itself.

Assigning ``self.weight = Parameter(...)`` or ``self.cell = RNNCell(...)`` registers it, so
`parameters()`, `state_dict()`, `zero_grad()`, `train()` and `repr()` all know about it.
Names and formats are torch's, so weights move between the two.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple, Optional

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..autograd.hooks import RemovableHandle
from ..autograd.hooks import add as add_hook
from ..dtypes import dtype_name, float32, float64, to_dtype
from .parameter import Parameter


class IncompatibleKeys(NamedTuple):
    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_backward_hooks", OrderedDict())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        d = self.__dict__
        if d.get("_forward_pre_hooks") or d.get("_forward_hooks") or d.get("_backward_hooks"):
            from . import module_hooks  # (hooks: see module_hooks.py)

            return module_hooks.call(self, args, kwargs)
        return self.forward(*args, **kwargs)

    # ---- hooks: watch forward and backward from code (see module_hooks.py) -----------------
    def register_forward_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """``hook(module, args)`` before each forward; a returned value replaces the args."""
        return add_hook(self.__dict__["_forward_pre_hooks"], hook)

    def register_forward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """``hook(module, args, output)`` after each forward; a returned value replaces output."""
        return add_hook(self.__dict__["_forward_hooks"], hook)

    def register_full_backward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """``hook(module, grad_input, grad_output)`` when the gradients with respect to the
        module's inputs are known; a returned tuple replaces grad_input."""
        return add_hook(self.__dict__["_backward_hooks"], hook)

    # ---- registration ---------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign before Module.__init__() call")
        params, modules = self.__dict__["_parameters"], self.__dict__["_modules"]
        if isinstance(value, Parameter):
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            params.pop(name, None)
            modules[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                    "(torch.nn.Parameter or None expected)"
                )
            params[name] = None
        elif name in modules and value is None:
            modules[name] = None
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        # only called when normal lookup fails: look in the registries, else a clear error
        for registry in ("_parameters", "_buffers", "_modules"):
            found = self.__dict__.get(registry, {})
            if name in found:
                return found[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for registry in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__[registry]:
                del self.__dict__[registry][name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Optional[Parameter]) -> None:
        """Register `param` (or None, e.g. ``bias=False``) under `name`."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                "(torch.nn.Parameter or None required)"
            )
        self.__dict__["_modules"].pop(name, None)
        self.__dict__.pop(name, None)
        if param is not None and param._name is None:
            param._name = name
        self.__dict__["_parameters"][name] = param

    def register_buffer(self, name: str, tensor: Optional[Tensor]) -> None:
        """A tensor that belongs in the state_dict but is not trained."""
        self.__dict__["_buffers"][name] = tensor

    def add_module(self, name: str, module: Optional[Module]) -> None:
        self.__dict__["_modules"][name] = module

    # ---- walking the tree -----------------------------------------------------------------
    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, Parameter), own ones first, each Parameter once (torch's order)."""
        seen: set[int] = set()
        modules = (
            self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
            if recurse
            else iter([(prefix, self)])
        )
        for module_prefix, module in modules:
            for name, p in module._parameters.items():
                if p is None or (remove_duplicate and id(p) in seen):
                    continue
                seen.add(id(p))
                yield (module_prefix + "." if module_prefix else "") + name, p

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for name, m in self._modules.items():
            if m is not None:
                yield name, m

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def named_modules(
        self, memo: Optional[set[Module]] = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """This module and every module below it (depth first), each once -- or, with
        ``remove_duplicate=False``, once per place it is registered. `memo`: modules to skip."""
        memo = set() if memo is None else memo
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, m = stack.pop()
            if remove_duplicate:
                if m in memo:
                    continue
                memo.add(m)
            yield name, m
            children = [((name + "." if name else "") + n, c) for n, c in m.named_children()]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call `fn` on every submodule (children first) and then on self; return self.

        The usual use is initialisation: ``model.apply(init_weights)``.
        """
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ---- modes and gradients --------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set `requires_grad` of every parameter (False: freeze the module); return self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient: ``grad = None`` (default), or fill it with zeros."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad._data[...] = 0

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """``module.to(device)``, ``.to(dtype)``, ``.to(device, dtype)``: convert every floating
        parameter and buffer to the dtype, in place (same objects); the device must be the CPU."""
        from ..device import parse_to

        dt = to_dtype(parse_to(args, kwargs))
        if dt is None:
            return self
        if dt.kind != "f":
            raise TypeError(
                "nn.Module.to only accepts floating point or complex dtypes, but got desired "
                f"dtype={dtype_name(dt)}"
            )
        for m in self.modules():
            for t in [*m._parameters.values(), *m._buffers.values()]:
                if t is not None and t.dtype.kind == "f":
                    t._data = t._data.astype(dt)
                    if t.grad is not None:
                        t.grad._data = t.grad._data.astype(dt)
        return self

    def double(self) -> Module:
        return self.to(float64)

    def float(self) -> Module:
        return self.to(float32)

    def half(self) -> Module:
        return self.to(np.float16)

    def cpu(self) -> Module:
        """Self: everything is on the CPU already."""
        return self

    def cuda(self, device: Any = None) -> Module:
        """The error: there is no GPU here."""
        from ..device import check_device

        check_device("cuda")
        return self

    # ---- saving and loading ---------------------------------------------------------------
    def state_dict(self, prefix: str = "", keep_vars: bool = False) -> OrderedDict[str, Tensor]:
        """Every parameter and buffer by dotted name, detached (torch's keys and order)."""
        out: OrderedDict[str, Tensor] = OrderedDict()
        for module_prefix, m in self.named_modules(prefix=prefix):
            dot = module_prefix + "." if module_prefix else ""
            for registry in (m._parameters, m._buffers):
                for name, t in registry.items():
                    if t is not None:
                        out[dot + name] = t if keep_vars else t.detach()
        return out

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True, assign: bool = False
    ) -> IncompatibleKeys:
        """Copy values (our Tensors, numpy arrays, torch tensors) into the parameters and buffers.

        All or nothing -- better than torch, which has copied every key that fit by the time it
        raises: every key, shape and value is checked first, and only if all of them would load
        is anything copied. Errors are torch's ``RuntimeError``, listed all at once. `assign`
        puts the loaded values in place of the parameters instead of copying into them.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        if strict:
            if missing:
                names = ", ".join(f'"{k}"' for k in missing)
                errors.append(f"Missing key(s) in state_dict: {names}. ")
            if unexpected:
                names = ", ".join(f'"{k}"' for k in unexpected)
                errors.append(f"Unexpected key(s) in state_dict: {names}. ")
        converted: dict[str, np.ndarray] = {}  # first pass: nothing is changed
        for key, target in own.items():
            if key in state_dict:
                problem, converted[key] = _convert(key, state_dict[key], target)
                if problem:
                    errors.append(problem)
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(errors)
            )
        for key, array in converted.items():  # second pass: cannot fail
            if assign:
                self._assign(key, own[key], state_dict[key])
            else:
                with no_grad():
                    own[key].copy_(array)
        return IncompatibleKeys(missing, unexpected)

    def _assign(self, key: str, target: Tensor, value: Any) -> None:
        """``assign=True``, as torch: the loaded value itself (its dtype, its memory) becomes
        the parameter, keeping the parameter's requires_grad; a buffer becomes the tensor."""
        *path, name = key.split(".")
        owner: Module = self
        for part in path:
            owner = owner._modules[part]
        array = np.asarray(value._data if isinstance(value, Tensor) else value)
        if isinstance(target, Parameter):
            owner.register_parameter(name, Parameter(array, target.requires_grad))
        else:
            owner.register_buffer(name, Tensor(array))

    # ---- printing -------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """What goes between the parentheses of this module's repr (override it)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr().split("\n") if self.extra_repr() else []
        children = [
            f"({name}): " + repr(m).replace("\n", "\n  ") for name, m in self._modules.items()
        ]
        if len(extra) == 1 and not children:
            return f"{type(self).__name__}({extra[0]})"
        lines = extra + children
        body = ("\n  " + "\n  ".join(lines) + "\n") if lines else ""
        return f"{type(self).__name__}({body})"


def _convert(key: str, value: Any, target: Tensor) -> tuple[str, np.ndarray]:
    """(an error message or "", `value` as an array of the target's dtype)."""
    if not isinstance(value, (Tensor, np.ndarray)) and not hasattr(value, "__array__"):
        return (
            f'While copying the parameter named "{key}", expected torch.Tensor or Tensor-like '
            f"object from checkpoint but received {type(value)}"
        ), np.empty(0)
    array = np.asarray(value._data if isinstance(value, Tensor) else value)
    if array.shape != target.shape:
        return (
            f"size mismatch for {key}: copying a param with shape "
            f"minitorch_rnn.Size({list(array.shape)}) from checkpoint, the shape in current "
            f"model is minitorch_rnn.Size({list(target.shape)})."
        ), array
    try:
        return "", array.astype(target.dtype)  # a copy: the checkpoint is not shared
    except (TypeError, ValueError) as e:  # e.g. an array of strings
        return (
            f'While copying the parameter named "{key}", whose dimensions in the model are '
            f"{target.shape} and whose dimensions in the checkpoint are {array.shape}, an "
            f"exception occurred : {e.args}."
        ), array
