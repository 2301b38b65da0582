"""mt.save / mt.load: bit-exact round trips, paths and file objects, torch's weights_only model,
atomic load_state_dict. (Damaged and crafted files: test_serialization_faults.py.)"""

from __future__ import annotations

import io
import json
import pathlib
import pickle
import warnings
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np
import pytest

import minitorch_rnn as mt

nn = mt.nn


def numpy_of(t: Any) -> np.ndarray:
    return np.asarray(t.detach().numpy())


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal dtype, shape and bytes (in C order, whatever the layout): nan payloads and -0.0 count."""
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


# --------------------------------------------------------------------------- round trips


def test_state_dict_round_trip_is_bit_exact_in_order(tmp_path: pathlib.Path) -> None:
    special = np.array([np.nan, -0.0, np.inf, -np.inf, 1e-45, np.finfo(np.float32).max], dtype=np.float32)
    state = OrderedDict([
        ("z.last_key_first", mt.tensor(np.random.default_rng(0).standard_normal((3, 4)))),  # float64
        ("special", mt.tensor(special)),
        ("half", mt.tensor(np.array([1.5, -2.25], dtype=np.float16))),
        ("counts", mt.tensor(np.array([[1, 2], [3, 4]], dtype=np.int64))),
        ("mask", mt.tensor(np.array([True, False]))),
        ("scalar", mt.tensor(np.array(3.25))),
        ("empty", mt.tensor(np.zeros((0, 5), dtype=np.float32))),
        ("fortran", mt.tensor(np.asfortranarray(np.arange(6.0).reshape(2, 3)))),
    ])  # fmt: skip
    path = tmp_path / "state.npz"
    mt.save(state, path)
    loaded = mt.load(path)
    assert isinstance(loaded, OrderedDict)
    assert list(loaded) == list(state)
    for key, value in state.items():
        assert isinstance(loaded[key], mt.Tensor), key
        assert same_bits(numpy_of(loaded[key]), numpy_of(value)), key


def test_model_round_trip_restores_outputs(tmp_path: pathlib.Path) -> None:
    model = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 2))
    mt.save(model.state_dict(), tmp_path / "model.npz")
    fresh = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 2))
    fresh.load_state_dict(mt.load(tmp_path / "model.npz"))
    x = mt.randn(3, 4)
    assert same_bits(numpy_of(fresh(x)), numpy_of(model(x)))


def test_the_file_is_a_plain_npz_with_the_keys_as_names(tmp_path: pathlib.Path) -> None:
    model = nn.Linear(3, 2)
    path = tmp_path / "linear.npz"
    mt.save(model.state_dict(), str(path))
    with np.load(path, allow_pickle=False) as archive:
        assert archive.files[:2] == ["weight", "bias"]
        assert same_bits(archive["weight"], numpy_of(model.weight))


def test_save_writes_exactly_the_given_path(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "checkpoint.bin"  # no .npz appended (numpy.savez would append one)
    mt.save({"w": mt.ones(2)}, path)
    assert path.exists() and not (tmp_path / "checkpoint.bin.npz").exists()
    assert list(mt.load(path)) == ["w"]


def test_keys_that_numpy_savez_cannot_take(tmp_path: pathlib.Path) -> None:
    """np.savez takes arrays as keyword arguments: `file` or `allow_pickle` would clash."""
    state = {"file": mt.ones(1), "allow_pickle": mt.zeros(1), "a/b": mt.ones(2), "a": {"b": mt.zeros(2)}}
    mt.save(state, tmp_path / "odd.npz")
    loaded = mt.load(tmp_path / "odd.npz")
    assert type(loaded) is dict
    assert list(loaded) == ["file", "allow_pickle", "a/b", "a"]
    np.testing.assert_array_equal(numpy_of(loaded["a/b"]), [1.0, 1.0])
    np.testing.assert_array_equal(numpy_of(loaded["a"]["b"]), [0.0, 0.0])


def test_requires_grad_and_plain_values_survive(tmp_path: pathlib.Path) -> None:
    obj = {"p": mt.ones(2, requires_grad=True), "n": [1, 2.5, None, True, "text", (3, float("inf"))]}
    mt.save(obj, tmp_path / "mixed.npz")
    loaded = mt.load(tmp_path / "mixed.npz")
    assert loaded["p"].requires_grad and loaded["p"].is_leaf
    assert loaded["n"] == [1, 2.5, None, True, "text", (3, float("inf"))]


def test_optimizer_state_dict_round_trip(tmp_path: pathlib.Path) -> None:
    model = nn.Linear(3, 2, dtype=mt.float64)
    optimizer = mt.optim.SGD([{"params": [model.weight]}, {"params": [model.bias], "lr": 0.5}],
                             lr=0.1, momentum=0.9, nesterov=True)  # fmt: skip
    model(mt.randn(4, 3, dtype=mt.float64)).sum().backward()
    optimizer.step()
    state = optimizer.state_dict()
    mt.save(state, tmp_path / "optim.npz")
    loaded = mt.load(tmp_path / "optim.npz")
    assert loaded["param_groups"] == state["param_groups"]  # int index lists, None, bools, floats
    assert list(loaded["state"]) == [0, 1]  # int keys stay ints
    for i in (0, 1):
        assert same_bits(numpy_of(loaded["state"][i]["momentum_buffer"]),
                         numpy_of(state["state"][i]["momentum_buffer"]))  # fmt: skip
    fresh = mt.optim.SGD([{"params": [model.weight]}, {"params": [model.bias]}])
    fresh.load_state_dict(loaded)
    assert [g["lr"] for g in fresh.param_groups] == [0.1, 0.5]


def test_saved_rnn_loads_into_torch_with_identical_outputs(tmp_path: pathlib.Path) -> None:
    """The issue's promise: {k: torch.from_numpy(v.numpy())} makes our checkpoint torch's."""
    torch = pytest.importorskip("torch")
    ours = nn.RNN(4, 5, num_layers=2, bidirectional=True, dtype=mt.float64)
    mt.save(ours.state_dict(), tmp_path / "rnn.npz")
    theirs = torch.nn.RNN(4, 5, num_layers=2, bidirectional=True, dtype=torch.float64)
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in mt.load(tmp_path / "rnn.npz").items()})
    x = np.random.default_rng(1).standard_normal((6, 3, 4))
    out, h_n = ours(mt.tensor(x))
    with torch.no_grad():
        t_out, t_h_n = theirs(torch.tensor(x))
    np.testing.assert_allclose(numpy_of(out), t_out.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(numpy_of(h_n), t_h_n.numpy(), rtol=1e-12, atol=1e-14)


# --------------------------------------------------------------------------- errors


def test_missing_file_is_file_not_found_naming_the_path(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "nowhere.npz"
    with pytest.raises(FileNotFoundError, match="nowhere.npz"):
        mt.load(path)


@pytest.mark.parametrize("kind", ["text", "pickle", "plain_npz", "other_zip", "bad_json"])
def test_foreign_files_are_refused(tmp_path: pathlib.Path, kind: str) -> None:
    path = tmp_path / f"{kind}.npz"
    if kind == "text":
        path.write_text("hello")
    elif kind == "pickle":
        path.write_bytes(pickle.dumps({"weight": np.zeros(3)}))
    elif kind == "plain_npz":
        np.savez(path, weight=np.zeros(3))
    elif kind == "other_zip":
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("readme.txt", "not arrays")
    else:
        np.savez(path, __minitorch_rnn__=np.array("{not json"))
    with pytest.raises(ValueError, match="not a minitorch_rnn checkpoint"):
        mt.load(path)


def test_loading_never_unpickles_an_array(tmp_path: pathlib.Path) -> None:
    """A forged checkpoint pointing at a pickled object array is refused, not executed."""
    path = tmp_path / "forged.npz"
    meta = json.dumps({"format": "minitorch_rnn", "version": 1, "tree": {"tensor": ["x", False]}})
    np.savez(path, __minitorch_rnn__=np.array(meta), x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match=r"not a minitorch_rnn checkpoint.*'x.npy' holds dtype '\|O'"):
        mt.load(path)


# --------------------------------------------------------------------------- what comes back


class Box:
    """A class of this test module: saving one needs pickle, loading it needs an allowlist."""

    def __init__(self, value: Any = None) -> None:
        self.value = value


class TaggedTensor(mt.Tensor):
    """A Tensor subclass: torch's weights_only refuses one until it is allowed; so do we."""


