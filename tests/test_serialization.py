"""mt.save / mt.load: bit-exact .npz round trips, no pickle, clear errors for other files."""

from __future__ import annotations

import json
import pathlib
import pickle
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


def test_loading_never_unpickles(tmp_path: pathlib.Path) -> None:
    """A forged checkpoint pointing at a pickled object array is refused, not executed."""
    path = tmp_path / "forged.npz"
    meta = json.dumps({"format": "minitorch_rnn", "version": 1, "tree": {"tensor": ["x", False]}})
    np.savez(path, __minitorch_rnn__=np.array(meta), x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="not a minitorch_rnn checkpoint.*pickle"):
        mt.load(path)


def test_unsupported_objects_are_refused_when_saving(tmp_path: pathlib.Path) -> None:
    with pytest.raises(TypeError, match="cannot save an object of type Linear"):
        mt.save({"model": nn.Linear(2, 2)}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="object array"):
        mt.save({"x": np.array([{}], dtype=object)}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="dict keys must be str or int"):
        mt.save({(1, 2): mt.ones(1)}, tmp_path / "x.npz")
