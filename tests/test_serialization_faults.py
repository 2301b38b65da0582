"""Damaged and crafted checkpoints: `load` refuses them with ValueError, naming the file and the
reason -- never different data, never a crash deep inside zipfile/numpy/json/pickle, never an
allocation of what a header declares."""

from __future__ import annotations

import io
import json
import pathlib
import pickle
import struct
import time
import tracemalloc
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np
import pytest

import minitorch_rnn as mt

META = "__minitorch_rnn__"


def small_checkpoint() -> tuple[OrderedDict[str, Any], bytes]:
    state = OrderedDict(
        w=mt.tensor(np.arange(4.0, dtype=np.float32)),
        n=mt.tensor(np.array([1, 2], dtype=np.int64)),
    )
    buffer = io.BytesIO()
    mt.save(state, buffer)
    return state, buffer.getvalue()


def exactly(loaded: Any, state: OrderedDict[str, Any]) -> bool:
    return (
        type(loaded) is OrderedDict
        and list(loaded) == list(state)
        and all(
            loaded[k].dtype == v.dtype and loaded[k].numpy().tobytes() == v.numpy().tobytes()
            for k, v in state.items()
        )
    )


def npy(header: str, data: bytes = b"", version: int = 1) -> bytes:
    """A .npy member with the header text given verbatim (numpy would refuse to write most)."""
    text = header.encode("latin1") + b"\n"
    size = struct.pack("<H", len(text)) if version == 1 else struct.pack("<I", len(text))
    return b"\x93NUMPY" + bytes([version, 0]) + size + text + data


def meta(tree: Any) -> bytes:
    text = json.dumps({"format": "minitorch_rnn", "version": 1, "tree": tree})
    return npy(f"{{'descr': '<U{len(text)}', 'fortran_order': False, 'shape': (), }}", text.encode("utf-32-le"))


