"""The checkpoint file: a zip of `.npy` arrays plus one JSON entry that says what they are.

(Read `serialization.py` first; this is the file format under it.) A file `mt.save` wrote:

    __minitorch_rnn__.npy   JSON: {"format": "minitorch_rnn", "version": 1, "tree": ...}
    weight.npy              one .npy per array, named by its key where the key is a safe name
    bias.npy
    __pickle__.npy          only for objects the tree cannot describe: the pickle stream (bytes)

The *tree* describes the saved object, one small JSON dict per node naming its kind:
``{"dict": [[key, node], ...]}``, ``{"list": [...]}``, ``{"tensor": [member, requires_grad]}``,
``{"value": 3.5}``, ... -- so loading a tree builds only dicts, lists, tuples, numbers, strings
and arrays, whatever the file says. Anything else (a Module, a set, a cycle) is pickled instead:
``{"pickle": [members]}``, and `_pickling.py` takes over.

Reading trusts nothing in the file. Every member is stored uncompressed, so its size in the zip
*is* its size in memory: each .npy header (dtype, shape) is checked against that size before a
byte is allocated, and zipfile checks each member's CRC-32 as it is read -- a flipped byte is
refused, never loaded as different data. Any problem raises `BadCheckpoint` with the reason.
"""

from __future__ import annotations

import ast
import json
import re
import struct
import zipfile
import zlib
from collections import OrderedDict
from typing import IO, Any, NamedTuple, Optional

import numpy as np

from ._tensor import Tensor
from .dtypes import _NAMES as TENSOR_DTYPES
from .nn.parameter import Parameter

META = "__minitorch_rnn__"  # the JSON entry: it marks (and describes) our checkpoints
PICKLE = "__pickle__"  # the pickle stream, for objects the tree cannot describe
FORMAT_VERSION = 1
MAX_DEPTH = 100  # containers inside containers in a tree; a deeper object is pickled
MAX_HEADER = 10_000  # bytes of a .npy header (numpy's own limit for untrusted files)

# What an ndarray may hold: numbers and bools in little-endian order (no objects, strings,
# structured or void records). A Tensor may only hold minitorch_rnn's dtypes.
ARRAY_DESCRS = {np.dtype(c).newbyteorder("<").str for c in "?bBhHiIlLqQefdFD"}
TENSOR_DESCRS = {np.dtype(name).newbyteorder("<").str for name in TENSOR_DTYPES.values()}
FLOAT_DESCRS = {descr for descr in TENSOR_DESCRS if descr[1] == "f"}  # may require grad


class BadCheckpoint(ValueError):
    """The file is not one `save` wrote, or it was damaged or crafted after."""


class NotATree(Exception):
    """`obj` holds something the JSON tree cannot describe: `save` pickles it instead."""


# =============================================================================== writing
def encode_tree(obj: Any) -> tuple[Any, dict[str, np.ndarray]]:
    """The JSON tree for `obj` and the arrays it names (raises NotATree)."""
    encoder = _TreeEncoder()
    return encoder.encode(obj, "", 0), encoder.arrays


class _TreeEncoder:
    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}  # member name -> array, in saving order
        self.names: dict[int, str] = {}  # id(array) -> member: an array shared is stored once
        self.containers: set[int] = set()  # a container met twice (or a cycle) needs pickle

    def encode(self, obj: Any, path: str, depth: int) -> Any:
        kind = type(obj)
        if kind is Tensor or kind is Parameter:
            if obj.dtype not in TENSOR_DTYPES or obj.dtype.byteorder == ">":
                raise NotATree  # the pickle path refuses it with a clear TypeError
            tag = "tensor" if kind is Tensor else "parameter"
            return {tag: [self.array(obj._data, path), obj.requires_grad]}
        if kind is np.ndarray:
            if obj.dtype.str not in ARRAY_DESCRS:
                raise NotATree  # objects, strings, big-endian...: numpy's pickle can
            return {"ndarray": self.array(obj, path)}
        if isinstance(obj, np.generic) and np.dtype(type(obj)).str in ARRAY_DESCRS:
            return {"scalar": self.array(np.asarray(obj), path, share=False)}
        if isinstance(obj, np.dtype) and obj in TENSOR_DTYPES:
            return {"dtype": TENSOR_DTYPES[obj]}
        if kind in (dict, OrderedDict, list, tuple):
            if depth >= MAX_DEPTH or id(obj) in self.containers:
                raise NotATree
            self.containers.add(id(obj))
            if kind is list or kind is tuple:
                items = [self.encode(v, _join(path, i), depth + 1) for i, v in enumerate(obj)]
                return {kind.__name__: items}
            pairs = []
            for key, value in obj.items():
                if type(key) is not str and (type(key) is not int or key.bit_length() >= 4000):
                    raise NotATree  # a tuple or float key: pickle keeps it
                pairs.append([key, self.encode(value, _join(path, key), depth + 1)])
            return {"odict" if kind is OrderedDict else "dict": pairs}
        if obj is None or kind in (bool, float, str) or (kind is int and obj.bit_length() < 4000):
            return {"value": obj}  # (ints of over 1200 digits: json would refuse them)
        raise NotATree

    def array(self, array: np.ndarray, path: str, share: bool = True) -> str:
        if share and id(array) in self.names:
            return self.names[id(array)]
        name = _safe_name(path)
        stem, n = name, 0
        while name in self.arrays or name in (META, PICKLE):  # "a/b" vs {"a": {"b": ...}}
            n += 1
            name = f"{stem}_{n}"
        self.arrays[name] = array
        if share:
            self.names[id(array)] = name
        return name


