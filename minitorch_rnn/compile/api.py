"""`mt.compile`: record a call once, replay it while nothing it depends on has changed.

A compiled callable keeps one recorded `Program` per *signature*. The signature is everything
the call reads that the program took as fixed -- the guards:

* each argument: a tensor's shape, dtype, requires_grad and whether it has a grad_fn; any
  other argument's value;
* the tape's switches: grad mode, which engine;
* every module it reaches: training mode, each parameter's identity, array, requires_grad and
  whether its ``.grad`` is None, and the plain Python numbers in the module's attributes
  (dropout's p, say);
* every optimizer it reaches whose update is recorded op by op (SGD): each group's options
  (``lr`` -- a scheduler changes it), its parameters, and per parameter which state exists
  (SGD's momentum buffer does not on the first step, and that step is a different
  computation). Adam, AdamW, RMSprop and Adagrad are not guarded: their ``step()`` is replayed
  live (record.py's STEP), so it reads its lr, step count and state as eager does.

A call whose signature has no program yet runs eagerly while record.py writes one down; a
call whose signature has one replays it (replay.py). A recording that met something it cannot
replay (record.py says what) keeps that signature eager, with a one-time warning saying why.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, Optional

from .._tensor import Tensor
from ..autograd.grad_mode import state
from ..nn.module import Module
from ..optim.optimizer import Optimizer
from .record import BACKWARD, INPLACE, LIVE_STEPS, STEP, Program, Recorder, recording
from .replay import CompiledFunction, replay_step

CACHE_SIZE_LIMIT = 8  # torch's default too: more signatures than this, and the rest run eagerly
_NUMBERS = (bool, int, float, str, type(None))


def compile(model: Any = None, *, disable: bool = False, **torch_options: Any) -> Any:
    """``mt.compile(net)`` or ``mt.compile(step)``: the same callable, recorded and replayed.

    torch's other options (``mode=``, ``fullgraph=``, ``backend=``...) are accepted and have no
    effect: there is one backend here, record-and-replay. ``disable=True`` returns `model`.
    Used bare as a decorator (``@mt.compile``) or with options (``@mt.compile(mode=...)``).
    """
    if model is None:
        return lambda m: compile(m, disable=disable, **torch_options)
    if disable:
        return model
    return Compiled(model)


class Compiled:
    """A module or function compiled by `compile`; call it as you would call the original."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.is_module = isinstance(fn, Module)
        self.programs: dict[Any, Any] = {}  # signature -> Program, or why it stays eager (str)
        self.modules, self.optimizers = _reachable(fn)
        self._submodules = [sub for m in self.modules for sub in m.modules()]  # (walked once)
        self.recordings = 0  # how many calls recorded a program (tests and docs read it)
        self._warned: set[str] = set()

    def __repr__(self) -> str:
        return f"Compiled({self.fn!r})"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs or state.anomaly or state.retain_grads or state.recorder is not None:
            return self.fn(*args, **kwargs)  # (keyword arguments: not guarded yet)
        try:
            key = self.signature(args)
        except TypeError:  # something that cannot be part of a signature (unhashable)
            return self._eager(_unhashable(args), args)
        program = self.programs.get(key)
        if program is None:
            if len(self.programs) >= CACHE_SIZE_LIMIT:
                return self._eager(f"more than {CACHE_SIZE_LIMIT} signatures recorded", args)
            return self._record(key, args)
        if type(program) is str:
            return self._eager(program, args)
        tensors = [a for a in args if isinstance(a, Tensor)]
        if self.is_module:
            fixed = [t for kind, t in program.sinks if kind == "fixed"]
            outs = CompiledFunction.apply(*tensors, *fixed, program=program, args=tensors)
            flat = list(outs) if isinstance(outs, tuple) else [outs]
        else:
            flat = [Tensor(a) for a in replay_step(program, [t._data for t in tensors], tensors)]
        return _unflatten(program.out_spec, iter(flat))

    # ---- the guards ---------------------------------------------------------------------------
    def signature(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """Everything a recorded program took as fixed (see the module docstring)."""
        key: list[Any] = [state.enabled, state.engine]
        for a in args:
            if isinstance(a, Tensor):
                d = a._data
                key.append((d.shape, d.dtype, a._requires_grad, a.grad_fn is not None))
            else:
                key.append((type(a), a))
        for sub in self._submodules:
            key.append(sub.training)
            key.extend([(k, v) for k, v in vars(sub).items() if type(v) in _NUMBERS])
            for p in sub._parameters.values():
                if p is not None:
                    key.append((id(p), id(p._data), p._requires_grad, p._grad is None))
        for opt in self.optimizers:
            if isinstance(opt, LIVE_STEPS):
                continue  # its step() runs live at every replay: nothing of it is fixed
            for group in opt.param_groups:
                key.extend([(k, v) for k, v in group.items() if k != "params"])
                for p in group["params"]:
                    s = opt.state.get(p)
                    entries = [(k, _state_key(v)) for k, v in s.items()] if s else []
                    key.append((id(p), *entries))
        hash(tuple(key))  # (raises TypeError for an unhashable argument)
        return tuple(key)

    # ---- recording and falling back -----------------------------------------------------------
    def _record(self, key: tuple[Any, ...], args: tuple[Any, ...]) -> Any:
        tensors = [a for a in args if isinstance(a, Tensor)]
        recorder = Recorder(tensors)
        params = [p for sub in self._submodules for p in sub._parameters.values() if p is not None]
        versions = [p._version for p in params]
        with recording(recorder):
            result = self.fn(*args)
        program = recorder.program
        if _unseen_writes(program, params, versions):
            recorder.unsupported("a parameter changed in place without an op (its NumPy array)")
        flat: list[Tensor] = []
        program.out_spec = _flatten(result, flat)
        if program.out_spec is False:
            recorder.unsupported("it returned something other than tensors")
        for t in flat:
            s = recorder.slots.get(id(t._data))
            if s is None or program.template[s] is not None or s < program.n_inputs:
                recorder.unsupported("it returned a tensor that no op inside made")
                break
            program.out_slots.append(s)
            node = recorder.nodes.get(t.grad_fn) if t.grad_fn is not None else None
            if t._requires_grad and self.is_module and node is None:
                recorder.unsupported("it returned a tensor whose grad_fn was made outside")
            program.out_roots.append(None if node is None else ("n", node, t._output_nr))
        if self.is_module and any(ins[0] == BACKWARD for ins in program.code):
            recorder.unsupported("backward() inside a compiled module (compile the step instead)")
        program.plan_frees()
        self.programs[key] = recorder.why or program
        self.recordings += 1
        if recorder.why:
            self._warn(recorder.why)
        return result

    def _eager(self, why: str, args: tuple[Any, ...]) -> Any:
        self._warn(why)
        return self.fn(*args)

    def _warn(self, why: str) -> None:
        if why not in self._warned:
            self._warned.add(why)
            name = getattr(self.fn, "__name__", type(self.fn).__name__)
            warnings.warn(f"mt.compile: {name} runs eagerly: {why}", stacklevel=4)

    @property
    def code(self) -> Optional[str]:
        """The Python function a compiled step's replays run (codegen.py), for reading: of the
        most recently recorded program that has one yet (None before its second replay)."""
        made = [p.generated for p in self.programs.values() if isinstance(p, Program)]
        made = [g for g in made if g is not None]
        return made[-1].source if made else None

    def program_for(self, *args: Any) -> Optional[Program]:
        """The recorded program these arguments would replay (None if none yet, or eager)."""
        p = self.programs.get(self.signature(args))
        return p if isinstance(p, Program) else None


def _unseen_writes(program: Program, params: list[Tensor], versions: list[int]) -> bool:
    """Did the call change a parameter (its version moved) other than by a recorded in-place
    op or a live optimizer step? A replay would skip that write: an optimizer of your own that
    works on ``p.data``'s array, say."""
    seen = {id(ins[4]) for ins in program.code if ins[0] == INPLACE}
    for ins in program.code:
        if ins[0] == STEP:
            seen.update(id(p) for group in ins[1].param_groups for p in group["params"])
    return any(p._version != v and id(p) not in seen for p, v in zip(params, versions))


def _state_key(v: Any) -> Any:
    """An optimizer state entry in a signature: a tensor by identity and shape, else its value."""
    if isinstance(v, Tensor):
        return (id(v), v._data.shape)
    return v


def _reachable(fn: Any) -> tuple[list[Module], list[Optimizer]]:
    """The modules and optimizers a compiled callable reads: itself if a module; else what its
    closure, the globals it names, and its ``self`` hold (one level deep)."""
    if isinstance(fn, Module):
        return [fn], []
    found: list[Any] = []
    code = getattr(fn, "__code__", None)
    for cell in getattr(fn, "__closure__", None) or ():
        found.append(cell.cell_contents)
    if code is not None:
        glob = getattr(fn, "__globals__", {})
        found += [glob[n] for n in code.co_names if n in glob]
    owner = getattr(fn, "__self__", None)
    if owner is not None:
        found += [owner, *vars(owner).values()] if hasattr(owner, "__dict__") else [owner]
    modules = [o for o in found if isinstance(o, Module)]
    optimizers = [o for o in found if isinstance(o, Optimizer)]
    return _unique(modules), _unique(optimizers)


def _unique(objs: list[Any]) -> list[Any]:
    seen: set[int] = set()
    return [o for o in objs if not (id(o) in seen or seen.add(id(o)))]  # type: ignore[func-returns-value]


def _flatten(out: Any, flat: list[Tensor]) -> Any:
    """`out`'s tensors appended to `flat`; a spec to rebuild it (False: not only tensors)."""
    if isinstance(out, Tensor):
        flat.append(out)
        return None
    if out is None:
        return "none"
    if isinstance(out, (tuple, list)):
        specs = [_flatten(o, flat) for o in out]
        return False if False in specs else (type(out), specs)
    return False


def _unflatten(spec: Any, flat: Any) -> Any:
    if spec is None:
        return next(flat)
    if spec == "none":
        return None
    kind, specs = spec
    return kind(_unflatten(s, flat) for s in specs)


def _unhashable(args: tuple[Any, ...]) -> str:
    """Why a call has no signature: an argument, or else an optimizer's option or state."""
    try:
        hash(tuple((type(a), a) for a in args if not isinstance(a, Tensor)))
    except TypeError:
        return "an argument that is neither a tensor nor a number"
    return "an optimizer option or state entry that is not a number or a tensor (LBFGS keeps lists)"