def crafted(members: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> io.BytesIO:
    """A zip with valid CRCs around whatever members we say: the damage is in what they claim."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    buffer.seek(0)
    return buffer


def refused(file: Any, match: str) -> None:
    with pytest.raises(ValueError, match="^not a minitorch_rnn checkpoint: .*" + match):
        mt.load(file)


FLOATS = "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }"
TENSOR = {"dict": [["w", {"tensor": ["w", False]}]]}


# --------------------------------------------------------------------------- damage


@pytest.mark.parametrize("mask", [0xFF, 0x01, 0x80])
def test_every_single_byte_flip_is_refused_or_loads_exactly(mask: int) -> None:
    """The zip's CRC-32 covers each member's bytes (headers included); the zip's own fields
    are checked against each other. A flip in a field nothing reads loads the same data."""
    state, data = small_checkpoint()
    outcomes = {"refused": 0, "exact": 0}
    start = time.perf_counter()
    for i in range(len(data)):
        damaged = bytearray(data)
        damaged[i] ^= mask
        try:
            loaded = mt.load(io.BytesIO(bytes(damaged)))
        except ValueError as e:
            assert str(e).startswith("not a minitorch_rnn checkpoint: <_io.BytesIO object"), (i, e)
            outcomes["refused"] += 1
            continue
        assert exactly(loaded, state), f"byte {i} ^ {mask:#x} loaded different data"
        outcomes["exact"] += 1
    assert outcomes["refused"] > 0.8 * len(data), outcomes  # most bytes matter (~1000 of ~1300)
    assert time.perf_counter() - start < 5


def test_every_byte_flip_of_a_pickled_checkpoint_is_refused_or_loads_exactly() -> None:
    """The same for an object that needs pickle (a set, a tuple key): the CRC covers the stream."""
    obj = {"s": {1, 2}, "t": mt.tensor(np.arange(3.0, dtype=np.float32)), "k": {(1, 2): "x"}}
    buffer = io.BytesIO()
    mt.save(obj, buffer)
    data = buffer.getvalue()
    refusals = 0
    for i in range(len(data)):
        damaged = bytearray(data)
        damaged[i] ^= 0xFF
        try:
            loaded = mt.load(io.BytesIO(bytes(damaged)))
        except ValueError:
            refusals += 1
            continue
        assert list(loaded) == ["s", "t", "k"] and loaded["s"] == {1, 2} and loaded["k"] == {(1, 2): "x"}, i
        assert loaded["t"].dtype == mt.float32 and loaded["t"].tolist() == [0.0, 1.0, 2.0], i
    assert refusals > 0.8 * len(data)


def test_every_truncation_is_refused(tmp_path: pathlib.Path) -> None:
    _, data = small_checkpoint()
    for length in range(len(data)):
        refused(io.BytesIO(data[:length]), "")
    path = tmp_path / "cut.npz"
    path.write_bytes(data[: len(data) // 2])
    refused(path, f"'{path}': not an .npz archive")


def test_bytes_appended_or_prepended_still_load_exactly() -> None:
    """zip allows data before the archive (self-extracting files) and zipfile finds the end
    record from the back; the members themselves are unchanged, so this is not damage."""
    state, data = small_checkpoint()
    assert exactly(mt.load(io.BytesIO(b"junk" + data)), state)


def test_the_message_names_the_path_or_the_file_object(tmp_path: pathlib.Path) -> None:
    _, data = small_checkpoint()
    damaged = bytearray(data)
    damaged[data.index(np.arange(4.0, dtype=np.float32).tobytes())] ^= 0xFF  # inside w's values
    path = tmp_path / "damaged.npz"
    path.write_bytes(bytes(damaged))
    refused(path, rf"'{path}': member 'w.npy' is damaged \(Bad CRC-32 for file 'w.npy'\)$")
    buffer = io.BytesIO(bytes(damaged))
    with pytest.raises(ValueError) as error:
        mt.load(buffer)
    assert str(error.value).startswith(f"not a minitorch_rnn checkpoint: {buffer!r}: member 'w.npy'")


# --------------------------------------------------------------------------- crafted headers


def test_a_declared_shape_is_checked_against_the_member_before_allocating() -> None:
    """numpy's reader allocates the declared shape first: a terabyte for a 16-byte member."""
    huge = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }"
    file = crafted({META + ".npy": meta(TENSOR), "w.npy": npy(huge, bytes(16))})
    tracemalloc.start()
    refused(file, r"'w.npy' declares shape \(1000000, 1000000\) of float32 \(4000000000000 bytes\) but holds 16")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 1_000_000


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("{'descr': '|O', 'fortran_order': False, 'shape': (4,), }", r"holds dtype '\|O'"),
        ("{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }", "holds dtype '>f4'"),
        ("{'descr': '<u2', 'fortran_order': False, 'shape': (8,), }", "holds dtype '<u2'"),  # not a Tensor dtype
        ("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (4,), }", r"holds dtype \[\('a'"),
        ("{'descr': '<f4', 'fortran_order': 'no', 'shape': (4,), }", "holds dtype"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (-4,), }", r"malformed shape \(-4,\)"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (4.0,), }", "malformed shape"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'x': 1}", "malformed .npy header"),
        ("__import__('os').system('echo pwned')", "malformed .npy header"),
        ("(" * 3000 + ")" * 3000, "malformed .npy header"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", r"declares shape \(2,\)"),
    ],
    ids=["object", "big-endian", "uint16", "structured", "fortran-not-bool", "negative", "float-dim",
         "extra-key", "code", "deep-parens", "short"],  # fmt: skip
)
def test_a_crafted_npy_header_is_refused(header: str, reason: str) -> None:
    refused(crafted({META + ".npy": meta(TENSOR), "w.npy": npy(header, bytes(16))}), reason)


def test_a_header_longer_than_numpys_limit_is_refused() -> None:
    long_header = FLOATS + " " * 20_000
    refused(crafted({META + ".npy": meta(TENSOR), "w.npy": npy(long_header, bytes(16), version=2)}), "has a .npy header of 20")


@pytest.mark.parametrize(
    ("tree", "reason"),
    [
        ({"dict": [["w", {"tensor": ["v", False]}]]}, "member 'w.npy' is not part of the saved object"),
        ({"dict": [["w", {"tensor": ["w", 1]}]]}, "malformed tree node"),
        ({"dict": [["w", {"value": [1, 2]}]]}, "malformed tree node"),
        ({"dict": [["w", {"tensor": ["w", False]}], ["w", {"value": 1}]]}, "repeated dict entry"),
        ({"dict": [[1.5, {"tensor": ["w", False]}]]}, "malformed or repeated dict entry"),
        ({"set": [{"tensor": ["w", False]}]}, "malformed tree node"),
        ({"list": [{"tensor": ["w", False]}, {"scalar": "w"}]}, "'w.npy' is not a scalar"),
        ({"list": [{"tensor": ["w", False]}, {"tensor": [META, False]}]}, "reserved member"),
        ({"list": [{"tensor": ["w", False]}, {"pickle": []}]}, "malformed tree node"),  # only at the top
    ],
)
def test_a_crafted_tree_is_refused(tree: Any, reason: str) -> None:
    refused(crafted({META + ".npy": meta(tree), "w.npy": npy(FLOATS, bytes(16))}), reason)