def round_trip(obj: Any, **load_args: Any) -> Any:
    buffer = io.BytesIO()
    mt.save(obj, buffer)
    buffer.seek(0)
    return mt.load(buffer, **load_args)


def test_file_objects_work_like_paths(tmp_path: pathlib.Path) -> None:
    model = nn.Linear(3, 2)
    buffer = io.BytesIO()
    mt.save(model.state_dict(), buffer)
    mt.save(model.state_dict(), tmp_path / "m.npz")
    assert buffer.getvalue() == (tmp_path / "m.npz").read_bytes()  # the same bytes either way
    buffer.seek(0)
    loaded = mt.load(buffer)
    with open(tmp_path / "m.npz", "rb") as f:
        from_file = mt.load(f)
    for key in ("weight", "bias"):
        assert same_bits(numpy_of(loaded[key]), numpy_of(model.state_dict()[key]))
        assert same_bits(numpy_of(from_file[key]), numpy_of(model.state_dict()[key]))


def test_every_value_comes_back_as_the_type_it_was() -> None:
    param = nn.Parameter(mt.ones(2))
    obj = {
        "ndarray": np.arange(6, dtype=np.uint8).reshape(2, 3),  # stays an ndarray (any numeric dtype)
        "tensor": mt.tensor([1.5, 2.5]),
        "param": param,
        "np_scalar": np.float32(0.25),
        "dtype": mt.float64,
        "odict": OrderedDict(b=1, a=2),
        "nested": [(1, "two"), {"x": None}],
    }
    loaded = round_trip(obj)
    assert [type(loaded[k]) for k in obj] == [type(v) for v in obj.values()]
    assert same_bits(loaded["ndarray"], obj["ndarray"])
    assert loaded["param"].requires_grad and isinstance(loaded["param"], nn.Parameter)
    assert loaded["np_scalar"] == np.float32(0.25) and loaded["np_scalar"].dtype == np.float32
    assert loaded["dtype"] == mt.float64
    assert list(loaded["odict"]) == ["b", "a"] and loaded["nested"] == [(1, "two"), {"x": None}]


