"""Devices and dtypes the way scripts write them: CPU accepted everywhere, a GPU refused clearly."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import minitorch_rnn as mt
from minitorch_rnn import nn


@pytest.fixture(params=["minitorch_rnn", "torch"])
def lib(request: Any) -> Any:
    return pytest.importorskip(request.param)


def test_tutorial_boilerplate_runs_on_the_cpu(lib: Any) -> None:
    device = lib.device("cuda" if lib.cuda.is_available() else "cpu")
    assert str(device) == "cpu" and device == lib.device("cpu")
    model = lib.nn.Linear(3, 2).to(device)
    x = lib.ones(4, 3).to(device)
    assert model(x).device == device and x.cpu() is x
    assert x.to(lib.float64).dtype == lib.float64
    assert x.to(device, lib.float64).dtype == lib.float64
    assert x.to(lib.zeros(1, dtype=lib.float64)).dtype == lib.float64
    assert x.double().dtype == lib.double and x.long().dtype == lib.long == lib.int64
    assert x.half().dtype == lib.half and x.int().dtype == lib.int32
    assert lib.float is lib.float32 or lib.float == lib.float32


def test_dtype_aliases_match_torch(lib: Any) -> None:
    for name in ["float", "double", "half", "long", "int", "short", "bool", "uint8", "int8"]:
        assert str(getattr(lib, name)).rsplit(".", 1)[-1] in {
            "float32", "float64", "float16", "int64", "int32", "int16", "bool", "uint8", "int8"
        }


def test_legacy_constructors(lib: Any) -> None:
    a = lib.FloatTensor([1, 2])
    assert a.dtype == lib.float32 and a.tolist() == [1.0, 2.0]
    assert lib.LongTensor([1.7]).tolist() == [1]
    assert tuple(lib.FloatTensor(2, 3).shape) == (2, 3)


def test_asking_for_a_gpu_says_what_this_is() -> None:
    assert not mt.cuda.is_available() and mt.cuda.device_count() == 0
    assert not mt.backends.mps.is_available() and not mt.accelerator.is_available()
    mt.cuda.manual_seed(0)  # accepted, as torch accepts it without CUDA
    for ask in (
        lambda: mt.ones(2).cuda(),
        lambda: mt.ones(2).to("cuda"),
        lambda: mt.ones(2).to(mt.device("cuda:0")),
        lambda: nn.Linear(2, 2).to("mps"),
    ):
        with pytest.raises(RuntimeError, match="runs on the CPU only; there is no .* device"):
            ask()


def test_module_to_casts_parameters_and_keeps_them() -> None:
    layer = nn.Linear(3, 2)
    weight = layer.weight
    layer.to(mt.float64)
    assert layer.weight is weight and weight.dtype == np.float64


def test_tensor_constructor_like_torch(lib: Any) -> None:
    # torch.Tensor(...) is the float32 constructor (micrograd's test and old tutorials use it)
    assert lib.Tensor([1, 2]).dtype == lib.float32 and lib.Tensor([1, 2]).tolist() == [1.0, 2.0]
    assert tuple(lib.Tensor(2, 3).shape) == (2, 3) and lib.Tensor(2, 3).dtype == lib.float32
    assert tuple(lib.Tensor().shape) == (0,)
    loss = lib.Tensor([0])
    loss += lib.ones(1, requires_grad=True) * 2  # the tutorial's `loss = torch.Tensor([0]); loss += l`
    assert loss.requires_grad and loss.tolist() == [2.0]