def test_only_a_float_tensor_may_require_grad() -> None:
    ints = "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }"
    tree = {"dict": [["w", {"tensor": ["w", True]}]]}
    refused(crafted({META + ".npy": meta(tree), "w.npy": npy(ints, bytes(16))}), "'w.npy' holds dtype '<i8'")


def test_a_tree_naming_a_missing_member_is_refused() -> None:
    tree = {"list": [{"tensor": ["w", False]}, {"tensor": ["gone", False]}]}
    refused(crafted({META + ".npy": meta(tree), "w.npy": npy(FLOATS, bytes(16))}), "'gone.npy' that is missing")


def test_json_nested_too_deeply_is_refused_not_a_recursion_error() -> None:
    text = "[" * 100_000 + "]" * 100_000
    raw = npy(f"{{'descr': '<U{len(text)}', 'fortran_order': False, 'shape': (), }}", text.encode("utf-32-le"))
    refused(crafted({META + ".npy": raw}), "nested too deeply")


def test_a_tree_deeper_than_the_limit_is_refused() -> None:
    tree: Any = {"value": 1}
    for _ in range(150):
        tree = {"list": [tree]}
    refused(crafted({META + ".npy": meta(tree)}), "malformed tree node")


def test_repeated_json_keys_and_unknown_versions_are_refused() -> None:
    text = '{"format": "minitorch_rnn", "version": 1, "tree": {"value": 1}, "tree": {"value": 2}}'
    raw = npy(f"{{'descr': '<U{len(text)}', 'fortran_order': False, 'shape': (), }}", text.encode("utf-32-le"))
    refused(crafted({META + ".npy": raw}), "a key is repeated")
    text = json.dumps({"format": "minitorch_rnn", "version": 2, "tree": {"value": 1}})
    raw = npy(f"{{'descr': '<U{len(text)}', 'fortran_order': False, 'shape': (), }}", text.encode("utf-32-le"))
    refused(crafted({META + ".npy": raw}), "unknown format 'minitorch_rnn' version 2")


def test_repeated_compressed_and_oversized_members_are_refused() -> None:
    good = {META + ".npy": meta(TENSOR), "w.npy": npy(FLOATS, bytes(16))}
    refused(crafted(good, compression=zipfile.ZIP_DEFLATED), "compressed or encrypted")
    buffer = crafted(good)
    with zipfile.ZipFile(buffer, "a") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        zf.writestr("w.npy", npy(FLOATS, bytes(16)))
    buffer.seek(0)
    refused(buffer, "repeated member 'w.npy'")
    data = bytearray(crafted(good).getvalue())
    directory = data.rindex(b"PK\x01\x02")  # the last central directory entry: w.npy's sizes
    data[directory + 20 : directory + 28] = struct.pack("<II", 2**31, 2**31)
    refused(io.BytesIO(bytes(data)), "declares more bytes than the file has")


# --------------------------------------------------------------------------- crafted pickles


def pickle_file(stream: bytes, arrays: dict[str, np.ndarray] | None = None) -> io.BytesIO:
    members = {name + ".npy": _npy_of(a) for name, a in (arrays or {}).items()}
    members[META + ".npy"] = meta({"pickle": list(arrays or {})})
    members["__pickle__.npy"] = _npy_of(np.frombuffer(stream, dtype=np.uint8))
    return crafted(members)


def _npy_of(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array)
    return buffer.getvalue()


class Sentinel:
    ran = False


def _mark() -> None:
    Sentinel.ran = True