def test_an_array_shared_by_two_tensors_is_stored_once_and_shared_again() -> None:
    weight = mt.randn(3, 3)
    loaded = round_trip({"encoder": weight, "decoder": weight.detach()})  # tied weights
    assert np.shares_memory(loaded["encoder"].numpy(), loaded["decoder"].numpy())


@pytest.mark.parametrize("key", ["a\x00b", "\ud800", "x" * 300, "/abs", "back\\slash", "__minitorch_rnn__"])
def test_any_str_key_loads_back_exactly(key: str) -> None:
    """Keys a zip member name cannot carry are stored under a neutral name; the JSON keeps them."""
    loaded = round_trip({key: mt.ones(1), "plain": mt.zeros(1)})
    assert list(loaded) == [key, "plain"]


def test_whole_objects_are_pickled_and_refused_by_default_as_torch() -> None:
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh())
    buffer = io.BytesIO()
    mt.save(model, buffer)
    buffer.seek(0)
    with pytest.raises(pickle.UnpicklingError) as refused:
        mt.load(buffer)
    message = str(refused.value)
    assert message.startswith("Weights only load failed. This file can still be loaded")
    assert (
        "WeightsUnpickler error: Unsupported global: GLOBAL minitorch_rnn.nn.container.Sequential was "
        "not an allowed global by default. Please use `minitorch_rnn.serialization.add_safe_globals("
        "[minitorch_rnn.nn.container.Sequential])` or the `minitorch_rnn.serialization.safe_globals("
        "[minitorch_rnn.nn.container.Sequential])` context manager to allowlist this global if you "
        "trust this class/function."
    ) in message
    buffer.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # weights_only=False warns nothing
        loaded = mt.load(buffer, weights_only=False)
    x = mt.randn(4, 2)
    assert type(loaded) is nn.Sequential
    assert same_bits(numpy_of(loaded(x)), numpy_of(model(x)))
    assert [type(p) for p in loaded.parameters()] == [nn.Parameter, nn.Parameter]


def test_safe_globals_allow_exactly_the_classes_named() -> None:
    buffer = io.BytesIO()
    mt.save(nn.Linear(2, 2), buffer)
    serialization = mt.serialization
    assert serialization.get_safe_globals() == []
    with serialization.safe_globals([nn.Linear]):
        assert serialization.get_safe_globals() == [nn.Linear]
        buffer.seek(0)
        assert type(mt.load(buffer)) is nn.Linear
    assert serialization.get_safe_globals() == []
    buffer.seek(0)
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL minitorch_rnn.nn.linear.Linear"):
        mt.load(buffer)
    try:
        serialization.add_safe_globals([(nn.Linear, "minitorch_rnn.nn.linear.Linear")])  # torch's tuple form
        buffer.seek(0)
        assert type(mt.load(buffer)) is nn.Linear
    finally:
        serialization.clear_safe_globals()
    assert serialization.get_safe_globals() == []


def test_a_tensor_subclass_needs_allowing_a_plain_tensor_does_not() -> None:
    tagged = TaggedTensor(np.arange(3.0))
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL .*TaggedTensor was not an allowed global"):
        round_trip({"t": tagged, "other": {1, 2}})
    with mt.serialization.safe_globals([TaggedTensor]):
        loaded = round_trip({"t": tagged, "other": {1, 2}})
    assert type(loaded["t"]) is TaggedTensor and loaded["other"] == {1, 2}
    assert same_bits(numpy_of(loaded["t"]), np.arange(3.0))


