"""`Optimizer`: the bookkeeping every optimizer shares (the update rule lives in a subclass).

An optimizer holds

* ``param_groups``: a list of dicts, each ``{"params": [tensors], "lr": ..., ...}``; options a
  group does not set are filled in from ``defaults`` (so one model can train its layers with
  different learning rates);
* ``state``: a dict keyed by parameter (tensors hash by identity) holding what the update
  rule carries from step to step, e.g. SGD's ``{"momentum_buffer": tensor}``.

``state_dict()`` replaces each parameter by its position (0, 1, 2, ... over all groups), so a
checkpoint can be loaded into a fresh optimizer over a fresh model with the same layout.
Names, formats and messages are torch's.
"""

from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, Optional, Union

import numpy as np

from .._tensor import Tensor
from ..dtypes import scalar_type_name

Params = Union[Iterable[Tensor], Iterable[dict[str, Any]]]


def typename(obj: Any) -> str:
    """`torch.typename`: ``minitorch_rnn.FloatTensor`` for a float32 tensor, else the class."""
    if isinstance(obj, Tensor):
        return f"minitorch_rnn.{scalar_type_name(obj.dtype)}Tensor"
    cls = type(obj)
    module = cls.__module__
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"


class Optimizer:
    """Base class: param groups, per-parameter state, zero_grad and (de)serialisation."""

    def __init__(self, params: Params, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                "dicts, but got " + typename(params)
            )
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []

        param_groups: list[Any] = list(params)  # reads a generator (model.parameters()) once
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (missing ones come from `defaults`)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead."
            )
        else:
            param_group["params"] = list(params)

        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but one of the params is "
                    + typename(param)
                )
            if not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            param_group.setdefault(name, default)

        ids = [id(p) for p in param_group["params"]]
        if len(ids) != len(set(ids)):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, "
                "this will cause an error; see github.com/pytorch/pytorch/issues/40967 for more "
                "information",
                stacklevel=3,
            )
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if not seen.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: ``p.grad = None`` (default), or fill them with zeros.

        With None, a parameter that gets no gradient in the next backward is skipped by the
        next step; with zeros it is still stepped (weight decay and momentum still move it).
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        p.grad.zero_()

    def step(self, closure: Optional[Callable[[], Any]] = None) -> Any:
        """Update the parameters from their `.grad` (subclasses implement the rule)."""
        raise NotImplementedError

    # ---- saving and loading ---------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [index, ...]}]}``.

        Parameters are replaced by their position over all groups; the state tensors are the
        optimizer's own (not copies), as in torch.
        """
        index: dict[int, int] = {}
        param_groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            param_groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": param_groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore options and state saved by `state_dict()` (from this class, same layout).

        Position i of the saved groups is matched to position i of our groups; state tensors
        are copied and converted to their parameter's dtype.
        """
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of "
                "optimizer's group"
            )
        id_map = {
            saved: p
            for s, g in zip(saved_groups, groups)
            for saved, p in zip(s["params"], g["params"])
        }
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in id_map:
                param = id_map[key]
                state[param] = {k: _cast(param, v, k) for k, v in value.items()}
            else:
                state[key] = value
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
        self.state = state
        self.param_groups = saved_groups

    # ---- printing -------------------------------------------------------------------------
    def __repr__(self) -> str:
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"


def zeros_like(param: Tensor) -> Tensor:
    """A state buffer: zeros of the parameter's shape and dtype (not on the tape)."""
    return Tensor(np.zeros_like(param._data))


def step_counter() -> Tensor:
    """A new ``state["step"]``: as in torch 2.x, a float32 scalar tensor, ``tensor(0.)``."""
    return Tensor(np.array(0.0, dtype=np.float32))


def mark_modified(params: list[Tensor]) -> None:
    """The update functions write straight into each parameter's array (``out=p._data``);
    bump the parameters' version counters as any in-place op does (``p.add_`` would), so a
    graph that saved a parameter before the step refuses to backward through the new values."""
    for p in params:
        p._modified()


def _cast(param: Tensor, value: Any, key: str) -> Any:
    """A copy of a saved state value; tensors (or arrays) take the parameter's float dtype."""
    if isinstance(value, (Tensor, np.ndarray)):
        array = np.array(value._data if isinstance(value, Tensor) else value)
        if key != "step" and param.dtype.kind == "f" and array.dtype.kind == "f":
            array = array.astype(param.dtype)
        return Tensor(array)
    return copy.deepcopy(value)
