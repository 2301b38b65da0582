"""torch's custom `autograd.Function` protocol, as its tutorials write it: Tensors in and out."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(params=["minitorch_rnn", "torch"])
def lib(request: Any) -> Any:
    return pytest.importorskip(request.param)


def make_relu(lib: Any) -> Any:
    class MyReLU(lib.autograd.Function):
        @staticmethod
        def forward(ctx: Any, input: Any) -> Any:
            ctx.save_for_backward(input)
            return input * (input > 0)

        @staticmethod
        def backward(ctx: Any, grad_output: Any) -> Any:
            (input,) = ctx.saved_tensors
            grad_input = grad_output.clone()
            grad_input[input < 0] = 0
            return grad_input

    return MyReLU


def test_tutorial_relu(lib: Any) -> None:
    MyReLU = make_relu(lib)
    x = lib.tensor([-1.0, 2.0, 3.0], requires_grad=True)
    y = MyReLU.apply(x)
    assert "MyReLUBackward" in repr(y.grad_fn)
    (y * y).sum().backward()
    assert x.grad.tolist() == [0.0, 4.0, 6.0]
    x64 = lib.tensor([-1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
    assert lib.autograd.gradcheck(MyReLU.apply, (x64,))


def test_extra_arguments_and_their_none_gradients(lib: Any) -> None:
    class Scale(lib.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any, factor: float, w: Any) -> Any:
            ctx.factor = factor
            ctx.save_for_backward(w)
            return x * factor * w

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            (w,) = ctx.saved_tensors
            assert ctx.needs_input_grad == (True, False, False)
            return grad * ctx.factor * w, None, None

    x = lib.ones(2, requires_grad=True)
    w = lib.tensor([2.0, 3.0])
    Scale.apply(x, 5.0, w).sum().backward()
    assert x.grad.tolist() == [10.0, 15.0]


def test_wrong_number_of_gradients_is_torchs_error(lib: Any) -> None:
    class Two(lib.autograd.Function):
        @staticmethod
        def forward(ctx: Any, a: Any, b: Any) -> Any:
            return a + b

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            return grad

    a = lib.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"returned an incorrect number of gradients \(expected 2, got 1\)"):
        Two.apply(a, lib.ones(2)).sum().backward()


def test_a_saved_input_changed_in_place_is_refused(lib: Any) -> None:
    MyReLU = make_relu(lib)
    x = lib.tensor([-1.0, 2.0], requires_grad=True)
    h = x * 1
    y = MyReLU.apply(h)
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_array_ops_still_work_on_arrays() -> None:
    import numpy as np

    import minitorch_rnn as mt

    class Abs(mt.autograd.Function):
        on_arrays = True  # docs/adding_an_op.md's style: forward and backward on numpy arrays

        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            assert isinstance(x, np.ndarray)
            ctx.save_for_backward(x)
            return np.abs(x)

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            (x,) = ctx.saved_tensors
            return grad * np.sign(x)

    x = mt.tensor([-2.0, 3.0], requires_grad=True)
    Abs.apply(x).sum().backward()
    assert x.grad.tolist() == [-1.0, 1.0]
    assert Abs.apply(x).grad_fn.name() == "AbsBackward0"
