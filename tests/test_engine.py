"""The tape's rules: accumulation, topological order, long chains, grad modes, torch's errors."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

import minitorch_rnn as mt
from minitorch_rnn.autograd import gradcheck


def leaf(*shape: int, seed: int = 0) -> mt.Tensor:
    return mt.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


def test_diamond_graph_accumulates_both_paths() -> None:
    x = leaf(3)
    a = x.tanh()
    y = (a * 2 + a * a).sum()  # a feeds two branches that meet again
    y.backward()
    t = np.tanh(x._data)
    np.testing.assert_allclose(x.grad._data, (2 + 2 * t) * (1 - t * t), rtol=1e-12)


def test_tensor_reused_many_times() -> None:
    x = leaf(2)
    y = x
    for _ in range(50):
        y = y + x
    y.sum().backward()
    np.testing.assert_array_equal(x.grad._data, [51.0, 51.0])


@pytest.mark.parametrize("matmul_first", [True, False])
def test_weight_gradient_of_a_matmul_adds_to_other_uses(matmul_first: bool) -> None:
    # `x @ W` sends W a deferred product (ProductSum); added to an ordinary array gradient
    # from another use of W, in either order, it must give the plain sum -- not an object array.
    w, x = leaf(3, 3), leaf(2, 3, seed=1)
    y = (x @ w).sum() + (w * 2).sum() if matmul_first else (w * 2).sum() + (x @ w).sum()
    y.backward()
    expected = 2 + np.repeat(x._data.sum(axis=0)[:, None], 3, axis=1)
    assert w.grad.dtype == w.dtype
    np.testing.assert_allclose(w.grad._data, expected, rtol=1e-12)


@pytest.mark.parametrize("chunk_bytes", [1, 3 * 2 * 4 * 8 * 2, 10**9])
def test_weight_used_at_many_steps_sums_every_step(
    chunk_bytes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A weight used at 7 steps gets 7 deferred products, stacked chunk by chunk when resolved:
    # one pair per chunk, 3 pairs per chunk (the last one short) and all in one chunk must
    # each give the plain sum of the 7 products.
    monkeypatch.setattr(mt.autograd.deferred.ProductSum, "CHUNK_BYTES", chunk_bytes)
    w = leaf(4, 4)
    xs = [leaf(2, 4, seed=k + 1) for k in range(7)]
    outs = [x @ w for x in xs]
    gs = [np.random.default_rng(20 + k).standard_normal((2, 4)) for k in range(7)]
    sum((o * mt.tensor(g)).sum() for o, g in zip(outs, gs)).backward()
    expected = sum(x._data.T @ g for x, g in zip(xs, gs))
    np.testing.assert_allclose(w.grad._data, expected, rtol=1e-12)


@pytest.mark.parametrize("index", [0, 2, -1, (1, 0), slice(1, 3)])
def test_gradient_through_stack_then_index(index: Any) -> None:
    # Index's backward is deferred (SelectGrad) and Stack takes it as it is when an int picks
    # one input: that input gets the gradient, every other one zeros -- as a tensor, never None
    # (torch gives zeros too) -- the same numbers as a full array of zeros would give.
    xs = [leaf(2, 3, seed=k) for k in range(3)]
    w = np.random.default_rng(9).standard_normal((3, 2, 3))[index]
    (mt.stack(xs)[index] * mt.tensor(w)).sum().backward()
    expected = np.zeros((3, 2, 3))
    expected[index] = w
    for k, x in enumerate(xs):
        assert x.grad is not None
        np.testing.assert_array_equal(x.grad._data, expected[k])
        x.grad._data[...] = 1.0  # a gradient the user owns: writable, not a shared zero view
    np.testing.assert_array_equal(xs[0].grad._data, np.ones((2, 3)))


@pytest.mark.parametrize("other_use_first", [True, False])
def test_unpicked_stack_inputs_used_elsewhere_keep_their_gradient(other_use_first: bool) -> None:
    # The inputs `stack(xs)[-1]` did not pick get a ZeroGrad from Stack, which vanishes when
    # added: arriving before or after the gradient of their other use, that must stay intact.
    a = leaf(2, 3)
    xs = [a * 1.0, a * 2.0, a * 3.0]
    if other_use_first:  # recorded first, so its backward runs after Stack's
        other = (xs[0] * 5.0).sum() + (xs[1] * 7.0).sum()
        loss = mt.stack(xs)[-1].sum() + other
    else:
        picked = mt.stack(xs)[-1].sum()
        loss = picked + (xs[0] * 5.0).sum() + (xs[1] * 7.0).sum()
    loss.backward()
    np.testing.assert_array_equal(a.grad._data, np.full((2, 3), 1.0 * 5 + 2.0 * 7 + 3.0))


def test_two_indexes_of_one_stack_add_up() -> None:
    xs = [leaf(4, seed=k) for k in range(3)]
    s = mt.stack(xs, dim=1)  # not dim 0: Stack fills in the zeros itself
    (s[0, 1] * 3 + s[2, 1] + mt.stack(xs)[1].sum() + mt.stack(xs)[-1][0]).backward()
    expected_1 = np.ones(4) + 3 * np.eye(4)[0] + np.eye(4)[2]  # sum(), then s[0, 1], s[2, 1]
    np.testing.assert_array_equal(xs[1].grad._data, expected_1)
    np.testing.assert_array_equal(xs[0].grad._data, np.zeros(4))
    np.testing.assert_array_equal(xs[2].grad._data, np.eye(4)[0])


def test_retained_gradient_of_a_stack_is_a_full_array() -> None:
    xs = [leaf(2, seed=k) for k in range(3)]
    s = mt.stack(xs)
    s.retain_grad()
    s[-1].sum().backward()
    np.testing.assert_array_equal(s.grad._data, [[0, 0], [0, 0], [1, 1]])


def test_five_thousand_step_recurrence_backpropagates() -> None:
    w = mt.tensor(0.5, dtype=mt.float64, requires_grad=True)
    h = mt.tensor(1.0, dtype=mt.float64)
    for _ in range(5000):
        h = (h * w).tanh() + 0.1
    h.backward()  # no RecursionError
    assert w.grad is not None and np.isfinite(w.grad.item())


def test_accumulation_across_two_backward_calls() -> None:
    x = leaf(3)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    first = x.grad._data.copy()
    y.backward()
    np.testing.assert_allclose(x.grad._data, 2 * first)


def test_second_backward_without_retain_graph_is_torchs_error() -> None:
    x = leaf(3)
    y = x.tanh().sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_non_scalar_backward_needs_gradient() -> None:
    y = leaf(3) * 2
    with pytest.raises(
        RuntimeError, match="grad can be implicitly created only for scalar outputs"
    ):
        y.backward()


def test_gradient_of_wrong_shape() -> None:
    y = leaf(3) * 2
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        y.backward(mt.ones(4, dtype=mt.float64))


def test_explicit_gradient() -> None:
    x = leaf(3)
    (x * 3).backward(mt.tensor(np.array([1.0, 2.0, 3.0])))
    np.testing.assert_array_equal(x.grad._data, [3.0, 6.0, 9.0])


def test_requires_grad_only_for_floats() -> None:
    with pytest.raises(RuntimeError, match="floating point"):
        mt.tensor([1, 2, 3], requires_grad=True)


def test_non_leaf_grad_is_none_unless_retained() -> None:
    x = leaf(3)
    a = x * 2
    b = x * 3
    b.retain_grad()
    (a + b).sum().backward()
    assert a.grad is None and not a.is_leaf
    np.testing.assert_array_equal(b.grad._data, np.ones(3))


def test_no_grad_context_and_decorator() -> None:
    x = leaf(3)
    with mt.no_grad():
        y = x * 2
        with mt.enable_grad():
            z = x * 2
    assert y.grad_fn is None and not y.requires_grad
    assert z.grad_fn is not None

    @mt.no_grad()
    def f(t: mt.Tensor) -> mt.Tensor:
        return t * 2

    assert f(x).grad_fn is None
    assert mt.is_grad_enabled()
    mt.set_grad_enabled(False)
    assert (x * 2).grad_fn is None
    mt.set_grad_enabled(True)
    with mt.set_grad_enabled(False):
        assert not mt.is_grad_enabled()
    assert mt.is_grad_enabled()


def test_inplace_change_of_saved_tensor_is_caught() -> None:
    w = leaf(3)
    x = mt.tensor(np.ones(3))
    y = (w * x).sum()
    x.mul_(2)  # x was saved by MulBackward0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_inplace_change_of_saved_output_is_caught() -> None:
    w = leaf(3)
    y = w.tanh()
    with mt.no_grad():
        y.add_(1)  # tanh saved its output
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_inplace_change_through_a_view_is_caught() -> None:
    w = leaf(2, 3)
    v = w.reshape(6)
    y = (v * v).sum()
    with mt.no_grad():
        w.sub_(1.0)  # changes v's data too: the view shares w's version counter
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_inplace_changes_before_a_node_was_recorded_are_fine() -> None:
    # What matters is a change *after* the node that saved the tensor was made: an optimizer
    # step between two forward passes, or a change to a tensor no node saved, is no error.
    w, x = leaf(3), mt.tensor(np.ones(3))
    with mt.no_grad():
        w.add_(1.0)
        x.mul_(2)
    y = (w * x).sum()
    other = mt.tensor(np.ones(3))
    z = (w + other).sum()  # Add saves nothing
    other.mul_(5)
    (y + z).backward()
    np.testing.assert_array_equal(w.grad._data, [3.0, 3.0, 3.0])
    assert x._version == 1 and other._version == 1


def test_inplace_on_leaf_requiring_grad_is_refused_outside_no_grad() -> None:
    w = leaf(3)
    with pytest.raises(RuntimeError, match="^a leaf Variable that requires grad"):
        w.add_(1)
    with pytest.raises(RuntimeError, match="^a view of a leaf Variable that requires grad"):
        w[0] = 5.0  # torch's words: the assignment writes through a view
    with mt.no_grad():
        w.add_(1)  # what an optimizer does
        w.mul_(2)
        w.sub_(w._data, alpha=0.5)
        w.copy_(np.zeros(3))
        w.zero_()
    assert w._version == 5


def test_numpy_of_tensor_requiring_grad() -> None:
    with pytest.raises(RuntimeError, match=r"Use tensor.detach\(\).numpy\(\) instead"):
        leaf(2).numpy()
    assert isinstance(leaf(2).detach().numpy(), np.ndarray)


def test_matmul_shape_error_names_both_shapes() -> None:
    with pytest.raises(
        RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"
    ):
        mt.randn(2, 3) @ mt.randn(4, 5)


@pytest.mark.parametrize(
    ("shapes", "message"),
    [  # torch 2.13's words for each mistake
        (((4,), (2, 3), (4, 4)), "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x4)"),
        (((4,), (2, 3, 1), (3, 4)), "mat1 must be a matrix, got 3-D tensor"),
        (((4,), (2, 3), (3,)), "mat2 must be a matrix, got 1-D tensor"),
        (
            ((3,), (2, 3), (3, 4)),
            "The expanded size of the tensor (4) must match the existing size (3) at "
            "non-singleton dimension 1.  Target sizes: [2, 4].  Tensor sizes: [3]",
        ),
        (
            ((3, 4), (2, 3), (3, 4)),
            "The expanded size of the tensor (2) must match the existing size (3) at "
            "non-singleton dimension 0.  Target sizes: [2, 4].  Tensor sizes: [3, 4]",
        ),
        (
            ((5, 2, 4), (2, 3), (3, 4)),
            "the number of sizes provided (2) must be greater or equal to the number of "
            "dimensions in the tensor (3)",
        ),
    ],
)
def test_addmm_errors(shapes: tuple[tuple[int, ...], ...], message: str) -> None:
    with pytest.raises(RuntimeError, match=re.escape(message)):
        mt.addmm(*[mt.zeros(*s) for s in shapes])


def test_addmm_refuses_mixed_dtypes() -> None:
    f32, f64 = mt.zeros(2, 3), mt.zeros(2, 3, dtype=mt.float64)
    w32, w64, b32, b64 = mt.zeros(3, 4), mt.zeros(3, 4, dtype=mt.float64), mt.zeros(4), mt.zeros(4, dtype=mt.float64)
    with pytest.raises(RuntimeError, match="self and mat2 must have the same dtype, but got Double and Float"):
        mt.addmm(b64, f32, w32)
    with pytest.raises(RuntimeError, match="mat1 and mat2 must have the same dtype, but got Double and Float"):
        mt.addmm(b32, f64, w32)
    with pytest.raises(RuntimeError, match="self and mat2 must have the same dtype, but got Float and Double"):
        mt.addmm(b32, f32, w64)


def test_addmm_is_one_node_that_skips_unneeded_gradients() -> None:
    c, a, w = mt.randn(4), mt.randn(2, 3), mt.randn(3, 4, requires_grad=True)
    y = mt.addmm(c, a, w)
    assert y.grad_fn.name() == "AddmmBackward0"
    assert [e is not None for e in y.grad_fn.next_edges] == [False, False, True]
    y.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), a.numpy().T @ np.ones((2, 4)), rtol=1e-6)


def test_broadcast_error_names_the_dimension() -> None:
    msg = r"The size of tensor a \(3\) must match the size of tensor b \(5\) at non-singleton dimension 1"
    with pytest.raises(RuntimeError, match=msg):
        mt.randn(2, 3) + mt.randn(2, 5)


DIM_ERRORS = [  # (case, call on a library, exception, torch 2.13's message)
    ("stack_dim", lambda t: t.stack([t.zeros(2)], dim=2), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    ("stack_scalars", lambda t: t.stack([t.tensor(1.0)], dim=-2), IndexError,
     "Dimension out of range (expected to be in range of [-1, 0], but got -2)"),
    ("cat_dim", lambda t: t.cat([t.zeros(2)], dim=1), IndexError,
     "Dimension out of range (expected to be in range of [-1, 0], but got 1)"),
    ("cat_scalar", lambda t: t.cat([t.zeros(1), t.tensor(1.0)]), RuntimeError,
     "zero-dimensional tensor (at position 1) cannot be concatenated"),
    ("unbind_dim", lambda t: t.zeros(2, 3).unbind(2), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    ("unbind_scalar", lambda t: t.tensor(1.0).unbind(0), IndexError,
     "Dimension specified as 0 but tensor has no dimensions"),
    ("squeeze_dim", lambda t: t.zeros(2, 3).squeeze(2), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    ("unsqueeze_dim", lambda t: t.zeros(2, 3).unsqueeze(-4), IndexError,
     "Dimension out of range (expected to be in range of [-3, 2], but got -4)"),
    ("transpose_dim", lambda t: t.zeros(2, 3).transpose(0, 2), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    ("permute_dim", lambda t: t.zeros(2, 3).permute(0, 2), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    ("permute_duplicate", lambda t: t.zeros(2, 3).permute(0, -2), RuntimeError,
     "permute(): duplicate dims are not allowed."),
    ("permute_length", lambda t: t.zeros(2, 3).permute(0), RuntimeError,
     "permute(sparse_coo): number of dimensions in the tensor input does not match the length "
     "of the desired ordering of dimensions i.e. input.dim() = 2 is not equal to len(dims) = 1"),
    ("argmax_dim", lambda t: t.zeros(2, 3).argmax(2), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    ("size_dim", lambda t: t.zeros(2, 3).size(-3), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got -3)"),
]


MORE_ERRORS = [  # (case, call on a library, exception, torch 2.13's message; {lib} = its name)
    ("sum_same_dim_twice", lambda t: t.zeros(2, 3).sum(dim=(0, -2)), RuntimeError,
     "dim 0 appears multiple times in the list of dims"),
    ("mean_of_integers", lambda t: t.tensor([1, 2]).mean(), RuntimeError,
     "mean(): could not infer output dtype. Input dtype must be either a floating point or "
     "complex dtype. Got: Long"),
    ("reshape_two_unknowns", lambda t: t.zeros(6).reshape(-1, 2, -1), RuntimeError,
     "only one dimension can be inferred"),
    ("matmul_batch_dims", lambda t: t.zeros(4, 2, 3, 4) @ t.zeros(3, 4, 2), RuntimeError,
     "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1"),
    ("matmul_vectors", lambda t: t.zeros(3) @ t.zeros(4), RuntimeError,
     "inconsistent tensor size, expected tensor [3] and src [4] to have the same number of "
     "elements, but got 3 and 4 elements respectively"),
    ("matmul_matrix_vector", lambda t: t.zeros(2, 3) @ t.zeros(4), RuntimeError,
     "size mismatch, got input (2), mat (2x3), vec (4)"),
    ("cat_sizes", lambda t: t.cat([t.zeros(2, 3), t.zeros(2, 3), t.zeros(3, 2)], dim=1),
     RuntimeError, "Sizes of tensors must match except in dimension 1. Expected size 2 but got "
     "size 3 for tensor number 2 in the list."),
    ("cat_ndims", lambda t: t.cat([t.zeros(2, 3), t.zeros(2)]), RuntimeError,
     "Tensors must have same number of dimensions: got 2 and 1"),
    ("integer_requires_grad", lambda t: t.tensor([1, 2], requires_grad=True), RuntimeError,
     "Only Tensors of floating point and complex dtype can require gradients"),
    ("index_out_of_bounds", lambda t: t.zeros(2, 3)[1, 7], IndexError,
     "index 7 is out of bounds for dimension 1 with size 3"),
    ("float_index", lambda t: t.zeros(3)[t.tensor([0.0])], IndexError,
     "tensors used as indices must be long, int, byte or bool tensors"),
    ("negative_size", lambda t: t.ones(2, -1), RuntimeError,
     "Trying to create tensor with negative dimension -1: [2, -1]"),
    ("backward_gradient_shape", lambda t: (t.zeros(2, requires_grad=True) * 2).backward(
        t.ones(3)), RuntimeError, "Mismatch in shape: grad_output[0] has a shape of "
     "{lib}.Size([3]) and output[0] has a shape of {lib}.Size([2])."),
]


@pytest.mark.parametrize("lib_name", ["minitorch_rnn", "torch"])
@pytest.mark.parametrize(
    ("make", "error", "message"),
    [c[1:] for c in DIM_ERRORS + MORE_ERRORS],
    ids=[c[0] for c in DIM_ERRORS + MORE_ERRORS],
)
def test_mistakes_get_torchs_error(make: Any, error: type, message: str, lib_name: str) -> None:
    # A dim the tensor lacks is never wrapped around silently: stack([x], dim=2) of a 1-D x
    # once gave a (2, 1) result.
    lib = pytest.importorskip(lib_name)
    with pytest.raises(error) as info:
        make(lib)
    assert str(info.value) == message.format(lib=lib_name)


@pytest.mark.parametrize(
    ("call", "shape"),
    [
        (lambda t: t.stack([t.zeros(2, 3)] * 4, dim=-1), (2, 3, 4)),
        (lambda t: t.stack([t.tensor(1.0)] * 2, dim=-1), (2,)),
        (lambda t: t.cat([t.zeros(2, 3), t.zeros(2, 1)], dim=-1), (2, 4)),
        (lambda t: t.zeros(2, 3).unsqueeze(-1), (2, 3, 1)),
        (lambda t: t.zeros(2, 3).unsqueeze(2), (2, 3, 1)),
        (lambda t: t.zeros(2, 1).squeeze(-1), (2,)),
        (lambda t: t.tensor(1.0).squeeze(0), ()),
        (lambda t: t.tensor(1.0).transpose(0, -1), ()),
        (lambda t: t.zeros(2, 3, 4).permute(2, -3, 1), (4, 2, 3)),
        (lambda t: t.zeros(2, 3, 4).transpose(-1, 0), (4, 3, 2)),
        (lambda t: t.zeros(2, 3).unbind(-1)[0], (2,)),
    ],
)
def test_negative_and_edge_dims_give_torchs_shapes(call: Any, shape: tuple[int, ...]) -> None:
    assert tuple(call(mt).shape) == shape


def test_transpose_of_a_scalar_passes_its_gradient() -> None:
    x = mt.tensor(2.0, requires_grad=True)
    (x.transpose(0, 0) * 3.0).backward()
    assert x.grad.item() == 3.0


def test_reshape_error() -> None:
    with pytest.raises(RuntimeError, match=r"shape '\[3, 5\]' is invalid for input of size 12"):
        mt.randn(3, 4).reshape(3, 5)


def test_dtypes() -> None:
    assert mt.tensor([1.0, 2.0]).dtype == mt.float32
    assert mt.tensor(np.array([1.0])).dtype == mt.float64
    assert mt.tensor(2.5).dtype == mt.float32
    assert mt.tensor([1, 2]).dtype == mt.int64
    x = mt.randn(3)
    assert (1.0 - x).dtype == mt.float32 and (2 / x).dtype == mt.float32
    assert (x * np.float32(2)).dtype == mt.float32
    assert mt.randn(2, dtype=mt.float64).dtype == mt.float64


def test_scalars_and_arrays_mix_in_on_either_side() -> None:
    x = leaf(3)
    y = 1.0 - x
    z = 2 / x
    w = np.ones(3) * x
    np.testing.assert_allclose(y._data, 1 - x._data)
    np.testing.assert_allclose(z._data, 2 / x._data)
    np.testing.assert_allclose(w._data, x._data)


def test_repr_like_torch() -> None:
    assert repr(mt.tensor([[1.3091, -0.1126]])) == "tensor([[ 1.3091, -0.1126]])"
    assert repr(mt.tensor([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"
    assert repr(mt.tensor([1.0]).double()) == "tensor([1.], dtype=minitorch_rnn.float64)"
    x = mt.tensor([0.5], requires_grad=True)
    assert repr(x.tanh()) == "tensor([0.4621], grad_fn=<TanhBackward0>)"
    assert repr(mt.tensor(2.5)) == "tensor(2.5000)"
    assert repr(mt.tensor([1, 2])) == "tensor([1, 2])"


def test_tensor_basics() -> None:
    x = mt.randn(2, 3)
    assert x.shape == (2, 3) and x.size() == (2, 3) and x.size(1) == 3
    assert x.dim() == 2 and x.ndim == 2 and x.numel() == 6 and len(x) == 2
    assert x.T.shape == (3, 2)
    assert [r.shape for r in x] == [(3,), (3,)]
    assert mt.tensor([[4.0]]).item() == 4.0
    assert mt.tensor([1.0, 2.0]).tolist() == [1.0, 2.0]
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        x.item()
    y = leaf(2)
    assert y.is_leaf and y.requires_grad and y.grad_fn is None
    assert not y.detach().requires_grad


def test_manual_seed_reproducible() -> None:
    mt.manual_seed(3)
    a = mt.randn(4)
    mt.manual_seed(3)
    b = mt.randn(4)
    np.testing.assert_array_equal(a._data, b._data)


def test_autograd_grad_leaves_dot_grad_alone() -> None:
    x = leaf(3)
    h = x * 2
    y = (h * h).sum()
    gx, gh = mt.autograd.grad(y, [x, h])
    np.testing.assert_allclose(gx._data, 8 * x._data)
    np.testing.assert_allclose(gh._data, 2 * h._data)
    assert x.grad is None


def test_gradcheck_catches_a_wrong_backward() -> None:
    class BadSquare(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):  # type: ignore[no-untyped-def]
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):  # type: ignore[no-untyped-def]
            (x,) = ctx.saved_tensors
            return grad * x  # wrong: should be 2 * x

    with pytest.raises(mt.autograd.GradcheckError, match="Jacobian mismatch"):
        gradcheck(BadSquare.apply, (leaf(3),))
    assert gradcheck(lambda t: t * t, (leaf(3),))


def test_unbind_unused_outputs_get_zero_gradient() -> None:
    x = leaf(4, 2)
    a, b, c, d = x.unbind(0)
    (b * 3).sum().backward()
    expected = np.zeros((4, 2))
    expected[1] = 3
    np.testing.assert_array_equal(x.grad._data, expected)


def test_scopes_tag_nodes() -> None:
    x = leaf(2)
    with mt.autograd.scope("layer 0"):
        with mt.autograd.scope("t=1"):
            y = x.tanh()
        z = y * 2
    w = z + 1
    assert y.grad_fn.scope == ("layer 0", "t=1")
    assert z.grad_fn.scope == ("layer 0",)
    assert w.grad_fn.scope == ()


def test_retain_grads_and_values_for_drawing() -> None:
    x = leaf(2)
    with mt.autograd.retain_values():
        y = x.tanh()
    z = (y * 3).sum()
    with mt.autograd.retain_grads():
        z.backward()
    np.testing.assert_array_equal(y.grad_fn.output_value, y._data)
    np.testing.assert_array_equal(y.grad_fn.grad_outputs[0], [3.0, 3.0])
    assert y.grad is None  # normal tensors still keep no non-leaf grad