def test_pickled_builtins_load_by_default_as_in_torch() -> None:
    """Sets, complex, bytes, bytearray, Counter, tuple keys, cycles: torch's weights_only allows
    them, and they need no code of the file's own."""
    cycle: list[Any] = [1]
    cycle.append(cycle)
    obj = {(1, 2): mt.ones(2), "set": {3, 4}, "c": 1j, "b": b"\x00\xff", "ba": bytearray(b"z"), "cycle": cycle}
    loaded = round_trip(obj)
    assert loaded["set"] == {3, 4} and loaded["c"] == 1j and loaded["b"] == b"\x00\xff"
    assert loaded["ba"] == bytearray(b"z") and loaded["cycle"][1] is loaded["cycle"]
    assert same_bits(numpy_of(loaded[(1, 2)]), np.ones(2, dtype=np.float32))


def test_an_optimizer_saved_whole_loads_with_weights_only_false() -> None:
    model = nn.Linear(2, 1)
    optimizer = mt.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(mt.randn(3, 2)).sum().backward()
    optimizer.step()
    loaded = round_trip({"model": model, "optimizer": optimizer}, weights_only=False)
    again = loaded["optimizer"].state_dict()["state"][0]["momentum_buffer"]
    assert same_bits(numpy_of(again), numpy_of(optimizer.state_dict()["state"][0]["momentum_buffer"]))
    assert loaded["optimizer"].param_groups[0]["params"][0] is loaded["model"].weight  # one object graph


def test_pickle_module_and_weights_only_follow_torch() -> None:
    buffer = io.BytesIO()
    mt.save(Box(3), buffer, pickle_module=pickle, pickle_protocol=4)
    buffer.seek(0)
    assert mt.load(buffer, pickle_module=pickle).value == 3  # a pickle_module means weights_only=False
    buffer.seek(0)
    with pytest.raises(RuntimeError, match="^Can not safely load weights when explicit pickle_module is specified$"):
        mt.load(buffer, pickle_module=pickle, weights_only=True)


def test_map_location_is_accepted_for_the_cpu() -> None:
    state = {"w": mt.ones(2)}
    for location in ("cpu", {"cpu": "cpu"}, lambda storage, loc: storage, lambda storage, loc: None):
        assert same_bits(numpy_of(round_trip(state, map_location=location)["w"]), np.ones(2, np.float32))
    doubled = round_trip(state, map_location=lambda array, loc: array * 2)
    assert same_bits(numpy_of(doubled["w"]), np.full(2, 2.0, np.float32))
    with pytest.raises(RuntimeError, match="^Attempting to deserialize object on a CUDA device"):
        round_trip(state, map_location="cuda:0")
    with pytest.raises(RuntimeError, match=r"^don't know how to restore data location .*\(tagged with xyz\)$"):
        round_trip(state, map_location={"cpu": "xyz"})


def test_map_location_takes_a_device_and_a_device_loads_by_default() -> None:
    loaded = round_trip({"w": mt.ones(2), "where": mt.device("cpu")}, map_location=mt.device("cpu"))
    assert loaded["where"] == mt.device("cpu") and same_bits(numpy_of(loaded["w"]), np.ones(2, np.float32))


def test_map_location_takes_a_torch_device() -> None:
    torch = pytest.importorskip("torch")
    loaded = round_trip({"w": mt.ones(2)}, map_location=torch.device("cpu"))
    assert same_bits(numpy_of(loaded["w"]), np.ones(2, np.float32))


