"""In-place ops, `.data`, views and version counters: torch's rules, checked on both libraries.

Every case runs with minitorch_rnn and, when it is installed, with torch, against the same
expected values (derived by hand in the comments), so a difference from torch fails too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

LIBS = ["minitorch_rnn", "torch"]


@pytest.fixture(params=LIBS)
def lib(request: Any) -> Any:
    return pytest.importorskip(request.param)


def test_index_assignment_is_recorded(lib: Any) -> None:
    # out[0] = 2w, out[1] = w*w: d(sum)/dw = 2 + 2w
    w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = lib.zeros(2, 3)
    out[0] = w * 2
    out[1] = w * w
    assert out.requires_grad and not out.is_leaf
    assert "CopySlices" in str(out.grad_fn)
    out.sum().backward()
    assert w.grad.tolist() == [4.0, 6.0, 8.0]


def test_inplace_op_on_a_view_changes_its_base(lib: Any) -> None:
    # h = [w0, 3 w1, 3 w2] after v.mul_(3); d(sum h^2)/dw = 2h * (1, 3, 3) = (2, 36, 54)
    w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = w * 1
    v = h[1:]
    v.mul_(3)
    assert h.tolist() == [1.0, 6.0, 9.0]
    (h * h).sum().backward()
    assert w.grad.tolist() == [2.0, 36.0, 54.0]


def test_another_view_of_the_changed_region_sees_the_change(lib: Any) -> None:
    # b was taken before a.mul_(5) changed the memory both look at: b = 5 w[0:2]
    w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = w.clone()
    a, b = h[0:2], h[0:2]
    a.mul_(5)
    b.sum().backward()
    assert w.grad.tolist() == [5.0, 5.0, 0.0]


def test_augmented_assignment_on_a_slice(lib: Any) -> None:
    # h[:, 1] *= w[:, 0] and h.T[0] += 10:  h = [[w00+10, w01 w00], [w10+10, w11 w10]]
    w = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    h = w * 1
    h.T[0] += 10
    h[:, 1] *= w[:, 0]
    assert h.tolist() == [[11.0, 2.0], [13.0, 12.0]]
    (h**2).sum().backward()
    # d/dw00 = 2*11 + 2*(w01 w00) w01 = 22 + 8 = 30; d/dw01 = 2 (w01 w00) w00 = 4
    # d/dw10 = 2*13 + 2*(w11 w10) w11 = 26 + 96 = 122; d/dw11 = 2*12*3 = 72
    assert w.grad.tolist() == [[30.0, 4.0], [122.0, 72.0]]


def test_augmented_operators_update_in_place_under_no_grad(lib: Any) -> None:
    w = lib.tensor([1.0, 2.0, 4.0], requires_grad=True)
    (w * w).sum().backward()
    same = w
    with lib.no_grad():
        w -= 0.25 * w.grad  # the tutorials' manual SGD step: w must really change
        w *= 2
        w /= 4
        w += 1
    assert w is same and w.requires_grad and w.is_leaf
    assert w._version == 4
    assert w.tolist() == [1.25, 1.5, 2.0]


def test_inplace_op_rebases_history(lib: Any) -> None:
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y += 1
    assert "AddBackward0" in str(y.grad_fn)
    y.exp_()
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * np.exp([4.0, 7.0]), rtol=1e-6)


def test_changing_a_saved_value_in_place_is_refused(lib: Any) -> None:
    x = lib.tensor([0.5, 1.0], requires_grad=True)
    y = x.tanh()  # tanh saves its output
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_changing_an_index_tensor_after_use_is_refused(lib: Any) -> None:
    x = lib.ones(3, requires_grad=True)
    idx = lib.tensor([0, 0, 1])
    y = x[idx]
    idx[0] = 2
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_parameter_shares_memory_and_version_counter(lib: Any) -> None:
    src = lib.ones(2, 3)
    p = lib.nn.Parameter(src)
    y = (p * p).sum()
    src.add_(1)  # the same memory: p changed too, and the saved p is stale
    assert p.detach().numpy().tolist() == [[2.0] * 3] * 2
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_requires_grad_false_after_forward_gets_no_grad(lib: Any) -> None:
    x = lib.ones(2, requires_grad=True)
    y = (x * 2).sum()
    x.requires_grad_(False)
    y.backward()
    assert x.grad is None


def test_data_is_a_tensor_sharing_memory_outside_autograd(lib: Any) -> None:
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    d = w.data
    assert isinstance(d, lib.Tensor) and not d.requires_grad and d.grad_fn is None
    d.mul_(10)  # outside the leaf check, and (as in torch) not seen by the version check
    assert w.tolist() == [10.0, 20.0] and w._version == 0
    (w * w).sum().backward()
    w.data.add_(w.grad, alpha=-0.5)  # the `p.data.add_(p.grad.data, alpha=-lr)` idiom
    assert w.tolist() == [0.0, 0.0]
    w.data = lib.zeros(3, dtype=lib.float64)  # swap storage: shape and dtype may change
    assert w.shape == (3,) and w.dtype == lib.float64 and w.requires_grad


def test_autograd_grad_of_the_same_input_twice(lib: Any) -> None:
    x = lib.ones(3, requires_grad=True)
    gx, gx2 = lib.autograd.grad((x * 2).sum(), [x, x])
    assert gx.tolist() == gx2.tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda t: t.ones(2, dtype=t.int64).add_(1.5),
         "result type Float can't be cast to the desired output type Long"),
        (lambda t: t.ones(2, dtype=t.bool).add_(1),
         "result type Long can't be cast to the desired output type Bool"),
        (lambda t: t.ones(2).mul_(t.ones(3)),
         "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0"),
        (lambda t: t.ones(3).add_(t.ones(1, 3)),
         "output with shape [3] doesn't match the broadcast shape [1, 3]"),
        (lambda t: t.ones(2, requires_grad=True).add_(1),
         "a leaf Variable that requires grad is being used in an in-place operation."),
        (lambda t: t.ones(2, requires_grad=True)[0].add_(1),
         "a view of a leaf Variable that requires grad is being used in an in-place operation."),
    ],
    ids=["float_into_long", "long_into_bool", "no_broadcast", "bigger_result", "leaf", "view_of_leaf"],
)
def test_inplace_errors(lib: Any, make: Any, message: str) -> None:
    with pytest.raises(RuntimeError) as info:
        make(lib)
    assert str(info.value) == message


def test_setitem_casts_like_torch(lib: Any) -> None:
    x = lib.zeros(3, dtype=lib.int64)
    x[0] = 2.7  # assignment truncates; only in-place *arithmetic* refuses float into long
    x[1:] = lib.tensor([5.9, -1.5])
    assert x.tolist() == [2, 5, -1]


def test_casts_to_integers_leave_the_tape(lib: Any) -> None:
    x = lib.tensor([1.5, 2.5], requires_grad=True)
    for y in (x.long(), x.int(), x.to(lib.int64), x.bool()):
        assert not y.requires_grad and y.grad_fn is None
    assert x.double().requires_grad  # between floats: on the tape


def test_nested_list_index_is_a_tuple_index(lib: Any) -> None:
    x = lib.arange(12.0).reshape(3, 4)
    with pytest.warns(UserWarning, match="non-tuple sequence"):
        picked = x[[[0, 1], [2, 3]]]
    assert picked.tolist() == [2.0, 7.0]
    assert tuple(x[[]].shape) == (0, 4)


def test_recorded_inplace_gradients_match_finite_differences() -> None:
    import minitorch_rnn as mt

    def f(w: Any) -> Any:
        h = w.tanh() * 1
        h[1:, 0] += w[:-1, 1] * 2
        h.T[1].mul_(w[:, 0])
        v = h[0]
        v.sub_(h[2] * 0.5)
        return (h * h).sum()

    w = mt.tensor(np.random.default_rng(0).normal(size=(3, 2)), requires_grad=True)
    assert mt.autograd.gradcheck(f, (w,))


def test_changing_a_loss_target_after_use_is_refused(lib: Any) -> None:
    logits = lib.zeros(2, 3, requires_grad=True)
    target = lib.tensor([0, 1])
    loss = lib.nn.functional.cross_entropy(logits, target)
    target[0] = 2
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_unbind_of_a_1d_tensor_gives_views(lib: Any) -> None:
    x = lib.tensor([0, 0, 1], dtype=lib.uint8)
    a, b, c = x.unbind(0)
    x.zero_()
    assert c.item() == 0  # a view sees the change, as torch's does


def test_comparisons_promote_like_torch(lib: Any) -> None:
    # uint8 (dims) against a 0-d int8: compared as uint8, where -1 is 255
    assert (lib.tensor([0], dtype=lib.uint8) < lib.tensor(-1, dtype=lib.int8)).tolist() == [True]
    with pytest.raises(RuntimeError, match="must match the size of tensor b"):
        lib.zeros(2, dtype=lib.bool) == lib.zeros(3, dtype=lib.bool)  # noqa: B015
