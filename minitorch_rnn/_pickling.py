"""Whole objects in a checkpoint, as torch saves them: pickle -- and torch's `weights_only` guard.

(Read `serialization.py` and `_npz_format.py` first; this is the part for objects the JSON tree
cannot describe: a Module, an optimizer, a set, your own class.)

**Saving.** The object is pickled, but its arrays are not: `persistent_id` turns every ndarray
into a name (``("array", "data/0")``) and the array goes into the archive as a checked `.npy`,
as torch puts storages beside ``data.pkl``. A Tensor is pickled as a call to
`_rebuild_tensor(array, requires_grad)` -- torch's ``_rebuild_tensor_v2`` in small.

**Loading.** Unpickling is running a small program: ``GLOBAL os system`` fetches a function
and ``REDUCE`` calls it. So `load` (``weights_only=True``, the default, as torch 2.6+) uses an
unpickler whose `find_class` hands out only an allowlist -- containers, our rebuild functions,
and what you allow with `add_safe_globals` / `safe_globals` -- and refuses anything else with
torch's ``pickle.UnpicklingError``; as torch's, it lets ``BUILD`` (set an object's state),
``APPEND`` and ``SETITEM`` act only on allowed types, so no Tensor gets a string for its array.
Only the caller's ``weights_only=False`` runs arbitrary code.
Before either, the stream is scanned: every length it declares must fit in the bytes that are
there, so a crafted header cannot make the unpickler allocate terabytes.
"""

from __future__ import annotations

import _compat_pickle
import io
import pickle
import pickletools
from collections import Counter, OrderedDict
from collections.abc import Callable
from typing import Any, Union

import numpy as np

from ._npz_format import ARRAY_DESCRS, BadCheckpoint
from ._tensor import Tensor
from .device import device
from .dtypes import _NAMES as TENSOR_DTYPES
from .nn.parameter import Parameter

SafeGlobal = Union[Callable[..., Any], tuple[Callable[..., Any], str]]


# ================================================================================= saving
def dumps(obj: Any, pickle_module: Any, protocol: int) -> tuple[bytes, dict[str, np.ndarray]]:
    """The pickle of `obj` and the arrays it refers to by name."""
    arrays: dict[str, np.ndarray] = {}
    names: dict[int, str] = {}  # id(array) -> name: an array met twice is stored once

    class Pickler(pickle_module.Pickler):
        def persistent_id(self, obj: Any) -> Any:
            if type(obj) is not np.ndarray or obj.dtype.str not in ARRAY_DESCRS:
                return None  # pickled as usual (object arrays: numpy's own reduce)
            if id(obj) not in names:
                names[id(obj)] = f"data/{len(arrays)}"
                arrays[names[id(obj)]] = obj
            return ("array", names[id(obj)])

        def reducer_override(self, obj: Any) -> Any:
            return _reduce_tensor(obj) if isinstance(obj, Tensor) else NotImplemented

    buffer = io.BytesIO()
    Pickler(buffer, protocol).dump(obj)
    return buffer.getvalue(), arrays


def _reduce_tensor(t: Tensor) -> tuple[Any, ...]:
    if t.dtype not in TENSOR_DTYPES:
        raise TypeError(f"cannot save a Tensor of dtype {t.dtype}: minitorch_rnn cannot load it")
    if type(t) is Tensor:
        return _rebuild_tensor, (t._data, t.requires_grad)
    if type(t) is Parameter:
        return _rebuild_parameter, (t._data, t.requires_grad)
    return _rebuild_from_type, (type(t), t._data, t.requires_grad, dict(getattr(t, "__dict__", {})))


def _checked(array: Any, requires_grad: Any) -> np.ndarray:
    if type(array) is not np.ndarray or array.dtype not in TENSOR_DTYPES:
        raise ValueError(f"a tensor needs an array of a minitorch_rnn dtype, got {type(array)}")
    if type(requires_grad) is not bool:
        raise ValueError(f"requires_grad must be a bool, got {type(requires_grad)}")
    return array


