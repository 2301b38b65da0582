"""`save` / `load`: torch's API and security model, on a checkpoint format without surprises.

    mt.save(model.state_dict(), "model.npz")      # or an io.BytesIO
    model.load_state_dict(mt.load("model.npz"))

What a file holds (the format is in `_npz_format.py`):

* **tensors, arrays, numbers, strings and containers of them** -- a state_dict, an optimizer's
  state_dict, ``{"epoch": 3, "model": ..., "loss": tensor}`` -- are a zip of `.npy` arrays plus
  a JSON description. Loading one only ever builds those. ``numpy.load(file)["weight"]`` works
  too, and every value comes back as it went in: a Tensor as a Tensor, an ndarray as an
  ndarray, an OrderedDict as an OrderedDict, bit for bit, keys in order.
* **any other object** (``save(model)``, a set, your class) is pickled, as torch does, with its
  arrays beside the pickle (`_pickling.py`). Unpickling can run any code, so -- as torch.load
  since PyTorch 2.6 -- `load` refuses such a file with ``pickle.UnpicklingError`` unless every
  class and function it names is allowed: ``weights_only=False`` (trust the file), or
  `add_safe_globals` / ``with safe_globals([...])`` (trust those classes).

`load` checks everything in a file (CRC-32s, sizes, dtypes, nesting, structure) before it
allocates an array, and answers a damaged, truncated or crafted file with ``ValueError`` naming
the file and the reason -- never different data, never half a result.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import warnings
from collections.abc import Callable, Iterator
from typing import IO, Any, Optional, Union

import numpy as np

from . import _npz_format, _pickling
from ._npz_format import BadCheckpoint, NotATree
from ._pickling import add_safe_globals, clear_safe_globals, get_safe_globals, safe_globals
from ._tensor import Tensor

__all__ = [
    "add_safe_globals",
    "clear_safe_globals",
    "get_safe_globals",
    "load",
    "safe_globals",
    "save",
]

FileLike = Union[str, "os.PathLike[str]", IO[bytes]]
DEFAULT_PROTOCOL = 2  # torch's

UNSAFE_MESSAGE = (
    "As `torch.load` since PyTorch 2.6, `minitorch_rnn.load` defaults to `weights_only=True`. "
    "Re-running `minitorch_rnn.load` with `weights_only` set to `False` will likely succeed, "
    "but it can result in arbitrary code execution. Do it only if you got the file from a "
    "trusted source."
)
DOCS_MESSAGE = (
    "\n\nCheck the documentation of minitorch_rnn.load (docs/api.md, docs/differences.md) to "
    "learn more about types accepted by default with weights_only."
)


def save(
    obj: Any, f: FileLike, pickle_module: Any = pickle, pickle_protocol: int = DEFAULT_PROTOCOL
) -> None:
    """Write `obj` to `f` (a path, written under exactly that name, or a binary file object).

    Tensors, numpy arrays, numbers, strings, None and dicts/lists/tuples of them are stored as
    arrays plus JSON; anything else is pickled with `pickle_module` (arrays still beside it),
    which `load` refuses by default, as torch does. Nothing is written unless all of `obj` can be.
    """
    try:
        tree, arrays = _npz_format.encode_tree(obj)
    except NotATree:
        data, arrays = _pickling.dumps(obj, pickle_module, pickle_protocol)
        tree = {"pickle": list(arrays)}
        arrays = {**arrays, _npz_format.PICKLE: np.frombuffer(data, dtype=np.uint8)}
    meta = _npz_format.describe(tree)  # everything is encoded before the file is touched
    with _open(f, "wb") as file:
        _npz_format.write_archive(file, meta, arrays)


def load(f: FileLike, map_location: Any = None, pickle_module: Any = None, *,
         weights_only: Optional[bool] = None, mmap: Optional[bool] = None,
         **pickle_load_args: Any) -> Any:  # fmt: skip
    """Read what `save` wrote, from a path or a binary file object; you get back what was saved.

    ``weights_only`` (default True, unless a `pickle_module` is given) refuses pickled objects
    whose classes are not allowed (`add_safe_globals`); ``map_location`` may be ``"cpu"``, a
    device, a dict or a callable ``(array, "cpu") -> array or None``; ``mmap=True`` maps the
    arrays from the file (copy-on-write) instead of reading them.
    """
    if weights_only is None:
        weights_only = pickle_module is None
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    if pickle_load_args and weights_only:
        warnings.warn("pickle_load_args only works if `weights_only=False`.", stacklevel=2)
    pickle_load_args.setdefault("encoding", "utf-8")
    if mmap and not isinstance(f, (str, os.PathLike)):
        raise ValueError("f must be a file path in order to use the mmap argument")
    map_array = _location_mapper(map_location)
    with _open(f, "rb") as file:
        source = repr(os.fspath(f)) if isinstance(f, (str, os.PathLike)) else repr(f)
        try:
            tree, arrays = _npz_format.read_archive(file, os.fspath(f) if mmap else None)  # type: ignore[arg-type]
        except BadCheckpoint as e:
            raise ValueError(f"not a minitorch_rnn checkpoint: {source}: {e}") from None
    data = arrays.pop(_npz_format.PICKLE).tobytes() if "pickle" in tree else b""
    arrays = {name: map_array(array) for name, array in arrays.items()}
    if "pickle" not in tree:
        return _npz_format.decode_tree(tree, arrays)
    try:
        return _pickling.loads(
            data, arrays, weights_only, pickle_module or pickle, pickle_load_args
        )
    except pickle.UnpicklingError as e:
        if weights_only and ("was not an allowed global" in str(e) or "is blocked" in str(e)):
            raise pickle.UnpicklingError(_weights_only_message(str(e))) from None
        reason = f"the pickle is damaged ({e})"
    except BadCheckpoint as e:
        reason = str(e)
    except Exception as e:
        if not weights_only:
            raise  # the file's own code failed: its exception, as with torch.load
        reason = f"the pickle is damaged ({type(e).__name__}: {e})"
    raise ValueError(f"not a minitorch_rnn checkpoint: {source}: {reason}")


def _weights_only_message(message: str) -> str:
    """torch.load's text for a refused global (its _get_wo_message), naming our API."""
    if "was not an allowed global by default" in message:
        return (
            "Weights only load failed. This file can still be loaded, to do so you have two "
            "options, \033[1mdo those steps only if you trust the source of the checkpoint\033[0m. "
            f"\n\t(1) {UNSAFE_MESSAGE}\n\t(2) Alternatively, to load with `weights_only=True` "
            "please check the recommended steps in the following error message.\n\t"
            "WeightsUnpickler error: " + message + DOCS_MESSAGE
        )
    return f"Weights only load failed. {UNSAFE_MESSAGE}\n\n\n{message}{DOCS_MESSAGE}"