def test_mmap_maps_the_arrays_from_the_file(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "big.npz"
    weight = np.random.default_rng(0).standard_normal((64, 32))
    mt.save({"w": mt.tensor(weight), "f": np.asfortranarray(weight), "empty": mt.zeros(0)}, path)
    loaded = mt.load(path, mmap=True)
    assert same_bits(numpy_of(loaded["w"]), weight) and same_bits(loaded["f"], weight)
    assert loaded["f"].flags.f_contiguous and loaded["empty"].shape == (0,)
    loaded["w"].add_(1.0)  # copy-on-write: the file does not change
    assert same_bits(numpy_of(mt.load(path)["w"]), weight)
    with pytest.raises(ValueError, match="^f must be a file path in order to use the mmap argument$"):
        mt.load(io.BytesIO(path.read_bytes()), mmap=True)


def test_save_refuses_before_writing_anything(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "keep.npz"
    mt.save({"w": mt.ones(1)}, path)
    before = path.read_bytes()
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        mt.save({"f": lambda x: x}, path)  # torch cannot pickle a lambda either
    with pytest.raises(TypeError, match="cannot save a Tensor of dtype uint16"):
        mt.save({"t": mt.Tensor(np.zeros(2, dtype=np.uint16)), "s": {1}}, path)
    assert path.read_bytes() == before


def test_a_torch_checkpoint_is_refused_clearly(tmp_path: pathlib.Path) -> None:
    torch = pytest.importorskip("torch")
    torch.save({"w": torch.ones(2)}, tmp_path / "torch.pt")
    with pytest.raises(ValueError, match=r"not a minitorch_rnn checkpoint: .*torch.pt.*unexpected or repeated member"):
        mt.load(tmp_path / "torch.pt")


def test_the_weights_only_refusal_reads_as_torchs() -> None:
    """Same class, same file contents: torch's message and ours differ only in the API named."""
    torch = pytest.importorskip("torch")
    buffer = io.BytesIO()
    torch.save(Box(1), buffer)
    buffer.seek(0)
    with pytest.raises(pickle.UnpicklingError) as theirs:
        torch.load(buffer)
    with pytest.raises(pickle.UnpicklingError) as ours:
        round_trip(Box(1))

    def detail(message: str) -> str:
        return message.split("WeightsUnpickler error: ")[1].split("\n")[0]

    assert detail(str(ours.value)) == detail(str(theirs.value)).replace("torch.serialization", "minitorch_rnn.serialization")
    assert str(ours.value).split("(1)")[0] == str(theirs.value).split("(1)")[0]


# --------------------------------------------------------------------------- load_state_dict


def test_a_failed_load_state_dict_changes_nothing() -> None:
    """torch copies the keys that fit before raising; ours checks everything first."""
    rnn = nn.RNN(3, 4, num_layers=2)
    before = {k: numpy_of(v).copy() for k, v in rnn.state_dict().items()}
    state = {k: mt.zeros(*v.shape) for k, v in rnn.state_dict().items()}
    state["weight_ih_l1"] = mt.zeros(4, 5)  # one key wrong, the others would load
    with pytest.raises(RuntimeError) as error:
        rnn.load_state_dict(state)
    assert str(error.value) == (
        "Error(s) in loading state_dict for RNN:\n\tsize mismatch for weight_ih_l1: copying a param with "
        "shape minitorch_rnn.Size([4, 5]) from checkpoint, the shape in current model is "
        "minitorch_rnn.Size([4, 4])."
    )
    assert all(same_bits(numpy_of(v), before[k]) for k, v in rnn.state_dict().items())


def test_load_state_dict_errors_read_as_torchs() -> None:
    torch = pytest.importorskip("torch")
    state = {"weight": np.zeros((2, 4), np.float32), "bias": [1.0, 2.0], "extra": np.ones(1)}
    with pytest.raises(RuntimeError) as ours:
        nn.Linear(3, 2).load_state_dict(state)
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.Linear(3, 2).load_state_dict({k: torch.tensor(v) if k != "bias" else v for k, v in state.items()})
    assert str(ours.value) == str(theirs.value).replace("torch.Size", "minitorch_rnn.Size")
    with pytest.raises(TypeError, match=r"^Expected state_dict to be dict-like, got <class 'list'>.$"):
        nn.Linear(3, 2).load_state_dict([1])  # type: ignore[arg-type]


def test_load_state_dict_non_strict_and_assign() -> None:
    model = nn.Linear(3, 2)
    result = model.load_state_dict({"weight": mt.zeros(2, 3), "junk": mt.ones(1)}, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["junk"]
    assert not numpy_of(model.weight).any()
    new_weight = np.ones((2, 3))  # float64: with assign=True the loaded tensor's dtype is kept
    model.load_state_dict({"weight": new_weight, "bias": np.zeros(2)}, assign=True)
    assert isinstance(model.weight, nn.Parameter) and model.weight.requires_grad
    assert model.weight.dtype == mt.float64 and np.shares_memory(model.weight._data, new_weight)


def test_a_failed_optimizer_load_state_dict_changes_nothing() -> None:
    model = nn.Linear(2, 2)
    optimizer = mt.optim.SGD([{"params": [model.weight]}, {"params": [model.bias], "lr": 0.5}], lr=0.1)
    saved = optimizer.state_dict()
    saved["param_groups"][0]["lr"] = 9.0
    saved["param_groups"][1]["params"] = [1, 2]  # the second group does not match
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        optimizer.load_state_dict(saved)
    assert [g["lr"] for g in optimizer.param_groups] == [0.1, 0.5]