def _join(path: str, key: Any) -> str:
    return f"{path}/{key}" if path else str(key)


def _safe_name(path: str) -> str:
    """The key as the member's name (``numpy.load(file)["weight"]`` works) when zip can store
    and read it back unchanged; otherwise a neutral name (the tree keeps the real key)."""
    # (a lone surrogate, which utf-8 cannot encode, is not printable either)
    ok = 0 < len(path) <= 200 and path.isprintable() and "\\" not in path and path[0] != "/"
    return path if ok else "array"


def describe(tree: Any) -> str:
    """The JSON entry for a tree."""
    return json.dumps({"format": "minitorch_rnn", "version": FORMAT_VERSION, "tree": tree})


def write_archive(file: Any, meta: str, arrays: dict[str, np.ndarray]) -> None:
    """What numpy.savez does, written out: any member name works and pickle never runs. The
    members carry a fixed date, so the same object always gives the same bytes."""
    with zipfile.ZipFile(file, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, array in [*arrays.items(), (META, np.array(meta))]:
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            with zf.open(info, mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


# =============================================================================== reading
class Member(NamedTuple):
    """A checked .npy member: where its data starts and what the header declared."""

    info: zipfile.ZipInfo
    dtype: np.dtype
    shape: tuple[int, ...]
    fortran: bool
    offset: int  # bytes of .npy header before the data


def read_archive(
    file: IO[bytes], mmap_path: Optional[str] = None
) -> tuple[Any, dict[str, np.ndarray]]:
    """The checked tree and its arrays, by member name. Everything is validated before any
    array is allocated; `mmap_path` maps the arrays from that file instead of reading them."""
    size = file.seek(0, 2)
    try:
        zf = zipfile.ZipFile(file)
    except Exception as e:  # BadZipFile, EOFError, struct.error, ...: not a zip we can read
        raise BadCheckpoint(f"not an .npz archive ({e})") from None
    with zf:
        infos = _check_directory(zf, size)
        meta = _read_meta(zf, infos[META])
        tree, need = meta["tree"], _Needs()
        need.check(tree, 0, top=True)
        for name in infos:
            if name != META and name not in need.dtypes:
                raise BadCheckpoint(f"member {name + '.npy'!r} is not part of the saved object")
        members = {}
        for name, dtypes in need.dtypes.items():  # every header first: nothing allocated yet
            if name not in infos:
                raise BadCheckpoint(f"the tree names a member {name + '.npy'!r} that is missing")
            members[name] = _check_header(zf, infos[name], dtypes)
            if name in need.scalars and members[name].shape != ():
                raise BadCheckpoint(f"member {name + '.npy'!r} is not a scalar")
        arrays = {name: _read_data(zf, m, mmap_path) for name, m in members.items()}
    return tree, arrays


def _check_directory(zf: zipfile.ZipFile, size: int) -> dict[str, zipfile.ZipInfo]:
    infos: dict[str, zipfile.ZipInfo] = {}
    for info in zf.infolist():
        if not info.filename.endswith(".npy") or info.filename[:-4] in infos:
            raise BadCheckpoint(f"unexpected or repeated member {info.filename!r}")
        if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
            raise BadCheckpoint(f"member {info.filename!r} is compressed or encrypted")
        if info.file_size != info.compress_size or info.header_offset + info.file_size > size:
            raise BadCheckpoint(f"member {info.filename!r} declares more bytes than the file has")
        infos[info.filename[:-4]] = info
    if META not in infos:
        raise BadCheckpoint(f"no {META!r} entry (was it written by minitorch_rnn.save?)")
    return infos


def _read_meta(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> dict[str, Any]:
    member = _check_header(zf, info, {"unicode"})
    text = str(_read_data(zf, member, None)[()])
    if _json_depth(text) > 4 * MAX_DEPTH + 8:
        raise BadCheckpoint("the JSON entry is nested too deeply")
    try:
        meta = json.loads(text, object_pairs_hook=_no_repeated_keys)
    except (ValueError, RecursionError) as e:
        raise BadCheckpoint(f"the JSON entry is damaged ({e})") from None
    if not isinstance(meta, dict) or set(meta) != {"format", "version", "tree"}:
        raise BadCheckpoint("the JSON entry is not a minitorch_rnn description")
    if meta["format"] != "minitorch_rnn" or meta["version"] != FORMAT_VERSION:
        raise BadCheckpoint(f"unknown format {meta['format']!r} version {meta['version']!r}")
    return meta


def _json_depth(text: str) -> int:
    """How deeply brackets nest, strings skipped: checked before json.loads can recurse."""
    depth = deepest = 0
    for bracket in re.findall(r"[\[\]{}]", re.sub(r'"(?:[^"\\]|\\.)*"', "", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len({key for key, _ in pairs}) != len(pairs):
        raise ValueError("a key is repeated")
    return dict(pairs)


class _Needs:
    """Walks the tree and notes what it needs: every node must be one known kind with
    well-formed content; each member it names may hold only certain dtypes."""

    def __init__(self) -> None:
        self.dtypes: dict[str, set[str]] = {}  # member -> the .npy dtypes it may hold
        self.scalars: set[str] = set()  # members that must be 0-d

    def check(self, node: Any, depth: int, top: bool = False) -> None:
        if type(node) is not dict or len(node) != 1 or depth > MAX_DEPTH:
            raise BadCheckpoint(f"malformed tree node {_short(node)}")
        ((kind, content),) = node.items()
        if kind in ("tensor", "parameter") and _is_pair(content, (str,), (bool,)):
            self.member(content[0], FLOAT_DESCRS if content[1] else TENSOR_DESCRS)
        elif kind in ("ndarray", "scalar") and type(content) is str:
            self.member(content, ARRAY_DESCRS)
            if kind == "scalar":
                self.scalars.add(content)
        elif kind == "dtype" and content in TENSOR_DTYPES.values():
            pass
        elif kind == "value" and (content is None or type(content) in (bool, int, float, str)):
            pass
        elif kind in ("list", "tuple") and type(content) is list:
            for child in content:
                self.check(child, depth + 1)
        elif kind in ("dict", "odict") and type(content) is list:
            keys = set()
            for pair in content:
                if not _is_pair(pair, (str, int), (dict,)) or pair[0] in keys:
                    raise BadCheckpoint(f"malformed or repeated dict entry {_short(pair)}")
                keys.add(pair[0])
                self.check(pair[1], depth + 1)
        elif kind == "pickle" and top and type(content) is list:
            self.member(PICKLE, {"|u1"})
            for name in content:
                if type(name) is not str or name in self.dtypes:
                    raise BadCheckpoint(f"malformed pickle member list {_short(content)}")
                self.member(name, ARRAY_DESCRS)
        else:
            raise BadCheckpoint(f"malformed tree node {_short(node)}")

    def member(self, name: str, dtypes: set[str]) -> None:
        if name in (META, PICKLE) and dtypes != {"|u1"}:
            raise BadCheckpoint(f"the tree names the reserved member {name!r}")
        # a member named twice (an array shared by two tensors) must suit both
        self.dtypes[name] = self.dtypes[name] & dtypes if name in self.dtypes else dtypes


def _is_pair(pair: Any, first: tuple[type, ...], second: tuple[type, ...]) -> bool:
    return (
        type(pair) is list and len(pair) == 2 and type(pair[0]) in first and type(pair[1]) in second
    )


def _short(obj: Any) -> str:
    text = repr(obj)
    return text if len(text) <= 80 else text[:77] + "..."


def _check_header(zf: zipfile.ZipFile, info: zipfile.ZipInfo, dtypes: set[str]) -> Member:
    """Read and check one member's .npy header: a known dtype, a shape whose bytes are exactly
    the member's size. (numpy's reader would allocate the declared shape first.)"""
    where = f"member {info.filename!r}"
    try:
        with zf.open(info) as stream:
            magic = stream.read(8)
            if len(magic) != 8 or magic[:6] != b"\x93NUMPY" or magic[6] not in (1, 2, 3):
                raise BadCheckpoint(f"{where} is not a .npy array")
            width = 2 if magic[6] == 1 else 4
            (length,) = struct.unpack("<H" if width == 2 else "<I", stream.read(width))
            if length > MAX_HEADER:
                raise BadCheckpoint(f"{where} has a .npy header of {length} bytes")
            raw = stream.read(length)
    except BadCheckpoint:
        raise
    except Exception as e:  # a broken local header, a name that differs, a short read, ...
        raise BadCheckpoint(f"{where} is damaged ({e})") from None
    try:
        header = ast.literal_eval(raw.decode("utf-8" if magic[6] == 3 else "latin1"))
    except Exception:  # SyntaxError, ValueError, MemoryError, RecursionError ...
        header = None
    if type(header) is not dict or set(header) != {"descr", "fortran_order", "shape"}:
        raise BadCheckpoint(f"{where} has a malformed .npy header {_short(raw)}")
    descr, fortran, shape = header["descr"], header["fortran_order"], header["shape"]
    unicode = dtypes == {"unicode"} and re.fullmatch(r"<U[1-9]\d{0,7}", str(descr))
    if type(descr) is not str or not (descr in dtypes or unicode) or type(fortran) is not bool:
        raise BadCheckpoint(f"{where} holds dtype {_short(descr)}, not one it may hold")
    if (
        type(shape) is not tuple
        or len(shape) > 32
        or any(type(n) is not int or n < 0 for n in shape)
    ):
        raise BadCheckpoint(f"{where} has a malformed shape {_short(shape)}")
    if dtypes == {"unicode"} and shape != ():
        raise BadCheckpoint(f"{where} is not a single string")
    dtype = np.dtype(descr)
    offset = 6 + 2 + width + length
    declared = int(np.prod(shape, dtype=object)) * dtype.itemsize  # Python ints: no overflow
    if offset + declared != info.file_size:
        raise BadCheckpoint(
            f"{where} declares shape {shape} of {dtype} ({declared} bytes) but holds "
            f"{info.file_size - offset} bytes"
        )
    return Member(info, dtype, shape, fortran, offset)


def _read_data(zf: zipfile.ZipFile, m: Member, mmap_path: Optional[str]) -> np.ndarray:
    """The member's array, its size already checked; zipfile verifies the CRC-32 as the last
    byte is read. With `mmap_path` the array is mapped copy-on-write from the file."""
    where = f"member {m.info.filename!r}"
    try:
        if mmap_path is not None and m.dtype.itemsize * int(np.prod(m.shape)) > 0:
            return _map_member(zf, m, mmap_path)
        with zf.open(m.info) as stream:
            stream.read(m.offset)
            raw = stream.read(m.info.file_size - m.offset)
            if len(raw) != m.info.file_size - m.offset or stream.read(1):
                raise BadCheckpoint(f"{where} is truncated")
    except BadCheckpoint:
        raise
    except Exception as e:  # "Bad CRC-32 for file ...", EOFError, ...
        raise BadCheckpoint(f"{where} is damaged ({e})") from None
    flat = np.frombuffer(raw, dtype=m.dtype)
    array = flat.reshape(m.shape[::-1]).T if m.fortran else flat.reshape(m.shape)
    return array.copy(order="F" if m.fortran else "C")  # writable, and owning its memory


def _map_member(zf: zipfile.ZipFile, m: Member, path: str) -> np.ndarray:
    """The data of a stored member lies contiguously in the file: map it (torch's mmap=True)."""
    assert zf.fp is not None
    zf.fp.seek(m.info.header_offset)
    local = zf.fp.read(30)  # the local file header: its name and extra field come next
    if len(local) != 30 or local[:4] != b"PK\x03\x04":
        raise BadCheckpoint(f"member {m.info.filename!r} has a bad local header")
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    start = m.info.header_offset + 30 + name_length + extra_length
    whole = np.memmap(path, dtype=np.uint8, mode="r", offset=start, shape=(m.info.file_size,))
    if zlib.crc32(whole.data) != m.info.CRC:  # reads through the page cache, keeps nothing
        raise BadCheckpoint(f"Bad CRC-32 for file {m.info.filename!r}")
    start += m.offset
    array = np.memmap(path, m.dtype, "c", start, m.shape, "F" if m.fortran else "C")
    return array.view(np.ndarray)


# ============================================================================ the tree -> objects
def decode_tree(node: Any, arrays: dict[str, np.ndarray]) -> Any:
    """Build the object a checked tree describes (it can no longer fail)."""
    ((kind, content),) = node.items()
    if kind == "tensor":
        return Tensor(arrays[content[0]], requires_grad=content[1])
    if kind == "parameter":
        return Parameter(arrays[content[0]], requires_grad=content[1])
    if kind == "ndarray":
        return arrays[content]
    if kind == "scalar":
        return arrays[content][()]
    if kind == "dtype":
        return next(dt for dt, name in TENSOR_DTYPES.items() if name == content)
    if kind == "value":
        return content
    if kind in ("list", "tuple"):
        items = [decode_tree(child, arrays) for child in content]
        return items if kind == "list" else tuple(items)
    pairs = [(key, decode_tree(child, arrays)) for key, child in content]
    return OrderedDict(pairs) if kind == "odict" else dict(pairs)