@contextlib.contextmanager
def _open(f: FileLike, mode: str) -> Iterator[IO[bytes]]:
    """A path is opened (and closed); a file object is used as it is, if it can seek."""
    if isinstance(f, (str, os.PathLike)):
        with open(f, mode) as file:
            yield file
        return
    if mode == "rb":
        try:
            f.seek(f.tell())
        except (OSError, AttributeError) as e:
            raise type(e)(
                f"{e}. You can only minitorch_rnn.load from a file that is seekable. Please "
                "pre-load the data into a buffer like io.BytesIO and try to load from it instead."
            ) from None
    yield f


# ================================================================================ map_location
def _location_mapper(map_location: Any) -> Callable[[np.ndarray], Any]:
    """Every array was saved on the CPU (location ``"cpu"``): what `map_location` makes of it.
    Applied to each array as it is restored, as torch applies it to each storage."""

    def restore(array: np.ndarray) -> np.ndarray:
        location: Any = "cpu"
        if callable(map_location):
            result = map_location(array, "cpu")
            if result is None:
                return array
            if isinstance(result, (Tensor, np.ndarray)):
                return result._data if isinstance(result, Tensor) else result
            raise TypeError(f"map_location should return an array or None, not {type(result)}")
        if isinstance(map_location, dict):
            location = map_location.get("cpu", "cpu")
        elif map_location is not None:
            location = map_location
        _check_location(str(location))
        return array

    return restore


def _check_location(location: str) -> None:
    if location == "cpu" or location.startswith("cpu:"):
        return
    if location.startswith("cuda"):
        raise RuntimeError(
            "Attempting to deserialize object on a CUDA device but minitorch_rnn runs on the "
            "CPU only. Please use minitorch_rnn.load with map_location='cpu' to map your "
            "storages to the CPU."
        )
    raise RuntimeError(
        f"don't know how to restore data location of numpy.ndarray (tagged with {location})"
    )
