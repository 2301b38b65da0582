"""Hooks as torch has them: tensor hooks (watch or replace a gradient) and module hooks
(forward pre/post, full backward), each with a handle that removes it. Every case runs on both
libraries against hand-derived values; tensor hooks through both engines too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import minitorch_rnn as mt


@pytest.fixture(params=["minitorch_rnn", "minitorch_rnn-plain", "torch"])
def lib(request: Any) -> Iterator[Any]:
    name = request.param.split("-")[0]
    module = pytest.importorskip(name)
    if request.param.endswith("plain"):
        prev = mt.autograd.set_engine("plain")
        yield module
        mt.autograd.set_engine(prev)
    else:
        yield module


def test_tensor_hook_sees_and_replaces_a_gradient(lib: Any) -> None:
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    h = x * 3
    h.register_hook(lambda g: seen.append(g.tolist()) or g * 10)  # dL/dh = 2h = (6, 12)
    x.register_hook(lambda g: seen.append(g.tolist()))
    (h * h).sum().backward()
    assert seen == [[6.0, 12.0], [180.0, 360.0]]
    assert x.grad.tolist() == [180.0, 360.0]  # 3 * 10 * 2h


def test_removed_hook_is_not_called(lib: Any) -> None:
    x = lib.ones(2, requires_grad=True)
    calls = []
    handle = x.register_hook(lambda g: calls.append(1))
    handle.remove()
    (x * 2).sum().backward()
    assert calls == [] and x.grad.tolist() == [2.0, 2.0]


def test_hook_on_a_tensor_without_grad_is_refused(lib: Any) -> None:
    with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't require gradient"):
        lib.ones(2).register_hook(lambda g: g)


def test_per_step_gradient_norms_of_an_rnn_through_hooks(lib: Any) -> None:
    # the BPTT lesson's use: print ||dL/dh_t|| for every step of a hand-written loop
    lib.manual_seed(0)
    cell = lib.nn.RNNCell(3, 4)
    x = lib.ones(5, 2, 3)
    h = lib.zeros(2, 4)
    norms: dict[int, float] = {}
    for t in range(5):
        h = cell(x[t], h)
        h.register_hook(lambda g, t=t: norms.__setitem__(t, float(np.linalg.norm(g.tolist()))))
    h.sum().backward()
    assert sorted(norms) == [0, 1, 2, 3, 4]
    assert norms[4] == pytest.approx(np.sqrt(8))  # dL/dh_4 is all ones: ||.|| = sqrt(2 * 4)


def test_forward_hooks_and_pre_hooks(lib: Any) -> None:
    layer = lib.nn.Linear(2, 2)
    with lib.no_grad():
        layer.weight.copy_(lib.tensor([[1.0, 0.0], [0.0, 1.0]]))
        layer.bias.zero_()
    log = []
    pre = layer.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
    post = layer.register_forward_hook(lambda m, args, out: log.append(out.tolist()) or out + 1)
    y = layer(lib.tensor([[1.0, 2.0]]))
    assert log == [[[2.0, 4.0]]] and y.tolist() == [[3.0, 5.0]]
    pre.remove()
    post.remove()
    assert layer(lib.tensor([[1.0, 2.0]])).tolist() == [[1.0, 2.0]]


def test_full_backward_hook(lib: Any) -> None:
    layer = lib.nn.Linear(2, 1)
    with lib.no_grad():
        layer.weight.copy_(lib.tensor([[2.0, 3.0]]))
        layer.bias.zero_()
    got = []

    def hook(module: Any, grad_input: Any, grad_output: Any) -> Any:
        got.append(([g.tolist() for g in grad_input], [g.tolist() for g in grad_output]))
        return (grad_input[0] * 0.5,)

    layer.register_full_backward_hook(hook)
    x = lib.tensor([[1.0, 1.0]], requires_grad=True)
    (layer(x) * 4).sum().backward()
    assert got == [([[[8.0, 12.0]]], [[[4.0]]])]
    assert x.grad.tolist() == [[4.0, 6.0]]  # halved by the hook