def test_a_pickle_naming_a_dangerous_global_never_runs_it() -> None:
    for target in (b"cos\nsystem\n", b"cbuiltins\neval\n", b"cbuiltins\nexec\n"):
        stream = b"\x80\x02" + target + b"X\x04\x00\x00\x00echo\x85R."
        with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
            mt.load(pickle_file(stream))
    stream = b"\x80\x02c" + f"{__name__}\n_mark\n".encode() + b")R."
    with pytest.raises(pickle.UnpicklingError, match=f"GLOBAL {__name__}._mark was not an allowed global"):
        mt.load(pickle_file(stream))
    assert not Sentinel.ran
    with mt.serialization.safe_globals([pickle.loads]):  # allowlisting os still does not allow it
        with pytest.raises(pickle.UnpicklingError, match="GLOBAL os.system whose module os is blocked"):
            mt.load(pickle_file(b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00echo\x85R."))


@pytest.mark.parametrize(
    ("stream", "reason"),
    [
        (b"\x80\x04\x8e" + struct.pack("<Q", 2**40) + b"ab.", "the pickle is damaged"),  # BINBYTES8 of 1 TB
        (b"\x80\x04\x95" + struct.pack("<Q", 2**40) + b"N.", "a frame of"),  # FRAME of 1 TB
        (b"\x80\x02Nr\xff\xff\xff\xff.", "memo index 4294967295"),  # LONG_BINPUT sizes the memo
        (b"\x80\x02c__builtin__\nbytearray\nJ\x00\x00\x00\x40\x85R.", "bytearray may only be rebuilt from bytes"),
        (b"\x80\x02X\x01\x00\x00\x00x.junk", "not at its last byte"),
        (b"\x80\x02X\x01\x00\x00\x00x", "the pickle is damaged"),
        (b"\x80\x02U\x01xX\x05\x00\x00\x00arrayU\x01y\x86Q.", "unknown persistent id"),
        (b"\x80\x02cminitorch_rnn._pickling\n_rebuild_tensor\nX\x01\x00\x00\x00a\x88\x86R.", "a tensor needs an array"),
    ],
)
def test_a_crafted_pickle_is_refused_before_it_can_allocate(stream: bytes, reason: str) -> None:
    start = time.perf_counter()
    refused(pickle_file(stream), reason)
    assert time.perf_counter() - start < 1


def test_a_pickled_tensor_must_hold_a_minitorch_rnn_dtype() -> None:
    stream = (b"\x80\x02cminitorch_rnn._pickling\n_rebuild_tensor\nX\x05\x00\x00\x00arrayX\x06\x00\x00\x00data/0"
              b"\x86Q\x89\x86R.")  # fmt: skip
    refused(pickle_file(stream, {"data/0": np.zeros(3, dtype=np.uint16)}), "a tensor needs an array of a minitorch_rnn dtype")
    good = pickle_file(stream, {"data/0": np.arange(3.0)})
    assert mt.load(good).tolist() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize(
    ("tail", "reason"),
    [
        (b"N}X\x05\x00\x00\x00_dataX\x01\x00\x00\x00xs\x86b.", "Can only build OrderedDict, device or types allowlisted"),
        (b"K\x00K\x07s.", "Can only SETITEM for dict, collections.OrderedDict, collections.Counter"),
        (b"K\x07a.", "Can only append to lists"),
    ],
    ids=["BUILD", "SETITEM", "APPEND"],
)
def test_a_pickle_cannot_set_the_state_of_a_tensor(tail: bytes, reason: str) -> None:
    """As torch's weights_only: BUILD, SETITEM and APPEND only on objects that allow them, so a
    crafted pickle cannot put a string where a Tensor's array belongs."""
    stream = (b"\x80\x02cminitorch_rnn._pickling\n_rebuild_tensor\nX\x05\x00\x00\x00arrayX\x06\x00\x00\x00data/0"
              b"\x86Q\x89\x86R")  # fmt: skip
    assert mt.load(pickle_file(stream + b".", {"data/0": np.arange(3.0)})).tolist() == [0.0, 1.0, 2.0]
    refused(pickle_file(stream + tail, {"data/0": np.arange(3.0)}), reason)


def test_a_corrupt_pickle_entry_is_refused_with_weights_only_false_too() -> None:
    refused(pickle_file(b"\x80\x02X\x01\x00\x00\x00x.junk"), "not at its last byte")
    with pytest.raises(ValueError, match="not at its last byte"):
        mt.load(pickle_file(b"\x80\x02X\x01\x00\x00\x00x.junk"), weights_only=False)
