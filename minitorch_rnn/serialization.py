"""`save` / `load`: checkpoints as `.npz` archives -- arrays and JSON, never pickle.

torch.save pickles, and unpickling a file can run any code in it. Here a checkpoint is a
plain zip of `.npy` arrays (the format of `numpy.savez`), read back with
``allow_pickle=False``, so loading a file only ever produces arrays, numbers and strings.

* A model's ``state_dict()`` is stored one array per key, under the key itself, so
  ``numpy.load("model.npz")["weight_ih_l0"]`` works too. Dtypes and values round-trip bit for
  bit, and so does the order of the keys.
* Nested containers (an optimizer's ``state_dict()``: dicts with int keys, lists, numbers,
  None, strings) are stored as a small JSON tree in the entry ``__minitorch_rnn__`` (every
  checkpoint has one: it is how `load` tells ours from other files); each tensor in the tree
  points at its array, which is named by its path (``state/0/momentum_buffer``).

    mt.save(model.state_dict(), "model.npz")
    model.load_state_dict(mt.load("model.npz"))
"""

from __future__ import annotations

import json
import os
import zipfile
from collections import OrderedDict
from typing import Any, Union

import numpy as np

from ._tensor import Tensor

__all__ = ["load", "save"]

PathLike = Union[str, "os.PathLike[str]"]
META_KEY = "__minitorch_rnn__"  # the JSON entry that marks (and describes) our checkpoints
FORMAT_VERSION = 1


def save(obj: Any, f: PathLike) -> None:
    """Write `obj` -- a state_dict, or any nest of dicts, lists, tuples, tensors, numpy arrays,
    numbers, strings and None -- to the file `f` (exactly that name; `.npz` is customary)."""
    arrays: dict[str, np.ndarray] = {}
    tree = _encode(obj, "", arrays)
    meta = json.dumps({"format": "minitorch_rnn", "version": FORMAT_VERSION, "tree": tree})
    # What numpy.savez does, written out so that any key name works (savez takes them as
    # keyword arguments, so a key called "file" would clash) and pickling is refused.
    with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, array in [*arrays.items(), (META_KEY, np.array(meta))]:
            with zf.open(name + ".npy", mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def load(f: PathLike) -> Any:
    """Read what `save` wrote. Tensors come back as Tensors (numpy arrays too), dicts as the
    same kind of dict (a state_dict as an OrderedDict), with the keys in their saved order."""
    path = os.fspath(f)
    if not os.path.exists(path):
        raise FileNotFoundError(2, "No such file or directory", path)
    if not zipfile.is_zipfile(path):
        raise ValueError(f"not a minitorch_rnn checkpoint: {path!r} is not an .npz archive")
    with np.load(path, allow_pickle=False) as archive:
        if META_KEY not in archive.files:
            raise ValueError(
                f"not a minitorch_rnn checkpoint: {path!r} has no {META_KEY!r} entry "
                "(was it written by minitorch_rnn.save?)"
            )
        try:
            meta = json.loads(str(archive[META_KEY]))
            if meta.get("format") != "minitorch_rnn" or meta.get("version") != FORMAT_VERSION:
                raise ValueError(f"unknown format {meta.get('format')} v{meta.get('version')}")
            return _decode(meta["tree"], archive)
        except (ValueError, KeyError, TypeError) as e:  # a damaged or foreign file
            raise ValueError(f"not a minitorch_rnn checkpoint: {path!r}: {e}") from None


# ---- the JSON tree: every node is a one-key dict naming its kind --------------------------------
def _encode(obj: Any, path: str, arrays: dict[str, np.ndarray]) -> Any:
    """JSON for `obj`; its arrays go into `arrays` under names derived from `path`."""
    if isinstance(obj, (Tensor, np.ndarray)):
        array = obj._data if isinstance(obj, Tensor) else obj
        if array.dtype.hasobject:
            raise TypeError(f"cannot save an object array (at {path or 'the top level'!r})")
        name = path or "tensor"
        while name in arrays or name == META_KEY:  # two paths can spell the same name
            name += "_"
        arrays[name] = array
        return {"tensor": [name, isinstance(obj, Tensor) and obj.requires_grad]}
    if isinstance(obj, dict):
        kind = "odict" if isinstance(obj, OrderedDict) else "dict"
        items = []
        for key, value in obj.items():
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise TypeError(f"dict keys must be str or int to be saved, got {key!r}")
            items.append([key, _encode(value, _join(path, key), arrays)])
        return {kind: items}
    if isinstance(obj, (list, tuple)):
        kind = "list" if isinstance(obj, list) else "tuple"
        return {kind: [_encode(v, _join(path, i), arrays) for i, v in enumerate(obj)]}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return {"value": obj}
    if isinstance(obj, np.generic):  # a numpy scalar such as np.float64(0.5)
        return {"value": obj.item()}
    raise TypeError(f"cannot save an object of type {type(obj).__name__}")


def _join(path: str, key: Any) -> str:
    return f"{path}/{key}" if path else str(key)


def _decode(node: dict[str, Any], archive: Any) -> Any:
    ((kind, content),) = node.items()
    if kind == "tensor":
        name, requires_grad = content
        return Tensor(archive[name], requires_grad=requires_grad)
    if kind in ("dict", "odict"):
        pairs = [(key, _decode(value, archive)) for key, value in content]
        return OrderedDict(pairs) if kind == "odict" else dict(pairs)
    if kind == "list":
        return [_decode(value, archive) for value in content]
    if kind == "tuple":
        return tuple(_decode(value, archive) for value in content)
    if kind == "value":
        return content
    raise ValueError(f"unknown entry kind {kind!r}")