def _rebuild_tensor(array: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor(_checked(array, requires_grad), requires_grad=requires_grad)


def _rebuild_parameter(array: np.ndarray, requires_grad: bool) -> Parameter:
    return Parameter(_checked(array, requires_grad), requires_grad=requires_grad)


def _rebuild_from_type(cls: type, array: np.ndarray, requires_grad: bool, state: dict) -> Tensor:
    """A Tensor subclass: `cls` itself must be allowed (it is a global in the pickle)."""
    if not (isinstance(cls, type) and issubclass(cls, Tensor)) or type(state) is not dict:
        raise ValueError(f"cannot rebuild a tensor of type {cls!r}")
    t = Tensor.__new__(cls)
    Tensor.__init__(t, _checked(array, requires_grad), requires_grad=requires_grad)
    if state:
        vars(t).update(state)
    return t


# ================================================================ what weights_only allows
def _bytearray(*args: Any) -> bytearray:
    # torch allows bytearray; an int argument would allocate that many bytes, so not that
    if args and not isinstance(args[0], (bytes, str)):
        raise ValueError("bytearray may only be rebuilt from bytes")
    return bytearray(*args)


def _encode(text: str, encoding: str = "utf-8") -> bytes:
    # protocol 2 pickles bytes as _codecs.encode(text, "latin1"); other codecs are refused
    if type(text) is not str or encoding not in ("latin1", "latin-1"):
        raise ValueError(f"_codecs.encode is only allowed for latin1 text, not {encoding!r}")
    return text.encode("latin1")


DEFAULT_GLOBALS: dict[str, Any] = {  # what torch's _get_allowed_globals allows, in our terms
    "collections.OrderedDict": OrderedDict,
    "collections.Counter": Counter,
    "builtins.set": set,
    "builtins.complex": complex,
    "builtins.bytearray": _bytearray,
    "_codecs.encode": _encode,
    "minitorch_rnn.device.device": device,  # torch allows torch.device
    **{
        f"{__name__}.{f.__name__}": f
        for f in (_rebuild_tensor, _rebuild_parameter, _rebuild_from_type)
    },
}
BLOCKED_MODULES = ("sys", "os", "posix", "nt")  # never, even if allowlisted (torch's list)

_marked_safe_globals: set[SafeGlobal] = set()


def add_safe_globals(safe_globals: list[SafeGlobal]) -> None:
    """Mark classes/functions as safe for ``weights_only`` load: a pickle may then create and
    call them. An item is ``f`` (known as ``f.__module__ + "." + f.__qualname__``) or
    ``(f, "full.name")``, as torch.serialization.add_safe_globals."""
    global _marked_safe_globals
    _marked_safe_globals = _marked_safe_globals.union(set(safe_globals))


def get_safe_globals() -> list[SafeGlobal]:
    """The globals added with `add_safe_globals` (the defaults are not listed)."""
    return list(_marked_safe_globals)


def clear_safe_globals() -> None:
    """Forget every global added with `add_safe_globals`."""
    global _marked_safe_globals
    _marked_safe_globals = set()


class safe_globals:
    """Context manager: ``with safe_globals([Net]): load(f)`` allows `Net` inside the block."""

    def __init__(self, safe_globals: list[SafeGlobal]) -> None:
        self.safe_globals = safe_globals

    def __enter__(self) -> None:
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc: Any) -> None:
        global _marked_safe_globals
        _marked_safe_globals = _marked_safe_globals - set(self.safe_globals)


def _user_allowed_globals() -> dict[str, Any]:
    allowed = {}
    for item in _marked_safe_globals:
        if isinstance(item, tuple):
            if len(item) != 2:
                raise ValueError(
                    "Expected tuple of length 2 (global, str of callable full path), but got "
                    f"tuple of length: {len(item)}"
                )
            if type(item[1]) is not str:
                raise TypeError(
                    "Expected second item in tuple to be str of callable full path, but got: "
                    f"{type(item[1])}"
                )
            allowed[item[1]] = item[0]
        else:
            allowed[f"{item.__module__}.{item.__qualname__}"] = item
    return allowed


# ================================================================================ loading
def loads(data: bytes, arrays: dict[str, np.ndarray], weights_only: bool, pickle_module: Any,
          pickle_load_args: dict[str, Any]) -> Any:  # fmt: skip
    """Unpickle `data`, its persistent ids resolved from `arrays`."""
    check_stream(data)
    base = _WeightsUnpickler if weights_only else pickle_module.Unpickler

    class Unpickler(base):  # type: ignore[misc, valid-type]
        def persistent_load(self, pid: Any) -> Any:
            if type(pid) is not tuple or len(pid) != 2 or pid[0] != "array" or pid[1] not in arrays:
                raise ValueError(f"unknown persistent id {pid!r}")
            return arrays[pid[1]]

    return Unpickler(io.BytesIO(data), **pickle_load_args).load()


