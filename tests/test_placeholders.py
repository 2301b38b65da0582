"""torch's names that minitorch_rnn does not implement: importable, subclassable placeholders
that fail with one clear message when used; and torch's legacy `autograd.Variable`.

The name lists are ``minitorch_rnn/_torch_names.txt``, written from torch 2.13 by
``tests/reference/make_torch_names.py``.
"""

from __future__ import annotations

import importlib
import types

import pytest

import minitorch_rnn as mt
from minitorch_rnn._placeholders import NAMES_FILE, _Placeholder, torch_names

MODULES = {
    "torch": "minitorch_rnn",
    "torch.nn": "minitorch_rnn.nn",
    "torch.nn.functional": "minitorch_rnn.nn.functional",
}
MESSAGE = r"minitorch_rnn is a small NumPy CPU framework for learning; {} is not part of it \(see docs/differences.md\)"


def is_placeholder(obj: object) -> bool:
    return isinstance(obj, type) and issubclass(obj, _Placeholder)


def test_the_stored_lists_are_torchs() -> None:
    names = torch_names()
    assert set(names) == set(MODULES)
    assert {"Transformer", "Conv2d", "LSTM", "Linear"} <= names["torch.nn"]
    assert {"conv2d", "gelu", "cross_entropy"} <= names["torch.nn.functional"]
    assert {"compile", "tensor", "Tensor"} <= names["torch"]


@pytest.mark.parametrize("section", list(MODULES))
def test_every_torch_name_is_implemented_or_a_placeholder(section: str) -> None:
    module = importlib.import_module(MODULES[section])
    implemented, placeholders = [], []
    for name in sorted(torch_names()[section]):
        obj = getattr(module, name)  # never an AttributeError
        (placeholders if is_placeholder(obj) else implemented).append(name)
    assert implemented and placeholders
    # what we define is really ours, not a placeholder standing in front of it
    for name in getattr(module, "__all__", []):
        assert not is_placeholder(getattr(module, name)), name


def test_stored_lists_are_current_for_the_installed_torch() -> None:
    torch = pytest.importorskip("torch")
    if not torch.__version__.startswith("2.13."):
        # the placeholders are bounded by torch 2.13's names on purpose: a newer torch's extra
        # names are not ours to promise; then only check that the pin is what the file says
        assert NAMES_FILE.read_text().startswith("# torch 2.13.")
        return
    assert torch_names()["torch"] == frozenset(torch.__all__)
    nn_public = {
        n for n in dir(torch.nn)
        if not n.startswith("_") and not isinstance(getattr(torch.nn, n), types.ModuleType)
    }
    assert torch_names()["torch.nn"] == nn_public


def test_import_subclass_and_use() -> None:
    from minitorch_rnn.nn import Transformer
    from minitorch_rnn.nn.functional import conv2d

    assert Transformer is mt.nn.Transformer  # one placeholder per name
    assert repr(Transformer) == "<placeholder for torch.nn.Transformer>"

    class MyTransformer(Transformer):  # defining a subclass works
        def __init__(self) -> None:
            super().__init__(d_model=16)

    with pytest.raises(mt.UnsupportedError, match=MESSAGE.format(r"torch\.nn\.Transformer")):
        MyTransformer()
    with pytest.raises(mt.UnsupportedError, match=MESSAGE.format(r"torch\.nn\.Transformer")):
        Transformer(d_model=16)
    with pytest.raises(mt.UnsupportedError, match=r"torch\.nn\.functional\.conv2d is not"):
        conv2d(mt.zeros(1, 1, 3, 3), mt.zeros(1, 1, 2, 2))
    with pytest.raises(mt.UnsupportedError, match=r"torch\.vmap is not part"):
        mt.vmap(lambda x: x)


def test_attribute_of_a_placeholder_is_the_clear_error_not_attribute_error() -> None:
    with pytest.raises(mt.UnsupportedError, match=r"torch\.nn\.MultiheadAttention\.forward"):
        mt.nn.MultiheadAttention.forward  # noqa: B018


def test_unsupported_error_is_a_runtime_and_not_implemented_error() -> None:
    assert issubclass(mt.UnsupportedError, NotImplementedError)
    assert issubclass(mt.UnsupportedError, RuntimeError)


def test_unknown_names_are_still_attribute_errors() -> None:
    with pytest.raises(AttributeError, match="module 'minitorch_rnn.nn' has no attribute 'Linaer'"):
        mt.nn.Linaer  # noqa: B018
    with pytest.raises(AttributeError):
        mt.nn.functional.softmaxx  # noqa: B018
    assert not hasattr(mt, "__wrapped__")  # dunders are never placeholders


def test_embedding_sparse_is_refused_with_the_clear_error() -> None:
    with pytest.raises(mt.UnsupportedError, match=r"Embedding\(sparse=True\)"):
        mt.nn.Embedding(3, 2, sparse=True)


# --------------------------------------------------------------------------- autograd.Variable


def test_variable_is_a_tensor_as_in_torch() -> None:
    from minitorch_rnn.autograd import Variable

    t = mt.ones(2)
    v = Variable(t, requires_grad=True)
    assert type(v) is mt.Tensor and v.requires_grad and not t.requires_grad
    assert v._data is t._data and v.is_leaf
    assert isinstance(t, Variable)
    assert Variable().shape == (0,)
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
        Variable([1.0])
    with pytest.warns(UserWarning, match="volatile was removed and now has no effect"):
        Variable(t, volatile=True)