_PythonUnpickler: Any = pickle._Unpickler  # the pure-Python one: its opcodes can be overridden


class _WeightsUnpickler(_PythonUnpickler):
    """torch's weights_only unpickler, the Python way: only allowlisted globals resolve, and
    only allowed objects are built, appended to or assigned into (torch's rules)."""

    dispatch: dict[int, Any] = dict(_PythonUnpickler.dispatch)

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _compat_pickle.NAME_MAPPING:  # Python 2 names (protocol 2)
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        full_path = f"{module}.{name}"
        if module in BLOCKED_MODULES:
            raise pickle.UnpicklingError(
                f"Trying to load unsupported GLOBAL {full_path} whose module {module} is blocked."
            )
        if full_path in DEFAULT_GLOBALS:
            return DEFAULT_GLOBALS[full_path]
        user_allowed = _user_allowed_globals()
        if full_path in user_allowed:
            return user_allowed[full_path]
        if full_path.startswith("builtins."):
            full_path = full_path[len("builtins.") :]
        raise pickle.UnpicklingError(
            f"Unsupported global: GLOBAL {full_path} was not an allowed global by default. "
            f"Please use `minitorch_rnn.serialization.add_safe_globals([{full_path}])` or the "
            f"`minitorch_rnn.serialization.safe_globals([{full_path}])` context manager to "
            "allowlist this global if you trust this class/function."
        )

    def _target(self, at: int, types: tuple[type, ...], message: str) -> Any:
        target = self.stack[at]
        if type(target) not in types:
            raise pickle.UnpicklingError(f"{message}, but got {type(target)}")
        return target

    def load_build(self) -> None:  # BUILD sets an object's state: only on an allowed class
        known = [*DEFAULT_GLOBALS.values(), *_user_allowed_globals().values()]
        self._target(-2, tuple(g for g in known if isinstance(g, type)), "Can only build "
                     "OrderedDict, device or types allowlisted via `add_safe_globals`")  # fmt: skip
        super().load_build()

    def load_append(self) -> None:
        self._target(-2, (list,), "Can only append to lists")
        super().load_append()

    def load_appends(self) -> None:
        items = self.pop_mark()
        self._target(-1, (list,), "Can only extend lists").extend(items)

    def load_setitem(self) -> None:
        self._target(-3, DICTS, "Can only SETITEM for " + DICT_NAMES)
        super().load_setitem()

    def load_setitems(self) -> None:
        items = self.pop_mark()
        target = self._target(-1, DICTS, "Can only SETITEMS for " + DICT_NAMES)
        for i in range(0, len(items), 2):
            target[items[i]] = items[i + 1]

    def load_additems(self) -> None:
        items = self.pop_mark()
        self._target(-1, (set,), "Can only ADDITEMS to sets").update(items)

    dispatch[pickle.BUILD[0]] = load_build
    dispatch[pickle.APPEND[0]] = load_append
    dispatch[pickle.APPENDS[0]] = load_appends
    dispatch[pickle.SETITEM[0]] = load_setitem
    dispatch[pickle.SETITEMS[0]] = load_setitems
    dispatch[pickle.ADDITEMS[0]] = load_additems


DICTS = (dict, OrderedDict, Counter)
DICT_NAMES = "dict, collections.OrderedDict, collections.Counter"


def check_stream(data: bytes) -> None:
    """Walk the pickle's opcodes without running them: each declared length must fit in the
    bytes that follow, memo slots must be plausible, and STOP must be the last byte."""
    stop = -1
    try:
        for opcode, arg, pos in pickletools.genops(data):
            assert pos is not None  # (genops knows positions in bytes)
            size = arg if isinstance(arg, int) else 0
            if opcode.name in ("PUT", "BINPUT", "LONG_BINPUT") and size >= len(data):
                raise ValueError(f"memo index {arg} at byte {pos}")  # it would size the memo
            if opcode.name == "FRAME" and pos + 9 + size > len(data):
                raise ValueError(f"a frame of {arg} bytes at byte {pos}")
            if opcode.name == "STOP":
                stop = pos
    except Exception as e:  # ValueError for truncated arguments, unknown opcodes, ...
        raise BadCheckpoint(f"the pickle is damaged ({e})") from None
    if stop != len(data) - 1:
        raise BadCheckpoint(f"the pickle ends at byte {stop}, not at its last byte")
